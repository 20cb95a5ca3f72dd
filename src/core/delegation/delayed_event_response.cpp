#include "core/delegation/delayed_event_response.hpp"

#include <algorithm>
#include <array>
#include <boost/json/object.hpp>

#include "core/delegation/civil_time.hpp"
#include "core/json/strict_parser.hpp"
#include "core/text.hpp"

namespace matrixrtc::core::delegation {
namespace {

constexpr std::string_view kPathPrefix = "/_matrix/client/unstable/org.matrix.msc4140/delayed_events/";
// Retry delays beyond this (about 31 700 years) are clamped so sums cannot wrap.
constexpr std::int64_t kMaxRetryMs = 999'999'999'999'000;

constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
constexpr std::array<std::string_view, 7> kDays = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
constexpr std::array<std::string_view, 7> kLongDays = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                                       "Friday", "Saturday", "Sunday"};

bool is_unreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~';
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// `count` digits at `pos` (bounds checked), or -1.
int digits_at(std::string_view text, std::size_t pos, std::size_t count) {
  if (pos > text.size() || text.size() - pos < count) return -1;
  int value = 0;
  for (std::size_t i = pos; i < pos + count; ++i) {
    if (!is_digit(text[i])) return -1;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

template <std::size_t N>
bool one_of(std::string_view word, const std::array<std::string_view, N>& names) {
  return std::ranges::find(names, word) != names.end();
}

unsigned month_at(std::string_view text, std::size_t pos) {
  if (pos > text.size() || text.size() - pos < 3) return 0;
  const auto it = std::ranges::find(kMonths, text.substr(pos, 3));
  return it == kMonths.end() ? 0 : static_cast<unsigned>(it - kMonths.begin()) + 1;
}

bool char_at(std::string_view text, std::size_t pos, char c) { return pos < text.size() && text[pos] == c; }

// "hh:mm:ss" at `pos` into seconds of the day, or -1.
std::int64_t time_of_day_at(std::string_view text, std::size_t pos) {
  const int hour = digits_at(text, pos, 2);
  const int minute = digits_at(text, pos + 3, 2);
  const int second = digits_at(text, pos + 6, 2);
  if (!char_at(text, pos + 2, ':') || !char_at(text, pos + 5, ':')) return -1;
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return -1;
  return hour * 3600 + minute * 60 + second;
}

Result<std::int64_t> to_unix_ms(std::int64_t year, unsigned month, int day, std::int64_t seconds_of_day) {
  if (month == 0 || day < 1 || static_cast<unsigned>(day) > civil::days_in_month(year, month) || seconds_of_day < 0) {
    return fail(ErrorCode::invalid_argument, "HTTP date names no valid date and time");
  }
  return (civil::days_from_civil(year, month, static_cast<unsigned>(day)) * 86'400 + seconds_of_day) * 1000;
}

Result<std::int64_t> malformed() { return fail(ErrorCode::invalid_argument, "not an HTTP date"); }

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// Retry-After delta-seconds (RFC 9110 §10.2.3): 1*DIGIT, huge values clamped.
std::optional<std::int64_t> delta_seconds_ms(std::string_view text) {
  if (text.empty() || !std::ranges::all_of(text, is_digit)) return std::nullopt;
  if (text.size() > 12) return kMaxRetryMs;
  std::int64_t seconds = 0;
  for (const char c : text) seconds = seconds * 10 + (c - '0');
  return seconds * 1000;
}

// The body's retry_after_ms, rounded up to whole seconds as the reference does.
std::optional<std::int64_t> body_retry_after_ms(std::string_view body) {
  const auto object = json::parse_strict_object(body);
  if (!object) return std::nullopt;
  const auto* value = object->if_contains("retry_after_ms");
  if (value == nullptr) return std::nullopt;
  std::uint64_t ms = 0;
  if (value->is_int64() && value->get_int64() >= 0) {
    ms = static_cast<std::uint64_t>(value->get_int64());
  } else if (value->is_uint64()) {
    ms = value->get_uint64();
  } else {
    return std::nullopt;
  }
  if (ms >= static_cast<std::uint64_t>(kMaxRetryMs)) return kMaxRetryMs;
  return static_cast<std::int64_t>((ms + 999) / 1000 * 1000);
}

}  // namespace

std::string_view to_string(DelayedEventAction action) {
  return action == DelayedEventAction::restart ? "restart" : "send";
}

// Every byte outside RFC 3986's unreserved set becomes %XX (uppercase), so the
// id stays one segment. An id of only dots ("." or "..") would still be a dot
// segment that clients and proxies normalise away, so its dots are encoded too.
std::string delayed_event_path(std::string_view delay_id, DelayedEventAction action) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  const bool dot_segment = delay_id == "." || delay_id == "..";
  std::string out(kPathPrefix);
  for (const char c : delay_id) {
    if (is_unreserved(c) && !(dot_segment && c == '.')) {
      out.push_back(c);
    } else {
      const auto byte = static_cast<unsigned char>(c);
      out.push_back('%');
      out.push_back(kHex[byte >> 4]);
      out.push_back(kHex[byte & 0x0F]);
    }
  }
  out.push_back('/');
  out.append(to_string(action));
  return out;
}

CallResult classify_delayed_event_response(DelayedEventAction action, unsigned status, std::string_view retry_after,
                                           std::string_view body, std::int64_t now_unix_ms) {
  using Kind = CallResult::Kind;
  if (status >= 200 && status < 300) return {Kind::ok, std::nullopt};
  if (status == 404) return {action == DelayedEventAction::send ? Kind::ok : Kind::not_found, std::nullopt};
  if (status != 429) return {Kind::retry, std::nullopt};
  const std::string_view header = trim(retry_after);
  if (const auto delta = delta_seconds_ms(header)) return {Kind::retry, delta};
  if (const auto date = parse_http_date(header)) {
    return {Kind::retry, std::clamp<std::int64_t>(*date - now_unix_ms, 0, kMaxRetryMs)};
  }
  return {Kind::retry, body_retry_after_ms(body)};
}

// The three forms of RFC 9110 §5.6.7, exactly (case-sensitive names, single
// spaces, GMT). RFC 850's two-digit year is 19yy for yy ≥ 70, else 20yy. The
// day name must be a real one but is not checked against the date.
Result<std::int64_t> parse_http_date(std::string_view text) {
  if (text.size() == 29 && one_of(text.substr(0, 3), kDays) && text.substr(3, 2) == ", ") {
    // IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT
    if (!char_at(text, 7, ' ') || !char_at(text, 11, ' ') || !char_at(text, 16, ' ') || text.substr(25) != " GMT") {
      return malformed();
    }
    const int year = digits_at(text, 12, 4);
    if (year < 0) return malformed();
    return to_unix_ms(year, month_at(text, 8), digits_at(text, 5, 2), time_of_day_at(text, 17));
  }
  if (text.size() == 24 && one_of(text.substr(0, 3), kDays) && char_at(text, 3, ' ')) {
    // asctime: Sun Nov  6 08:49:37 1994
    if (!char_at(text, 7, ' ') || !char_at(text, 10, ' ') || !char_at(text, 19, ' ')) return malformed();
    const int day = char_at(text, 8, ' ') ? digits_at(text, 9, 1) : digits_at(text, 8, 2);
    const int year = digits_at(text, 20, 4);
    if (year < 0) return malformed();
    return to_unix_ms(year, month_at(text, 4), day, time_of_day_at(text, 11));
  }
  const auto comma = text.find(", ");
  if (comma != std::string_view::npos && one_of(text.substr(0, comma), kLongDays) && text.size() == comma + 24) {
    // RFC 850: Sunday, 06-Nov-94 08:49:37 GMT
    const std::size_t p = comma + 2;
    if (!char_at(text, p + 2, '-') || !char_at(text, p + 6, '-') || !char_at(text, p + 9, ' ') ||
        text.substr(p + 18) != " GMT") {
      return malformed();
    }
    const int yy = digits_at(text, p + 7, 2);
    if (yy < 0) return malformed();
    return to_unix_ms(yy >= 70 ? 1900 + yy : 2000 + yy, month_at(text, p + 3), digits_at(text, p, 2),
                      time_of_day_at(text, p + 10));
  }
  return malformed();
}

}  // namespace matrixrtc::core::delegation
