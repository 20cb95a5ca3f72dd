// The service's configuration: lk-jwt-service's environment variables (same
// names, defaults, precedence, trimming and fatal start-up errors) plus our
// own settings in the same style, each also settable by a command-line flag
// (flags win). Reading is pure: the environment and files come in through
// functions, so every rule is testable.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/ratelimit/client_address.hpp"

namespace matrixrtc::service {

enum class LogLevel { debug, info, warn, error };
enum class LogFormat { text, json };

/// LIVEKIT_TRUSTED_PROXIES when unset: a reverse proxy on the same host.
inline constexpr std::string_view kDefaultTrustedProxies = "127.0.0.0/8, ::1/128";
/// kDefaultTrustedProxies, parsed.
[[nodiscard]] std::vector<core::ratelimit::Cidr> default_trusted_proxies();

struct Config {
  // lk-jwt-service settings
  std::string livekit_url;
  std::string key;
  std::string secret;
  std::vector<std::string> full_access_homeservers;  ///< exact names; {"*"} means everyone
  std::string bind = ":8080";
  bool insecure_skip_verify_tls = false;
  LogLevel log_level = LogLevel::info;
  std::int64_t sanity_check_interval_seconds = 0;
  std::map<std::string, std::string, std::less<>> cs_api_url_overrides;
  std::string redis_url;
  std::string redis_password;
  bool can_update_own_metadata = false;
  // Our settings
  std::int64_t token_ttl_seconds = 3600;
  std::uint32_t room_empty_timeout_seconds = 300;
  std::uint32_t room_departure_timeout_seconds = 20;
  std::uint32_t room_max_participants = 0;
  std::string extra_ca_file;
  std::map<std::string, std::string, std::less<>> federation_url_overrides;
  LogFormat log_format = LogFormat::text;
  std::uint32_t threads = 0;  ///< 0: one per hardware thread
  std::uint32_t max_connections = 10'000;
  std::uint32_t max_body_bytes = 1024 * 1024;
  std::string tls_cert_file;  ///< with tls_key_file: HTTPS only, both re-read on SIGHUP
  std::string tls_key_file;
  bool restricted_can_publish = false;
  std::int64_t shutdown_grace_seconds = 10;
  std::int64_t homeserver_timeout_seconds = 10;  ///< whole OpenID validation, discovery included
  std::string dns_servers;                       ///< c-ares form "ip:port,…"; empty: the system's resolvers
  bool cs_api_allow_http = false;                ///< accept http:// client-server API base URLs
  std::int64_t cs_api_cache_seconds = 4 * 3600;  ///< the reference's fixed 4 h
  std::int64_t redis_lease_seconds = 15;         ///< a job's claim by one instance, renewed every third
  bool dev_mode = false;
  std::int64_t userinfo_cache_seconds = 60;          ///< cap on keeping an OpenID result; 0: no cache
  std::int64_t userinfo_negative_cache_seconds = 5;  ///< how long a failed lookup is remembered; 0: never
  // Membership check (docs/security.md): both set, or neither.
  std::string membership_check_homeserver;  ///< whose users must be joined to the room; empty: off
  std::string membership_check_token;       ///< appservice token with MSC4502's is_joined scope
  // Outbound policy (docs/security.md)
  bool ssrf_protection = true;                    ///< refuse non-public addresses for client-named servers
  std::vector<std::string> ssrf_allowed_servers;  ///< exact server names exempt from the SSRF guard
  std::vector<std::string> homeserver_allowlist;  ///< when non-empty, only these servers (`*.suffix` allowed)
  std::vector<std::string> homeserver_blocklist;  ///< always refused (`*.suffix` allowed)
  // Rate limits (docs/security.md, "Rate limits"); per minute 0 turns a scope off
  std::uint32_t rate_limit_ip_per_minute = 600;
  std::uint32_t rate_limit_ip_burst = 120;
  std::uint32_t rate_limit_user_per_minute = 60;
  std::uint32_t rate_limit_user_burst = 20;
  std::uint32_t rate_limit_homeserver_per_minute = 3000;
  std::uint32_t rate_limit_homeserver_burst = 500;
  /// Peers whose X-Forwarded-For is believed; loopback by default (a reverse proxy on the same host).
  std::vector<core::ratelimit::Cidr> trusted_proxies = default_trusted_proxies();

  /// Non-fatal problems found while reading (deprecated or invalid values
  /// that fell back to a default), for the start-up log.
  std::vector<std::string> warnings;

  [[nodiscard]] bool tls_enabled() const { return !tls_cert_file.empty(); }
  /// True when `server_name` may create rooms and publish.
  [[nodiscard]] bool is_full_access(std::string_view server_name) const;
};

/// One setting: its environment variable, its flag, and its documentation.
struct Setting {
  std::string_view env;
  std::string_view flag;  ///< without "--"
  std::string_view default_text;
  std::string_view description;
  bool is_switch = false;  ///< a flag without a value (sets "true")
};

/// Every setting, in documentation order (the README table is generated from it).
[[nodiscard]] std::span<const Setting> settings();

struct ConfigSources {
  std::function<std::optional<std::string>(std::string_view)> env;
  std::function<core::Result<std::string>(const std::string& path)> read_file;
  std::vector<std::string> args;  ///< command-line arguments after the program name
};

/// Reads, validates and resolves the configuration. Errors are fatal at start-up.
[[nodiscard]] core::Result<Config> load_config(const ConfigSources& sources);

/// The --help text, listing every flag and its environment variable.
[[nodiscard]] std::string help_text();

/// The configuration for the start-up log, with the secret and passwords hidden.
[[nodiscard]] std::string describe(const Config& config);

}  // namespace matrixrtc::service
