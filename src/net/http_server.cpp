#include "net/http_server.hpp"

#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <charconv>
#include <mutex>
#include <unordered_map>

#include "core/text.hpp"

namespace matrixrtc::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
constexpr std::chrono::milliseconds kAcceptPause{50};

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

struct ServerConnection {
  explicit ServerConnection(tcp::socket socket) : stream(std::move(socket)) {}
  beast::tcp_stream stream;
  std::atomic<bool> busy{false};  // a request is being read, handled or answered
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
  // Closes connections (on their own strand); only idle ones unless `all`.
  void close_connections(bool all) {
    const std::scoped_lock lock(mutex);
    for (const auto& [id, weak] : connections) {
      if (auto connection = weak.lock(); connection && (all || !connection->busy.load())) {
        asio::post(connection->stream.get_executor(), [connection] {
          beast::error_code ignored;
          connection->stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
          connection->stream.socket().close(ignored);
        });
      }
    }
  }

  asio::awaitable<void> accept_loop();
  asio::awaitable<void> serve(std::shared_ptr<ServerConnection> connection);
  asio::awaitable<bool> serve_one(ServerConnection& connection, beast::flat_buffer& buffer);
};

asio::awaitable<void> HttpServer::State::accept_loop() {
  auto self = shared_from_this();
  while (!stopping) {
    auto [ec, socket] = co_await acceptor.async_accept(asio::make_strand(io), kTuple);
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
    auto connection = std::make_shared<ServerConnection>(std::move(socket));
    asio::co_spawn(connection->stream.get_executor(), serve(connection), asio::detached);
  }
}

asio::awaitable<void> HttpServer::State::serve(std::shared_ptr<ServerConnection> connection) {
  auto self = shared_from_this();
  const std::uint64_t id = add(connection);
  beast::flat_buffer buffer;
  try {
    while (!stopping || connection->busy) {
      if (!co_await serve_one(*connection, buffer)) break;
    }
  } catch (...) {
    // A failure on one connection never reaches the others.
  }
  beast::error_code ignored;
  connection->stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  connection->stream.socket().close(ignored);
  remove(id);
  --open;
}

// Reads, handles and answers one request; false when the connection is done.
asio::awaitable<bool> HttpServer::State::serve_one(ServerConnection& connection, beast::flat_buffer& buffer) {
  auto& stream = connection.stream;
  connection.busy = false;
  if (buffer.size() == 0) {
    // Idle: wait for the first byte of the next request.
    stream.expires_after(options.idle_timeout);
    auto [ec, n] = co_await stream.async_read_some(buffer.prepare(4096), kTuple);
    if (ec) co_return false;
    buffer.commit(n);
  }
  connection.busy = true;
  http::request_parser<http::string_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(options.max_header_bytes));
  parser.body_limit(options.max_body_bytes);
  stream.expires_after(options.header_timeout);
  auto [header_ec, header_bytes] = co_await http::async_read_header(stream, buffer, parser, kTuple);
  if (header_ec) {
    if (header_ec == http::error::body_limit) {  // Content-Length already too large
      co_await http::async_write(
          stream, plain_error(11, http::status::payload_too_large, "M_TOO_LARGE", "Request body too large"), kTuple);
    } else if (header_ec == http::error::header_limit) {
      co_await http::async_write(
          stream,
          plain_error(11, http::status::request_header_fields_too_large, "M_TOO_LARGE", "Request headers too large"),
          kTuple);
    } else if (header_ec != beast::error::timeout && header_ec != http::error::end_of_stream &&
               header_ec != asio::error::eof && header_ec != asio::error::connection_reset) {
      co_await http::async_write(
          stream, plain_error(11, http::status::bad_request, "M_UNRECOGNIZED", "Bad HTTP request"), kTuple);
    }
    co_return false;
  }
  const unsigned version = parser.get().version();
  if (parser.content_length() && *parser.content_length() > options.max_body_bytes) {
    co_await http::async_write(
        stream, plain_error(version, http::status::payload_too_large, "M_TOO_LARGE", "Request body too large"), kTuple);
    co_return false;
  }
  if (beast::iequals(parser.get()[http::field::expect], "100-continue")) {
    http::response<http::empty_body> go_on{http::status::continue_, version};
    stream.expires_after(options.write_timeout);
    if (auto [ec, n] = co_await http::async_write(stream, go_on, kTuple); ec) co_return false;
  }
  stream.expires_after(options.body_timeout);
  auto [body_ec, body_bytes] = co_await http::async_read(stream, buffer, parser, kTuple);
  if (body_ec) {
    if (body_ec == http::error::body_limit) {
      co_await http::async_write(
          stream, plain_error(version, http::status::payload_too_large, "M_TOO_LARGE", "Request body too large"),
          kTuple);
    }
    co_return false;
  }
  stream.expires_never();

  ServerRequest request = parser.release();
  const bool keep_alive = request.keep_alive();
  RequestContext context;
  beast::error_code endpoint_ec;
  context.remote = stream.socket().remote_endpoint(endpoint_ec);
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
  stream.expires_after(options.write_timeout);
  auto [write_ec, written] = co_await http::async_write(stream, response, kTuple);
  connection.busy = false;
  co_return !write_ec && response.keep_alive();
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
