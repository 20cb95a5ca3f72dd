#include "core/rtc/rtc_membership.hpp"

#include <gtest/gtest.h>

#include "core/livekit/names.hpp"
#include "test_events.hpp"

namespace matrixrtc::core::rtc {
namespace {

using namespace testing;
using Errors = std::vector<std::string>;

Errors errors_with(std::string_view key, std::string_view value_json, std::string_view sender = "@a:x") {
  auto content = object_from(kRtcContent);
  if (value_json.empty())
    content.erase(key);
  else
    content[key] = boost::json::parse(value_json);
  return check_rtc_content(content, sender);
}

TEST(RtcMembership, ValidGen2) { EXPECT_TRUE(check_rtc_content(object_from(kRtcContent), "@a:x").empty()); }

TEST(RtcMembership, SlotRules) {
  EXPECT_EQ(errors_with("slot_id", "1"), Errors{"slot_id must be string"});
  EXPECT_EQ(errors_with("slot_id", R"("io.other#ROOM")"), Errors{"slot_id must start with m.call#"});
  EXPECT_EQ(errors_with("slot_id", R"("m.call#a#b")"),
            Errors{"slot_id was badly formed: MatrixRTC Slot IDs *must* only contain two components seperated by one "
                   "'#'. Additional '#' characters detected."});
  EXPECT_EQ(errors_with("application", "null"),
            (Errors{"slot_id must start with undefined#", "application must be an object"}));
}

TEST(RtcMembership, MemberRules) {
  EXPECT_EQ(errors_with("member", "null"), Errors{"member must be an object"});
  EXPECT_EQ(errors_with("member", "[]"),
            (Errors{"member.user_id must be string", "member.device_id must be string", "member.id must be string"}));
  EXPECT_EQ(errors_with("member", R"({"user_id":"alice","device_id":"D","id":"m1"})"),
            Errors{"member.user_id must be a valid mxid"});
  EXPECT_EQ(errors_with("member", R"({"user_id":"@b:x","device_id":"D","id":"m1"})"),
            Errors{"member.user_id must match the sender"});
}

TEST(RtcMembership, ApplicationTransportsVersionsKeysRelation) {
  EXPECT_EQ(errors_with("application", R"({"type":1})"),
            (Errors{"slot_id must start with 1#", "application.type must be a string"}));
  auto content = object_from(kRtcContent);
  content["application"] = object_from(R"({"type":"m#call"})");
  content["slot_id"] = "m#call#ROOM";
  EXPECT_EQ(check_rtc_content(content, "@a:x").size(), 2U);  // badly formed slot and '#' in the type
  EXPECT_EQ(errors_with("transports", ""),
            (Errors{"transports.published must be an array", "transports.can_subscribe must be an array of strings"}));
  EXPECT_EQ(errors_with("transports", R"({"published":[1],"can_subscribe":[]})"),
            Errors{"transports.published entries must be objects with a string type"});
  EXPECT_EQ(errors_with("transports", R"({"published":[],"can_subscribe":[1]})"),
            Errors{"transports.can_subscribe must be an array of strings"});
  EXPECT_EQ(errors_with("versions", ""), Errors{"versions must be an array"});
  EXPECT_EQ(errors_with("versions", "[1]"), Errors{"versions must be an array of strings"});
  EXPECT_EQ(errors_with("msc4354_sticky_key", ""), Errors{"sticky_key or msc4354_sticky_key must be a defined"});
  EXPECT_EQ(errors_with("msc4354_sticky_key", "5"), Errors{"msc4354_sticky_key must be a string"});
  EXPECT_EQ(errors_with("sticky_key", R"("other")"),
            Errors{"sticky_key and msc4354_sticky_key must be equal if both are defined"});
  EXPECT_TRUE(errors_with("sticky_key", R"("m1")").empty());
  EXPECT_EQ(errors_with("m.relates_to", "null"), Errors{"m.relates_to must be an object if provided"});
  EXPECT_EQ(errors_with("m.relates_to", R"({"rel_type":"m.thread"})"),
            (Errors{"m.relates_to.event_id must be a string", "m.relates_to.rel_type must be m.reference"}));
}

TEST(RtcMembership, AcceptsPre43RtcTransports) {
  auto content = object_from(kRtcContent);
  content.erase("transports");
  content["rtc_transports"] = boost::json::parse(R"([{"type":"livekit","livekit_service_url":"https://old"}])");
  EXPECT_TRUE(check_rtc_content(content, "@a:x").empty());
  const auto parse = parse_rtc_membership(sticky_event("@a:x", "{}"), content);
  ASSERT_EQ(parse.status, ParseStatus::joined);
  EXPECT_EQ(parse.membership->transports[0].at("livekit_service_url"), "https://old");
  content["rtc_transports"] = 1;
  EXPECT_EQ(check_rtc_content(content, "@a:x"), Errors{"rtc_transports must be an array"});
}

TEST(RtcMembership, Gen2DerivedValues) {
  const auto parse = parse_rtc_membership(sticky_event("@a:x", "{}", 1234), object_from(kRtcContent));
  ASSERT_EQ(parse.status, ParseStatus::joined);
  const auto& m = *parse.membership;
  EXPECT_EQ(m.format, MembershipFormat::rtc);
  EXPECT_EQ(m.member_id, "m1");
  EXPECT_EQ(m.device_id, "SDEV");
  EXPECT_EQ(m.created_ts, 1234);
  EXPECT_EQ(m.sticky_key, "m1");
  EXPECT_EQ(m.call_intent, "video");
  EXPECT_EQ(m.livekit_identity, livekit::identity_with_device("@a:x", "SDEV", "m1").value());
}

TEST(RtcMembership, Gen3) {
  const auto content = object_from(kGen3Content);
  EXPECT_TRUE(is_gen3_content(content));
  EXPECT_TRUE(check_rtc_gen3_content(content, "@a:x").empty());
  const auto parse = parse_rtc_membership(sticky_event("@a:x", "{}"), content);
  ASSERT_EQ(parse.status, ParseStatus::joined);
  EXPECT_EQ(parse.membership->format, MembershipFormat::rtc_gen3);
  EXPECT_FALSE(parse.membership->device_id);
  EXPECT_EQ(parse.membership->call_intent, "audio");
  EXPECT_EQ(parse.membership->livekit_identity, livekit::identity("@a:x", "g3").value());
  auto bad = content;
  bad["sticky_key"] = "other";
  EXPECT_EQ(check_rtc_gen3_content(bad, "@a:x"), Errors{"sticky_key must equal member.id"});
  bad = content;
  bad["member"] = object_from(R"({"id":"g3","membership":"join","user_id":"@b:x"})");
  EXPECT_EQ(check_rtc_gen3_content(bad, "@a:x"), Errors{"member.user_id must match the sender"});
  bad["member"] = object_from(R"({"id":"g3","membership":"maybe","device_id":1})");
  EXPECT_EQ(check_rtc_gen3_content(bad, "@a:x"),
            (Errors{"member.membership must be join", "member.device_id must be string"}));
  bad = content;
  bad["transports"] = object_from(R"({"published":{},"can_subscribe":[2]})");
  EXPECT_EQ(check_rtc_gen3_content(bad, "@a:x"),
            (Errors{"transports.published must be an array", "transports.can_subscribe must be an array of strings"}));
}

TEST(RtcMembership, Gen3Leave) {
  const auto parse = parse_rtc_gen3_leave(object_from(
      R"({"slot_id":"m.call#ROOM","member":{"id":"g3","membership":"leave"},"leave_reason":{"code":"transport_error","reason":"down"},"sticky_key":"g3"})"));
  EXPECT_EQ(parse.status, ParseStatus::left);
  EXPECT_EQ(parse.leave_reason, (LeaveReason{"transport_error", "down"}));
  EXPECT_EQ(parse.slot_id, "m.call#ROOM");
  EXPECT_EQ(parse.sticky_key, "g3");
}

}  // namespace
}  // namespace matrixrtc::core::rtc
