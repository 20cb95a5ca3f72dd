#include "service/cs_api_resolver.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "support/run.hpp"
#include "support/test_certificates.hpp"
#include "support/test_dns_server.hpp"
#include "support/test_http_server.hpp"

namespace matrixrtc::service {
namespace {

using namespace std::chrono_literals;
using matrixrtc::testing::TestResponse;

class CsApiResolverTest : public ::testing::Test {
 protected:
  CsApiResolverTest() {
    resolver_ = std::move(*net::DnsResolver::create(io_.get_executor(), {dns_.address(), 1000ms, 1}));
    net::HttpClientOptions options;
    options.extra_ca_file = ca_.certificate_file();
    http_ = std::move(*net::HttpClient::create(io_.get_executor(), *resolver_, options));
    config_.homeserver_timeout_seconds = 2;
    server_name_ = "127.0.0.1:" + std::to_string(server_.port());
    config_.ssrf_allowed_servers = {server_name_};  // the test homeserver is on loopback
    cs_api_ = std::make_unique<CsApiResolver>(*http_, config_, [this] { return now_ms_; });
  }
  core::Result<UrlTarget> resolve(const std::string& name) {
    return matrixrtc::testing::run(io_, cs_api_->resolve(name));
  }
  void answer(std::string body, unsigned status = 200) {
    server_.set_handler([body = std::move(body), status](const matrixrtc::testing::RecordedRequest& request) {
      if (request.target != "/.well-known/matrix/client") return TestResponse::json("{}", 404);
      return TestResponse::json(body, status);
    });
  }

  boost::asio::io_context io_;
  matrixrtc::testing::TestDnsServer dns_{io_.get_executor()};
  matrixrtc::testing::TestCa ca_;
  matrixrtc::testing::TestHttpServer server_{io_.get_executor(), ca_.issue({}, {"127.0.0.1"})};
  std::unique_ptr<net::DnsResolver> resolver_;
  std::unique_ptr<net::HttpClient> http_;
  Config config_;
  std::int64_t now_ms_ = 1'000'000;
  std::unique_ptr<CsApiResolver> cs_api_;
  std::string server_name_;
};

TEST_F(CsApiResolverTest, DiscoversTheBaseUrlAndCachesIt) {
  answer(R"({"m.homeserver":{"base_url":"https://matrix.example.org:8443/prefix/"}})");
  const auto target = resolve(server_name_);
  ASSERT_TRUE(target) << target.error().message;
  EXPECT_EQ(target->target.host, "matrix.example.org");
  EXPECT_EQ(target->target.port, 8443);
  EXPECT_EQ(target->path_prefix, "/prefix");
  ASSERT_TRUE(resolve(server_name_));
  EXPECT_EQ(server_.requests().size(), 1U);  // cached
  now_ms_ += config_.cs_api_cache_seconds * 1000;
  ASSERT_TRUE(resolve(server_name_));
  EXPECT_EQ(server_.requests().size(), 2U);  // expired, asked again
}

TEST_F(CsApiResolverTest, RefusesHttpUnlessAllowed) {
  answer(R"({"m.homeserver":{"base_url":"http://matrix.example.org"}})");
  const auto refused = resolve(server_name_);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().message,
            "client-server API \"http://matrix.example.org\" is not https (LIVEKIT_CS_API_ALLOW_HTTP is off)");
  config_.cs_api_allow_http = true;
  now_ms_ += 60'000;  // past the failure's short memory
  const auto allowed = resolve(server_name_);
  ASSERT_TRUE(allowed) << allowed.error().message;
  EXPECT_FALSE(allowed->target.tls);
  EXPECT_EQ(allowed->target.port, 80);
}

TEST_F(CsApiResolverTest, FailuresAreErrorsRememberedBriefly) {
  answer("{}", 404);
  EXPECT_FALSE(resolve(server_name_));
  EXPECT_FALSE(resolve(server_name_));
  EXPECT_EQ(server_.requests().size(), 1U);
  now_ms_ += 31'000;
  answer(R"({"m.homeserver":{"base_url":"https://hs.example"}})");
  EXPECT_TRUE(resolve(server_name_));
  for (const char* body : {"<html>", R"({"m.homeserver":{}})", R"({"m.homeserver":{"base_url":"ftp://x"}})"}) {
    now_ms_ += 31'000 + config_.cs_api_cache_seconds * 1000;
    answer(body);
    EXPECT_FALSE(resolve(server_name_)) << body;
  }
}

TEST_F(CsApiResolverTest, TheSsrfGuardKeepsClientNamedServersOffLoopback) {
  config_.ssrf_allowed_servers.clear();
  answer(R"({"m.homeserver":{"base_url":"https://hs.example"}})");
  const auto refused = resolve(server_name_);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, core::ErrorCode::address_refused);
  EXPECT_EQ(server_.connections(), 0U);
  // An override is the admin's own configuration: not filtered.
  config_.cs_api_url_overrides = {{server_name_, "https://127.0.0.1:1/"}};
  EXPECT_FALSE(static_cast<bool>(cs_api_->address_filter(server_name_)));
}

TEST_F(CsApiResolverTest, OverridesWinWithoutAnyRequest) {
  config_.cs_api_url_overrides = {{"example.com", "https://internal.example:8448/"}};
  const auto target = resolve("example.com");
  ASSERT_TRUE(target);
  EXPECT_EQ(target->target.host, "internal.example");
  EXPECT_EQ(target->target.port, 8448);
  EXPECT_TRUE(server_.requests().empty());
}

TEST_F(CsApiResolverTest, InvalidServerNamesNeverBecomeHosts) {
  for (const char* name : {"", "bad name", "example.com/path", "user@example.com"}) {
    const auto refused = resolve(name);
    ASSERT_FALSE(refused) << name;
    EXPECT_TRUE(refused.error().message.starts_with("invalid server name")) << refused.error().message;
  }
  EXPECT_TRUE(server_.requests().empty());
}

}  // namespace
}  // namespace matrixrtc::service
