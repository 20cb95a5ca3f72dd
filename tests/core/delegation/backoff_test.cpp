#include "core/delegation/backoff.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace matrixrtc::core::delegation {
namespace {

BackoffPolicy without_jitter() { return BackoffPolicy{.initial_ms = 1000, .multiplier = 1.5, .jitter = 0.0, .max_interval_ms = 60'000}; }

TEST(DelegationSplitMix64, MatchesTheReferenceSequence) {
  // splitmix64.c by Sebastiano Vigna, state starting at 0.
  SplitMix64 random(0);
  EXPECT_EQ(random.next(), 0xE220A8397B1DCDAFULL);
  EXPECT_EQ(random.next(), 0x6E789E6AA1B965F4ULL);
  EXPECT_EQ(random.next(), 0x06C45D188009454FULL);
}

TEST(DelegationSplitMix64, UnitIntervalIsHalfOpen) {
  SplitMix64 random(42);
  for (int i = 0; i < 10'000; ++i) {
    const double u = random.next_unit();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
  }
  EXPECT_DOUBLE_EQ(SplitMix64(0).next_unit(), static_cast<double>(0xE220A8397B1DCDAFULL >> 11) / 9007199254740992.0);
}

TEST(DelegationBackoff, GrowsByTheMultiplierUpToTheCap) {
  Backoff backoff(without_jitter(), 1);
  const std::vector<std::int64_t> expected = {1000,  1500,  2250,  3375,  5062,  7593,  11390,
                                              17085, 25628, 38443, 57665, 60000, 60000, 60000};
  std::vector<std::int64_t> delays;
  for (std::size_t i = 0; i < expected.size(); ++i) delays.push_back(backoff.next_delay_ms());
  EXPECT_EQ(delays, expected);
  EXPECT_DOUBLE_EQ(backoff.current_interval_ms(), 60000.0);
}

TEST(DelegationBackoff, ResetStartsOverAtTheInitialInterval) {
  Backoff backoff(without_jitter(), 1);
  EXPECT_EQ(backoff.next_delay_ms(), 1000);
  EXPECT_EQ(backoff.next_delay_ms(), 1500);
  backoff.reset();
  EXPECT_EQ(backoff.next_delay_ms(), 1000);
  EXPECT_EQ(backoff.next_delay_ms(), 1500);
}

TEST(DelegationBackoff, JitterStaysWithinHalfTheIntervalEitherWay) {
  BackoffPolicy policy = without_jitter();
  policy.jitter = 0.5;
  std::int64_t smallest_first = 1'000'000;
  std::int64_t largest_first = 0;
  for (std::uint64_t seed = 0; seed < 2000; ++seed) {
    Backoff backoff(policy, seed);
    double interval = 1000;
    for (int n = 0; n < 16; ++n) {
      const std::int64_t delay = backoff.next_delay_ms();
      ASSERT_GE(delay, static_cast<std::int64_t>(interval * 0.5)) << "seed " << seed << " step " << n;
      ASSERT_LE(delay, static_cast<std::int64_t>(interval * 1.5)) << "seed " << seed << " step " << n;
      if (n == 0) {
        smallest_first = std::min(smallest_first, delay);
        largest_first = std::max(largest_first, delay);
      }
      interval = std::min(interval * 1.5, 60000.0);
    }
  }
  // The jitter really spreads the delays over the whole range.
  EXPECT_LT(smallest_first, 510);
  EXPECT_GT(largest_first, 1490);
}

TEST(DelegationBackoff, SameSeedSameDelaysOtherSeedOtherDelays) {
  BackoffPolicy policy = without_jitter();
  policy.jitter = 0.5;
  Backoff a(policy, 7);
  Backoff b(policy, 7);
  Backoff c(policy, 8);
  std::vector<std::int64_t> da, db, dc;
  for (int i = 0; i < 8; ++i) {
    da.push_back(a.next_delay_ms());
    db.push_back(b.next_delay_ms());
    dc.push_back(c.next_delay_ms());
  }
  EXPECT_EQ(da, db);
  EXPECT_NE(da, dc);
  // Seed 0: u = first splitmix64 output / 2^64, delay = 1000 × (1 + 0.5(2u − 1)).
  const double u = static_cast<double>(0xE220A8397B1DCDAFULL >> 11) / 9007199254740992.0;
  EXPECT_EQ(Backoff(policy, 0).next_delay_ms(), static_cast<std::int64_t>(1000.0 * (1.0 + 0.5 * (2.0 * u - 1.0))));
  EXPECT_EQ(Backoff(policy, 0).next_delay_ms(), 1383);
}

}  // namespace
}  // namespace matrixrtc::core::delegation
