#include "core/matrix/server_discovery.hpp"

#include <algorithm>

#include "core/matrix/identifiers.hpp"
#include "core/text.hpp"

namespace matrixrtc::core::matrix {
namespace {

// The Host header form of a host: IPv6 literals go back into brackets.
std::string host_for_header(const ServerName& name) {
  return name.kind == HostKind::ipv6 ? cat('[', name.host, ']') : std::string(name.host);
}

std::string with_port(const ServerName& name) {
  return name.port ? cat(host_for_header(name), ':', *name.port) : host_for_header(name);
}

// Steps 1 and 2 (and 3.1, 3.2 for a delegated name): an IP literal, or any
// name with an explicit port, is used as it is. The Host header is the name
// as written (with its port, if any); the certificate must match the host.
std::optional<Connect> connect_directly(const ServerName& name, std::uint16_t default_port) {
  if (name.kind == HostKind::dns_name && !name.port) return std::nullopt;
  Candidate candidate{std::string(name.host), name.port.value_or(default_port), std::string(name.host),
                      with_port(name)};
  return Connect{{std::move(candidate)}};
}

}  // namespace

Result<DiscoveryStep> begin_discovery(std::string_view server_name, std::uint16_t default_port) {
  auto name = parse_server_name(server_name);
  if (!name) return std::unexpected(std::move(name).error());
  if (auto direct = connect_directly(*name, default_port)) return DiscoveryStep{std::move(*direct)};
  return DiscoveryStep{FetchWellKnown{std::string(name->host)}};
}

Result<DiscoveryStep> after_well_known(std::string_view server_name, const std::optional<std::string>& delegated,
                                       std::uint16_t default_port) {
  auto original = parse_server_name(server_name);
  if (!original) return std::unexpected(std::move(original).error());
  if (!delegated) return DiscoveryStep{LookUpSrv{std::string(original->host)}};
  auto name = parse_server_name(*delegated);
  if (!name) {
    return fail(ErrorCode::invalid_argument, cat("delegated server name is invalid: ", name.error().message));
  }
  if (auto direct = connect_directly(*name, default_port)) return DiscoveryStep{std::move(*direct)};
  return DiscoveryStep{LookUpSrv{std::string(name->host)}};
}

void order_srv_records(std::vector<SrvRecord>& records) {
  // A total order (ties broken by target and port) rather than stable_sort,
  // whose libstdc++ 12 implementation clang 19 flags as deprecated.
  std::ranges::sort(records, [](const SrvRecord& a, const SrvRecord& b) {
    if (a.priority != b.priority) return a.priority < b.priority;
    if (a.weight != b.weight) return a.weight > b.weight;
    if (a.target != b.target) return a.target < b.target;
    return a.port < b.port;
  });
}

std::vector<Candidate> after_srv(std::string_view name, std::vector<SrvRecord> matrix_fed,
                                 std::vector<SrvRecord> matrix_legacy, std::uint16_t default_port) {
  const auto no_service = [](const std::vector<SrvRecord>& records) {
    return records.empty() || (records.size() == 1 && (records[0].target == "." || records[0].target.empty()));
  };
  std::vector<SrvRecord>& records = no_service(matrix_fed) ? matrix_legacy : matrix_fed;
  std::vector<Candidate> candidates;
  if (!no_service(records)) {
    order_srv_records(records);
    for (const SrvRecord& record : records) {
      std::string target = record.target;
      if (target.ends_with('.')) target.pop_back();
      if (target.empty() || record.port == 0) continue;
      candidates.push_back(Candidate{std::move(target), record.port, std::string(name), std::string(name)});
    }
  }
  if (candidates.empty()) {
    candidates.push_back(Candidate{std::string(name), default_port, std::string(name), std::string(name)});
  }
  return candidates;
}

}  // namespace matrixrtc::core::matrix
