#include "core/rtc/session_diff.hpp"

#include <gtest/gtest.h>

#include "test_events.hpp"

namespace matrixrtc::core::rtc {
namespace {

using namespace testing;

Session session_of(std::vector<RoomEvent> events) {
  events.insert(events.begin(), joined("@a:x"));
  events.insert(events.begin(), joined("@b:x"));
  return compute_sessions(events, kNow).session("m.call#ROOM");
}

TEST(SessionDiff, JoinedLeftUpdatedStartedEnded) {
  const auto a = legacy_event("@a:x", "ka", kLegacyContent, kNow - 1000, "$a");
  auto a2 = a;
  a2.content.as_object()["m.call.intent"] = "audio";
  a2.event_id = "$a2";
  const auto b = sticky_event(
      "@b:x", std::string(kRtcContent).replace(std::string(kRtcContent).find("@a:x"), 4, "@b:x"), kNow - 500, "$b");
  const auto empty = session_of({});
  const auto one = session_of({a});
  const auto two = session_of({a2, b});

  const auto start = diff_sessions(empty, one);
  EXPECT_TRUE(start.started);
  ASSERT_EQ(start.joined.size(), 1U);
  EXPECT_EQ(start.joined[0].event_id, "$a");

  const auto change = diff_sessions(one, two);
  EXPECT_FALSE(change.started);
  ASSERT_EQ(change.joined.size(), 1U);
  EXPECT_EQ(change.joined[0].event_id, "$b");
  ASSERT_EQ(change.updated.size(), 1U);
  EXPECT_EQ(change.updated[0].first.event_id, "$a");
  EXPECT_EQ(change.updated[0].second.event_id, "$a2");

  const auto end = diff_sessions(two, empty);
  EXPECT_TRUE(end.ended);
  EXPECT_EQ(end.left.size(), 2U);
  EXPECT_FALSE(diff_sessions(two, two).changed());
}

TEST(SessionDiff, ParticipationKeys) {
  Membership legacy;
  legacy.event_type = "t";
  legacy.state_key = "k";
  Membership sticky;
  sticky.event_type = "t";
  sticky.sender = "@a:x";
  sticky.sticky_key = "k";
  EXPECT_NE(participation_key(legacy), participation_key(sticky));
}

}  // namespace
}  // namespace matrixrtc::core::rtc
