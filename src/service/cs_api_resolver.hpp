// Finds a homeserver's client-server API for MSC4140 delayed-event calls, as
// lk-jwt-service does (§5 "CS-API discovery"): LIVEKIT_CS_API_URL_OVERRIDES
// first, then a cache, then GET https://<server>/.well-known/matrix/client.
// Unlike the reference, the base URL is validated (https only, unless
// LIVEKIT_CS_API_ALLOW_HTTP), the cache lifetime is a setting and bounded in
// size, and a failed lookup is remembered briefly so a broken server is not
// asked again for every call.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "core/error.hpp"
#include "net/http_client.hpp"
#include "service/config.hpp"
#include "service/federation_userinfo_client.hpp"

namespace matrixrtc::service {

class CsApiResolver {
 public:
  CsApiResolver(net::HttpClient& http, const Config& config, std::function<std::int64_t()> now_ms)
      : http_(http), config_(config), now_ms_(std::move(now_ms)) {}

  /// The base URL of `server_name`'s client-server API as a connection target.
  boost::asio::awaitable<core::Result<UrlTarget>> resolve(std::string server_name);
  /// The SSRF guard for requests to `server_name`'s client-server API: none
  /// for an override (the admin's own configuration), else the guard's rule.
  [[nodiscard]] net::AddressFilter address_filter(std::string_view server_name) const;

 private:
  struct Entry {
    core::Result<UrlTarget> target;
    std::int64_t expires_ms;
  };
  core::Result<UrlTarget> remember(const std::string& server_name, core::Result<UrlTarget> target,
                                   std::int64_t lifetime_ms);

  net::HttpClient& http_;
  const Config& config_;
  std::function<std::int64_t()> now_ms_;
  std::map<std::string, Entry, std::less<>> cache_;
};

/// A base URL checked for use: http(s) with a host, https unless `allow_http`.
[[nodiscard]] core::Result<UrlTarget> cs_api_target(std::string_view base_url, bool allow_http);

}  // namespace matrixrtc::service
