#include "core/livekit/webhook_token.hpp"

#include "core/crypto/digest.hpp"
#include "core/encoding/base64.hpp"

namespace matrixrtc::core::livekit {

std::string webhook_body_hash(std::string_view body) {
  return base64::encode(crypto::sha256(body), base64::Alphabet::standard, base64::Padding::with);
}

Result<std::string> mint_webhook_token(std::string_view api_key, std::string_view secret, std::string_view body,
                                       std::int64_t now, std::int64_t ttl_seconds) {
  AccessTokenClaims claims = make_claims(api_key, "", now, ttl_seconds);
  claims.sha256 = webhook_body_hash(body);
  return mint_access_token(claims, secret);
}

Result<VerifiedToken> verify_webhook(std::string_view authorization, std::string_view body,
                                     const VerifyOptions& options) {
  std::string_view token = authorization;
  constexpr std::string_view kBearer = "Bearer ";
  if (token.starts_with(kBearer)) token.remove_prefix(kBearer.size());
  if (token.empty()) return fail(ErrorCode::missing_claim, "no webhook token", "M_MISSING_TOKEN");
  auto verified = verify_access_token(token, options);
  if (!verified) return verified;
  if (!verified->claims.sha256) return fail(ErrorCode::missing_claim, "webhook token has no sha256 claim");
  if (!crypto::constant_time_equal(*verified->claims.sha256, webhook_body_hash(body))) {
    return fail(ErrorCode::body_hash_mismatch, "webhook body does not match the token's sha256 claim");
  }
  return verified;
}

}  // namespace matrixrtc::core::livekit
