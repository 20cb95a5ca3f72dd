// An HTTP/1.1 server on Boost.Beast with Asio coroutines: keep-alive,
// pipelining-safe (requests on a connection are answered strictly in order),
// header/body/idle timeouts, a body size limit, a cap on open connections and
// graceful shutdown (stop accepting, let in-flight requests finish within a
// deadline, then close everything). Optionally HTTPS only, with a TLS
// context that can be replaced while running (see tls_context.hpp).
//
// The io_context must be run by one thread (the service runs one server per
// thread, sharded with SO_REUSEPORT): connections have no strand. Other
// threads may call shutdown() and the accessors; they only post to the loop.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "core/error.hpp"

namespace matrixrtc::net {

class TlsContextSlot;

using ServerRequest = boost::beast::http::request<boost::beast::http::string_body>;
using ServerResponse = boost::beast::http::response<boost::beast::http::string_body>;

struct HttpServerOptions {
  /// "host:port", "[v6]:port" or ":port" (all interfaces: IPv6 dual-stack
  /// first, IPv4 if the machine has no IPv6).
  std::string bind = ":8080";
  std::size_t max_body_bytes = 1024 * 1024;
  std::size_t max_header_bytes = 16 * 1024;
  std::size_t max_connections = 10'000;
  /// From the first byte of a request to its last header.
  std::chrono::milliseconds header_timeout{10'000};
  /// For the whole body once headers are in.
  std::chrono::milliseconds body_timeout{30'000};
  /// Between requests on a kept-alive connection.
  std::chrono::milliseconds idle_timeout{60'000};
  /// For writing one response.
  std::chrono::milliseconds write_timeout{30'000};
  /// SO_REUSEPORT: several servers (one per thread) share the port and the
  /// kernel spreads connections between them.
  bool reuse_port = false;
  /// When set, the listener speaks HTTPS only: each new connection takes the
  /// slot's current context; the TLS handshake shares `header_timeout`.
  std::shared_ptr<TlsContextSlot> tls{};
};

/// What the server knows about a request besides its bytes.
struct RequestContext {
  boost::asio::ip::tcp::endpoint remote;
  std::chrono::steady_clock::time_point received;
};

/// Answers one request. It must not throw; the server turns an escaped
/// exception into a 500 so one bad request cannot take the process down.
using HttpHandler = std::function<boost::asio::awaitable<ServerResponse>(ServerRequest, RequestContext)>;

class HttpServer {
 public:
  HttpServer(boost::asio::io_context& io, HttpServerOptions options, HttpHandler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  /// Binds and listens; fails with a message naming the address.
  [[nodiscard]] core::Result<void> listen();
  /// The address actually bound (useful with port 0).
  [[nodiscard]] boost::asio::ip::tcp::endpoint local_endpoint() const;
  /// Starts accepting on the io_context's thread.
  void start();
  /// Stops accepting, asks open connections to finish their current request,
  /// and closes whatever is still open after `grace`. Completes when every
  /// connection is closed.
  boost::asio::awaitable<void> shutdown(std::chrono::milliseconds grace);

  [[nodiscard]] std::size_t open_connections() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

/// Parses a bind address as lk-jwt-service's LIVEKIT_JWT_BIND accepts it.
[[nodiscard]] core::Result<std::pair<std::string, std::uint16_t>> parse_bind_address(std::string_view bind);

}  // namespace matrixrtc::net
