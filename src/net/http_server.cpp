#include "net/http_server.hpp"

#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <charconv>
#include <mutex>
#include <type_traits>
#include <unordered_map>

#include "core/text.hpp"
#include "net/response_wire.hpp"
#include "net/tls_context.hpp"

namespace matrixrtc::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
constexpr std::chrono::milliseconds kAcceptPause{50};

using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;
template <class Stream>
constexpr bool kIsTls = std::is_same_v<Stream, TlsStream>;

// Every TLS connection starts with a handshake record; any other first byte
// on the HTTPS port is almost always plaintext HTTP, which deserves an answer
// it can read rather than a TLS alert.
constexpr unsigned char kTlsHandshakeRecord = 0x16;

ServerResponse plain_error(unsigned version, http::status status, std::string_view errcode, std::string_view error) {
  ServerResponse response{status, version};
  response.set(http::field::content_type, "application/json");
  response.body() = core::cat(R"({"errcode":")", errcode, R"(","error":")", error, "\"}");
  response.keep_alive(false);
  response.prepare_payload();
  return response;
}

bool out_of_resources(const boost::system::error_code& ec) {
  return ec == asio::error::no_descriptors || ec == boost::system::errc::too_many_files_open_in_system ||
         ec == asio::error::no_memory || ec == asio::error::no_buffer_space;
}

}  // namespace

// What the connection registry needs of a connection, whatever its stream.
struct ServerConnection : std::enable_shared_from_this<ServerConnection> {
  virtual ~ServerConnection() = default;
  std::atomic<bool> busy{false};  // a request is being read, handled or answered
  /// On the connection's loop: closes the socket when `now`, otherwise
  /// stops its waiting so its coroutine closes it (TLS: after close_notify).
  virtual void post_close(bool now) = 0;
};

template <class Stream>
struct ServerStreamConnection final : ServerConnection {
  template <class... Args>
  explicit ServerStreamConnection(Args&&... args) : stream(std::forward<Args>(args)...) {}
  Stream stream;
  std::shared_ptr<ServerTlsContext> tls;  // the context this connection started with, kept across reloads
  tcp::endpoint remote;                   // read once at accept: it cannot change, and getpeername is a syscall

  void close_socket() {
    beast::error_code ignored;
    auto& socket = beast::get_lowest_layer(stream).socket();
    socket.shutdown(tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
  }
  void post_close(bool now) override {
    auto self = std::static_pointer_cast<ServerStreamConnection>(shared_from_this());
    asio::post(stream.get_executor(), [self, now] {
      if (now || !kIsTls<Stream>) {
        self->close_socket();
      } else {
        beast::get_lowest_layer(self->stream).cancel();
      }
    });
  }
};

struct HttpServer::State : std::enable_shared_from_this<HttpServer::State> {
  State(asio::io_context& io_context, HttpServerOptions server_options, HttpHandler request_handler)
      : io(io_context), options(std::move(server_options)), handler(std::move(request_handler)), acceptor(io_context) {}

  asio::io_context& io;
  HttpServerOptions options;
  HttpHandler handler;
  tcp::acceptor acceptor;
  std::atomic<bool> stopping{false};
  std::atomic<std::size_t> open{0};
  std::mutex mutex;
  std::unordered_map<std::uint64_t, std::weak_ptr<ServerConnection>> connections;
  std::uint64_t next_id = 0;

  std::uint64_t add(const std::shared_ptr<ServerConnection>& connection) {
    const std::scoped_lock lock(mutex);
    connections.emplace(++next_id, connection);
    return next_id;
  }
  void remove(std::uint64_t id) {
    const std::scoped_lock lock(mutex);
    connections.erase(id);
  }
  // Closes connections (posted to their loop); only idle ones unless `all`.
  void close_connections(bool all) {
    const std::scoped_lock lock(mutex);
    for (const auto& [id, weak] : connections) {
      if (auto connection = weak.lock(); connection && (all || !connection->busy.load())) {
        connection->post_close(all);
      }
    }
  }

  asio::awaitable<void> accept_loop();
  template <class Stream>
  void spawn(std::shared_ptr<ServerStreamConnection<Stream>> connection);
  template <class Stream>
  asio::awaitable<void> serve(std::shared_ptr<ServerStreamConnection<Stream>> connection);
  asio::awaitable<bool> handshake(TlsStream& stream, beast::flat_buffer& buffer);
};

template <class Stream>
void HttpServer::State::spawn(std::shared_ptr<ServerStreamConnection<Stream>> connection) {
  auto executor = connection->stream.get_executor();
  asio::co_spawn(executor, serve(std::move(connection)), asio::detached);
}

asio::awaitable<void> HttpServer::State::accept_loop() {
  auto self = shared_from_this();
  while (!stopping) {
    // The loop runs on one thread (see http_server.hpp), so a connection's
    // handlers never run concurrently and need no strand: the strand's
    // locking and reference counting were 9 % of a cached-token request.
    auto [ec, socket] = co_await acceptor.async_accept(io, kTuple);
    if (ec) {
      if (stopping || ec == asio::error::operation_aborted) break;
      // Out of descriptors or memory: the connection stays queued and accept
      // fails again at once, which spun this thread at full CPU next to the
      // connections it serves. Pause until some of them may have closed.
      if (out_of_resources(ec)) {
        asio::steady_timer pause(acceptor.get_executor(), kAcceptPause);
        co_await pause.async_wait(kTuple);
      }
      continue;  // keep serving the connections we have
    }
    if (open.load() >= options.max_connections) {
      beast::error_code ignored;
      socket.close(ignored);
      continue;
    }
    ++open;
    // Answers are written whole, one write each: Nagle's algorithm could only
    // hold the next one back waiting for the client's delayed ACK.
    beast::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    const tcp::endpoint remote = socket.remote_endpoint(ignored);
    if (options.tls) {
      auto context = options.tls->current();  // the newest certificate, for this connection's life
      auto connection = std::make_shared<ServerStreamConnection<TlsStream>>(std::move(socket), context->native());
      connection->tls = std::move(context);
      connection->remote = remote;
      spawn(std::move(connection));
    } else {
      auto connection = std::make_shared<ServerStreamConnection<PlainStream>>(std::move(socket));
      connection->remote = remote;
      spawn(std::move(connection));
    }
  }
}

template <class Stream>
asio::awaitable<void> HttpServer::State::serve(std::shared_ptr<ServerStreamConnection<Stream>> connection) {
  auto self = shared_from_this();
  const std::uint64_t id = add(connection);
  beast::flat_buffer buffer;
  try {
    bool ready = true;
    if constexpr (kIsTls<Stream>) ready = co_await handshake(connection->stream, buffer);
    // One request per turn. This loop is not a coroutine of its own: a frame
    // allocated per request showed in the service's profile.
    auto& stream = connection->stream;
    auto& tcp_layer = beast::get_lowest_layer(stream);
    std::string wire;  // each answer's bytes; the capacity stays for the next one
    while (ready && (!stopping || connection->busy)) {
      connection->busy = false;
      if (buffer.size() == 0) {
        // Idle: wait for the first byte of the next request.
        tcp_layer.expires_after(options.idle_timeout);
        auto [ec, n] = co_await stream.async_read_some(buffer.prepare(4096), kTuple);
        if (ec) break;
        buffer.commit(n);
      }
      connection->busy = true;
      http::request_parser<http::string_body> parser;
      parser.header_limit(static_cast<std::uint32_t>(options.max_header_bytes));
      parser.body_limit(options.max_body_bytes);
      tcp_layer.expires_after(options.header_timeout);
      auto [header_ec, header_bytes] = co_await http::async_read_header(stream, buffer, parser, kTuple);
      // Beast 1.81 counts header_limit only against bytes buffered after its first
      // put(): a header that arrives in pieces could pass with up to one read
      // beyond the limit. The size the parser consumed decides, however it came.
      if (!header_ec && header_bytes > options.max_header_bytes) header_ec = http::error::header_limit;
      if (header_ec) {
        if (header_ec == http::error::body_limit) {  // Content-Length already too large
          co_await http::async_write(
              stream, plain_error(11, http::status::payload_too_large, "M_TOO_LARGE", "Request body too large"),
              kTuple);
        } else if (header_ec == http::error::header_limit) {
          co_await http::async_write(stream,
                                     plain_error(11, http::status::request_header_fields_too_large, "M_TOO_LARGE",
                                                 "Request headers too large"),
                                     kTuple);
        } else if (header_ec != beast::error::timeout && header_ec != http::error::end_of_stream &&
                   header_ec != asio::error::eof && header_ec != asio::error::connection_reset) {
          co_await http::async_write(
              stream, plain_error(11, http::status::bad_request, "M_UNRECOGNIZED", "Bad HTTP request"), kTuple);
        }
        break;
      }
      const unsigned version = parser.get().version();
      if (parser.content_length() && *parser.content_length() > options.max_body_bytes) {
        co_await http::async_write(
            stream, plain_error(version, http::status::payload_too_large, "M_TOO_LARGE", "Request body too large"),
            kTuple);
        break;
      }
      if (beast::iequals(parser.get()[http::field::expect], "100-continue")) {
        http::response<http::empty_body> go_on{http::status::continue_, version};
        tcp_layer.expires_after(options.write_timeout);
        if (auto [ec, n] = co_await http::async_write(stream, go_on, kTuple); ec) break;
      }
      tcp_layer.expires_after(options.body_timeout);
      auto [body_ec, body_bytes] = co_await http::async_read(stream, buffer, parser, kTuple);
      if (body_ec) {
        if (body_ec == http::error::body_limit) {
          co_await http::async_write(
              stream, plain_error(version, http::status::payload_too_large, "M_TOO_LARGE", "Request body too large"),
              kTuple);
        }
        break;
      }
      tcp_layer.expires_never();

      ServerRequest request = parser.release();
      const bool keep_alive = request.keep_alive();
      RequestContext context;
      context.remote = connection->remote;
      context.received = std::chrono::steady_clock::now();
      ServerResponse response;
      try {
        response = co_await handler(std::move(request), context);
      } catch (...) {
        response = plain_error(version, http::status::internal_server_error, "M_UNKNOWN", "Internal Server Error");
      }
      response.version(version);
      response.keep_alive(keep_alive && !stopping);
      response.prepare_payload();
      tcp_layer.expires_after(options.write_timeout);
      wire.clear();
      append_response_wire(wire, response);
      auto [write_ec, written] = co_await asio::async_write(stream, asio::buffer(wire), kTuple);
      connection->busy = false;
      if (write_ec || !response.keep_alive()) break;
    }
    if constexpr (kIsTls<Stream>) {
      if (ready) {
        // Send close_notify without waiting for the client's: it tells the
        // client the answer is complete, and a client that never replies
        // cannot hold the connection open.
        SSL* native = connection->stream.native_handle();
        SSL_set_shutdown(native, SSL_get_shutdown(native) | SSL_RECEIVED_SHUTDOWN);
        beast::get_lowest_layer(connection->stream).expires_after(options.write_timeout);
        co_await connection->stream.async_shutdown(kTuple);
      }
    }
  } catch (...) {
    // A failure on one connection never reaches the others.
  }
  connection->close_socket();
  remove(id);
  --open;
}

// Runs the TLS handshake under the header deadline, so a client that connects
// and stays silent (or stalls mid-handshake) is dropped like a slow request.
asio::awaitable<bool> HttpServer::State::handshake(TlsStream& stream, beast::flat_buffer& buffer) {
  auto& tcp_layer = beast::get_lowest_layer(stream);
  tcp_layer.expires_after(options.header_timeout);
  auto [read_ec, n] = co_await tcp_layer.async_read_some(buffer.prepare(1024), kTuple);
  if (read_ec) co_return false;
  buffer.commit(n);
  if (static_cast<const unsigned char*>(buffer.data().data())[0] != kTlsHandshakeRecord) {
    auto answer =
        plain_error(11, http::status::bad_request, "M_UNRECOGNIZED", "Client sent an HTTP request to an HTTPS server");
    tcp_layer.expires_after(options.write_timeout);
    co_await http::async_write(tcp_layer, answer, kTuple);
    co_return false;
  }
  auto received = buffer.data();
  auto [handshake_ec, used] = co_await stream.async_handshake(asio::ssl::stream_base::server, received, kTuple);
  // Everything read so far was handshake: application data cannot come
  // before the server's first flight.
  buffer.consume(buffer.size());
  co_return !handshake_ec;
}

HttpServer::HttpServer(asio::io_context& io, HttpServerOptions options, HttpHandler handler)
    : state_(std::make_shared<State>(io, std::move(options), std::move(handler))) {}

HttpServer::~HttpServer() {
  state_->stopping = true;
  beast::error_code ignored;
  state_->acceptor.close(ignored);
}

core::Result<void> HttpServer::listen() {
  auto address = parse_bind_address(state_->options.bind);
  if (!address) return std::unexpected(std::move(address.error()));
  const auto& [host, port] = *address;
  std::vector<tcp::endpoint> candidates;
  if (host.empty()) {
    candidates = {tcp::endpoint(asio::ip::address_v6::any(), port), tcp::endpoint(asio::ip::address_v4::any(), port)};
  } else {
    beast::error_code ec;
    const auto ip = asio::ip::make_address(host, ec);
    if (ec)
      return core::fail(core::ErrorCode::invalid_argument, core::cat("bind host \"", host, "\" is not an IP address"));
    candidates = {tcp::endpoint(ip, port)};
  }
  std::string last_error;
  for (const auto& endpoint : candidates) {
    beast::error_code ec;
    auto& acceptor = state_->acceptor;
    acceptor.open(endpoint.protocol(), ec);
    if (!ec && endpoint.address().is_v6() && host.empty()) acceptor.set_option(asio::ip::v6_only(false), ec);
    if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec && state_->options.reuse_port) {
      acceptor.set_option(asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>(true), ec);
    }
    if (!ec) acceptor.bind(endpoint, ec);
    if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (!ec) return {};
    last_error = ec.message();
    beast::error_code ignored;
    acceptor.close(ignored);
  }
  return core::fail(core::ErrorCode::connect_failed,
                    core::cat("cannot listen on ", state_->options.bind, ": ", last_error));
}

tcp::endpoint HttpServer::local_endpoint() const {
  beast::error_code ec;
  return state_->acceptor.local_endpoint(ec);
}

void HttpServer::start() { asio::co_spawn(state_->acceptor.get_executor(), state_->accept_loop(), asio::detached); }

asio::awaitable<void> HttpServer::shutdown(std::chrono::milliseconds grace) {
  auto state = state_;
  state->stopping = true;
  asio::post(state->acceptor.get_executor(), [state] {
    beast::error_code ignored;
    state->acceptor.close(ignored);
  });
  state->close_connections(false);
  asio::steady_timer timer(co_await asio::this_coro::executor);
  const auto deadline = std::chrono::steady_clock::now() + grace;
  bool forced = false;
  while (state->open.load() > 0) {
    if (!forced && std::chrono::steady_clock::now() >= deadline) {
      state->close_connections(true);
      forced = true;
    } else if (!forced) {
      state->close_connections(false);  // connections that went idle since
    }
    timer.expires_after(std::chrono::milliseconds(10));
    co_await timer.async_wait(kTuple);
  }
}

std::size_t HttpServer::open_connections() const { return state_->open.load(); }

core::Result<std::pair<std::string, std::uint16_t>> parse_bind_address(std::string_view bind) {
  const auto colon = bind.rfind(':');
  if (colon == std::string_view::npos) {
    return core::fail(core::ErrorCode::invalid_argument, core::cat("bind address \"", bind, "\" has no port"));
  }
  std::string_view host = bind.substr(0, colon);
  const std::string_view port_text = bind.substr(colon + 1);
  if (host.starts_with('[') && host.ends_with(']')) host = host.substr(1, host.size() - 2);
  unsigned port = 0;
  const auto result = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || result.ec != std::errc{} || result.ptr != port_text.data() + port_text.size() ||
      port > 65535) {
    return core::fail(core::ErrorCode::invalid_argument, core::cat("bind address \"", bind, "\" has an invalid port"));
  }
  return std::pair{std::string(host), static_cast<std::uint16_t>(port)};
}

}  // namespace matrixrtc::net
