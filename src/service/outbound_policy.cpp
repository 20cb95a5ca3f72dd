#include "service/outbound_policy.hpp"

#include <algorithm>
#include <boost/asio/ip/address_v6.hpp>
#include <optional>
#include <string>

#include "core/matrix/identifiers.hpp"
#include "core/text.hpp"

namespace matrixrtc::service {
namespace {

using core::cat;

struct NormalName {
  std::string host;  ///< lower case, no trailing dot, IPv6 in canonical form without brackets
  std::optional<std::uint16_t> port;
};

std::string lower(std::string_view text) {
  std::string out(text);
  std::ranges::transform(out, out.begin(),
                         [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; });
  return out;
}

// Best effort for names the grammar refuses (lists compare them lower-cased as they are).
NormalName normalise(std::string_view name) {
  auto parsed = core::matrix::parse_server_name(name);
  if (!parsed) {
    std::string text = lower(name);
    while (!text.empty() && text.back() == '.') text.pop_back();
    return {std::move(text), std::nullopt};
  }
  NormalName out{lower(parsed->host), parsed->port};
  if (parsed->kind == core::matrix::HostKind::ipv6) {
    boost::system::error_code ec;
    const auto address = boost::asio::ip::make_address_v6(out.host, ec);
    if (!ec) out.host = address.to_string();
  }
  while (!out.host.empty() && out.host.back() == '.') out.host.pop_back();
  return out;
}

bool listed(std::string_view server_name, const std::vector<std::string>& list, std::string& entry_out) {
  for (const auto& entry : list) {
    if (server_name_matches(server_name, entry)) {
      entry_out = entry;
      return true;
    }
  }
  return false;
}

}  // namespace

bool server_name_matches(std::string_view server_name, std::string_view entry) {
  const bool wildcard = entry.starts_with("*.");
  if (wildcard) entry.remove_prefix(2);
  const NormalName name = normalise(server_name);
  const NormalName pattern = normalise(entry);
  if (pattern.host.empty()) return false;
  if (pattern.port && pattern.port != name.port) return false;
  if (!wildcard) return name.host == pattern.host;
  return name.host.size() > pattern.host.size() + 1 && name.host.ends_with(pattern.host) &&
         name.host[name.host.size() - pattern.host.size() - 1] == '.';
}

bool ssrf_exempt(std::string_view server_name, const Config& config) {
  if (std::ranges::find(config.ssrf_allowed_servers, server_name) != config.ssrf_allowed_servers.end()) return true;
  // Full access is trust in a named server; "*" (everyone) is not, so it
  // exempts nobody from the guard.
  const auto& full = config.full_access_homeservers;
  return std::ranges::any_of(full, [&](const std::string& name) { return name != "*" && name == server_name; });
}

net::AddressFilter address_filter_for(std::string_view server_name, const Config& config) {
  if (!config.ssrf_protection || ssrf_exempt(server_name, config)) return {};
  return net::public_addresses_only();
}

core::Result<void> homeserver_permitted(std::string_view server_name, const Config& config) {
  std::string entry;
  if (listed(server_name, config.homeserver_blocklist, entry)) {
    return core::fail(core::ErrorCode::address_refused,
                      cat("homeserver ", server_name, " is refused by LIVEKIT_HOMESERVER_BLOCKLIST entry ", entry));
  }
  if (!config.homeserver_allowlist.empty() && !listed(server_name, config.homeserver_allowlist, entry)) {
    return core::fail(core::ErrorCode::address_refused,
                      cat("homeserver ", server_name, " is not on LIVEKIT_HOMESERVER_ALLOWLIST"));
  }
  return {};
}

}  // namespace matrixrtc::service
