// The machine's limit for the load benchmark: plain HTTP on loopback, N
// threads sharded with SO_REUSEPORT like matrixrtc-auth, answering every
// request with a fixed 200 carrying the same headers as our /get_token answer
// and a body of a given size (bench/compare passes the size of a real one).
// Usage: limit_server [--port P] [--threads N] [--body-bytes B]
#include <charconv>
#include <string>

#include "minimal_http.hpp"

using namespace bench_servers;

int main(int argc, char** argv) {
  std::string port = "0", threads = "1", body_bytes = "0";
  if (!parse_flags(argc, argv, {{"--port", &port}, {"--threads", &threads}, {"--body-bytes", &body_bytes}})) {
    std::cerr << "usage: limit_server [--port P] [--threads N] [--body-bytes B]\n";
    return 2;
  }
  Listen listen{static_cast<std::uint16_t>(std::stoul(port)), static_cast<unsigned>(std::stoul(threads))};
  // A JSON object of exactly body_bytes bytes (at least the 11 of {"jwt":""}).
  const std::size_t size = std::max<std::size_t>(std::stoul(body_bytes), 11);
  const std::string body = "{\"jwt\":\"" + std::string(size - 10, 'x') + "\"}";
  const Responder respond = [&body](const Request& request) {
    Response response{http::status::ok, request.version()};
    response.set(http::field::server, "matrixrtc-auth");
    response.set(http::field::content_type, "application/json");
    response.set(http::field::access_control_allow_origin, "*");
    response.set(http::field::access_control_allow_methods, "POST");
    response.set(http::field::access_control_allow_headers,
                 "Accept, Content-Type, Content-Length, Accept-Encoding, X-CSRF-Token");
    response.body() = body;
    return response;
  };
  return run_shards(listen, [&respond](tcp::socket socket) -> asio::awaitable<void> {
    tcp::socket stream = std::move(socket);
    co_await serve_connection(stream, respond);
  });
}
