// A small, strict command-line reader for the `matrixrtc` subcommands:
// options are `--name VALUE`, `--name=VALUE` or bare `--flag`; `--` ends
// options; anything unknown is a usage error (exit status 2).
#pragma once

#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace matrixrtc::cli {

struct OptionSpec {
  std::string_view name;  ///< without the leading "--"
  bool takes_value = false;
  bool repeatable = false;
};

struct CommandLine {
  std::vector<std::string> positionals;
  std::multimap<std::string, std::string, std::less<>> options;  ///< flags map to ""

  [[nodiscard]] bool has(std::string_view name) const { return options.contains(name); }
  [[nodiscard]] std::optional<std::string> value(std::string_view name) const;
  [[nodiscard]] std::vector<std::string> values(std::string_view name) const;
};

/// `--help` and `--json` are always accepted.
[[nodiscard]] core::Result<CommandLine> parse_command_line(std::span<const std::string> args,
                                                           std::span<const OptionSpec> specs);

/// Parses a non-negative or signed decimal integer option value strictly.
[[nodiscard]] core::Result<std::int64_t> parse_integer(std::string_view text, std::string_view what);

}  // namespace matrixrtc::cli
