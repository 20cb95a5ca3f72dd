#include "service/rate_limiter.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <sstream>

#include "service/memory_rate_limiter.hpp"
#include "support/run.hpp"

namespace matrixrtc::service {
namespace {

using namespace std::chrono_literals;

TEST(RateLimiterTest, LabelsAndLimitsFromTheConfig) {
  EXPECT_EQ(to_label(RateScope::ip), "ip");
  EXPECT_EQ(to_label(RateScope::user), "user");
  EXPECT_EQ(to_label(RateScope::homeserver), "homeserver");
  EXPECT_EQ(to_label(FailOpen::table_full), "table_full");
  EXPECT_EQ(to_label(FailOpen::backend_error), "backend_error");
  Config config;
  config.rate_limit_ip_per_minute = 1;
  config.rate_limit_ip_burst = 2;
  config.rate_limit_user_per_minute = 3;
  config.rate_limit_user_burst = 4;
  config.rate_limit_homeserver_per_minute = 5;
  config.rate_limit_homeserver_burst = 6;
  const RateLimits limits = rate_limits_of(config);
  EXPECT_EQ(limits[RateScope::ip].per_minute, 1U);
  EXPECT_EQ(limits[RateScope::ip].burst, 2U);
  EXPECT_EQ(limits[RateScope::user].per_minute, 3U);
  EXPECT_EQ(limits[RateScope::user].burst, 4U);
  EXPECT_EQ(limits[RateScope::homeserver].per_minute, 5U);
  EXPECT_EQ(limits[RateScope::homeserver].burst, 6U);
  EXPECT_TRUE(limits.any_enabled());
  config.rate_limit_ip_per_minute = config.rate_limit_user_per_minute = config.rate_limit_homeserver_per_minute = 0;
  EXPECT_FALSE(rate_limits_of(config).any_enabled());
}

TEST(RateLimiterTest, HomeserverKeysJoinSpellingsOfOneHost) {
  EXPECT_EQ(homeserver_key("Example.ORG"), "example.org");
  EXPECT_EQ(homeserver_key("example.org."), "example.org");
  EXPECT_EQ(homeserver_key("example.org:8448"), "example.org");
  EXPECT_EQ(homeserver_key("[2001:DB8:0::1]:8448"), "2001:db8::1");
  EXPECT_EQ(homeserver_key("192.0.2.1:443"), "192.0.2.1");
}

TEST(RateLimiterTest, EnforceAnswers429AndNotesTheScope) {
  boost::asio::io_context io;
  RateLimits limits;
  limits.scopes = {core::ratelimit::Limit{60, 1}, core::ratelimit::Limit{0, 1}, core::ratelimit::Limit{60, 1}};
  MemoryRateLimiter limiter(limits);
  RateLimitNotes notes;
  EXPECT_EQ(testing::run(io, enforce_limit(&limiter, RateScope::ip, "a", notes)), std::nullopt);
  EXPECT_EQ(notes.limited, std::nullopt);
  const auto refused = testing::run(io, enforce_limit(&limiter, RateScope::ip, "a", notes));
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 429U);
  EXPECT_EQ(refused->errcode, "M_LIMIT_EXCEEDED");
  EXPECT_EQ(refused->error, "Too many requests");
  ASSERT_TRUE(refused->retry_after_ms);
  EXPECT_GT(*refused->retry_after_ms, 900);
  EXPECT_LE(*refused->retry_after_ms, 1000);
  EXPECT_EQ(notes.limited, RateScope::ip);
  // Off scopes and no limiter never refuse.
  RateLimitNotes quiet;
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(testing::run(io, enforce_limit(&limiter, RateScope::user, "a", quiet)), std::nullopt);
    EXPECT_EQ(testing::run(io, enforce_limit(nullptr, RateScope::ip, "a", quiet)), std::nullopt);
  }
  EXPECT_EQ(quiet.limited, std::nullopt);
}

// A limiter that can only decide with a round trip (as Redis does).
class RoundTripOnlyLimiter final : public RateLimiter {
 public:
  using RateLimiter::RateLimiter;
  int checks = 0;
  boost::asio::awaitable<RateVerdict> check(RateScope, std::string, RateClock::time_point) override {
    ++checks;
    co_return RateVerdict{false, 1500, FailOpen::none};
  }
};

TEST(RateLimiterTest, EnforceNowDecidesInMemoryAndDefersRoundTrips) {
  RateLimits limits;
  limits.scopes = {core::ratelimit::Limit{60, 1}, core::ratelimit::Limit{0, 1}, core::ratelimit::Limit{60, 1}};
  MemoryRateLimiter memory(limits);
  RateLimitNotes notes;
  std::optional<core::authz::ApiError> refusal = core::authz::internal_error();
  ASSERT_TRUE(enforce_limit_now(&memory, RateScope::ip, "a", notes, refusal));
  EXPECT_EQ(refusal, std::nullopt);
  ASSERT_TRUE(enforce_limit_now(&memory, RateScope::ip, "a", notes, refusal));
  ASSERT_TRUE(refusal);
  EXPECT_EQ(refusal->status, 429U);
  EXPECT_EQ(refusal->errcode, "M_LIMIT_EXCEEDED");
  EXPECT_EQ(notes.limited, RateScope::ip);
  // No limiter, or the scope off: decided, allowed.
  ASSERT_TRUE(enforce_limit_now(nullptr, RateScope::ip, "a", notes, refusal));
  EXPECT_EQ(refusal, std::nullopt);
  ASSERT_TRUE(enforce_limit_now(&memory, RateScope::user, "a", notes, refusal));
  EXPECT_EQ(refusal, std::nullopt);

  // A limiter that needs a round trip is not decided now; enforce_limit asks it.
  RoundTripOnlyLimiter remote(limits);
  RateLimitNotes remote_notes;
  EXPECT_FALSE(enforce_limit_now(&remote, RateScope::ip, "a", remote_notes, refusal));
  EXPECT_EQ(remote.checks, 0);
  EXPECT_EQ(remote_notes.limited, std::nullopt);
  boost::asio::io_context io;
  const auto refused = testing::run(io, enforce_limit(&remote, RateScope::ip, "a", remote_notes));
  EXPECT_EQ(remote.checks, 1);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->retry_after_ms, 1500);
  // ...unless the scope is off, which needs no answer from anyone.
  EXPECT_TRUE(enforce_limit_now(&remote, RateScope::user, "a", remote_notes, refusal));
  EXPECT_EQ(remote.checks, 1);
}

TEST(RateLimiterTest, ThrottledWarningLogsOncePerInterval) {
  std::ostringstream out;
  Logger logger(out, LogLevel::info, LogFormat::text);
  ThrottledWarning warning(logger, 10s);
  const RateClock::time_point start{std::chrono::hours(2)};
  warning.report("rate limits not enforced", "connection refused", start);
  warning.report("rate limits not enforced", "connection refused", start + 9s);
  const std::string once = out.str();
  EXPECT_NE(once.find("rate limits not enforced"), std::string::npos);
  EXPECT_NE(once.find("connection refused"), std::string::npos);
  EXPECT_EQ(once.find("rate limits not enforced"), once.rfind("rate limits not enforced"));
  warning.report("rate limits not enforced", "timed out", start + 10s);
  EXPECT_NE(out.str().find("timed out"), std::string::npos);
}

}  // namespace
}  // namespace matrixrtc::service
