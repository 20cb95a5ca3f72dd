#include "core/rtc/event.hpp"

#include <algorithm>

#include "core/json/strict_parser.hpp"
#include "core/rtc/json_access.hpp"
#include "core/text.hpp"

namespace matrixrtc::core::rtc {
namespace {

namespace ja = json_access;

bool js_falsy(const boost::json::value& v) noexcept {
  if (v.is_null()) return true;
  if (v.is_bool()) return !v.get_bool();
  if (v.is_string()) return v.get_string().empty();
  if (v.is_int64()) return v.get_int64() == 0;
  if (v.is_uint64()) return v.get_uint64() == 0;
  if (v.is_double()) return v.get_double() == 0.0;
  return false;
}

std::optional<std::int64_t> sticky_duration(const boost::json::object& event) {
  for (const std::string_view key : {"msc4354_sticky", "sticky"}) {
    const auto* sticky = event.if_contains(key);
    if (sticky == nullptr) continue;
    const auto duration = ja::safe_integer_of(ja::property(sticky, "duration_ms"));
    if (!duration || *duration <= 0) return std::nullopt;
    return std::min(*duration, kMaxStickyDurationMs);
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::int64_t> RoomEvent::sticky_expires_at(std::int64_t now_ms) const noexcept {
  if (!sticky_duration_ms) return std::nullopt;
  const auto ttl = ja::safe_integer_of(unsigned_data.if_contains("msc4354_sticky_duration_ttl_ms"));
  if (ttl && *ttl > 0) return now_ms + std::min(*ttl, kMaxStickyDurationMs);
  return std::min(now_ms, origin_server_ts) + *sticky_duration_ms;
}

Result<RoomEvent> parse_room_event(const boost::json::value& value) {
  const auto* object = value.if_object();
  if (object == nullptr) return fail(ErrorCode::invalid_argument, "event must be an object");
  RoomEvent event;
  const auto type = ja::string_of(object->if_contains("type"));
  if (!type) return fail(ErrorCode::invalid_argument, "event type must be a string");
  event.type = *type;
  const auto sender = ja::string_of(object->if_contains("sender"));
  if (!sender) return fail(ErrorCode::invalid_argument, "event sender must be a string");
  event.sender = *sender;
  const auto event_id = ja::string_of(object->if_contains("event_id"));
  if (!event_id) return fail(ErrorCode::invalid_argument, "event_id must be a string");
  event.event_id = *event_id;
  const auto ts = ja::safe_integer_of(object->if_contains("origin_server_ts"));
  if (!ts) return fail(ErrorCode::invalid_argument, "origin_server_ts must be an integer");
  event.origin_server_ts = *ts;
  if (const auto* key = object->if_contains("state_key"); key != nullptr) {
    const auto state_key = ja::string_of(key);
    if (!state_key) return fail(ErrorCode::invalid_argument, "state_key must be a string");
    event.state_key = std::string(*state_key);
  }
  if (const auto* content = object->if_contains("content"); content != nullptr && !js_falsy(*content)) {
    event.content = *content;
  }
  if (const auto* unsigned_value = object->if_contains("unsigned"); unsigned_value != nullptr) {
    if (!unsigned_value->is_object()) return fail(ErrorCode::invalid_argument, "unsigned must be an object");
    event.unsigned_data = unsigned_value->get_object();
  }
  event.sticky_duration_ms = sticky_duration(*object);
  return event;
}

Result<RoomEvents> parse_room_events(std::string_view json_text) {
  auto parsed = json::parse_strict(json_text);
  if (!parsed) return std::unexpected(parsed.error());
  if (!parsed->is_array()) return fail(ErrorCode::invalid_argument, "expected a JSON array of room events");
  RoomEvents result;
  const auto& array = parsed->get_array();
  result.events.reserve(array.size());
  for (std::size_t i = 0; i < array.size(); ++i) {
    auto event = parse_room_event(array[i]);
    if (event) {
      result.events.push_back(std::move(*event));
    } else {
      result.rejected.push_back({i, cat("event ", i, ": ", event.error().message)});
    }
  }
  return result;
}

}  // namespace matrixrtc::core::rtc
