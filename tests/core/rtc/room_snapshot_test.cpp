#include "core/rtc/room_snapshot.hpp"

#include <gtest/gtest.h>

#include "test_events.hpp"

namespace matrixrtc::core::rtc {
namespace {

using namespace testing;

TEST(RoomSnapshot, LastStateWinsAtItsFirstPosition) {
  std::vector<RoomEvent> events{legacy_event("@a:x", "k1", "{}", 1, "$1"), legacy_event("@b:x", "k2", "{}", 2, "$2"),
                                legacy_event("@a:x", "k1", kLegacyContent, 3, "$3")};
  const auto snapshot = build_room_snapshot(events, kNow);
  ASSERT_EQ(snapshot.state.size(), 2U);
  EXPECT_EQ(snapshot.state[0]->event_id, "$3");
  EXPECT_EQ(snapshot.state[1]->event_id, "$2");
}

TEST(RoomSnapshot, StickyMapWinnerAndOrder) {
  std::vector<RoomEvent> events{
      sticky_event("@a:x", R"({"msc4354_sticky_key":"k"})", kNow - 10, "$new"),
      sticky_event("@b:x", R"({"msc4354_sticky_key":"k"})", kNow - 10, "$b"),  // other sender: other key
      sticky_event("@a:x", R"({"msc4354_sticky_key":"k"})", kNow - 20, "$old"),
      sticky_event("@a:x", R"({"msc4354_sticky_key":"t"})", kNow - 5, "$t1"),
      sticky_event("@a:x", R"({"msc4354_sticky_key":"t"})", kNow - 5, "$t2"),  // same ts: greater id wins
      sticky_event("@a:x", R"({"slot_id":"x"})", kNow - 5, "$unkeyed"),
  };
  const auto snapshot = build_room_snapshot(events, kNow);
  std::vector<std::string> ids;
  for (const auto* e : snapshot.sticky) ids.push_back(e->event_id);
  EXPECT_EQ(ids, (std::vector<std::string>{"$unkeyed", "$new", "$b", "$t2"}));
}

TEST(RoomSnapshot, DropsEventsThatAreNotSticky) {
  auto no_duration = sticky_event("@a:x", "{}", kNow - 10, "$n");
  no_duration.sticky_duration_ms.reset();
  auto expired = sticky_event("@a:x", "{}", kNow - 2 * kHour, "$e");
  auto bad_sender = sticky_event("a:x", "{}", kNow - 10, "$b");
  std::vector<RoomEvent> events{no_duration, expired, bad_sender};
  const auto snapshot = build_room_snapshot(events, kNow);
  EXPECT_TRUE(snapshot.sticky.empty());
  ASSERT_EQ(snapshot.dropped.size(), 3U);
  EXPECT_EQ(snapshot.dropped[0].code, "not_sticky");
  EXPECT_EQ(snapshot.dropped[1].code, "sticky_expired");
  EXPECT_EQ(snapshot.dropped[2].reason, "sender must start with @");
}

TEST(RoomSnapshot, MembersAndSlots) {
  auto left = joined("@b:x");
  left.content = boost::json::parse(R"({"membership":"leave"})");
  auto slot = event_from(
      R"({"type":"org.matrix.msc4143.rtc.slot","state_key":"m.call#ROOM","sender":"@a:x",)"
      R"("origin_server_ts":1,"event_id":"$s","content":{"status":"open","application":{"type":"m.call"}}})");
  auto stable_closed = event_from(R"({"type":"m.rtc.slot","state_key":"m.call#ROOM","sender":"@a:x",)"
                                  R"("origin_server_ts":1,"event_id":"$t","content":{"status":"closed"}})");
  std::vector<RoomEvent> events{joined("@a:x"), joined("@b:x"), left, slot};
  auto snapshot = build_room_snapshot(events, kNow);
  EXPECT_TRUE(snapshot.is_joined("@a:x"));
  EXPECT_FALSE(snapshot.is_joined("@b:x"));
  EXPECT_EQ(snapshot.slot_state("m.call#ROOM"), SlotState::open);
  EXPECT_EQ(snapshot.slot_state("m.call#other"), SlotState::absent);
  events.push_back(stable_closed);
  EXPECT_EQ(build_room_snapshot(events, kNow).slot_state("m.call#ROOM"), SlotState::closed);
}

}  // namespace
}  // namespace matrixrtc::core::rtc
