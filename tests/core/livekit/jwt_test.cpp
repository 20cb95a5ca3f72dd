#include "core/livekit/jwt.hpp"

#include <gtest/gtest.h>

#include "core/crypto/digest.hpp"
#include "core/encoding/base64.hpp"

namespace matrixrtc::core::livekit {
namespace {

std::string b64url(std::string_view text) {
  return base64::encode(text, base64::Alphabet::url, base64::Padding::without);
}

std::string hand_signed(std::string_view header, std::string_view payload, std::string_view secret) {
  std::string input = b64url(header) + "." + b64url(payload);
  const auto mac = crypto::hmac_sha256(secret, input).value();
  return input + "." + base64::encode(mac, base64::Alphabet::url, base64::Padding::without);
}

void expect_refused(std::string_view token, ErrorCode code, std::string_view message) {
  const auto result = verify_hs256(token, "secret");
  ASSERT_FALSE(result) << token;
  EXPECT_EQ(result.error().code, code) << result.error().message;
  EXPECT_EQ(result.error().message, message);
}

TEST(Jwt, SignThenVerify) {
  const auto token = sign_hs256(R"({"iss":"k","exp":10})", "secret").value();
  EXPECT_TRUE(token.starts_with("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."));
  const auto verified = verify_hs256(token, "secret");
  ASSERT_TRUE(verified) << verified.error().message;
  EXPECT_EQ(verified->header.at("alg").as_string(), "HS256");
  EXPECT_EQ(verified->payload.at("iss").as_string(), "k");
}

// RFC 7515 appendix A.1 uses HS256 with a JWK key; jwt.io's well-known
// example gives a second independent vector with a plain-text secret.
TEST(Jwt, VerifiesIndependentlyMintedToken) {
  const std::string token =
      "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ."
      "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";
  const auto verified = verify_hs256(token, "your-256-bit-secret");
  ASSERT_TRUE(verified) << verified.error().message;
  EXPECT_EQ(verified->payload.at("name").as_string(), "John Doe");
}

TEST(Jwt, RefusesWrongSecretAndTampering) {
  const auto token = sign_hs256(R"({"a":1})", "secret").value();
  EXPECT_EQ(verify_hs256(token, "other").error().code, ErrorCode::bad_signature);
  std::string tampered = token;
  tampered[tampered.find('.') + 2] ^= 1;
  EXPECT_FALSE(verify_hs256(tampered, "secret"));
  std::string resigned = token.substr(0, token.rfind('.') + 1) + "AAAA";
  expect_refused(resigned, ErrorCode::bad_signature, "signature does not match");
}

TEST(Jwt, RefusesOtherAlgorithms) {
  expect_refused(b64url(R"({"alg":"none"})") + "." + b64url(R"({"a":1})") + ".", ErrorCode::unsupported_algorithm,
                 "algorithm \"none\" is not allowed; only HS256 is");
  expect_refused(hand_signed(R"({"alg":"HS512"})", "{}", "secret"), ErrorCode::unsupported_algorithm,
                 "algorithm \"HS512\" is not allowed; only HS256 is");
  expect_refused(hand_signed(R"({"alg":"hs256"})", "{}", "secret"), ErrorCode::unsupported_algorithm,
                 "algorithm \"hs256\" is not allowed; only HS256 is");
  expect_refused(hand_signed(R"({"typ":"JWT"})", "{}", "secret"), ErrorCode::malformed_token, "header has no \"alg\"");
  expect_refused(hand_signed(R"({"alg":"HS256","crit":["exp"]})", "{}", "secret"), ErrorCode::unsupported_algorithm,
                 "header has unsupported \"crit\" extensions");
}

TEST(Jwt, AcceptsHeaderWithoutTyp) {
  // livekit-server-sdk (jose) omits "typ".
  EXPECT_TRUE(verify_hs256(hand_signed(R"({"alg":"HS256"})", R"({"x":1})", "secret"), "secret"));
}

TEST(Jwt, RefusesMalformedStructure) {
  expect_refused("", ErrorCode::malformed_token, "token has no '.' separators");
  expect_refused("a.b", ErrorCode::malformed_token, "token must have exactly three segments");
  expect_refused("a.b.c.d", ErrorCode::malformed_token, "token must have exactly three segments");
  expect_refused(std::string(kMaxTokenLength + 1, 'a'), ErrorCode::malformed_token, "token is too long");
  expect_refused("e30=.e30.", ErrorCode::malformed_token,
                 "header is not base64url: invalid base64 character at offset 3");
  expect_refused(b64url("[1]") + ".e30.", ErrorCode::malformed_token,
                 "header is not a JSON object: expected a JSON object");
  expect_refused(hand_signed(R"({"alg":"HS256","alg":"none"})", "{}", "secret"), ErrorCode::malformed_token,
                 "header is not a JSON object: duplicate key \"alg\" (at byte 27)");
  expect_refused(hand_signed(R"({"alg":"HS256"})", R"({"exp":1,"exp":2})", "secret"), ErrorCode::malformed_token,
                 "payload is not a JSON object: duplicate key \"exp\" (at byte 16)");
  expect_refused(hand_signed(R"({"alg":"HS256"})", "not json", "secret"), ErrorCode::malformed_token,
                 "payload is not a JSON object: syntax error (at byte 0)");
}

TEST(Jwt, SignatureIsCheckedBeforeThePayloadIsRead) {
  // A bad payload under a wrong signature reports the signature.
  const std::string token = b64url(R"({"alg":"HS256"})") + "." + b64url("garbage") + ".AAAA";
  expect_refused(token, ErrorCode::bad_signature, "signature does not match");
}

TEST(Jwt, DecodeUnverifiedShowsClaims) {
  const auto token = sign_hs256(R"({"iss":"k"})", "secret").value();
  const auto decoded = decode_unverified(token);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->payload.at("iss").as_string(), "k");
  EXPECT_FALSE(decode_unverified("x.y"));
}

}  // namespace
}  // namespace matrixrtc::core::livekit
