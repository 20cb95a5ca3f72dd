// The rate limiter without Redis: one per process, shared by every shard.
// Each scope's buckets live in 16 lock-striped hash maps (a key's stripe is
// fixed by its hash), so shards rarely wait for each other. A bucket is one
// TAT (core/ratelimit/gcra); refilled buckets equal absent ones, so the maps
// are bounded: at the cap a stripe first drops its refilled entries (at most
// once a second, so a flood of fresh keys cannot make every request scan),
// and if it is still full a new key is allowed without being stored
// (fail open, reported as table_full). Known keys are always decided.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "service/rate_limiter.hpp"

namespace matrixrtc::service {

class MemoryRateLimiter final : public RateLimiter {
 public:
  static constexpr std::size_t kStripes = 16;

  /// `max_keys_per_scope` is split evenly over the stripes.
  explicit MemoryRateLimiter(RateLimits limits, std::size_t max_keys_per_scope = 100'000);

  /// The decision itself; thread-safe, never suspends.
  RateVerdict check_now(RateScope scope, std::string_view key, RateClock::time_point now);
  boost::asio::awaitable<RateVerdict> check(RateScope scope, std::string key, RateClock::time_point now) override;
  std::optional<RateVerdict> check_without_waiting(RateScope scope, std::string_view key,
                                                   RateClock::time_point now) override {
    return check_now(scope, key, now);
  }

  /// Keys held in `scope` now (for tests and diagnostics).
  [[nodiscard]] std::size_t size(RateScope scope) const;

 private:
  struct KeyHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view key) const noexcept { return std::hash<std::string_view>{}(key); }
  };
  struct alignas(64) Stripe {
    mutable std::mutex mutex;
    std::unordered_map<std::string, std::int64_t, KeyHash, std::equal_to<>> tats;  ///< key → TAT (µs)
    std::int64_t next_prune_us = 0;
  };

  std::size_t max_per_stripe_;
  std::array<std::array<Stripe, kStripes>, kRateScopeCount> stripes_;
};

}  // namespace matrixrtc::service
