// A fast stand-in for a homeserver's federation OpenID endpoint, for the load
// benchmark: HTTPS on loopback (certificate and key from files, e.g. a test
// CA's leaf for IP:127.0.0.1), N threads sharded with SO_REUSEPORT, answering
// GET /_matrix/federation/v1/openid/userinfo?access_token=ANY with
// 200 {"sub":SUB} whatever the token, and 404 to anything else. Accepts any
// token so a load test can send a new one with every request.
// Usage: fast_homeserver --cert PEM --key PEM --sub @user:server [--port P] [--threads N]
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <string>

#include "minimal_http.hpp"

using namespace bench_servers;
namespace ssl = asio::ssl;

int main(int argc, char** argv) {
  std::string port = "0", threads = "1", cert, key, sub;
  if (!parse_flags(argc, argv,
                   {{"--port", &port}, {"--threads", &threads}, {"--cert", &cert}, {"--key", &key}, {"--sub", &sub}}) ||
      cert.empty() || key.empty() || sub.empty()) {
    std::cerr << "usage: fast_homeserver --cert PEM --key PEM --sub @user:server [--port P] [--threads N]\n";
    return 2;
  }
  Listen listen{static_cast<std::uint16_t>(std::stoul(port)), static_cast<unsigned>(std::stoul(threads))};
  ssl::context tls(ssl::context::tls_server);
  tls.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3);
  tls.use_certificate_chain_file(cert);
  tls.use_private_key_file(key, ssl::context::pem);
  const std::string answer = "{\"sub\":\"" + sub + "\"}";  // test user IDs need no JSON escaping
  constexpr std::string_view kPath = "/_matrix/federation/v1/openid/userinfo?";
  const Responder respond = [&answer, kPath](const Request& request) {
    const bool userinfo = request.method() == http::verb::get && request.target().starts_with(kPath);
    Response response{userinfo ? http::status::ok : http::status::not_found, request.version()};
    response.set(http::field::content_type, "application/json");
    response.body() = userinfo ? answer : std::string("{\"errcode\":\"M_UNRECOGNIZED\"}");
    return response;
  };
  return run_shards(listen, [&respond, &tls](tcp::socket socket) -> asio::awaitable<void> {
    ssl::stream<tcp::socket> stream(std::move(socket), tls);
    auto [ec] = co_await stream.async_handshake(ssl::stream_base::server, kTuple);
    if (ec) co_return;
    co_await serve_connection(stream, respond);
  });
}
