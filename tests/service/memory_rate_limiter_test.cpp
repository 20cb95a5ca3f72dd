#include "service/memory_rate_limiter.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <thread>
#include <vector>

#include "support/run.hpp"

namespace matrixrtc::service {
namespace {

using namespace std::chrono_literals;

RateLimits limits(core::ratelimit::Limit ip, core::ratelimit::Limit user = {}, core::ratelimit::Limit server = {}) {
  RateLimits out;
  out.scopes = {ip, user, server};
  return out;
}

const RateClock::time_point kStart{std::chrono::hours(1)};

TEST(MemoryRateLimiterTest, BurstThenRefusalWithRetryAfter) {
  MemoryRateLimiter limiter(limits({60, 3}));
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.check_now(RateScope::ip, "192.0.2.1", kStart).allowed) << i;
  const auto refused = limiter.check_now(RateScope::ip, "192.0.2.1", kStart);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after_ms, 1000);
  EXPECT_EQ(refused.fail_open, FailOpen::none);
  // Other keys have their own buckets; a second later one token is back.
  EXPECT_TRUE(limiter.check_now(RateScope::ip, "192.0.2.2", kStart).allowed);
  EXPECT_TRUE(limiter.check_now(RateScope::ip, "192.0.2.1", kStart + 1s).allowed);
  EXPECT_FALSE(limiter.check_now(RateScope::ip, "192.0.2.1", kStart + 1s).allowed);
}

TEST(MemoryRateLimiterTest, ScopesAreSeparateAndZeroTurnsOneOff) {
  MemoryRateLimiter limiter(limits({60, 1}, {0, 1}, {60, 1}));
  EXPECT_TRUE(limiter.enabled(RateScope::ip));
  EXPECT_FALSE(limiter.enabled(RateScope::user));
  EXPECT_TRUE(limiter.check_now(RateScope::ip, "same", kStart).allowed);
  EXPECT_TRUE(limiter.check_now(RateScope::homeserver, "same", kStart).allowed);
  EXPECT_FALSE(limiter.check_now(RateScope::ip, "same", kStart).allowed);
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(limiter.check_now(RateScope::user, "same", kStart).allowed);
  EXPECT_EQ(limiter.size(RateScope::user), 0U);
}

TEST(MemoryRateLimiterTest, TheAwaitableFormDecidesTheSame) {
  boost::asio::io_context io;
  MemoryRateLimiter limiter(limits({60, 1}));
  EXPECT_TRUE(testing::run(io, limiter.check(RateScope::ip, "k", kStart)).allowed);
  EXPECT_FALSE(testing::run(io, limiter.check(RateScope::ip, "k", kStart)).allowed);
}

TEST(MemoryRateLimiterTest, FullTablesDropRefilledEntriesThenFailOpenForNewKeys) {
  // 16 keys in all: one per stripe on average, so fill well past it.
  MemoryRateLimiter limiter(limits({60, 1}), 16 * 4);
  std::size_t fail_open = 0;
  for (int i = 0; i < 1000; ++i) {
    const auto verdict = limiter.check_now(RateScope::ip, "key-" + std::to_string(i), kStart);
    EXPECT_TRUE(verdict.allowed);
    if (verdict.fail_open == FailOpen::table_full) ++fail_open;
  }
  EXPECT_EQ(limiter.size(RateScope::ip), 64U);
  EXPECT_EQ(fail_open, 1000U - 64U);
  // A stored key is still decided while the table is full.
  std::string stored;
  for (int i = 0; i < 1000 && stored.empty(); ++i) {
    const std::string key = "key-" + std::to_string(i);
    if (!limiter.check_now(RateScope::ip, key, kStart).allowed) stored = key;
  }
  EXPECT_FALSE(stored.empty());
  // Two seconds later every bucket has refilled: the next new key prunes its stripe.
  const auto later = kStart + 2s;
  EXPECT_EQ(limiter.check_now(RateScope::ip, "fresh", later).fail_open, FailOpen::none);
  EXPECT_LT(limiter.size(RateScope::ip), 64U);
}

TEST(MemoryRateLimiterTest, ShardsShareOneLimit) {
  MemoryRateLimiter limiter(limits({60, 1000}));
  std::atomic<int> allowed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 500; ++i) {
        if (limiter.check_now(RateScope::ip, "shared", kStart).allowed) ++allowed;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(allowed.load(), 1000);
}

}  // namespace
}  // namespace matrixrtc::service
