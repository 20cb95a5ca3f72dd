#include "core/ratelimit/gcra.hpp"

#include <gtest/gtest.h>

namespace matrixrtc::core::ratelimit {
namespace {

constexpr std::int64_t kSecond = 1'000'000;

TEST(GcraTest, IntervalIsSixtySecondsOverTheRate) {
  EXPECT_EQ((Limit{60, 1}.interval_us()), kSecond);
  EXPECT_EQ((Limit{300, 1}.interval_us()), 200'000);
  EXPECT_EQ((Limit{7, 1}.interval_us()), 8'571'428);
  EXPECT_EQ((Limit{0, 1}.interval_us()), 0);
  EXPECT_FALSE((Limit{0, 5}.enabled()));
}

TEST(GcraTest, AFullBucketAllowsExactlyBurstRequestsAtOnce) {
  const Limit limit{60, 3};
  const std::int64_t now = 1000 * kSecond;
  std::optional<std::int64_t> state;
  for (int i = 0; i < 3; ++i) {
    const auto decision = decide(limit, state, now);
    ASSERT_TRUE(decision.allowed) << i;
    EXPECT_EQ(decision.retry_after_ms, 0);
    state = decision.tat_us;
  }
  EXPECT_EQ(*state, now + 3 * kSecond);
  const auto refused = decide(limit, state, now);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after_ms, 1000);  // one interval until a token is back
  EXPECT_EQ(refused.tat_us, *state);        // refusals do not push the wait out
}

TEST(GcraTest, TokensComeBackAtTheRate) {
  const Limit limit{60, 2};
  std::int64_t now = 0;
  std::optional<std::int64_t> state;
  state = decide(limit, state, now).tat_us;
  state = decide(limit, state, now).tat_us;
  ASSERT_FALSE(decide(limit, state, now).allowed);
  now += 400'000;
  const auto early = decide(limit, state, now);
  EXPECT_FALSE(early.allowed);
  EXPECT_EQ(early.retry_after_ms, 600);
  now += 600'000;  // exactly one interval after the bucket emptied
  const auto back = decide(limit, state, now);
  ASSERT_TRUE(back.allowed);
  state = back.tat_us;
  EXPECT_FALSE(decide(limit, state, now).allowed);
}

TEST(GcraTest, RetryAfterRoundsUpToWholeMilliseconds) {
  const Limit limit{7, 1};  // 8 571 428 µs interval
  const auto first = decide(limit, std::nullopt, 0);
  ASSERT_TRUE(first.allowed);
  const auto second = decide(limit, first.tat_us, 1);
  EXPECT_FALSE(second.allowed);
  EXPECT_EQ(second.retry_after_ms, 8572);  // 8 571 427 µs, rounded up
  EXPECT_GE(decide(limit, first.tat_us, first.tat_us - 1).retry_after_ms, 1);
}

TEST(GcraTest, AnIdleKeyIsAFullBucketAndRefilledStateEqualsNoState) {
  const Limit limit{60, 5};
  std::optional<std::int64_t> state;
  for (int i = 0; i < 5; ++i) state = decide(limit, state, 0).tat_us;
  ASSERT_FALSE(decide(limit, state, 0).allowed);
  EXPECT_FALSE(refilled(*state, 4 * kSecond));
  EXPECT_TRUE(refilled(*state, 5 * kSecond));
  // Long after, the bucket holds `burst` tokens, not more.
  const std::int64_t later = 3600 * kSecond;
  std::optional<std::int64_t> old = state;
  std::optional<std::int64_t> none;
  for (int i = 0; i < 5; ++i) {
    const auto a = decide(limit, old, later);
    const auto b = decide(limit, none, later);
    ASSERT_TRUE(a.allowed);
    EXPECT_EQ(a.tat_us, b.tat_us);
    old = a.tat_us;
    none = b.tat_us;
  }
  EXPECT_FALSE(decide(limit, old, later).allowed);
}

TEST(GcraTest, DisabledLimitAllowsEverythingAndKeepsState) {
  const auto decision = decide(Limit{0, 1}, 42, 7);
  EXPECT_TRUE(decision.allowed);
  EXPECT_EQ(decision.tat_us, 42);
}

TEST(GcraTest, SustainedRateMatchesPerMinute) {
  const Limit limit{300, 60};
  std::optional<std::int64_t> state;
  int allowed = 0;
  // One request every 10 ms for a minute: burst plus one token per 200 ms.
  for (std::int64_t t = 0; t < 60 * kSecond; t += 10'000) {
    const auto decision = decide(limit, state, t);
    if (decision.allowed) ++allowed;
    state = decision.tat_us;
  }
  EXPECT_EQ(allowed, 60 + 300 - 1);
}

}  // namespace
}  // namespace matrixrtc::core::ratelimit
