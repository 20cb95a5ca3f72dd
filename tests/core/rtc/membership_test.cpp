#include "core/rtc/membership.hpp"

#include <gtest/gtest.h>

#include "test_events.hpp"

namespace matrixrtc::core::rtc {
namespace {

using namespace testing;

TEST(Membership, DispatchesByTypeAndKind) {
  EXPECT_EQ(parse_membership(legacy_event("@a:x", "k", kLegacyContent)).status, ParseStatus::joined);
  EXPECT_EQ(parse_membership(sticky_event("@a:x", kRtcContent)).status, ParseStatus::joined);
  auto stable_legacy = legacy_event("@a:x", "k", kLegacyContent);
  stable_legacy.type = event_type::kLegacyMemberStable;
  EXPECT_EQ(parse_membership(stable_legacy).status, ParseStatus::joined);
  EXPECT_EQ(parse_membership(sticky_event("@a:x", kRtcContent, 1, "$s", event_type::kRtcMemberStable)).status,
            ParseStatus::joined);
  auto not_state = legacy_event("@a:x", "k", kLegacyContent);
  not_state.state_key.reset();
  EXPECT_EQ(parse_membership(not_state).reason(), kNotStateError);
  auto state_sticky = sticky_event("@a:x", kRtcContent);
  state_sticky.state_key = "k";
  EXPECT_EQ(parse_membership(state_sticky).reason(), kStateStickyError);
  auto other = sticky_event("@a:x", kRtcContent, 1, "$s", "m.room.message");
  EXPECT_EQ(parse_membership(other).reason(), "not a membership event type");
}

TEST(Membership, LeftShapesAndPreFilter) {
  for (const char* content :
       {"{}", R"({"slot_id":"m.call#ROOM","msc4354_sticky_key":"k"})", R"({"application":"m.call"})",
        R"({"call_id":"","device_id":"D"})", R"({"memberships":[]})", "[1]", "12"}) {
    EXPECT_EQ(parse_membership(legacy_event("@a:x", "k", content)).status, ParseStatus::left) << content;
  }
  const auto delayed = parse_membership(legacy_event("@a:x", "k", R"({"leave_reason":"lost_connection"})"));
  EXPECT_EQ(delayed.status, ParseStatus::left);
  EXPECT_EQ(delayed.leave_reason, (LeaveReason{"lost_connection", ""}));
  const auto gen2_leave =
      parse_membership(sticky_event("@a:x", R"({"slot_id":"m.call#ROOM","msc4354_sticky_key":"k"})"));
  EXPECT_EQ(gen2_leave.slot_id, "m.call#ROOM");
  EXPECT_EQ(gen2_leave.sticky_key, "k");
  const auto disconnect = parse_membership(sticky_event(
      "@a:x",
      R"({"slot_id":"s#x","msc4354_sticky_key":"k","disconnect_reason":{"class":"client_error","reason":"ice_failed","description":"d"}})"));
  EXPECT_EQ(disconnect.leave_reason, (LeaveReason{"ice_failed", "d"}));
  const auto gen3_leave = parse_membership(
      sticky_event("@a:x", R"({"slot_id":"m.call#ROOM","member":{"id":"g","membership":"leave"},"sticky_key":"g"})"));
  EXPECT_EQ(gen3_leave.status, ParseStatus::left);
  EXPECT_EQ(gen3_leave.sticky_key, "g");
}

TEST(Membership, LeftContentPredicate) {
  EXPECT_TRUE(is_left_content(boost::json::parse("{}")));
  EXPECT_TRUE(is_left_content(boost::json::parse(R"({"sticky_key":"k","slot_id":"s"})")));
  EXPECT_TRUE(is_left_content(boost::json::parse(R"("text")")));
  EXPECT_FALSE(is_left_content(boost::json::parse(R"({"application":"m.call"})")));
}

TEST(Membership, RejectionReasonListsEveryError) {
  const auto parse = parse_membership(legacy_event("@a:x", "k", R"({"application":"m.call","call_id":1})"));
  EXPECT_EQ(parse.status, ParseStatus::rejected);
  EXPECT_EQ(
      parse.reason(),
      "device_id must be string; call_id must be string; focus_active has an invalid type; focus_active.type must "
      "be a string");
  EXPECT_EQ(to_string(MembershipFormat::rtc_gen3), "rtc_gen3");
}

}  // namespace
}  // namespace matrixrtc::core::rtc
