#include "service/readiness.hpp"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/json/canonical_json.hpp"
#include "core/text.hpp"

namespace matrixrtc::service {

namespace asio = boost::asio;

namespace {

// A room name no client can get a token for (aliases are hashes or "!room"
// identifiers), so the probe never touches a real room.
constexpr std::string_view kProbeRoom = "matrixrtc-auth-readyz";
constexpr std::string_view kProbeIdentity = "readyz";

std::string quoted(std::string_view text) {
  std::string out;
  if (!core::json::write_json_string(out, text, core::json::Escaping::canonical)) out = R"("")";
  return out;
}

}  // namespace

std::string ready_checks_json(const ReadyChecks& checks) {
  return core::cat(R"({"status":)", checks.ready() ? R"("ready")" : R"("not_ready")", R"(,"checks":{"livekit":)",
                   quoted(checks.livekit), R"(,"redis":)", quoted(checks.redis), "}}");
}

std::string livekit_failure_reason(const core::Error& error) {
  // Twirp clients report "LiveKit answered HTTP <status>: <body>"; the body is
  // left out (it is LiveKit's text, not ours to publish).
  constexpr std::string_view kPrefix = "LiveKit answered HTTP ";
  if (error.message.starts_with(kPrefix)) {
    const std::string status = error.message.substr(kPrefix.size(), 3);
    if (status == "401") return "unauthorized: LiveKit refused the API key or secret";
    return core::cat("LiveKit answered HTTP ", status);
  }
  return std::string(core::to_string(error.code));
}

ReadinessChecker::ReadinessChecker(RoomServiceClient& rooms, RedisPing redis_ping, std::function<std::int64_t()> now_ms,
                                   std::chrono::milliseconds cache_for)
    : rooms_(rooms), redis_ping_(std::move(redis_ping)), now_ms_(std::move(now_ms)), cache_for_(cache_for) {}

asio::awaitable<ReadyChecks> ReadinessChecker::run_checks() {
  ++rounds_;
  ReadyChecks checks;
  std::string room(kProbeRoom);
  std::string identity(kProbeIdentity);
  auto present = co_await rooms_.participant_exists(std::move(room), std::move(identity));
  if (!present) checks.livekit = livekit_failure_reason(present.error());
  if (redis_ping_) {
    auto pong = co_await redis_ping_();
    if (pong) {
      checks.redis = "ok";
    } else {
      checks.redis = std::string(core::to_string(pong.error().code));
    }
  }
  co_return checks;
}

asio::awaitable<ReadyChecks> ReadinessChecker::check() {
  if (cached_ && now_ms_() - cached_at_ms_ < cache_for_.count()) co_return *cached_;
  if (in_flight_) {
    // Another probe is checking: wait for its answer rather than asking again.
    while (in_flight_ && done_) {
      boost::system::error_code ec;
      co_await done_->async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    if (cached_) co_return *cached_;
  }
  in_flight_ = true;
  auto executor = co_await asio::this_coro::executor;
  done_.emplace(executor, asio::steady_timer::time_point::max());
  ReadyChecks checks = co_await run_checks();
  cached_ = checks;
  cached_at_ms_ = now_ms_();
  in_flight_ = false;
  // Wakes the waiters (their handlers are queued by cancel), then lets the
  // timer go: it must not outlive the event loop it was made on.
  done_->cancel();
  done_.reset();
  co_return checks;
}

}  // namespace matrixrtc::service
