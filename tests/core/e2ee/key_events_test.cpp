#include "core/e2ee/key_events.hpp"

#include <gtest/gtest.h>

#include "core/e2ee/frame_cryptor.hpp"
#include "core/livekit/names.hpp"
#include "e2ee/vectors.hpp"

namespace matrixrtc::core::e2ee {
namespace {

using testing::unhex;

const KeyEventContext kContext{"!room:example.org", "@alice:example.org", "ALICEDEVICE"};

// matrix-js-sdk 43's to-device content as Element Call sends it.
constexpr std::string_view kElementCall =
    R"({"keys":{"index":3,"key":"q83vEjRWeJCrze8SNFZ4kA=="},"room_id":"!room:example.org",)"
    R"("member":{"claimed_device_id":"DEVICEID","id":"member1"},)"
    R"("session":{"call_id":"","application":"m.call","scope":"m.room"},"sent_ts":1700000000000})";

TEST(KeyEvents, ElementCallToDevice) {
  const auto event = parse_key_event("io.element.call.encryption_keys", kElementCall, kContext).value();
  EXPECT_EQ(event.user_id, "@alice:example.org");
  EXPECT_EQ(event.device_id, "DEVICEID");
  EXPECT_EQ(event.member_id, "member1");
  ASSERT_EQ(event.keys.size(), 1U);
  EXPECT_EQ(event.keys[0].index, 3);
  EXPECT_EQ(hex::encode(event.keys[0].key), "abcdef1234567890abcdef1234567890");
}

TEST(KeyEvents, MemberIdDefaultsAsInMatrixJsSdk) {
  const auto event = parse_key_event("io.element.call.encryption_keys",
                                     R"({"keys":{"index":0,"key":"AAEC"},"room_id":"!room:example.org",)"
                                     R"("member":{"claimed_device_id":"D"}})",
                                     kContext)
                         .value();
  EXPECT_EQ(event.member_id, "@alice:example.org:D");
}

TEST(KeyEvents, LegacyRoomEventAndOlderMsc4143) {
  KeyEventContext room_event = kContext;
  room_event.room_event = true;
  const std::string_view legacy_content =
      R"({"keys":[{"index":0,"key":"q83vEjRWeJCrze8SNFZ4kA"},{"index":1,"key":"AAEC"}],)"
      R"("device_id":"OLD","call_id":"","sent_ts":1})";
  const auto legacy = parse_key_event("io.element.call.encryption_keys", legacy_content, room_event).value();
  EXPECT_EQ(legacy.device_id, "OLD");
  EXPECT_EQ(legacy.keys.size(), 2U);
  EXPECT_TRUE(legacy.member_id.empty());
  const auto wrong_call =
      parse_key_event("io.element.call.encryption_keys",
                      R"({"keys":[{"index":0,"key":"AAEC"}],"device_id":"OLD","call_id":"x"})", room_event);
  EXPECT_EQ(wrong_call.error().code, ErrorCode::invalid_key_event);
  EXPECT_EQ(wrong_call.error().message, "io.element.call.encryption_keys: call_id must be \"\"");

  // The array form names no room, so as a to-device message (which any room's
  // member could send) it is refused rather than applied without a room check.
  const auto to_device = parse_key_event("io.element.call.encryption_keys", legacy_content, kContext);
  EXPECT_EQ(to_device.error().code, ErrorCode::invalid_key_event);
  EXPECT_EQ(to_device.error().message,
            "io.element.call.encryption_keys: a keys array is only accepted in a room event");
  const auto other_room = parse_key_event(
      "io.element.call.encryption_keys",
      R"({"keys":[{"index":0,"key":"AAEC"}],"device_id":"OLD","call_id":"","room_id":"!other:example.org"})", kContext);
  EXPECT_EQ(other_room.error().message,
            "io.element.call.encryption_keys: a keys array is only accepted in a room event");

  const auto dec2024 = parse_key_event("m.rtc.encryption_keys",
                                       R"({"keys":[{"index":9,"key":"AAEC"}],"room_id":"!room:example.org",)"
                                       R"("member":{"id":"m","device_id":"DEV","user_id":"@alice:example.org"}})",
                                       kContext)
                           .value();
  EXPECT_EQ(dec2024.device_id, "DEV");
  EXPECT_EQ(dec2024.keys[0].index, 9);
  EXPECT_FALSE(parse_key_event("m.rtc.encryption_keys",
                               R"({"keys":[{"index":9,"key":"AAEC"}],"room_id":"!room:example.org",)"
                               R"("member":{"id":"m","device_id":"DEV","user_id":"@mallory:example.org"}})",
                               kContext));
}

TEST(KeyEvents, CurrentMsc4143) {
  for (const auto* type : {"m.rtc.encryption_key", "org.matrix.msc4143.rtc.encryption_key"}) {
    const auto event =
        parse_key_event(
            type,
            R"({"room_id":"!room:example.org","member_id":"xyz",)"
            R"("media_key":{"index":255,"key":"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8","format":"m.base64"}})",
            kContext)
            .value();
    EXPECT_EQ(event.device_id, "ALICEDEVICE");
    EXPECT_EQ(event.member_id, "xyz");
    EXPECT_EQ(event.keys[0].index, 255);
    EXPECT_EQ(event.keys[0].key.size(), 32U);
  }
}

TEST(KeyEvents, RefusesBrokenContent) {
  const std::string_view type = "io.element.call.encryption_keys";
  const auto refused = [&](std::string_view content) {
    const auto result = parse_key_event(type, content, kContext);
    return !result && result.error().code == ErrorCode::invalid_key_event;
  };
  const std::string_view member = R"("member":{"claimed_device_id":"D","id":"m"})";
  const auto with = [&](std::string_view keys, std::string_view room = "!room:example.org") {
    return std::string(R"({"keys":)") + std::string(keys) + R"(,"room_id":")" + std::string(room) + "\"," +
           std::string(member) + "}";
  };
  EXPECT_FALSE(refused(with(R"({"index":0,"key":"AAEC"})")));
  EXPECT_TRUE(refused(with(R"({"index":0,"key":"AAEC"})", "!other:example.org")));
  EXPECT_TRUE(refused(with(R"({"index":256,"key":"AAEC"})")));
  EXPECT_TRUE(refused(with(R"({"index":-1,"key":"AAEC"})")));
  EXPECT_TRUE(refused(with(R"({"index":1.5,"key":"AAEC"})")));
  EXPECT_TRUE(refused(with(R"({"index":"1","key":"AAEC"})")));
  EXPECT_TRUE(refused(with(R"({"key":"AAEC"})")));
  EXPECT_TRUE(refused(with(R"({"index":0,"key":""})")));
  EXPECT_TRUE(refused(with(R"({"index":0,"key":"!!!"})")));
  EXPECT_TRUE(refused(with(R"({"index":0})")));
  EXPECT_TRUE(refused(R"({"keys":{"index":0,"key":"AAEC"},"room_id":"!room:example.org","member":{"id":"m"}})"));
  EXPECT_TRUE(refused("not json"));
  EXPECT_TRUE(refused(R"({"keys":{"index":0,"key":"AAEC"},"keys":{"index":1,"key":"AAEC"}})"));
  EXPECT_FALSE(parse_key_event("m.room.message", "{}", kContext));
  EXPECT_FALSE(parse_key_event(type, kElementCall, {"!room:example.org", "", ""}));
}

TEST(KeyEvents, Base64AsMatrixJsSdkDecodesIt) {
  EXPECT_EQ(hex::encode(decode_key_base64("q83vEjRWeJCrze8SNFZ4kA==").value()), "abcdef1234567890abcdef1234567890");
  EXPECT_EQ(hex::encode(decode_key_base64("q83vEjRWeJCrze8SNFZ4kA").value()), "abcdef1234567890abcdef1234567890");
  EXPECT_EQ(hex::encode(decode_key_base64("-_8").value()), "fbff");
  EXPECT_FALSE(decode_key_base64("a b"));
}

TEST(KeyEvents, IdentitiesFollowTheJoinScheme) {
  const auto event = parse_key_event("io.element.call.encryption_keys", kElementCall, kContext).value();
  EXPECT_EQ(participant_identity(event, IdentityScheme::legacy_user_device).value(), "@alice:example.org:DEVICEID");
  EXPECT_EQ(participant_identity(event, IdentityScheme::user_device_member).value(),
            livekit::identity_with_device("@alice:example.org", "DEVICEID", "member1").value());
  EXPECT_EQ(participant_identity(event, IdentityScheme::user_member).value(),
            livekit::identity("@alice:example.org", "member1").value());
}

TEST(KeyEvents, AppliedKeysDecryptTheSendersFrames) {
  const auto event = parse_key_event("io.element.call.encryption_keys", kElementCall, kContext).value();
  auto rings = KeyRing::create(KeyProviderOptions::element_call()).value();
  const std::string identity = apply_key_event(rings, event, IdentityScheme::legacy_user_device).value();
  EXPECT_EQ(identity, "@alice:example.org:DEVICEID");
  const ParticipantKeyRing* ring = rings.find(identity);
  ASSERT_NE(ring, nullptr);
  EXPECT_EQ(ring->current_index(), 3U);

  // The sender encrypts with HKDF over the same 16 bytes at index 3.
  auto sender_ring = ParticipantKeyRing::create(KeyProviderOptions::element_call()).value();
  ASSERT_TRUE(sender_ring.set_key({Kdf::hkdf, unhex("abcdef1234567890abcdef1234567890")}, 3));
  FrameCryptor sender(sender_ring);
  const auto frame = sender.encrypt(unhex("f80102"), {Codec::opus, false}, 1, 2).value();
  FrameCryptor receiver(rings.participant(identity));
  EXPECT_EQ(hex::encode(receiver.decrypt(frame.data, {Codec::opus, false}).value().data), "f80102");
}

}  // namespace
}  // namespace matrixrtc::core::e2ee
