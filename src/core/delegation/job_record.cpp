#include "core/delegation/job_record.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <limits>

#include "core/delegation/civil_time.hpp"
#include "core/json/strict_parser.hpp"
#include "core/text.hpp"

namespace matrixrtc::core::delegation {
namespace {

constexpr std::int64_t kNanosPerMilli = 1'000'000;
constexpr std::int64_t kMillisPerDay = 86'400'000;

// Length of the valid UTF-8 sequence at `i` (Go's utf8.DecodeRuneInString
// rules: no overlongs, surrogates or code points past U+10FFFF), or 0.
std::size_t utf8_length(std::string_view s, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const auto cont = [&](std::size_t k, unsigned lo = 0x80, unsigned hi = 0xBF) {
    return k < s.size() && byte(k) >= lo && byte(k) <= hi;
  };
  const unsigned b = byte(i);
  if (b >= 0xC2 && b <= 0xDF) return cont(i + 1) ? 2 : 0;
  if (b >= 0xE0 && b <= 0xEF) {
    const unsigned lo = b == 0xE0 ? 0xA0 : 0x80;
    const unsigned hi = b == 0xED ? 0x9F : 0xBF;
    return cont(i + 1, lo, hi) && cont(i + 2) ? 3 : 0;
  }
  if (b >= 0xF0 && b <= 0xF4) {
    const unsigned lo = b == 0xF0 ? 0x90 : 0x80;
    const unsigned hi = b == 0xF4 ? 0x8F : 0xBF;
    return cont(i + 1, lo, hi) && cont(i + 2) && cont(i + 3) ? 4 : 0;
  }
  return 0;
}

// A JSON string exactly as Go's encoding/json (1.22 and later) writes it with
// its default HTML escaping; invalid UTF-8 becomes \ufffd as in Go.
void append_go_string(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  for (std::size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    if (b < 0x80) {
      switch (b) {
        case '"': out.append("\\\""); break;
        case '\\': out.append("\\\\"); break;
        case '\b': out.append("\\b"); break;
        case '\f': out.append("\\f"); break;
        case '\n': out.append("\\n"); break;
        case '\r': out.append("\\r"); break;
        case '\t': out.append("\\t"); break;
        default:
          if (b < 0x20 || b == '<' || b == '>' || b == '&') {
            out.append("\\u00");
            out.push_back(kHex[b >> 4]);
            out.push_back(kHex[b & 0x0F]);
          } else {
            out.push_back(static_cast<char>(b));
          }
      }
      ++i;
      continue;
    }
    const std::size_t length = utf8_length(s, i);
    if (length == 0) {
      out.append("\\ufffd");
      ++i;
      continue;
    }
    const std::string_view sequence = s.substr(i, length);
    if (sequence == "\xE2\x80\xA8") {
      out.append("\\u2028");
    } else if (sequence == "\xE2\x80\xA9") {
      out.append("\\u2029");
    } else {
      out.append(sequence);
    }
    i += length;
  }
  out.push_back('"');
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0); }

void append_padded(std::string& out, std::int64_t value, int width) {
  std::string digits = std::to_string(value);
  if (digits.size() < static_cast<std::size_t>(width)) out.append(static_cast<std::size_t>(width) - digits.size(), '0');
  out.append(digits);
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

int digits_at(std::string_view text, std::size_t pos, std::size_t count) {
  if (pos > text.size() || text.size() - pos < count) return -1;
  int value = 0;
  for (std::size_t i = pos; i < pos + count; ++i) {
    if (!is_digit(text[i])) return -1;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

bool char_at(std::string_view text, std::size_t pos, char c) { return pos < text.size() && text[pos] == c; }

Error record_error(std::string_view why) { return Error(ErrorCode::invalid_argument, cat("job record: ", why)); }

Result<std::string> required_string(const boost::json::object& object, std::string_view key) {
  const auto* value = object.if_contains(key);
  if (value == nullptr) return std::unexpected(record_error(cat("Params.", key, " is missing")));
  if (!value->is_string()) return std::unexpected(record_error(cat("Params.", key, " is not a string")));
  if (value->get_string().empty()) return std::unexpected(record_error(cat("Params.", key, " is empty")));
  return std::string(value->get_string());
}

}  // namespace

std::string job_field(std::string_view room, std::string_view identity) {
  std::string out = "[";
  append_go_string(out, room);
  out.push_back(',');
  append_go_string(out, identity);
  out.push_back(']');
  return out;
}

// Go's struct order; our alternative identities after LiveKitIdentity, and
// only when there are some. DelayTimeout is a time.Duration: nanoseconds.
std::string serialize_job_record(const JobRecord& record) {
  const JobParams& p = record.params;
  std::int64_t nanos = 0;
  if (__builtin_mul_overflow(p.delay_timeout_ms, kNanosPerMilli, &nanos)) nanos = std::numeric_limits<std::int64_t>::max();
  std::string out = R"({"Params":{"DelayId":)";
  append_go_string(out, p.delay_id);
  out.append(cat(R"(,"DelayTimeout":)", nanos, R"(,"ServerName":)"));
  append_go_string(out, p.server_name);
  out.append(R"(,"LiveKitRoom":)");
  append_go_string(out, p.livekit_room);
  out.append(R"(,"LiveKitIdentity":)");
  append_go_string(out, p.livekit_identity);
  if (!p.alternative_identities.empty()) {
    out.append(R"(,"MatrixrtcAlternativeIdentities":[)");
    for (std::size_t i = 0; i < p.alternative_identities.size(); ++i) {
      if (i > 0) out.push_back(',');
      append_go_string(out, p.alternative_identities[i]);
    }
    out.push_back(']');
  }
  out.append(R"(},"RestartedAt":")");
  out.append(format_rfc3339(record.restarted_at_ms));
  out.append("\"}");
  return out;
}

// Key order and unknown fields do not matter (Go's decoder and serde agree).
// Keys are matched case-sensitively: Go's writer and the Rust port both use
// the exact names, so case-folding (which Go's reader does) is never needed.
Result<JobRecord> parse_job_record(std::string_view value) {
  auto root = json::parse_strict_object(value);
  if (!root) return std::unexpected(std::move(root.error()));
  const auto* params_value = root->if_contains("Params");
  if (params_value == nullptr || !params_value->is_object()) return std::unexpected(record_error("Params is not an object"));
  const auto& params = params_value->get_object();

  JobRecord record;
  auto delay_id = required_string(params, "DelayId");
  if (!delay_id) return std::unexpected(std::move(delay_id.error()));
  auto server_name = required_string(params, "ServerName");
  if (!server_name) return std::unexpected(std::move(server_name.error()));
  auto room = required_string(params, "LiveKitRoom");
  if (!room) return std::unexpected(std::move(room.error()));
  auto identity = required_string(params, "LiveKitIdentity");
  if (!identity) return std::unexpected(std::move(identity.error()));
  record.params.delay_id = std::move(*delay_id);
  record.params.server_name = std::move(*server_name);
  record.params.livekit_room = std::move(*room);
  record.params.livekit_identity = std::move(*identity);

  // A time.Duration is an int64 of nanoseconds; round up to whole
  // milliseconds so that a restored job never expires before the original.
  const auto* timeout = params.if_contains("DelayTimeout");
  if (timeout == nullptr || !timeout->is_int64() || timeout->get_int64() <= 0) {
    return std::unexpected(record_error("Params.DelayTimeout is not a positive integer of nanoseconds"));
  }
  const std::int64_t nanos = timeout->get_int64();
  record.params.delay_timeout_ms = nanos / kNanosPerMilli + (nanos % kNanosPerMilli != 0 ? 1 : 0);

  if (const auto* alternatives = params.if_contains("MatrixrtcAlternativeIdentities");
      alternatives != nullptr && !alternatives->is_null()) {
    if (!alternatives->is_array()) return std::unexpected(record_error("alternative identities are not an array"));
    for (const auto& item : alternatives->get_array()) {
      if (!item.is_string() || item.get_string().empty()) {
        return std::unexpected(record_error("an alternative identity is not a non-empty string"));
      }
      record.params.alternative_identities.emplace_back(item.get_string());
    }
  }

  const auto* restarted = root->if_contains("RestartedAt");
  if (restarted == nullptr || !restarted->is_string()) return std::unexpected(record_error("RestartedAt is not a string"));
  auto restarted_at = parse_rfc3339(std::string_view(restarted->get_string()));
  if (!restarted_at) return std::unexpected(std::move(restarted_at.error()));
  record.restarted_at_ms = *restarted_at;
  return record;
}

bool is_expired(const JobRecord& record, std::int64_t now_unix_ms) {
  std::int64_t deadline = 0;
  if (__builtin_add_overflow(record.restarted_at_ms, record.params.delay_timeout_ms, &deadline)) {
    return record.params.delay_timeout_ms < 0;
  }
  return deadline <= now_unix_ms;
}

// Go's RFC3339Nano in UTC: "2006-01-02T15:04:05.999999999Z" with trailing
// zeros of the fraction trimmed, and no dot when the fraction is zero. Years
// outside 0000-9999 (which RFC 3339 cannot express) come out unpadded.
std::string format_rfc3339(std::int64_t unix_ms) {
  const std::int64_t days = floor_div(unix_ms, kMillisPerDay);
  const std::int64_t ms_of_day = unix_ms - days * kMillisPerDay;
  const civil::Date date = civil::civil_from_days(days);
  std::string out;
  append_padded(out, date.year, 4);
  out.push_back('-');
  append_padded(out, date.month, 2);
  out.push_back('-');
  append_padded(out, date.day, 2);
  out.push_back('T');
  append_padded(out, ms_of_day / 3'600'000, 2);
  out.push_back(':');
  append_padded(out, ms_of_day / 60'000 % 60, 2);
  out.push_back(':');
  append_padded(out, ms_of_day / 1000 % 60, 2);
  if (std::int64_t fraction = ms_of_day % 1000; fraction != 0) {
    int width = 3;
    while (fraction % 10 == 0) {
      fraction /= 10;
      --width;
    }
    out.push_back('.');
    append_padded(out, fraction, width);
  }
  out.push_back('Z');
  return out;
}

// date-fullyear "-" date-month "-" date-mday ("T" / "t") time-hour ":"
// time-minute ":" time-second [ "." 1*DIGIT ] ("Z" / "z" / ("+" / "-")
// time-hour ":" time-minute). Fractions beyond milliseconds are truncated
// (towards the past, so a restored job restarts early rather than late).
// Second 60 is refused, as Go's time.Parse does.
Result<std::int64_t> parse_rfc3339(std::string_view text) {
  const auto bad = [&] { return fail(ErrorCode::invalid_argument, "not an RFC 3339 date-time"); };
  const int year = digits_at(text, 0, 4);
  const int month = digits_at(text, 5, 2);
  const int day = digits_at(text, 8, 2);
  const int hour = digits_at(text, 11, 2);
  const int minute = digits_at(text, 14, 2);
  const int second = digits_at(text, 17, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59 ||
      second < 0 || second > 59 || !char_at(text, 4, '-') || !char_at(text, 7, '-') ||
      !(char_at(text, 10, 'T') || char_at(text, 10, 't')) || !char_at(text, 13, ':') || !char_at(text, 16, ':')) {
    return bad();
  }
  if (static_cast<unsigned>(day) > civil::days_in_month(year, static_cast<unsigned>(month))) return bad();
  std::size_t pos = 19;
  std::int64_t millis = 0;
  if (char_at(text, pos, '.')) {
    ++pos;
    const std::size_t start = pos;
    while (pos < text.size() && is_digit(text[pos])) {
      if (pos - start < 3) millis = millis * 10 + (text[pos] - '0');
      ++pos;
    }
    if (pos == start) return bad();
    for (std::size_t n = pos - start; n < 3; ++n) millis *= 10;
  }
  std::int64_t offset_minutes = 0;
  if (char_at(text, pos, 'Z') || char_at(text, pos, 'z')) {
    ++pos;
  } else if (char_at(text, pos, '+') || char_at(text, pos, '-')) {
    const int offset_hour = digits_at(text, pos + 1, 2);
    const int offset_minute = digits_at(text, pos + 4, 2);
    if (offset_hour < 0 || offset_hour > 23 || offset_minute < 0 || offset_minute > 59 || !char_at(text, pos + 3, ':')) {
      return bad();
    }
    offset_minutes = (offset_hour * 60 + offset_minute) * (text[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return bad();
  }
  if (pos != text.size()) return bad();
  const std::int64_t days = civil::days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  const std::int64_t local_seconds = days * 86'400 + hour * 3600 + minute * 60 + second;
  return (local_seconds - offset_minutes * 60) * 1000 + millis;
}

}  // namespace matrixrtc::core::delegation
