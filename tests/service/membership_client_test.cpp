#include "service/membership_client.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "support/run.hpp"
#include "support/test_certificates.hpp"
#include "support/test_dns_server.hpp"
#include "support/test_http_server.hpp"

namespace matrixrtc::service {
namespace {

using namespace std::chrono_literals;
using core::matrix::MembershipQuery;
using matrixrtc::testing::RecordedRequest;
using matrixrtc::testing::TestResponse;

constexpr std::string_view kStable = "/cs/_matrix/client/v3/rooms/%21room%3Aexample.com/is_joined";
constexpr std::string_view kUnstable =
    "/cs/_matrix/client/unstable/io.element.msc4502/rooms/%21room%3Aexample.com/is_joined";
constexpr std::string_view kState =
    "/cs/_matrix/client/v3/rooms/%21room%3Aexample.com/state/m.room.member/%40alice%3Aexample.com";

std::string path_of(const RecordedRequest& request) { return request.target.substr(0, request.target.find('?')); }

class MembershipClientTest : public ::testing::Test {
 protected:
  MembershipClientTest() {
    resolver_ = std::move(*net::DnsResolver::create(io_.get_executor(), {dns_.address(), 1000ms, 1}));
    net::HttpClientOptions options;
    options.extra_ca_file = ca_.certificate_file();
    http_ = std::move(*net::HttpClient::create(io_.get_executor(), *resolver_, options));
    config_.full_access_homeservers = {"example.com"};
    config_.membership_check_homeserver = "example.com";
    config_.membership_check_token = "as-token";
    config_.homeserver_timeout_seconds = 2;
    config_.cs_api_url_overrides = {{"example.com", "https://127.0.0.1:" + std::to_string(server_.port()) + "/cs"}};
    cs_api_ = std::make_unique<CsApiResolver>(*http_, config_, [this] { return now_ms_; });
    client_ = std::make_unique<MembershipClient>(*http_, *cs_api_, config_, form_, [this] { return now_ms_; });
  }
  core::Result<bool> is_joined(std::string room = "!room:example.com") {
    return matrixrtc::testing::run(io_, client_->is_joined(std::move(room), "@alice:example.com"));
  }
  /// The server has only the endpoints whose path starts with one of `present`.
  void serve(std::vector<std::string_view> present, std::string is_joined_body, std::string state_body) {
    server_.set_handler([present, is_joined_body, state_body](const RecordedRequest& request) {
      const std::string path = path_of(request);
      for (const auto prefix : present) {
        if (path != prefix) continue;
        return TestResponse::json(path.ends_with("is_joined") ? is_joined_body : state_body);
      }
      return TestResponse::json(R"({"errcode":"M_UNRECOGNIZED","error":"Unrecognized request"})", 404);
    });
  }
  std::vector<std::string> paths() {
    std::vector<std::string> out;
    for (const auto& request : server_.requests()) out.push_back(path_of(request));
    return out;
  }

  boost::asio::io_context io_;
  matrixrtc::testing::TestDnsServer dns_{io_.get_executor()};
  matrixrtc::testing::TestCa ca_;
  matrixrtc::testing::TestHttpServer server_{io_.get_executor(), ca_.issue({}, {"127.0.0.1"})};
  std::unique_ptr<net::DnsResolver> resolver_;
  std::unique_ptr<net::HttpClient> http_;
  Config config_;
  std::int64_t now_ms_ = 1'000'000;
  MembershipForm form_;
  std::unique_ptr<CsApiResolver> cs_api_;
  std::unique_ptr<MembershipClient> client_;
};

TEST_F(MembershipClientTest, AsksStableIsJoinedWithTheAppserviceToken) {
  serve({kStable}, R"({"joined":true})", "");
  EXPECT_EQ(is_joined(), true);
  const auto requests = server_.requests();
  ASSERT_EQ(requests.size(), 1U);
  EXPECT_EQ(requests[0].method, "GET");
  EXPECT_EQ(requests[0].target, std::string(kStable) + "?mxid=%40alice%3Aexample.com");
  bool authorized = false;
  for (const auto& [name, value] : requests[0].headers)
    authorized |= name == "Authorization" && value == "Bearer as-token";
  EXPECT_TRUE(authorized);
  serve({kStable}, R"({"joined":false})", "");
  EXPECT_EQ(is_joined(), false);
}

TEST_F(MembershipClientTest, FallsBackThroughUnstableToTheMemberEventAndRemembers) {
  serve({kState}, "", R"({"membership":"join"})");
  EXPECT_EQ(is_joined(), true);
  EXPECT_EQ(paths(), (std::vector<std::string>{std::string(kStable), std::string(kUnstable), std::string(kState)}));
  EXPECT_EQ(server_.requests()[2].target,
            std::string(kState) + "?user_id=%40alice%3Aexample.com");  // masquerading as the user
  EXPECT_EQ(form_.known(now_ms_), MembershipQuery::member_state);
  serve({kState}, "", R"({"membership":"ban"})");
  EXPECT_EQ(is_joined(), false);
  EXPECT_EQ(server_.requests().size(), 4U) << "the remembered form is asked directly";
}

TEST_F(MembershipClientTest, ProbesAgainAfterTenMinutes) {
  serve({kUnstable}, R"({"joined":true})", "");
  EXPECT_EQ(is_joined(), true);
  EXPECT_EQ(server_.requests().size(), 2U);
  now_ms_ += MembershipForm::kReprobeAfterMs - 1;
  EXPECT_EQ(is_joined(), true);
  EXPECT_EQ(server_.requests().size(), 3U);
  // The server was upgraded meanwhile; noticed once the memory is stale.
  serve({kStable, kUnstable}, R"({"joined":true})", "");
  now_ms_ += 1;
  EXPECT_EQ(is_joined(), true);
  EXPECT_EQ(paths().back(), kStable);
  EXPECT_EQ(form_.known(now_ms_), MembershipQuery::is_joined_stable);
}

TEST_F(MembershipClientTest, FailuresAreErrorsNotRefusals) {
  server_.set_handler([](const RecordedRequest&) { return TestResponse::json(R"({"errcode":"M_UNKNOWN"})", 500); });
  const auto failed = is_joined();
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().message, "membership query answered HTTP 500");
  server_.set_handler(
      [](const RecordedRequest&) { return TestResponse::json(R"({"errcode":"M_UNKNOWN_TOKEN"})", 401); });
  EXPECT_FALSE(is_joined());
  server_.set_handler([](const RecordedRequest&) {
    TestResponse response;
    response.action = TestResponse::Action::reset;
    return response;
  });
  EXPECT_FALSE(is_joined());
}

TEST_F(MembershipClientTest, NoEndpointAtAllIsAnError) {
  server_.set_handler([](const RecordedRequest&) { return TestResponse::json("", 405); });
  const auto result = is_joined();
  ASSERT_FALSE(result);
  // 405 on the member event is not a known answer there either.
  EXPECT_EQ(result.error().message, "membership query answered HTTP 405");
  EXPECT_EQ(server_.requests().size(), 3U);
}

}  // namespace
}  // namespace matrixrtc::service
