#include "support/test_http_server.hpp"

#include <openssl/ssl.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <list>
#include <mutex>

namespace matrixrtc::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using asio::ip::tcp;

struct TestHttpServer::State {
  State(const asio::any_io_executor& executor, const std::string& address)
      : acceptor(executor, tcp::endpoint(asio::ip::make_address(address), 0)) {}

  tcp::acceptor acceptor;
  std::optional<ssl::context> context;
  mutable std::mutex mutex;  // guards handler, requests and connections
  Handler handler;
  std::vector<RecordedRequest> requests;
  std::size_t connections = 0;
  std::list<std::weak_ptr<beast::tcp_stream>> open;
  bool stopped = false;
};

namespace {

using StatePtr = std::shared_ptr<TestHttpServer::State>;

template <class Stream>
asio::awaitable<void> serve_requests(StatePtr state, Stream& stream, beast::tcp_stream& socket, std::size_t number,
                                     std::string sni) {
  beast::flat_buffer buffer;
  for (;;) {
    boost::system::error_code ec;
    http::request<http::string_body> request;
    co_await http::async_read(stream, buffer, request, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    RecordedRequest recorded;
    recorded.method = std::string(request.method_string());
    recorded.target = std::string(request.target());
    recorded.host = std::string(request[http::field::host]);
    recorded.sni = sni;
    recorded.connection = number;
    for (const auto& field : request) {
      recorded.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    recorded.body = request.body();
    TestHttpServer::Handler handler;
    {
      const std::scoped_lock lock(state->mutex);
      state->requests.push_back(recorded);
      handler = state->handler;
    }
    TestResponse response;
    if (handler) {
      response = handler(recorded);
    } else {
      response.status = 404;
    }

    if (response.delay.count() > 0) {
      asio::steady_timer timer(co_await asio::this_coro::executor, response.delay);
      co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      if (state->stopped) co_return;
    }
    switch (response.action) {
      case TestResponse::Action::reset:
        socket.socket().set_option(tcp::socket::linger(true, 0), ec);
        socket.socket().close(ec);
        co_return;
      case TestResponse::Action::garbage: {
        static constexpr std::string_view kGarbage = "this is not HTTP at all\r\n\r\n";
        co_await asio::async_write(stream, asio::buffer(kGarbage), asio::redirect_error(asio::use_awaitable, ec));
        socket.socket().shutdown(tcp::socket::shutdown_both, ec);
        co_return;
      }
      case TestResponse::Action::silence: {
        // Wait until the client gives up (EOF) or the server stops.
        co_await stream.async_read_some(buffer.prepare(1), asio::redirect_error(asio::use_awaitable, ec));
        co_return;
      }
      case TestResponse::Action::respond: break;
    }
    http::response<http::string_body> answer{static_cast<http::status>(response.status), request.version()};
    for (const auto& [name, value] : response.headers) answer.set(name, value);
    answer.body() = response.body;
    answer.keep_alive(request.keep_alive() && !response.close);
    answer.prepare_payload();
    co_await http::async_write(stream, answer, asio::redirect_error(asio::use_awaitable, ec));
    if (ec || !answer.keep_alive()) {
      socket.socket().shutdown(tcp::socket::shutdown_send, ec);
      co_return;
    }
  }
}

asio::awaitable<void> session(StatePtr state, tcp::socket socket, std::size_t number) {
  auto stream = std::make_shared<beast::tcp_stream>(std::move(socket));
  state->open.push_back(stream);
  if (!state->context) {
    co_await serve_requests(state, *stream, *stream, number, "");
    co_return;
  }
  beast::ssl_stream<beast::tcp_stream&> tls(*stream, *state->context);
  boost::system::error_code ec;
  co_await tls.async_handshake(ssl::stream_base::server, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return;
  const char* sni = SSL_get_servername(tls.native_handle(), TLSEXT_NAMETYPE_host_name);
  co_await serve_requests(state, tls, *stream, number, sni != nullptr ? sni : "");
}

asio::awaitable<void> accept_loop(StatePtr state) {
  for (;;) {
    boost::system::error_code ec;
    tcp::socket socket = co_await state->acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec || state->stopped) co_return;
    std::size_t number = 0;
    {
      const std::scoped_lock lock(state->mutex);
      number = ++state->connections;
    }
    asio::co_spawn(state->acceptor.get_executor(), session(state, std::move(socket), number), asio::detached);
  }
}

}  // namespace

TestHttpServer::TestHttpServer(const asio::any_io_executor& executor, std::optional<TestLeaf> leaf,
                               const std::string& address)
    : state_(std::make_shared<State>(executor, address)) {
  if (leaf) {
    auto& context = state_->context.emplace(ssl::context::tls_server);
    context.use_certificate_chain(asio::buffer(leaf->certificate_pem));
    context.use_private_key(asio::buffer(leaf->private_key_pem), ssl::context::pem);
  }
  asio::co_spawn(executor, accept_loop(state_), asio::detached);
}

TestHttpServer::~TestHttpServer() { stop(); }

void TestHttpServer::set_handler(Handler handler) {
  const std::scoped_lock lock(state_->mutex);
  state_->handler = std::move(handler);
}

std::uint16_t TestHttpServer::port() const { return state_->acceptor.local_endpoint().port(); }

std::vector<RecordedRequest> TestHttpServer::requests() const {
  const std::scoped_lock lock(state_->mutex);
  return state_->requests;
}

std::size_t TestHttpServer::connections() const {
  const std::scoped_lock lock(state_->mutex);
  return state_->connections;
}

void TestHttpServer::stop() {
  if (state_->stopped) return;
  state_->stopped = true;
  boost::system::error_code ignored;
  state_->acceptor.close(ignored);
  close_connections();
}

void TestHttpServer::close_connections() {
  boost::system::error_code ignored;
  for (const auto& weak : state_->open) {
    if (auto stream = weak.lock()) stream->socket().close(ignored);
  }
  state_->open.clear();
}

}  // namespace matrixrtc::testing
