#include "service/config.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <tuple>

#include "core/text.hpp"
#include "net/http_server.hpp"

namespace matrixrtc::service {
namespace {

using core::cat;

constexpr std::string_view kSkipVerifyValue = "YES_I_KNOW_WHAT_I_AM_DOING";

std::string trim(std::string_view text, std::string_view chars = " \r\n\t") {
  const auto first = text.find_first_not_of(chars);
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(chars);
  return std::string(text.substr(first, last - first + 1));
}

core::Error fatal(std::string message) { return core::Error(core::ErrorCode::invalid_argument, std::move(message)); }

class Lookup {
 public:
  Lookup(const ConfigSources& sources, std::map<std::string, std::string, std::less<>> flags)
      : sources_(sources), flags_(std::move(flags)) {}

  /// The flag if given, else the environment variable; nullopt when neither.
  [[nodiscard]] std::optional<std::string> get(std::string_view env) const {
    for (const auto& setting : settings()) {
      if (setting.env != env) continue;
      if (const auto it = flags_.find(setting.flag); it != flags_.end()) return it->second;
    }
    auto value = sources_.env(env);
    if (value && value->empty()) return std::nullopt;  // empty means unset, as in Go
    return value;
  }
  /// Like get(), but an empty value counts as set (for lists where empty means "none").
  [[nodiscard]] std::optional<std::string> get_raw(std::string_view env) const {
    for (const auto& setting : settings()) {
      if (setting.env != env) continue;
      if (const auto it = flags_.find(setting.flag); it != flags_.end()) return it->second;
    }
    return sources_.env(env);
  }
  [[nodiscard]] bool flag(std::string_view name) const { return flags_.contains(name); }

 private:
  const ConfigSources& sources_;
  std::map<std::string, std::string, std::less<>> flags_;
};

core::Result<std::map<std::string, std::string, std::less<>>> parse_flags(const std::vector<std::string>& args) {
  std::map<std::string, std::string, std::less<>> flags;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string_view arg = args[i];
    if (!arg.starts_with("--")) return std::unexpected(fatal(cat("unexpected argument \"", arg, "\"")));
    arg.remove_prefix(2);
    std::string_view name = arg;
    std::optional<std::string> value;
    if (const auto eq = arg.find('='); eq != std::string_view::npos) {
      name = arg.substr(0, eq);
      value = std::string(arg.substr(eq + 1));
    }
    const auto all = settings();
    const auto setting = std::ranges::find_if(all, [&](const Setting& s) { return s.flag == name; });
    if (setting == all.end()) return std::unexpected(fatal(cat("unknown option --", name)));
    if (setting->is_switch) {
      if (value) return std::unexpected(fatal(cat("option --", name, " takes no value")));
      value = "true";
    } else if (!value) {
      if (i + 1 >= args.size()) return std::unexpected(fatal(cat("option --", name, " needs a value")));
      value = args[++i];
    }
    if (!flags.emplace(std::string(name), std::move(*value)).second) {
      return std::unexpected(fatal(cat("option --", name, " given twice")));
    }
  }
  return flags;
}

template <class T>
core::Result<T> parse_number(std::string_view env, std::string_view text, T min) {
  T value{};
  const auto result = std::from_chars(text.data(), text.data() + text.size(), value);
  if (result.ec != std::errc{} || result.ptr != text.data() + text.size() || value < min) {
    return std::unexpected(fatal(cat(env, " must be an integer of at least ", min, ", got \"", text, "\"")));
  }
  return value;
}

core::Result<bool> parse_bool(std::string_view env, std::string_view text) {
  if (text == "true") return true;
  if (text == "false") return false;
  return std::unexpected(fatal(cat(env, " must be true or false, got \"", text, "\"")));
}

// "a=b, c=d" with whitespace trimmed; an empty side is fatal.
core::Result<std::map<std::string, std::string, std::less<>>> parse_overrides(std::string_view env,
                                                                              std::string_view text, bool need_url) {
  std::map<std::string, std::string, std::less<>> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto comma = std::min(text.find(',', start), text.size());
    const std::string entry = trim(text.substr(start, comma - start));
    start = comma + 1;
    if (entry.empty()) continue;
    const auto eq = entry.find('=');
    const std::string server = eq == std::string::npos ? entry : trim(entry.substr(0, eq));
    const std::string url = eq == std::string::npos ? std::string{} : trim(entry.substr(eq + 1));
    if (server.empty() || url.empty()) {
      return std::unexpected(fatal(cat(env, ": entry \"", entry, "\" must be server=url")));
    }
    if (need_url && !url.starts_with("https://") && !url.starts_with("http://")) {
      return std::unexpected(fatal(cat(env, ": \"", url, "\" must start with https:// or http://")));
    }
    out[server] = url;
  }
  return out;
}

std::vector<std::string> split_list(std::string_view text) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ',' || std::isspace(static_cast<unsigned char>(text[i])) != 0)) ++i;
    const std::size_t start = i;
    while (i < text.size() && text[i] != ',' && std::isspace(static_cast<unsigned char>(text[i])) == 0) ++i;
    if (i > start) out.emplace_back(text.substr(start, i - start));
  }
  return out;
}

core::Result<void> read_credentials(Config& config, const Lookup& lookup, const ConfigSources& sources) {
  config.key = lookup.get("LIVEKIT_KEY").value_or(config.key);
  config.secret = lookup.get("LIVEKIT_SECRET").value_or(config.secret);
  const auto read = [&](std::string_view env, const std::string& path) -> core::Result<std::string> {
    auto content = sources.read_file(path);
    if (!content) return std::unexpected(fatal(cat(env, ": cannot read ", path, ": ", content.error().message)));
    return content;
  };
  if (const auto path = lookup.get("LIVEKIT_KEY_FROM_FILE")) {
    auto content = read("LIVEKIT_KEY_FROM_FILE", *path);
    if (!content) return std::unexpected(std::move(content.error()));
    config.key = *content;
  }
  if (const auto path = lookup.get("LIVEKIT_SECRET_FROM_FILE")) {
    auto content = read("LIVEKIT_SECRET_FROM_FILE", *path);
    if (!content) return std::unexpected(std::move(content.error()));
    config.secret = *content;
  }
  if (const auto path = lookup.get("LIVEKIT_KEY_FILE")) {
    auto content = read("LIVEKIT_KEY_FILE", *path);
    if (!content) return std::unexpected(std::move(content.error()));
    // As upstream: the whole file split on ':' must give exactly two parts.
    const auto colon = content->find(':');
    if (colon == std::string::npos || content->find(':', colon + 1) != std::string::npos) {
      return std::unexpected(fatal("invalid key secret file format!"));
    }
    config.key = content->substr(0, colon);
    config.secret = content->substr(colon + 1);
  }
  config.key = trim(config.key, " \r\n");
  config.secret = trim(config.secret, " \r\n");
  return {};
}

// The membership check is on when both the server and the token are given;
// one without the other is a mistake worth stopping for.
core::Result<void> read_membership_check(Config& config, const Lookup& lookup, const ConfigSources& sources) {
  config.membership_check_homeserver = lookup.get("LIVEKIT_MEMBERSHIP_CHECK_HOMESERVER").value_or("");
  config.membership_check_token = lookup.get("LIVEKIT_MEMBERSHIP_CHECK_TOKEN").value_or("");
  if (const auto path = lookup.get("LIVEKIT_MEMBERSHIP_CHECK_TOKEN_FROM_FILE")) {
    auto content = sources.read_file(*path);
    if (!content) {
      return std::unexpected(
          fatal(cat("LIVEKIT_MEMBERSHIP_CHECK_TOKEN_FROM_FILE: cannot read ", *path, ": ", content.error().message)));
    }
    config.membership_check_token = *content;
  }
  config.membership_check_token = trim(config.membership_check_token, " \r\n");
  const bool has_server = !config.membership_check_homeserver.empty();
  const bool has_token = !config.membership_check_token.empty();
  if (has_token && !has_server) {
    return std::unexpected(
        fatal("LIVEKIT_MEMBERSHIP_CHECK_TOKEN is set but LIVEKIT_MEMBERSHIP_CHECK_HOMESERVER is not"));
  }
  if (has_server && !has_token) {
    return std::unexpected(
        fatal("LIVEKIT_MEMBERSHIP_CHECK_HOMESERVER is set but LIVEKIT_MEMBERSHIP_CHECK_TOKEN is not"));
  }
  if (has_server && !config.is_full_access(config.membership_check_homeserver)) {
    return std::unexpected(fatal(cat("LIVEKIT_MEMBERSHIP_CHECK_HOMESERVER \"", config.membership_check_homeserver,
                                     "\" is not one of LIVEKIT_FULL_ACCESS_HOMESERVERS")));
  }
  return {};
}

// The rate-limit settings: per minute 0 (off) or more, burst 1 or more,
// both bounded so the bucket arithmetic stays far from overflow.
core::Result<void> read_rate_limits(Config& config, const Lookup& lookup) {
  struct Scope {
    std::string_view rate_env;
    std::string_view burst_env;
    std::uint32_t& rate;
    std::uint32_t& burst;
  };
  const std::array scopes{Scope{"LIVEKIT_RATE_LIMIT_IP_PER_MINUTE", "LIVEKIT_RATE_LIMIT_IP_BURST",
                                config.rate_limit_ip_per_minute, config.rate_limit_ip_burst},
                          Scope{"LIVEKIT_RATE_LIMIT_USER_PER_MINUTE", "LIVEKIT_RATE_LIMIT_USER_BURST",
                                config.rate_limit_user_per_minute, config.rate_limit_user_burst},
                          Scope{"LIVEKIT_RATE_LIMIT_HOMESERVER_PER_MINUTE", "LIVEKIT_RATE_LIMIT_HOMESERVER_BURST",
                                config.rate_limit_homeserver_per_minute, config.rate_limit_homeserver_burst}};
  constexpr std::uint32_t kMaxRate = 6'000'000;  // 100 000 a second
  constexpr std::uint32_t kMaxBurst = 1'000'000;
  for (const auto& scope : scopes) {
    for (const auto& [env, field, min, max] : {std::tuple{scope.rate_env, &scope.rate, 0U, kMaxRate},
                                               std::tuple{scope.burst_env, &scope.burst, 1U, kMaxBurst}}) {
      const auto text = lookup.get(env);
      if (!text) continue;
      auto value = parse_number<std::uint32_t>(env, *text, min);
      if (!value) return std::unexpected(std::move(value.error()));
      if (*value > max) return std::unexpected(fatal(cat(env, " must be at most ", max, ", got \"", *text, "\"")));
      *field = *value;
    }
  }
  if (const auto env = lookup.get_raw("LIVEKIT_TRUSTED_PROXIES")) {
    auto ranges = core::ratelimit::parse_cidr_list(*env);
    if (!ranges) return std::unexpected(fatal(cat("LIVEKIT_TRUSTED_PROXIES: ", ranges.error().message)));
    config.trusted_proxies = std::move(*ranges);
  }
  return {};
}

}  // namespace

std::vector<core::ratelimit::Cidr> default_trusted_proxies() {
  return core::ratelimit::parse_cidr_list(kDefaultTrustedProxies).value();
}

bool Config::is_full_access(std::string_view server_name) const {
  if (full_access_homeservers.size() == 1 && full_access_homeservers.front() == "*") return true;
  return std::ranges::find(full_access_homeservers, server_name) != full_access_homeservers.end();
}

core::Result<Config> load_config(const ConfigSources& sources) {
  auto flags = parse_flags(sources.args);
  if (!flags) return std::unexpected(std::move(flags.error()));
  const Lookup lookup(sources, std::move(*flags));
  Config config;

  config.dev_mode = lookup.flag("dev");
  if (config.dev_mode) {
    // LiveKit's own `livekit-server --dev` credentials and URL.
    config.livekit_url = "ws://127.0.0.1:7880";
    config.key = "devkey";
    config.secret = "secret";
    config.bind = "127.0.0.1:8080";
    config.full_access_homeservers = {"*"};
  }
  config.livekit_url = lookup.get("LIVEKIT_URL").value_or(config.livekit_url);
  if (auto ok = read_credentials(config, lookup, sources); !ok) return std::unexpected(std::move(ok.error()));
  if (config.key.empty() || config.secret.empty() || config.livekit_url.empty()) {
    return std::unexpected(fatal("LIVEKIT_KEY* / LIVEKIT_SECRET* and LIVEKIT_URL must be set"));
  }
  if (!config.livekit_url.starts_with("ws://") && !config.livekit_url.starts_with("wss://") &&
      !config.livekit_url.starts_with("http://") && !config.livekit_url.starts_with("https://")) {
    return std::unexpected(fatal("LIVEKIT_URL must start with ws://, wss://, http:// or https://"));
  }

  if (const auto list = lookup.get("LIVEKIT_FULL_ACCESS_HOMESERVERS"))
    config.full_access_homeservers = split_list(*list);
  if (config.full_access_homeservers.empty()) {
    return std::unexpected(fatal("LIVEKIT_FULL_ACCESS_HOMESERVERS must be set (a list of server names, or * for all)"));
  }

  const auto bind = lookup.get("LIVEKIT_JWT_BIND");
  const auto port = lookup.get("LIVEKIT_JWT_PORT");
  if (bind && port) return std::unexpected(fatal("LIVEKIT_JWT_BIND and LIVEKIT_JWT_PORT are mutually exclusive"));
  if (port) {
    config.warnings.emplace_back("LIVEKIT_JWT_PORT is deprecated; use LIVEKIT_JWT_BIND=:" + *port);
    config.bind = ":" + *port;
  } else if (bind) {
    config.bind = *bind;
  }
  if (auto parsed = net::parse_bind_address(config.bind); !parsed) {
    return std::unexpected(fatal(cat("LIVEKIT_JWT_BIND: ", parsed.error().message)));
  }

  if (const auto skip = lookup.get("LIVEKIT_INSECURE_SKIP_VERIFY_TLS")) {
    config.insecure_skip_verify_tls = *skip == kSkipVerifyValue;
    if (!config.insecure_skip_verify_tls) {
      config.warnings.emplace_back(
          "LIVEKIT_INSECURE_SKIP_VERIFY_TLS is set but not to YES_I_KNOW_WHAT_I_AM_DOING: TLS stays verified");
    }
  }
  if (const auto level = lookup.get("LIVEKIT_LOG_LEVEL")) {
    if (*level == "debug")
      config.log_level = LogLevel::debug;
    else if (*level == "info")
      config.log_level = LogLevel::info;
    else if (*level == "warn" || *level == "warning")
      config.log_level = LogLevel::warn;
    else if (*level == "error")
      config.log_level = LogLevel::error;
    else
      config.warnings.emplace_back(cat("LIVEKIT_LOG_LEVEL \"", *level, "\" is not a level; using info"));
  }
  if (const auto format = lookup.get("LIVEKIT_LOG_FORMAT")) {
    if (*format == "json")
      config.log_format = LogFormat::json;
    else if (*format != "text")
      return std::unexpected(fatal("LIVEKIT_LOG_FORMAT must be text or json"));
  }

  const auto integer = [&](std::string_view env, auto& field, auto min) -> core::Result<void> {
    if (const auto text = lookup.get(env)) {
      auto value = parse_number<std::remove_reference_t<decltype(field)>>(env, *text, min);
      if (!value) return std::unexpected(std::move(value.error()));
      field = *value;
    }
    return {};
  };
  for (auto result :
       {integer("LIVEKIT_SANITY_CHECK_INTERVAL_SECONDS", config.sanity_check_interval_seconds, std::int64_t{0}),
        integer("LIVEKIT_TOKEN_TTL_SECONDS", config.token_ttl_seconds, std::int64_t{60}),
        integer("LIVEKIT_ROOM_EMPTY_TIMEOUT_SECONDS", config.room_empty_timeout_seconds, 0U),
        integer("LIVEKIT_ROOM_DEPARTURE_TIMEOUT_SECONDS", config.room_departure_timeout_seconds, 0U),
        integer("LIVEKIT_ROOM_MAX_PARTICIPANTS", config.room_max_participants, 0U),
        integer("LIVEKIT_JWT_THREADS", config.threads, 0U),
        integer("LIVEKIT_JWT_MAX_CONNECTIONS", config.max_connections, 1U),
        integer("LIVEKIT_JWT_MAX_BODY_BYTES", config.max_body_bytes, 1024U),
        integer("LIVEKIT_SHUTDOWN_GRACE_SECONDS", config.shutdown_grace_seconds, std::int64_t{0}),
        integer("LIVEKIT_HOMESERVER_TIMEOUT_SECONDS", config.homeserver_timeout_seconds, std::int64_t{1}),
        integer("LIVEKIT_CS_API_CACHE_SECONDS", config.cs_api_cache_seconds, std::int64_t{0}),
        integer("LIVEKIT_REDIS_LEASE_SECONDS", config.redis_lease_seconds, std::int64_t{1}),
        integer("LIVEKIT_USERINFO_CACHE_SECONDS", config.userinfo_cache_seconds, std::int64_t{0}),
        integer("LIVEKIT_USERINFO_NEGATIVE_CACHE_SECONDS", config.userinfo_negative_cache_seconds, std::int64_t{0})}) {
    if (!result) return std::unexpected(std::move(result.error()));
  }

  if (const auto text = lookup.get("LIVEKIT_CS_API_URL_OVERRIDES")) {
    auto map = parse_overrides("LIVEKIT_CS_API_URL_OVERRIDES", *text, false);
    if (!map) return std::unexpected(std::move(map.error()));
    config.cs_api_url_overrides = std::move(*map);
  }
  if (const auto text = lookup.get("LIVEKIT_FEDERATION_URL_OVERRIDES")) {
    auto map = parse_overrides("LIVEKIT_FEDERATION_URL_OVERRIDES", *text, true);
    if (!map) return std::unexpected(std::move(map.error()));
    config.federation_url_overrides = std::move(*map);
  }
  config.redis_url = lookup.get("LIVEKIT_REDIS_URL").value_or("");
  config.redis_password = lookup.get("LIVEKIT_REDIS_PASSWORD").value_or("");
  if (!config.redis_url.empty() && !config.redis_url.starts_with("redis://") &&
      !config.redis_url.starts_with("rediss://")) {
    return std::unexpected(fatal("LIVEKIT_REDIS_URL must start with redis:// or rediss://"));
  }
  config.can_update_own_metadata = lookup.get("LIVEKIT_CAN_UPDATE_OWN_METADATA") == "true";
  if (const auto text = lookup.get("LIVEKIT_RESTRICTED_CAN_PUBLISH")) {
    auto value = parse_bool("LIVEKIT_RESTRICTED_CAN_PUBLISH", *text);
    if (!value) return std::unexpected(std::move(value.error()));
    config.restricted_can_publish = *value;
  }
  if (const auto text = lookup.get("LIVEKIT_CS_API_ALLOW_HTTP")) {
    auto value = parse_bool("LIVEKIT_CS_API_ALLOW_HTTP", *text);
    if (!value) return std::unexpected(std::move(value.error()));
    config.cs_api_allow_http = *value;
  }
  config.extra_ca_file = lookup.get("LIVEKIT_EXTRA_CA_FILE").value_or("");
  config.tls_cert_file = lookup.get("LIVEKIT_TLS_CERT_FILE").value_or("");
  config.tls_key_file = lookup.get("LIVEKIT_TLS_KEY_FILE").value_or("");
  if (config.tls_cert_file.empty() != config.tls_key_file.empty()) {
    return std::unexpected(fatal("LIVEKIT_TLS_CERT_FILE and LIVEKIT_TLS_KEY_FILE must be set together"));
  }
  config.dns_servers = lookup.get("LIVEKIT_DNS_SERVERS").value_or("");

  if (const auto text = lookup.get("LIVEKIT_SSRF_PROTECTION")) {
    auto value = parse_bool("LIVEKIT_SSRF_PROTECTION", *text);
    if (!value) return std::unexpected(std::move(value.error()));
    config.ssrf_protection = *value;
  }
  config.ssrf_allowed_servers = split_list(lookup.get("LIVEKIT_SSRF_ALLOWED_SERVERS").value_or(""));
  if (std::ranges::any_of(config.ssrf_allowed_servers, [](const std::string& name) { return name.contains('*'); })) {
    return std::unexpected(
        fatal("LIVEKIT_SSRF_ALLOWED_SERVERS takes exact server names; use LIVEKIT_SSRF_PROTECTION=false to turn "
              "the guard off"));
  }
  for (const auto env : {"LIVEKIT_HOMESERVER_ALLOWLIST", "LIVEKIT_HOMESERVER_BLOCKLIST"}) {
    auto names = split_list(lookup.get(env).value_or(""));
    for (const auto& name : names) {
      const bool wildcard = name.starts_with("*.");
      if ((wildcard && (name.size() < 3 || name.find('*', 1) != std::string::npos)) ||
          (!wildcard && name.contains('*'))) {
        return std::unexpected(fatal(cat(env, ": \"", name, "\" must be a server name or *.suffix")));
      }
    }
    (std::string_view(env) == "LIVEKIT_HOMESERVER_ALLOWLIST" ? config.homeserver_allowlist
                                                             : config.homeserver_blocklist) = std::move(names);
  }
  if (auto ok = read_membership_check(config, lookup, sources); !ok) return std::unexpected(std::move(ok.error()));
  if (auto ok = read_rate_limits(config, lookup); !ok) return std::unexpected(std::move(ok.error()));
  if (!config.ssrf_protection) {
    config.warnings.emplace_back(
        "LIVEKIT_SSRF_PROTECTION=false: client-named homeservers may make this service connect to internal addresses");
  }
  return config;
}

std::string describe(const Config& config) {
  std::string full_access;
  for (const auto& server : config.full_access_homeservers) full_access += (full_access.empty() ? "" : ",") + server;
  return cat(
      "LIVEKIT_URL=", config.livekit_url, " LIVEKIT_KEY=", config.key, " bind=", config.bind,
      " full_access=", full_access, " skip_verify_tls=", config.insecure_skip_verify_tls ? "true" : "false",
      " sanity_check_interval=", config.sanity_check_interval_seconds, "s token_ttl=", config.token_ttl_seconds,
      "s room_timeouts=", config.room_empty_timeout_seconds, "s/", config.room_departure_timeout_seconds,
      "s max_participants=", config.room_max_participants, " redis=", config.redis_url.empty() ? "off" : "on",
      " dev_mode=", config.dev_mode ? "true" : "false", " tls=", config.tls_enabled() ? "on" : "off",
      " ssrf_protection=", config.ssrf_protection ? "true" : "false",
      " ssrf_allowed=", config.ssrf_allowed_servers.size(),
      " homeserver_allowlist=", config.homeserver_allowlist.size(),
      " homeserver_blocklist=", config.homeserver_blocklist.size(), " userinfo_cache=", config.userinfo_cache_seconds,
      "s/", config.userinfo_negative_cache_seconds,
      "s membership_check=", config.membership_check_homeserver.empty() ? "off" : config.membership_check_homeserver,
      " rate_limits=ip:", config.rate_limit_ip_per_minute, "/", config.rate_limit_ip_burst,
      ",user:", config.rate_limit_user_per_minute, "/", config.rate_limit_user_burst,
      ",homeserver:", config.rate_limit_homeserver_per_minute, "/", config.rate_limit_homeserver_burst,
      " trusted_proxies=", config.trusted_proxies.size());
}

}  // namespace matrixrtc::service
