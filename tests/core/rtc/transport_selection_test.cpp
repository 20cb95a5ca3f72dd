#include "core/rtc/transport_selection.hpp"

#include <gtest/gtest.h>

#include "core/rtc/legacy_membership.hpp"
#include "core/rtc/rtc_membership.hpp"
#include "test_events.hpp"

namespace matrixrtc::core::rtc {
namespace {

using namespace testing;

Membership legacy_with(std::string_view selection, std::string_view url) {
  auto content = object_from(kLegacyContent);
  content["focus_active"] = boost::json::object{{"type", "livekit"}, {"focus_selection", selection}};
  content["foci_preferred"] =
      boost::json::array{boost::json::object{{"type", "livekit"}, {"livekit_service_url", url}}};
  return *parse_legacy_membership(legacy_event("@a:x", "k", "{}"), content).membership;
}

std::optional<std::string> url_of(const std::optional<boost::json::object>& t) {
  return t ? auth_service_url(*t) : std::nullopt;
}

TEST(TransportSelection, OwnTransport) {
  EXPECT_EQ(url_of(own_transport(legacy_with("multi_sfu", "https://a"))), "https://a");
  EXPECT_EQ(url_of(own_transport(legacy_with("oldest_membership", "https://a"))), "https://a");
  EXPECT_FALSE(own_transport(legacy_with("nearest", "https://a")));
  auto empty = legacy_with("multi_sfu", "https://a");
  empty.transports.clear();
  EXPECT_FALSE(own_transport(empty));
  const auto sticky = *parse_rtc_membership(sticky_event("@a:x", "{}"), object_from(kRtcContent)).membership;
  EXPECT_EQ(url_of(own_transport(sticky)), "https://lk");
}

TEST(TransportSelection, OldestMembershipConverges) {
  const auto oldest = legacy_with("multi_sfu", "https://oldest");
  const auto follower = legacy_with("oldest_membership", "https://mine");
  const auto multi = legacy_with("multi_sfu", "https://mine");
  EXPECT_EQ(url_of(select_transport(follower, &oldest)), "https://oldest");
  EXPECT_EQ(url_of(select_transport(multi, &oldest)), "https://mine");
  EXPECT_EQ(url_of(select_transport(follower, nullptr)), "https://mine");
  const auto sticky = *parse_rtc_membership(sticky_event("@a:x", "{}"), object_from(kRtcContent)).membership;
  EXPECT_EQ(url_of(select_transport(follower, &sticky)), "https://lk");
  EXPECT_EQ(url_of(select_transport(sticky, &oldest)), "https://lk");  // sticky members never follow
  const auto unknown = legacy_with("nearest", "https://u");
  EXPECT_FALSE(select_transport(follower, &unknown));
}

TEST(TransportSelection, AuthServiceUrl) {
  EXPECT_EQ(auth_service_url(object_from(R"({"type":"livekit","livekit_service_url":"https://a","url":"wss://b"})")),
            "https://a");
  EXPECT_EQ(auth_service_url(object_from(R"({"type":"m.livekit","url":"wss://b"})")), "wss://b");
  EXPECT_FALSE(auth_service_url(object_from(R"({"type":"full_mesh"})")));
  EXPECT_TRUE(same_service(object_from(R"({"livekit_service_url":"u","livekit_alias":"a"})"),
                           object_from(R"({"livekit_service_url":"u"})")));
  EXPECT_FALSE(same_service(object_from("{}"), object_from("{}")));
}

}  // namespace
}  // namespace matrixrtc::core::rtc
