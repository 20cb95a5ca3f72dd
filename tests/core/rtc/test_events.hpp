// Helpers for the rtc tests: events and content from JSON text.
#pragma once

#include <boost/json/parse.hpp>
#include <string>
#include <string_view>

#include "core/rtc/event.hpp"

namespace matrixrtc::core::rtc::testing {

inline constexpr std::int64_t kNow = 1'800'000'000'000;
inline constexpr std::int64_t kHour = 3'600'000;

inline boost::json::object object_from(std::string_view json) { return boost::json::parse(json).as_object(); }

inline RoomEvent event_from(std::string_view json) { return parse_room_event(boost::json::parse(json)).value(); }

/// A legacy membership state event from `sender` with `content` (JSON text).
inline RoomEvent legacy_event(std::string_view sender, std::string_view state_key, std::string_view content,
                              std::int64_t ts = kNow - kHour, std::string_view id = "$l") {
  RoomEvent e;
  e.type = event_type::kLegacyMember;
  e.state_key = std::string(state_key);
  e.sender = std::string(sender);
  e.content = boost::json::parse(content);
  e.origin_server_ts = ts;
  e.event_id = std::string(id);
  return e;
}

/// A sticky membership event (duration 1 h).
inline RoomEvent sticky_event(std::string_view sender, std::string_view content, std::int64_t ts = kNow - 60'000,
                              std::string_view id = "$s", std::string_view type = event_type::kRtcMember) {
  RoomEvent e;
  e.type = std::string(type);
  e.sender = std::string(sender);
  e.content = boost::json::parse(content);
  e.origin_server_ts = ts;
  e.event_id = std::string(id);
  e.sticky_duration_ms = kHour;
  return e;
}

inline RoomEvent joined(std::string_view user) {
  RoomEvent e;
  e.type = "m.room.member";
  e.state_key = std::string(user);
  e.sender = std::string(user);
  e.content = boost::json::parse(R"({"membership":"join"})");
  e.event_id = "$m" + std::string(user);
  return e;
}

/// js-sdk 43's legacy content for device DEV1 with multi_sfu and one transport.
inline constexpr std::string_view kLegacyContent =
    R"({"application":"m.call","call_id":"","scope":"m.room","device_id":"DEV1","expires":14400000,)"
    R"("m.call.intent":"video","focus_active":{"type":"livekit","focus_selection":"multi_sfu"},)"
    R"("foci_preferred":[{"type":"livekit","livekit_service_url":"https://lk","livekit_alias":"!r:x"}]})";

/// js-sdk 43's Gen 2 content for @a:x, device SDEV, member m1.
inline constexpr std::string_view kRtcContent =
    R"({"slot_id":"m.call#ROOM","application":{"type":"m.call","m.call.intent":"video"},)"
    R"("transports":{"published":[{"type":"livekit","livekit_service_url":"https://lk"}],"can_subscribe":["livekit"]},)"
    R"("member":{"device_id":"SDEV","user_id":"@a:x","id":"m1"},"versions":[],"msc4354_sticky_key":"m1"})";

/// Gen 3 content for member g3.
inline constexpr std::string_view kGen3Content =
    R"({"slot_id":"m.call#ROOM","member":{"id":"g3","membership":"join"},"application":{"type":"m.call","intent":"audio"},)"
    R"("transports":{"published":[{"type":"m.livekit","url":"wss://sfu"}],"can_subscribe":["m.livekit"]},"sticky_key":"g3"})";

}  // namespace matrixrtc::core::rtc::testing
