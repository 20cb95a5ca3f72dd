#include "service/redis_rate_limiter.hpp"

#include <vector>

#include "core/text.hpp"

namespace matrixrtc::service {
namespace {

// core/ratelimit/gcra.cpp in Lua. Numbers are doubles in Redis' Lua: exact
// for microsecond times (< 2^53), and written back with %.0f so no exponent
// notation ever reaches the stored value. TIME before a write needs effect
// replication, the default since Redis 5; replicate_commands() asks for it
// on older servers and is a no-op on newer ones.
constexpr std::string_view kScript = R"lua(
if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '') or now
if tat < now then tat = now end
local new_tat = tat + interval
local excess = new_tat - now - burst * interval
if excess > 0 then
  return {0, math.max(1, math.ceil(excess / 1000))}
end
redis.call('SET', KEYS[1], string.format('%.0f', new_tat), 'PX', math.max(1, math.ceil((new_tat - now) / 1000)))
return {1, 0}
)lua";

}  // namespace

std::string_view rate_limit_script() { return kScript; }

RedisRateLimiter::RedisRateLimiter(net::RedisClient& redis, RateLimits limits, ThrottledWarning& warning,
                                   std::chrono::milliseconds backoff)
    : RateLimiter(limits), redis_(redis), warning_(warning), backoff_(backoff) {}

boost::asio::awaitable<RateVerdict> RedisRateLimiter::check(RateScope scope, std::string key,
                                                            RateClock::time_point now) {
  const core::ratelimit::Limit& limit = limits()[scope];
  if (!limit.enabled()) co_return RateVerdict{};
  if (now < skip_until_) co_return RateVerdict{true, 0, FailOpen::backend_error};
  std::vector<std::string> args{"EVAL",
                                std::string(kScript),
                                "1",
                                core::cat(kRateLimitKeyPrefix, to_label(scope), ":", key),
                                std::to_string(limit.interval_us()),
                                std::to_string(limit.burst)};
  auto reply = co_await redis_.command(std::move(args));
  std::string problem;
  if (!reply) {
    problem = reply.error().message;
  } else if (reply->type == net::RedisReply::Type::error) {
    problem = core::cat("Redis error reply: ", reply->text);
  } else if (reply->type != net::RedisReply::Type::array || reply->elements.size() != 2 ||
             reply->elements[0].type != net::RedisReply::Type::integer ||
             reply->elements[1].type != net::RedisReply::Type::integer) {
    problem = "unexpected reply to the rate-limit script";
  }
  if (!problem.empty()) {
    // The clock is read again: the failure may have taken a whole timeout.
    const RateClock::time_point failed_at = RateClock::now();
    skip_until_ = failed_at + backoff_;
    warning_.report("rate limits not enforced: Redis unavailable, requests are allowed", problem, failed_at);
    co_return RateVerdict{true, 0, FailOpen::backend_error};
  }
  if (reply->elements[0].integer == 1) co_return RateVerdict{};
  co_return RateVerdict{false, reply->elements[1].integer, FailOpen::none};
}

}  // namespace matrixrtc::service
