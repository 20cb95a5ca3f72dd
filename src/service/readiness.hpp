// GET /readyz: is the service able to do its work? LiveKit's RoomService must
// answer Twirp with our key (a GetParticipant on a room nobody uses: any
// well-formed Twirp answer, not_found included, proves the API is reachable
// and the key accepted; 401 means the key or secret is wrong), and Redis,
// when configured, must answer PING. Results are kept for a short time and
// concurrent probes share one round, so a probe storm cannot hammer LiveKit.
//
// ReadinessChecker runs on one event loop (the delegation loop, which owns a
// Twirp client and the Redis client); shards reach it through StatusProbe.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "core/error.hpp"
#include "service/backends.hpp"
#include "service/metrics.hpp"

namespace matrixrtc::service {

/// Each check's outcome: "ok", "off" (Redis not configured) or a short reason
/// that never carries a secret.
struct ReadyChecks {
  std::string livekit = "ok";
  std::string redis = "off";
  [[nodiscard]] bool ready() const { return livekit == "ok" && (redis == "ok" || redis == "off"); }
};

/// The /readyz body: {"status":"ready"|"not_ready","checks":{"livekit":…,"redis":…}}.
[[nodiscard]] std::string ready_checks_json(const ReadyChecks& checks);

/// A short, secret-free reason for a failed LiveKit check.
[[nodiscard]] std::string livekit_failure_reason(const core::Error& error);

/// What the router asks the delegation loop for: readiness and the job gauge.
class StatusProbe {
 public:
  virtual ~StatusProbe() = default;
  virtual boost::asio::awaitable<ReadyChecks> check_ready() = 0;
  virtual boost::asio::awaitable<DelegationJobCounts> delegation_jobs() = 0;
};

class ReadinessChecker {
 public:
  using RedisPing = std::function<boost::asio::awaitable<core::Result<void>>()>;
  /// `redis_ping` empty: Redis is not configured ("off").
  ReadinessChecker(RoomServiceClient& rooms, RedisPing redis_ping, std::function<std::int64_t()> now_ms,
                   std::chrono::milliseconds cache_for = std::chrono::seconds(2));

  /// The cached result while fresh, else a new round (shared by concurrent
  /// callers). Always call it from the same event loop.
  boost::asio::awaitable<ReadyChecks> check();
  [[nodiscard]] unsigned rounds() const { return rounds_; }

 private:
  boost::asio::awaitable<ReadyChecks> run_checks();

  RoomServiceClient& rooms_;
  RedisPing redis_ping_;
  std::function<std::int64_t()> now_ms_;
  std::chrono::milliseconds cache_for_;
  std::optional<ReadyChecks> cached_;
  std::int64_t cached_at_ms_ = 0;
  bool in_flight_ = false;
  std::optional<boost::asio::steady_timer> done_;  ///< waiters of the round in flight
  unsigned rounds_ = 0;
};

}  // namespace matrixrtc::service
