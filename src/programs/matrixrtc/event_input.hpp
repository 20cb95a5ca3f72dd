// Reading the room-event input of `matrixrtc sessions` and `matrixrtc history`.
#pragma once

#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "core/error.hpp"

namespace matrixrtc::cli {

/// The whole of FILE, or of standard input for "-".
[[nodiscard]] inline core::Result<std::string> read_input(const std::string& path) {
  std::ostringstream buffer;
  if (path == "-") {
    buffer << std::cin.rdbuf();
  } else {
    std::ifstream file(path, std::ios::binary);
    if (!file) return core::fail(core::ErrorCode::invalid_argument, "cannot read " + path);
    buffer << file.rdbuf();
  }
  return buffer.str();
}

}  // namespace matrixrtc::cli
