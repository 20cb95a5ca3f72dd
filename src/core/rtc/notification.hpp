// Ringing (MSC4075) and declining (MSC4310): parsing and building
// `org.matrix.msc4075.rtc.notification` (stable `m.rtc.notification` /
// `m.rtc.invite`), the older `org.matrix.msc4075.call.notify`, and
// `org.matrix.msc4310.rtc.decline`; the expiry rule and the receiver's
// decision whether to ring, with matrix-js-sdk 43's rules.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/rtc/event.hpp"
#include "core/rtc/slot.hpp"

namespace matrixrtc::core::rtc {

inline constexpr std::int64_t kNotificationMaxLifetimeMs = 120'000;     ///< cap on `lifetime`
inline constexpr std::int64_t kNotificationMaxSenderAheadMs = 20'000;   ///< allowed sender_ts skew
inline constexpr std::int64_t kDefaultNotificationLifetimeMs = 90'000;  ///< js-sdk 43 default
inline constexpr std::int64_t kLegacyNotifyLifetimeMs = 10'000;         ///< call.notify receivers ignored older events

enum class NotificationType { ring, notification };

struct Mentions {
  std::vector<std::string> user_ids;
  bool room = false;
};

struct CallNotification {
  std::string event_type;
  std::string event_id;
  std::string sender;
  std::int64_t origin_server_ts = 0;
  /// The slot rung for; nullopt for a js-sdk 40.2–42 notification that names
  /// it only through `related_event_id` (resolve it from that member event).
  std::optional<std::string> slot_id;
  NotificationType type = NotificationType::ring;
  Mentions mentions;
  std::int64_t sender_ts = 0;
  std::int64_t lifetime_ms = kDefaultNotificationLifetimeMs;  ///< capped at 120 s
  std::optional<std::string> related_event_id;                ///< the `m.reference` target (the sender's member event)
  std::optional<std::string> call_intent;
};

struct NotificationParse {
  std::optional<CallNotification> notification;
  bool withdrawn = false;           ///< only a sticky key is left: the ring was withdrawn
  std::vector<std::string> errors;  ///< why it is invalid, when it is
};

/// Reads a notification of any of the three shapes.
[[nodiscard]] NotificationParse parse_notification(const RoomEvent& event);

/// When the ring stops: basis = sender_ts, or origin_server_ts when sender_ts
/// is more than 20 s ahead of it; expiry = min(basis + lifetime, now + 120 s).
[[nodiscard]] std::int64_t notification_expiry(const CallNotification& notification, std::int64_t now_ms);

/// What the receiving client knows when deciding whether to ring.
struct RingContext {
  std::string own_user_id;
  std::int64_t now_ms = 0;
  SlotState slot_state = SlotState::absent;
  bool sender_may_notify_room = false;            ///< by power levels ("notifications.room")
  bool already_joined = false;                    ///< we have an unexpired membership in the slot
  std::optional<std::int64_t> own_last_leave_ts;  ///< our latest leave of the slot
  bool declined = false;                          ///< we sent a decline referencing it
};

struct RingDecision {
  bool ring = false;
  std::string reason;  ///< why not, or "ring"
};

/// Whether to ring for `notification` (MSC4075 receiver rules, as js-sdk 43).
[[nodiscard]] RingDecision should_ring(const CallNotification& notification, const RingContext& context);

/// js-sdk 43's notification content: slot_id, m.mentions, notification_type,
/// m.relates_to (our member event), sender_ts, lifetime, sticky key = slot id.
[[nodiscard]] boost::json::object build_notification(std::string_view slot_id, NotificationType type,
                                                     const Mentions& mentions, std::int64_t sender_ts,
                                                     std::string_view member_event_id,
                                                     std::int64_t lifetime_ms = kDefaultNotificationLifetimeMs,
                                                     const std::optional<std::string>& call_intent = std::nullopt);

/// The older `org.matrix.msc4075.call.notify` content.
[[nodiscard]] boost::json::object build_call_notify(std::string_view application, std::string_view call_id,
                                                    NotificationType type, const Mentions& mentions);

/// `org.matrix.msc4310.rtc.decline` content for the notification `event_id`.
[[nodiscard]] boost::json::object build_decline(std::string_view notification_event_id);

/// The notification a decline event refers to, if it is a well-formed decline.
[[nodiscard]] std::optional<std::string> parse_decline(const RoomEvent& event);

}  // namespace matrixrtc::core::rtc
