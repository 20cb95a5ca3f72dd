#include "core/e2ee/frame_cryptor.hpp"

#include <gtest/gtest.h>

#include "e2ee/vectors.hpp"

namespace matrixrtc::core::e2ee {
namespace {

using testing::unhex;

const FrameDescription kOpus{Codec::opus, false};
const FrameDescription kVp8Delta{Codec::vp8, false};

ParticipantKeyRing ring_with(KeyMaterial material, std::size_t index, unsigned window = 0) {
  KeyProviderOptions options = KeyProviderOptions::element_call();
  options.ratchet_window_size = window;
  auto ring = ParticipantKeyRing::create(options).value();
  EXPECT_TRUE(ring.set_key(std::move(material), index));
  return ring;
}

const KeyMaterial kKey{Kdf::hkdf, Bytes(32, 0x42)};

TEST(FrameCryptor, MatchesTheReferenceOpusSequence) {
  // Frames produced by livekit-client 2.23: HKDF over 00..1f, index 7, SSRC cafebabe, counter from 0.
  Bytes secret(32);
  for (std::size_t i = 0; i < secret.size(); ++i) secret[i] = static_cast<std::uint8_t>(i);
  auto ring = ring_with({Kdf::hkdf, secret}, 7);
  FrameCryptor cryptor(ring);
  EXPECT_EQ(hex::encode(cryptor.encrypt(unhex("f8010203"), kOpus, 0xcafebabe, 960).value().data),
            "f803485838de1aa4ddb34dc930d969216b30106ecafebabe000003c0000003c00c07");
  EXPECT_EQ(hex::encode(cryptor.encrypt(unhex("f8010203"), kOpus, 0xcafebabe, 1920).value().data),
            "f8bb5cf079fb35362dd6025ac8248a0c3933c1e5cafebabe000007800000077f0c07");
}

TEST(FrameCryptor, CountersArePerSsrcAndCanBeSeeded) {
  auto ring = ring_with(kKey, 0);
  FrameCryptor cryptor(ring);
  EXPECT_EQ(hex::encode(cryptor.encrypt(unhex("f801"), kOpus, 1, 100).value().iv), "000000010000006400000064");
  EXPECT_EQ(hex::encode(cryptor.encrypt(unhex("f801"), kOpus, 2, 100).value().iv), "000000020000006400000064");
  EXPECT_EQ(hex::encode(cryptor.encrypt(unhex("f801"), kOpus, 1, 100).value().iv), "000000010000006400000063");
  cryptor.set_send_count(1, 0x10);
  EXPECT_EQ(hex::encode(cryptor.encrypt(unhex("f801"), kOpus, 1, 100).value().iv), "000000010000006400000054");
  // A refused frame does not use up a counter value.
  EXPECT_FALSE(cryptor.encrypt(unhex("10"), {Codec::vp8, true}, 1, 100));
  EXPECT_EQ(hex::encode(cryptor.encrypt(unhex("f801"), kOpus, 1, 100).value().iv), "000000010000006400000053");
}

TEST(FrameCryptor, RoundTripAndEmptyFrames) {
  auto ring = ring_with(kKey, 200);
  FrameCryptor cryptor(ring);
  const Bytes plain = unhex("310100 0102030405060708090a");
  const auto sealed = cryptor.encrypt(plain, kVp8Delta, 9, 9).value();
  EXPECT_EQ(sealed.key_index, 200);
  EXPECT_EQ(sealed.data.back(), 200);
  const auto opened = cryptor.decrypt(sealed.data, kVp8Delta).value();
  EXPECT_EQ(opened.data, plain);
  EXPECT_EQ(opened.outcome, DecryptOutcome::decrypted);
  EXPECT_EQ(opened.header_length, 3U);
  EXPECT_EQ(opened.iv.size(), kIvLength);
  EXPECT_TRUE(cryptor.encrypt({}, kVp8Delta, 1, 1).value().data.empty());
  EXPECT_EQ(cryptor.decrypt({}, kVp8Delta).value().outcome, DecryptOutcome::empty);
}

TEST(FrameCryptor, MissingKeysAndInvalidatedKeys) {
  auto sender_ring = ring_with(kKey, 3);
  auto receiver_ring = ring_with(KeyMaterial{Kdf::hkdf, Bytes(32, 0x43)}, 3);
  FrameCryptor sender(sender_ring);
  FrameCryptor receiver(receiver_ring);
  const auto frame = sender.encrypt(unhex("f8aabb"), kOpus, 1, 1).value().data;
  Bytes other_index = frame;
  other_index.back() = 4;
  EXPECT_EQ(receiver.decrypt(other_index, kOpus).error().code, ErrorCode::missing_key);
  for (int i = 0; i < 11; ++i) EXPECT_EQ(receiver.decrypt(frame, kOpus).error().code, ErrorCode::decryption_failed);
  EXPECT_EQ(receiver.decrypt(frame, kOpus).error().code, ErrorCode::key_invalidated);
  auto empty_ring = ParticipantKeyRing::create(KeyProviderOptions{}).value();
  FrameCryptor no_keys(empty_ring);
  EXPECT_EQ(no_keys.encrypt(unhex("f8aa"), kOpus, 1, 1).error().code, ErrorCode::missing_key);
}

TEST(FrameCryptor, AnIvLongerThanOpenSslAcceptsIsMalformedAndCounted) {
  auto ring = ring_with(kKey, 3);
  FrameCryptor receiver(ring);
  Bytes frame(1 + 300, 0x5a);
  frame.push_back(129);  // IV length
  frame.push_back(3);    // key index
  for (int i = 0; i < 11; ++i) {
    const auto refused = receiver.decrypt(frame, kOpus);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, ErrorCode::malformed_frame) << i;
    EXPECT_EQ(refused.error().message, "IV length 129 is above the maximum of 128");
  }
  // Each refusal counted against the key, which the tolerance now invalidates.
  EXPECT_TRUE(ring.has_invalid_key_at(3));
  EXPECT_EQ(receiver.decrypt(frame, kOpus).error().code, ErrorCode::key_invalidated);
}

TEST(FrameCryptor, RatchetWindowCatchesUpAndStoresTheKey) {
  auto sender_ring = ring_with(ratchet(kKey, 3).value(), 1);
  FrameCryptor sender(sender_ring);
  const Bytes plain = unhex("f8 00112233");
  const auto frame = sender.encrypt(plain, kOpus, 5, 5).value().data;

  auto small = ring_with(kKey, 1, 2);
  EXPECT_EQ(FrameCryptor(small).decrypt(frame, kOpus).error().code, ErrorCode::decryption_failed);
  EXPECT_EQ(small.key_set(1)->material, kKey);  // nothing stored on failure

  auto receiver_ring = ring_with(kKey, 1, 10);
  FrameCryptor receiver(receiver_ring);
  const auto opened = receiver.decrypt(frame, kOpus).value();
  EXPECT_EQ(opened.data, plain);
  EXPECT_EQ(opened.ratchets, 3U);
  ASSERT_TRUE(opened.ratcheted_chain_key);
  EXPECT_EQ(receiver_ring.key_set(1)->material, ratchet(kKey, 3).value());
  EXPECT_EQ(receiver.decrypt(frame, kOpus).value().ratchets, 0U);
}

TEST(FrameCryptor, ServerInjectedFrames) {
  auto ring = ring_with(kKey, 0);
  FrameCryptor cryptor(ring);
  const Bytes trailer{'r', 'o', 'o', 'm', 's', 'i', 'f'};
  cryptor.set_sif_trailer(trailer);
  // livekit-client's Opus silence SIF payload: f8 ff fe and 77 zero bytes.
  Bytes silence = unhex("f8fffe");
  silence.resize(80, 0);
  ASSERT_TRUE(is_known_sif_payload(silence));
  Bytes frame = silence;
  frame.insert(frame.end(), trailer.begin(), trailer.end());
  const auto passed = cryptor.decrypt(frame, kOpus).value();
  EXPECT_EQ(passed.outcome, DecryptOutcome::server_injected);
  EXPECT_EQ(passed.data, silence);
  frame[5] = 1;
  EXPECT_EQ(cryptor.decrypt(frame, kOpus).error().code, ErrorCode::unexpected_sif);
  // Shorter than the trailer, or no trailer configured: an ordinary frame.
  EXPECT_EQ(cryptor.decrypt(unhex("f8"), kOpus).error().code, ErrorCode::missing_key);
  FrameCryptor plain_cryptor(ring);
  EXPECT_EQ(plain_cryptor.decrypt(frame, kOpus).error().code, ErrorCode::missing_key);
}

}  // namespace
}  // namespace matrixrtc::core::e2ee
