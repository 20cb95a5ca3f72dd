// Sessions: a room's valid memberships grouped by slot ("APPLICATION#ID";
// legacy call memberships map to `application#call_id`, with m.call and an
// empty call id meaning "m.call#ROOM"), oldest first, with the transport each
// member connects to. Pure: the room is a list of events, "now" an argument.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/rtc/event.hpp"
#include "core/rtc/membership.hpp"

namespace matrixrtc::core::rtc {

/// A membership in a session and the transport it connects to.
struct SessionMember {
  Membership membership;
  std::optional<boost::json::object> selected_transport;
};

struct Session {
  std::string application;
  std::string slot_id;
  /// Oldest first: by created_ts; ties keep matrix-js-sdk 43's collection
  /// order (sticky members first, then state members in the order their
  /// state keys first appeared).
  std::vector<SessionMember> members;
  /// The oldest member's selected transport (js-sdk getFocusInUse()).
  std::optional<boost::json::object> active_transport;
  /// The authorization service of active_transport.
  std::optional<std::string> auth_service_url;

  /// The users in the call, each once, in member order.
  [[nodiscard]] std::vector<std::string> participants() const;
  /// Whether this user's device has a membership in the session.
  [[nodiscard]] bool is_device_joined(std::string_view user_id, std::string_view device_id) const;
  /// The distinct selected transports (by service URL), in member order: the
  /// SFUs a client must connect to in multi-SFU mode.
  [[nodiscard]] std::vector<boost::json::object> transports_in_use() const;
};

/// Why a current membership event is not in any session.
struct Exclusion {
  std::string event_type;
  std::string event_id;
  std::optional<std::string> state_key;
  std::string sender;
  /// "invalid" (content breaks a rule), "not_state" / "not_sticky" (the wrong
  /// kind of event for its type), "sticky_expired", "expired" (legacy
  /// expiry), "not_joined" (sender's m.room.member is not join),
  /// "slot_closed", "hidden_by_sticky" (a sticky membership has this state key).
  std::string code;
  std::string reason;
};

struct RoomSessions {
  std::vector<Session> sessions;  ///< one per slot with members, by slot id
  std::vector<Exclusion> rejected;

  /// The session of `slot_id`; an empty one when nobody is in it.
  [[nodiscard]] Session session(std::string_view slot_id) const;
};

/// Computes every session of the room described by `events` (in the order
/// received) at time `now_ms`. Cost O(n log n) in the number of events.
[[nodiscard]] RoomSessions compute_sessions(std::span<const RoomEvent> events, std::int64_t now_ms);

/// Fills selected_transport, active_transport and auth_service_url from the
/// member order.
void apply_transport_selection(Session& session);

}  // namespace matrixrtc::core::rtc
