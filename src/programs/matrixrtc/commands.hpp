// The `matrixrtc` subcommands. Each reads its own arguments (after the
// subcommand's name), writes results to `out` and diagnostics to `err`, and
// returns the process exit status.
#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace matrixrtc::cli {

enum ExitStatus : int { kOk = 0, kFailed = 1, kUsage = 2 };

struct Io {
  std::ostream& out;
  std::ostream& err;
  /// Unix time in seconds, read once by main() so commands stay testable.
  std::int64_t now;
  /// Environment lookup (std::getenv in the program).
  std::function<std::optional<std::string>(std::string_view)> env;
};

int run_derive(std::span<const std::string> args, Io& io);
int run_token(std::span<const std::string> args, Io& io);
int run_frame(std::span<const std::string> args, Io& io);
int run_sessions(std::span<const std::string> args, Io& io);
int run_history(std::span<const std::string> args, Io& io);

/// Prints "matrixrtc: <message>" and the hint to use --help; returns kUsage.
int usage_error(Io& io, std::string_view command, std::string_view message);

}  // namespace matrixrtc::cli
