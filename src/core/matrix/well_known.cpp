#include "core/matrix/well_known.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>

#include "core/json/strict_parser.hpp"
#include "core/matrix/identifiers.hpp"
#include "core/text.hpp"

namespace matrixrtc::core::matrix {
namespace {

using std::chrono::seconds;

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::ranges::equal(a, b, [](char x, char y) { return lower(x) == lower(y); });
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// Parses a non-negative decimal; values beyond the cap saturate (RFC 9111
// 1.2.2 says to treat huge delta-seconds as 2^31, and we cap far below that).
std::optional<std::int64_t> parse_delta_seconds(std::string_view text) {
  if (text.size() >= 2 && text.front() == '"' && text.back() == '"') text = text.substr(1, text.size() - 2);
  if (text.empty() || !std::ranges::all_of(text, [](char c) { return c >= '0' && c <= '9'; })) return std::nullopt;
  if (text.size() > 12) return std::int64_t{999'999'999'999};
  std::int64_t value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

struct CacheDirectives {
  bool no_store = false;
  bool no_cache = false;
  bool max_age_present = false;
  std::optional<std::int64_t> max_age;  // nullopt with max_age_present: unparsable
};

CacheDirectives parse_cache_control(std::string_view value) {
  CacheDirectives out;
  while (!value.empty()) {
    const auto comma = value.find(',');
    const std::string_view item = trim(value.substr(0, comma));
    value = comma == std::string_view::npos ? std::string_view{} : value.substr(comma + 1);
    const auto equals = item.find('=');
    const std::string_view name = trim(item.substr(0, equals));
    const std::string_view argument =
        equals == std::string_view::npos ? std::string_view{} : trim(item.substr(equals + 1));
    if (iequals(name, "no-store")) {
      out.no_store = true;
    } else if (iequals(name, "no-cache")) {
      out.no_cache = true;
    } else if (iequals(name, "max-age") && !out.max_age_present) {
      out.max_age_present = true;
      out.max_age = parse_delta_seconds(argument);
    }
  }
  return out;
}

std::optional<int> parse_number(std::string_view text, std::size_t digits) {
  if (text.size() != digits || !std::ranges::all_of(text, [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  int value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

std::optional<unsigned> parse_month(std::string_view text) {
  static constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                               "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  for (unsigned i = 0; i < kMonths.size(); ++i) {
    if (text == kMonths[i]) return i + 1;
  }
  return std::nullopt;
}

bool is_day_name(std::string_view text, bool long_form) {
  static constexpr std::array<std::string_view, 7> kShort = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
  static constexpr std::array<std::string_view, 7> kLong = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                                            "Friday", "Saturday", "Sunday"};
  const auto& names = long_form ? kLong : kShort;
  return std::ranges::find(names, text) != names.end();
}

// "HH:MM:SS"
std::optional<seconds> parse_time_of_day(std::string_view text) {
  if (text.size() != 8 || text[2] != ':' || text[5] != ':') return std::nullopt;
  const auto h = parse_number(text.substr(0, 2), 2);
  const auto m = parse_number(text.substr(3, 2), 2);
  const auto s = parse_number(text.substr(6, 2), 2);
  if (!h || !m || !s || *h > 23 || *m > 59 || *s > 60) return std::nullopt;
  return seconds(*h * 3600 + *m * 60 + *s);
}

std::optional<std::chrono::system_clock::time_point> make_time(int year, unsigned month, int day, seconds time) {
  const std::chrono::year_month_day date{std::chrono::year(year), std::chrono::month(month),
                                         std::chrono::day(static_cast<unsigned>(day))};
  if (!date.ok()) return std::nullopt;
  // system_clock counts nanoseconds on libstdc++, so it only holds 1677-2262,
  // while the forms allow years 0000-9999: converting beyond overflowed (found
  // by fuzzing). Such dates are clamped to the clock's ends instead, which
  // keeps their meaning (long past, or far future) for lifetime decisions.
  using Clock = std::chrono::system_clock;
  constexpr std::int64_t kLatest = std::chrono::duration_cast<seconds>(Clock::duration::max()).count();
  constexpr std::int64_t kEarliest = std::chrono::duration_cast<seconds>(Clock::duration::min()).count();
  const std::int64_t when = (std::chrono::sys_days(date) + time).time_since_epoch().count();
  if (when > kLatest) return Clock::time_point::max();
  if (when < kEarliest) return Clock::time_point::min();
  return Clock::time_point(std::chrono::duration_cast<Clock::duration>(seconds(when)));
}

}  // namespace

Result<std::string> parse_well_known_server(std::string_view body) {
  auto document = json::parse_strict_object(body);
  if (!document)
    return fail(ErrorCode::invalid_json, cat("well-known document is not a JSON object: ", document.error().message));
  const auto* server = document->if_contains("m.server");
  if (server == nullptr) return fail(ErrorCode::invalid_argument, "well-known document has no m.server");
  if (!server->is_string()) return fail(ErrorCode::invalid_argument, "well-known m.server is not a string");
  const std::string_view name = server->get_string();
  if (auto parsed = parse_server_name(name); !parsed) {
    return fail(ErrorCode::invalid_argument,
                cat("well-known m.server is not a valid server name: ", parsed.error().message));
  }
  return std::string(name);
}

Result<std::string> parse_well_known_client(std::string_view body) {
  auto document = json::parse_strict_object(body);
  if (!document)
    return fail(ErrorCode::invalid_json, cat("well-known document is not a JSON object: ", document.error().message));
  const auto* homeserver = document->if_contains("m.homeserver");
  if (homeserver == nullptr || !homeserver->is_object())
    return fail(ErrorCode::invalid_argument, "well-known document has no m.homeserver object");
  const auto* base_url = homeserver->get_object().if_contains("base_url");
  if (base_url == nullptr || !base_url->is_string() || base_url->get_string().empty())
    return fail(ErrorCode::invalid_argument, "well-known m.homeserver.base_url is missing or not a string");
  std::string url(base_url->get_string());
  while (url.ends_with('/')) url.pop_back();  // base URLs are joined with paths that start with '/'
  if (url.empty()) return fail(ErrorCode::invalid_argument, "well-known m.homeserver.base_url is empty");
  return url;
}

std::chrono::seconds well_known_lifetime(std::optional<std::string_view> cache_control,
                                         std::optional<std::string_view> expires,
                                         std::chrono::system_clock::time_point now) {
  seconds lifetime = kWellKnownDefaultLifetime;
  const CacheDirectives directives = cache_control ? parse_cache_control(*cache_control) : CacheDirectives{};
  if (directives.no_store || directives.no_cache) return seconds(0);
  if (directives.max_age_present) {
    lifetime = directives.max_age ? seconds(std::min<std::int64_t>(*directives.max_age, kWellKnownMaxLifetime.count()))
                                  : seconds(0);
  } else if (expires) {
    const auto when = parse_http_date(trim(*expires));
    if (!when || *when <= now) return seconds(0);
    lifetime = std::chrono::duration_cast<seconds>(*when - now);
  }
  return std::clamp(lifetime, seconds(0), kWellKnownMaxLifetime);
}

std::optional<std::chrono::system_clock::time_point> parse_http_date(std::string_view text) {
  // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT"
  if (text.size() == 29 && text[3] == ',' && text[4] == ' ' && text[7] == ' ' && text[11] == ' ' && text[16] == ' ' &&
      text[25] == ' ' && text.substr(26) == "GMT" && is_day_name(text.substr(0, 3), false)) {
    const auto day = parse_number(text.substr(5, 2), 2);
    const auto month = parse_month(text.substr(8, 3));
    const auto year = parse_number(text.substr(12, 4), 4);
    const auto time = parse_time_of_day(text.substr(17, 8));
    if (day && month && year && time) return make_time(*year, *month, *day, *time);
    return std::nullopt;
  }
  // asctime: "Sun Nov  6 08:49:37 1994"
  if (text.size() == 24 && text[3] == ' ' && text[7] == ' ' && text[10] == ' ' && text[19] == ' ' &&
      is_day_name(text.substr(0, 3), false)) {
    const auto month = parse_month(text.substr(4, 3));
    const std::string_view day_text = text[8] == ' ' ? text.substr(9, 1) : text.substr(8, 2);
    const auto day = parse_number(day_text, day_text.size());
    const auto time = parse_time_of_day(text.substr(11, 8));
    const auto year = parse_number(text.substr(20, 4), 4);
    if (day && month && year && time) return make_time(*year, *month, *day, *time);
    return std::nullopt;
  }
  // RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT"; two-digit years are taken as
  // the nearest past-or-present century the way RFC 9110 allows (>= 70: 19xx).
  const auto comma = text.find(',');
  if (comma != std::string_view::npos && is_day_name(text.substr(0, comma), true)) {
    const std::string_view rest = text.substr(comma + 1);
    if (rest.size() != 23 || rest[0] != ' ' || rest[3] != '-' || rest[7] != '-' || rest[10] != ' ' || rest[19] != ' ' ||
        rest.substr(20) != "GMT") {
      return std::nullopt;
    }
    const auto day = parse_number(rest.substr(1, 2), 2);
    const auto month = parse_month(rest.substr(4, 3));
    const auto year = parse_number(rest.substr(8, 2), 2);
    const auto time = parse_time_of_day(rest.substr(11, 8));
    if (day && month && year && time) return make_time(*year >= 70 ? 1900 + *year : 2000 + *year, *month, *day, *time);
  }
  return std::nullopt;
}

}  // namespace matrixrtc::core::matrix
