#include "core/rtc/notification.hpp"

#include <algorithm>
#include <boost/json/array.hpp>

#include "core/rtc/json_access.hpp"
#include "core/text.hpp"

namespace matrixrtc::core::rtc {
namespace {

namespace ja = json_access;
using boost::json::array;
using boost::json::object;

void read_mentions(const object& content, Mentions& mentions, std::vector<std::string>& errors) {
  const auto* value = content.if_contains("m.mentions");
  if (value == nullptr || !value->is_object()) {
    errors.emplace_back("m.mentions must be an object");
    return;
  }
  if (const auto* room = ja::property(value, "room"); room != nullptr) {
    if (!room->is_bool())
      errors.emplace_back("m.mentions.room must be a boolean");
    else
      mentions.room = room->get_bool();
  }
  if (const auto* users = ja::property(value, "user_ids"); users != nullptr) {
    if (!users->is_array()) {
      errors.emplace_back("m.mentions.user_ids must be an array of strings");
    } else {
      for (const auto& user : users->get_array()) {
        if (!user.is_string()) {
          errors.emplace_back("m.mentions.user_ids must be an array of strings");
          mentions.user_ids.clear();
          break;
        }
        mentions.user_ids.emplace_back(user.get_string());
      }
    }
  }
  if (!mentions.room && mentions.user_ids.empty()) errors.emplace_back("m.mentions must mention the room or a user");
}

bool is_withdrawn(const object& content) {
  return std::ranges::all_of(
      content, [](const auto& entry) { return entry.key() == "msc4354_sticky_key" || entry.key() == "sticky_key"; });
}

}  // namespace

NotificationParse parse_notification(const RoomEvent& event) {
  NotificationParse result;
  const bool legacy = event.type == event_type::kCallNotify;
  if (!legacy && event.type != event_type::kNotification && event.type != event_type::kNotificationStable &&
      event.type != event_type::kInviteStable) {
    result.errors.emplace_back("not a call notification event type");
    return result;
  }
  const auto* content = event.content_object();
  if (content == nullptr) {
    result.errors.emplace_back("content must be an object");
    return result;
  }
  if (is_withdrawn(*content)) {
    result.withdrawn = true;
    return result;
  }
  CallNotification n;
  n.event_type = event.type;
  n.event_id = event.event_id;
  n.sender = event.sender;
  n.origin_server_ts = event.origin_server_ts;
  read_mentions(*content, n.mentions, result.errors);
  if (legacy) {
    const auto application = ja::string_of(content->if_contains("application"));
    const auto call_id = ja::string_of(content->if_contains("call_id"));
    if (!application) result.errors.emplace_back("application must be a string");
    if (!call_id) result.errors.emplace_back("call_id must be a string");
    if (application && call_id) n.slot_id = legacy_slot_id(*application, *call_id);
    const auto type = ja::string_of(content->if_contains("notify_type"));
    if (type == "ring")
      n.type = NotificationType::ring;
    else if (type == "notify" || type == "notification")
      n.type = NotificationType::notification;
    else
      result.errors.emplace_back("notify_type must be ring or notify");
    n.sender_ts = event.origin_server_ts;
    n.lifetime_ms = kLegacyNotifyLifetimeMs;
  } else {
    if (const auto* slot = content->if_contains("slot_id"); slot != nullptr) {
      const auto text = ja::string_of(slot);
      if (!text || !split_slot_id(*text))
        result.errors.emplace_back("slot_id must be a well-formed slot id");
      else
        n.slot_id = std::string(*text);
    }
    if (const auto* relation = content->if_contains("m.relates_to"); relation != nullptr) {
      const auto target = ja::string_of(ja::property(relation, "event_id"));
      if (!target || ja::string_of(ja::property(relation, "rel_type")) != "m.reference") {
        result.errors.emplace_back("m.relates_to must be an m.reference with an event_id");
      } else {
        n.related_event_id = std::string(*target);
      }
    }
    if (!n.slot_id && !n.related_event_id) result.errors.emplace_back("slot_id or an m.reference is required");
    for (const std::string_view key : {"msc4354_sticky_key", "sticky_key"}) {
      if (const auto* sticky = content->if_contains(key);
          sticky != nullptr && n.slot_id && ja::string_of(sticky) != std::string_view(*n.slot_id)) {
        result.errors.push_back(cat(key, " must equal slot_id"));
      }
    }
    const auto sender_ts = ja::safe_integer_of(content->if_contains("sender_ts"));
    const auto lifetime = ja::safe_integer_of(content->if_contains("lifetime"));
    if (!sender_ts || *sender_ts < 0) result.errors.emplace_back("sender_ts must be a non-negative integer");
    if (!lifetime || *lifetime < 0) result.errors.emplace_back("lifetime must be a non-negative integer");
    n.sender_ts = sender_ts.value_or(0);
    n.lifetime_ms = std::min(lifetime.value_or(0), kNotificationMaxLifetimeMs);
    if (const auto* type = content->if_contains("notification_type"); type != nullptr) {
      const auto text = ja::string_of(type);
      if (text == "ring")
        n.type = NotificationType::ring;
      else if (text == "notification")
        n.type = NotificationType::notification;
      else
        result.errors.emplace_back("notification_type must be ring or notification");
    }
    if (const auto intent = ja::string_of(content->if_contains("m.call.intent"))) n.call_intent = std::string(*intent);
  }
  if (result.errors.empty()) result.notification = std::move(n);
  return result;
}

std::int64_t notification_expiry(const CallNotification& n, std::int64_t now_ms) {
  const std::int64_t basis =
      n.sender_ts - n.origin_server_ts > kNotificationMaxSenderAheadMs ? n.origin_server_ts : n.sender_ts;
  return std::min(basis + n.lifetime_ms, now_ms + kNotificationMaxLifetimeMs);
}

RingDecision should_ring(const CallNotification& n, const RingContext& context) {
  if (n.sender == context.own_user_id) return {false, "sent by us"};
  if (context.slot_state == SlotState::closed) return {false, "the slot is closed"};
  if (context.now_ms >= notification_expiry(n, context.now_ms)) return {false, "expired"};
  const bool mentions_us = std::ranges::find(n.mentions.user_ids, context.own_user_id) != n.mentions.user_ids.end();
  if (!mentions_us && !(n.mentions.room && context.sender_may_notify_room)) {
    return {false, "does not mention us, and the sender may not notify the room"};
  }
  if (context.already_joined) return {false, "we are already in the call"};
  if (context.own_last_leave_ts && *context.own_last_leave_ts >= n.origin_server_ts) {
    return {false, "we left the call after it was sent"};
  }
  if (context.declined) return {false, "we declined it"};
  return {true, "ring"};
}

object build_notification(std::string_view slot_id, NotificationType type, const Mentions& mentions,
                          std::int64_t sender_ts, std::string_view member_event_id, std::int64_t lifetime_ms,
                          const std::optional<std::string>& call_intent) {
  array users;
  for (const auto& user : mentions.user_ids) users.emplace_back(user);
  object content{
      {"slot_id", slot_id},
      {"m.mentions", object{{"user_ids", std::move(users)}, {"room", mentions.room}}},
      {"notification_type", type == NotificationType::ring ? "ring" : "notification"},
      {"m.relates_to", object{{"event_id", member_event_id}, {"rel_type", "m.reference"}}},
      {"sender_ts", sender_ts},
      {"lifetime", std::min(lifetime_ms, kNotificationMaxLifetimeMs)},
      {"msc4354_sticky_key", slot_id},
  };
  if (call_intent) content["m.call.intent"] = *call_intent;
  return content;
}

object build_call_notify(std::string_view application, std::string_view call_id, NotificationType type,
                         const Mentions& mentions) {
  array users;
  for (const auto& user : mentions.user_ids) users.emplace_back(user);
  return object{{"application", application},
                {"call_id", call_id},
                {"m.mentions", object{{"user_ids", std::move(users)}, {"room", mentions.room}}},
                {"notify_type", type == NotificationType::ring ? "ring" : "notify"}};
}

object build_decline(std::string_view notification_event_id) {
  return object{{"m.relates_to", object{{"rel_type", "m.reference"}, {"event_id", notification_event_id}}},
                {"msc4354_sticky_key", notification_event_id}};
}

std::optional<std::string> parse_decline(const RoomEvent& event) {
  if (event.type != event_type::kDecline && event.type != event_type::kDeclineStable) return std::nullopt;
  const auto* relation = ja::property(&event.content, "m.relates_to");
  const auto target = ja::string_of(ja::property(relation, "event_id"));
  if (!target || ja::string_of(ja::property(relation, "rel_type")) != "m.reference") return std::nullopt;
  return std::string(*target);
}

}  // namespace matrixrtc::core::rtc
