#include "service/router.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <optional>
#include <sstream>

#include "core/livekit/webhook_token.hpp"

#include "service/fakes.hpp"

namespace matrixrtc::service {
namespace {

namespace http = boost::beast::http;
using testing::run;

constexpr std::string_view kGetTokenBody =
    R"({"room_id":"!roomid:example.com","slot_id":"m.call#ROOM","openid_token":{"access_token":"alice-token",)"
    R"("matrix_server_name":"example.com"},"member":{"id":"m","claimed_user_id":"@alice:example.com","claimed_device_id":"D"}})";
constexpr std::string_view kSfuGetBody =
    R"({"room":"!roomid:example.com","device_id":"D","openid_token":{"access_token":"alice-token","matrix_server_name":"example.com"}})";

class RouterTest : public ::testing::Test {
 protected:
  RouterTest() {
    config_.livekit_url = "wss://sfu.example.com";
    config_.key = "APIKEY";
    config_.secret = "secret";
    config_.full_access_homeservers = {"example.com"};
    users_.subs = {{"alice-token", "@alice:example.com"}};
  }
  net::ServerResponse send(http::verb method, std::string target, std::string body = "") {
    net::ServerRequest request{method, target, 11};
    request.body() = std::move(body);
    request.prepare_payload();
    net::RequestContext context;
    context.received = std::chrono::steady_clock::now();
    return run(router_.handle(std::move(request), context));
  }
  static void expect_cors(const net::ServerResponse& response) {
    EXPECT_EQ(response[http::field::content_type], "application/json");
    EXPECT_EQ(response[http::field::access_control_allow_origin], "*");
    EXPECT_EQ(response[http::field::access_control_allow_methods], "POST");
    EXPECT_EQ(response[http::field::access_control_allow_headers],
              "Accept, Content-Type, Content-Length, Accept-Encoding, X-CSRF-Token");
  }

  Config config_;
  testing::FakeUserInfo users_;
  testing::FakeRooms rooms_;
  testing::FakeDelegation delegation_;
  TokenIssuer issuer_{config_, users_, rooms_, delegation_, [] { return std::int64_t{1'795'422'382}; }};
  std::ostringstream log_;
  Logger logger_{log_, LogLevel::info, LogFormat::json};
  Router router_{issuer_, delegation_, config_, logger_, [] { return std::int64_t{1'795'422'382}; }};
};

TEST_F(RouterTest, TokenEndpointsAnswerUrlAndJwt) {
  for (const auto& [path, body] : {std::pair{"/get_token", kGetTokenBody}, std::pair{"/sfu/get", kSfuGetBody}}) {
    const auto response = send(http::verb::post, path, std::string(body));
    EXPECT_EQ(response.result(), http::status::ok) << response.body();
    expect_cors(response);
    const auto json = boost::json::parse(response.body());
    EXPECT_EQ(json.at("url").as_string(), "wss://sfu.example.com");
    EXPECT_TRUE(json.at("jwt").is_string());
    EXPECT_TRUE(response.body().ends_with("}\n"));
  }
}

TEST_F(RouterTest, ErrorsCarryCorsAndMatrixBody) {
  const auto response = send(http::verb::post, "/get_token", "{}");
  EXPECT_EQ(response.result(), http::status::bad_request);
  expect_cors(response);
  EXPECT_EQ(response.body(), R"({"errcode":"M_BAD_JSON","error":"The request body is missing `room_id` or `slot_id`"})"
                             "\n");
  const auto not_json = send(http::verb::post, "/sfu/get", "not json");
  EXPECT_EQ(not_json.body(), R"({"errcode":"M_NOT_JSON","error":"Error reading request"})"
                             "\n");
  users_.subs.clear();
  const auto unauthorised = send(http::verb::post, "/sfu/get", std::string(kSfuGetBody));
  EXPECT_EQ(unauthorised.result(), http::status::unauthorized);
  EXPECT_EQ(unauthorised.body(), R"({"errcode":"M_UNAUTHORIZED","error":"The request could not be authorised."})"
                                 "\n");
}

TEST_F(RouterTest, OptionsAnd405) {
  for (const auto* path : {"/sfu/get", "/get_token", "/delegate_delayed_leave"}) {
    const auto options = send(http::verb::options, path);
    EXPECT_EQ(options.result(), http::status::ok);
    EXPECT_TRUE(options.body().empty());
    expect_cors(options);
    for (const auto method : {http::verb::get, http::verb::put, http::verb::delete_, http::verb::head}) {
      const auto response = send(method, path);
      EXPECT_EQ(response.result(), http::status::method_not_allowed);
      EXPECT_TRUE(response.body().empty());
      expect_cors(response);
    }
  }
}

TEST_F(RouterTest, HealthzAndUnknownPaths) {
  EXPECT_EQ(send(http::verb::get, "/healthz").result(), http::status::ok);
  EXPECT_EQ(send(http::verb::head, "/healthz").result(), http::status::ok);
  EXPECT_EQ(send(http::verb::post, "/healthz").result(), http::status::method_not_allowed);
  const auto missing = send(http::verb::get, "/livekit/jwt/sfu/get");
  EXPECT_EQ(missing.result(), http::status::not_found);
  EXPECT_EQ(missing.body(), R"({"errcode":"M_UNRECOGNIZED","error":"Unrecognized request"})"
                            "\n");
  // Query strings do not change the route.
  EXPECT_EQ(send(http::verb::get, "/healthz?x=1").result(), http::status::ok);
}

TEST_F(RouterTest, DelegateAnswersEmptyObjectAndNever404) {
  const std::string body =
      std::string(kGetTokenBody).insert(kGetTokenBody.size() - 1, R"(,"delay_id":"d","delay_timeout":5000)");
  const auto ok = send(http::verb::post, "/delegate_delayed_leave", body);
  EXPECT_EQ(ok.result(), http::status::ok) << ok.body();
  EXPECT_EQ(ok.body(), "{}\n");
  expect_cors(ok);
  ASSERT_EQ(delegation_.jobs.size(), 1U);
  // Element Call's support probe: an unauthenticated, empty request.
  const auto probe = send(http::verb::post, "/delegate_delayed_leave");
  EXPECT_EQ(probe.result(), http::status::bad_request);
  EXPECT_EQ(boost::json::parse(probe.body()).at("errcode").as_string(), "M_NOT_JSON");
  expect_cors(probe);
  const auto missing = send(http::verb::post, "/delegate_delayed_leave", std::string(kGetTokenBody));
  EXPECT_EQ(missing.result(), http::status::bad_request);
  EXPECT_EQ(boost::json::parse(missing.body()).at("error").as_string(),
            "The request body is missing `delay_id` or `delay_timeout`");
  users_.subs.clear();
  const auto unauthorised = send(http::verb::post, "/delegate_delayed_leave", body);
  EXPECT_EQ(unauthorised.result(), http::status::unauthorized);
}

class WebhookTest : public RouterTest {
 protected:
  net::ServerResponse post_webhook(std::string body, std::optional<std::string> authorization) {
    net::ServerRequest request{http::verb::post, "/sfu_webhook", 11};
    if (authorization) request.set(http::field::authorization, *authorization);
    request.body() = std::move(body);
    request.prepare_payload();
    net::RequestContext context;
    context.received = std::chrono::steady_clock::now();
    return run(router_.handle(std::move(request), context));
  }
  static std::string sign(std::string_view body, std::string_view secret = "secret") {
    return core::livekit::mint_webhook_token("APIKEY", secret, body, 1'795'422'382).value();
  }
  static constexpr std::string_view kJoined =
      R"({"event":"participant_joined","room":{"name":"ROOM"},"participant":{"identity":"ID"},"id":"EV_1"})";
};

TEST_F(WebhookTest, VerifiedParticipantEventsReachTheDelegation) {
  const auto response = post_webhook(std::string(kJoined), sign(kJoined));
  EXPECT_EQ(response.result(), http::status::ok);
  ASSERT_EQ(delegation_.webhooks.size(), 1U);
  EXPECT_EQ(delegation_.webhooks[0].room, "ROOM");
  EXPECT_EQ(delegation_.webhooks[0].identity, "ID");
  EXPECT_EQ(delegation_.webhooks[0].participant_event, core::delegation::ParticipantEvent::joined);
  // LiveKit sends the token bare; "Bearer " is accepted too.
  EXPECT_EQ(post_webhook(std::string(kJoined), "Bearer " + sign(kJoined)).result(), http::status::ok);
  EXPECT_EQ(delegation_.webhooks.size(), 2U);
}

TEST_F(WebhookTest, IrrelevantEventsAre200AndIgnored) {
  const std::string started = R"({"event":"room_started","room":{"name":"ROOM"}})";
  EXPECT_EQ(post_webhook(started, sign(started)).result(), http::status::ok);
  EXPECT_TRUE(delegation_.webhooks.empty());
}

TEST_F(WebhookTest, UnverifiableWebhooksAre401AndChangeNothing) {
  const std::string tampered = std::string(kJoined).replace(kJoined.find("ID"), 2, "XX");
  for (const auto& [body, authorization] : std::vector<std::pair<std::string, std::optional<std::string>>>{
           {std::string(kJoined), std::nullopt},
           {std::string(kJoined), sign(kJoined, "wrong-secret")},
           {tampered, sign(kJoined)},
           {std::string(kJoined), std::string("garbage")}}) {
    const auto response = post_webhook(body, authorization);
    EXPECT_EQ(response.result(), http::status::unauthorized) << body;
    EXPECT_EQ(response.body(), R"({"errcode":"M_UNAUTHORIZED","error":"The webhook could not be verified."})"
                               "\n");
  }
  EXPECT_TRUE(delegation_.webhooks.empty());
}

TEST_F(WebhookTest, VerifiedButUnreadableBodyIs400) {
  const std::string body = "not json";
  const auto response = post_webhook(body, sign(body));
  EXPECT_EQ(response.result(), http::status::bad_request);
  EXPECT_EQ(boost::json::parse(response.body()).at("errcode").as_string(), "M_NOT_JSON");
  EXPECT_TRUE(delegation_.webhooks.empty());
}

TEST_F(RouterTest, OneLogLinePerRequestWithoutSecrets) {
  send(http::verb::post, "/get_token", std::string(kGetTokenBody));
  users_.subs.clear();
  send(http::verb::post, "/get_token", std::string(kGetTokenBody));
  std::istringstream lines(log_.str());
  std::string line;
  std::vector<boost::json::value> entries;
  while (std::getline(lines, line)) entries.push_back(boost::json::parse(line));
  ASSERT_EQ(entries.size(), 2U);
  EXPECT_EQ(entries[0].at("msg").as_string(), "request");
  EXPECT_EQ(entries[0].at("status").as_string(), "200");
  EXPECT_EQ(entries[0].at("path").as_string(), "/get_token");
  EXPECT_EQ(entries[0].at("server_name").as_string(), "example.com");
  EXPECT_EQ(entries[1].at("status").as_string(), "401");
  EXPECT_EQ(entries[1].at("result").as_string(), "M_UNAUTHORIZED");
  EXPECT_EQ(log_.str().find("alice-token"), std::string::npos);
  EXPECT_EQ(log_.str().find("eyJ"), std::string::npos);  // no JWT either
}

}  // namespace
}  // namespace matrixrtc::service
