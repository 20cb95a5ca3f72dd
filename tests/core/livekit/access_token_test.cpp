#include "core/livekit/access_token.hpp"

#include <gtest/gtest.h>

#include "core/encoding/base64.hpp"
#include "core/json/canonical_json.hpp"
#include "core/json/strict_parser.hpp"
#include "core/livekit/jwt.hpp"

namespace matrixrtc::core::livekit {
namespace {

constexpr std::int64_t kNow = 1'795'422'382;

AccessTokenClaims member_claims() {
  AccessTokenClaims claims = make_claims("APIKEY", "J+T45tGruxc+HrUOqJJlyQSV33m728Cme4+vt8/SWrU", kNow, 3600);
  claims.video = member_video_grant("O8437W3+jmzMVjoIP3tNwbm+XxHQk2iKpOA7aqw3qSc", true, false);
  return claims;
}

VerifyOptions options(std::int64_t now = kNow) {
  return VerifyOptions{.api_key = "APIKEY", .secret = "secret", .now = now, .leeway_seconds = 10};
}

TEST(AccessToken, PayloadHasLiveKitClaimNamesInCanonicalOrder) {
  EXPECT_EQ(claims_payload_json(member_claims()).value(),
            R"({"exp":1795425982,"iat":1795422382,"iss":"APIKEY","nbf":1795422382,)"
            R"("sub":"J+T45tGruxc+HrUOqJJlyQSV33m728Cme4+vt8/SWrU","video":{"canPublish":true,"canSubscribe":true,)"
            R"("canUpdateOwnMetadata":false,"hidden":false,"room":"O8437W3+jmzMVjoIP3tNwbm+XxHQk2iKpOA7aqw3qSc",)"
            R"("roomCreate":false,"roomJoin":true}})");
}

TEST(AccessToken, DirectPayloadWriterEqualsCanonicalJson) {
  AccessTokenClaims claims = member_claims();
  claims.name = "Zoë ~?>";
  claims.metadata = R"({"x":1})";
  claims.attributes = std::map<std::string, std::string>{{"b", "2"}, {"A", "1"}, {"é", "3"}};
  claims.kind = "standard";
  claims.sha256 = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";
  VideoGrant& video = *claims.video;
  video.room_admin = video.room_list = video.room_record = video.can_publish_data = true;
  video.recorder = video.ingress_admin = false;
  video.can_publish_sources = std::vector<std::string>{"camera", "screen_share"};
  const auto payload = claims_payload_json(claims).value();
  const auto parsed = json::parse_strict(payload).value();
  EXPECT_EQ(payload, json::canonical_json(parsed, json::Escaping::jwt_ascii).value());
  claims.issued_at.reset();
  claims.identity.clear();
  claims.video.reset();
  const auto minimal = claims_payload_json(claims).value();
  EXPECT_EQ(minimal, json::canonical_json(json::parse_strict(minimal).value(), json::Escaping::jwt_ascii).value());
}

TEST(AccessToken, AllOptionalClaimsRoundTrip) {
  AccessTokenClaims claims = member_claims();
  claims.name = "Alice";
  claims.metadata = R"({"x":1})";
  claims.attributes = std::map<std::string, std::string>{{"a", "1"}, {"b", "?>~"}};
  claims.kind = "standard";
  VideoGrant& video = *claims.video;
  video.room_admin = true;
  video.room_list = false;
  video.room_record = false;
  video.can_publish_data = true;
  video.recorder = false;
  video.ingress_admin = false;
  video.can_publish_sources = std::vector<std::string>{"camera", "microphone"};
  const auto token = mint_access_token(claims, "secret").value();
  const auto verified = verify_access_token(token, options());
  ASSERT_TRUE(verified) << verified.error().message;
  EXPECT_EQ(verified->claims, claims);
  EXPECT_EQ(verified->payload.at("attributes").at("b").as_string(), "?>~");
}

TEST(AccessToken, PayloadSegmentIsDecodableByAtob) {
  // Characters that would put '-' or '_' into base64url, at every offset.
  for (const std::string prefix : {"", "a", "ab"}) {
    AccessTokenClaims claims = member_claims();
    claims.name = prefix + ">>>???~~~\x7f\xc3\xa9\xe6\x97\xa5\xf0\x9f\x98\x80\xef\xbf\xbf";
    claims.metadata = prefix + "~?>";
    const auto token = mint_access_token(claims, "secret").value();
    const auto payload = token.substr(token.find('.') + 1, token.rfind('.') - token.find('.') - 1);
    EXPECT_EQ(payload.find_first_of("-_"), std::string::npos) << payload;
    const auto text = base64::decode(payload, base64::Alphabet::url, base64::Padding::without).value();
    for (const char c : text) EXPECT_LT(static_cast<unsigned char>(c), 0x7F);
    EXPECT_EQ(verify_access_token(token, options())->claims.name, claims.name);
  }
}

TEST(AccessToken, MintRefusesUnusableClaims) {
  AccessTokenClaims claims = member_claims();
  EXPECT_EQ(mint_access_token(claims, "").error().message, "the API secret must not be empty");
  claims.issuer.clear();
  EXPECT_EQ(mint_access_token(claims, "s").error().message, "the API key (iss) must not be empty");
  claims = member_claims();
  claims.identity.clear();
  EXPECT_EQ(mint_access_token(claims, "s").error().message, "a token that grants roomJoin needs an identity");
  claims = member_claims();
  claims.expires_at = claims.not_before;
  EXPECT_EQ(mint_access_token(claims, "s").error().message, "the token must expire after it becomes valid");
  claims = member_claims();
  claims.name = "\xff";
  EXPECT_EQ(mint_access_token(claims, "s").error().code, ErrorCode::invalid_utf8);
}

TEST(AccessToken, TimeChecksUseLeeway) {
  const auto token = mint_access_token(member_claims(), "secret").value();
  EXPECT_TRUE(verify_access_token(token, options(kNow - 10)));
  EXPECT_EQ(verify_access_token(token, options(kNow - 11)).error().code, ErrorCode::token_not_yet_valid);
  EXPECT_TRUE(verify_access_token(token, options(kNow + 3600 + 9)));
  const auto expired = verify_access_token(token, options(kNow + 3600 + 10));
  ASSERT_FALSE(expired);
  EXPECT_EQ(expired.error().code, ErrorCode::token_expired);
  EXPECT_EQ(expired.error().message, "token has expired");
}

TEST(AccessToken, IssuerMustBeTheApiKey) {
  const auto token = mint_access_token(member_claims(), "secret").value();
  VerifyOptions other = options();
  other.api_key = "OTHER";
  const auto result = verify_access_token(token, other);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::wrong_issuer);
}

void expect_claims_refused(std::string_view payload, ErrorCode code, std::string_view message) {
  const auto token = sign_hs256(payload, "secret").value();
  const auto result = verify_access_token(token, options());
  ASSERT_FALSE(result) << payload;
  EXPECT_EQ(result.error().code, code) << result.error().message;
  EXPECT_EQ(result.error().message, message);
}

TEST(AccessToken, RefusesMissingOrMistypedClaims) {
  expect_claims_refused(R"({"exp":1795425982})", ErrorCode::missing_claim, "token has no \"iss\" claim");
  expect_claims_refused(R"({"iss":"APIKEY"})", ErrorCode::missing_claim, "token has no \"exp\" claim");
  expect_claims_refused(R"({"iss":7,"exp":1795425982})", ErrorCode::invalid_claim, "claim \"iss\" must be a string");
  expect_claims_refused(R"({"iss":"APIKEY","exp":"soon"})", ErrorCode::invalid_claim,
                        "claim \"exp\" must be an integer number of seconds");
  expect_claims_refused(R"({"iss":"APIKEY","exp":1795425982.5})", ErrorCode::invalid_claim,
                        "claim \"exp\" must be an integer number of seconds");
  expect_claims_refused(R"({"iss":"APIKEY","exp":1795425982,"video":[]})", ErrorCode::invalid_claim,
                        "claim \"video\" must be an object");
  expect_claims_refused(R"({"iss":"APIKEY","exp":1795425982,"video":{"canPublish":"yes"}})", ErrorCode::invalid_claim,
                        "claim \"video.canPublish\" must be a boolean");
  expect_claims_refused(R"({"iss":"APIKEY","exp":1795425982,"video":{"room":1}})", ErrorCode::invalid_claim,
                        "claim \"video.room\" must be a string");
  expect_claims_refused(R"({"iss":"APIKEY","exp":1795425982,"attributes":{"a":1}})", ErrorCode::invalid_claim,
                        "claim \"attributes\" must be an object of strings");
  expect_claims_refused(R"({"iss":"APIKEY","exp":1795425982,"sub":null})", ErrorCode::invalid_claim,
                        "claim \"sub\" must be a string");
}

TEST(AccessToken, UnknownClaimsArePreservedInPayload) {
  const auto token = sign_hs256(R"({"iss":"APIKEY","exp":1795425982,"identity":"x","jti":"j","sip":{}})", "secret");
  const auto verified = verify_access_token(token.value(), options());
  ASSERT_TRUE(verified) << verified.error().message;
  EXPECT_EQ(verified->payload.at("jti").as_string(), "j");
  EXPECT_EQ(verified->claims.identity, "");
}

}  // namespace
}  // namespace matrixrtc::core::livekit
