// One device's (or one member's) participation in a MatrixRTC slot, parsed
// from any of the three generations on the wire:
//   Gen 1  `org.matrix.msc3401.call.member` state events (legacy session form),
//   Gen 2  sticky `org.matrix.msc4143.rtc.member` with member.{user_id,device_id,id},
//   Gen 3  sticky `m.rtc.member` shape with member.{id,membership} (MSC4143 now).
// Parsing never throws: an event is a join, a leave, or rejected with reasons.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/rtc/event.hpp"

namespace matrixrtc::core::rtc {

enum class MembershipFormat {
  legacy,   ///< Gen 1 state event, identity "user:device"
  rtc,      ///< Gen 2 sticky event, identity hash of [user, device, member]
  rtc_gen3  ///< Gen 3 sticky event, identity hash of [user, member]
};

/// "legacy", "rtc" or "rtc_gen3".
[[nodiscard]] std::string_view to_string(MembershipFormat format) noexcept;

/// Why a member left, when the leave says so: Gen 3 `leave_reason{code,reason}`,
/// the Gen 2 draft's `disconnect_reason{class,reason}`, or the legacy delayed
/// leave's string `leave_reason` (e.g. "lost_connection").
struct LeaveReason {
  std::string code;
  std::string text;  ///< free text, may be empty
  friend bool operator==(const LeaveReason&, const LeaveReason&) = default;
};

/// A valid joined membership.
struct Membership {
  MembershipFormat format = MembershipFormat::legacy;
  std::string event_type;
  std::string event_id;
  std::optional<std::string> state_key;  ///< legacy only
  std::string sender;
  std::string user_id;                   ///< the sender (Gen 2 checks member.user_id equals it)
  std::optional<std::string> device_id;  ///< Gen 3 may omit it
  std::string member_id;                 ///< legacy: membershipID (if a string) else "user:device"; sticky: member.id
  std::string application;
  std::string slot_id;
  std::int64_t created_ts = 0;  ///< legacy: content.created_ts, else origin_server_ts; sticky: origin_server_ts
  /// Legacy: created_ts + (expires or 4 h). Sticky: when the stickiness ends,
  /// which compute_sessions() fills in (it depends on "now").
  std::optional<std::int64_t> expires_ts;
  /// Legacy `foci_preferred`; sticky `transports.published` (or Gen 2's older
  /// `rtc_transports`): objects as sent, in their order.
  std::vector<boost::json::object> transports;
  bool has_transport_list = false;             ///< legacy: whether foci_preferred was present
  std::optional<std::string> focus_selection;  ///< legacy focus_active.focus_selection, if a string
  std::optional<std::string> sticky_key;       ///< sticky: msc4354_sticky_key ?? sticky_key
  std::optional<std::string> call_intent;      ///< m.call.intent / application.intent
  std::string livekit_identity;                ///< the member's participant identity on the SFU
  boost::json::object content;                 ///< as sent, for change detection
};

enum class ParseStatus { joined, left, rejected };

/// The outcome of reading one membership event.
struct MembershipParse {
  ParseStatus status = ParseStatus::left;
  std::optional<Membership> membership;     ///< set when joined
  std::vector<std::string> errors;          ///< set when rejected: every failed rule
  std::optional<LeaveReason> leave_reason;  ///< when left and the leave gave one
  std::optional<std::string> slot_id;       ///< when left and the leave names its slot
  std::optional<std::string> sticky_key;    ///< sticky events: the key, joined or not

  /// The errors joined by "; ".
  [[nodiscard]] std::string reason() const;
};

/// The rejection of a legacy membership sent as a sticky (non-state) event.
inline constexpr std::string_view kNotStateError = "a legacy membership must be a state event";
/// The rejection of a sticky membership type sent as a state event.
inline constexpr std::string_view kStateStickyError = "a sticky membership must not be a state event";

/// Default legacy expiry (matrix-js-sdk DEFAULT_EXPIRE_DURATION): 4 h.
inline constexpr std::int64_t kDefaultLegacyExpiresMs = 4 * 60 * 60 * 1000;

/// Whether the event type is a membership type this library reads.
[[nodiscard]] bool is_membership_event_type(std::string_view type) noexcept;

/// True for content that means "left" before any validation: `{}` or only
/// `slot_id` / sticky keys; non-object content counts as left too.
[[nodiscard]] bool is_left_content(const boost::json::value& content) noexcept;

/// Reads a membership event of any generation. Legacy events must be state
/// events and sticky ones must not be (else rejected). Content without an
/// `application` key, or with fewer than two keys besides the sticky key, is
/// a leave (matrix-js-sdk's pre-filter), except the Gen 3 leave shape, which
/// is read for its slot and reason.
[[nodiscard]] MembershipParse parse_membership(const RoomEvent& event);

}  // namespace matrixrtc::core::rtc
