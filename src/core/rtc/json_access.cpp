#include "core/rtc/json_access.hpp"

#include <boost/json/serialize.hpp>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace matrixrtc::core::rtc::json_access {
namespace {

constexpr std::int64_t kMaxSafeInteger = (std::int64_t{1} << 53) - 1;

std::string js_number(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  if (d == std::trunc(d) && std::fabs(d) < 1e21) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.0f", d);
    return buffer;
  }
  // Shortest round-trip digits, as JavaScript prints them for ordinary values.
  char buffer[40];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buffer, sizeof buffer, "%.*g", precision, d);
    if (std::strtod(buffer, nullptr) == d) break;
  }
  return buffer;
}

// A UTF-8 line terminator in JavaScript's sense starts at `text[i]`: returns
// its length in bytes, or 0.
std::size_t line_terminator_at(std::string_view text, std::size_t i) noexcept {
  if (text[i] == '\n' || text[i] == '\r') return 1;
  if (text.substr(i, 3) == "\xE2\x80\xA8" || text.substr(i, 3) == "\xE2\x80\xA9") return 3;
  return 0;
}

}  // namespace

const boost::json::value* property(const boost::json::value* value, std::string_view key) noexcept {
  if (value == nullptr || !value->is_object()) return nullptr;
  return property(value->get_object(), key);
}

const boost::json::value* property(const boost::json::object& object, std::string_view key) noexcept {
  return object.if_contains(key);
}

bool is_js_object(const boost::json::value* value) noexcept {
  return value != nullptr && (value->is_object() || value->is_array());
}

std::optional<std::string_view> string_of(const boost::json::value* value) noexcept {
  if (value == nullptr || !value->is_string()) return std::nullopt;
  const auto& s = value->get_string();
  return std::string_view(s.data(), s.size());
}

std::optional<std::int64_t> safe_integer_of(const boost::json::value* value) noexcept {
  if (value == nullptr) return std::nullopt;
  if (value->is_int64()) {
    const auto n = value->get_int64();
    if (n < -kMaxSafeInteger || n > kMaxSafeInteger) return std::nullopt;
    return n;
  }
  if (value->is_uint64()) {
    const auto n = value->get_uint64();
    if (n > static_cast<std::uint64_t>(kMaxSafeInteger)) return std::nullopt;
    return static_cast<std::int64_t>(n);
  }
  if (value->is_double()) {
    const double d = value->get_double();
    if (d != std::trunc(d) || std::fabs(d) > static_cast<double>(kMaxSafeInteger)) return std::nullopt;
    return static_cast<std::int64_t>(d);
  }
  return std::nullopt;
}

std::string js_to_string(const boost::json::value* value) {
  if (value == nullptr) return "undefined";
  switch (value->kind()) {
    case boost::json::kind::null: return "null";
    case boost::json::kind::bool_: return value->get_bool() ? "true" : "false";
    case boost::json::kind::int64: return std::to_string(value->get_int64());
    case boost::json::kind::uint64: return std::to_string(value->get_uint64());
    case boost::json::kind::double_: return js_number(value->get_double());
    case boost::json::kind::string: return std::string(value->get_string());
    case boost::json::kind::object: return "[object Object]";
    case boost::json::kind::array: {
      std::string out;
      bool first = true;
      for (const auto& item : value->get_array()) {
        if (!first) out.push_back(',');
        first = false;
        if (!item.is_null()) out += js_to_string(&item);
      }
      return out;
    }
  }
  return "undefined";
}

bool matches_mxid_pattern(std::string_view text) noexcept {
  // Some '@' is followed by a run of at least one non-terminator, then ':', then
  // at least one non-terminator. Scan each line segment independently.
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = start;
    while (end < text.size() && line_terminator_at(text, end) == 0) ++end;
    const std::string_view line = text.substr(start, end - start);
    const auto at = line.find('@');
    // The ':' needs one character before it (after the '@') and one after it.
    if (at != std::string_view::npos && line.size() >= at + 4 &&
        line.substr(at + 2, line.size() - at - 3).find(':') != std::string_view::npos) {
      return true;
    }
    if (end >= text.size()) break;
    start = end + line_terminator_at(text, end);
  }
  return false;
}

}  // namespace matrixrtc::core::rtc::json_access
