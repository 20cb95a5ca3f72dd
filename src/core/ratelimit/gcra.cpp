#include "core/ratelimit/gcra.hpp"

#include <algorithm>

namespace matrixrtc::core::ratelimit {

std::int64_t Limit::interval_us() const noexcept {
  if (per_minute == 0) return 0;
  return std::max<std::int64_t>(1, std::int64_t{60'000'000} / per_minute);
}

Decision decide(const Limit& limit, std::optional<std::int64_t> stored_tat_us, std::int64_t now_us) noexcept {
  if (!limit.enabled()) return Decision{true, 0, stored_tat_us.value_or(now_us)};
  const std::int64_t interval = limit.interval_us();
  const std::int64_t burst = std::max<std::int64_t>(1, limit.burst);
  // The bucket is full once the TAT has passed; it cannot be fuller than that.
  const std::int64_t tat = std::max(stored_tat_us.value_or(now_us), now_us);
  const std::int64_t new_tat = tat + interval;
  // Allowed while the TAT stays within `burst` intervals of now: that is
  // "at least one token left" in token-bucket terms.
  const std::int64_t excess = new_tat - now_us - burst * interval;
  if (excess > 0) return Decision{false, std::max<std::int64_t>(1, (excess + 999) / 1000), tat};
  return Decision{true, 0, new_tat};
}

}  // namespace matrixrtc::core::ratelimit
