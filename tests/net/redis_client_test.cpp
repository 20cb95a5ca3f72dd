#include "net/redis_client.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <map>

#include "support/redis_server.hpp"
#include "support/run.hpp"

namespace matrixrtc::net {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::RedisServer;
using testing::run;
using Type = RedisReply::Type;
using Args = std::vector<std::string>;

RedisReply status(std::string text) { return RedisReply{Type::status, 0, std::move(text), {}}; }
RedisReply string(std::string text) { return RedisReply{Type::string, 0, std::move(text), {}}; }
RedisReply integer(std::int64_t value) { return RedisReply{Type::integer, value, {}, {}}; }

asio::awaitable<void> sleep_for(std::chrono::milliseconds duration) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  timer.expires_after(duration);
  co_await timer.async_wait(asio::use_awaitable);
}

// Subscriptions become active asynchronously: wait until the server counts `count` subscribers.
asio::awaitable<bool> wait_for_subscribers(RedisClient& client, std::string channel, std::int64_t count) {
  const auto deadline = std::chrono::steady_clock::now() + 8s;
  const auto step = 20ms;
  while (std::chrono::steady_clock::now() < deadline) {
    Args args{"PUBSUB", "NUMSUB", channel};
    auto reply = co_await client.command(std::move(args));
    if (reply && reply->type == Type::array && reply->elements.size() == 2 && reply->elements[1].integer == count) {
      co_return true;
    }
    co_await sleep_for(step);
  }
  co_return false;
}

asio::awaitable<bool> wait_for_messages(const std::vector<std::string>& received, std::size_t count) {
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  const auto step = 10ms;
  while (received.size() < count && std::chrono::steady_clock::now() < deadline) co_await sleep_for(step);
  co_return received.size() >= count;
}

class RedisClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!RedisServer::available()) GTEST_SKIP() << "redis-server is not installed";
  }

  std::unique_ptr<RedisClient> make_client(std::string url, std::string password = {},
                                           std::chrono::milliseconds command_timeout = 2000ms) {
    auto client = RedisClient::create(io.get_executor(),
                                      RedisOptions{std::move(url), std::move(password), 2000ms, command_timeout});
    EXPECT_TRUE(client) << client.error().message;
    return std::move(*client);
  }

  core::Result<RedisReply> command(RedisClient& client, Args args) { return run(io, client.command(std::move(args))); }

  boost::asio::io_context io;
};

TEST(RedisUrlTest, ParsesTheUsualForms) {
  EXPECT_EQ(parse_redis_url("redis://localhost"), (RedisEndpoint{"localhost", 6379, "", "", 0}));
  EXPECT_EQ(parse_redis_url("redis://localhost/"), (RedisEndpoint{"localhost", 6379, "", "", 0}));
  EXPECT_EQ(parse_redis_url("redis://:secret@10.0.0.1:6380/2"), (RedisEndpoint{"10.0.0.1", 6380, "", "secret", 2}));
  EXPECT_EQ(parse_redis_url("redis://user:p%40ss%3Aw@redis.example:7000/0"),
            (RedisEndpoint{"redis.example", 7000, "user", "p@ss:w", 0}));
  EXPECT_EQ(parse_redis_url("redis://[::1]:7001/15"), (RedisEndpoint{"::1", 7001, "", "", 15}));
  EXPECT_EQ(parse_redis_url("REDIS://Host"), (RedisEndpoint{"Host", 6379, "", "", 0}));
  EXPECT_EQ(parse_redis_url("redis://pa:ss:word@h"), (RedisEndpoint{"h", 6379, "pa", "ss:word", 0}));
}

TEST(RedisUrlTest, RefusesBadFormsWithExactErrors) {
  const auto error = [](std::string_view url) {
    auto parsed = parse_redis_url(url);
    EXPECT_FALSE(parsed) << url;
    if (parsed) return std::string();
    EXPECT_EQ(parsed.error().code, core::ErrorCode::invalid_argument);
    return parsed.error().message;
  };
  EXPECT_EQ(error("rediss://redis.example:6380"),
            "invalid Redis URL: rediss:// (Redis over TLS) is not supported; use redis://");
  EXPECT_EQ(error("http://redis.example"), "invalid Redis URL: unsupported scheme \"http\"; expected redis://");
  EXPECT_EQ(error("localhost:6379"), "invalid Redis URL: expected redis://[[user]:password@]host[:port][/db]");
  EXPECT_EQ(error(""), "invalid Redis URL: expected redis://[[user]:password@]host[:port][/db]");
  EXPECT_EQ(error("redis://"), "invalid Redis URL: no host");
  EXPECT_EQ(error("redis://:pw@:6379"), "invalid Redis URL: no host");
  EXPECT_EQ(error("redis://h:0"), "invalid Redis URL: the port must be a number from 1 to 65535");
  EXPECT_EQ(error("redis://h:65536"), "invalid Redis URL: the port must be a number from 1 to 65535");
  EXPECT_EQ(error("redis://h:"), "invalid Redis URL: the port must be a number from 1 to 65535");
  EXPECT_EQ(error("redis://h:x1"), "invalid Redis URL: the port must be a number from 1 to 65535");
  EXPECT_EQ(error("redis://h/x"), "invalid Redis URL: the database must be a number, e.g. /0");
  EXPECT_EQ(error("redis://h/-1"), "invalid Redis URL: the database must be a number, e.g. /0");
  EXPECT_EQ(error("redis://h?db=1"), "invalid Redis URL: query and fragment are not supported");
  EXPECT_EQ(error("redis://::1:6379"), "invalid Redis URL: put an IPv6 host in brackets, e.g. [::1]");
  EXPECT_EQ(error("redis://[::1"), "invalid Redis URL: unterminated [ in the host");
  EXPECT_EQ(error("redis://[::1]x"), "invalid Redis URL: unexpected text after the bracketed host");
  EXPECT_EQ(error("redis://:p%zz@h"), "invalid Redis URL: bad percent-encoding in the user or password");
  EXPECT_EQ(error("redis://a b"), "invalid Redis URL: the host contains characters a host name cannot have");
  // The password never appears in a message.
  EXPECT_THAT(error("redis://:s3cret@h:bad"), Not(HasSubstr("s3cret")));
}

TEST(RedisUrlTest, CreateValidatesTheUrlAndThePasswordOptionWins) {
  boost::asio::io_context io;
  auto refused = RedisClient::create(io.get_executor(), RedisOptions{"rediss://h", "", 2000ms, 2000ms});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().message, "invalid Redis URL: rediss:// (Redis over TLS) is not supported; use redis://");
  auto client =
      RedisClient::create(io.get_executor(), RedisOptions{"redis://u:from-url@h/1", "from-env", 2000ms, 2000ms});
  ASSERT_TRUE(client) << client.error().message;
  EXPECT_EQ((*client)->endpoint(), (RedisEndpoint{"h", 6379, "u", "from-env", 1}));
  auto kept = RedisClient::create(io.get_executor(), RedisOptions{"redis://:from-url@h", "", 2000ms, 2000ms});
  ASSERT_TRUE(kept);
  EXPECT_EQ((*kept)->endpoint().password, "from-url");
}

TEST_F(RedisClientTest, RunsCommandsAndConvertsEveryReplyType) {
  RedisServer server;
  auto client = make_client(server.url());
  EXPECT_EQ(command(*client, {"SET", "greeting", "hello"}), status("OK"));
  EXPECT_EQ(command(*client, {"GET", "greeting"}), string("hello"));
  EXPECT_EQ(command(*client, {"GET", "missing"}), RedisReply{});
  EXPECT_EQ(command(*client, {"INCR", "counter"}), integer(1));
  EXPECT_EQ(command(*client, {"INCRBY", "counter", "-5"}), integer(-4));
  EXPECT_EQ(command(*client, {"HSET", "hash", "a", "1", "b", "2"}), integer(2));
  const auto all = command(*client, {"HGETALL", "hash"});
  ASSERT_TRUE(all) << all.error().message;
  ASSERT_EQ(all->type, Type::array);
  ASSERT_EQ(all->elements.size(), 4u);
  std::map<std::string, std::string> fields{{all->elements[0].text, all->elements[1].text},
                                            {all->elements[2].text, all->elements[3].text}};
  EXPECT_EQ(fields, (std::map<std::string, std::string>{{"a", "1"}, {"b", "2"}}));
  EXPECT_EQ(command(*client, {"HGETALL", "nothing"}), (RedisReply{Type::array, 0, {}, {}}));
  EXPECT_EQ(command(*client, {"MGET", "greeting", "missing"}),
            (RedisReply{Type::array, 0, {}, {string("hello"), RedisReply{}}}));
  // Binary-safe arguments and values.
  const std::string binary("a\0b\r\nc", 6);
  EXPECT_EQ(command(*client, {"SET", binary, binary}), status("OK"));
  EXPECT_EQ(command(*client, {"GET", binary}), string(binary));
  // Error replies are replies, not failures.
  const auto wrong_type = command(*client, {"INCR", "greeting"});
  ASSERT_TRUE(wrong_type) << wrong_type.error().message;
  EXPECT_EQ(wrong_type->type, Type::error);
  EXPECT_EQ(wrong_type->text, "ERR value is not an integer or out of range");
  const auto unknown = command(*client, {"NOSUCHCOMMAND"});
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->type, Type::error);
  EXPECT_THAT(unknown->text, HasSubstr("unknown command"));
  // Lua, as the job store uses it.
  EXPECT_EQ(command(*client, {"EVAL", "return {1, 'two', false}", "0"}),
            (RedisReply{Type::array, 0, {}, {integer(1), string("two"), RedisReply{}}}));
  const auto empty = command(*client, {});
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().code, core::ErrorCode::invalid_argument);
}

TEST_F(RedisClientTest, ReadsRepliesLargerThanOneRead) {
  RedisServer server;
  auto client = make_client(server.url());
  Args hset{"HSET", "big"};
  for (int i = 0; i < 300; ++i) {
    hset.push_back("field-" + std::to_string(i));
    hset.push_back(std::string(1000, static_cast<char>('a' + i % 26)));
  }
  EXPECT_EQ(command(*client, hset), integer(300));
  const auto all = command(*client, {"HGETALL", "big"});
  ASSERT_TRUE(all) << all.error().message;
  EXPECT_EQ(all->elements.size(), 600u);
  const std::string large(1 << 20, 'x');
  EXPECT_EQ(command(*client, {"SET", "large", large}), status("OK"));
  EXPECT_EQ(command(*client, {"GET", "large"}), string(large));
}

asio::awaitable<int> concurrent_increments(RedisClient& client, int count) {
  int done = 0;
  auto executor = co_await asio::this_coro::executor;
  for (int i = 0; i < count; ++i) {
    asio::co_spawn(executor, client.command(Args{"INCR", "n"}),
                   [&done](std::exception_ptr, core::Result<RedisReply> reply) {
                     if (reply && reply->type == Type::integer) ++done;
                   });
  }
  const auto step = 10ms;
  for (int waited = 0; done < count && waited < 500; ++waited) co_await sleep_for(step);
  co_return done;
}

TEST_F(RedisClientTest, ConcurrentCommandsShareOneConnectionAttempt) {
  RedisServer server;
  auto client = make_client(server.url());
  EXPECT_EQ(run(io, concurrent_increments(*client, 50)), 50);
  EXPECT_EQ(command(*client, {"GET", "n"}), string("50"));
}

TEST_F(RedisClientTest, ResolvesHostNames) {
  RedisServer server;
  // localhost may resolve to ::1 first; the server listens on 127.0.0.1 only.
  auto client = make_client("redis://localhost:" + std::to_string(server.port()));
  EXPECT_EQ(command(*client, {"PING"}), status("PONG"));
}

TEST_F(RedisClientTest, SelectsTheDatabaseOfTheUrl) {
  RedisServer server;
  auto three = make_client(server.url() + "/3");
  auto zero = make_client(server.url());
  EXPECT_EQ(command(*three, {"SET", "where", "three"}), status("OK"));
  EXPECT_EQ(command(*zero, {"GET", "where"}), RedisReply{});
  EXPECT_EQ(command(*zero, {"SELECT", "3"}), status("OK"));
  EXPECT_EQ(command(*zero, {"GET", "where"}), string("three"));
  auto out_of_range = make_client(server.url() + "/99");
  const auto refused = command(*out_of_range, {"PING"});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, core::ErrorCode::connect_failed);
  EXPECT_THAT(refused.error().message, HasSubstr("Redis refused database 99: ERR"));
}

TEST_F(RedisClientTest, AuthenticatesWithThePassword) {
  RedisServer server("s3cret");
  auto from_option = make_client(server.url(), "s3cret");
  EXPECT_EQ(command(*from_option, {"PING"}), status("PONG"));
  auto from_url = make_client("redis://:s3cret@127.0.0.1:" + std::to_string(server.port()));
  EXPECT_EQ(command(*from_url, {"PING"}), status("PONG"));
  auto with_user = make_client("redis://default:s3cret@127.0.0.1:" + std::to_string(server.port()));
  EXPECT_EQ(command(*with_user, {"PING"}), status("PONG"));

  auto wrong = make_client(server.url(), "wrong");
  const auto refused = command(*wrong, {"PING"});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, core::ErrorCode::connect_failed);
  EXPECT_THAT(refused.error().message, HasSubstr("Redis refused the password: WRONGPASS"));
  EXPECT_THAT(refused.error().message, Not(HasSubstr("wrong\"")));

  auto none = make_client(server.url());
  const auto noauth = command(*none, {"PING"});
  ASSERT_TRUE(noauth) << noauth.error().message;
  EXPECT_EQ(noauth->type, Type::error);
  EXPECT_THAT(noauth->text, HasSubstr("NOAUTH"));
}

TEST_F(RedisClientTest, ServerDownFailsQuickly) {
  RedisServer server;
  server.stop();
  auto client = make_client(server.url());
  const auto started = std::chrono::steady_clock::now();
  const auto reply = command(*client, {"PING"});
  ASSERT_FALSE(reply);
  EXPECT_EQ(reply.error().code, core::ErrorCode::connect_failed);
  EXPECT_THAT(reply.error().message, HasSubstr("cannot connect to Redis at 127.0.0.1 port"));
  EXPECT_LT(std::chrono::steady_clock::now() - started, 1s);
  // ...and works once the server is there.
  server.start();
  EXPECT_EQ(command(*client, {"PING"}), status("PONG"));
}

TEST_F(RedisClientTest, NextCommandReconnectsAfterARestart) {
  RedisServer server;
  auto client = make_client(server.url());
  EXPECT_EQ(command(*client, {"SET", "k", "v"}), status("OK"));
  server.restart();
  EXPECT_EQ(command(*client, {"GET", "k"}), RedisReply{});  // no persistence: a new, empty server
  EXPECT_EQ(command(*client, {"SET", "k", "w"}), status("OK"));
  server.stop();
  const auto down = command(*client, {"GET", "k"});
  ASSERT_FALSE(down);
  EXPECT_EQ(down.error().code, core::ErrorCode::connect_failed);
  server.start();
  EXPECT_EQ(command(*client, {"PING"}), status("PONG"));
}

asio::awaitable<core::Result<RedisReply>> stop_during_command(RedisClient& client, RedisServer& server) {
  auto executor = co_await asio::this_coro::executor;
  asio::co_spawn(
      executor,
      [&server]() -> asio::awaitable<void> {
        const auto pause = 100ms;
        co_await sleep_for(pause);
        server.stop();
      },
      asio::detached);
  Args blocking{"BLPOP", "queue", "0"};  // blocks on the server until the server goes
  auto reply = co_await client.command(std::move(blocking));
  co_return reply;
}

TEST_F(RedisClientTest, ServerGoingAwayFailsThePendingCommand) {
  RedisServer server;
  auto client = make_client(server.url());
  EXPECT_EQ(command(*client, {"PING"}), status("PONG"));
  const auto reply = run(io, stop_during_command(*client, server));
  ASSERT_FALSE(reply);
  EXPECT_EQ(reply.error().code, core::ErrorCode::connect_failed);
  EXPECT_THAT(reply.error().message, HasSubstr("connection to Redis lost"));
  server.start();
  EXPECT_EQ(command(*client, {"PING"}), status("PONG"));
}

TEST_F(RedisClientTest, CommandTimeoutDropsTheConnection) {
  RedisServer server;
  auto client = make_client(server.url(), {}, 200ms);
  EXPECT_EQ(command(*client, {"PING"}), status("PONG"));
  const auto started = std::chrono::steady_clock::now();
  const auto reply = command(*client, {"BLPOP", "queue", "5"});
  ASSERT_FALSE(reply);
  EXPECT_EQ(reply.error().code, core::ErrorCode::timed_out);
  EXPECT_EQ(reply.error().message, "Redis did not answer BLPOP within 200 ms");
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
  EXPECT_EQ(command(*client, {"PING"}), status("PONG"));
}

TEST_F(RedisClientTest, ServerThatNeverAnswersTimesOut) {
  // A listening socket that nobody accepts from: the kernel completes the
  // TCP handshake, and then nothing ever answers.
  boost::asio::ip::tcp::acceptor silent(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  auto client = make_client("redis://:pw@127.0.0.1:" + std::to_string(silent.local_endpoint().port()), {}, 200ms);
  const auto started = std::chrono::steady_clock::now();
  const auto reply = command(*client, {"PING"});
  ASSERT_FALSE(reply);
  EXPECT_EQ(reply.error().code, core::ErrorCode::timed_out);
  EXPECT_EQ(reply.error().message, "Redis did not answer AUTH within 200 ms");
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
}

asio::awaitable<core::Result<RedisReply>> close_during_command(RedisClient& client) {
  auto executor = co_await asio::this_coro::executor;
  asio::co_spawn(
      executor,
      [&client]() -> asio::awaitable<void> {
        const auto pause = 100ms;
        co_await sleep_for(pause);
        client.close();
      },
      asio::detached);
  Args blocking{"BLPOP", "queue", "0"};
  auto reply = co_await client.command(std::move(blocking));
  co_return reply;
}

TEST_F(RedisClientTest, CloseFailsPendingCommandsAndLaterOnes) {
  RedisServer server;
  auto client = make_client(server.url());
  const auto reply = run(io, close_during_command(*client));
  ASSERT_FALSE(reply);
  EXPECT_EQ(reply.error().code, core::ErrorCode::connect_failed);
  EXPECT_EQ(reply.error().message, "connection to Redis lost: the Redis client is closed");
  const auto later = command(*client, {"PING"});
  ASSERT_FALSE(later);
  EXPECT_EQ(later.error().message, "the Redis client is closed");
}

TEST_F(RedisClientTest, DestroyingTheClientWithPendingWorkIsSafe) {
  RedisServer server;
  auto client = make_client(server.url());
  client->subscribe("channel", [](std::string_view) {});
  asio::co_spawn(io, client->command(Args{"BLPOP", "queue", "0"}), [](std::exception_ptr, core::Result<RedisReply>) {});
  io.run_for(200ms);
  client.reset();
  io.restart();
  io.run_for(100ms);
}

asio::awaitable<bool> publish_and_wait(RedisClient& publisher, std::string channel, std::string message,
                                       const std::vector<std::string>& received, std::size_t expected) {
  Args publish{"PUBLISH", channel, message};
  auto reply = co_await publisher.command(std::move(publish));
  if (!reply || reply->type != Type::integer || reply->integer < 1) co_return false;
  co_return co_await wait_for_messages(received, expected);
}

TEST_F(RedisClientTest, SubscribeReceivesMessagesAndResubscribesAfterARestart) {
  RedisServer server;
  auto client = make_client(server.url());
  std::vector<std::string> received;
  std::vector<std::string> other;
  client->subscribe("news", [&](std::string_view message) { received.emplace_back(message); });
  client->subscribe("news", [&](std::string_view message) { received.push_back("second:" + std::string(message)); });
  client->subscribe("other", [&](std::string_view message) { other.emplace_back(message); });
  ASSERT_TRUE(run(io, wait_for_subscribers(*client, "news", 1)));
  ASSERT_TRUE(run(io, wait_for_subscribers(*client, "other", 1)));
  ASSERT_TRUE(run(io, publish_and_wait(*client, "news", "hello", received, 2)));
  EXPECT_EQ(received, (std::vector<std::string>{"hello", "second:hello"}));
  EXPECT_TRUE(other.empty());
  ASSERT_TRUE(run(io, publish_and_wait(*client, "other", "x", other, 1)));

  server.restart();
  ASSERT_TRUE(run(io, wait_for_subscribers(*client, "news", 1)));
  ASSERT_TRUE(run(io, publish_and_wait(*client, "news", "again", received, 4)));
  EXPECT_EQ(received, (std::vector<std::string>{"hello", "second:hello", "again", "second:again"}));

  // A channel added while connected is subscribed at once.
  std::vector<std::string> late;
  client->subscribe("late", [&](std::string_view message) { late.emplace_back(message); });
  ASSERT_TRUE(run(io, wait_for_subscribers(*client, "late", 1)));
  ASSERT_TRUE(run(io, publish_and_wait(*client, "late", "hi", late, 1)));

  // After close() nothing is delivered and the subscriber does not come back.
  auto observer = make_client(server.url());
  client->close();
  EXPECT_TRUE(run(io, wait_for_subscribers(*observer, "news", 0)));
}

}  // namespace
}  // namespace matrixrtc::net
