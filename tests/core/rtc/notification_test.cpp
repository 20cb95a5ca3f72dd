#include "core/rtc/notification.hpp"

#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>

#include "test_events.hpp"

namespace matrixrtc::core::rtc {
namespace {

using namespace testing;

RoomEvent notification_event(const boost::json::object& content, std::string_view type = event_type::kNotification,
                             std::int64_t ts = kNow) {
  RoomEvent e;
  e.type = std::string(type);
  e.sender = "@caller:x";
  e.content = content;
  e.origin_server_ts = ts;
  e.event_id = "$n";
  return e;
}

TEST(Notification, BuildAndParseJsSdk43Shape) {
  const auto content =
      build_notification("m.call#ROOM", NotificationType::ring, {{}, true}, kNow, "$member", 90'000, "video");
  const auto parse = parse_notification(notification_event(content));
  ASSERT_TRUE(parse.notification) << parse.errors.size();
  const auto& n = *parse.notification;
  EXPECT_EQ(n.slot_id, "m.call#ROOM");
  EXPECT_EQ(n.type, NotificationType::ring);
  EXPECT_TRUE(n.mentions.room);
  EXPECT_EQ(n.related_event_id, "$member");
  EXPECT_EQ(n.lifetime_ms, 90'000);
  EXPECT_EQ(n.call_intent, "video");
}

TEST(Notification, Rules) {
  const auto errors = [](std::string_view json) {
    return parse_notification(notification_event(object_from(json))).errors;
  };
  using Errors = std::vector<std::string>;
  EXPECT_TRUE(parse_notification(notification_event(object_from(R"({"msc4354_sticky_key":"m.call#ROOM"})"))).withdrawn);
  EXPECT_EQ(errors(R"({"slot_id":"m.call#ROOM","sender_ts":1,"lifetime":1})"), Errors{"m.mentions must be an object"});
  EXPECT_EQ(errors(R"({"slot_id":"m.call#ROOM","sender_ts":1,"lifetime":1,"m.mentions":{"room":false}})"),
            Errors{"m.mentions must mention the room or a user"});
  EXPECT_EQ(errors(R"({"slot_id":"m.call#ROOM","sender_ts":1,"lifetime":1,"m.mentions":{"room":1,"user_ids":[2]}})"),
            (Errors{"m.mentions.room must be a boolean", "m.mentions.user_ids must be an array of strings",
                    "m.mentions must mention the room or a user"}));
  EXPECT_EQ(errors(R"({"sender_ts":1,"lifetime":1,"m.mentions":{"room":true}})"),
            Errors{"slot_id or an m.reference is required"});
  EXPECT_EQ(errors(R"({"slot_id":"a#b#c","sender_ts":1,"lifetime":1,"m.mentions":{"room":true}})"),
            (Errors{"slot_id must be a well-formed slot id", "slot_id or an m.reference is required"}));
  EXPECT_EQ(
      errors(
          R"({"slot_id":"m.call#ROOM","msc4354_sticky_key":"x","sender_ts":1,"lifetime":1,"m.mentions":{"room":true}})"),
      Errors{"msc4354_sticky_key must equal slot_id"});
  EXPECT_EQ(errors(R"({"slot_id":"m.call#ROOM","sender_ts":-1,"lifetime":1.5,"m.mentions":{"room":true}})"),
            (Errors{"sender_ts must be a non-negative integer", "lifetime must be a non-negative integer"}));
  EXPECT_EQ(
      errors(
          R"({"slot_id":"m.call#ROOM","sender_ts":1,"lifetime":1,"m.mentions":{"room":true},"notification_type":"x"})"),
      Errors{"notification_type must be ring or notification"});
  EXPECT_EQ(
      errors(
          R"({"m.relates_to":{"event_id":"$m","rel_type":"m.thread"},"sender_ts":1,"lifetime":1,"m.mentions":{"room":true}})"),
      (Errors{"m.relates_to must be an m.reference with an event_id", "slot_id or an m.reference is required"}));
  const auto capped = parse_notification(notification_event(
      object_from(R"({"slot_id":"m.call#ROOM","sender_ts":1,"lifetime":999999,"m.mentions":{"user_ids":["@me:x"]}})")));
  EXPECT_EQ(capped.notification->lifetime_ms, kNotificationMaxLifetimeMs);
  EXPECT_EQ(parse_notification(notification_event({}, "m.room.message")).errors,
            Errors{"not a call notification event type"});
}

TEST(Notification, LegacyCallNotify) {
  const auto content = build_call_notify("m.call", "", NotificationType::notification, {{"@me:x"}, false});
  const auto parse = parse_notification(notification_event(content, event_type::kCallNotify));
  ASSERT_TRUE(parse.notification);
  EXPECT_EQ(parse.notification->slot_id, "m.call#ROOM");
  EXPECT_EQ(parse.notification->type, NotificationType::notification);
  EXPECT_EQ(parse.notification->lifetime_ms, kLegacyNotifyLifetimeMs);
  EXPECT_EQ(
      parse_notification(notification_event(object_from(R"({"m.mentions":{"room":true}})"), event_type::kCallNotify))
          .errors,
      (std::vector<std::string>{"application must be a string", "call_id must be a string",
                                "notify_type must be ring or notify"}));
}

TEST(Notification, ExpiryRule) {
  CallNotification n;
  n.origin_server_ts = kNow;
  n.sender_ts = kNow - 5000;
  n.lifetime_ms = 90'000;
  EXPECT_EQ(notification_expiry(n, kNow), kNow + 85'000);
  n.sender_ts = kNow + 20'000;  // at the skew limit: still trusted
  EXPECT_EQ(notification_expiry(n, kNow), kNow + 110'000);
  n.sender_ts = kNow + 20'001;  // too far ahead: origin_server_ts is the basis
  EXPECT_EQ(notification_expiry(n, kNow), kNow + 90'000);
  EXPECT_EQ(notification_expiry(n, kNow - 100'000), kNow - 100'000 + kNotificationMaxLifetimeMs);
}

TEST(Notification, RingDecisions) {
  CallNotification n;
  n.sender = "@caller:x";
  n.origin_server_ts = kNow;
  n.sender_ts = kNow;
  n.lifetime_ms = 90'000;
  n.mentions.user_ids = {"@me:x"};
  RingContext context;
  context.own_user_id = "@me:x";
  context.now_ms = kNow + 1000;
  EXPECT_TRUE(should_ring(n, context).ring);
  auto c = context;
  c.own_user_id = "@caller:x";
  EXPECT_EQ(should_ring(n, c).reason, "sent by us");
  c = context;
  c.slot_state = SlotState::closed;
  EXPECT_EQ(should_ring(n, c).reason, "the slot is closed");
  c = context;
  c.now_ms = kNow + 90'000;
  EXPECT_EQ(should_ring(n, c).reason, "expired");
  c = context;
  c.already_joined = true;
  EXPECT_EQ(should_ring(n, c).reason, "we are already in the call");
  c = context;
  c.own_last_leave_ts = kNow;
  EXPECT_EQ(should_ring(n, c).reason, "we left the call after it was sent");
  c = context;
  c.declined = true;
  EXPECT_EQ(should_ring(n, c).reason, "we declined it");
  auto room = n;
  room.mentions = {{}, true};
  EXPECT_EQ(should_ring(room, context).reason, "does not mention us, and the sender may not notify the room");
  c = context;
  c.sender_may_notify_room = true;
  EXPECT_TRUE(should_ring(room, c).ring);
}

TEST(Notification, Decline) {
  RoomEvent e = notification_event(build_decline("$notif"), event_type::kDecline);
  EXPECT_EQ(parse_decline(e), "$notif");
  EXPECT_EQ(e.content.at("msc4354_sticky_key"), "$notif");
  e.type = event_type::kNotification;
  EXPECT_FALSE(parse_decline(e));
  e.type = event_type::kDecline;
  e.content = object_from(R"({"m.relates_to":{"event_id":"$n"}})");
  EXPECT_FALSE(parse_decline(e));
}

}  // namespace
}  // namespace matrixrtc::core::rtc
