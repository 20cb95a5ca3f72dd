#include "core/rtc/event.hpp"

#include <gtest/gtest.h>

#include "test_events.hpp"

namespace matrixrtc::core::rtc {
namespace {

using testing::event_from;

TEST(RoomEvent, ReadsTheEnvelope) {
  const auto e = event_from(
      R"({"type":"t","state_key":"k","sender":"@a:x","content":{"x":1},"origin_server_ts":5,"event_id":"$e",)"
      R"("unsigned":{"age":1}})");
  EXPECT_EQ(e.type, "t");
  EXPECT_EQ(e.state_key, "k");
  EXPECT_TRUE(e.is_state());
  EXPECT_EQ(e.sender, "@a:x");
  EXPECT_EQ(e.origin_server_ts, 5);
  EXPECT_EQ(e.event_id, "$e");
  EXPECT_EQ(e.unsigned_data.at("age"), 1);
  ASSERT_NE(e.content_object(), nullptr);
  EXPECT_FALSE(e.sticky_duration_ms);
}

TEST(RoomEvent, FalsyContentIsEmptyObjectLikeJsSdk) {
  for (const char* content : {"null", "false", "0", R"("")"}) {
    const auto e = event_from(
        std::string(R"({"type":"t","sender":"@a:x","origin_server_ts":1,"event_id":"$e","content":)") + content + "}");
    ASSERT_NE(e.content_object(), nullptr) << content;
    EXPECT_TRUE(e.content_object()->empty());
  }
  const auto missing = event_from(R"({"type":"t","sender":"@a:x","origin_server_ts":1,"event_id":"$e"})");
  EXPECT_TRUE(missing.content_object()->empty());
  const auto text = event_from(R"({"type":"t","sender":"@a:x","origin_server_ts":1,"event_id":"$e","content":"s"})");
  EXPECT_EQ(text.content_object(), nullptr);
}

TEST(RoomEvent, RejectsBrokenEnvelopesWithReasons) {
  const auto reason = [](std::string_view json) { return parse_room_event(boost::json::parse(json)).error().message; };
  EXPECT_EQ(reason("[]"), "event must be an object");
  EXPECT_EQ(reason(R"({"sender":"@a:x","origin_server_ts":1,"event_id":"$e"})"), "event type must be a string");
  EXPECT_EQ(reason(R"({"type":"t","origin_server_ts":1,"event_id":"$e"})"), "event sender must be a string");
  EXPECT_EQ(reason(R"({"type":"t","sender":"@a:x","origin_server_ts":1})"), "event_id must be a string");
  EXPECT_EQ(reason(R"({"type":"t","sender":"@a:x","origin_server_ts":1.5,"event_id":"$e"})"),
            "origin_server_ts must be an integer");
  EXPECT_EQ(reason(R"({"type":"t","sender":"@a:x","origin_server_ts":1,"event_id":"$e","state_key":1})"),
            "state_key must be a string");
  EXPECT_EQ(reason(R"({"type":"t","sender":"@a:x","origin_server_ts":1,"event_id":"$e","unsigned":[]})"),
            "unsigned must be an object");
}

TEST(RoomEvent, StickyLifetime) {
  auto e = event_from(
      R"({"type":"t","sender":"@a:x","origin_server_ts":1000,"event_id":"$e","msc4354_sticky":{"duration_ms":7200000}})");
  ASSERT_EQ(e.sticky_duration_ms, kMaxStickyDurationMs);  // capped at 1 h
  EXPECT_EQ(e.sticky_expires_at(5000), 1000 + kMaxStickyDurationMs);
  EXPECT_EQ(e.sticky_expires_at(500), 500 + kMaxStickyDurationMs);  // a future timestamp cannot extend it
  e.unsigned_data["msc4354_sticky_duration_ttl_ms"] = 60'000;
  EXPECT_EQ(e.sticky_expires_at(5000), 65'000);
  const auto stable =
      event_from(R"({"type":"t","sender":"@a:x","origin_server_ts":1,"event_id":"$e","sticky":{"duration_ms":5}})");
  EXPECT_EQ(stable.sticky_duration_ms, 5);
  for (const char* bad : {"0", "-5", R"("100")", "1.5"}) {
    const auto none = event_from(std::string(R"({"type":"t","sender":"@a:x","origin_server_ts":1,"event_id":"$e",)") +
                                 R"("msc4354_sticky":{"duration_ms":)" + bad + "}}");
    EXPECT_FALSE(none.sticky_duration_ms) << bad;
    EXPECT_FALSE(none.sticky_expires_at(1));
  }
}

TEST(RoomEvents, ListsUnreadableEnvelopesAndRefusesBadJson) {
  const auto events =
      parse_room_events(R"([{"type":"t","sender":"@a:x","origin_server_ts":1,"event_id":"$e"},{"type":1}])");
  ASSERT_TRUE(events);
  EXPECT_EQ(events->events.size(), 1U);
  ASSERT_EQ(events->rejected.size(), 1U);
  EXPECT_EQ(events->rejected[0].index, 1U);
  EXPECT_EQ(events->rejected[0].reason, "event 1: event type must be a string");
  EXPECT_EQ(parse_room_events("{}").error().message, "expected a JSON array of room events");
  EXPECT_EQ(parse_room_events(R"([{"a":1,"a":2}])").error().code, ErrorCode::duplicate_key);
  EXPECT_FALSE(parse_room_events("[1,"));
}

}  // namespace
}  // namespace matrixrtc::core::rtc
