#include "core/delegation/delayed_event_response.hpp"

#include <algorithm>
#include <chrono>
#include <boost/json/object.hpp>

#include "core/matrix/well_known.hpp"
#include "core/json/strict_parser.hpp"
#include "core/text.hpp"

namespace matrixrtc::core::delegation {
namespace {

constexpr std::string_view kPathPrefix = "/_matrix/client/unstable/org.matrix.msc4140/delayed_events/";
// Retry delays beyond this (about 31 700 years) are clamped so sums cannot wrap.
constexpr std::int64_t kMaxRetryMs = 999'999'999'999'000;

bool is_unreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~';
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

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

// One HTTP-date reader for the whole core: the well-known cache rules use the same.
Result<std::int64_t> parse_http_date(std::string_view text) {
  const auto when = matrix::parse_http_date(text);
  if (!when) return fail(ErrorCode::invalid_argument, "not an HTTP date");
  return std::chrono::duration_cast<std::chrono::milliseconds>(when->time_since_epoch()).count();
}

}  // namespace matrixrtc::core::delegation
