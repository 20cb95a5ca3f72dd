// The smallest Beast HTTP/1.1 server loop we know how to write, shared by
// the load benchmark's stand-ins (bench/servers/*.cpp): keep-alive, no
// timeouts, no limits beyond Beast's defaults, no logging. N threads, each
// with its own io_context and its own SO_REUSEPORT listener on the same
// port, which is how matrixrtc-auth shards (src/service/service.cpp).
#pragma once

#include <sys/socket.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <cstdint>
#include <functional>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace bench_servers {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;
using Responder = std::function<Response(const Request&)>;

inline constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

/// Reads requests and writes answers on one connection until either side closes.
template <class Stream>
asio::awaitable<void> serve_connection(Stream& stream, const Responder& respond) {
  boost::beast::flat_buffer buffer;
  for (;;) {
    Request request;
    auto [read_ec, read_bytes] = co_await http::async_read(stream, buffer, request, kTuple);
    if (read_ec) co_return;
    Response response = respond(request);
    response.keep_alive(request.keep_alive());
    response.prepare_payload();
    auto [write_ec, written] = co_await http::async_write(stream, response, kTuple);
    if (write_ec || !response.keep_alive()) co_return;
  }
}

/// Options every stand-in takes: --port P (0: any; the port is printed on
/// stdout as "port P"), --threads N.
struct Listen {
  std::uint16_t port = 0;
  unsigned threads = 1;
};

inline tcp::acceptor open_acceptor(asio::io_context& io, std::uint16_t port) {
  tcp::acceptor acceptor(io);
  const tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), port);
  acceptor.open(endpoint.protocol());
  acceptor.set_option(asio::socket_base::reuse_address(true));
  acceptor.set_option(asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>(true));
  acceptor.bind(endpoint);
  acceptor.listen(asio::socket_base::max_listen_connections);
  return acceptor;
}

/// Runs `threads` shards; each accepts on its own listener and hands every
/// connection to `on_connection` (a coroutine owning the socket).
template <class OnConnection>
int run_shards(const Listen& listen, OnConnection on_connection) {
  std::vector<std::unique_ptr<asio::io_context>> ios;
  std::vector<tcp::acceptor> acceptors;
  std::uint16_t port = listen.port;
  for (unsigned i = 0; i < listen.threads; ++i) {
    ios.push_back(std::make_unique<asio::io_context>(1));
    acceptors.push_back(open_acceptor(*ios.back(), port));
    port = acceptors.back().local_endpoint().port();
  }
  std::cout << "port " << port << std::endl;
  for (auto& acceptor : acceptors) {
    asio::co_spawn(
        acceptor.get_executor(),
        [&acceptor, &on_connection]() -> asio::awaitable<void> {
          for (;;) {
            auto [ec, socket] = co_await acceptor.async_accept(kTuple);
            if (ec) continue;
            socket.set_option(tcp::no_delay(true));
            asio::co_spawn(acceptor.get_executor(), on_connection(std::move(socket)), asio::detached);
          }
        },
        asio::detached);
  }
  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < ios.size(); ++i) threads.emplace_back([&io = *ios[i]] { io.run(); });
  ios.front()->run();
  for (auto& thread : threads) thread.join();
  return 0;
}

/// --name value pairs from argv; unknown names are an error.
inline bool parse_flags(int argc, char** argv, const std::vector<std::pair<std::string_view, std::string*>>& flags) {
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string_view name = argv[i];
    bool known = false;
    for (const auto& [flag, value] : flags) {
      if (name == flag) {
        *value = argv[i + 1];
        known = true;
      }
    }
    if (!known) return false;
  }
  return argc % 2 == 1;
}

}  // namespace bench_servers
