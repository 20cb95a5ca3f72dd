// An answer the authorization service gives instead of a token: HTTP status,
// Matrix errcode and the error text, exactly as lk-jwt-service words them so
// clients that match on them keep working.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace matrixrtc::core::authz {

struct ApiError {
  unsigned status;
  std::string errcode;
  std::string error;
  /// Only for M_LIMIT_EXCEEDED: how long to wait, in the body as
  /// `retry_after_ms` (the spec's field) and as a Retry-After header.
  std::optional<std::int64_t> retry_after_ms = std::nullopt;

  friend bool operator==(const ApiError&, const ApiError&) = default;
};

/// The body `{"errcode":…,"error":…}`, plus `"retry_after_ms":N` when set.
[[nodiscard]] std::string to_json(const ApiError& error);

// The reference's catalogue (lk-jwt-service notes, section 3.7).
[[nodiscard]] ApiError not_json();                  // 400 M_NOT_JSON "Error reading request"
[[nodiscard]] ApiError bad_json(std::string text);  // 400 M_BAD_JSON <text>
[[nodiscard]] ApiError unauthorized();              // 401 M_UNAUTHORIZED "The request could not be authorised."
[[nodiscard]] ApiError internal_error();            // 500 M_UNKNOWN "Internal Server Error"
[[nodiscard]] ApiError room_creation_failed();      // 500 M_UNKNOWN "Unable to create room on SFU"
[[nodiscard]] ApiError
delegation_forbidden();  // 403 M_FORBIDDEN "Delegation of delayed events is only supported for full access users"
[[nodiscard]] ApiError cs_api_unresolvable();  // 400 M_BAD_JSON "Unable to resolve client-server API"
// The membership check, worded as the reference's appservice mode (§3.6).
[[nodiscard]] ApiError not_room_member();          // 403 M_FORBIDDEN "The requesting user is not a member of the room"
[[nodiscard]] ApiError membership_unverifiable();  // 502 M_UNKNOWN "Unable to verify room membership"
// Ours: the reference answers 200 to every webhook; we refuse unverifiable ones
// so a wrong key or secret shows in LiveKit's logs.
[[nodiscard]] ApiError webhook_unauthorized();  // 401 M_UNAUTHORIZED "The webhook could not be verified."
[[nodiscard]] ApiError shutting_down();         // 503 M_UNKNOWN "Service is shutting down"
// Ours: a rate limit refused the request (docs/security.md, "Rate limits").
[[nodiscard]] ApiError limit_exceeded(std::int64_t retry_after_ms);  // 429 M_LIMIT_EXCEEDED "Too many requests"

}  // namespace matrixrtc::core::authz
