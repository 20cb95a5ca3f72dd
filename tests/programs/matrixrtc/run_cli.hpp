// Test helpers: run the CLI in-process, or run the built binary as a user would.
#pragma once

#include <sys/wait.h>
#include <array>
#include <cstdio>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "programs/matrixrtc/cli.hpp"

namespace matrixrtc::cli::testing {

inline constexpr std::int64_t kNow = 1'795'422'382;

struct Run {
  int status;
  std::string out;
  std::string err;
};

inline Run run_cli(std::vector<std::string> args, std::map<std::string, std::string> env = {},
                   std::int64_t now = kNow) {
  std::ostringstream out;
  std::ostringstream err;
  Io io{.out = out, .err = err, .now = now, .env = [env](std::string_view name) -> std::optional<std::string> {
          const auto it = env.find(std::string(name));
          if (it == env.end()) return std::nullopt;
          return it->second;
        }};
  const int status = run(args, io);
  return {status, out.str(), err.str()};
}

/// Runs a shell command line; returns exit status and standard output.
inline Run run_binary(const std::string& command_line) {
  Run result{-1, {}, {}};
  FILE* pipe = popen((command_line + " 2>/dev/null").c_str(), "r");
  if (pipe == nullptr) return result;
  std::array<char, 4096> buffer{};
  std::size_t n = 0;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) result.out.append(buffer.data(), n);
  const int raw = pclose(pipe);
  result.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  return result;
}

}  // namespace matrixrtc::cli::testing
