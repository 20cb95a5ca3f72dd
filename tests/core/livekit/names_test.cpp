#include "core/livekit/names.hpp"

#include <gtest/gtest.h>

namespace matrixrtc::core::livekit {
namespace {

// Vectors from the lk-jwt-service notes, section 4 (upstream Go tests, the
// MSC4195 appendix and the upstream integration-test fixtures).
TEST(Names, RoomAliasVectors) {
  EXPECT_EQ(room_alias("!roomid:example.com", "slot1234").value(), "O8437W3+jmzMVjoIP3tNwbm+XxHQk2iKpOA7aqw3qSc");
  EXPECT_EQ(room_alias("!room:example.com", "m.call#ROOM").value(), "krj2dgxw2K6EOm9he4GfQJ6JsSVWfJ8a7BkyjZcSmxs");
  EXPECT_EQ(room_alias("!room:example.com", "m.call#").value(), "hrQ0l3fv1RI0sCBUn3Nu59Bu/b3f7hWXbMLLfFMLNOY");
  EXPECT_EQ(room_alias("!room:example.com", kLegacySlotId).value(),
            room_alias("!room:example.com", "m.call#ROOM").value());
}

TEST(Names, IdentityVectors) {
  EXPECT_EQ(identity("@alice:example.com", "memberABC").value(), "M3VnsLXrkbxIDINXO64u8PZzFyD9ZYFiQULR2dshWYs");
  EXPECT_EQ(identity_with_device("@alice:example.com", "DEVICE123", "memberABC").value(),
            "J+T45tGruxc+HrUOqJJlyQSV33m728Cme4+vt8/SWrU");
}

TEST(Names, LegacyIdentityIsPlainConcatenation) {
  EXPECT_EQ(legacy_identity("@alice:example.com", "DEVICE123"), "@alice:example.com:DEVICE123");
  EXPECT_EQ(legacy_identity("@u:s", ""), "@u:s:");  // the reference accepts an empty device
}

TEST(Names, SchemesNeverCollide) {
  // ["a","b"] vs ["a","b",""]: array hashing separates parts unambiguously.
  EXPECT_NE(identity("a", "b").value(), identity_with_device("a", "b", "").value());
  EXPECT_NE(room_alias("a|b", "c").value(), room_alias("a", "b|c").value());
}

TEST(Names, OutputIsUnpaddedStandardBase64OfSha256) {
  const auto alias = room_alias("!r:s", "x").value();
  EXPECT_EQ(alias.size(), 43U);
  EXPECT_EQ(alias.find('='), std::string::npos);
  EXPECT_EQ(alias.find_first_of("-_"), std::string::npos);
}

// Adversarial inputs follow JSON.stringify / canonical JSON, unlike Go's
// json.Marshal, which would escape <, > and &. Expected values computed with
// Node: base64(sha256(JSON.stringify(arr))) without padding.
TEST(Names, HtmlCharactersAreNotEscaped) {
  EXPECT_EQ(room_alias("!a<b>&c:example.com", "m.call#ROOM").value(), "SGxMm3ZXFKFIWdJM1qhVwHk+7QLWeWCAtF8LbPTlAj0");
}

TEST(Names, RefusesInvalidUtf8) {
  const auto result = room_alias("!room:example.com", "\xff");
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::invalid_utf8);
  EXPECT_EQ(identity("\xc3", "m").error().code, ErrorCode::invalid_utf8);
  EXPECT_EQ(identity_with_device("@a:b", "\xed\xa0\x80", "m").error().code, ErrorCode::invalid_utf8);
}

}  // namespace
}  // namespace matrixrtc::core::livekit
