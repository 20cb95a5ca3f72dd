// /.well-known/matrix/server (server-server API, "Resolving server names",
// step 3): reading the delegation document and deciding how long to trust it.
// Pure: the caller supplies the response and the current time.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace matrixrtc::core::matrix {

/// How long a successful answer is kept when the response says nothing.
inline constexpr std::chrono::seconds kWellKnownDefaultLifetime = std::chrono::hours(24);
/// The longest a successful answer is kept, whatever the response says.
inline constexpr std::chrono::seconds kWellKnownMaxLifetime = std::chrono::hours(48);
/// How long a failed lookup (no document, bad document, transport error) is kept.
inline constexpr std::chrono::seconds kWellKnownErrorLifetime = std::chrono::hours(1);

/// The delegated server name from a 200 response body: `m.server` must be a
/// string that is a valid server name. Errors carry invalid_json or
/// invalid_argument and no Matrix errcode.
[[nodiscard]] Result<std::string> parse_well_known_server(std::string_view body);

/// The client-server API base URL from a /.well-known/matrix/client body
/// (`m.homeserver.base_url`, a non-empty string; trailing slashes removed).
/// The URL itself is checked by whoever connects to it.
[[nodiscard]] Result<std::string> parse_well_known_client(std::string_view body);

/// The lifetime of a successful answer from its Cache-Control and Expires
/// header values (absent headers are nullopt), evaluated at `now`:
/// `no-store` or `no-cache` mean zero (do not cache); `max-age` wins over
/// Expires; an unparsable Expires counts as already expired (RFC 9111 5.3);
/// neither header gives the 24 h default; anything is capped at 48 h.
[[nodiscard]] std::chrono::seconds well_known_lifetime(std::optional<std::string_view> cache_control,
                                                       std::optional<std::string_view> expires,
                                                       std::chrono::system_clock::time_point now);

/// An HTTP-date (RFC 9110 5.6.7: IMF-fixdate, and the obsolete RFC 850 and
/// asctime forms), or nullopt when `text` is none of them. Dates beyond what
/// system_clock holds (1677-2262 with libstdc++) are clamped to its ends.
[[nodiscard]] std::optional<std::chrono::system_clock::time_point> parse_http_date(std::string_view text);

}  // namespace matrixrtc::core::matrix
