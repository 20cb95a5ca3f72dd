#include "service/redis_rate_limiter.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <optional>
#include <sstream>
#include <thread>

#include "support/redis_server.hpp"
#include "support/run.hpp"

namespace matrixrtc::service {
namespace {

using namespace std::chrono_literals;
using net::RedisClient;
using net::RedisOptions;
using testing::RedisServer;
using testing::run;

RateLimits limits(core::ratelimit::Limit ip, core::ratelimit::Limit user = {}) {
  RateLimits out;
  out.scopes = {ip, user, core::ratelimit::Limit{}};
  return out;
}

class RedisRateLimiterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!RedisServer::available()) GTEST_SKIP() << "redis-server is not installed";
    server.emplace();
  }

  std::unique_ptr<RedisClient> make_client(std::chrono::milliseconds timeout = 2000ms) {
    auto client = RedisClient::create(io.get_executor(), RedisOptions{server->url(), "", timeout, timeout});
    EXPECT_TRUE(client) << client.error().message;
    return std::move(*client);
  }

  RateVerdict check(RateLimiter& limiter, RateScope scope, std::string key) {
    return run(io, limiter.check(scope, std::move(key), RateClock::now()));
  }

  boost::asio::io_context io;
  std::optional<RedisServer> server;
  std::ostringstream log;
  Logger logger{log, LogLevel::info, LogFormat::text};
  ThrottledWarning warning{logger, 10s};
};

TEST_F(RedisRateLimiterTest, TwoInstancesShareOneBucket) {
  auto client_a = make_client();
  auto client_b = make_client();
  RedisRateLimiter a(*client_a, limits({60, 3}), warning);
  RedisRateLimiter b(*client_b, limits({60, 3}), warning);
  EXPECT_TRUE(check(a, RateScope::ip, "192.0.2.1").allowed);
  EXPECT_TRUE(check(b, RateScope::ip, "192.0.2.1").allowed);
  EXPECT_TRUE(check(a, RateScope::ip, "192.0.2.1").allowed);
  const auto refused = check(b, RateScope::ip, "192.0.2.1");
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.fail_open, FailOpen::none);
  EXPECT_GT(refused.retry_after_ms, 0);
  EXPECT_LE(refused.retry_after_ms, 1000);
  EXPECT_TRUE(check(a, RateScope::ip, "192.0.2.2").allowed);  // another key
  EXPECT_TRUE(log.str().empty());
}

TEST_F(RedisRateLimiterTest, BucketsAreKeysThatExpireWhenFull) {
  auto client = make_client();
  RedisRateLimiter limiter(*client, limits({600, 5}), warning);  // 100 ms a token
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(check(limiter, RateScope::ip, "k").allowed);
  std::vector<std::string> ttl{"PTTL", "lk-jwt:ratelimit:ip:k"};
  const auto pttl = run(io, client->command(std::move(ttl)));
  ASSERT_TRUE(pttl);
  EXPECT_GT(pttl->integer, 300);  // five tokens take 500 ms to come back
  EXPECT_LE(pttl->integer, 500);
  std::vector<std::string> get{"GET", "lk-jwt:ratelimit:ip:k"};
  const auto tat = run(io, client->command(std::move(get)));
  ASSERT_TRUE(tat);
  EXPECT_TRUE(std::ranges::all_of(tat->text, [](char c) { return c >= '0' && c <= '9'; })) << tat->text;
  EXPECT_FALSE(check(limiter, RateScope::ip, "k").allowed);
}

TEST_F(RedisRateLimiterTest, ScopesUseTheirOwnKeysAndLimits) {
  auto client = make_client();
  RedisRateLimiter limiter(*client, limits({60, 1}, {0, 1}), warning);
  EXPECT_TRUE(check(limiter, RateScope::ip, "@alice:example.org").allowed);
  EXPECT_FALSE(check(limiter, RateScope::ip, "@alice:example.org").allowed);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(check(limiter, RateScope::user, "@alice:example.org").allowed);
  std::vector<std::string> exists{"EXISTS", "lk-jwt:ratelimit:user:@alice:example.org"};
  EXPECT_EQ(run(io, client->command(std::move(exists))).value().integer, 0);
}

TEST_F(RedisRateLimiterTest, RedisDownFailsOpenLogsOnceAndBacksOff) {
  auto client = make_client(500ms);
  RedisRateLimiter limiter(*client, limits({60, 1}), warning, 300ms);
  EXPECT_TRUE(check(limiter, RateScope::ip, "k").allowed);
  server->stop();
  const auto first = check(limiter, RateScope::ip, "k");
  EXPECT_TRUE(first.allowed);
  EXPECT_EQ(first.fail_open, FailOpen::backend_error);
  // Within the backoff Redis is not even tried.
  const auto second = check(limiter, RateScope::ip, "k");
  EXPECT_TRUE(second.allowed);
  EXPECT_EQ(second.fail_open, FailOpen::backend_error);
  const std::string text = log.str();
  EXPECT_NE(text.find("rate limits not enforced"), std::string::npos);
  EXPECT_EQ(text.find("rate limits not enforced"), text.rfind("rate limits not enforced"));
  // Back up (empty: nothing persisted) after the backoff: decisions again.
  server->start();
  std::this_thread::sleep_for(350ms);
  EXPECT_EQ(check(limiter, RateScope::ip, "k").fail_open, FailOpen::none);
  EXPECT_FALSE(check(limiter, RateScope::ip, "k").allowed);
}

}  // namespace
}  // namespace matrixrtc::service
