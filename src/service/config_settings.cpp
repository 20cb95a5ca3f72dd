// Every setting of the service in documentation order (README's table lists
// the same, checked by a test), and the --help text made from them.
#include <array>

#include "core/text.hpp"
#include "service/config.hpp"

namespace matrixrtc::service {
namespace {

using core::cat;

// Name, flag, default, description, switch. README's configuration table lists the same.
constexpr std::array kSettings{
    Setting{"LIVEKIT_URL", "livekit-url", "(required)",
            "LiveKit WebSocket URL returned to clients; also the base of RoomService calls (ws→http, wss→https, path "
            "prefix kept)"},
    Setting{"LIVEKIT_KEY", "key", "(required)", "LiveKit API key (`iss` of minted tokens, key of webhooks)"},
    Setting{"LIVEKIT_SECRET", "secret", "(required)", "LiveKit API secret"},
    Setting{"LIVEKIT_KEY_FROM_FILE", "key-from-file", "", "file whose contents replace LIVEKIT_KEY"},
    Setting{"LIVEKIT_SECRET_FROM_FILE", "secret-from-file", "", "file whose contents replace LIVEKIT_SECRET"},
    Setting{"LIVEKIT_KEY_FILE", "key-file", "", "LiveKit-style `key: secret` file; wins over the four above"},
    Setting{"LIVEKIT_FULL_ACCESS_HOMESERVERS", "full-access-homeservers", "(required)",
            "comma/space separated server names whose users may create rooms and publish; `*` alone means all"},
    Setting{"LIVEKIT_JWT_BIND", "bind", ":8080", "listen address: `host:port`, `[v6]:port` or `:port`"},
    Setting{"LIVEKIT_JWT_PORT", "port", "", "deprecated: same as LIVEKIT_JWT_BIND=:PORT; cannot be combined with it"},
    Setting{"LIVEKIT_INSECURE_SKIP_VERIFY_TLS", "insecure-skip-verify-tls", "",
            "only the value YES_I_KNOW_WHAT_I_AM_DOING turns TLS verification off (prefer LIVEKIT_EXTRA_CA_FILE)"},
    Setting{"LIVEKIT_LOG_LEVEL", "log-level", "info", "debug, info, warn or error"},
    Setting{"LIVEKIT_SANITY_CHECK_INTERVAL_SECONDS", "sanity-check-interval-seconds", "0",
            "period of the delegated-participant presence check; 0 turns it off"},
    Setting{"LIVEKIT_CS_API_URL_OVERRIDES", "cs-api-url-overrides", "",
            "`server=url,…`: client-server API base URLs for delayed-event calls, instead of .well-known"},
    Setting{"LIVEKIT_REDIS_URL", "redis-url", "", "`redis://…` to persist delegation jobs; in memory when unset"},
    Setting{"LIVEKIT_REDIS_PASSWORD", "redis-password", "", "Redis password; when set it overrides the URL's"},
    Setting{"LIVEKIT_CAN_UPDATE_OWN_METADATA", "can-update-own-metadata", "false",
            "only `true` grants canUpdateOwnMetadata"},
    Setting{"LIVEKIT_TOKEN_TTL_SECONDS", "token-ttl-seconds", "3600", "lifetime of minted LiveKit tokens"},
    Setting{"LIVEKIT_ROOM_EMPTY_TIMEOUT_SECONDS", "room-empty-timeout-seconds", "300", "CreateRoom `empty_timeout`"},
    Setting{"LIVEKIT_ROOM_DEPARTURE_TIMEOUT_SECONDS", "room-departure-timeout-seconds", "20",
            "CreateRoom `departure_timeout`"},
    Setting{"LIVEKIT_ROOM_MAX_PARTICIPANTS", "room-max-participants", "0",
            "CreateRoom `max_participants` (0: unlimited)"},
    Setting{"LIVEKIT_EXTRA_CA_FILE", "extra-ca-file", "",
            "PEM bundle trusted in addition to the system CAs (self-signed homeservers)"},
    Setting{
        "LIVEKIT_FEDERATION_URL_OVERRIDES", "federation-url-overrides", "",
        "`server=https://host:port,…`: where to validate OpenID tokens of a server instead of federation discovery"},
    Setting{"LIVEKIT_LOG_FORMAT", "log-format", "text", "text or json"},
    Setting{"LIVEKIT_JWT_THREADS", "threads", "0", "worker threads; 0 means one per hardware thread"},
    Setting{"LIVEKIT_JWT_MAX_CONNECTIONS", "max-connections", "10000", "open client connections at most"},
    Setting{"LIVEKIT_JWT_MAX_BODY_BYTES", "max-body-bytes", "1048576", "largest request body accepted"},
    Setting{"LIVEKIT_TLS_CERT_FILE", "tls-cert-file", "",
            "PEM certificate (leaf first, then its chain): with LIVEKIT_TLS_KEY_FILE the listener speaks HTTPS only; "
            "both files are read again on SIGHUP"},
    Setting{"LIVEKIT_TLS_KEY_FILE", "tls-key-file", "", "PEM private key of LIVEKIT_TLS_CERT_FILE (unencrypted)"},
    Setting{"LIVEKIT_RESTRICTED_CAN_PUBLISH", "restricted-can-publish", "false",
            "`true` lets users of other homeservers publish too"},
    Setting{"LIVEKIT_SHUTDOWN_GRACE_SECONDS", "shutdown-grace-seconds", "10",
            "on SIGTERM/SIGINT, how long in-flight requests may take"},
    Setting{"LIVEKIT_HOMESERVER_TIMEOUT_SECONDS", "homeserver-timeout-seconds", "10",
            "how long OpenID validation with a homeserver may take, discovery included"},
    Setting{"LIVEKIT_DNS_SERVERS", "dns-servers", "",
            "DNS servers for discovery, `ip:port,…` (e.g. a local resolver); the system's when unset"},
    Setting{"LIVEKIT_CS_API_ALLOW_HTTP", "cs-api-allow-http", "false",
            "`true` accepts http:// client-server API base URLs for delayed-event calls (only https otherwise)"},
    Setting{"LIVEKIT_CS_API_CACHE_SECONDS", "cs-api-cache-seconds", "14400",
            "how long a discovered client-server API base URL is kept"},
    Setting{"LIVEKIT_REDIS_LEASE_SECONDS", "redis-lease-seconds", "15",
            "with Redis: how long an instance's claim on a delegation job lasts without renewal (renewed every third)"},
    Setting{"LIVEKIT_SSRF_PROTECTION", "ssrf-protection", "true",
            "refuse to connect to loopback, private, link-local, multicast and other non-public addresses for "
            "servers named by clients (see docs/security.md); `false` turns the guard off"},
    Setting{"LIVEKIT_SSRF_ALLOWED_SERVERS", "ssrf-allowed-servers", "",
            "comma/space separated server names (exact) exempt from the SSRF guard, e.g. a homeserver on the LAN"},
    Setting{"LIVEKIT_HOMESERVER_ALLOWLIST", "homeserver-allowlist", "",
            "comma/space separated server names (`*.example.org` matches subdomains); when set, only these are "
            "accepted"},
    Setting{"LIVEKIT_HOMESERVER_BLOCKLIST", "homeserver-blocklist", "",
            "comma/space separated server names (`*.example.org` matches subdomains) that are always refused"},
    Setting{"LIVEKIT_USERINFO_CACHE_SECONDS", "userinfo-cache-seconds", "60",
            "how long a validated OpenID token is remembered at most (never beyond its `expires_in`); 0 turns the "
            "cache off"},
    Setting{"LIVEKIT_USERINFO_NEGATIVE_CACHE_SECONDS", "userinfo-negative-cache-seconds", "5",
            "how long a failed OpenID validation is remembered; 0 turns this off"},
    Setting{"LIVEKIT_MEMBERSHIP_CHECK_HOMESERVER", "membership-check-homeserver", "",
            "a full-access server name whose users must be joined to the room to get a token (see docs/security.md); "
            "needs LIVEKIT_MEMBERSHIP_CHECK_TOKEN"},
    Setting{"LIVEKIT_MEMBERSHIP_CHECK_TOKEN", "membership-check-token", "",
            "appservice access token for that homeserver's client-server API, with MSC4502's `is_joined` scope"},
    Setting{"LIVEKIT_MEMBERSHIP_CHECK_TOKEN_FROM_FILE", "membership-check-token-from-file", "",
            "file whose contents replace LIVEKIT_MEMBERSHIP_CHECK_TOKEN"},
    Setting{"LIVEKIT_RATE_LIMIT_IP_PER_MINUTE", "rate-limit-ip-per-minute", "600",
            "requests a minute per client IP (IPv6: per /64) to the token endpoints; 0 turns the limit off"},
    Setting{"LIVEKIT_RATE_LIMIT_IP_BURST", "rate-limit-ip-burst", "120",
            "requests one client IP may send at once before the per-minute rate applies"},
    Setting{"LIVEKIT_RATE_LIMIT_USER_PER_MINUTE", "rate-limit-user-per-minute", "60",
            "requests a minute per Matrix user (checked after the homeserver vouched for them); 0 turns it off"},
    Setting{"LIVEKIT_RATE_LIMIT_USER_BURST", "rate-limit-user-burst", "20", "requests one user may send at once"},
    Setting{"LIVEKIT_RATE_LIMIT_HOMESERVER_PER_MINUTE", "rate-limit-homeserver-per-minute", "3000",
            "requests a minute naming one homeserver (checked before contacting it); 0 turns it off"},
    Setting{"LIVEKIT_RATE_LIMIT_HOMESERVER_BURST", "rate-limit-homeserver-burst", "500",
            "requests naming one homeserver at once"},
    Setting{"LIVEKIT_TRUSTED_PROXIES", "trusted-proxies", kDefaultTrustedProxies,
            "comma/space separated CIDRs of reverse proxies whose X-Forwarded-For names the client; empty trusts "
            "none"},
    Setting{"", "dev", "",
            "development mode: LiveKit's --dev key/secret/URL, bind 127.0.0.1:8080, all homeservers full access", true},
};

}  // namespace

std::span<const Setting> settings() { return kSettings; }

std::string help_text() {
  std::string out =
      "Usage: matrixrtc-auth [OPTIONS]\n\n"
      "The MatrixRTC Authorization Service: validates a Matrix OpenID token against the user's\n"
      "homeserver and answers with a LiveKit access token (lk-jwt-service compatible).\n\n"
      "Every option can also be set by its environment variable; options win.\n\n";
  for (const auto& setting : kSettings) {
    out += cat("  --", setting.flag, setting.is_switch ? "" : " VALUE");
    if (!setting.env.empty()) out += cat("  (", setting.env, ")");
    out += "\n      ";
    out += setting.description;
    if (!setting.default_text.empty()) out += cat(" [default: ", setting.default_text, "]");
    out += "\n";
  }
  out += "  --help\n      show this text\n";
  return out;
}

}  // namespace matrixrtc::service
