#include "core/rtc/history.hpp"

#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>

#include "test_events.hpp"

namespace matrixrtc::core::rtc {
namespace {

using namespace testing;

TEST(History, JoinUpdateLeaveAndCallTimes) {
  auto update = object_from(kLegacyContent);
  update["m.call.intent"] = "audio";
  std::vector<RoomEvent> timeline{
      legacy_event("@a:x", "ka", kLegacyContent, 1000, "$j1"),
      legacy_event("@b:x", "kb", kLegacyContent, 2000, "$j2"),
      legacy_event("@a:x", "ka", boost::json::serialize(update), 3000, "$u1"),
      legacy_event("@a:x", "ka", R"({"leave_reason":"lost_connection"})", 4000, "$l1"),
      legacy_event("@b:x", "kb", "{}", 5000, "$l2"),
      legacy_event("@a:x", "ka", kLegacyContent, 6000, "$j3"),
  };
  const auto history = derive_history(timeline, std::nullopt);
  ASSERT_EQ(history.records.size(), 6U);
  EXPECT_EQ(history.records[0].action, HistoryAction::join);
  EXPECT_EQ(history.records[2].action, HistoryAction::update);
  EXPECT_EQ(history.records[3].action, HistoryAction::leave);
  EXPECT_EQ(history.records[3].reason, (LeaveReason{"lost_connection", ""}));
  EXPECT_EQ(history.records[4].reason, std::nullopt);
  EXPECT_EQ(history.records[3].slot_id, "m.call#ROOM");
  ASSERT_EQ(history.calls.size(), 2U);
  EXPECT_EQ(history.calls[0].start_ts, 1000);
  EXPECT_EQ(history.calls[0].end_ts, 5000);
  EXPECT_EQ(history.calls[0].participants, (std::vector<std::string>{"@a:x", "@b:x"}));
  EXPECT_EQ(history.calls[1].start_ts, 6000);
  EXPECT_FALSE(history.calls[1].end_ts);
  EXPECT_EQ(to_string(HistoryAction::update), "update");
}

TEST(History, PrevContentMeansAlreadyInTheCall) {
  auto leave = legacy_event("@a:x", "ka", "{}", 9000, "$l");
  leave.unsigned_data["prev_content"] = boost::json::parse(kLegacyContent);
  const auto history = derive_history(std::vector<RoomEvent>{leave}, std::nullopt);
  ASSERT_EQ(history.records.size(), 1U);
  EXPECT_EQ(history.records[0].action, HistoryAction::leave);
  ASSERT_EQ(history.calls.size(), 1U);
  EXPECT_FALSE(history.calls[0].start_ts);
  EXPECT_EQ(history.calls[0].end_ts, 9000);
}

TEST(History, ExpiryAndInvalidReplacement) {
  auto short_lived = object_from(kLegacyContent);
  short_lived["expires"] = 1000;
  std::vector<RoomEvent> timeline{legacy_event("@a:x", "ka", boost::json::serialize(short_lived), 1000, "$j"),
                                  legacy_event("@b:x", "kb", kLegacyContent, 5000, "$j2"),
                                  legacy_event("@b:x", "kb", R"({"application":"m.call","call_id":5})", 6000, "$bad")};
  const auto history = derive_history(timeline, std::nullopt);
  ASSERT_EQ(history.records.size(), 4U);
  EXPECT_EQ(history.records[1].ts, 2000);
  EXPECT_EQ(history.records[1].reason, (LeaveReason{"expired", ""}));
  EXPECT_EQ(history.records[3].reason->code, "invalid_membership");
  EXPECT_EQ(history.calls.size(), 2U);
}

TEST(History, StickyMembersAndGen3LeaveReasons) {
  std::vector<RoomEvent> timeline{
      sticky_event("@a:x", kGen3Content, 1000, "$g"),
      sticky_event(
          "@a:x",
          R"({"slot_id":"m.call#ROOM","member":{"id":"g3","membership":"leave"},"leave_reason":{"code":"media_error"},"sticky_key":"g3"})",
          2000, "$gl"),
      sticky_event("@a:x", kRtcContent, 3000, "$s"),
  };
  const auto history = derive_history(timeline, kNow);
  ASSERT_EQ(history.records.size(), 4U);
  EXPECT_EQ(history.records[1].reason, (LeaveReason{"media_error", ""}));
  EXPECT_EQ(history.records[3].reason, (LeaveReason{"sticky_expired", ""}));  // not re-sent within 1 h
  EXPECT_EQ(history.records[3].ts, 3000 + kHour);
}

}  // namespace
}  // namespace matrixrtc::core::rtc
