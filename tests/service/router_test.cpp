#include "service/router.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <optional>
#include <sstream>

#include "core/livekit/webhook_token.hpp"

#include "service/fakes.hpp"
#include "service/memory_rate_limiter.hpp"

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

class ObservabilityTest : public RouterTest {
 protected:
  net::ServerResponse ask(http::verb method, std::string target, std::optional<std::string> request_id = {},
                          std::string body = "") {
    net::ServerRequest request{method, target, 11};
    if (request_id) request.set("X-Request-Id", *request_id);
    request.body() = std::move(body);
    request.prepare_payload();
    net::RequestContext context;
    context.received = std::chrono::steady_clock::now();
    return run(observed_.handle(std::move(request), context));
  }
  boost::asio::awaitable<core::Result<void>> ping() {
    ++pings_;
    if (redis_down_) co_return core::fail(core::ErrorCode::connect_failed, "Redis down, password=hunter2");
    co_return core::Result<void>{};
  }
  std::string metrics_text() { return ask(http::verb::get, "/metrics").body(); }

  std::int64_t now_ms_ = 1'000'000;
  bool redis_down_ = false;
  int pings_ = 0;
  MetricsRegistry registry_{"9.9.9"};
  ThreadMetrics& metrics_ = registry_.add_thread();
  ReadinessChecker readiness_{rooms_, [this] { return ping(); }, [this] { return now_ms_; }};
  testing::FakeStatus status_{readiness_};
  Router observed_{issuer_,
                   delegation_,
                   config_,
                   logger_,
                   [] { return std::int64_t{1'795'422'382}; },
                   RouterObservability{&registry_, &metrics_, &status_}};
};

TEST_F(ObservabilityTest, MetricsIsPrometheusTextWithoutCors) {
  ask(http::verb::post, "/get_token", std::nullopt, std::string(kGetTokenBody));
  ask(http::verb::post, "/get_token", std::nullopt, "{}");
  ask(http::verb::get, "/nowhere/secret-path");
  status_.jobs = {0, 3, 1};
  const auto response = ask(http::verb::get, "/metrics");
  EXPECT_EQ(response.result(), http::status::ok);
  EXPECT_EQ(response[http::field::content_type], "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(response.count(http::field::access_control_allow_origin), 0U);
  const std::string& text = response.body();
  EXPECT_NE(text.find("matrixrtc_auth_requests_total{endpoint=\"/get_token\",status=\"200\",errcode=\"\"} 1\n"),
            std::string::npos)
      << text;
  EXPECT_NE(
      text.find("matrixrtc_auth_requests_total{endpoint=\"/get_token\",status=\"400\",errcode=\"M_BAD_JSON\"} 1\n"),
      std::string::npos);
  EXPECT_NE(
      text.find("matrixrtc_auth_requests_total{endpoint=\"other\",status=\"404\",errcode=\"M_UNRECOGNIZED\"} 1\n"),
      std::string::npos);
  EXPECT_EQ(text.find("secret-path"), std::string::npos);  // unknown paths never become labels
  EXPECT_NE(text.find("matrixrtc_auth_request_duration_seconds_count{endpoint=\"/get_token\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("matrixrtc_auth_delegation_jobs{state=\"connected\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("matrixrtc_auth_build_info{version=\"9.9.9\"} 1\n"), std::string::npos);
  // The scrape itself is counted once answered.
  EXPECT_NE(metrics_text().find("matrixrtc_auth_requests_total{endpoint=\"/metrics\",status=\"200\",errcode=\"\"} 1\n"),
            std::string::npos);
  const auto head = ask(http::verb::head, "/metrics");
  EXPECT_EQ(head.result(), http::status::ok);
  EXPECT_TRUE(head.body().empty());
  EXPECT_EQ(ask(http::verb::post, "/metrics").result(), http::status::method_not_allowed);
  EXPECT_EQ(ask(http::verb::options, "/metrics").result(), http::status::method_not_allowed);
}

TEST_F(ObservabilityTest, WebhooksAreCountedByResult) {
  const std::string body = "not json";
  net::ServerRequest request{http::verb::post, "/sfu_webhook", 11};
  request.body() = body;
  request.prepare_payload();
  net::RequestContext context;
  context.received = std::chrono::steady_clock::now();
  EXPECT_EQ(run(observed_.handle(std::move(request), context)).result(), http::status::unauthorized);
  EXPECT_NE(metrics_text().find("matrixrtc_auth_webhooks_total{result=\"unauthorized\"} 1\n"), std::string::npos);
}

TEST_F(ObservabilityTest, ReadyWhenLiveKitAnswersAndRedisPongs) {
  const auto response = ask(http::verb::get, "/readyz");
  EXPECT_EQ(response.result(), http::status::ok);
  EXPECT_EQ(response.body(), R"({"status":"ready","checks":{"livekit":"ok","redis":"ok"}})"
                             "\n");
  EXPECT_EQ(response[http::field::content_type], "application/json");
  EXPECT_EQ(response.count(http::field::access_control_allow_origin), 0U);
  // A GetParticipant on the probe room: not_found is a fine Twirp answer.
  ASSERT_EQ(rooms_.lookups.size(), 1U);
  EXPECT_EQ(rooms_.lookups[0].first, "matrixrtc-auth-readyz");
  EXPECT_EQ(ask(http::verb::head, "/readyz").result(), http::status::ok);
  EXPECT_EQ(ask(http::verb::post, "/readyz").result(), http::status::method_not_allowed);
  // /healthz stays a pure liveness check.
  EXPECT_EQ(ask(http::verb::get, "/healthz").result(), http::status::ok);
}

TEST_F(ObservabilityTest, LiveKitDownIs503WithItsReason) {
  rooms_.lookups_fail = true;
  const auto response = ask(http::verb::get, "/readyz");
  EXPECT_EQ(response.result(), http::status::service_unavailable);
  EXPECT_EQ(response.body(), R"({"status":"not_ready","checks":{"livekit":"connect_failed","redis":"ok"}})"
                             "\n");
}

TEST_F(ObservabilityTest, RedisDownIs503WithoutSecrets) {
  redis_down_ = true;
  const auto response = ask(http::verb::get, "/readyz");
  EXPECT_EQ(response.result(), http::status::service_unavailable);
  EXPECT_EQ(response.body(), R"({"status":"not_ready","checks":{"livekit":"ok","redis":"connect_failed"}})"
                             "\n");
  EXPECT_EQ(response.body().find("hunter2"), std::string::npos);
  EXPECT_EQ(log_.str().find("hunter2"), std::string::npos);
}

TEST_F(ObservabilityTest, ReadinessIsCachedForTwoSeconds) {
  EXPECT_EQ(ask(http::verb::get, "/readyz").result(), http::status::ok);
  rooms_.lookups_fail = true;
  now_ms_ += 1'999;
  for (int i = 0; i < 5; ++i) EXPECT_EQ(ask(http::verb::get, "/readyz").result(), http::status::ok);
  EXPECT_EQ(rooms_.lookups.size(), 1U);
  EXPECT_EQ(pings_, 1);
  now_ms_ += 1;
  EXPECT_EQ(ask(http::verb::get, "/readyz").result(), http::status::service_unavailable);
  EXPECT_EQ(rooms_.lookups.size(), 2U);
  EXPECT_EQ(readiness_.rounds(), 2U);
}

TEST(Readiness, LiveKitReasonsNameTheStatusOnly) {
  EXPECT_EQ(livekit_failure_reason(
                core::Error(core::ErrorCode::bad_response, R"(LiveKit answered HTTP 401: {"code":"unauthenticated"})")),
            "unauthorized: LiveKit refused the API key or secret");
  EXPECT_EQ(livekit_failure_reason(core::Error(core::ErrorCode::bad_response, "LiveKit answered HTTP 502: <html>")),
            "LiveKit answered HTTP 502");
  EXPECT_EQ(livekit_failure_reason(core::Error(core::ErrorCode::timed_out, "deadline")), "timed_out");
  ReadyChecks off;
  EXPECT_TRUE(off.ready());
  EXPECT_EQ(ready_checks_json(off), R"({"status":"ready","checks":{"livekit":"ok","redis":"off"}})");
}

TEST_F(ObservabilityTest, RequestIdsAreEchoedOrMadeAndLogged) {
  const auto echoed = ask(http::verb::post, "/get_token", std::string("abc-DEF_1.2"), std::string(kGetTokenBody));
  EXPECT_EQ(echoed[http::field::content_type], "application/json");
  EXPECT_EQ(echoed["X-Request-Id"], "abc-DEF_1.2");
  for (const auto& bad : {std::string("has space"), std::string(65, 'a'), std::string(""), std::string("a\"b")}) {
    const auto replaced = ask(http::verb::get, "/healthz", bad);
    const std::string id(replaced["X-Request-Id"]);
    EXPECT_EQ(id.size(), 16U) << bad;
    EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos);
  }
  EXPECT_NE(ask(http::verb::get, "/healthz")["X-Request-Id"], ask(http::verb::get, "/healthz")["X-Request-Id"]);
  // On errors, 404 and 405 too.
  EXPECT_EQ(ask(http::verb::post, "/sfu/get", std::string("e1"), "{}")["X-Request-Id"], "e1");
  EXPECT_EQ(ask(http::verb::get, "/nowhere", std::string("e2"))["X-Request-Id"], "e2");
  EXPECT_EQ(ask(http::verb::put, "/get_token", std::string("e3"))["X-Request-Id"], "e3");
  // The plain router (no metrics) sets it as well.
  EXPECT_EQ(send(http::verb::get, "/nowhere")["X-Request-Id"].size(), 16U);
  EXPECT_TRUE(is_sane_request_id(std::string(64, 'z')));
  EXPECT_FALSE(is_sane_request_id(std::string(65, 'z')));

  std::istringstream lines(log_.str());
  std::string line;
  std::getline(lines, line);
  const auto first = boost::json::parse(line);
  EXPECT_EQ(first.at("request_id").as_string(), "abc-DEF_1.2");
  EXPECT_EQ(format_log_line(LogFormat::text, LogLevel::info, "request", {{"request_id", "abc"}}),
            "INFO request request_id=abc");
}

}  // namespace
}  // namespace matrixrtc::service

namespace matrixrtc::service {
namespace {

// The per-IP limit in front of the token endpoints (burst 2, one token a second).
class RateLimitedRouterTest : public RouterTest {
 protected:
  static RateLimits ip_limits() {
    RateLimits limits;
    limits.scopes = {core::ratelimit::Limit{60, 2}, core::ratelimit::Limit{}, core::ratelimit::Limit{}};
    return limits;
  }
  RateLimitedRouterTest() { config_.trusted_proxies = core::ratelimit::parse_cidr_list("127.0.0.0/8").value(); }
  net::ServerResponse post(std::string target, std::string body, std::string_view peer,
                           std::vector<std::string> forwarded_for = {}) {
    net::ServerRequest request{http::verb::post, target, 11};
    for (const auto& value : forwarded_for) request.insert("X-Forwarded-For", value);
    request.body() = std::move(body);
    request.prepare_payload();
    net::RequestContext context;
    context.remote = {boost::asio::ip::make_address(peer), 40000};
    context.received = std::chrono::steady_clock::now();
    return run(limited_.handle(std::move(request), context));
  }
  net::ServerResponse get(std::string target, http::verb verb = http::verb::get) {
    net::ServerRequest request{verb, target, 11};
    net::RequestContext context;
    context.remote = {boost::asio::ip::make_address("198.51.100.1"), 40000};
    context.received = std::chrono::steady_clock::now();
    return run(limited_.handle(std::move(request), context));
  }

  MemoryRateLimiter limiter_{ip_limits()};
  MetricsRegistry registry_{"9.9.9"};
  ThreadMetrics& metrics_ = registry_.add_thread();
  Router limited_{issuer_,
                  delegation_,
                  config_,
                  logger_,
                  [] { return std::int64_t{1'795'422'382}; },
                  RouterObservability{&registry_, &metrics_, nullptr},
                  &limiter_};
};

TEST_F(RateLimitedRouterTest, TheThirdRequestGets429WithRetryAfterAndCors) {
  EXPECT_EQ(post("/get_token", std::string(kGetTokenBody), "198.51.100.1").result(), http::status::ok);
  EXPECT_EQ(post("/sfu/get", std::string(kSfuGetBody), "198.51.100.1").result(), http::status::ok);
  const auto lookups = users_.calls.size();
  for (const auto* path : {"/get_token", "/sfu/get", "/delegate_delayed_leave"}) {
    const auto response = post(path, "not even json", "198.51.100.1");
    EXPECT_EQ(response.result(), http::status::too_many_requests) << path;
    expect_cors(response);
    const auto json = boost::json::parse(response.body());
    EXPECT_EQ(json.at("errcode").as_string(), "M_LIMIT_EXCEEDED");
    EXPECT_EQ(json.at("error").as_string(), "Too many requests");
    const auto retry_ms = json.at("retry_after_ms").as_int64();
    EXPECT_GT(retry_ms, 0);
    EXPECT_LE(retry_ms, 1000);
    EXPECT_EQ(response[http::field::retry_after], "1");
    EXPECT_EQ(json.as_object().size(), 3U);
  }
  EXPECT_EQ(users_.calls.size(), lookups);  // refused before the body was even read
  // Other clients, probes, preflights and webhooks are not limited.
  EXPECT_EQ(post("/get_token", std::string(kGetTokenBody), "198.51.100.2").result(), http::status::ok);
  EXPECT_EQ(get("/healthz").result(), http::status::ok);
  EXPECT_EQ(get("/get_token", http::verb::options).result(), http::status::ok);
  EXPECT_EQ(get("/metrics").result(), http::status::ok);
  const std::string text = get("/metrics").body();
  EXPECT_NE(text.find("matrixrtc_auth_rate_limited_total{scope=\"ip\"} 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("errcode=\"M_LIMIT_EXCEEDED\"} 1\n"), std::string::npos);
  EXPECT_NE(log_.str().find("rate limited: ip"), std::string::npos);
}

TEST_F(RateLimitedRouterTest, ForwardedForCountsOnlyFromTrustedProxies) {
  // Through the local proxy, two clients have their own buckets.
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(post("/get_token", "{}", "127.0.0.1", {"203.0.113.5"}).result(), http::status::bad_request);
    EXPECT_EQ(post("/get_token", "{}", "::ffff:127.0.0.1", {"6.6.6.6, 203.0.113.6"}).result(),
              http::status::bad_request);
  }
  EXPECT_EQ(post("/get_token", "{}", "127.0.0.1", {"203.0.113.5"}).result(), http::status::too_many_requests);
  EXPECT_EQ(post("/get_token", "{}", "127.0.0.1", {"1.1.1.1", "203.0.113.6"}).result(),
            http::status::too_many_requests);
  // An untrusted peer's header is ignored: changing it does not buy new tokens.
  EXPECT_EQ(post("/get_token", "{}", "198.51.100.7", {"10.0.0.1"}).result(), http::status::bad_request);
  EXPECT_EQ(post("/get_token", "{}", "198.51.100.7", {"10.0.0.2"}).result(), http::status::bad_request);
  EXPECT_EQ(post("/get_token", "{}", "198.51.100.7", {"10.0.0.3"}).result(), http::status::too_many_requests);
  // A garbage header from the proxy leaves the proxy as the client.
  EXPECT_EQ(post("/get_token", "{}", "127.0.0.2", {"nonsense"}).result(), http::status::bad_request);
  EXPECT_EQ(post("/get_token", "{}", "127.0.0.2").result(), http::status::bad_request);
  EXPECT_EQ(post("/get_token", "{}", "127.0.0.2", {"garbage"}).result(), http::status::too_many_requests);
}

}  // namespace
}  // namespace matrixrtc::service
