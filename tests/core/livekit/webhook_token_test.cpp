#include "core/livekit/webhook_token.hpp"

#include <gtest/gtest.h>

namespace matrixrtc::core::livekit {
namespace {

constexpr std::int64_t kNow = 1'795'422'382;
constexpr std::string_view kBody =
    R"({"event":"participant_joined","room":{"name":"r"},"participant":{"identity":"i"}})";

VerifyOptions options() { return {.api_key = "APIKEY", .secret = "secret", .now = kNow, .leeway_seconds = 10}; }

TEST(WebhookToken, BodyHashIsPaddedStandardBase64) {
  // sha256("") in padded standard base64.
  EXPECT_EQ(webhook_body_hash(""), "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
}

TEST(WebhookToken, MintThenVerifyRawAndBearer) {
  const auto token = mint_webhook_token("APIKEY", "secret", kBody, kNow).value();
  const auto raw = verify_webhook(token, kBody, options());
  ASSERT_TRUE(raw) << raw.error().message;
  EXPECT_EQ(raw->claims.sha256, webhook_body_hash(kBody));
  EXPECT_TRUE(verify_webhook("Bearer " + token, kBody, options()));
}

TEST(WebhookToken, RefusesAChangedBody) {
  const auto token = mint_webhook_token("APIKEY", "secret", kBody, kNow).value();
  const auto result = verify_webhook(token, std::string(kBody) + " ", options());
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::body_hash_mismatch);
  EXPECT_EQ(result.error().message, "webhook body does not match the token's sha256 claim");
}

TEST(WebhookToken, RefusesTokensWithoutBodyHash) {
  AccessTokenClaims claims = make_claims("APIKEY", "", kNow, 600);
  const auto token = mint_access_token(claims, "secret").value();
  const auto result = verify_webhook(token, kBody, options());
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::missing_claim);
  EXPECT_EQ(result.error().message, "webhook token has no sha256 claim");
}

TEST(WebhookToken, RefusesMissingWrongKeyAndWrongSecret) {
  EXPECT_EQ(verify_webhook("", kBody, options()).error().code, ErrorCode::missing_claim);
  EXPECT_EQ(verify_webhook("Bearer ", kBody, options()).error().code, ErrorCode::missing_claim);
  const auto other_key = mint_webhook_token("OTHER", "secret", kBody, kNow).value();
  EXPECT_EQ(verify_webhook(other_key, kBody, options()).error().code, ErrorCode::wrong_issuer);
  const auto other_secret = mint_webhook_token("APIKEY", "nope", kBody, kNow).value();
  EXPECT_EQ(verify_webhook(other_secret, kBody, options()).error().code, ErrorCode::bad_signature);
}

}  // namespace
}  // namespace matrixrtc::core::livekit
