#include "programs/matrixrtc/command_line.hpp"

#include <algorithm>
#include <charconv>
#include "core/text.hpp"

namespace matrixrtc::cli {

std::optional<std::string> CommandLine::value(std::string_view name) const {
  const auto it = options.find(name);
  if (it == options.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> CommandLine::values(std::string_view name) const {
  std::vector<std::string> out;
  const auto [first, last] = options.equal_range(name);
  for (auto it = first; it != last; ++it) out.push_back(it->second);
  return out;
}

core::Result<CommandLine> parse_command_line(std::span<const std::string> args, std::span<const OptionSpec> specs) {
  static constexpr OptionSpec kAlways[] = {{"help", false, false}, {"json", false, false}};
  const auto find_spec = [&](std::string_view name) -> const OptionSpec* {
    for (const auto& spec : specs) {
      if (spec.name == name) return &spec;
    }
    for (const auto& spec : kAlways) {
      if (spec.name == name) return &spec;
    }
    return nullptr;
  };
  CommandLine out;
  bool options_ended = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string_view arg = args[i];
    if (options_ended || !arg.starts_with("--") || arg == "-") {
      out.positionals.emplace_back(arg);
      continue;
    }
    if (arg == "--") {
      options_ended = true;
      continue;
    }
    std::string_view name = arg.substr(2);
    std::optional<std::string_view> inline_value;
    if (const auto eq = name.find('='); eq != std::string_view::npos) {
      inline_value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    const OptionSpec* spec = find_spec(name);
    if (spec == nullptr) return core::fail(core::ErrorCode::invalid_argument, core::cat("unknown option --", name));
    if (!spec->repeatable && out.has(name)) {
      return core::fail(core::ErrorCode::invalid_argument, core::cat("option --", name, " given twice"));
    }
    std::string value;
    if (spec->takes_value) {
      if (inline_value) {
        value = *inline_value;
      } else if (i + 1 < args.size()) {
        value = args[++i];
      } else {
        return core::fail(core::ErrorCode::invalid_argument, core::cat("option --", name, " needs a value"));
      }
    } else if (inline_value) {
      return core::fail(core::ErrorCode::invalid_argument, core::cat("option --", name, " takes no value"));
    }
    out.options.emplace(std::string(name), std::move(value));
  }
  return out;
}

core::Result<std::int64_t> parse_integer(std::string_view text, std::string_view what) {
  std::int64_t value = 0;
  const auto* end = text.data() + text.size();
  const auto result = std::from_chars(text.data(), end, value);
  if (text.empty() || result.ec != std::errc{} || result.ptr != end) {
    return core::fail(core::ErrorCode::invalid_argument, core::cat(what, " must be an integer, got \"", text, "\""));
  }
  return value;
}

}  // namespace matrixrtc::cli
