#include "service/rate_limiter.hpp"

#include <algorithm>
#include <cctype>

#include "core/matrix/identifiers.hpp"
#include "core/ratelimit/client_address.hpp"
#include "core/text.hpp"

namespace matrixrtc::service {

std::string_view to_label(RateScope scope) {
  switch (scope) {
    case RateScope::ip: return "ip";
    case RateScope::user: return "user";
    case RateScope::homeserver: return "homeserver";
  }
  return "unknown";
}

std::string_view to_label(FailOpen reason) {
  switch (reason) {
    case FailOpen::table_full: return "table_full";
    case FailOpen::backend_error: return "backend_error";
    case FailOpen::none: break;
  }
  return "none";
}

bool RateLimits::any_enabled() const {
  return std::ranges::any_of(scopes, [](const core::ratelimit::Limit& limit) { return limit.enabled(); });
}

RateLimits rate_limits_of(const Config& config) {
  RateLimits limits;
  limits.scopes[static_cast<std::size_t>(RateScope::ip)] = {config.rate_limit_ip_per_minute,
                                                            config.rate_limit_ip_burst};
  limits.scopes[static_cast<std::size_t>(RateScope::user)] = {config.rate_limit_user_per_minute,
                                                              config.rate_limit_user_burst};
  limits.scopes[static_cast<std::size_t>(RateScope::homeserver)] = {config.rate_limit_homeserver_per_minute,
                                                                    config.rate_limit_homeserver_burst};
  return limits;
}

namespace {

std::optional<core::authz::ApiError> apply(const RateVerdict& verdict, RateScope scope, RateLimitNotes& notes) {
  notes.fail_open[static_cast<std::size_t>(scope)] = verdict.fail_open;
  if (verdict.allowed) return std::nullopt;
  notes.limited = scope;
  return core::authz::limit_exceeded(verdict.retry_after_ms);
}

}  // namespace

boost::asio::awaitable<std::optional<core::authz::ApiError>> enforce_limit(RateLimiter* limiter, RateScope scope,
                                                                           std::string key, RateLimitNotes& notes) {
  if (limiter == nullptr || !limiter->enabled(scope)) co_return std::nullopt;
  const RateClock::time_point now = RateClock::now();
  const RateVerdict verdict = co_await limiter->check(scope, std::move(key), now);
  co_return apply(verdict, scope, notes);
}

bool enforce_limit_now(RateLimiter* limiter, RateScope scope, std::string_view key, RateLimitNotes& notes,
                       std::optional<core::authz::ApiError>& refusal) {
  refusal.reset();
  if (limiter == nullptr || !limiter->enabled(scope)) return true;
  const auto verdict = limiter->check_without_waiting(scope, key, RateClock::now());
  if (!verdict) return false;
  refusal = apply(*verdict, scope, notes);
  return true;
}

std::string homeserver_key(std::string_view server_name) {
  std::string_view host = server_name;
  if (const auto parsed = core::matrix::parse_server_name(server_name)) host = parsed->host;
  while (host.size() > 1 && host.back() == '.') host.remove_suffix(1);
  // IPv6 literals have many spellings; one canonical text per address.
  if (host.contains(':')) {
    if (const auto address = core::ratelimit::parse_ip(host)) return core::ratelimit::to_string(*address);
  }
  std::string key(host);
  std::ranges::transform(key, key.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return key;
}

void ThrottledWarning::report(std::string_view message, std::string_view reason, RateClock::time_point now) {
  const std::int64_t now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count();
  const std::int64_t interval_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(interval_).count();
  std::int64_t last = last_ns_.load(std::memory_order_relaxed);
  if (last != std::numeric_limits<std::int64_t>::min() && now_ns - last < interval_ns) return;
  // Only the thread that moves the timestamp logs.
  if (!last_ns_.compare_exchange_strong(last, now_ns, std::memory_order_relaxed)) return;
  logger_.warn(message, {{"reason", std::string(reason)}});
}

}  // namespace matrixrtc::service
