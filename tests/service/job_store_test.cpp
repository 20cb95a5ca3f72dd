#include "service/job_store.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "support/redis_server.hpp"
#include "support/run.hpp"

namespace matrixrtc::service {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using net::RedisClient;
using net::RedisOptions;
using net::RedisReply;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using testing::RedisServer;
using testing::run;
using Jobs = std::vector<std::pair<std::string, std::string>>;

asio::awaitable<bool> sleep_for(std::chrono::milliseconds duration) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  timer.expires_after(duration);
  co_await timer.async_wait(asio::use_awaitable);
  co_return true;
}

Jobs sorted(Jobs jobs) {
  std::ranges::sort(jobs);
  return jobs;
}

TEST(MemoryJobStoreTest, KeepsJobsInMemoryAndAlwaysGrantsLeases) {
  asio::io_context io;
  MemoryJobStore store(5s);
  EXPECT_FALSE(store.shared());
  EXPECT_EQ(store.lease_ttl(), 5s);
  ASSERT_TRUE(run(io, store.save("a", "1")));
  ASSERT_TRUE(run(io, store.save("b", "2")));
  ASSERT_TRUE(run(io, store.save("a", "3")));
  EXPECT_EQ(sorted(run(io, store.load_all()).value()), (Jobs{{"a", "3"}, {"b", "2"}}));
  ASSERT_TRUE(run(io, store.remove("a", "1")));  // replaced meanwhile: stays
  EXPECT_EQ(sorted(run(io, store.load_all()).value()), (Jobs{{"a", "3"}, {"b", "2"}}));
  ASSERT_TRUE(run(io, store.remove("a", "3")));
  EXPECT_EQ(run(io, store.load_all()).value(), (Jobs{{"b", "2"}}));
  EXPECT_EQ(run(io, store.claim("b", false)), true);
  EXPECT_EQ(run(io, store.claim("b", true)), true);
  EXPECT_EQ(run(io, store.renew("b")), true);
  EXPECT_TRUE(run(io, store.release("b")));
}

TEST(MemoryJobStoreTest, PublishCallsTheHandlersBeforeItCompletes) {
  asio::io_context io;
  MemoryJobStore store;
  std::vector<std::string> seen;
  store.on_webhook([&](std::string_view message) { seen.emplace_back(message); });
  store.on_webhook([&](std::string_view message) { seen.push_back("2:" + std::string(message)); });
  ASSERT_TRUE(run(io, store.publish_webhook("event")));
  EXPECT_EQ(seen, (std::vector<std::string>{"event", "2:event"}));
}

TEST(InstanceIdTest, HostPidAndRandomBits) {
  const std::string a = make_instance_id();
  const std::string b = make_instance_id();
  EXPECT_NE(a, b);
  EXPECT_THAT(a, HasSubstr("-" + std::to_string(::getpid()) + "-"));
  EXPECT_THAT(a, MatchesRegex(".+-[0-9]+-[0-9a-f]{16}"));
}

class RedisJobStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!RedisServer::available()) GTEST_SKIP() << "redis-server is not installed";
    server.emplace();
  }

  std::unique_ptr<RedisClient> make_client() {
    auto client = RedisClient::create(io.get_executor(), RedisOptions{server->url(), "", 2000ms, 2000ms});
    EXPECT_TRUE(client) << client.error().message;
    return std::move(*client);
  }

  core::Result<RedisReply> command(RedisClient& client, std::vector<std::string> args) {
    return run(io, client.command(std::move(args)));
  }

  void wait(std::chrono::milliseconds duration) { (void)run(io, sleep_for(duration)); }

  asio::io_context io;
  std::optional<RedisServer> server;
};

TEST_F(RedisJobStoreTest, SavesLoadsAndRemovesOnlyIfUnchanged) {
  auto client = make_client();
  RedisJobStore store(*client, "instance-a", 30s);
  EXPECT_TRUE(store.shared());
  EXPECT_EQ(store.lease_ttl(), 30s);
  EXPECT_EQ(run(io, store.load_all()).value(), Jobs{});
  const std::string field = R"(["!room:example.org","@alice:example.org:DEVICE"])";
  ASSERT_TRUE(run(io, store.save(field, "old")));
  ASSERT_TRUE(run(io, store.save("other", "x")));
  ASSERT_TRUE(run(io, store.save(field, "new")));
  EXPECT_EQ(sorted(run(io, store.load_all()).value()), (Jobs{{field, "new"}, {"other", "x"}}));
  // The hash is lk-jwt-service's.
  const auto raw = command(*client, {"HGET", "lk-jwt:jobs", field});
  ASSERT_TRUE(raw);
  EXPECT_EQ(raw->text, "new");
  ASSERT_TRUE(run(io, store.remove(field, "old")));  // a finished old job: its replacement stays
  EXPECT_EQ(sorted(run(io, store.load_all()).value()), (Jobs{{field, "new"}, {"other", "x"}}));
  ASSERT_TRUE(run(io, store.remove(field, "new")));
  EXPECT_EQ(run(io, store.load_all()).value(), (Jobs{{"other", "x"}}));
  ASSERT_TRUE(run(io, store.remove("missing", "x")));
}

TEST_F(RedisJobStoreTest, LeasesDecideWhoDrivesAJob) {
  auto client = make_client();
  RedisJobStore a(*client, "instance-a", 30s);
  RedisJobStore b(*client, "instance-b", 30s);
  EXPECT_EQ(run(io, a.claim("job", false)), true);
  EXPECT_EQ(run(io, a.claim("job", false)), true);  // already ours
  const auto holder = command(*client, {"GET", "lk-jwt:lease:job"});
  ASSERT_TRUE(holder);
  EXPECT_EQ(holder->text, "instance-a");
  const auto ttl = command(*client, {"PTTL", "lk-jwt:lease:job"});
  ASSERT_TRUE(ttl);
  EXPECT_GT(ttl->integer, 25000);
  EXPECT_LE(ttl->integer, 30000);

  EXPECT_EQ(run(io, b.claim("job", false)), false);
  EXPECT_EQ(run(io, b.renew("job")), false);
  ASSERT_TRUE(run(io, b.release("job")));  // not B's: nothing happens
  EXPECT_EQ(run(io, a.renew("job")), true);

  EXPECT_EQ(run(io, b.claim("job", true)), true);  // a new add takes over
  EXPECT_EQ(run(io, a.renew("job")), false);       // A must stop driving
  EXPECT_EQ(run(io, a.claim("job", false)), false);
  EXPECT_EQ(run(io, b.renew("job")), true);

  ASSERT_TRUE(run(io, b.release("job")));
  EXPECT_EQ(command(*client, {"EXISTS", "lk-jwt:lease:job"}).value().integer, 0);
  EXPECT_EQ(run(io, a.claim("job", false)), true);  // an unclaimed job is adopted
}

TEST_F(RedisJobStoreTest, ExpiredLeasesCanBeClaimedAndRenewalKeepsThem) {
  auto client = make_client();
  // 500 ms rather than less: a loaded machine must not stall longer than a ttl between renewals.
  RedisJobStore a(*client, "instance-a", 500ms);
  RedisJobStore b(*client, "instance-b", 500ms);
  EXPECT_EQ(run(io, a.claim("job", false)), true);
  for (int i = 0; i < 8; ++i) {  // renewing more often than every ttl/3 keeps it past the ttl
    wait(125ms);
    EXPECT_EQ(run(io, a.renew("job")), true);
  }
  EXPECT_EQ(run(io, b.claim("job", false)), false);
  wait(650ms);  // A crashed: its lease expires
  EXPECT_EQ(run(io, a.renew("job")), false);
  EXPECT_EQ(run(io, b.claim("job", false)), true);
  EXPECT_EQ(run(io, a.claim("job", false)), false);
}

asio::awaitable<bool> wait_for_subscribers(RedisClient& client, std::int64_t count) {
  const auto deadline = std::chrono::steady_clock::now() + 8s;
  const auto step = 20ms;
  while (std::chrono::steady_clock::now() < deadline) {
    std::vector<std::string> args{"PUBSUB", "NUMSUB", "lk-jwt:webhooks"};
    auto reply = co_await client.command(std::move(args));
    if (reply && reply->elements.size() == 2 && reply->elements[1].integer == count) co_return true;
    co_await sleep_for(step);
  }
  co_return false;
}

asio::awaitable<bool> wait_for(const std::vector<std::string>& seen, std::size_t count) {
  const auto step = 10ms;
  for (int i = 0; i < 500 && seen.size() < count; ++i) co_await sleep_for(step);
  co_return seen.size() >= count;
}

TEST_F(RedisJobStoreTest, PublishedWebhooksReachEveryInstance) {
  auto client_a = make_client();
  auto client_b = make_client();
  RedisJobStore a(*client_a, "instance-a", 30s);
  RedisJobStore b(*client_b, "instance-b", 30s);
  std::vector<std::string> seen_a;
  std::vector<std::string> seen_b;
  a.on_webhook([&](std::string_view message) { seen_a.emplace_back(message); });
  b.on_webhook([&](std::string_view message) { seen_b.emplace_back(message); });
  ASSERT_TRUE(run(io, wait_for_subscribers(*client_a, 2)));
  ASSERT_TRUE(run(io, a.publish_webhook("{\"event\":\"participant_left\"}")));
  ASSERT_TRUE(run(io, b.publish_webhook("second")));
  EXPECT_TRUE(run(io, wait_for(seen_a, 2)));
  EXPECT_TRUE(run(io, wait_for(seen_b, 2)));
  EXPECT_EQ(seen_a, (std::vector<std::string>{"{\"event\":\"participant_left\"}", "second"}));
  EXPECT_EQ(seen_b, seen_a);

  // After a Redis restart both instances resubscribe.
  server->restart();
  ASSERT_TRUE(run(io, wait_for_subscribers(*client_b, 2)));
  ASSERT_TRUE(run(io, a.publish_webhook("third")));
  EXPECT_TRUE(run(io, wait_for(seen_a, 3)));
  EXPECT_TRUE(run(io, wait_for(seen_b, 3)));
  EXPECT_EQ(seen_b.back(), "third");
}

TEST_F(RedisJobStoreTest, ReconnectsAfterARestartAndReportsAnOutage) {
  auto client = make_client();
  RedisJobStore store(*client, make_instance_id(), 30s);
  ASSERT_TRUE(run(io, store.save("a", "1")));
  server->restart();  // no persistence configured: the jobs are gone, the store works
  ASSERT_TRUE(run(io, store.save("b", "2")));
  EXPECT_EQ(run(io, store.load_all()).value(), (Jobs{{"b", "2"}}));
  EXPECT_EQ(run(io, store.claim("b", false)), true);

  server->stop();
  const auto down = run(io, store.save("c", "3"));
  ASSERT_FALSE(down);
  EXPECT_EQ(down.error().code, core::ErrorCode::connect_failed);
  const auto claim = run(io, store.claim("c", false));
  ASSERT_FALSE(claim);
  server->start();
  EXPECT_EQ(run(io, store.claim("c", false)), true);
}

TEST_F(RedisJobStoreTest, ErrorRepliesAreFailures) {
  auto client = make_client();
  RedisJobStore store(*client, "instance-a", 30s);
  ASSERT_TRUE(command(*client, {"SET", "lk-jwt:jobs", "not a hash"}));
  const auto saved = run(io, store.save("a", "1"));
  ASSERT_FALSE(saved);
  EXPECT_EQ(saved.error().code, core::ErrorCode::bad_response);
  EXPECT_THAT(saved.error().message, HasSubstr("Redis refused HSET: WRONGTYPE"));
}

}  // namespace
}  // namespace matrixrtc::service
