// The `matrixrtc` command-line tool.
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "programs/matrixrtc/cli.hpp"

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  matrixrtc::cli::Io io{
      .out = std::cout,
      .err = std::cerr,
      .now =
          std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count(),
      .env = [](std::string_view name) -> std::optional<std::string> {
        const char* value = std::getenv(std::string(name).c_str());
        if (value == nullptr) return std::nullopt;
        return std::string(value);
      },
  };
  return matrixrtc::cli::run(args, io);
}
