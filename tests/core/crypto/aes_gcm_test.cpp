#include "core/crypto/aes_gcm.hpp"

#include <gtest/gtest.h>

#include "core/encoding/hex.hpp"

namespace matrixrtc::core::crypto {
namespace {

std::vector<std::uint8_t> unhex(std::string_view text) { return hex::decode(text).value(); }

// The GCM specification's test cases 1 and 2 (McGrew and Viega) and 13 (AES-256).
TEST(AesGcm, KnownAnswers) {
  const auto zero16 = unhex("00000000000000000000000000000000");
  const auto zero12 = unhex("000000000000000000000000");
  EXPECT_EQ(hex::encode(aes_gcm_encrypt(zero16, zero12, {}, {}).value()), "58e2fccefa7e3061367f1d57a4e7455a");
  EXPECT_EQ(hex::encode(aes_gcm_encrypt(zero16, zero12, {}, zero16).value()),
            "0388dace60b6a392f328c2b971b2fe78ab6e47d42cec13bdf53a67b21257bddf");
  const std::vector<std::uint8_t> zero32(32, 0);
  EXPECT_EQ(hex::encode(aes_gcm_encrypt(zero32, zero12, {}, {}).value()), "530f8afbc74536b9a963b4f1c4cb738b");
}

TEST(AesGcm, RoundTripWithAadAndOddIvLength) {
  const auto key = unhex("000102030405060708090a0b0c0d0e0f");
  const auto aad = unhex("aabbcc");
  const auto plain = unhex("48656c6c6f");
  for (const std::size_t iv_length : {1U, 12U, 16U}) {
    const std::vector<std::uint8_t> iv(iv_length, 7);
    const auto sealed = aes_gcm_encrypt(key, iv, aad, plain).value();
    EXPECT_EQ(sealed.size(), plain.size() + kGcmTagLength);
    EXPECT_EQ(aes_gcm_decrypt(key, iv, aad, sealed).value(), plain);
  }
}

TEST(AesGcm, IvLengthIsBounded) {
  const auto key = unhex("000102030405060708090a0b0c0d0e0f");
  const std::vector<std::uint8_t> longest(kMaxGcmIvLength, 7);
  const auto sealed = aes_gcm_encrypt(key, longest, {}, unhex("01")).value();
  EXPECT_EQ(aes_gcm_decrypt(key, longest, {}, sealed).value(), unhex("01"));
  const std::vector<std::uint8_t> too_long(kMaxGcmIvLength + 1, 7);
  const auto refused = aes_gcm_decrypt(key, too_long, {}, sealed);
  EXPECT_EQ(refused.error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(refused.error().message, "AES-GCM IV must be 1 to 128 bytes, got 129");
  EXPECT_EQ(aes_gcm_encrypt(key, {}, {}, unhex("01")).error().code, ErrorCode::invalid_argument);
}

TEST(AesGcm, RefusesTamperingWrongKeyAndShortInput) {
  const auto key = unhex("000102030405060708090a0b0c0d0e0f");
  const std::vector<std::uint8_t> iv(12, 1);
  const auto sealed = aes_gcm_encrypt(key, iv, {}, unhex("0102")).value();
  for (std::size_t i = 0; i < sealed.size(); ++i) {
    auto bad = sealed;
    bad[i] ^= 0x01;
    EXPECT_EQ(aes_gcm_decrypt(key, iv, {}, bad).error().code, ErrorCode::decryption_failed) << i;
  }
  auto wrong = key;
  wrong[0] ^= 1;
  EXPECT_EQ(aes_gcm_decrypt(wrong, iv, {}, sealed).error().code, ErrorCode::decryption_failed);
  EXPECT_EQ(aes_gcm_decrypt(key, iv, unhex("00"), sealed).error().code, ErrorCode::decryption_failed);
  EXPECT_EQ(aes_gcm_decrypt(key, iv, {}, std::span(sealed).first(15)).error().code, ErrorCode::malformed_frame);
}

TEST(AesGcm, RefusesBadKeyLengthAndEmptyIv) {
  const std::vector<std::uint8_t> iv(12, 1);
  EXPECT_EQ(aes_gcm_encrypt(std::vector<std::uint8_t>(24, 0), iv, {}, {}).error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(aes_gcm_encrypt(std::vector<std::uint8_t>(16, 0), {}, {}, {}).error().code, ErrorCode::invalid_argument);
}

}  // namespace
}  // namespace matrixrtc::core::crypto
