// The decisions of Matrix server discovery (server-server API, "Resolving
// server names"), without any I/O: each function takes what the previous
// network step found and says what to do next. The networking layer performs
// the lookups (net/matrix_server_resolver) and calls these in order:
//
//   begin_discovery(server_name)
//     -> Connect (IP literal, or explicit port)          [steps 1, 2]
//     -> FetchWellKnown(hostname)
//   after_well_known(server_name, m.server or nullopt)
//     -> Connect (delegated IP literal or explicit port) [steps 3.1, 3.2]
//     -> LookUpSrv(name)                                 [steps 3.3-3.5, 4-6]
//   after_srv(name, _matrix-fed._tcp records, _matrix._tcp records)
//     -> candidates                                      [SRV targets, or port 8448]
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/error.hpp"

namespace matrixrtc::core::matrix {

/// The spec's default federation port; tests and unusual deployments change it.
inline constexpr std::uint16_t kDefaultFederationPort = 8448;

/// Where and how to send a federation request.
struct Candidate {
  std::string connect_host;     ///< a DNS name to resolve with A/AAAA, or an IP literal (no brackets)
  std::uint16_t port = 0;       ///< TCP port
  std::string tls_server_name;  ///< name the certificate must be valid for (and SNI unless an IP)
  std::string host_header;      ///< value of the Host header
  friend bool operator==(const Candidate&, const Candidate&) = default;
};

/// One SRV answer record.
struct SrvRecord {
  std::string target;
  std::uint16_t port = 0;
  std::uint16_t priority = 0;
  std::uint16_t weight = 0;
  friend bool operator==(const SrvRecord&, const SrvRecord&) = default;
};

/// Resolution is finished: try these candidates in order.
struct Connect {
  std::vector<Candidate> candidates;
};
/// Fetch https://<hostname>/.well-known/matrix/server next.
struct FetchWellKnown {
  std::string hostname;
};
/// Look up SRV `_matrix-fed._tcp.<name>` and `_matrix._tcp.<name>` next,
/// then call after_srv with `name`.
struct LookUpSrv {
  std::string name;
};

using DiscoveryStep = std::variant<Connect, FetchWellKnown, LookUpSrv>;

/// Steps 1 and 2. Fails (invalid_argument) when `server_name` is not a valid
/// server name; nothing should be contacted then.
[[nodiscard]] Result<DiscoveryStep> begin_discovery(std::string_view server_name,
                                                    std::uint16_t default_port = kDefaultFederationPort);

/// Step 3 once the well-known lookup is done: `delegated` is the document's
/// m.server, or nullopt when there was no usable document (steps 4-6 follow).
/// Fails when `delegated` is not a valid server name.
[[nodiscard]] Result<DiscoveryStep> after_well_known(std::string_view server_name,
                                                     const std::optional<std::string>& delegated,
                                                     std::uint16_t default_port = kDefaultFederationPort);

/// After the SRV lookups for `name` (a hostname without port): the records of
/// `_matrix-fed._tcp` if there are any, else those of `_matrix._tcp`, else
/// `name` on the default port. SRV candidates are ordered by priority, then
/// by weight (heaviest first), then by target; a lone "." target means "no service" (RFC 2782).
/// The certificate name and Host header are `name`, never the SRV target.
[[nodiscard]] std::vector<Candidate> after_srv(std::string_view name, std::vector<SrvRecord> matrix_fed,
                                               std::vector<SrvRecord> matrix_legacy,
                                               std::uint16_t default_port = kDefaultFederationPort);

/// Sorts SRV records by ascending priority, then descending weight, then
/// target and port, so the order never depends on the DNS server's.
void order_srv_records(std::vector<SrvRecord>& records);

}  // namespace matrixrtc::core::matrix
