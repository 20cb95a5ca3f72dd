// The rate limiter's decision, pure: the generic cell rate algorithm (GCRA),
// which behaves exactly like a token bucket of `burst` tokens refilled at
// `per_minute` tokens a minute, but stores one number per key: the
// theoretical arrival time (TAT) at which the bucket will be full again.
// A key without state and a key whose TAT has passed are the same (a full
// bucket), which is what lets a table drop refilled entries and lets Redis
// expire them. The same arithmetic runs as Lua in Redis (service/redis_rate_limiter).
#pragma once

#include <cstdint>
#include <optional>

namespace matrixrtc::core::ratelimit {

struct Limit {
  std::uint32_t per_minute = 0;  ///< refill rate; 0 turns the limit off (every request allowed)
  std::uint32_t burst = 1;       ///< bucket size: requests allowed at once from a full bucket (≥ 1)

  [[nodiscard]] bool enabled() const noexcept { return per_minute > 0; }
  /// Microseconds between two tokens (60 s / per_minute), at least 1.
  [[nodiscard]] std::int64_t interval_us() const noexcept;
};

struct Decision {
  bool allowed = true;
  /// When refused: how long until one request would be allowed, in whole
  /// milliseconds rounded up (≥ 1). 0 when allowed.
  std::int64_t retry_after_ms = 0;
  /// The state to store: the new TAT when allowed; the old one (unchanged)
  /// when refused, so refused requests do not push the wait further out.
  std::int64_t tat_us = 0;
};

/// Decides one request at `now_us` (any monotonic microsecond clock) for a
/// key whose stored TAT is `stored_tat_us` (nullopt: no state, a full bucket).
/// A disabled limit allows everything and leaves the state as it was.
[[nodiscard]] Decision decide(const Limit& limit, std::optional<std::int64_t> stored_tat_us,
                              std::int64_t now_us) noexcept;

/// True when the stored TAT means a full bucket at `now_us`: the entry can be
/// forgotten without changing any future decision.
[[nodiscard]] constexpr bool refilled(std::int64_t tat_us, std::int64_t now_us) noexcept { return tat_us <= now_us; }

}  // namespace matrixrtc::core::ratelimit
