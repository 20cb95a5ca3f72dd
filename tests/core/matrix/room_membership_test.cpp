#include "core/matrix/room_membership.hpp"

#include <gtest/gtest.h>

namespace matrixrtc::core::matrix {
namespace {

using enum MembershipQuery;
using enum MembershipAnswer;

TEST(RoomMembership, TargetsEncodeRoomAndUser) {
  EXPECT_EQ(membership_query_target(is_joined_stable, "!room:example.com", "@alice:example.com"),
            "/_matrix/client/v3/rooms/%21room%3Aexample.com/is_joined?mxid=%40alice%3Aexample.com");
  EXPECT_EQ(membership_query_target(is_joined_unstable, "!room:example.com", "@alice:example.com"),
            "/_matrix/client/unstable/io.element.msc4502/rooms/%21room%3Aexample.com/is_joined"
            "?mxid=%40alice%3Aexample.com");
  EXPECT_EQ(membership_query_target(member_state, "!room:example.com", "@alice:example.com"),
            "/_matrix/client/v3/rooms/%21room%3Aexample.com/state/m.room.member/%40alice%3Aexample.com"
            "?user_id=%40alice%3Aexample.com");
}

TEST(RoomMembership, HostileRoomIdsStayOneSegment) {
  EXPECT_EQ(membership_query_target(is_joined_stable, "../../admin?x=1#y", "@a:b"),
            "/_matrix/client/v3/rooms/..%2F..%2Fadmin%3Fx%3D1%23y/is_joined?mxid=%40a%3Ab");
  EXPECT_EQ(membership_query_target(is_joined_stable, "..", "@a:b"),
            "/_matrix/client/v3/rooms/%2E%2E/is_joined?mxid=%40a%3Ab");
  EXPECT_EQ(encode_path_segment("."), "%2E");
  EXPECT_EQ(encode_path_segment("a b&c=d/é"), "a%20b%26c%3Dd%2F%C3%A9");
  EXPECT_EQ(encode_path_segment("a.b~_-"), "a.b~_-");
}

TEST(RoomMembership, FormsAreTriedInOrder) {
  EXPECT_EQ(next_membership_query(is_joined_stable), is_joined_unstable);
  EXPECT_EQ(next_membership_query(is_joined_unstable), member_state);
  EXPECT_EQ(next_membership_query(member_state), std::nullopt);
}

TEST(RoomMembership, IsJoinedAnswers) {
  for (const auto query : {is_joined_stable, is_joined_unstable}) {
    EXPECT_EQ(classify_membership_answer(query, 200, R"({"joined":true})"), joined);
    EXPECT_EQ(classify_membership_answer(query, 200, R"({"joined":false})"), not_joined);
    EXPECT_EQ(classify_membership_answer(query, 200, R"({"joined":"true"})"), failed);
    EXPECT_EQ(classify_membership_answer(query, 200, R"({})"), failed);
    EXPECT_EQ(classify_membership_answer(query, 200, "not json"), failed);
    EXPECT_EQ(classify_membership_answer(query, 200, R"({"joined":true,"joined":false})"), failed);
    // The server does not have the endpoint.
    EXPECT_EQ(classify_membership_answer(query, 404, R"({"errcode":"M_UNRECOGNIZED","error":"Unrecognized"})"),
              unsupported);
    EXPECT_EQ(classify_membership_answer(query, 400, R"({"errcode":"M_UNRECOGNIZED"})"), unsupported);
    EXPECT_EQ(classify_membership_answer(query, 405, R"({"errcode":"M_UNRECOGNIZED"})"), unsupported);
    EXPECT_EQ(classify_membership_answer(query, 404, "<html>Not Found</html>"), unsupported);
    EXPECT_EQ(classify_membership_answer(query, 404, ""), unsupported);
    EXPECT_EQ(classify_membership_answer(query, 405, ""), unsupported);
    // A Matrix 404 about the room: not joined, as the MSC's "unknown room → false".
    EXPECT_EQ(classify_membership_answer(query, 404, R"({"errcode":"M_NOT_FOUND"})"), not_joined);
    // Our token or its scope refused, or the server failing: nothing about the user.
    EXPECT_EQ(classify_membership_answer(query, 401, R"({"errcode":"M_UNKNOWN_TOKEN"})"), failed);
    EXPECT_EQ(classify_membership_answer(query, 403, R"({"errcode":"M_FORBIDDEN"})"), failed);
    EXPECT_EQ(classify_membership_answer(query, 405, R"({"errcode":"M_FORBIDDEN"})"), failed);
    EXPECT_EQ(classify_membership_answer(query, 400, R"({"errcode":"M_MISSING_PARAM"})"), failed);
    EXPECT_EQ(classify_membership_answer(query, 500, ""), failed);
    EXPECT_EQ(classify_membership_answer(query, 502, R"({"errcode":"M_UNRECOGNIZED"})"), failed);
  }
}

TEST(RoomMembership, MemberStateAnswers) {
  EXPECT_EQ(classify_membership_answer(member_state, 200, R"({"membership":"join","displayname":"A"})"), joined);
  for (const char* other : {"leave", "ban", "invite", "knock", "something-new"}) {
    EXPECT_EQ(classify_membership_answer(member_state, 200, std::string(R"({"membership":")") + other + "\"}"),
              not_joined)
        << other;
  }
  EXPECT_EQ(classify_membership_answer(member_state, 403, R"({"errcode":"M_FORBIDDEN"})"), not_joined);
  EXPECT_EQ(classify_membership_answer(member_state, 404, R"({"errcode":"M_NOT_FOUND"})"), not_joined);
  EXPECT_EQ(classify_membership_answer(member_state, 404, ""), not_joined);
  EXPECT_EQ(classify_membership_answer(member_state, 200, R"({"membership":true})"), failed);
  EXPECT_EQ(classify_membership_answer(member_state, 200, "[]"), failed);
  EXPECT_EQ(classify_membership_answer(member_state, 401, R"({"errcode":"M_UNKNOWN_TOKEN"})"), failed);
  EXPECT_EQ(classify_membership_answer(member_state, 500, ""), failed);
}

}  // namespace
}  // namespace matrixrtc::core::matrix
