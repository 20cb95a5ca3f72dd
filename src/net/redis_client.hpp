// An asynchronous Redis client on hiredis (0.14, Debian 12's), driven by the
// Asio event loop that owns it: hiredis' socket is watched with the loop's
// reactor, so there is no extra thread. Commands (re)connect lazily: connect,
// AUTH, SELECT, then the command; a dedicated second connection carries
// SUBSCRIBE and resubscribes after a loss. Use one client from one thread.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace matrixrtc::net {

namespace asio = boost::asio;

struct RedisReply {
  enum class Type { nil, integer, string, status, error, array };
  Type type = Type::nil;
  std::int64_t integer = 0;
  std::string text;  ///< string, status or error text
  std::vector<RedisReply> elements;

  friend bool operator==(const RedisReply&, const RedisReply&) = default;
};

struct RedisOptions {
  /// redis://[[user]:password@]host[:port][/db]; rediss:// (TLS) is refused.
  std::string url;
  /// LIVEKIT_REDIS_PASSWORD; when not empty it overrides the URL's password.
  std::string password;
  std::chrono::milliseconds connect_timeout{2000};
  std::chrono::milliseconds command_timeout{2000};
};

/// Where a Redis URL points, and how to log in there.
struct RedisEndpoint {
  std::string host;  ///< name or IP literal (IPv6 without brackets)
  std::uint16_t port = 6379;
  std::string username;  ///< empty: AUTH with the password alone
  std::string password;  ///< empty: no AUTH
  int database = 0;

  friend bool operator==(const RedisEndpoint&, const RedisEndpoint&) = default;
};

/// Parses redis://[[user]:password@]host[:port][/db] (user and password
/// percent-decoded). Fails with invalid_argument; messages never repeat the
/// password.
[[nodiscard]] core::Result<RedisEndpoint> parse_redis_url(std::string_view url);

class RedisClient {
 public:
  /// Validates the URL only; nothing connects before the first command or subscribe().
  [[nodiscard]] static core::Result<std::unique_ptr<RedisClient>> create(asio::any_io_executor executor,
                                                                         RedisOptions options);
  ~RedisClient();  ///< close()s
  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;

  /// Sends one command, e.g. {"HSET", "key", "field", "value"}, (re)connecting
  /// first when needed. A Redis error reply is a reply of Type::error, not a
  /// failure. Failures: connect_failed (server down, refused password or
  /// database, connection lost mid-command, client closed), timed_out
  /// (connect or command deadline; the connection is dropped and the next
  /// command reconnects), bad_response.
  [[nodiscard]] asio::awaitable<core::Result<RedisReply>> command(std::vector<std::string> args);

  /// Calls `handler` (from the event loop, never from inside hiredis) with
  /// each message published on `channel`. Subscriptions live on a dedicated
  /// connection that reconnects with backoff and resubscribes after a loss,
  /// until close(). Messages published while disconnected are lost.
  void subscribe(std::string channel, std::function<void(std::string_view message)> handler);

  /// Fails pending commands (connect_failed), drops both connections and
  /// stops reconnecting; later commands fail at once.
  void close();

  /// The endpoint parsed from the options (the password as it will be used).
  [[nodiscard]] const RedisEndpoint& endpoint() const;

 private:
  struct Impl;
  explicit RedisClient(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

}  // namespace matrixrtc::net
