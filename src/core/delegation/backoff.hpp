// Jittered exponential backoff for a delegation job's retries (polls while
// waiting, restarts and sends that the homeserver asked to retry), shaped like
// cenkalti/backoff's ExponentialBackOff that the reference relies on. The
// randomness comes from a seeded splitmix64 generator so that a job's timings
// are reproducible in tests; nothing here reads a clock or global state.
#pragma once

#include <cstdint>

namespace matrixrtc::core::delegation {

/// splitmix64 (Steele, Lea, Flood 2014): tiny, full-period, good enough for
/// spreading retries; not for secrets.
class SplitMix64 {
 public:
  explicit SplitMix64(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next();
  /// Uniform in [0, 1) with 53 bits of precision.
  double next_unit();

 private:
  std::uint64_t state_;
};

struct BackoffPolicy {
  std::int64_t initial_ms = 1'000;
  double multiplier = 1.5;
  double jitter = 0.5;
  std::int64_t max_interval_ms = 60'000;
};

/// Delay n (from 0) is interval_n × (1 + jitter·(2u − 1)) rounded down to
/// whole milliseconds, where interval_0 = initial and interval_{n+1} =
/// min(interval_n × multiplier, max_interval). As in cenkalti/backoff the cap
/// applies to the interval, so a delay lies in [interval·(1−jitter),
/// interval·(1+jitter)); a jittered delay can thus reach max·(1+jitter).
/// Delays are never negative.
class Backoff {
 public:
  Backoff(BackoffPolicy policy, std::uint64_t seed);
  /// The next delay, and advances the interval.
  std::int64_t next_delay_ms();
  /// Back to the initial interval (after a success); the generator keeps its state.
  void reset();
  /// The interval the next delay is drawn around (before jitter).
  [[nodiscard]] double current_interval_ms() const { return interval_ms_; }

 private:
  BackoffPolicy policy_;
  SplitMix64 random_;
  double interval_ms_;
};

}  // namespace matrixrtc::core::delegation
