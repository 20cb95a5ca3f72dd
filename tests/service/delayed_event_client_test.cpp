#include "service/delayed_event_client.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "support/run.hpp"
#include "support/test_certificates.hpp"
#include "support/test_dns_server.hpp"
#include "support/test_http_server.hpp"

namespace matrixrtc::service {
namespace {

using namespace std::chrono_literals;
using core::delegation::CallResult;
using core::delegation::DelayedEventAction;
using matrixrtc::testing::TestResponse;

class DelayedEventClientTest : public ::testing::Test {
 protected:
  DelayedEventClientTest() {
    resolver_ = std::move(*net::DnsResolver::create(io_.get_executor(), {dns_.address(), 1000ms, 1}));
    net::HttpClientOptions options;
    options.extra_ca_file = ca_.certificate_file();
    http_ = std::move(*net::HttpClient::create(io_.get_executor(), *resolver_, options));
    config_.cs_api_url_overrides = {{"example.com", "https://127.0.0.1:" + std::to_string(server_.port()) + "/cs"}};
    cs_api_ = std::make_unique<CsApiResolver>(*http_, config_, [] { return std::int64_t{1'000'000}; });
    client_ = std::make_unique<DelayedEventClient>(*http_, *cs_api_, [] { return std::int64_t{1'000'000}; });
  }
  core::Result<CallResult> call(std::string delay_id, DelayedEventAction action) {
    return matrixrtc::testing::run(io_, client_->call("example.com", std::move(delay_id), action));
  }

  boost::asio::io_context io_;
  matrixrtc::testing::TestDnsServer dns_{io_.get_executor()};
  matrixrtc::testing::TestCa ca_;
  matrixrtc::testing::TestHttpServer server_{io_.get_executor(), ca_.issue({}, {"127.0.0.1"})};
  std::unique_ptr<net::DnsResolver> resolver_;
  std::unique_ptr<net::HttpClient> http_;
  Config config_;
  std::unique_ptr<CsApiResolver> cs_api_;
  std::unique_ptr<DelayedEventClient> client_;
};

TEST_F(DelayedEventClientTest, PostsAnEmptyObjectUnauthenticatedToTheEscapedPath) {
  server_.set_handler([](const auto&) { return TestResponse::json("{}"); });
  const auto result = call("../../admin", DelayedEventAction::restart);
  ASSERT_TRUE(result);
  EXPECT_EQ(result->kind, CallResult::Kind::ok);
  const auto requests = server_.requests();
  ASSERT_EQ(requests.size(), 1U);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].target,
            "/cs/_matrix/client/unstable/org.matrix.msc4140/delayed_events/..%2F..%2Fadmin/restart");
  EXPECT_EQ(requests[0].body, "{}");
  for (const auto& [name, value] : requests[0].headers) EXPECT_NE(name, "Authorization");
}

TEST_F(DelayedEventClientTest, ClassifiesAnswers) {
  unsigned status = 404;
  server_.set_handler([&status](const auto&) {
    auto response = TestResponse::json(R"({"errcode":"M_NOT_FOUND"})", status);
    if (status == 429) response.headers.emplace_back("Retry-After", "3");
    return response;
  });
  EXPECT_EQ(call("d", DelayedEventAction::send)->kind, CallResult::Kind::ok);  // already sent or cancelled
  EXPECT_EQ(call("d", DelayedEventAction::restart)->kind, CallResult::Kind::not_found);
  status = 429;
  const auto limited = call("d", DelayedEventAction::restart);
  EXPECT_EQ(limited->kind, CallResult::Kind::retry);
  EXPECT_EQ(limited->retry_after_ms, 3000);
  status = 502;
  EXPECT_EQ(call("d", DelayedEventAction::send)->kind, CallResult::Kind::retry);
}

TEST_F(DelayedEventClientTest, TransportFailureIsRetryAndNoCsApiIsAnError) {
  server_.set_handler([](const auto&) {
    TestResponse response;
    response.action = TestResponse::Action::reset;
    return response;
  });
  const auto reset = call("d", DelayedEventAction::send);
  ASSERT_TRUE(reset);
  EXPECT_EQ(reset->kind, CallResult::Kind::retry);
  const auto nowhere = matrixrtc::testing::run(io_, client_->call("bad name", "d", DelayedEventAction::send));
  EXPECT_FALSE(nowhere);
}

}  // namespace
}  // namespace matrixrtc::service
