// Structured log lines, human ("text") or machine ("json") readable, one line
// per event, written whole under a lock so threads never interleave. Callers
// pass fields explicitly; nothing here ever sees a token or secret.
#pragma once

#include <initializer_list>
#include <iosfwd>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

#include "service/config.hpp"

namespace matrixrtc::service {

using LogField = std::pair<std::string_view, std::string>;

class Logger {
 public:
  Logger(std::ostream& out, LogLevel level, LogFormat format) : out_(out), level_(level), format_(format) {}

  void log(LogLevel level, std::string_view message, std::initializer_list<LogField> fields = {});
  void debug(std::string_view message, std::initializer_list<LogField> fields = {}) {
    log(LogLevel::debug, message, fields);
  }
  void info(std::string_view message, std::initializer_list<LogField> fields = {}) {
    log(LogLevel::info, message, fields);
  }
  void warn(std::string_view message, std::initializer_list<LogField> fields = {}) {
    log(LogLevel::warn, message, fields);
  }
  void error(std::string_view message, std::initializer_list<LogField> fields = {}) {
    log(LogLevel::error, message, fields);
  }

  [[nodiscard]] bool enabled(LogLevel level) const { return level >= level_; }

 private:
  std::ostream& out_;
  LogLevel level_;
  LogFormat format_;
  std::mutex mutex_;
};

/// The text of one line (without the newline), for tests and the logger.
[[nodiscard]] std::string format_log_line(LogFormat format, LogLevel level, std::string_view message,
                                          std::initializer_list<LogField> fields);

}  // namespace matrixrtc::service
