// The rate limiter with Redis: buckets shared by every instance on one
// Redis, so several instances enforce one limit. One per shard, on the
// shard's own RedisClient and event loop. Each check is one EVAL of a Lua
// script running core/ratelimit's GCRA on Redis' own clock (TIME), so the
// instances' clocks do not matter; a bucket is the key
// "lk-jwt:ratelimit:<scope>:<key>" holding its TAT in microseconds, expiring
// (PEXPIRE) when it would be full again.
//
// When Redis fails or times out the request is allowed (fail open, reported
// as backend_error) and for the next second this shard does not try Redis at
// all, so a hung Redis costs one timeout a second rather than one per request.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "net/redis_client.hpp"
#include "service/rate_limiter.hpp"

namespace matrixrtc::service {

inline constexpr std::string_view kRateLimitKeyPrefix = "lk-jwt:ratelimit:";

/// The Lua script (KEYS[1] bucket; ARGV interval µs, burst) → {allowed 0/1, retry_after_ms}.
[[nodiscard]] std::string_view rate_limit_script();

class RedisRateLimiter final : public RateLimiter {
 public:
  /// `warning` is shared by every shard's limiter (one log line per interval).
  RedisRateLimiter(net::RedisClient& redis, RateLimits limits, ThrottledWarning& warning,
                   std::chrono::milliseconds backoff = std::chrono::seconds(1));

  boost::asio::awaitable<RateVerdict> check(RateScope scope, std::string key, RateClock::time_point now) override;

 private:
  net::RedisClient& redis_;
  ThrottledWarning& warning_;
  std::chrono::milliseconds backoff_;
  RateClock::time_point skip_until_{};
};

}  // namespace matrixrtc::service
