#include "core/crypto/digest.hpp"

#include <gtest/gtest.h>

#include "core/encoding/base64.hpp"

namespace matrixrtc::core::crypto {
namespace {

std::string hex(const Sha256Digest& digest) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (const auto byte : digest) {
    out.push_back(kHex[byte >> 4]);
    out.push_back(kHex[byte & 0xF]);
  }
  return out;
}

TEST(Digest, Sha256KnownAnswers) {
  EXPECT_EQ(hex(sha256("")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(hex(sha256("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

// RFC 4231 test cases 1 and 2.
TEST(Digest, HmacSha256KnownAnswers) {
  EXPECT_EQ(hex(hmac_sha256(std::string(20, '\x0b'), "Hi There").value()),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  EXPECT_EQ(hex(hmac_sha256("Jefe", "what do ya want for nothing?").value()),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(Digest, HmacAcceptsEmptyKeyAndData) {
  EXPECT_EQ(hex(hmac_sha256("", "").value()), "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

// The keyed context is reused while the key stays the same: repeated MACs,
// a key change, a change back and an empty key in between must all match
// what a fresh computation gives (RFC 4231 cases 1 and 2).
TEST(Digest, HmacReusesItsKeyOnlyWhileTheKeyIsTheSame) {
  const std::string case1_key(20, '\x0b');
  const std::string case1 = "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7";
  const std::string case2 = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
  const std::string empty = "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad";
  for (int round = 0; round < 3; ++round) {
    EXPECT_EQ(hex(hmac_sha256(case1_key, "Hi There").value()), case1) << round;
    EXPECT_EQ(hex(hmac_sha256(case1_key, "Hi There").value()), case1) << round;
    EXPECT_EQ(hex(hmac_sha256("Jefe", "what do ya want for nothing?").value()), case2) << round;
    EXPECT_EQ(hex(hmac_sha256("", "").value()), empty) << round;
    EXPECT_EQ(hex(hmac_sha256("", "").value()), empty) << round;
    // Same length as "Jefe", different bytes: must not be taken for the cached key.
    EXPECT_NE(hex(hmac_sha256("Jeff", "what do ya want for nothing?").value()), case2) << round;
  }
}

TEST(Digest, ConstantTimeEqual) {
  EXPECT_TRUE(constant_time_equal("", ""));
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_FALSE(constant_time_equal("abc", "abd"));
  EXPECT_FALSE(constant_time_equal("abc", "ab"));
  EXPECT_FALSE(constant_time_equal(std::string_view("a\0b", 3), std::string_view("a\0c", 3)));
}

}  // namespace
}  // namespace matrixrtc::core::crypto
