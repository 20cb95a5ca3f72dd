// Asking a homeserver's client-server API whether a user is joined to a room,
// as the membership check does (docs/security.md): MSC4502's `is_joined`
// (stable path first, then the unstable one) where the server has it, else
// the user's own m.room.member state event read by an appservice
// masquerading as the user. Here: the request paths and what an answer
// means. The HTTP call is the service's (service/membership_client).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace matrixrtc::core::matrix {

enum class MembershipQuery {
  is_joined_stable,    ///< GET /_matrix/client/v3/rooms/{roomId}/is_joined?mxid={userId}
  is_joined_unstable,  ///< GET /_matrix/client/unstable/io.element.msc4502/rooms/{roomId}/is_joined?mxid={userId}
  member_state,        ///< GET /_matrix/client/v3/rooms/{roomId}/state/m.room.member/{userId}?user_id={userId}
};

/// The form to try after `query` when the server does not have it; nullopt after the last.
[[nodiscard]] std::optional<MembershipQuery> next_membership_query(MembershipQuery query);

/// The request target (path and query) for `query`, every path segment and
/// query value percent-encoded (room IDs contain `!` and `:`).
[[nodiscard]] std::string membership_query_target(MembershipQuery query, std::string_view room_id,
                                                  std::string_view user_id);

enum class MembershipAnswer {
  joined,
  not_joined,   ///< left, banned, invited, knocking, never joined, or an unknown room: all alike
  unsupported,  ///< the server does not have this endpoint: try the next form
  failed,       ///< no usable answer (our token refused, server error, malformed body)
};

/// What an answer to `query` with `status` and `body` says.
///
/// is_joined: 200 {"joined": bool}; 404 M_UNRECOGNIZED (any 4xx with it), or
/// 404/405 without a Matrix error body, is "unsupported"; another 404 Matrix
/// error (an unknown room on a server that answers so) is "not joined";
/// everything else, 401/403 included (our token or its scope is wrong, which
/// says nothing about the user), is "failed".
///
/// member_state: 200 with membership "join" is joined, any other membership
/// not joined; 403 and 404 (the user may not read the room, or has no member
/// event) are not joined; everything else is "failed".
[[nodiscard]] MembershipAnswer classify_membership_answer(MembershipQuery query, unsigned status,
                                                          std::string_view body);

/// Percent-encodes all but RFC 3986's unreserved characters; a whole segment
/// "." or ".." has its dots encoded too, so it cannot climb the path.
[[nodiscard]] std::string encode_path_segment(std::string_view text);

}  // namespace matrixrtc::core::matrix
