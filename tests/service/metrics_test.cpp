#include "service/metrics.hpp"

#include <gtest/gtest.h>

namespace matrixrtc::service {
namespace {

using namespace std::chrono_literals;

TEST(Metrics, LabelValuesEscapeBackslashQuoteAndNewline) {
  EXPECT_EQ(escape_label_value("plain /sfu/get"), "plain /sfu/get");
  EXPECT_EQ(escape_label_value("a\\b\"c\nd"), R"(a\\b\"c\nd)");
  EXPECT_EQ(escape_label_value(""), "");
}

TEST(Metrics, ValuesAreShortestAndSpelledAsPrometheusDoes) {
  EXPECT_EQ(format_metric_value(0), "0");
  EXPECT_EQ(format_metric_value(42), "42");
  EXPECT_EQ(format_metric_value(0.005), "0.005");
  EXPECT_EQ(format_metric_value(2.5), "2.5");
  EXPECT_EQ(format_metric_value(1e-9), "1e-09");
  EXPECT_EQ(format_metric_value(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(format_metric_value(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(format_metric_value(std::numeric_limits<double>::quiet_NaN()), "NaN");
}

TEST(Metrics, HeadersAndSamples) {
  std::string out;
  write_metric_header(out, "x_total", "Things.\nWith a \\ in help.", "counter");
  const std::array<MetricLabel, 2> labels{MetricLabel{"a", "1"}, MetricLabel{"b", "say \"hi\""}};
  write_sample(out, "x_total", labels, 3);
  write_sample(out, "y", {}, 0.25);
  EXPECT_EQ(out,
            "# HELP x_total Things.\\nWith a \\\\ in help.\n"
            "# TYPE x_total counter\n"
            "x_total{a=\"1\",b=\"say \\\"hi\\\"\"} 3\n"
            "y 0.25\n");
}

TEST(Metrics, HistogramsAreCumulativeWithLeLastAndInf) {
  constexpr std::array<double, 2> bounds{0.1, 1};
  HistogramSnapshot histogram{bounds, {2, 0, 1}, 3.5};
  std::string out;
  const std::array<MetricLabel, 1> labels{MetricLabel{"endpoint", "/x"}};
  write_histogram(out, "h_seconds", labels, histogram);
  EXPECT_EQ(out,
            "h_seconds_bucket{endpoint=\"/x\",le=\"0.1\"} 2\n"
            "h_seconds_bucket{endpoint=\"/x\",le=\"1\"} 2\n"
            "h_seconds_bucket{endpoint=\"/x\",le=\"+Inf\"} 3\n"
            "h_seconds_sum{endpoint=\"/x\"} 3.5\n"
            "h_seconds_count{endpoint=\"/x\"} 3\n");
  out.clear();
  write_histogram(out, "h", {}, histogram);
  EXPECT_TRUE(out.starts_with("h_bucket{le=\"0.1\"} 2\n")) << out;
  EXPECT_TRUE(out.ends_with("h_sum 3.5\nh_count 3\n")) << out;
}

TEST(Metrics, EndpointsAndLookupReasons) {
  EXPECT_EQ(endpoint_of("/sfu/get"), Endpoint::sfu_get);
  EXPECT_EQ(endpoint_of("/metrics"), Endpoint::metrics);
  EXPECT_EQ(endpoint_of("/livekit/jwt/sfu/get"), Endpoint::other);
  EXPECT_EQ(to_label(Endpoint::other), "other");
  EXPECT_EQ(to_label(lookup_failure_of(core::ErrorCode::dns_failure)), "dns");
  EXPECT_EQ(to_label(lookup_failure_of(core::ErrorCode::timed_out)), "timeout");
  EXPECT_EQ(to_label(lookup_failure_of(core::ErrorCode::address_refused)), "refused");
  EXPECT_EQ(to_label(lookup_failure_of(core::ErrorCode::response_too_large)), "bad_response");
  EXPECT_EQ(to_label(lookup_failure_of(core::ErrorCode::invalid_json)), "other");
}

TEST(Metrics, RateLimitRefusalsHaveTheirOwnStatusAndErrcode) {
  MetricsRegistry registry("1.2.3");
  registry.add_thread().count_request(Endpoint::sfu_get, 429, "M_LIMIT_EXCEEDED", 1ms);
  EXPECT_NE(
      registry.render(std::nullopt)
          .find("matrixrtc_auth_requests_total{endpoint=\"/sfu/get\",status=\"429\",errcode=\"M_LIMIT_EXCEEDED\"} 1\n"),
      std::string::npos);
}

TEST(Metrics, RegistrySumsThreadsAndRendersTheWholeText) {
  MetricsRegistry registry("1.2.3");
  ThreadMetrics& a = registry.add_thread();
  ThreadMetrics& b = registry.add_thread();
  a.count_request(Endpoint::get_token, 200, "", 3ms);
  b.count_request(Endpoint::get_token, 200, "", 20ms);
  b.count_request(Endpoint::get_token, 401, "M_UNAUTHORIZED", 2s);
  a.count_request(Endpoint::other, 418, "M_WEIRD", 0ns);  // unknown status and errcode collapse to "other"
  a.count_lookup(4ms, std::nullopt);
  b.count_lookup(30s, LookupFailure::timeout);
  a.count_livekit(LiveKitMethod::create_room, LiveKitResult::ok);
  b.count_livekit(LiveKitMethod::get_participant, LiveKitResult::not_found);
  a.count_webhook(WebhookResult::unauthorized);
  a.count_userinfo_cache(UserInfoCacheResult::hit);
  b.count_userinfo_cache(UserInfoCacheResult::hit);
  b.count_userinfo_cache(UserInfoCacheResult::negative_hit);
  RateLimitNotes limited_by_user;
  limited_by_user.limited = RateScope::user;
  limited_by_user.fail_open[static_cast<std::size_t>(RateScope::homeserver)] = FailOpen::backend_error;
  a.count_rate_limits(limited_by_user);
  RateLimitNotes limited_by_ip;
  limited_by_ip.limited = RateScope::ip;
  b.count_rate_limits(limited_by_ip);
  RateLimitNotes table_full;
  table_full.fail_open[static_cast<std::size_t>(RateScope::ip)] = FailOpen::table_full;
  b.count_rate_limits(table_full);
  b.count_rate_limits(RateLimitNotes{});
  registry.set_open_connections([] { return std::size_t{7}; });
  const std::string text = registry.render(DelegationJobCounts{1, 2, 0});
  EXPECT_EQ(text,
            "# HELP matrixrtc_auth_requests_total HTTP requests answered, by endpoint, status and errcode.\n"
            "# TYPE matrixrtc_auth_requests_total counter\n"
            "matrixrtc_auth_requests_total{endpoint=\"/get_token\",status=\"200\",errcode=\"\"} 2\n"
            "matrixrtc_auth_requests_total{endpoint=\"/get_token\",status=\"401\",errcode=\"M_UNAUTHORIZED\"} 1\n"
            "matrixrtc_auth_requests_total{endpoint=\"other\",status=\"other\",errcode=\"other\"} 1\n"
            "# HELP matrixrtc_auth_request_duration_seconds Time from a request's arrival to its answer, by endpoint.\n"
            "# TYPE matrixrtc_auth_request_duration_seconds histogram\n"
            "matrixrtc_auth_request_duration_seconds_bucket{endpoint=\"/get_token\",le=\"0.001\"} 0\n"
            "matrixrtc_auth_request_duration_seconds_bucket{endpoint=\"/get_token\",le=\"0.0025\"} 0\n"
            "matrixrtc_auth_request_duration_seconds_bucket{endpoint=\"/get_token\",le=\"0.005\"} 1\n"
            "matrixrtc_auth_request_duration_seconds_bucket{endpoint=\"/get_token\",le=\"0.01\"} 1\n"
            "matrixrtc_auth_request_duration_seconds_bucket{endpoint=\"/get_token\",le=\"0.025\"} 2\n"
            "matrixrtc_auth_request_duration_seconds_bucket{endpoint=\"/get_token\",le=\"0.05\"} 2\n"
            "matrixrtc_auth_request_duration_seconds_bucket{endpoint=\"/get_token\",le=\"0.1\"} 2\n"
            "matrixrtc_auth_request_duration_seconds_bucket{endpoint=\"/get_token\",le=\"0.25\"} 2\n"
            "matrixrtc_auth_request_duration_seconds_bucket{endpoint=\"/get_token\",le=\"0.5\"} 2\n"
            "matrixrtc_auth_request_duration_seconds_bucket{endpoint=\"/get_token\",le=\"1\"} 2\n"
            "matrixrtc_auth_request_duration_seconds_bucket{endpoint=\"/get_token\",le=\"2.5\"} 3\n"
            "matrixrtc_auth_request_duration_seconds_bucket{endpoint=\"/get_token\",le=\"5\"} 3\n"
            "matrixrtc_auth_request_duration_seconds_bucket{endpoint=\"/get_token\",le=\"10\"} 3\n"
            "matrixrtc_auth_request_duration_seconds_bucket{endpoint=\"/get_token\",le=\"+Inf\"} 3\n"
            "matrixrtc_auth_request_duration_seconds_sum{endpoint=\"/get_token\"} 2.023\n"
            "matrixrtc_auth_request_duration_seconds_count{endpoint=\"/get_token\"} 3\n"
            "matrixrtc_auth_request_duration_seconds_bucket{endpoint=\"other\",le=\"0.001\"} 1\n"
            "matrixrtc_auth_request_duration_seconds_bucket{endpoint=\"other\",le=\"0.0025\"} 1\n"
            "matrixrtc_auth_request_duration_seconds_bucket{endpoint=\"other\",le=\"0.005\"} 1\n"
            "matrixrtc_auth_request_duration_seconds_bucket{endpoint=\"other\",le=\"0.01\"} 1\n"
            "matrixrtc_auth_request_duration_seconds_bucket{endpoint=\"other\",le=\"0.025\"} 1\n"
            "matrixrtc_auth_request_duration_seconds_bucket{endpoint=\"other\",le=\"0.05\"} 1\n"
            "matrixrtc_auth_request_duration_seconds_bucket{endpoint=\"other\",le=\"0.1\"} 1\n"
            "matrixrtc_auth_request_duration_seconds_bucket{endpoint=\"other\",le=\"0.25\"} 1\n"
            "matrixrtc_auth_request_duration_seconds_bucket{endpoint=\"other\",le=\"0.5\"} 1\n"
            "matrixrtc_auth_request_duration_seconds_bucket{endpoint=\"other\",le=\"1\"} 1\n"
            "matrixrtc_auth_request_duration_seconds_bucket{endpoint=\"other\",le=\"2.5\"} 1\n"
            "matrixrtc_auth_request_duration_seconds_bucket{endpoint=\"other\",le=\"5\"} 1\n"
            "matrixrtc_auth_request_duration_seconds_bucket{endpoint=\"other\",le=\"10\"} 1\n"
            "matrixrtc_auth_request_duration_seconds_bucket{endpoint=\"other\",le=\"+Inf\"} 1\n"
            "matrixrtc_auth_request_duration_seconds_sum{endpoint=\"other\"} 0\n"
            "matrixrtc_auth_request_duration_seconds_count{endpoint=\"other\"} 1\n"
            "# HELP matrixrtc_auth_homeserver_lookup_duration_seconds Duration of OpenID userinfo lookups on "
            "homeservers (discovery included).\n"
            "# TYPE matrixrtc_auth_homeserver_lookup_duration_seconds histogram\n"
            "matrixrtc_auth_homeserver_lookup_duration_seconds_bucket{le=\"0.001\"} 0\n"
            "matrixrtc_auth_homeserver_lookup_duration_seconds_bucket{le=\"0.0025\"} 0\n"
            "matrixrtc_auth_homeserver_lookup_duration_seconds_bucket{le=\"0.005\"} 1\n"
            "matrixrtc_auth_homeserver_lookup_duration_seconds_bucket{le=\"0.01\"} 1\n"
            "matrixrtc_auth_homeserver_lookup_duration_seconds_bucket{le=\"0.025\"} 1\n"
            "matrixrtc_auth_homeserver_lookup_duration_seconds_bucket{le=\"0.05\"} 1\n"
            "matrixrtc_auth_homeserver_lookup_duration_seconds_bucket{le=\"0.1\"} 1\n"
            "matrixrtc_auth_homeserver_lookup_duration_seconds_bucket{le=\"0.25\"} 1\n"
            "matrixrtc_auth_homeserver_lookup_duration_seconds_bucket{le=\"0.5\"} 1\n"
            "matrixrtc_auth_homeserver_lookup_duration_seconds_bucket{le=\"1\"} 1\n"
            "matrixrtc_auth_homeserver_lookup_duration_seconds_bucket{le=\"2.5\"} 1\n"
            "matrixrtc_auth_homeserver_lookup_duration_seconds_bucket{le=\"5\"} 1\n"
            "matrixrtc_auth_homeserver_lookup_duration_seconds_bucket{le=\"10\"} 1\n"
            "matrixrtc_auth_homeserver_lookup_duration_seconds_bucket{le=\"+Inf\"} 2\n"
            "matrixrtc_auth_homeserver_lookup_duration_seconds_sum 30.004\n"
            "matrixrtc_auth_homeserver_lookup_duration_seconds_count 2\n"
            "# HELP matrixrtc_auth_homeserver_lookup_failures_total Failed OpenID userinfo lookups, by reason.\n"
            "# TYPE matrixrtc_auth_homeserver_lookup_failures_total counter\n"
            "matrixrtc_auth_homeserver_lookup_failures_total{reason=\"dns\"} 0\n"
            "matrixrtc_auth_homeserver_lookup_failures_total{reason=\"connect\"} 0\n"
            "matrixrtc_auth_homeserver_lookup_failures_total{reason=\"tls\"} 0\n"
            "matrixrtc_auth_homeserver_lookup_failures_total{reason=\"timeout\"} 1\n"
            "matrixrtc_auth_homeserver_lookup_failures_total{reason=\"http_status\"} 0\n"
            "matrixrtc_auth_homeserver_lookup_failures_total{reason=\"bad_response\"} 0\n"
            "matrixrtc_auth_homeserver_lookup_failures_total{reason=\"refused\"} 0\n"
            "matrixrtc_auth_homeserver_lookup_failures_total{reason=\"other\"} 0\n"
            "# HELP matrixrtc_auth_livekit_requests_total LiveKit RoomService (Twirp) calls, by method and result.\n"
            "# TYPE matrixrtc_auth_livekit_requests_total counter\n"
            "matrixrtc_auth_livekit_requests_total{method=\"CreateRoom\",result=\"ok\"} 1\n"
            "matrixrtc_auth_livekit_requests_total{method=\"CreateRoom\",result=\"error\"} 0\n"
            "matrixrtc_auth_livekit_requests_total{method=\"GetParticipant\",result=\"ok\"} 0\n"
            "matrixrtc_auth_livekit_requests_total{method=\"GetParticipant\",result=\"not_found\"} 1\n"
            "matrixrtc_auth_livekit_requests_total{method=\"GetParticipant\",result=\"error\"} 0\n"
            "# HELP matrixrtc_auth_webhooks_total LiveKit webhooks received, by result.\n"
            "# TYPE matrixrtc_auth_webhooks_total counter\n"
            "matrixrtc_auth_webhooks_total{result=\"ok\"} 0\n"
            "matrixrtc_auth_webhooks_total{result=\"unauthorized\"} 1\n"
            "matrixrtc_auth_webhooks_total{result=\"bad_body\"} 0\n"
            "# HELP matrixrtc_auth_userinfo_cache_total OpenID userinfo cache lookups, by result (a miss asks the "
            "homeserver).\n"
            "# TYPE matrixrtc_auth_userinfo_cache_total counter\n"
            "matrixrtc_auth_userinfo_cache_total{result=\"hit\"} 2\n"
            "matrixrtc_auth_userinfo_cache_total{result=\"miss\"} 0\n"
            "matrixrtc_auth_userinfo_cache_total{result=\"negative_hit\"} 1\n"
            "# HELP matrixrtc_auth_rate_limited_total Requests refused with 429 M_LIMIT_EXCEEDED, by the limit's "
            "scope.\n"
            "# TYPE matrixrtc_auth_rate_limited_total counter\n"
            "matrixrtc_auth_rate_limited_total{scope=\"ip\"} 1\n"
            "matrixrtc_auth_rate_limited_total{scope=\"user\"} 1\n"
            "matrixrtc_auth_rate_limited_total{scope=\"homeserver\"} 0\n"
            "# HELP matrixrtc_auth_rate_limit_fail_open_total Requests a rate limit allowed without deciding (table "
            "full, Redis unavailable), by scope and reason.\n"
            "# TYPE matrixrtc_auth_rate_limit_fail_open_total counter\n"
            "matrixrtc_auth_rate_limit_fail_open_total{scope=\"ip\",reason=\"table_full\"} 1\n"
            "matrixrtc_auth_rate_limit_fail_open_total{scope=\"ip\",reason=\"backend_error\"} 0\n"
            "matrixrtc_auth_rate_limit_fail_open_total{scope=\"user\",reason=\"table_full\"} 0\n"
            "matrixrtc_auth_rate_limit_fail_open_total{scope=\"user\",reason=\"backend_error\"} 0\n"
            "matrixrtc_auth_rate_limit_fail_open_total{scope=\"homeserver\",reason=\"table_full\"} 0\n"
            "matrixrtc_auth_rate_limit_fail_open_total{scope=\"homeserver\",reason=\"backend_error\"} 1\n"
            "# HELP matrixrtc_auth_delegation_jobs Delegated delayed leave events held, by state.\n"
            "# TYPE matrixrtc_auth_delegation_jobs gauge\n"
            "matrixrtc_auth_delegation_jobs{state=\"waiting_for_initial_connect\"} 1\n"
            "matrixrtc_auth_delegation_jobs{state=\"connected\"} 2\n"
            "matrixrtc_auth_delegation_jobs{state=\"disconnected\"} 0\n"
            "# HELP matrixrtc_auth_open_connections Client connections open now.\n"
            "# TYPE matrixrtc_auth_open_connections gauge\n"
            "matrixrtc_auth_open_connections 7\n"
            "# HELP matrixrtc_auth_build_info Always 1; the version is a label.\n"
            "# TYPE matrixrtc_auth_build_info gauge\n"
            "matrixrtc_auth_build_info{version=\"1.2.3\"} 1\n");
}

TEST(Metrics, WithoutJobsOrConnectionsThoseGaugesAreLeftOut) {
  MetricsRegistry registry("v");
  const std::string text = registry.render(std::nullopt);
  EXPECT_EQ(text.find("matrixrtc_auth_delegation_jobs"), std::string::npos);
  EXPECT_EQ(text.find("matrixrtc_auth_open_connections"), std::string::npos);
  EXPECT_NE(text.find("matrixrtc_auth_build_info{version=\"v\"} 1\n"), std::string::npos);
  EXPECT_FALSE(service_version().empty());
}

}  // namespace
}  // namespace matrixrtc::service
