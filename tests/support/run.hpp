// Runs one test coroutine on an io_context until it finishes (or a time
// limit passes, which fails the test by throwing).
#pragma once

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <exception>
#include <optional>
#include <stdexcept>

namespace matrixrtc::testing {

template <class T>
T run(boost::asio::io_context& io, boost::asio::awaitable<T> task,
      std::chrono::milliseconds limit = std::chrono::seconds(10)) {
  std::optional<T> result;
  std::exception_ptr error;
  boost::asio::co_spawn(io, std::move(task), [&](std::exception_ptr e, T value) {
    error = e;
    result.emplace(std::move(value));
    io.stop();
  });
  io.restart();
  io.run_for(limit);
  if (error) std::rethrow_exception(error);
  if (!result) throw std::runtime_error("the test coroutine did not finish in time");
  return std::move(*result);
}

}  // namespace matrixrtc::testing
