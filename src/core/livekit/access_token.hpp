// LiveKit access tokens: the claims LiveKit reads (names as in
// livekit/protocol's ClaimGrants and VideoGrant), minting with an ASCII-only
// payload that Element Call's atob() can decode, and verification with the
// rules of LiveKit's server (HS256 only, `iss` is the API key, `exp` required,
// `nbf`/`exp` with leeway).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "core/error.hpp"

namespace matrixrtc::core::livekit {

/// The `video` grant. Unset fields are omitted from the token, so LiveKit's
/// own defaults apply (canPublish/canSubscribe true, the rest false).
struct VideoGrant {
  std::optional<std::string> room;
  std::optional<bool> room_join;
  std::optional<bool> room_create;
  std::optional<bool> room_admin;
  std::optional<bool> room_list;
  std::optional<bool> room_record;
  std::optional<bool> can_publish;
  std::optional<bool> can_subscribe;
  std::optional<bool> can_publish_data;
  std::optional<bool> can_update_own_metadata;
  std::optional<bool> hidden;
  std::optional<bool> recorder;
  std::optional<bool> ingress_admin;
  std::optional<std::vector<std::string>> can_publish_sources;

  friend bool operator==(const VideoGrant&, const VideoGrant&) = default;
};

/// A boolean field of VideoGrant and its JSON name in the token.
struct VideoGrantFlag {
  std::string_view json_name;
  std::optional<bool> VideoGrant::*member;
};

inline constexpr std::array kVideoGrantFlags{
    VideoGrantFlag{"roomJoin", &VideoGrant::room_join},
    VideoGrantFlag{"roomCreate", &VideoGrant::room_create},
    VideoGrantFlag{"roomAdmin", &VideoGrant::room_admin},
    VideoGrantFlag{"roomList", &VideoGrant::room_list},
    VideoGrantFlag{"roomRecord", &VideoGrant::room_record},
    VideoGrantFlag{"canPublish", &VideoGrant::can_publish},
    VideoGrantFlag{"canSubscribe", &VideoGrant::can_subscribe},
    VideoGrantFlag{"canPublishData", &VideoGrant::can_publish_data},
    VideoGrantFlag{"canUpdateOwnMetadata", &VideoGrant::can_update_own_metadata},
    VideoGrantFlag{"hidden", &VideoGrant::hidden},
    VideoGrantFlag{"recorder", &VideoGrant::recorder},
    VideoGrantFlag{"ingressAdmin", &VideoGrant::ingress_admin},
};

struct AccessTokenClaims {
  std::string issuer;                     ///< `iss`: the API key
  std::string identity;                   ///< `sub`: the participant identity (may be empty for admin tokens)
  std::int64_t not_before = 0;            ///< `nbf`, Unix seconds
  std::int64_t expires_at = 0;            ///< `exp`, Unix seconds
  std::optional<std::int64_t> issued_at;  ///< `iat`, Unix seconds
  std::optional<VideoGrant> video;
  std::optional<std::string> name;
  std::optional<std::string> metadata;
  std::optional<std::map<std::string, std::string>> attributes;
  std::optional<std::string> sha256;  ///< webhook tokens: base64 SHA-256 of the body
  std::optional<std::string> kind;

  friend bool operator==(const AccessTokenClaims&, const AccessTokenClaims&) = default;
};

/// The grant a MatrixRTC member gets (MSC4195): join `room` and subscribe;
/// never roomCreate (it also allows deleting any room) and never hidden;
/// publishing and own-metadata updates as the caller decides.
[[nodiscard]] VideoGrant member_video_grant(std::string room, bool can_publish, bool can_update_own_metadata);

/// Claims for `identity`, valid from `now` for `ttl_seconds` (nbf = iat = now).
[[nodiscard]] AccessTokenClaims make_claims(std::string_view api_key, std::string_view identity, std::int64_t now,
                                            std::int64_t ttl_seconds);

/// The payload text exactly as it goes into the token (keys sorted, ASCII only).
[[nodiscard]] Result<std::string> claims_payload_json(const AccessTokenClaims& claims);

[[nodiscard]] Result<std::string> mint_access_token(const AccessTokenClaims& claims, std::string_view secret);

struct VerifyOptions {
  std::string_view api_key;
  std::string_view secret;
  std::int64_t now = 0;  ///< Unix seconds
  std::int64_t leeway_seconds = 10;
};

struct VerifiedToken {
  AccessTokenClaims claims;
  boost::json::object payload;  ///< every claim as sent, including ones we do not model
};

[[nodiscard]] Result<VerifiedToken> verify_access_token(std::string_view token, const VerifyOptions& options);

/// Reads typed claims from a payload object (no signature or time checks).
[[nodiscard]] Result<AccessTokenClaims> claims_from_payload(const boost::json::object& payload);

}  // namespace matrixrtc::core::livekit
