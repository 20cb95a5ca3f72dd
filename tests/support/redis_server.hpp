// A real redis-server for tests: started on a free loopback port (found by
// binding port 0), without persistence, and stopped (SIGTERM, waitpid) by the
// destructor. restart() brings it back on the same port, for reconnect tests.
// Tests skip when redis-server is not installed: `if (!RedisServer::available()) GTEST_SKIP()`.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>

namespace matrixrtc::testing {

class RedisServer {
 public:
  /// The redis-server binary (on PATH, or in /usr/bin, /usr/sbin, /usr/local/bin), if any.
  [[nodiscard]] static std::optional<std::string> binary();
  [[nodiscard]] static bool available() { return binary().has_value(); }

  /// Starts the server; throws std::runtime_error if it does not accept
  /// connections within five seconds. `password` sets --requirepass.
  explicit RedisServer(std::string password = {});
  ~RedisServer();
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  [[nodiscard]] std::uint16_t port() const { return port_; }
  /// redis://127.0.0.1:<port> (add a password or database yourself).
  [[nodiscard]] std::string url() const;
  [[nodiscard]] bool running() const { return pid_ > 0; }

  void stop();
  void start();  ///< on the same port
  void restart() {
    stop();
    start();
  }

 private:
  std::string password_;
  std::uint16_t port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace matrixrtc::testing
