// What the service may contact on a client's say-so (docs/security.md):
//
// - the homeserver allow/block lists decide whether a client's
//   `matrix_server_name` is accepted at all (checked before any network
//   request; a refusal answers like an invalid OpenID token);
// - the SSRF guard decides which addresses requests made for that server may
//   connect to: `address_filter_for` gives the net::AddressFilter to put in
//   net::RequestOptions::address_filter (and to pass to
//   net::MatrixServerResolver::resolve) for every request whose destination
//   the server name decides: federation userinfo, .well-known, SRV targets,
//   redirects, and the client-server API.
//
// The admin's own destinations (LiveKit URL, federation and client-server API
// override URLs) are not filtered.
#pragma once

#include <string_view>

#include "core/error.hpp"
#include "net/http_client.hpp"
#include "service/config.hpp"

namespace matrixrtc::service {

/// The filter for requests on behalf of `server_name`: net::public_addresses_only()
/// unless the guard is off (LIVEKIT_SSRF_PROTECTION=false) or the server is
/// exempt, in which case it is empty (no filtering). Exempt are the exact
/// names in LIVEKIT_SSRF_ALLOWED_SERVERS and in LIVEKIT_FULL_ACCESS_HOMESERVERS;
/// a full-access list of `*` alone exempts nobody.
[[nodiscard]] net::AddressFilter address_filter_for(std::string_view server_name, const Config& config);

/// True when `server_name` is exempt from the SSRF guard (see address_filter_for).
[[nodiscard]] bool ssrf_exempt(std::string_view server_name, const Config& config);

/// Whether LIVEKIT_HOMESERVER_ALLOWLIST / _BLOCKLIST let `server_name` in.
/// The blocklist always refuses; a non-empty allowlist refuses every server
/// not on it. The error (address_refused) says why, for the log only.
[[nodiscard]] core::Result<void> homeserver_permitted(std::string_view server_name, const Config& config);

/// Whether `server_name` matches one list entry. Host names compare
/// case-insensitively, a trailing dot ignored, IPv6 literals by value; an
/// entry without a port matches any port, one with a port only that port;
/// `*.example.org` matches every name below example.org (not example.org itself).
[[nodiscard]] bool server_name_matches(std::string_view server_name, std::string_view entry);

}  // namespace matrixrtc::service
