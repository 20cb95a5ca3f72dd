// Matrix identifier grammar (specification appendix "Identifier Grammar"):
// server names, user IDs and room IDs, checked before anything is derived from
// them or anyone is contacted on their say-so.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace matrixrtc::core::matrix {

enum class HostKind { dns_name, ipv4, ipv6 };

/// A server name split into its parts. `host` keeps IPv6 brackets off.
struct ServerName {
  std::string_view host;
  HostKind kind = HostKind::dns_name;
  std::optional<std::uint16_t> port;
};

/// server_name = hostname [":" port]; hostname = IPv4 / "[" IPv6 "]" / dns-name.
/// The views point into `text`. Errors carry M_BAD_JSON-free codes; callers
/// choose the errcode (requests answer M_BAD_JSON, discovery just fails).
[[nodiscard]] Result<ServerName> parse_server_name(std::string_view text);

struct UserId {
  std::string_view localpart;
  std::string_view server_name;
};

/// "@localpart:server_name", at most 255 bytes. The localpart may use the
/// historical grammar (printable ASCII but ':'), since such users exist.
[[nodiscard]] Result<UserId> parse_user_id(std::string_view text);

/// "!opaque:server_name" (room versions 1-11) or "!opaque" (version 12, where
/// the ID is a hash and names no server); at most 255 bytes, printable ASCII.
[[nodiscard]] Result<void> validate_room_id(std::string_view text);

}  // namespace matrixrtc::core::matrix
