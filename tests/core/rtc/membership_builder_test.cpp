#include "core/rtc/membership_builder.hpp"

#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>

#include "core/rtc/membership.hpp"
#include "test_events.hpp"

namespace matrixrtc::core::rtc {
namespace {

using namespace testing;

const LocalMember kMe{"@a:x", "DEV", "member-1", "m.call#ROOM", "video"};
const std::vector<LivekitTransport> kTransports{{"https://jwt", "!room:x", "wss://sfu"}};

TEST(MembershipBuilder, LegacyStateKeys) {
  EXPECT_EQ(legacy_state_key(kMe, false).value(), "_@a:x_DEV_m.call");
  EXPECT_EQ(legacy_state_key(kMe, true).value(), "@a:x_DEV_m.call");
  auto named = kMe;
  named.slot_id = "m.call#foo";
  EXPECT_EQ(legacy_state_key(named, false).value(), "_@a:x_DEV_m.callfoo");
  named.slot_id = "nohash";
  EXPECT_FALSE(legacy_state_key(named, false));
}

TEST(MembershipBuilder, LegacyRoundTrip) {
  const auto content = build_legacy_membership(kMe, kTransports, {"oldest_membership", 1000, 77}).value();
  EXPECT_EQ(content.at("call_id"), "");
  EXPECT_EQ(content.at("foci_preferred").at(0).at("livekit_alias"), "!room:x");
  const auto parse = parse_membership(legacy_event("@a:x", "k", boost::json::serialize(content)));
  ASSERT_EQ(parse.status, ParseStatus::joined) << parse.reason();
  EXPECT_EQ(parse.membership->created_ts, 77);
  EXPECT_EQ(parse.membership->expires_ts, 1077);
  EXPECT_EQ(parse.membership->focus_selection, "oldest_membership");
  EXPECT_TRUE(build_legacy_leave().empty());
}

TEST(MembershipBuilder, Gen2RoundTripStripsAlias) {
  const auto content = build_rtc_membership(kMe, kTransports).value();
  EXPECT_EQ(boost::json::serialize(content.at("transports")),
            R"({"published":[{"type":"livekit","livekit_service_url":"https://jwt"}],"can_subscribe":["livekit"]})");
  const auto parse = parse_membership(sticky_event("@a:x", boost::json::serialize(content)));
  ASSERT_EQ(parse.status, ParseStatus::joined) << parse.reason();
  EXPECT_EQ(parse.membership->format, MembershipFormat::rtc);
  const auto leave =
      parse_membership(sticky_event("@a:x", boost::json::serialize(build_rtc_leave("m.call#ROOM", "member-1"))));
  EXPECT_EQ(leave.status, ParseStatus::left);
  EXPECT_EQ(leave.sticky_key, "member-1");
}

TEST(MembershipBuilder, Gen3RoundTrip) {
  const auto content = build_gen3_membership(kMe, kTransports).value();
  EXPECT_EQ(content.at("transports").at("published").at(0).at("url"), "wss://sfu");
  const auto parse = parse_membership(sticky_event("@a:x", boost::json::serialize(content)));
  ASSERT_EQ(parse.status, ParseStatus::joined) << parse.reason();
  EXPECT_EQ(parse.membership->format, MembershipFormat::rtc_gen3);
  const auto leave = parse_membership(sticky_event(
      "@a:x", boost::json::serialize(build_gen3_leave("m.call#ROOM", "member-1", LeaveReason{"leave", "hung up"}))));
  EXPECT_EQ(leave.status, ParseStatus::left);
  EXPECT_EQ(leave.leave_reason, (LeaveReason{"leave", "hung up"}));
  auto anonymous = kMe;
  anonymous.member_id.clear();
  EXPECT_FALSE(build_gen3_membership(anonymous, kTransports));
}

}  // namespace
}  // namespace matrixrtc::core::rtc
