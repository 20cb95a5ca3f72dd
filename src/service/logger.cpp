#include "service/logger.hpp"

#include <ostream>

#include "core/json/canonical_json.hpp"

namespace matrixrtc::service {
namespace {

std::string_view level_name(LogLevel level) {
  switch (level) {
    case LogLevel::debug: return "debug";
    case LogLevel::info: return "info";
    case LogLevel::warn: return "warn";
    case LogLevel::error: return "error";
  }
  return "info";
}

void append_json_string(std::string& out, std::string_view text) {
  // Log text may carry bytes from the network; never let them break a line.
  // Written aside first: a failed write leaves a partial string behind.
  std::string quoted;
  if (core::json::write_json_string(quoted, text, core::json::Escaping::jwt_ascii)) {
    out += quoted;
  } else {
    out += "\"<invalid UTF-8>\"";
  }
}

void append_text_value(std::string& out, std::string_view value) {
  const bool plain = !value.empty() && value.find_first_of(" \"=\\\n\r\t") == std::string_view::npos;
  if (plain) {
    out += value;
  } else {
    append_json_string(out, value);
  }
}

}  // namespace

std::string format_log_line(LogFormat format, LogLevel level, std::string_view message,
                            std::initializer_list<LogField> fields) {
  std::string line;
  if (format == LogFormat::json) {
    line = R"({"level":")";
    line += level_name(level);
    line += R"(","msg":)";
    append_json_string(line, message);
    for (const auto& [key, value] : fields) {
      line += ',';
      append_json_string(line, key);
      line += ':';
      append_json_string(line, value);
    }
    line += '}';
    return line;
  }
  line = level_name(level);
  for (auto& c : line) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  line += ' ';
  append_text_value(line, message);
  for (const auto& [key, value] : fields) {
    line += ' ';
    line += key;
    line += '=';
    append_text_value(line, value);
  }
  return line;
}

void Logger::log(LogLevel level, std::string_view message, std::initializer_list<LogField> fields) {
  if (!enabled(level)) return;
  const std::string line = format_log_line(format_, level, message, fields);
  const std::scoped_lock lock(mutex_);
  out_ << line << '\n' << std::flush;
}

}  // namespace matrixrtc::service
