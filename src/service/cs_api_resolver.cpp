#include "service/cs_api_resolver.hpp"

#include "core/matrix/identifiers.hpp"
#include "core/matrix/well_known.hpp"
#include "core/text.hpp"
#include "service/outbound_policy.hpp"

namespace matrixrtc::service {
namespace {

using core::cat;

// A failed lookup is retried after this long; the reference retries at once.
constexpr std::int64_t kFailureLifetimeMs = 30'000;
// Entries at most; the cache is cleared when full (it refills from the hot servers).
constexpr std::size_t kMaxEntries = 10'000;
constexpr std::size_t kMaxWellKnownBytes = 64 * 1024;

}  // namespace

core::Result<UrlTarget> cs_api_target(std::string_view base_url, bool allow_http) {
  auto target = target_from_url(base_url);
  if (!target) return target;
  if (!target->target.tls && !allow_http) {
    return core::fail(core::ErrorCode::invalid_argument,
                      cat("client-server API \"", base_url, "\" is not https (LIVEKIT_CS_API_ALLOW_HTTP is off)"));
  }
  return target;
}

net::AddressFilter CsApiResolver::address_filter(std::string_view server_name) const {
  if (config_.cs_api_url_overrides.contains(server_name)) return {};
  return address_filter_for(server_name, config_);
}

core::Result<UrlTarget> CsApiResolver::remember(const std::string& server_name, core::Result<UrlTarget> target,
                                                std::int64_t lifetime_ms) {
  if (cache_.size() >= kMaxEntries) cache_.clear();
  cache_.insert_or_assign(server_name, Entry{target, now_ms_() + lifetime_ms});
  return target;
}

boost::asio::awaitable<core::Result<UrlTarget>> CsApiResolver::resolve(std::string server_name) {
  if (const auto it = config_.cs_api_url_overrides.find(server_name); it != config_.cs_api_url_overrides.end()) {
    co_return cs_api_target(it->second, config_.cs_api_allow_http);
  }
  if (const auto it = cache_.find(server_name); it != cache_.end()) {
    if (it->second.expires_ms > now_ms_()) co_return it->second.target;
    cache_.erase(it);
  }
  // The name comes from a client: only a valid server name becomes a host.
  if (auto valid = core::matrix::parse_server_name(server_name); !valid) {
    co_return core::fail(core::ErrorCode::invalid_argument, cat("invalid server name: ", valid.error().message));
  }
  auto well_known = target_from_url(cat("https://", server_name));
  if (!well_known) co_return remember(server_name, std::move(well_known), kFailureLifetimeMs);

  net::HttpRequest request;
  request.method = boost::beast::http::verb::get;
  request.target = "/.well-known/matrix/client";
  request.headers.emplace_back("Accept", "application/json");
  net::RequestOptions options;
  options.total_timeout = std::chrono::seconds(config_.homeserver_timeout_seconds);
  options.max_response_bytes = kMaxWellKnownBytes;
  options.max_redirects = 3;  // the client well-known is commonly redirected to a www host
  options.address_filter = address_filter(server_name);
  auto response = co_await http_.request(std::move(well_known->target), std::move(request), options);
  if (!response) co_return remember(server_name, std::unexpected(std::move(response.error())), kFailureLifetimeMs);
  if (response->status != 200) {
    auto failed = core::fail(core::ErrorCode::bad_response,
                             cat("/.well-known/matrix/client of ", server_name, " answered HTTP ", response->status));
    co_return remember(server_name, std::move(failed), kFailureLifetimeMs);
  }
  auto base_url = core::matrix::parse_well_known_client(response->body);
  if (!base_url) co_return remember(server_name, std::unexpected(std::move(base_url.error())), kFailureLifetimeMs);
  auto target = cs_api_target(*base_url, config_.cs_api_allow_http);
  if (!target) co_return remember(server_name, std::move(target), kFailureLifetimeMs);
  co_return remember(server_name, std::move(target), config_.cs_api_cache_seconds * 1000);
}

}  // namespace matrixrtc::service
