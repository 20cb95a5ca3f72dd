// A cap on the connections one HTTP client keeps open to each target
// (scheme, host, port, TLS name), in use or idle. A request that needs a new
// connection while its target is at the cap waits, in arrival order, until a
// connection to that target is given back to the pool or closed, or until
// its own deadline passes.
//
// Why: without a cap every concurrent request to one homeserver opened its
// own TLS connection, about 90 KiB each (Asio's and OpenSSL's record
// buffers), and a burst of 256 requests held 256 of them (BENCHMARKS.md,
// RSS). A few dozen connections carry what a homeserver answers anyway, and
// a slow homeserver can no longer take every socket we have.
//
// One event loop, like the client that owns it: not thread-safe.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstddef>
#include <list>
#include <memory>
#include <string>
#include <unordered_map>

namespace matrixrtc::net {

class ConnectionSlots {
 public:
  /// Held by an open connection; closing the connection (destroying this)
  /// frees the slot and wakes the target's next waiter.
  class Slot {
   public:
    ~Slot();
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;

   private:
    friend class ConnectionSlots;
    struct State;
    Slot(std::shared_ptr<State> state, std::string key);
    std::shared_ptr<State> state_;
    std::string key_;
  };

  /// `per_target` 0: no cap.
  ConnectionSlots(boost::asio::any_io_executor executor, std::size_t per_target);

  /// A slot for a new connection to `key` when one is free now, else null.
  [[nodiscard]] std::unique_ptr<Slot> try_take(const std::string& key);
  /// Waits until `key` has a free slot or a connection to it was given back
  /// (call wake_one), or `deadline` passes. True when woken, false on the
  /// deadline. The caller looks again (idle connection first, then try_take).
  boost::asio::awaitable<bool> wait(const std::string& key, std::chrono::steady_clock::time_point deadline);
  /// A connection to `key` went back to the pool: the longest waiter may take it.
  void wake_one(const std::string& key);

  [[nodiscard]] std::size_t open(const std::string& key) const;
  [[nodiscard]] std::size_t waiting(const std::string& key) const;

 private:
  boost::asio::any_io_executor executor_;
  std::shared_ptr<Slot::State> state_;
};

}  // namespace matrixrtc::net
