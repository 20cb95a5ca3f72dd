// LiveKit webhook authentication: the `Authorization` header carries an access
// token (raw, or after "Bearer ") signed by the API key, whose `sha256` claim is
// the padded standard base64 SHA-256 of the exact request body.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "core/livekit/access_token.hpp"

namespace matrixrtc::core::livekit {

/// The `sha256` claim value for a body.
[[nodiscard]] std::string webhook_body_hash(std::string_view body);

/// Mints the header value LiveKit sends with a webhook (for test SFUs and tools).
[[nodiscard]] Result<std::string> mint_webhook_token(std::string_view api_key, std::string_view secret,
                                                     std::string_view body, std::int64_t now,
                                                     std::int64_t ttl_seconds = 600);

/// Verifies the token in `authorization` against `body`.
[[nodiscard]] Result<VerifiedToken> verify_webhook(std::string_view authorization, std::string_view body,
                                                   const VerifyOptions& options);

}  // namespace matrixrtc::core::livekit
