// A scripted HTTP/1.1 server for tests, over TLS (with a TestLeaf) or plain.
// It records every request (method, target, Host, SNI, connection number) and
// answers what the handler says, which may be a delay, a reset, garbage, a
// 500, a huge body or silence. Runs on the caller's executor; the handler
// and the records may be used from another thread.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "support/test_certificates.hpp"

namespace matrixrtc::testing {

struct RecordedRequest {
  std::string method;
  std::string target;
  std::string host;            ///< the Host header
  std::string sni;             ///< the TLS server name the client sent; empty for none or plain HTTP
  std::size_t connection = 0;  ///< 1 for the first accepted connection, 2 for the next, ...
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

struct TestResponse {
  enum class Action {
    respond,  ///< send the response below
    reset,    ///< abort the connection (TCP RST) without answering
    garbage,  ///< send bytes that are not HTTP, then close
    silence,  ///< never answer (the connection stays open until the server stops)
  };
  Action action = Action::respond;
  unsigned status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::chrono::milliseconds delay{0};  ///< wait this long before acting
  bool close = false;                  ///< answer with Connection: close

  static TestResponse json(std::string body, unsigned status = 200) {
    TestResponse response;
    response.status = status;
    response.headers.emplace_back("Content-Type", "application/json");
    response.body = std::move(body);
    return response;
  }
};

class TestHttpServer {
 public:
  using Handler = std::function<TestResponse(const RecordedRequest&)>;

  /// Listens on `address`:0; TLS with `leaf`, plain HTTP without.
  TestHttpServer(const boost::asio::any_io_executor& executor, std::optional<TestLeaf> leaf,
                 const std::string& address = "127.0.0.1");
  ~TestHttpServer();
  TestHttpServer(const TestHttpServer&) = delete;
  TestHttpServer& operator=(const TestHttpServer&) = delete;

  /// The handler answers every request; the default answers 404.
  void set_handler(Handler handler);
  [[nodiscard]] std::uint16_t port() const;
  /// A copy of the requests so far (safe while the server runs on another thread).
  [[nodiscard]] std::vector<RecordedRequest> requests() const;
  /// TCP connections accepted so far.
  [[nodiscard]] std::size_t connections() const;
  /// Closes every open connection (as a server's idle timeout would) and keeps accepting.
  void close_connections();
  /// Stops accepting and closes every connection. This and close_connections
  /// must run on the executor's thread or while it is not running.
  void stop();

  struct State;  ///< shared with the serving coroutines

 private:
  std::shared_ptr<State> state_;
};

}  // namespace matrixrtc::testing
