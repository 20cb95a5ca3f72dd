#include "core/rtc/legacy_membership.hpp"

#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>

#include "test_events.hpp"

namespace matrixrtc::core::rtc {
namespace {

using namespace testing;

std::vector<std::string> errors_with(std::string_view key, std::string_view value_json) {
  auto content = object_from(kLegacyContent);
  if (value_json.empty())
    content.erase(key);
  else
    content[key] = boost::json::parse(value_json);
  return check_legacy_content(content);
}

using Errors = std::vector<std::string>;

TEST(LegacyMembership, ValidContentHasNoErrors) {
  EXPECT_TRUE(check_legacy_content(object_from(kLegacyContent)).empty());
}

TEST(LegacyMembership, EveryRuleWithJsSdkWording) {
  EXPECT_EQ(errors_with("device_id", "1"), Errors{"device_id must be string"});
  EXPECT_EQ(errors_with("call_id", "null"), Errors{"call_id must be string"});
  EXPECT_EQ(errors_with("application", "[]"), Errors{"application must be a string"});
  EXPECT_EQ(errors_with("focus_active", ""),
            (Errors{"focus_active has an invalid type", "focus_active.type must be a string"}));
  EXPECT_EQ(errors_with("focus_active", "null"), Errors{"focus_active.type must be a string"});
  EXPECT_EQ(errors_with("focus_active", R"({"type":1})"), Errors{"focus_active.type must be a string"});
  EXPECT_EQ(errors_with("foci_preferred", "{}"), Errors{"foci_preferred must be an array of transport objects"});
  EXPECT_EQ(errors_with("foci_preferred", "[null]"), Errors{"foci_preferred must be an array of transport objects"});
  EXPECT_EQ(errors_with("foci_preferred", R"([{"type":2}])"),
            Errors{"foci_preferred must be an array of transport objects"});
  EXPECT_TRUE(errors_with("foci_preferred", "").empty());  // optional
  EXPECT_EQ(errors_with("created_ts", R"("1")"), Errors{"created_ts must be number"});
  EXPECT_EQ(errors_with("scope", "1"), Errors{"scope must be string"});
  EXPECT_EQ(errors_with("m.call.intent", "true"), Errors{"m.call.intent must be a string"});
}

TEST(LegacyMembership, OurStricterRules) {
  EXPECT_EQ(errors_with("created_ts", "1.5"), Errors{"created_ts must be an integer"});
  EXPECT_EQ(errors_with("created_ts", "1e300"), Errors{"created_ts must be an integer"});
  for (const char* bad : {R"("abc")", "{}", "null", "-1", "1.5"}) {
    EXPECT_EQ(errors_with("expires", bad), Errors{"expires must be a non-negative integer"}) << bad;
  }
  EXPECT_EQ(errors_with("call_id", R"("a#b")"),
            Errors{"slot_id was badly formed: MatrixRTC Slot IDs *must* only contain two components seperated by one "
                   "'#'. Additional '#' characters detected."});
}

TEST(LegacyMembership, DerivedValues) {
  auto content = object_from(kLegacyContent);
  content["created_ts"] = 1000;
  const auto parse = parse_legacy_membership(legacy_event("@a:x", "_@b:x_OTHER_m.call", "{}"), content);
  ASSERT_EQ(parse.status, ParseStatus::joined);
  const auto& m = *parse.membership;
  EXPECT_EQ(m.user_id, "@a:x");  // the sender, never the state key
  EXPECT_EQ(m.device_id, "DEV1");
  EXPECT_EQ(m.slot_id, "m.call#ROOM");
  EXPECT_EQ(m.application, "m.call");
  EXPECT_EQ(m.member_id, "@a:x:DEV1");
  EXPECT_EQ(m.livekit_identity, "@a:x:DEV1");
  EXPECT_EQ(m.created_ts, 1000);
  EXPECT_EQ(m.expires_ts, 1000 + 14'400'000);
  EXPECT_EQ(m.focus_selection, "multi_sfu");
  EXPECT_EQ(m.call_intent, "video");
  ASSERT_EQ(m.transports.size(), 1U);
  EXPECT_EQ(m.transports[0].at("livekit_service_url"), "https://lk");
}

TEST(LegacyMembership, DefaultsAndMembershipId) {
  auto content = object_from(kLegacyContent);
  content.erase("expires");
  content["membershipID"] = "custom";
  const auto m = *parse_legacy_membership(legacy_event("@a:x", "k", "{}", 500), content).membership;
  EXPECT_EQ(m.created_ts, 500);
  EXPECT_EQ(m.expires_ts, 500 + kDefaultLegacyExpiresMs);
  EXPECT_EQ(m.member_id, "custom");
  EXPECT_EQ(m.livekit_identity, "@a:x:DEV1");  // membershipID is ignored for the identity
  content["membershipID"] = 42;
  EXPECT_EQ(parse_legacy_membership(legacy_event("@a:x", "k", "{}"), content).membership->member_id, "@a:x:DEV1");
}

}  // namespace
}  // namespace matrixrtc::core::rtc
