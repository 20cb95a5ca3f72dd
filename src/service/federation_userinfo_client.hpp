// Validates an OpenID token with the user's homeserver over federation:
// GET /_matrix/federation/v1/openid/userinfo on the targets server discovery
// finds (or on the configured override URL for that server), trying each
// target in order. The access token travels only in the query string and is
// never logged or put in an error.
#pragma once

#include "net/http_client.hpp"
#include "net/matrix_server_resolver.hpp"
#include "service/backends.hpp"
#include "service/config.hpp"
#include "service/metrics.hpp"

namespace matrixrtc::service {

class FederationUserInfoClient : public UserInfoClient {
 public:
  /// `metrics`, when given, times each lookup and counts failures by reason.
  FederationUserInfoClient(net::HttpClient& http, net::MatrixServerResolver& resolver, const Config& config,
                           ThreadMetrics* metrics = nullptr)
      : http_(http), resolver_(resolver), config_(config), metrics_(metrics) {}

  boost::asio::awaitable<core::Result<std::string>> lookup_user(std::string server_name,
                                                                std::string access_token) override;

 private:
  /// The lookup itself; `answered_status` is the HTTP status of the answer read, if any.
  boost::asio::awaitable<core::Result<std::string>> lookup(std::string server_name, std::string access_token,
                                                           unsigned& answered_status);

  net::HttpClient& http_;
  net::MatrixServerResolver& resolver_;
  const Config& config_;
  ThreadMetrics* metrics_;
};

/// The `sub` of a userinfo answer, or why the answer is unusable.
[[nodiscard]] core::Result<std::string> parse_userinfo(unsigned status, std::string_view body);

/// Percent-encodes everything but RFC 3986's unreserved characters.
[[nodiscard]] std::string url_encode(std::string_view text);

/// An override URL ("https://host:port[/prefix]") as a connection target and path prefix.
struct UrlTarget {
  net::HttpTarget target;
  std::string path_prefix;
};
[[nodiscard]] core::Result<UrlTarget> target_from_url(std::string_view url);

}  // namespace matrixrtc::service
