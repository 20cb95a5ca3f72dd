// An HTTP/1.1 client for talking to homeservers and LiveKit: TLS verified by
// default (system CAs plus an optional extra bundle), names resolved through
// our DnsResolver, connections kept alive and reused per (host, port, TLS
// name), connect and total deadlines, a response size limit, and redirects
// only when asked for, and an optional per-request address filter (the SSRF
// guard) applied to every address right before connecting to it, to
// redirect targets alike, and to kept-alive connections before reuse.
// Errors are values; nothing throws out of request().
// Use one client from one thread (or strand) at a time.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/beast/http/verb.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "net/dns_resolver.hpp"

namespace matrixrtc::net {

/// Where to send a request and how to authenticate the peer.
struct HttpTarget {
  bool tls = true;
  std::string host;  ///< DNS name or IP literal (IPv6 without brackets) to connect to
  std::uint16_t port = 443;
  std::string tls_server_name;  ///< name the certificate must match (and SNI unless an IP); empty: host
  std::string host_header;      ///< Host header; empty: host[:port]
  friend bool operator==(const HttpTarget&, const HttpTarget&) = default;
};

struct HttpRequest {
  boost::beast::http::verb method = boost::beast::http::verb::get;
  std::string target = "/";  ///< origin-form: path and query
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

struct HttpResponse {
  unsigned status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  /// The first header with this name (case-insensitive), if any.
  [[nodiscard]] std::optional<std::string_view> header(std::string_view name) const;
};

struct HttpClientOptions {
  /// A PEM file of CAs trusted in addition to the system's.
  std::optional<std::string> extra_ca_file;
  /// Trust the system's CA store (off only for tests that must prove the extra file is used).
  bool use_system_cas = true;
  /// Verify certificates and names. Off only for LIVEKIT_INSECURE_SKIP_VERIFY_TLS.
  bool verify_peer = true;
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds total_timeout{30000};
  std::size_t max_response_bytes = 1024 * 1024;
  /// Idle kept-alive connections: in total, per target, and for how long.
  std::size_t max_idle_connections = 32;
  std::size_t max_idle_per_target = 4;
  std::chrono::milliseconds idle_timeout{30000};
  /// Open connections per target, in use and idle together (0: no cap).
  /// Requests beyond it wait for one within their own deadline; see
  /// connection_slots.hpp.
  std::size_t max_connections_per_target = 0;
};

/// Decides whether a connection to `address` may be made; an error refuses it
/// and its message says why (for logs). Must not block or suspend.
using AddressFilter = std::function<core::Result<void>(const asio::ip::address& address)>;

/// The SSRF guard's filter: refuses every address that is not public unicast
/// by core/net_policy (loopback, private, link-local, multicast, unspecified,
/// CGNAT, reserved, broadcast, and IPv6 forms embedding such an IPv4 address)
/// with address_refused.
[[nodiscard]] AddressFilter public_addresses_only();

struct RequestOptions {
  std::optional<std::chrono::milliseconds> total_timeout;  ///< overrides HttpClientOptions
  std::optional<std::size_t> max_response_bytes;           ///< overrides HttpClientOptions
  /// How many redirects (301, 302, 303, 307, 308) to follow; 0 returns them as responses.
  unsigned max_redirects = 0;
  /// When set, every address the request would connect to (each one the
  /// name resolves to, on every redirect hop too) is checked right before
  /// connecting; refused addresses are skipped, and when none is left the
  /// request fails with address_refused without any connection attempt. The
  /// peer of a connected socket is checked again, and a kept-alive
  /// connection is reused only if its peer passes this filter.
  AddressFilter address_filter;
};

class HttpClient {
 public:
  /// Fails with tls_failure when the CA stores cannot be loaded.
  [[nodiscard]] static core::Result<std::unique_ptr<HttpClient>> create(asio::any_io_executor executor,
                                                                        DnsResolver& resolver,
                                                                        HttpClientOptions options = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  /// Sends one request and reads the whole response. Any status is a
  /// response; failures are dns_failure, connect_failed, timed_out,
  /// tls_failure, bad_response, response_too_large or address_refused. Error messages name
  /// the method, scheme, host, port and path, never the query string.
  [[nodiscard]] asio::awaitable<core::Result<HttpResponse>> request(HttpTarget target, HttpRequest request,
                                                                    RequestOptions options = {});

  /// Connections currently kept for reuse.
  [[nodiscard]] std::size_t idle_connections() const;
  /// Closes every idle connection.
  void close_idle_connections();

 private:
  struct Impl;
  explicit HttpClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace matrixrtc::net
