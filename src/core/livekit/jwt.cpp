#include "core/livekit/jwt.hpp"

#include <array>

#include "core/crypto/digest.hpp"
#include "core/encoding/base64.hpp"
#include "core/json/strict_parser.hpp"

namespace matrixrtc::core::livekit {
namespace {

struct Segments {
  std::string_view header;
  std::string_view payload;
  std::string_view signature;
  std::string_view signing_input;  // "header.payload"
};

Result<Segments> split(std::string_view token) {
  if (token.size() > kMaxTokenLength) return fail(ErrorCode::malformed_token, "token is too long");
  const auto first = token.find('.');
  if (first == std::string_view::npos) return fail(ErrorCode::malformed_token, "token has no '.' separators");
  const auto second = token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos) {
    return fail(ErrorCode::malformed_token, "token must have exactly three segments");
  }
  return Segments{token.substr(0, first), token.substr(first + 1, second - first - 1), token.substr(second + 1),
                  token.substr(0, second)};
}

Result<boost::json::object> decode_json_segment(std::string_view segment, std::string_view what) {
  auto raw = base64::decode(segment, base64::Alphabet::url, base64::Padding::without);
  if (!raw) return fail(ErrorCode::malformed_token, std::string(what) + " is not base64url: " + raw.error().message);
  json::ParseLimits limits;
  limits.max_depth = 16;
  auto object = json::parse_strict_object(*raw, limits);
  if (!object)
    return fail(ErrorCode::malformed_token, std::string(what) + " is not a JSON object: " + object.error().message);
  return std::move(*object);
}

Result<VerifiedJws> decode(const Segments& parts) {
  auto header = decode_json_segment(parts.header, "header");
  if (!header) return std::unexpected(std::move(header.error()));
  auto payload = decode_json_segment(parts.payload, "payload");
  if (!payload) return std::unexpected(std::move(payload.error()));
  return VerifiedJws{std::move(*header), std::move(*payload)};
}

Result<void> check_header(const boost::json::object& header) {
  const auto* alg = header.if_contains("alg");
  if (alg == nullptr || !alg->is_string()) return fail(ErrorCode::malformed_token, "header has no \"alg\"");
  if (alg->get_string() != "HS256") {
    return fail(ErrorCode::unsupported_algorithm,
                "algorithm \"" + std::string(alg->get_string().subview(0, 32)) + "\" is not allowed; only HS256 is");
  }
  if (header.contains("crit"))
    return fail(ErrorCode::unsupported_algorithm, "header has unsupported \"crit\" extensions");
  return {};
}

}  // namespace

Result<std::string> sign_hs256(std::string_view payload_json, std::string_view secret) {
  std::string token = base64::encode(kJwtHeader, base64::Alphabet::url, base64::Padding::without);
  token.push_back('.');
  token += base64::encode(payload_json, base64::Alphabet::url, base64::Padding::without);
  auto mac = crypto::hmac_sha256(secret, token);
  if (!mac) return std::unexpected(std::move(mac.error()));
  token.push_back('.');
  token += base64::encode(*mac, base64::Alphabet::url, base64::Padding::without);
  return token;
}

Result<VerifiedJws> verify_hs256(std::string_view token, std::string_view secret) {
  auto parts = split(token);
  if (!parts) return std::unexpected(std::move(parts.error()));
  auto header = decode_json_segment(parts->header, "header");
  if (!header) return std::unexpected(std::move(header.error()));
  if (auto ok = check_header(*header); !ok) return std::unexpected(std::move(ok.error()));

  auto signature = base64::decode(parts->signature, base64::Alphabet::url, base64::Padding::without);
  if (!signature) return fail(ErrorCode::malformed_token, "signature is not base64url: " + signature.error().message);
  auto expected = crypto::hmac_sha256(secret, parts->signing_input);
  if (!expected) return std::unexpected(std::move(expected.error()));
  if (!crypto::constant_time_equal(*signature, crypto::as_chars(*expected))) {
    return fail(ErrorCode::bad_signature, "signature does not match");
  }
  auto payload = decode_json_segment(parts->payload, "payload");
  if (!payload) return std::unexpected(std::move(payload.error()));
  return VerifiedJws{std::move(*header), std::move(*payload)};
}

Result<VerifiedJws> decode_unverified(std::string_view token) {
  auto parts = split(token);
  if (!parts) return std::unexpected(std::move(parts.error()));
  return decode(*parts);
}

}  // namespace matrixrtc::core::livekit
