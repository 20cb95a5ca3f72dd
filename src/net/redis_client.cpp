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

namespace matrixrtc::net {

using core::cat;
using core::ErrorCode;
using core::fail;

namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
constexpr std::chrono::milliseconds kFirstBackoff{100};
constexpr std::chrono::milliseconds kMaxBackoff{2000};
constexpr std::string_view kClosed = "the Redis client is closed";

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

RedisReply convert_reply(const redisReply& reply) {
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

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(text[i]);
      continue;
    }
    if (i + 2 >= text.size()) return std::nullopt;
    const int high = hex_value(text[i + 1]);
    const int low = hex_value(text[i + 2]);
    if (high < 0 || low < 0) return std::nullopt;
    out.push_back(static_cast<char>(high * 16 + low));
    i += 2;
  }
  return out;
}

bool all_digits(std::string_view text) {
  return !text.empty() && std::ranges::all_of(text, [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

core::Result<RedisEndpoint> parse_redis_url(std::string_view url) {
  const auto bad = [](std::string_view why) {
    return fail(ErrorCode::invalid_argument, cat("invalid Redis URL: ", why));
  };
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return bad("expected redis://[[user]:password@]host[:port][/db]");
  const std::string scheme = lower(url.substr(0, scheme_end));
  if (scheme == "rediss") {
    return fail(ErrorCode::invalid_argument,
                "invalid Redis URL: rediss:// (Redis over TLS) is not supported; use redis://");
  }
  if (scheme != "redis") return bad(cat("unsupported scheme \"", scheme, "\"; expected redis://"));
  std::string_view rest = url.substr(scheme_end + 3);
  if (rest.find_first_of("?#") != std::string_view::npos) return bad("query and fragment are not supported");

  RedisEndpoint endpoint;
  const auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  const std::string_view path = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
    const std::string_view userinfo = authority.substr(0, at);
    authority = authority.substr(at + 1);
    const auto colon = userinfo.find(':');
    auto user = percent_decode(userinfo.substr(0, colon));
    std::optional<std::string> password = std::string();
    if (colon != std::string_view::npos) password = percent_decode(userinfo.substr(colon + 1));
    if (!user || !password) return bad("bad percent-encoding in the user or password");
    endpoint.username = std::move(*user);
    endpoint.password = std::move(*password);
  }

  std::string_view host = authority;
  std::string_view port;
  bool has_port = false;
  if (authority.starts_with('[')) {
    const auto bracket = authority.find(']');
    if (bracket == std::string_view::npos) return bad("unterminated [ in the host");
    host = authority.substr(1, bracket - 1);
    const std::string_view after = authority.substr(bracket + 1);
    if (!after.empty()) {
      if (after.front() != ':') return bad("unexpected text after the bracketed host");
      port = after.substr(1);
      has_port = true;
    }
  } else if (const auto colon = authority.find(':'); colon != std::string_view::npos) {
    if (authority.find(':', colon + 1) != std::string_view::npos)
      return bad("put an IPv6 host in brackets, e.g. [::1]");
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
    has_port = true;
  }
  if (host.empty()) return bad("no host");
  if (std::ranges::any_of(host, [](char c) { return static_cast<unsigned char>(c) <= ' ' || c == '%' || c == '@'; })) {
    return bad("the host contains characters a host name cannot have");
  }
  endpoint.host = std::string(host);
  if (has_port) {
    if (!all_digits(port) || port.size() > 5) return bad("the port must be a number from 1 to 65535");
    const int number = std::stoi(std::string(port));
    if (number < 1 || number > 65535) return bad("the port must be a number from 1 to 65535");
    endpoint.port = static_cast<std::uint16_t>(number);
  }
  if (!path.empty()) {
    if (!all_digits(path) || path.size() > 9) return bad("the database must be a number, e.g. /0");
    endpoint.database = std::stoi(std::string(path));
  }
  return endpoint;
}

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
