#include "net/redis_client.hpp"

#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <poll.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cctype>
#include <map>
#include <optional>

#include "core/text.hpp"
#include "net/dns_resolver.hpp"

#include "net/redis_connection.hpp"

namespace matrixrtc::net {

using core::cat;
using core::ErrorCode;
using core::fail;
using redis_detail::Clock;
using redis_detail::kClosed;
using redis_detail::kFirstBackoff;
using redis_detail::kMaxBackoff;
using redis_detail::kTuple;
using redis_detail::RedisConnection;
using redis_detail::ReplyWaiter;
using redis_detail::Waiter;

struct RedisClient::Impl : std::enable_shared_from_this<Impl> {
  using Handler = std::function<void(std::string_view)>;

  Impl(asio::any_io_executor ex, RedisOptions opts, RedisEndpoint ep)
      : executor(std::move(ex)), options(std::move(opts)), endpoint(std::move(ep)), backoff(executor) {}

  ~Impl() { close(); }

  void close() {
    closed = true;
    backoff.cancel();
    if (attempt) attempt->finish(fail(ErrorCode::connect_failed, std::string(kClosed)));
    // Local copies: dropping runs callbacks, which must not see the members change under them.
    auto command_connection = commands;
    auto subscriber_connection = subscriber;
    if (command_connection) command_connection->drop(std::string(kClosed));
    if (subscriber_connection) subscriber_connection->drop(std::string(kClosed));
  }

  // Resolves the host, connects to its addresses in turn until one answers,
  // then AUTH and SELECT. `slot` holds the connection from the start so that
  // close() can drop it mid-way.
  asio::awaitable<core::Result<void>> open(std::shared_ptr<RedisConnection>& slot) {
    auto self = shared_from_this();
    const auto deadline = Clock::now() + options.connect_timeout;
    std::vector<std::string> addresses;
    boost::system::error_code literal_error;
    const auto literal = asio::ip::make_address(endpoint.host, literal_error);
    if (!literal_error) {
      addresses.push_back(literal.to_string());
    } else {
      if (!dns) {
        auto created = DnsResolver::create(executor, DnsResolverOptions{"", options.connect_timeout, 1});
        if (!created) co_return std::unexpected(created.error());
        dns = std::move(*created);
      }
      std::string host = endpoint.host;
      auto found = co_await dns->lookup_addresses(host);
      if (!found) {
        co_return fail(ErrorCode::connect_failed,
                       cat("cannot resolve the Redis host ", host, ": ", found.error().message));
      }
      for (const auto& address : *found) addresses.push_back(address.to_string());
    }
    std::optional<core::Error> last;
    for (const auto& address : addresses) {
      if (closed) break;
      const auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (remaining.count() <= 0) {
        last = core::Error(ErrorCode::timed_out, cat("connecting to Redis at ", endpoint.host, " timed out"));
        break;
      }
      auto connection = std::make_shared<RedisConnection>(executor);
      slot = connection;
      std::string ip = address;
      const std::uint16_t port = endpoint.port;
      auto connected = co_await connection->connect(ip, port, remaining);
      if (!connected) {
        last = connected.error();
        continue;
      }
      auto greeted = co_await handshake(connection);
      if (!greeted) {
        connection->drop("the handshake failed");
        co_return std::unexpected(greeted.error());
      }
      if (closed) break;
      connection->ready = true;
      co_return core::Result<void>{};
    }
    if (closed) co_return fail(ErrorCode::connect_failed, std::string(kClosed));
    if (last) co_return std::unexpected(*last);
    co_return fail(ErrorCode::connect_failed, cat("no address for the Redis host ", endpoint.host));
  }

  asio::awaitable<core::Result<void>> handshake(std::shared_ptr<RedisConnection> connection) {
    if (!endpoint.password.empty()) {
      std::vector<std::string> auth{"AUTH"};
      if (!endpoint.username.empty()) auth.push_back(endpoint.username);
      auth.push_back(endpoint.password);
      auto reply = co_await connection->send(std::move(auth), options.command_timeout);
      if (!reply) co_return std::unexpected(reply.error());
      if (reply->type == RedisReply::Type::error) {
        co_return fail(ErrorCode::connect_failed, cat("Redis refused the password: ", reply->text));
      }
    }
    if (endpoint.database != 0) {
      std::vector<std::string> select{"SELECT", std::to_string(endpoint.database)};
      auto reply = co_await connection->send(std::move(select), options.command_timeout);
      if (!reply) co_return std::unexpected(reply.error());
      if (reply->type == RedisReply::Type::error) {
        co_return fail(ErrorCode::connect_failed, cat("Redis refused database ", endpoint.database, ": ", reply->text));
      }
    }
    co_return core::Result<void>{};
  }

  // The command connection, connected and greeted; concurrent callers share one attempt.
  asio::awaitable<core::Result<std::shared_ptr<RedisConnection>>> command_connection() {
    auto self = shared_from_this();
    if (closed) co_return fail(ErrorCode::connect_failed, std::string(kClosed));
    if (commands && commands->ready && commands->refresh()) co_return commands;
    if (attempt) {
      auto shared = attempt;
      if (!shared->result) {
        auto [ec] = co_await shared->wake.async_wait(kTuple);
        (void)ec;
      }
      if (!shared->result) co_return fail(ErrorCode::timed_out, "waiting for the Redis connection was cancelled");
      if (!shared->result->has_value()) co_return std::unexpected(shared->result->error());
      if (commands && commands->ready && commands->up()) co_return commands;
      co_return fail(ErrorCode::connect_failed, "connection to Redis lost");
    }
    auto mine = std::make_shared<Waiter<core::Result<void>>>(executor);
    attempt = mine;
    auto opened = co_await open(commands);
    if (attempt == mine) attempt.reset();
    if (!opened) {
      mine->finish(std::unexpected(opened.error()));
      co_return std::unexpected(opened.error());
    }
    mine->finish(core::Result<void>{});
    co_return commands;
  }

  asio::awaitable<core::Result<RedisReply>> command(std::vector<std::string> args) {
    auto self = shared_from_this();
    if (args.empty()) co_return fail(ErrorCode::invalid_argument, "a Redis command needs at least its name");
    auto connection = co_await command_connection();
    if (!connection) co_return std::unexpected(connection.error());
    std::shared_ptr<RedisConnection> live = *connection;
    auto reply = co_await live->send(std::move(args), options.command_timeout);
    co_return reply;
  }

  void subscribe(std::string channel, Handler handler) {
    if (closed) return;
    auto& list = handlers[channel];
    const bool fresh = list.empty();
    list.push_back(std::move(handler));
    if (fresh && subscriber && subscriber->ready && subscriber->up()) {
      (void)subscriber->subscribe(channel, &Impl::on_message, this);
    }
    if (!subscribing) {
      subscribing = true;
      asio::co_spawn(executor, subscriber_loop(), asio::detached);
    }
  }

  // Keeps the subscriber connection up: connect, SUBSCRIBE to every channel,
  // wait until it drops, back off (100 ms doubling to 2 s), again.
  asio::awaitable<void> subscriber_loop() {
    auto self = shared_from_this();
    auto delay = kFirstBackoff;
    while (!closed) {
      auto opened = co_await open(subscriber);
      if (opened && !closed) {
        std::shared_ptr<RedisConnection> connection = subscriber;
        bool all = true;
        for (const auto& [channel, list] : handlers)
          all = connection->subscribe(channel, &Impl::on_message, this) && all;
        if (all) {
          delay = kFirstBackoff;
          co_await connection->wait_down();
        } else {
          connection->drop("SUBSCRIBE could not be sent");
        }
      }
      if (closed) break;
      backoff.expires_after(delay);
      auto [ec] = co_await backoff.async_wait(kTuple);
      (void)ec;
      delay = std::min(delay * 2, kMaxBackoff);
    }
    subscribing = false;
  }

  // hiredis calls this for the SUBSCRIBE confirmation, each message, and once
  // with no reply when the connection goes. Handlers run later, from the
  // event loop, so that they may do anything (even close the client).
  static void on_message(redisAsyncContext* /*context*/, void* reply, void* data) {
    if (reply == nullptr) return;
    const auto* r = static_cast<const redisReply*>(reply);
    if (r->type != REDIS_REPLY_ARRAY || r->elements != 3) return;
    const redisReply* kind = r->element[0];
    const redisReply* channel = r->element[1];
    const redisReply* payload = r->element[2];
    if (kind == nullptr || channel == nullptr || payload == nullptr) return;
    if (kind->type != REDIS_REPLY_STRING || std::string_view(kind->str, kind->len) != "message") return;
    if (channel->type != REDIS_REPLY_STRING || payload->type != REDIS_REPLY_STRING) return;
    auto* impl = static_cast<Impl*>(data);
    std::weak_ptr<Impl> weak = impl->weak_from_this();
    asio::post(impl->executor, [weak, name = std::string(channel->str, channel->len),
                                message = std::string(payload->str, payload->len)] {
      auto self = weak.lock();
      if (!self || self->closed) return;
      auto found = self->handlers.find(name);
      if (found == self->handlers.end()) return;
      const std::vector<Handler> list = found->second;  // a handler may subscribe more
      for (const auto& handler : list) {
        if (self->closed) return;
        handler(message);
      }
    });
  }

  asio::any_io_executor executor;
  RedisOptions options;
  RedisEndpoint endpoint;
  asio::steady_timer backoff;
  std::unique_ptr<DnsResolver> dns;
  std::shared_ptr<RedisConnection> commands;
  std::shared_ptr<Waiter<core::Result<void>>> attempt;
  std::shared_ptr<RedisConnection> subscriber;
  std::map<std::string, std::vector<Handler>> handlers;
  bool subscribing = false;
  bool closed = false;
};

RedisClient::RedisClient(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

RedisClient::~RedisClient() { close(); }

core::Result<std::unique_ptr<RedisClient>> RedisClient::create(asio::any_io_executor executor, RedisOptions options) {
  auto endpoint = parse_redis_url(options.url);
  if (!endpoint) return std::unexpected(endpoint.error());
  if (!options.password.empty()) endpoint->password = options.password;
  auto impl = std::make_shared<Impl>(std::move(executor), std::move(options), std::move(*endpoint));
  return std::unique_ptr<RedisClient>(new RedisClient(std::move(impl)));
}

asio::awaitable<core::Result<RedisReply>> RedisClient::command(std::vector<std::string> args) {
  std::shared_ptr<Impl> impl = impl_;
  auto reply = co_await impl->command(std::move(args));
  co_return reply;
}

void RedisClient::subscribe(std::string channel, std::function<void(std::string_view message)> handler) {
  impl_->subscribe(std::move(channel), std::move(handler));
}

void RedisClient::close() { impl_->close(); }

const RedisEndpoint& RedisClient::endpoint() const { return impl_->endpoint; }

}  // namespace matrixrtc::net
