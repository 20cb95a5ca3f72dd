#include "service/config.hpp"

#include <gtest/gtest.h>

#include <map>

#include "core/text.hpp"

namespace matrixrtc::service {
namespace {

using core::cat;

using Env = std::map<std::string, std::string, std::less<>>;

const Env kMinimal{{"LIVEKIT_URL", "wss://sfu.example.com"},
                   {"LIVEKIT_KEY", "key"},
                   {"LIVEKIT_SECRET", "secret"},
                   {"LIVEKIT_FULL_ACCESS_HOMESERVERS", "example.com"}};

core::Result<Config> load(const Env& env, std::vector<std::string> args = {},
                          std::map<std::string, std::string> files = {}) {
  ConfigSources sources;
  sources.env = [env](std::string_view name) -> std::optional<std::string> {
    const auto it = env.find(name);
    if (it == env.end()) return std::nullopt;
    return it->second;
  };
  sources.read_file = [files](const std::string& path) -> core::Result<std::string> {
    const auto it = files.find(path);
    if (it == files.end()) return core::fail(core::ErrorCode::invalid_argument, "no such file");
    return it->second;
  };
  sources.args = std::move(args);
  return load_config(sources);
}

Env with(Env env, const Env& changes) {
  for (const auto& [name, value] : changes) env[name] = value;
  return env;
}

void expect_fatal(const core::Result<Config>& config, std::string_view message) {
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error().message, message);
}

TEST(Config, DefaultsMatchTheReference) {
  const auto config = load(kMinimal).value();
  EXPECT_EQ(config.bind, ":8080");
  EXPECT_EQ(config.log_level, LogLevel::info);
  EXPECT_FALSE(config.insecure_skip_verify_tls);
  EXPECT_FALSE(config.can_update_own_metadata);
  EXPECT_EQ(config.sanity_check_interval_seconds, 0);
  EXPECT_EQ(config.token_ttl_seconds, 3600);
  EXPECT_EQ(config.room_empty_timeout_seconds, 300U);
  EXPECT_EQ(config.room_departure_timeout_seconds, 20U);
  EXPECT_EQ(config.room_max_participants, 0U);
  EXPECT_EQ(config.max_body_bytes, 1024U * 1024U);
  EXPECT_TRUE(config.warnings.empty());
}

TEST(Config, RequiredSettingsAreFatal) {
  for (const auto* missing : {"LIVEKIT_URL", "LIVEKIT_KEY", "LIVEKIT_SECRET"}) {
    Env env = kMinimal;
    env.erase(missing);
    expect_fatal(load(env), "LIVEKIT_KEY* / LIVEKIT_SECRET* and LIVEKIT_URL must be set");
  }
  expect_fatal(load(with(kMinimal, {{"LIVEKIT_SECRET", " \r\n"}})),
               "LIVEKIT_KEY* / LIVEKIT_SECRET* and LIVEKIT_URL must be set");
  Env env = kMinimal;
  env.erase("LIVEKIT_FULL_ACCESS_HOMESERVERS");
  expect_fatal(load(env), "LIVEKIT_FULL_ACCESS_HOMESERVERS must be set (a list of server names, or * for all)");
  expect_fatal(load(with(kMinimal, {{"LIVEKIT_FULL_ACCESS_HOMESERVERS", " , "}})),
               "LIVEKIT_FULL_ACCESS_HOMESERVERS must be set (a list of server names, or * for all)");
  expect_fatal(load(with(kMinimal, {{"LIVEKIT_URL", "sfu.example.com"}})),
               "LIVEKIT_URL must start with ws://, wss://, http:// or https://");
}

TEST(Config, CredentialsFromFilesWithPrecedenceAndTrimming) {
  const auto from_files = load(with(kMinimal, {{"LIVEKIT_KEY_FROM_FILE", "/k"}, {"LIVEKIT_SECRET_FROM_FILE", "/s"}}),
                               {}, {{"/k", " filekey\n"}, {"/s", "filesecret\r\n"}})
                              .value();
  EXPECT_EQ(from_files.key, "filekey");
  EXPECT_EQ(from_files.secret, "filesecret");
  // LIVEKIT_KEY_FILE wins over everything.
  const auto key_file = load(with(kMinimal, {{"LIVEKIT_KEY_FROM_FILE", "/k"}, {"LIVEKIT_KEY_FILE", "/kf"}}), {},
                             {{"/k", "filekey"}, {"/kf", "devkey: devsecret\n"}})
                            .value();
  EXPECT_EQ(key_file.key, "devkey");
  EXPECT_EQ(key_file.secret, "devsecret");
  expect_fatal(load(with(kMinimal, {{"LIVEKIT_KEY_FILE", "/kf"}}), {}, {{"/kf", "a: b\nc: d\n"}}),
               "invalid key secret file format!");
  expect_fatal(load(with(kMinimal, {{"LIVEKIT_KEY_FILE", "/kf"}}), {}, {{"/kf", "nocolon"}}),
               "invalid key secret file format!");
  expect_fatal(load(with(kMinimal, {{"LIVEKIT_KEY_FROM_FILE", "/missing"}})),
               "LIVEKIT_KEY_FROM_FILE: cannot read /missing: no such file");
}

TEST(Config, FullAccessList) {
  const auto config = load(with(kMinimal, {{"LIVEKIT_FULL_ACCESS_HOMESERVERS", "a.com, b.com\tc.com:8448,,"}})).value();
  EXPECT_EQ(config.full_access_homeservers, (std::vector<std::string>{"a.com", "b.com", "c.com:8448"}));
  EXPECT_TRUE(config.is_full_access("c.com:8448"));
  EXPECT_FALSE(config.is_full_access("c.com"));  // exact, port-sensitive
  EXPECT_FALSE(config.is_full_access("A.com"));  // exact, case-sensitive
  EXPECT_TRUE(load(with(kMinimal, {{"LIVEKIT_FULL_ACCESS_HOMESERVERS", "*"}})).value().is_full_access("any.org"));
  // '*' is a wildcard only as the sole entry.
  const auto mixed = load(with(kMinimal, {{"LIVEKIT_FULL_ACCESS_HOMESERVERS", "*,a.com"}})).value();
  EXPECT_FALSE(mixed.is_full_access("any.org"));
  EXPECT_TRUE(mixed.is_full_access("*"));
}

TEST(Config, BindAndDeprecatedPort) {
  EXPECT_EQ(load(with(kMinimal, {{"LIVEKIT_JWT_BIND", "127.0.0.1:9000"}})).value().bind, "127.0.0.1:9000");
  const auto port = load(with(kMinimal, {{"LIVEKIT_JWT_PORT", "9001"}})).value();
  EXPECT_EQ(port.bind, ":9001");
  EXPECT_EQ(port.warnings, (std::vector<std::string>{"LIVEKIT_JWT_PORT is deprecated; use LIVEKIT_JWT_BIND=:9001"}));
  expect_fatal(load(with(kMinimal, {{"LIVEKIT_JWT_BIND", ":1"}, {"LIVEKIT_JWT_PORT", "2"}})),
               "LIVEKIT_JWT_BIND and LIVEKIT_JWT_PORT are mutually exclusive");
  expect_fatal(load(with(kMinimal, {{"LIVEKIT_JWT_BIND", "8080"}})),
               "LIVEKIT_JWT_BIND: bind address \"8080\" has no port");
}

TEST(Config, SkipVerifyNeedsTheExactPhrase) {
  EXPECT_TRUE(load(with(kMinimal, {{"LIVEKIT_INSECURE_SKIP_VERIFY_TLS", "YES_I_KNOW_WHAT_I_AM_DOING"}}))
                  .value()
                  .insecure_skip_verify_tls);
  const auto wrong = load(with(kMinimal, {{"LIVEKIT_INSECURE_SKIP_VERIFY_TLS", "true"}})).value();
  EXPECT_FALSE(wrong.insecure_skip_verify_tls);
  EXPECT_EQ(wrong.warnings.size(), 1U);
}

TEST(Config, LogLevelFallsBackToInfo) {
  EXPECT_EQ(load(with(kMinimal, {{"LIVEKIT_LOG_LEVEL", "warning"}})).value().log_level, LogLevel::warn);
  EXPECT_EQ(load(with(kMinimal, {{"LIVEKIT_LOG_LEVEL", "debug"}})).value().log_level, LogLevel::debug);
  const auto bad = load(with(kMinimal, {{"LIVEKIT_LOG_LEVEL", "loud"}})).value();
  EXPECT_EQ(bad.log_level, LogLevel::info);
  EXPECT_EQ(bad.warnings, (std::vector<std::string>{"LIVEKIT_LOG_LEVEL \"loud\" is not a level; using info"}));
  expect_fatal(load(with(kMinimal, {{"LIVEKIT_LOG_FORMAT", "xml"}})), "LIVEKIT_LOG_FORMAT must be text or json");
}

TEST(Config, NumbersAreStrict) {
  expect_fatal(load(with(kMinimal, {{"LIVEKIT_SANITY_CHECK_INTERVAL_SECONDS", "-1"}})),
               "LIVEKIT_SANITY_CHECK_INTERVAL_SECONDS must be an integer of at least 0, got \"-1\"");
  expect_fatal(load(with(kMinimal, {{"LIVEKIT_SANITY_CHECK_INTERVAL_SECONDS", "10s"}})),
               "LIVEKIT_SANITY_CHECK_INTERVAL_SECONDS must be an integer of at least 0, got \"10s\"");
  expect_fatal(load(with(kMinimal, {{"LIVEKIT_TOKEN_TTL_SECONDS", "30"}})),
               "LIVEKIT_TOKEN_TTL_SECONDS must be an integer of at least 60, got \"30\"");
  expect_fatal(load(with(kMinimal, {{"LIVEKIT_ROOM_MAX_PARTICIPANTS", "-3"}})),
               "LIVEKIT_ROOM_MAX_PARTICIPANTS must be an integer of at least 0, got \"-3\"");
  const auto config = load(with(kMinimal, {{"LIVEKIT_ROOM_EMPTY_TIMEOUT_SECONDS", "60"},
                                           {"LIVEKIT_ROOM_DEPARTURE_TIMEOUT_SECONDS", "5"},
                                           {"LIVEKIT_ROOM_MAX_PARTICIPANTS", "12"},
                                           {"LIVEKIT_TOKEN_TTL_SECONDS", "600"}}))
                          .value();
  EXPECT_EQ(config.room_empty_timeout_seconds, 60U);
  EXPECT_EQ(config.room_departure_timeout_seconds, 5U);
  EXPECT_EQ(config.room_max_participants, 12U);
  EXPECT_EQ(config.token_ttl_seconds, 600);
  expect_fatal(load(with(kMinimal, {{"LIVEKIT_HOMESERVER_TIMEOUT_SECONDS", "0"}})),
               "LIVEKIT_HOMESERVER_TIMEOUT_SECONDS must be an integer of at least 1, got \"0\"");
  EXPECT_EQ(load(with(kMinimal, {{"LIVEKIT_HOMESERVER_TIMEOUT_SECONDS", "3"}})).value().homeserver_timeout_seconds, 3);
  EXPECT_EQ(load(with(kMinimal, {{"LIVEKIT_DNS_SERVERS", "127.0.0.1:53"}})).value().dns_servers, "127.0.0.1:53");
}

TEST(Config, DelegationSettings) {
  const auto defaults = load(kMinimal).value();
  EXPECT_FALSE(defaults.cs_api_allow_http);
  EXPECT_EQ(defaults.cs_api_cache_seconds, 4 * 3600);
  EXPECT_EQ(defaults.redis_lease_seconds, 15);
  const auto config = load(with(kMinimal, {{"LIVEKIT_CS_API_ALLOW_HTTP", "true"},
                                           {"LIVEKIT_CS_API_CACHE_SECONDS", "0"},
                                           {"LIVEKIT_REDIS_LEASE_SECONDS", "2"}}))
                          .value();
  EXPECT_TRUE(config.cs_api_allow_http);
  EXPECT_EQ(config.cs_api_cache_seconds, 0);
  EXPECT_EQ(config.redis_lease_seconds, 2);
  expect_fatal(load(with(kMinimal, {{"LIVEKIT_CS_API_ALLOW_HTTP", "yes"}})),
               "LIVEKIT_CS_API_ALLOW_HTTP must be true or false, got \"yes\"");
  expect_fatal(load(with(kMinimal, {{"LIVEKIT_CS_API_CACHE_SECONDS", "-1"}})),
               "LIVEKIT_CS_API_CACHE_SECONDS must be an integer of at least 0, got \"-1\"");
  expect_fatal(load(with(kMinimal, {{"LIVEKIT_REDIS_LEASE_SECONDS", "0"}})),
               "LIVEKIT_REDIS_LEASE_SECONDS must be an integer of at least 1, got \"0\"");
}

TEST(Config, Overrides) {
  const auto config =
      load(with(kMinimal, {{"LIVEKIT_CS_API_URL_OVERRIDES", " a.com = https://cs.a.com , b.com=http://b:8008"},
                           {"LIVEKIT_FEDERATION_URL_OVERRIDES", "a.com=https://internal:8448"}}))
          .value();
  EXPECT_EQ(config.cs_api_url_overrides.at("a.com"), "https://cs.a.com");
  EXPECT_EQ(config.cs_api_url_overrides.at("b.com"), "http://b:8008");
  EXPECT_EQ(config.federation_url_overrides.at("a.com"), "https://internal:8448");
  expect_fatal(load(with(kMinimal, {{"LIVEKIT_CS_API_URL_OVERRIDES", "a.com="}})),
               "LIVEKIT_CS_API_URL_OVERRIDES: entry \"a.com=\" must be server=url");
  expect_fatal(load(with(kMinimal, {{"LIVEKIT_CS_API_URL_OVERRIDES", "=https://x"}})),
               "LIVEKIT_CS_API_URL_OVERRIDES: entry \"=https://x\" must be server=url");
  expect_fatal(load(with(kMinimal, {{"LIVEKIT_FEDERATION_URL_OVERRIDES", "a.com=internal:8448"}})),
               "LIVEKIT_FEDERATION_URL_OVERRIDES: \"internal:8448\" must start with https:// or http://");
}

TEST(Config, BooleansAndRedis) {
  EXPECT_TRUE(load(with(kMinimal, {{"LIVEKIT_CAN_UPDATE_OWN_METADATA", "true"}})).value().can_update_own_metadata);
  EXPECT_FALSE(load(with(kMinimal, {{"LIVEKIT_CAN_UPDATE_OWN_METADATA", "yes"}})).value().can_update_own_metadata);
  expect_fatal(load(with(kMinimal, {{"LIVEKIT_RESTRICTED_CAN_PUBLISH", "1"}})),
               "LIVEKIT_RESTRICTED_CAN_PUBLISH must be true or false, got \"1\"");
  expect_fatal(load(with(kMinimal, {{"LIVEKIT_REDIS_URL", "localhost:6379"}})),
               "LIVEKIT_REDIS_URL must start with redis:// or rediss://");
}

TEST(Config, FlagsOverrideEnvironment) {
  const auto config =
      load(kMinimal, {"--bind", "127.0.0.1:1", "--key=flagkey", "--full-access-homeservers", "x.org"}).value();
  EXPECT_EQ(config.bind, "127.0.0.1:1");
  EXPECT_EQ(config.key, "flagkey");
  EXPECT_TRUE(config.is_full_access("x.org"));
  EXPECT_FALSE(config.is_full_access("example.com"));
  expect_fatal(load(kMinimal, {"--nope"}), "unknown option --nope");
  expect_fatal(load(kMinimal, {"--bind"}), "option --bind needs a value");
  expect_fatal(load(kMinimal, {"--bind", "a:1", "--bind", "b:2"}), "option --bind given twice");
  expect_fatal(load(kMinimal, {"stray"}), "unexpected argument \"stray\"");
  expect_fatal(load(kMinimal, {"--dev=yes"}), "option --dev takes no value");
}

TEST(Config, OutboundPolicySettings) {
  const auto defaults = load(kMinimal).value();
  EXPECT_TRUE(defaults.ssrf_protection);
  EXPECT_TRUE(defaults.ssrf_allowed_servers.empty());
  EXPECT_TRUE(defaults.homeserver_allowlist.empty());
  EXPECT_TRUE(defaults.homeserver_blocklist.empty());
  const auto config = load(with(kMinimal, {{"LIVEKIT_SSRF_PROTECTION", "false"},
                                           {"LIVEKIT_SSRF_ALLOWED_SERVERS", "lan.example, 10.0.0.5:8448"},
                                           {"LIVEKIT_HOMESERVER_ALLOWLIST", "*.example.org example.org"},
                                           {"LIVEKIT_HOMESERVER_BLOCKLIST", "bad.example.org"}}))
                          .value();
  EXPECT_FALSE(config.ssrf_protection);
  EXPECT_EQ(config.ssrf_allowed_servers, (std::vector<std::string>{"lan.example", "10.0.0.5:8448"}));
  EXPECT_EQ(config.homeserver_allowlist, (std::vector<std::string>{"*.example.org", "example.org"}));
  EXPECT_EQ(config.homeserver_blocklist, (std::vector<std::string>{"bad.example.org"}));
  ASSERT_FALSE(config.warnings.empty());
  EXPECT_NE(config.warnings.back().find("LIVEKIT_SSRF_PROTECTION=false"), std::string::npos);
  EXPECT_TRUE(load(kMinimal, {"--ssrf-protection", "true"}).value().ssrf_protection);
  expect_fatal(load(with(kMinimal, {{"LIVEKIT_SSRF_PROTECTION", "no"}})),
               "LIVEKIT_SSRF_PROTECTION must be true or false, got \"no\"");
  expect_fatal(load(with(kMinimal, {{"LIVEKIT_SSRF_ALLOWED_SERVERS", "*"}})),
               "LIVEKIT_SSRF_ALLOWED_SERVERS takes exact server names; use LIVEKIT_SSRF_PROTECTION=false to turn the "
               "guard off");
  expect_fatal(load(with(kMinimal, {{"LIVEKIT_HOMESERVER_BLOCKLIST", "a.*.org"}})),
               "LIVEKIT_HOMESERVER_BLOCKLIST: \"a.*.org\" must be a server name or *.suffix");
  expect_fatal(load(with(kMinimal, {{"LIVEKIT_HOMESERVER_ALLOWLIST", "*"}})),
               "LIVEKIT_HOMESERVER_ALLOWLIST: \"*\" must be a server name or *.suffix");
  // "*" as the full-access list is still accepted; it does not turn the guard off (outbound_policy_test).
  EXPECT_TRUE(load(with(kMinimal, {{"LIVEKIT_FULL_ACCESS_HOMESERVERS", "*"}})).value().ssrf_protection);
}

TEST(Config, DevModeUsesLiveKitDevDefaults) {
  const auto config = load({}, {"--dev"}).value();
  EXPECT_TRUE(config.dev_mode);
  EXPECT_EQ(config.livekit_url, "ws://127.0.0.1:7880");
  EXPECT_EQ(config.key, "devkey");
  EXPECT_EQ(config.secret, "secret");
  EXPECT_EQ(config.bind, "127.0.0.1:8080");
  EXPECT_TRUE(config.is_full_access("anything"));
  // Explicit settings still win in dev mode.
  EXPECT_EQ(load({{"LIVEKIT_JWT_BIND", "127.0.0.1:9"}}, {"--dev"}).value().bind, "127.0.0.1:9");
}

TEST(Config, TlsListenerNeedsBothFiles) {
  const auto plain = load(kMinimal).value();
  EXPECT_TRUE(plain.tls_cert_file.empty());
  EXPECT_TRUE(plain.tls_key_file.empty());
  EXPECT_FALSE(plain.tls_enabled());
  EXPECT_NE(describe(plain).find(" tls=off"), std::string::npos);

  const auto tls = load(with(kMinimal, {{"LIVEKIT_TLS_CERT_FILE", "/etc/tls/chain.pem"},
                                        {"LIVEKIT_TLS_KEY_FILE", "/etc/tls/key.pem"}}))
                       .value();
  EXPECT_EQ(tls.tls_cert_file, "/etc/tls/chain.pem");
  EXPECT_EQ(tls.tls_key_file, "/etc/tls/key.pem");
  EXPECT_TRUE(tls.tls_enabled());
  EXPECT_NE(describe(tls).find(" tls=on"), std::string::npos);
  // The files themselves are read when the service starts, not here.
  const auto flags = load(kMinimal, {"--tls-cert-file", "c.pem", "--tls-key-file=k.pem"}).value();
  EXPECT_EQ(flags.tls_cert_file, "c.pem");
  EXPECT_EQ(flags.tls_key_file, "k.pem");

  constexpr std::string_view kTogether = "LIVEKIT_TLS_CERT_FILE and LIVEKIT_TLS_KEY_FILE must be set together";
  expect_fatal(load(with(kMinimal, {{"LIVEKIT_TLS_CERT_FILE", "c.pem"}})), kTogether);
  expect_fatal(load(with(kMinimal, {{"LIVEKIT_TLS_KEY_FILE", "k.pem"}})), kTogether);
  expect_fatal(load(kMinimal, {"--tls-key-file", "k.pem"}), kTogether);
  // Empty means unset, as for every other variable.
  expect_fatal(load(with(kMinimal, {{"LIVEKIT_TLS_CERT_FILE", "c.pem"}, {"LIVEKIT_TLS_KEY_FILE", ""}})), kTogether);
}

TEST(Config, RateLimitDefaults) {
  const auto config = load(kMinimal).value();
  EXPECT_EQ(config.rate_limit_ip_per_minute, 600U);
  EXPECT_EQ(config.rate_limit_ip_burst, 120U);
  EXPECT_EQ(config.rate_limit_user_per_minute, 60U);
  EXPECT_EQ(config.rate_limit_user_burst, 20U);
  EXPECT_EQ(config.rate_limit_homeserver_per_minute, 3000U);
  EXPECT_EQ(config.rate_limit_homeserver_burst, 500U);
  ASSERT_EQ(config.trusted_proxies.size(), 2U);
  EXPECT_EQ(config.trusted_proxies, core::ratelimit::parse_cidr_list("127.0.0.0/8, ::1/128").value());
}

TEST(Config, RateLimitsAcceptZeroAndFlags) {
  const auto config = load(with(kMinimal, {{"LIVEKIT_RATE_LIMIT_IP_PER_MINUTE", "0"},
                                           {"LIVEKIT_RATE_LIMIT_IP_BURST", "1"},
                                           {"LIVEKIT_RATE_LIMIT_USER_PER_MINUTE", "6000000"},
                                           {"LIVEKIT_RATE_LIMIT_USER_BURST", "1000000"},
                                           {"LIVEKIT_RATE_LIMIT_HOMESERVER_BURST", "7"}}),
                           {"--rate-limit-homeserver-per-minute", "9"})
                          .value();
  EXPECT_EQ(config.rate_limit_ip_per_minute, 0U);
  EXPECT_EQ(config.rate_limit_ip_burst, 1U);
  EXPECT_EQ(config.rate_limit_user_per_minute, 6'000'000U);
  EXPECT_EQ(config.rate_limit_user_burst, 1'000'000U);
  EXPECT_EQ(config.rate_limit_homeserver_per_minute, 9U);
  EXPECT_EQ(config.rate_limit_homeserver_burst, 7U);
}

TEST(Config, BadRateLimitsAreFatal) {
  expect_fatal(load(with(kMinimal, {{"LIVEKIT_RATE_LIMIT_IP_PER_MINUTE", "-1"}})),
               "LIVEKIT_RATE_LIMIT_IP_PER_MINUTE must be an integer of at least 0, got \"-1\"");
  expect_fatal(load(with(kMinimal, {{"LIVEKIT_RATE_LIMIT_USER_BURST", "0"}})),
               "LIVEKIT_RATE_LIMIT_USER_BURST must be an integer of at least 1, got \"0\"");
  expect_fatal(load(with(kMinimal, {{"LIVEKIT_RATE_LIMIT_HOMESERVER_PER_MINUTE", "6000001"}})),
               "LIVEKIT_RATE_LIMIT_HOMESERVER_PER_MINUTE must be at most 6000000, got \"6000001\"");
  expect_fatal(load(with(kMinimal, {{"LIVEKIT_RATE_LIMIT_IP_BURST", "1000001"}})),
               "LIVEKIT_RATE_LIMIT_IP_BURST must be at most 1000000, got \"1000001\"");
  expect_fatal(load(with(kMinimal, {{"LIVEKIT_RATE_LIMIT_USER_PER_MINUTE", "1e3"}})),
               "LIVEKIT_RATE_LIMIT_USER_PER_MINUTE must be an integer of at least 0, got \"1e3\"");
}

TEST(Config, TrustedProxies) {
  const auto config = load(with(kMinimal, {{"LIVEKIT_TRUSTED_PROXIES", "10.0.0.0/8 fd00::/8,192.0.2.1"}})).value();
  EXPECT_EQ(config.trusted_proxies, core::ratelimit::parse_cidr_list("10.0.0.0/8, fd00::/8, 192.0.2.1/32").value());
  // Empty means "trust no proxy", not "the default": the safe reading of an empty template value.
  EXPECT_TRUE(load(with(kMinimal, {{"LIVEKIT_TRUSTED_PROXIES", ""}})).value().trusted_proxies.empty());
  EXPECT_TRUE(load(kMinimal, {"--trusted-proxies", " "}).value().trusted_proxies.empty());
  expect_fatal(load(with(kMinimal, {{"LIVEKIT_TRUSTED_PROXIES", "127.0.0.0/8, 10.0.0.1/8"}})),
               "LIVEKIT_TRUSTED_PROXIES: \"10.0.0.1/8\" has bits set beyond the /8 prefix (did you mean 10.0.0.0/8?)");
  expect_fatal(load(with(kMinimal, {{"LIVEKIT_TRUSTED_PROXIES", "proxy.internal"}})),
               "LIVEKIT_TRUSTED_PROXIES: \"proxy.internal\" is not an IP address or CIDR range");
  expect_fatal(load(with(kMinimal, {{"LIVEKIT_TRUSTED_PROXIES", "::1/200"}})),
               "LIVEKIT_TRUSTED_PROXIES: \"::1/200\" has an invalid prefix length (0-128 for IPv6)");
}

TEST(Config, UserInfoCacheLifetimes) {
  const auto defaults = load(kMinimal).value();
  EXPECT_EQ(defaults.userinfo_cache_seconds, 60);
  EXPECT_EQ(defaults.userinfo_negative_cache_seconds, 5);
  const auto off =
      load(with(kMinimal, {{"LIVEKIT_USERINFO_CACHE_SECONDS", "0"}, {"LIVEKIT_USERINFO_NEGATIVE_CACHE_SECONDS", "0"}}))
          .value();
  EXPECT_EQ(off.userinfo_cache_seconds, 0);
  EXPECT_EQ(off.userinfo_negative_cache_seconds, 0);
  const auto flags = load(kMinimal, {"--userinfo-cache-seconds", "300", "--userinfo-negative-cache-seconds=2"}).value();
  EXPECT_EQ(flags.userinfo_cache_seconds, 300);
  EXPECT_EQ(flags.userinfo_negative_cache_seconds, 2);
  expect_fatal(load(with(kMinimal, {{"LIVEKIT_USERINFO_CACHE_SECONDS", "-1"}})),
               "LIVEKIT_USERINFO_CACHE_SECONDS must be an integer of at least 0, got \"-1\"");
  expect_fatal(load(with(kMinimal, {{"LIVEKIT_USERINFO_NEGATIVE_CACHE_SECONDS", "5s"}})),
               "LIVEKIT_USERINFO_NEGATIVE_CACHE_SECONDS must be an integer of at least 0, got \"5s\"");
}

TEST(Config, MembershipCheckIsOffByDefault) {
  const auto config = load(kMinimal).value();
  EXPECT_TRUE(config.membership_check_homeserver.empty());
  EXPECT_TRUE(config.membership_check_token.empty());
}

TEST(Config, MembershipCheckNeedsServerAndToken) {
  const auto on = load(with(kMinimal, {{"LIVEKIT_MEMBERSHIP_CHECK_HOMESERVER", "example.com"},
                                       {"LIVEKIT_MEMBERSHIP_CHECK_TOKEN", " as-token\n"}}))
                      .value();
  EXPECT_EQ(on.membership_check_homeserver, "example.com");
  EXPECT_EQ(on.membership_check_token, "as-token");
  const auto from_file = load(with(kMinimal, {{"LIVEKIT_MEMBERSHIP_CHECK_HOMESERVER", "example.com"},
                                              {"LIVEKIT_MEMBERSHIP_CHECK_TOKEN", "ignored"},
                                              {"LIVEKIT_MEMBERSHIP_CHECK_TOKEN_FROM_FILE", "/t"}}),
                              {}, {{"/t", "file-token\n"}})
                             .value();
  EXPECT_EQ(from_file.membership_check_token, "file-token");
  const auto flags =
      load(kMinimal, {"--membership-check-homeserver", "example.com", "--membership-check-token=flag-token"}).value();
  EXPECT_EQ(flags.membership_check_token, "flag-token");
  // Any server is full access with `*`.
  EXPECT_TRUE(load(with(kMinimal, {{"LIVEKIT_FULL_ACCESS_HOMESERVERS", "*"},
                                   {"LIVEKIT_MEMBERSHIP_CHECK_HOMESERVER", "anywhere.org"},
                                   {"LIVEKIT_MEMBERSHIP_CHECK_TOKEN", "t"}})));

  expect_fatal(load(with(kMinimal, {{"LIVEKIT_MEMBERSHIP_CHECK_TOKEN", "as-token"}})),
               "LIVEKIT_MEMBERSHIP_CHECK_TOKEN is set but LIVEKIT_MEMBERSHIP_CHECK_HOMESERVER is not");
  expect_fatal(load(with(kMinimal, {{"LIVEKIT_MEMBERSHIP_CHECK_HOMESERVER", "example.com"}})),
               "LIVEKIT_MEMBERSHIP_CHECK_HOMESERVER is set but LIVEKIT_MEMBERSHIP_CHECK_TOKEN is not");
  expect_fatal(load(with(kMinimal, {{"LIVEKIT_MEMBERSHIP_CHECK_HOMESERVER", "example.com"},
                                    {"LIVEKIT_MEMBERSHIP_CHECK_TOKEN_FROM_FILE", "/t"}}),
                    {}, {{"/t", " \n"}}),
               "LIVEKIT_MEMBERSHIP_CHECK_HOMESERVER is set but LIVEKIT_MEMBERSHIP_CHECK_TOKEN is not");
  expect_fatal(load(with(kMinimal, {{"LIVEKIT_MEMBERSHIP_CHECK_HOMESERVER", "other.org"},
                                    {"LIVEKIT_MEMBERSHIP_CHECK_TOKEN", "as-token"}})),
               "LIVEKIT_MEMBERSHIP_CHECK_HOMESERVER \"other.org\" is not one of LIVEKIT_FULL_ACCESS_HOMESERVERS");
  expect_fatal(load(with(kMinimal, {{"LIVEKIT_MEMBERSHIP_CHECK_HOMESERVER", "example.com"},
                                    {"LIVEKIT_MEMBERSHIP_CHECK_TOKEN_FROM_FILE", "/missing"}})),
               "LIVEKIT_MEMBERSHIP_CHECK_TOKEN_FROM_FILE: cannot read /missing: no such file");
}

TEST(Config, HelpAndDescriptionNeverShowTheSecret) {
  const auto config = load(with(kMinimal, {{"LIVEKIT_SECRET", "TOPSECRET"},
                                           {"LIVEKIT_REDIS_PASSWORD", "PW"},
                                           {"LIVEKIT_MEMBERSHIP_CHECK_HOMESERVER", "example.com"},
                                           {"LIVEKIT_MEMBERSHIP_CHECK_TOKEN", "ASTOKEN"}}))
                          .value();
  EXPECT_NE(describe(config).find("membership_check=example.com"), std::string::npos);
  EXPECT_EQ(describe(config).find("ASTOKEN"), std::string::npos);
  EXPECT_EQ(describe(config).find("TOPSECRET"), std::string::npos);
  EXPECT_EQ(describe(config).find("PW"), std::string::npos);
  const auto help = help_text();
  for (const auto& setting : settings())
    EXPECT_NE(help.find(std::string("--") + std::string(setting.flag)), std::string::npos);
}

}  // namespace
}  // namespace matrixrtc::service
