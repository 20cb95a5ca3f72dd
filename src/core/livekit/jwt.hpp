// Compact JWS with HMAC-SHA-256, the only form LiveKit accepts. Signing takes
// the payload text as given, so callers control its exact bytes; verification
// checks the structure, refuses every `alg` but HS256 (`none` included) and any
// `crit` extension, and compares the signature in constant time before the
// payload is trusted.
#pragma once

#include <boost/json/object.hpp>
#include <cstddef>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace matrixrtc::core::livekit {

/// Tokens longer than this are refused before any decoding work.
inline constexpr std::size_t kMaxTokenLength = 64 * 1024;

/// The header every token we mint carries.
inline constexpr std::string_view kJwtHeader = R"({"alg":"HS256","typ":"JWT"})";

/// Returns header.payload.signature, each segment base64url without padding.
[[nodiscard]] Result<std::string> sign_hs256(std::string_view payload_json, std::string_view secret);

struct VerifiedJws {
  boost::json::object header;
  boost::json::object payload;
};

/// Checks structure, algorithm and signature; claims are the caller's business.
[[nodiscard]] Result<VerifiedJws> verify_hs256(std::string_view token, std::string_view secret);

/// Decodes header and payload without checking the signature. Only for
/// showing a token to a human, or finding which key signed it (`iss`).
[[nodiscard]] Result<VerifiedJws> decode_unverified(std::string_view token);

}  // namespace matrixrtc::core::livekit
