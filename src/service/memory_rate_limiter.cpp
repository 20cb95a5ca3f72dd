#include "service/memory_rate_limiter.hpp"

#include <algorithm>

namespace matrixrtc::service {
namespace {

constexpr std::int64_t kPruneIntervalUs = 1'000'000;

std::int64_t micros(RateClock::time_point now) {
  return std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count();
}

}  // namespace

MemoryRateLimiter::MemoryRateLimiter(RateLimits limits, std::size_t max_keys_per_scope)
    : RateLimiter(limits), max_per_stripe_(std::max<std::size_t>(1, max_keys_per_scope / kStripes)) {}

RateVerdict MemoryRateLimiter::check_now(RateScope scope, std::string_view key, RateClock::time_point now) {
  const core::ratelimit::Limit& limit = limits()[scope];
  if (!limit.enabled()) return {};
  const std::int64_t now_us = micros(now);
  const std::size_t hash = KeyHash{}(key);
  // The map's buckets use the hash's low bits; the stripe takes high ones.
  Stripe& stripe = stripes_[static_cast<std::size_t>(scope)][(hash >> 48U) % kStripes];
  const std::lock_guard lock(stripe.mutex);
  auto& tats = stripe.tats;
  if (const auto it = tats.find(key); it != tats.end()) {
    const auto decision = core::ratelimit::decide(limit, it->second, now_us);
    if (!decision.allowed) return RateVerdict{false, decision.retry_after_ms, FailOpen::none};
    it->second = decision.tat_us;
    return {};
  }
  const auto decision = core::ratelimit::decide(limit, std::nullopt, now_us);
  if (tats.size() >= max_per_stripe_ && now_us >= stripe.next_prune_us) {
    std::erase_if(tats, [now_us](const auto& entry) { return core::ratelimit::refilled(entry.second, now_us); });
    stripe.next_prune_us = now_us + kPruneIntervalUs;
  }
  if (tats.size() >= max_per_stripe_) return RateVerdict{true, 0, FailOpen::table_full};
  tats.emplace(std::string(key), decision.tat_us);
  return {};
}

boost::asio::awaitable<RateVerdict> MemoryRateLimiter::check(RateScope scope, std::string key,
                                                             RateClock::time_point now) {
  co_return check_now(scope, key, now);
}

std::size_t MemoryRateLimiter::size(RateScope scope) const {
  std::size_t total = 0;
  for (const auto& stripe : stripes_[static_cast<std::size_t>(scope)]) {
    const std::lock_guard lock(stripe.mutex);
    total += stripe.tats.size();
  }
  return total;
}

}  // namespace matrixrtc::service
