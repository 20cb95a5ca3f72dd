#include "core/rtc/session.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json/serialize.hpp>
#include <map>

#include "test_events.hpp"

namespace matrixrtc::core::rtc {
namespace {

using namespace testing;

std::string legacy_content(std::string_view device, std::int64_t created, std::string_view selection = "multi_sfu",
                           std::string_view url = "https://lk", std::string_view call_id = "") {
  auto content = object_from(kLegacyContent);
  content["device_id"] = device;
  content["created_ts"] = created;
  content["call_id"] = call_id;
  content["focus_active"] = boost::json::object{{"type", "livekit"}, {"focus_selection", selection}};
  content["foci_preferred"] =
      boost::json::array{boost::json::object{{"type", "livekit"}, {"livekit_service_url", url}}};
  return boost::json::serialize(content);
}

std::vector<std::string> member_ids(const Session& s) {
  std::vector<std::string> ids;
  for (const auto& m : s.members) ids.push_back(m.membership.event_id);
  return ids;
}

TEST(Session, OldestFirstWithJsSdkTieOrder) {
  std::vector<RoomEvent> events{joined("@a:x"),
                                joined("@b:x"),
                                legacy_event("@a:x", "k1", legacy_content("A", kNow - 1000), 0, "$l1"),
                                legacy_event("@b:x", "k2", legacy_content("B", kNow - 3000), 0, "$l2"),
                                legacy_event("@a:x", "k3", legacy_content("C", kNow - 1000), 0, "$l3"),
                                sticky_event("@a:x", kRtcContent, kNow - 1000, "$s1")};
  const auto room = compute_sessions(events, kNow);
  ASSERT_EQ(room.sessions.size(), 1U);
  EXPECT_EQ(member_ids(room.sessions[0]), (std::vector<std::string>{"$l2", "$s1", "$l1", "$l3"}));
  EXPECT_EQ(room.sessions[0].slot_id, "m.call#ROOM");
  EXPECT_EQ(room.sessions[0].application, "m.call");
  EXPECT_EQ(room.sessions[0].participants(), (std::vector<std::string>{"@b:x", "@a:x"}));
  EXPECT_TRUE(room.sessions[0].is_device_joined("@a:x", "SDEV"));
  EXPECT_FALSE(room.sessions[0].is_device_joined("@b:x", "SDEV"));
  EXPECT_TRUE(room.rejected.empty());
}

// The member sort moves members along permutation cycles in place: check long
// cycles, fixed points and many ties against a plain stable sort.
TEST(Session, OldestFirstIsAStableSortForManyMembers) {
  std::vector<RoomEvent> events{joined("@a:x")};
  std::vector<std::pair<std::int64_t, std::string>> expected;
  for (int i = 0; i < 200; ++i) {
    const std::int64_t created = kNow - 1000 - (i * 37) % 23;  // 23 distinct times, many ties
    const auto id = "$l" + std::to_string(i);
    events.push_back(legacy_event("@a:x", "k" + std::to_string(i), legacy_content("D", created), 0, id));
    expected.emplace_back(created, id);
  }
  std::ranges::stable_sort(expected, {}, &std::pair<std::int64_t, std::string>::first);
  std::vector<std::string> expected_ids;
  for (const auto& [created, id] : expected) expected_ids.push_back(id);
  const auto room = compute_sessions(events, kNow);
  ASSERT_EQ(room.sessions.size(), 1U);
  EXPECT_EQ(member_ids(room.sessions[0]), expected_ids);
}

TEST(Session, GroupsBySlotIncludingApplication) {
  std::vector<RoomEvent> events{
      joined("@a:x"), legacy_event("@a:x", "k1", legacy_content("A", kNow - 1000), 0, "$1"),
      legacy_event("@a:x", "k2", legacy_content("B", kNow - 1000, "multi_sfu", "u", "ROOM"), 0, "$2"),
      legacy_event("@a:x", "k3", legacy_content("C", kNow - 1000, "multi_sfu", "u", "side"), 0, "$3")};
  auto other = object_from(legacy_content("D", kNow - 1000));
  other["application"] = "io.other";
  other["call_id"] = "ROOM";
  events.push_back(legacy_event("@a:x", "k4", boost::json::serialize(other), 0, "$4"));
  const auto room = compute_sessions(events, kNow);
  ASSERT_EQ(room.sessions.size(), 3U);
  EXPECT_EQ(room.sessions[0].slot_id, "io.other#ROOM");
  EXPECT_EQ(room.sessions[1].slot_id, "m.call#ROOM");
  EXPECT_EQ(member_ids(room.sessions[1]), (std::vector<std::string>{"$1", "$2"}));
  EXPECT_EQ(room.sessions[2].slot_id, "m.call#side");
  EXPECT_TRUE(room.session("m.call#none").members.empty());
  EXPECT_EQ(room.session("m.call#none").application, "m.call");
}

TEST(Session, ExclusionsWithCodes) {
  auto closed = event_from(R"({"type":"org.matrix.msc4143.rtc.slot","state_key":"m.call#shut","sender":"@a:x",)"
                           R"("origin_server_ts":1,"event_id":"$slot","content":{}})");
  auto shut_content = object_from(kRtcContent);
  shut_content["slot_id"] = "m.call#shut";
  shut_content["msc4354_sticky_key"] = "m2";
  shut_content["member"].as_object()["id"] = "m2";
  std::vector<RoomEvent> events{joined("@a:x"),
                                closed,
                                legacy_event("@a:x", "old", legacy_content("A", kNow - 5 * kHour), 0, "$expired"),
                                legacy_event("@z:x", "z", legacy_content("Z", kNow - 1000), 0, "$stranger"),
                                legacy_event("@a:x", "bad", R"({"application":"m.call","call_id":""})", 0, "$invalid"),
                                legacy_event("@a:x", "m1", legacy_content("H", kNow - 1000), 0, "$hidden"),
                                sticky_event("@a:x", kRtcContent, kNow - 1000, "$sticky"),
                                sticky_event("@a:x", boost::json::serialize(shut_content), kNow - 1000, "$shut")};
  auto no_duration = sticky_event("@a:x", kRtcContent, kNow, "$nodur");
  no_duration.sticky_duration_ms.reset();
  events.push_back(no_duration);
  const auto room = compute_sessions(events, kNow);
  std::map<std::string, std::string> codes;
  for (const auto& r : room.rejected) codes[r.event_id] = r.code;
  EXPECT_EQ(codes, (std::map<std::string, std::string>{{"$expired", "expired"},
                                                       {"$stranger", "not_joined"},
                                                       {"$invalid", "invalid"},
                                                       {"$hidden", "hidden_by_sticky"},
                                                       {"$shut", "slot_closed"},
                                                       {"$nodur", "not_sticky"}}));
  ASSERT_EQ(room.sessions.size(), 1U);
  EXPECT_EQ(member_ids(room.sessions[0]), std::vector<std::string>{"$sticky"});
  EXPECT_EQ(room.sessions[0].members[0].membership.expires_ts, kNow - 1000 + kHour);
}

TEST(Session, LegacyExpiryBoundary) {
  auto at = [](std::int64_t now) {
    std::vector<RoomEvent> events{joined("@a:x"), legacy_event("@a:x", "k", legacy_content("A", 1000), 0, "$1")};
    return compute_sessions(events, now).sessions.size();
  };
  EXPECT_EQ(at(1000 + 14'400'000 - 1), 1U);
  EXPECT_EQ(at(1000 + 14'400'000), 0U);
}

TEST(Session, TransportsAndAuthService) {
  std::vector<RoomEvent> events{
      joined("@a:x"),
      joined("@b:x"),
      joined("@c:x"),
      legacy_event("@b:x", "kb", legacy_content("B", kNow - 2 * kHour, "oldest_membership", "https://b"), 0, "$b"),
      legacy_event("@a:x", "ka", legacy_content("A", kNow - 3 * kHour, "multi_sfu", "https://a"), 0, "$a"),
      legacy_event("@c:x", "kc", legacy_content("C", kNow - 1 * kHour, "multi_sfu", "https://c"), 0, "$c")};
  const auto session = compute_sessions(events, kNow).sessions.at(0);
  EXPECT_EQ(session.members[0].selected_transport->at("livekit_service_url"), "https://a");
  EXPECT_EQ(session.members[1].selected_transport->at("livekit_service_url"), "https://a");
  EXPECT_EQ(session.members[2].selected_transport->at("livekit_service_url"), "https://c");
  EXPECT_EQ(session.auth_service_url, "https://a");
  EXPECT_EQ(session.transports_in_use().size(), 2U);
  Session empty;
  apply_transport_selection(empty);
  EXPECT_FALSE(empty.active_transport);
  EXPECT_FALSE(empty.auth_service_url);
}

}  // namespace
}  // namespace matrixrtc::core::rtc
