// Internal to the Redis client: one hiredis connection driven by the Asio
// event loop (the ev.* hooks arm stream_descriptor waits), and a small
// waiter the coroutines park on. Only redis_client.cpp includes this.
#pragma once

#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <poll.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "core/text.hpp"
#include "net/redis_client.hpp"

namespace matrixrtc::net::redis_detail {

using core::cat;
using core::ErrorCode;
using core::fail;

using Clock = std::chrono::steady_clock;
inline constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
inline constexpr std::chrono::milliseconds kFirstBackoff{100};
inline constexpr std::chrono::milliseconds kMaxBackoff{2000};
inline constexpr std::string_view kClosed = "the Redis client is closed";

// One coroutine (or several) waiting on the event loop: whoever finishes it
// stores the result and cancels the timer, which otherwise fires at its
// deadline (never, unless one is set before anyone waits).
template <class T>
struct Waiter {
  explicit Waiter(const asio::any_io_executor& executor) : wake(executor, asio::steady_timer::time_point::max()) {}
  asio::steady_timer wake;
  std::optional<T> result;
  void finish(T value) {
    if (result) return;
    result.emplace(std::move(value));
    wake.cancel();
  }
};

inline RedisReply convert_reply(const redisReply& reply) {
  RedisReply out;
  switch (reply.type) {
    case REDIS_REPLY_STRING:
      out.type = RedisReply::Type::string;
      out.text.assign(reply.str, reply.len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = RedisReply::Type::status;
      out.text.assign(reply.str, reply.len);
      break;
    case REDIS_REPLY_ERROR:
      out.type = RedisReply::Type::error;
      out.text.assign(reply.str, reply.len);
      break;
    case REDIS_REPLY_INTEGER:
      out.type = RedisReply::Type::integer;
      out.integer = reply.integer;
      break;
    case REDIS_REPLY_ARRAY:
      out.type = RedisReply::Type::array;
      out.elements.reserve(reply.elements);
      for (std::size_t i = 0; i < reply.elements; ++i) {
        if (reply.element[i] == nullptr) {
          out.elements.emplace_back();
        } else {
          out.elements.push_back(convert_reply(*reply.element[i]));
        }
      }
      break;
    default: out.type = RedisReply::Type::nil; break;
  }
  return out;
}

using ReplyWaiter = Waiter<core::Result<RedisReply>>;

// One hiredis connection and its Asio adapter. hiredis asks for read and
// write readiness through the ev.* hooks; each hook arms (at most one)
// stream_descriptor::async_wait per direction, whose handler calls
// redisAsyncHandleRead/Write. The descriptor never owns the socket: hiredis
// closes it, after telling us through ev.cleanup, where we release it.
// Always held by a shared_ptr; pending waits keep it alive.
class RedisConnection : public std::enable_shared_from_this<RedisConnection> {
 public:
  explicit RedisConnection(asio::any_io_executor executor)
      : executor_(std::move(executor)), descriptor_(executor_), down_(std::make_shared<Waiter<bool>>(executor_)) {}

  ~RedisConnection() {
    drop(std::string(kClosed));
    if (descriptor_.is_open()) (void)descriptor_.release();
  }

  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  /// Connected at the TCP level (the handshake may still be running).
  [[nodiscard]] bool up() const { return context_ != nullptr && connected_; }
  /// Set once AUTH and SELECT have succeeded.
  bool ready = false;

  /// Connects to an IP literal; finishes when connected, refused or at the deadline.
  asio::awaitable<core::Result<void>> connect(std::string ip, std::uint16_t port, std::chrono::milliseconds timeout) {
    auto self = shared_from_this();
    redisAsyncContext* context = redisAsyncConnect(ip.c_str(), port);
    if (context == nullptr) co_return fail(ErrorCode::connect_failed, "cannot allocate a Redis connection");
    if (context->err != 0) {
      std::string why = context->errstr;
      redisAsyncFree(context);
      co_return fail(ErrorCode::connect_failed, cat("cannot connect to Redis at ", ip, " port ", port, ": ", why));
    }
    context_ = context;
    context->data = this;
    boost::system::error_code assign_error;
    descriptor_.assign(context->c.fd, assign_error);
    if (assign_error) {
      drop("cannot watch the socket");
      co_return fail(ErrorCode::connect_failed, cat("cannot watch the Redis socket: ", assign_error.message()));
    }
    context->ev.data = this;
    context->ev.addRead = [](void* data) { static_cast<RedisConnection*>(data)->set_read(true); };
    context->ev.delRead = [](void* data) { static_cast<RedisConnection*>(data)->set_read(false); };
    context->ev.addWrite = [](void* data) { static_cast<RedisConnection*>(data)->set_write(true); };
    context->ev.delWrite = [](void* data) { static_cast<RedisConnection*>(data)->set_write(false); };
    context->ev.cleanup = [](void* data) { static_cast<RedisConnection*>(data)->on_cleanup(); };
    redisAsyncSetDisconnectCallback(context, [](const redisAsyncContext* c, int /*status*/) {
      static_cast<RedisConnection*>(c->data)->on_disconnect(c);
    });
    (void)redisEnableKeepAlive(&context->c);
    auto waiter = std::make_shared<Waiter<core::Result<void>>>(executor_);
    waiter->wake.expires_after(timeout);
    connect_waiter_ = waiter;
    // Arms the write watch: a non-blocking connect finishes when the socket becomes writable.
    redisAsyncSetConnectCallback(context, [](const redisAsyncContext* c, int status) {
      static_cast<RedisConnection*>(c->data)->on_connect(c, status);
    });
    if (!waiter->result) {
      auto [ec] = co_await waiter->wake.async_wait(kTuple);
      (void)ec;
    }
    connect_waiter_.reset();
    if (!waiter->result) {
      drop("connecting timed out");
      co_return fail(ErrorCode::timed_out, cat("connecting to Redis at ", ip, " port ", port, " timed out"));
    }
    if (!waiter->result->has_value()) {
      co_return fail(ErrorCode::connect_failed,
                     cat("cannot connect to Redis at ", ip, " port ", port, ": ", waiter->result->error().message));
    }
    co_return core::Result<void>{};
  }

  /// Sends one command and waits for its reply. A timeout drops the
  /// connection (its replies could no longer be matched to their commands
  /// with confidence in a server that stopped answering).
  asio::awaitable<core::Result<RedisReply>> send(std::vector<std::string> args, std::chrono::milliseconds timeout) {
    auto self = shared_from_this();
    if (!up()) co_return fail(ErrorCode::connect_failed, "not connected to Redis");
    std::vector<const char*> argv;
    std::vector<std::size_t> lengths;
    argv.reserve(args.size());
    lengths.reserve(args.size());
    for (const auto& arg : args) {
      argv.push_back(arg.data());
      lengths.push_back(arg.size());
    }
    auto waiter = std::make_shared<ReplyWaiter>(executor_);
    waiter->wake.expires_after(timeout);
    // hiredis calls on_reply exactly once per queued command: with the reply,
    // or with none when the connection goes away; that call frees the handle.
    auto* handle = new std::shared_ptr<ReplyWaiter>(waiter);
    if (redisAsyncCommandArgv(context_, &RedisConnection::on_reply, handle, static_cast<int>(argv.size()), argv.data(),
                              lengths.data()) != REDIS_OK) {
      delete handle;
      co_return fail(ErrorCode::connect_failed, "the Redis connection is closing");
    }
    if (!waiter->result) {
      auto [ec] = co_await waiter->wake.async_wait(kTuple);
      if (!waiter->result) {
        if (ec == asio::error::operation_aborted) {
          co_return fail(ErrorCode::timed_out, cat("Redis command ", args.front(), " was cancelled"));
        }
        drop("an earlier command timed out");
        co_return fail(ErrorCode::timed_out,
                       cat("Redis did not answer ", args.front(), " within ", timeout.count(), " ms"));
      }
    }
    co_return std::move(*waiter->result);
  }

  /// Queues SUBSCRIBE; hiredis keeps `callback` for the channel until the
  /// connection goes, then calls it once more with no reply.
  bool subscribe(const std::string& channel, redisCallbackFn* callback, void* data) {
    if (!up()) return false;
    const char* argv[] = {"SUBSCRIBE", channel.data()};
    const std::size_t lengths[] = {9, channel.size()};
    return redisAsyncCommandArgv(context_, callback, data, 2, argv, lengths) == REDIS_OK;
  }

  /// Finishes when the connection goes down (or was never up).
  asio::awaitable<void> wait_down() {
    auto self = shared_from_this();
    auto down = down_;
    if (!down->result && context_ != nullptr) {
      auto [ec] = co_await down->wake.async_wait(kTuple);
      (void)ec;
    }
  }

  /// Processes what the server sent while nobody was waiting: an idle
  /// connection whose server went away is readable (EOF), and is dropped here
  /// rather than failing the next command. Returns up().
  bool refresh() {
    auto self = shared_from_this();
    if (up() && readable_now()) redisAsyncHandleRead(context_);
    return up();
  }

  /// Frees the hiredis context: pending commands fail with `why`.
  void drop(std::string why) {
    if (context_ == nullptr) return;
    if (failure_.empty()) failure_ = std::move(why);
    redisAsyncContext* context = context_;
    redisAsyncFree(context);  // runs the callbacks, then ev.cleanup (which clears context_)
    context_ = nullptr;
  }

 private:
  static void on_reply(redisAsyncContext* context, void* reply, void* data) {
    std::unique_ptr<std::shared_ptr<ReplyWaiter>> owner(static_cast<std::shared_ptr<ReplyWaiter>*>(data));
    if (reply == nullptr) {
      auto* self = static_cast<RedisConnection*>(context->data);
      (*owner)->finish(fail(ErrorCode::connect_failed, cat("connection to Redis lost: ", self->reason(context))));
      return;
    }
    (*owner)->finish(convert_reply(*static_cast<const redisReply*>(reply)));
  }

  std::string reason(const redisAsyncContext* context) const {
    if (context->err != 0 && context->errstr != nullptr) return context->errstr;
    if (!failure_.empty()) return failure_;
    return "connection closed";
  }

  void on_connect(const redisAsyncContext* context, int status) {
    if (status == REDIS_OK) {
      connected_ = true;
      if (connect_waiter_) connect_waiter_->finish(core::Result<void>{});
    } else if (connect_waiter_) {
      connect_waiter_->finish(fail(ErrorCode::connect_failed, reason(context)));
    }
  }

  void on_disconnect(const redisAsyncContext* context) {
    if (failure_.empty()) failure_ = reason(context);
    connected_ = false;
  }

  void on_cleanup() {
    context_ = nullptr;
    connected_ = false;
    want_read_ = false;
    want_write_ = false;
    boost::system::error_code ignored;
    descriptor_.cancel(ignored);
    if (descriptor_.is_open()) (void)descriptor_.release();  // hiredis closes the socket
    if (connect_waiter_) {
      connect_waiter_->finish(
          fail(ErrorCode::connect_failed, failure_.empty() ? std::string("connection closed") : failure_));
    }
    down_->finish(true);
  }

  void set_read(bool on) {
    want_read_ = on;
    if (on) arm_read();
  }
  void set_write(bool on) {
    want_write_ = on;
    if (on) arm_write();
  }

  // A stale wait (the hook was turned off meanwhile) completes later and is ignored.
  void arm_read() {
    if (reading_ || !want_read_ || context_ == nullptr) return;
    auto self = weak_from_this().lock();
    if (!self) return;
    reading_ = true;
    descriptor_.async_wait(asio::posix::descriptor_base::wait_read,
                           [self](const boost::system::error_code& ec) { self->on_readable(ec); });
  }

  void arm_write() {
    if (writing_ || !want_write_ || context_ == nullptr) return;
    auto self = weak_from_this().lock();
    if (!self) return;
    writing_ = true;
    descriptor_.async_wait(asio::posix::descriptor_base::wait_write,
                           [self](const boost::system::error_code& ec) { self->on_writable(ec); });
  }

  void on_readable(const boost::system::error_code& ec) {
    reading_ = false;
    if (ec || context_ == nullptr || !want_read_) return;
    redisAsyncHandleRead(context_);
    // hiredis reads at most 16 KiB per call while the reactor reports only
    // new readiness, so drain what is already buffered before waiting again.
    while (context_ != nullptr && want_read_ && readable_now()) redisAsyncHandleRead(context_);
    arm_read();
  }

  void on_writable(const boost::system::error_code& ec) {
    writing_ = false;
    if (ec || context_ == nullptr || !want_write_) return;
    redisAsyncHandleWrite(context_);
    arm_write();
  }

  [[nodiscard]] bool readable_now() const {
    if (context_ == nullptr) return false;
    pollfd polled{};
    polled.fd = context_->c.fd;
    polled.events = POLLIN;
    return ::poll(&polled, 1, 0) > 0 && (polled.revents & (POLLIN | POLLHUP | POLLERR)) != 0;
  }

  asio::any_io_executor executor_;
  asio::posix::stream_descriptor descriptor_;
  redisAsyncContext* context_ = nullptr;
  bool connected_ = false;
  bool want_read_ = false;
  bool want_write_ = false;
  bool reading_ = false;
  bool writing_ = false;
  std::string failure_;
  std::shared_ptr<Waiter<core::Result<void>>> connect_waiter_;
  std::shared_ptr<Waiter<bool>> down_;
};

}  // namespace matrixrtc::net::redis_detail
