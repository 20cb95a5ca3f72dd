// Rate limits of the token endpoints (docs/security.md, "Rate limits"):
// token buckets per client IP, per Matrix user and per homeserver, decided
// by core/ratelimit's GCRA. The interface the router and the token issuer
// call, the limits read from the configuration, and what a check reports
// for the metrics. Two implementations: MemoryRateLimiter (one per process,
// shared by every shard) and RedisRateLimiter (one per shard, several
// instances share the buckets through Redis).
//
// Limits fail open: when a decision cannot be made (the table is full, Redis
// is down) the request is allowed and the check says why, so an outage of
// the limiter never becomes an outage of the service.
#pragma once

#include <array>
#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

#include "core/authz/api_error.hpp"
#include "core/ratelimit/gcra.hpp"
#include "service/config.hpp"
#include "service/logger.hpp"

namespace matrixrtc::service {

enum class RateScope : std::uint8_t { ip, user, homeserver };
inline constexpr std::size_t kRateScopeCount = 3;
/// "ip", "user", "homeserver": metric labels and Redis key parts.
[[nodiscard]] std::string_view to_label(RateScope scope);

/// Why a request was allowed without a decision.
enum class FailOpen : std::uint8_t { none, table_full, backend_error };
inline constexpr std::size_t kFailOpenReasonCount = 2;  ///< table_full, backend_error
[[nodiscard]] std::string_view to_label(FailOpen reason);

/// The three scopes' limits (per minute 0: off).
struct RateLimits {
  std::array<core::ratelimit::Limit, kRateScopeCount> scopes{};
  [[nodiscard]] const core::ratelimit::Limit& operator[](RateScope scope) const {
    return scopes[static_cast<std::size_t>(scope)];
  }
  [[nodiscard]] bool any_enabled() const;
};
[[nodiscard]] RateLimits rate_limits_of(const Config& config);

struct RateVerdict {
  bool allowed = true;
  std::int64_t retry_after_ms = 0;  ///< when refused
  FailOpen fail_open = FailOpen::none;
};

using RateClock = std::chrono::steady_clock;

class RateLimiter {
 public:
  explicit RateLimiter(RateLimits limits) : limits_(limits) {}
  virtual ~RateLimiter() = default;
  RateLimiter(const RateLimiter&) = delete;
  RateLimiter& operator=(const RateLimiter&) = delete;

  [[nodiscard]] bool enabled(RateScope scope) const { return limits_[scope].enabled(); }
  [[nodiscard]] const RateLimits& limits() const { return limits_; }

  /// Takes one token from `key`'s bucket in `scope` at `now` (Redis uses its
  /// own clock instead, so instances with skewed clocks agree). A disabled
  /// scope always allows.
  virtual boost::asio::awaitable<RateVerdict> check(RateScope scope, std::string key, RateClock::time_point now) = 0;
  /// The same decision without suspending, when the limiter can make it in
  /// memory; nullopt when it needs a round trip (Redis): then use check().
  /// Callers take this path first: a coroutine frame per check showed in
  /// the service's profile.
  virtual std::optional<RateVerdict> check_without_waiting(RateScope /*scope*/, std::string_view /*key*/,
                                                           RateClock::time_point /*now*/) {
    return std::nullopt;
  }

 private:
  RateLimits limits_;
};

/// What the rate limits did to one request, for its metrics and log line.
struct RateLimitNotes {
  std::optional<RateScope> limited;                   ///< the scope that refused it
  std::array<FailOpen, kRateScopeCount> fail_open{};  ///< per scope: allowed without a decision
};

/// Checks `scope` when the limiter exists and the scope is on: nullopt when
/// the request may go on, else the 429 to answer. Records into `notes`.
/// Try enforce_limit_now first; this is for when it could not decide.
[[nodiscard]] boost::asio::awaitable<std::optional<core::authz::ApiError>> enforce_limit(RateLimiter* limiter,
                                                                                         RateScope scope,
                                                                                         std::string key,
                                                                                         RateLimitNotes& notes);

/// enforce_limit without suspending: true when decided (no limiter, scope
/// off, or a limiter that decides in memory), with `refusal` set to the 429
/// to answer or nullopt; false when the limiter needs enforce_limit.
[[nodiscard]] bool enforce_limit_now(RateLimiter* limiter, RateScope scope, std::string_view key, RateLimitNotes& notes,
                                     std::optional<core::authz::ApiError>& refusal);

/// The homeserver scope's key: the server name's host, lower-cased, without
/// a trailing dot or port, so spelling variants of one server share a bucket.
[[nodiscard]] std::string homeserver_key(std::string_view server_name);

/// A warning logged at most once per interval, whichever thread reports it.
class ThrottledWarning {
 public:
  ThrottledWarning(Logger& logger, std::chrono::milliseconds interval) : logger_(logger), interval_(interval) {}
  /// Logs (warn) unless another report was logged less than the interval ago.
  void report(std::string_view message, std::string_view reason, RateClock::time_point now);

 private:
  Logger& logger_;
  std::chrono::milliseconds interval_;
  std::atomic<std::int64_t> last_ns_{std::numeric_limits<std::int64_t>::min()};
};

}  // namespace matrixrtc::service
