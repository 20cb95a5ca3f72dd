#include "core/delegation/backoff.hpp"

#include <algorithm>
#include <cmath>

namespace matrixrtc::core::delegation {

std::uint64_t SplitMix64::next() {
  std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

double SplitMix64::next_unit() { return std::ldexp(static_cast<double>(next() >> 11), -53); }

Backoff::Backoff(BackoffPolicy policy, std::uint64_t seed)
    : policy_(policy), random_(seed), interval_ms_(static_cast<double>(policy.initial_ms)) {}

std::int64_t Backoff::next_delay_ms() {
  const double u = random_.next_unit();
  const double delay = interval_ms_ * (1.0 + policy_.jitter * (2.0 * u - 1.0));
  interval_ms_ = std::min(interval_ms_ * policy_.multiplier, static_cast<double>(policy_.max_interval_ms));
  // Bounded by max·(1+jitter) for sane policies, so the cast cannot overflow.
  return std::max<std::int64_t>(0, static_cast<std::int64_t>(std::floor(delay)));
}

void Backoff::reset() { interval_ms_ = static_cast<double>(policy_.initial_ms); }

}  // namespace matrixrtc::core::delegation
