// Room events in the Matrix client-server format, as a client receives them
// from /sync: the envelope MatrixRTC needs (type, state_key, sender, content,
// origin_server_ts, event_id, unsigned) plus the MSC4354 sticky lifetime.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace matrixrtc::core::rtc {

/// Event types MatrixRTC reads or sends, unstable names first (what clients
/// use on the wire today), stable names where an MSC defines them.
namespace event_type {
inline constexpr std::string_view kLegacyMember = "org.matrix.msc3401.call.member";  ///< Gen 1 state
inline constexpr std::string_view kLegacyMemberStable = "m.call.member";         ///< Gen 1 state, MSC3401 stable name
inline constexpr std::string_view kRtcMember = "org.matrix.msc4143.rtc.member";  ///< Gen 2/3 sticky
inline constexpr std::string_view kRtcMemberStable = "m.rtc.member";             ///< Gen 3 sticky
inline constexpr std::string_view kSlot = "org.matrix.msc4143.rtc.slot";
inline constexpr std::string_view kSlotStable = "m.rtc.slot";
inline constexpr std::string_view kRoomMember = "m.room.member";
inline constexpr std::string_view kNotification = "org.matrix.msc4075.rtc.notification";
inline constexpr std::string_view kNotificationStable = "m.rtc.notification";
inline constexpr std::string_view kInviteStable = "m.rtc.invite";
inline constexpr std::string_view kCallNotify = "org.matrix.msc4075.call.notify";
inline constexpr std::string_view kDecline = "org.matrix.msc4310.rtc.decline";
inline constexpr std::string_view kDeclineStable = "m.rtc.decline";
}  // namespace event_type

/// The longest stickiness MSC4354 allows (1 h); longer durations are capped.
inline constexpr std::int64_t kMaxStickyDurationMs = 3'600'000;

/// One room event. `content` is kept exactly as sent: the membership parsers
/// decide what a non-object content means.
struct RoomEvent {
  std::string type;
  std::optional<std::string> state_key;  ///< present exactly for state events
  std::string sender;
  /// As sent; a missing or JavaScript-falsy content (null, false, 0, "") is
  /// read as `{}`, as matrix-js-sdk's getContent() does.
  boost::json::value content = boost::json::object{};
  std::int64_t origin_server_ts = 0;
  std::string event_id;
  boost::json::object unsigned_data;  ///< the `unsigned` object, empty if absent
  /// `msc4354_sticky.duration_ms` (or stable `sticky.duration_ms`) when it is a
  /// positive integer, capped at kMaxStickyDurationMs.
  std::optional<std::int64_t> sticky_duration_ms;

  [[nodiscard]] bool is_state() const noexcept { return state_key.has_value(); }
  /// The content as an object, or nullptr when it is not one.
  [[nodiscard]] const boost::json::object* content_object() const noexcept { return content.if_object(); }
  /// When the event stops being sticky, given the time it is evaluated at:
  /// `now + unsigned.msc4354_sticky_duration_ttl_ms` when the server sent a
  /// positive TTL, else `min(now, origin_server_ts) + duration` (the clock
  /// bound matrix-js-sdk applies). nullopt for events that are not sticky.
  [[nodiscard]] std::optional<std::int64_t> sticky_expires_at(std::int64_t now_ms) const noexcept;
};

/// Reads one event envelope. Fails (with the reason) when a field the
/// envelope needs has the wrong type: `type`, `sender` and `event_id` must be
/// strings, `origin_server_ts` an integer, `state_key` a string if present.
[[nodiscard]] Result<RoomEvent> parse_room_event(const boost::json::value& value);

/// An envelope that could not be read, by its position in the input.
struct EnvelopeRejection {
  std::size_t index = 0;
  std::string reason;
};

struct RoomEvents {
  std::vector<RoomEvent> events;  ///< readable envelopes, in input order
  std::vector<EnvelopeRejection> rejected;
};

/// Parses a JSON array of room events strictly (duplicate keys, bad UTF-8 and
/// deep nesting refuse the whole text); unreadable envelopes are listed, not fatal.
[[nodiscard]] Result<RoomEvents> parse_room_events(std::string_view json_text);

}  // namespace matrixrtc::core::rtc
