#include "net/http_server.hpp"

#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <sys/resource.h>
#include <unistd.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <future>
#include <thread>

#include "net/tls_context.hpp"
#include "support/test_certificates.hpp"

namespace matrixrtc::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

// Echoes method, target and body; "/slow" waits 300 ms; "/throw" throws.
asio::awaitable<ServerResponse> echo(ServerRequest request, RequestContext) {
  if (request.target() == "/slow") {
    asio::steady_timer timer(co_await asio::this_coro::executor, 300ms);
    co_await timer.async_wait(asio::use_awaitable);
  }
  if (request.target() == "/throw") throw std::runtime_error("boom");
  ServerResponse response{http::status::ok, request.version()};
  response.body() = std::string(request.method_string()) + " " + std::string(request.target()) + " " + request.body();
  co_return response;
}

class HttpServerTest : public ::testing::Test {
 protected:
  void start(HttpServerOptions options = {}) {
    options.bind = "127.0.0.1:0";
    server_ = std::make_unique<HttpServer>(io_, options, echo);
    ASSERT_TRUE(server_->listen());
    server_->start();
    thread_ = std::thread([this] { io_.run(); });
  }
  void TearDown() override {
    if (server_) {
      auto done = asio::co_spawn(io_, server_->shutdown(1s), asio::use_future);
      EXPECT_EQ(done.wait_for(5s), std::future_status::ready);
    }
    work_.reset();
    io_.stop();
    if (thread_.joinable()) thread_.join();
  }
  tcp::socket connect() {
    tcp::socket socket(client_io_);
    socket.connect(server_->local_endpoint());
    return socket;
  }
  static http::response<http::string_body> read_response(tcp::socket& socket, beast::flat_buffer& buffer) {
    http::response<http::string_body> response;
    beast::error_code ec;
    http::read(socket, buffer, response, ec);
    return response;
  }
  static std::string request_text(std::string_view target, std::string_view body = "", bool close = false) {
    return std::string("POST ") + std::string(target) +
           " HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(body.size()) +
           (close ? "\r\nConnection: close" : "") + "\r\n\r\n" + std::string(body);
  }
  // True when the server closed the connection (reads EOF or reset).
  static bool closed_by_server(tcp::socket& socket) {
    char byte = 0;
    beast::error_code ec;
    socket.read_some(asio::buffer(&byte, 1), ec);
    return ec == asio::error::eof || ec == asio::error::connection_reset;
  }

  asio::io_context io_{2};
  // Keeps io_.run() going after a shutdown left it without work.
  asio::executor_work_guard<asio::io_context::executor_type> work_{io_.get_executor()};
  asio::io_context client_io_;
  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
};

TEST_F(HttpServerTest, AnswersAndKeepsAlive) {
  start();
  auto socket = connect();
  beast::flat_buffer buffer;
  for (int i = 0; i < 3; ++i) {
    asio::write(socket, asio::buffer(request_text("/a", "body" + std::to_string(i))));
    const auto response = read_response(socket, buffer);
    EXPECT_EQ(response.result(), http::status::ok);
    EXPECT_EQ(response.body(), "POST /a body" + std::to_string(i));
    EXPECT_TRUE(response.keep_alive());
  }
}

TEST_F(HttpServerTest, PipelinedRequestsAreAnsweredInOrder) {
  start();
  auto socket = connect();
  // The slow one first: its answer must still come first.
  asio::write(socket, asio::buffer(request_text("/slow", "1") + request_text("/b", "2") + request_text("/c", "3")));
  beast::flat_buffer buffer;
  EXPECT_EQ(read_response(socket, buffer).body(), "POST /slow 1");
  EXPECT_EQ(read_response(socket, buffer).body(), "POST /b 2");
  EXPECT_EQ(read_response(socket, buffer).body(), "POST /c 3");
}

TEST_F(HttpServerTest, ConnectionCloseIsHonoured) {
  start();
  auto socket = connect();
  asio::write(socket, asio::buffer(request_text("/a", "", true)));
  beast::flat_buffer buffer;
  const auto response = read_response(socket, buffer);
  EXPECT_FALSE(response.keep_alive());
  EXPECT_TRUE(closed_by_server(socket));
}

TEST_F(HttpServerTest, RefusesBodiesOverTheLimit) {
  HttpServerOptions options;
  options.max_body_bytes = 16;
  start(options);
  auto socket = connect();
  asio::write(socket, asio::buffer(request_text("/a", std::string(17, 'x'))));
  beast::flat_buffer buffer;
  const auto response = read_response(socket, buffer);
  EXPECT_EQ(response.result(), http::status::payload_too_large);
  EXPECT_EQ(response.body(), R"({"errcode":"M_TOO_LARGE","error":"Request body too large"})");

  // Chunked bodies have no Content-Length; the limit still holds.
  auto chunked = connect();
  asio::write(chunked, asio::buffer(std::string("POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n") +
                                    "10\r\n0123456789abcdef\r\n10\r\n0123456789abcdef\r\n0\r\n\r\n"));
  beast::flat_buffer chunked_buffer;
  EXPECT_EQ(read_response(chunked, chunked_buffer).result(), http::status::payload_too_large);
}

TEST_F(HttpServerTest, RefusesOversizedHeadersAndGarbage) {
  HttpServerOptions options;
  options.max_header_bytes = 256;
  start(options);
  auto socket = connect();
  asio::write(socket, asio::buffer("GET / HTTP/1.1\r\nX: " + std::string(512, 'a') + "\r\n\r\n"));
  beast::flat_buffer buffer;
  EXPECT_EQ(read_response(socket, buffer).result(), http::status::request_header_fields_too_large);

  auto garbage = connect();
  asio::write(garbage, asio::buffer(std::string("\x16\x03\x01 not http\r\n\r\n")));
  beast::flat_buffer garbage_buffer;
  EXPECT_EQ(read_response(garbage, garbage_buffer).result(), http::status::bad_request);
}

// Beast's own limit misses a header whose first part was parsed before the
// rest arrived (fuzz/corpus/http_request/regression_oversized_header_split_*):
// the server counts every byte of the header.
TEST_F(HttpServerTest, RefusesOversizedHeadersSentInPieces) {
  HttpServerOptions options;
  options.max_header_bytes = 256;
  start(options);
  auto socket = connect();
  // Beast parses X-A once it sees the next line start (no folding), then
  // waits for the header's end, counting only what comes after against its limit.
  asio::write(socket, asio::buffer("GET / HTTP/1.1\r\nX-A: " + std::string(200, 'a') + "\r\nX-B: "));
  std::this_thread::sleep_for(100ms);
  asio::write(socket, asio::buffer(std::string(200, 'b') + "\r\n\r\n"));
  beast::flat_buffer buffer;
  EXPECT_EQ(read_response(socket, buffer).result(), http::status::request_header_fields_too_large);
}

TEST_F(HttpServerTest, SlowHeadersAreCutOff) {
  HttpServerOptions options;
  options.header_timeout = 200ms;
  start(options);
  auto socket = connect();
  asio::write(socket, asio::buffer(std::string("GET / HTTP/1.1\r\n")));  // and never finish
  const auto started = std::chrono::steady_clock::now();
  EXPECT_TRUE(closed_by_server(socket));
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
}

TEST_F(HttpServerTest, IdleConnectionsAreClosed) {
  HttpServerOptions options;
  options.idle_timeout = 200ms;
  start(options);
  auto socket = connect();
  EXPECT_TRUE(closed_by_server(socket));
}

TEST_F(HttpServerTest, ConnectionCapRefusesExtraConnections) {
  HttpServerOptions options;
  options.max_connections = 1;
  start(options);
  auto first = connect();
  asio::write(first, asio::buffer(request_text("/a")));
  beast::flat_buffer buffer;
  EXPECT_EQ(read_response(first, buffer).result(), http::status::ok);
  auto second = connect();
  EXPECT_TRUE(closed_by_server(second));
  // The first connection still works.
  asio::write(first, asio::buffer(request_text("/b")));
  EXPECT_EQ(read_response(first, buffer).body(), "POST /b ");
}

// Out of descriptors, a queued connection made accept fail at once, again and
// again: the accepting thread spun at full CPU. It now pauses between tries,
// and serves the queued connection once descriptors are free again.
TEST_F(HttpServerTest, OutOfDescriptorsPausesAcceptingInsteadOfSpinning) {
#if defined(__SANITIZE_ADDRESS__)
  // The sanitizers' runtime needs descriptors of its own (UBSan's vptr check
  // probes memory through a pipe), so with none left it reports nonsense.
  GTEST_SKIP() << "needs a process whose runtime opens no descriptors";
#endif
  start();
  tcp::socket first(client_io_);
  tcp::socket queued(client_io_);
  first.open(tcp::v4());
  queued.open(tcp::v4());
  // RLIMIT_NOFILE bounds descriptor numbers: room for exactly one more, the
  // lowest free one, which the server takes for `first`.
  const int lowest_free = ::dup(0);
  ASSERT_GE(lowest_free, 0);
  ::close(lowest_free);
  rlimit original{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &original), 0);
  rlimit lowered = original;
  lowered.rlim_cur = static_cast<rlim_t>(lowest_free) + 1;
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &lowered), 0);

  first.connect(server_->local_endpoint());
  asio::write(first, asio::buffer(request_text("/a")));
  beast::flat_buffer buffer;
  EXPECT_EQ(read_response(first, buffer).result(), http::status::ok);
  queued.connect(server_->local_endpoint());  // the kernel queues it; accept() gets EMFILE
  rusage before{};
  ::getrusage(RUSAGE_SELF, &before);
  std::this_thread::sleep_for(1s);
  rusage after{};
  ::getrusage(RUSAGE_SELF, &after);
  ::setrlimit(RLIMIT_NOFILE, &original);

  const auto cpu = [](const rusage& usage) {
    return std::chrono::seconds(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
           std::chrono::microseconds(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec);
  };
  EXPECT_LT(cpu(after) - cpu(before), 100ms) << "the accept loop spins while out of descriptors";
  asio::write(queued, asio::buffer(request_text("/b")));
  beast::flat_buffer queued_buffer;
  EXPECT_EQ(read_response(queued, queued_buffer).body(), "POST /b ");
}

TEST_F(HttpServerTest, HandlerExceptionBecomes500AndServerLives) {
  start();
  auto socket = connect();
  asio::write(socket, asio::buffer(request_text("/throw")));
  beast::flat_buffer buffer;
  const auto response = read_response(socket, buffer);
  EXPECT_EQ(response.result(), http::status::internal_server_error);
  EXPECT_EQ(response.body(), R"({"errcode":"M_UNKNOWN","error":"Internal Server Error"})");
  auto again = connect();
  asio::write(again, asio::buffer(request_text("/ok")));
  beast::flat_buffer again_buffer;
  EXPECT_EQ(read_response(again, again_buffer).result(), http::status::ok);
}

TEST_F(HttpServerTest, ExpectContinueGetsAnInterimAnswer) {
  start();
  auto socket = connect();
  asio::write(socket, asio::buffer(std::string("POST /e HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
                                               "Content-Length: 2\r\n\r\n")));
  std::string interim(25, '\0');
  asio::read(socket, asio::buffer(interim));
  EXPECT_EQ(interim, "HTTP/1.1 100 Continue\r\n\r\n");
  asio::write(socket, asio::buffer(std::string("hi")));
  beast::flat_buffer buffer;
  EXPECT_EQ(read_response(socket, buffer).body(), "POST /e hi");
}

TEST_F(HttpServerTest, ShutdownFinishesInFlightRequestsAndClosesIdleOnes) {
  start();
  auto idle = connect();
  auto busy = connect();
  asio::write(busy, asio::buffer(request_text("/slow", "x")));
  std::this_thread::sleep_for(50ms);  // let the server start handling it
  auto done = asio::co_spawn(io_, server_->shutdown(2s), asio::use_future);
  beast::flat_buffer buffer;
  const auto response = read_response(busy, buffer);
  EXPECT_EQ(response.body(), "POST /slow x");
  EXPECT_FALSE(response.keep_alive());
  EXPECT_TRUE(closed_by_server(idle));
  EXPECT_EQ(done.wait_for(3s), std::future_status::ready);
  EXPECT_EQ(server_->open_connections(), 0U);
  tcp::socket late(client_io_);
  beast::error_code ec;
  late.connect(server_->local_endpoint(), ec);
  EXPECT_TRUE(ec);  // no longer accepting
}

TEST(HttpServerListen, ReusePortLetsServersShareAPort) {
  asio::io_context io;
  HttpServer first(io, HttpServerOptions{.bind = "127.0.0.1:0", .reuse_port = true}, echo);
  ASSERT_TRUE(first.listen());
  const auto port = std::to_string(first.local_endpoint().port());
  HttpServer second(io, HttpServerOptions{.bind = "127.0.0.1:" + port, .reuse_port = true}, echo);
  EXPECT_TRUE(second.listen());
  HttpServer third(io, HttpServerOptions{.bind = "127.0.0.1:" + port}, echo);
  EXPECT_FALSE(third.listen());  // without the option, the port is taken
}

TEST(ParseBindAddress, AcceptsTheReferenceForms) {
  EXPECT_EQ(parse_bind_address(":8080").value(), (std::pair<std::string, std::uint16_t>{"", 8080}));
  EXPECT_EQ(parse_bind_address("127.0.0.1:80").value(), (std::pair<std::string, std::uint16_t>{"127.0.0.1", 80}));
  EXPECT_EQ(parse_bind_address("[::1]:8080").value(), (std::pair<std::string, std::uint16_t>{"::1", 8080}));
  EXPECT_EQ(parse_bind_address("8080").error().message, "bind address \"8080\" has no port");
  EXPECT_EQ(parse_bind_address(":http").error().message, "bind address \":http\" has an invalid port");
  EXPECT_EQ(parse_bind_address(":65536").error().message, "bind address \":65536\" has an invalid port");
}

TEST(HttpServerListen, RefusesHostnamesAndBusyPorts) {
  asio::io_context io;
  HttpServer named(io, HttpServerOptions{.bind = "localhost:0"}, echo);
  EXPECT_EQ(named.listen().error().message, "bind host \"localhost\" is not an IP address");
  HttpServer first(io, HttpServerOptions{.bind = "127.0.0.1:0"}, echo);
  ASSERT_TRUE(first.listen());
  const auto port = first.local_endpoint().port();
  HttpServer second(io, HttpServerOptions{.bind = "127.0.0.1:" + std::to_string(port)}, echo);
  const auto result = second.listen();
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, core::ErrorCode::connect_failed);
}

// HTTPS: the same server with a TLS context slot; clients verify against a
// CA made at test time.
class HttpsServerTest : public HttpServerTest {
 protected:
  using TlsSocket = asio::ssl::stream<tcp::socket>;

  std::shared_ptr<ServerTlsContext> make_context() {
    const auto leaf = ca_.issue({"auth.test"}, {"127.0.0.1"});
    return ServerTlsContext::from_pem(leaf.certificate_pem, leaf.private_key_pem, "cert.pem", "key.pem").value();
  }
  void start_tls(HttpServerOptions options = {}) {
    first_ = make_context();
    slot_ = std::make_shared<TlsContextSlot>(first_);
    options.tls = slot_;
    start(options);
  }
  // A verified TLS connection offering h2 and http/1.1 by ALPN.
  std::unique_ptr<TlsSocket> tls_connect() {
    auto stream = std::make_unique<TlsSocket>(connect(), client_tls_);
    static constexpr unsigned char kOffered[] = {2, 'h', '2', 8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
    SSL_set_alpn_protos(stream->native_handle(), kOffered, sizeof kOffered);
    stream->set_verify_callback(asio::ssl::host_name_verification("127.0.0.1"));
    stream->handshake(asio::ssl::stream_base::client);
    return stream;
  }
  static std::string peer_serial(TlsSocket& stream) {
    X509* certificate = SSL_get1_peer_certificate(stream.native_handle());
    if (certificate == nullptr) return "none";
    BIGNUM* number = ASN1_INTEGER_to_BN(X509_get0_serialNumber(certificate), nullptr);
    char* hex = BN_bn2hex(number);
    std::string serial = hex;
    OPENSSL_free(hex);
    BN_free(number);
    X509_free(certificate);
    return serial;
  }
  static std::string exchange(TlsSocket& stream, beast::flat_buffer& buffer, std::string_view target) {
    asio::write(stream, asio::buffer(request_text(target, "tls")));
    http::response<http::string_body> response;
    beast::error_code ec;
    http::read(stream, buffer, response, ec);
    return ec ? "error: " + ec.message() : response.body();
  }
  asio::ssl::context make_client_context() {
    asio::ssl::context context(asio::ssl::context::tls_client);
    context.add_certificate_authority(asio::buffer(ca_.certificate_pem()));
    context.set_verify_mode(asio::ssl::verify_peer);
    return context;
  }

  testing::TestCa ca_;
  asio::ssl::context client_tls_ = make_client_context();
  std::shared_ptr<ServerTlsContext> first_;
  std::shared_ptr<TlsContextSlot> slot_;
};

TEST_F(HttpsServerTest, AnswersOverVerifiedTlsWithKeepAliveAndAlpn) {
  start_tls();
  auto stream = tls_connect();
  const unsigned char* protocol = nullptr;
  unsigned int length = 0;
  SSL_get0_alpn_selected(stream->native_handle(), &protocol, &length);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(protocol), length), "http/1.1");
  EXPECT_GE(SSL_version(stream->native_handle()), TLS1_2_VERSION);
  EXPECT_EQ(peer_serial(*stream), first_->serial());
  beast::flat_buffer buffer;
  EXPECT_EQ(exchange(*stream, buffer, "/one"), "POST /one tls");
  EXPECT_EQ(exchange(*stream, buffer, "/two"), "POST /two tls");  // same connection
  EXPECT_EQ(server_->open_connections(), 1U);
}

TEST_F(HttpsServerTest, RefusesTlsOlderThan12) {
  start_tls();
  // OpenSSL's security level 1 refuses TLS 1.0/1.1 by itself; at level 0
  // (which a distribution's configuration may choose) only our floor does.
  SSL_CTX_set_security_level(first_->native().native_handle(), 0);
  asio::ssl::context old_client = make_client_context();
  SSL_CTX_set_min_proto_version(old_client.native_handle(), TLS1_VERSION);
  SSL_CTX_set_max_proto_version(old_client.native_handle(), TLS1_1_VERSION);
  SSL_CTX_set_security_level(old_client.native_handle(), 0);
  TlsSocket stream(connect(), old_client);
  beast::error_code ec;
  stream.handshake(asio::ssl::stream_base::client, ec);
  EXPECT_TRUE(ec);
}

TEST_F(HttpsServerTest, SilentOrStalledHandshakesAreCutOffByTheHeaderTimeout) {
  HttpServerOptions options;
  options.header_timeout = 300ms;
  options.idle_timeout = 60s;  // so only the handshake deadline can close these
  start_tls(options);
  auto silent = connect();
  auto stalled = connect();
  asio::write(stalled, asio::buffer(std::string("\x16\x03\x01\x02\x00\x01", 6)));  // a ClientHello's first bytes
  const auto started = std::chrono::steady_clock::now();
  EXPECT_TRUE(closed_by_server(silent));
  EXPECT_TRUE(closed_by_server(stalled));
  const auto elapsed = std::chrono::steady_clock::now() - started;
  EXPECT_GE(elapsed, 250ms);
  EXPECT_LT(elapsed, 5s);
  // The server is still fine.
  auto stream = tls_connect();
  beast::flat_buffer buffer;
  EXPECT_EQ(exchange(*stream, buffer, "/after"), "POST /after tls");
}

TEST_F(HttpsServerTest, PlaintextHttpGetsAReadable400AndTheServerLives) {
  start_tls();
  auto plain = connect();
  asio::write(plain, asio::buffer(request_text("/a")));
  beast::flat_buffer buffer;
  const auto response = read_response(plain, buffer);
  EXPECT_EQ(response.result(), http::status::bad_request);
  EXPECT_EQ(response.body(),
            R"({"errcode":"M_UNRECOGNIZED","error":"Client sent an HTTP request to an HTTPS server"})");
  EXPECT_FALSE(response.keep_alive());
  EXPECT_TRUE(closed_by_server(plain));
  auto stream = tls_connect();
  beast::flat_buffer tls_buffer;
  EXPECT_EQ(exchange(*stream, tls_buffer, "/after"), "POST /after tls");
}

TEST_F(HttpsServerTest, ReplacedContextServesNewConnectionsWhileOpenOnesKeepTheirs) {
  start_tls();
  auto old_connection = tls_connect();
  beast::flat_buffer old_buffer;
  EXPECT_EQ(exchange(*old_connection, old_buffer, "/before"), "POST /before tls");

  const auto second = make_context();
  ASSERT_NE(second->serial(), first_->serial());
  slot_->replace(second);
  auto new_connection = tls_connect();
  EXPECT_EQ(peer_serial(*new_connection), second->serial());
  beast::flat_buffer new_buffer;
  EXPECT_EQ(exchange(*new_connection, new_buffer, "/new"), "POST /new tls");
  // The kept-alive connection made before the swap still works, on the old certificate.
  EXPECT_EQ(exchange(*old_connection, old_buffer, "/old"), "POST /old tls");
  EXPECT_EQ(peer_serial(*old_connection), first_->serial());
}

TEST_F(HttpsServerTest, ShutdownEndsIdleConnectionsWithCloseNotify) {
  start_tls();
  auto idle = tls_connect();
  beast::flat_buffer buffer;
  EXPECT_EQ(exchange(*idle, buffer, "/a"), "POST /a tls");
  auto done = asio::co_spawn(io_, server_->shutdown(2s), asio::use_future);
  char byte = 0;
  beast::error_code ec;
  idle->read_some(asio::buffer(&byte, 1), ec);
  // A clean TLS end is eof; a bare TCP close would be stream_truncated.
  EXPECT_EQ(ec, asio::error::eof) << ec.message();
  EXPECT_EQ(done.wait_for(3s), std::future_status::ready);
  EXPECT_EQ(server_->open_connections(), 0U);
}

}  // namespace
}  // namespace matrixrtc::net
