// matrixrtc token mint|verify|mint-webhook|verify-webhook: LiveKit access and
// webhook tokens, for scripts and for checking a deployment by hand.
#include <boost/json/serialize.hpp>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "core/json/strict_parser.hpp"
#include "core/livekit/access_token.hpp"
#include "core/livekit/webhook_token.hpp"
#include "core/text.hpp"
#include "programs/matrixrtc/command_line.hpp"
#include "programs/matrixrtc/commands.hpp"

namespace matrixrtc::cli {
namespace {

namespace lk = core::livekit;

constexpr std::string_view kTokenHelp = R"(Usage:
  matrixrtc token mint --identity I --room R [--key K] [--secret S] [--ttl SECONDS]
                       [--grant NAME=VALUE ...] [--now UNIX] [--json]
  matrixrtc token verify [--key K] [--secret S] [--now UNIX] [--leeway SECONDS] [--json] JWT
  matrixrtc token mint-webhook --body FILE [--key K] [--secret S] [--ttl SECONDS] [--now UNIX]
  matrixrtc token verify-webhook --body FILE [--key K] [--secret S] [--now UNIX] [--json] AUTHORIZATION

LiveKit access tokens (HS256 JWTs). The API key and secret default to the
LIVEKIT_KEY and LIVEKIT_SECRET environment variables, so they need not appear
in the process list.

mint     prints a token for identity I in room R, granting what the
         authorization service grants a full-access member: roomJoin,
         canPublish, canSubscribe true; canUpdateOwnMetadata, hidden and
         roomCreate false. --ttl defaults to 3600. The payload is ASCII-only so
         browsers can decode it with atob().
         --grant changes or adds a grant; repeat it as needed:
           roomJoin|roomCreate|roomAdmin|roomList|roomRecord|canPublish|
           canSubscribe|canPublishData|canUpdateOwnMetadata|hidden|recorder|
           ingressAdmin=true|false
           canPublishSources=camera,microphone,...   room=NAME
           name=TEXT   metadata=TEXT   attributes.KEY=VALUE
verify   checks signature (HS256 only), issuer (= key), exp and nbf (with
         --leeway, default 10 s) and prints the claims as JSON, or the reason
         the token is invalid.
mint-webhook / verify-webhook
         the token LiveKit sends in a webhook's Authorization header; its
         sha256 claim must match the body read from FILE ("-" for stdin).

--now UNIX fixes the clock (seconds) for reproducible output.
Exit status: 0 ok, 1 the token is invalid or cannot be minted, 2 bad usage.
)";

struct Keys {
  std::string key;
  std::string secret;
};

core::Result<Keys> read_keys(const CommandLine& line, Io& io) {
  Keys keys;
  keys.key = line.value("key").or_else([&] { return io.env("LIVEKIT_KEY"); }).value_or("");
  keys.secret = line.value("secret").or_else([&] { return io.env("LIVEKIT_SECRET"); }).value_or("");
  if (keys.key.empty())
    return core::fail(core::ErrorCode::invalid_argument, "no API key: give --key or set LIVEKIT_KEY");
  if (keys.secret.empty()) {
    return core::fail(core::ErrorCode::invalid_argument, "no API secret: give --secret or set LIVEKIT_SECRET");
  }
  return keys;
}

core::Result<std::int64_t> read_now(const CommandLine& line, Io& io) {
  if (const auto now = line.value("now")) return parse_integer(*now, "--now");
  return io.now;
}

core::Result<std::string> read_body(const std::string& path) {
  std::ostringstream buffer;
  if (path == "-") {
    buffer << std::cin.rdbuf();
  } else {
    std::ifstream file(path, std::ios::binary);
    if (!file) return core::fail(core::ErrorCode::invalid_argument, "cannot read body file " + path);
    buffer << file.rdbuf();
  }
  return buffer.str();
}

core::Result<void> apply_grant(lk::AccessTokenClaims& claims, std::string_view assignment) {
  const auto eq = assignment.find('=');
  if (eq == std::string_view::npos) {
    return core::fail(core::ErrorCode::invalid_argument,
                      core::cat("--grant expects NAME=VALUE, got \"", assignment, "\""));
  }
  const std::string_view name = assignment.substr(0, eq);
  const std::string_view value = assignment.substr(eq + 1);
  auto& video = *claims.video;
  for (const auto& flag : lk::kVideoGrantFlags) {
    if (flag.json_name != name) continue;
    if (value != "true" && value != "false") {
      return core::fail(core::ErrorCode::invalid_argument, core::cat("grant ", name, " must be true or false"));
    }
    video.*flag.member = value == "true";
    return {};
  }
  if (name == "room") {
    video.room = std::string(value);
  } else if (name == "canPublishSources") {
    std::vector<std::string> sources;
    for (std::size_t start = 0; start <= value.size();) {
      const auto comma = std::min(value.find(',', start), value.size());
      if (comma > start) sources.emplace_back(value.substr(start, comma - start));
      start = comma + 1;
    }
    video.can_publish_sources = std::move(sources);
  } else if (name == "name") {
    claims.name = std::string(value);
  } else if (name == "metadata") {
    claims.metadata = std::string(value);
  } else if (name.starts_with("attributes.") && name.size() > 11) {
    if (!claims.attributes) claims.attributes.emplace();
    (*claims.attributes)[std::string(name.substr(11))] = std::string(value);
  } else {
    return core::fail(core::ErrorCode::invalid_argument, core::cat("unknown grant \"", name, "\""));
  }
  return {};
}

int fail_with(Io& io, const CommandLine& line, const core::Error& error) {
  if (line.has("json")) {
    boost::json::object result{{"valid", false}, {"error", core::to_string(error.code)}, {"reason", error.message}};
    io.out << boost::json::serialize(result) << '\n';
  } else {
    io.err << "matrixrtc token: " << error.message << '\n';
  }
  return kFailed;
}

int mint(const CommandLine& line, Io& io) {
  if (!line.positionals.empty()) return usage_error(io, "token", "mint takes no positional arguments");
  const auto identity = line.value("identity");
  const auto room = line.value("room");
  if (!identity || !room) return usage_error(io, "token", "mint needs --identity and --room");
  auto keys = read_keys(line, io);
  if (!keys) return usage_error(io, "token", keys.error().message);
  auto now = read_now(line, io);
  if (!now) return usage_error(io, "token", now.error().message);
  auto ttl = parse_integer(line.value("ttl").value_or("3600"), "--ttl");
  if (!ttl || *ttl <= 0) return usage_error(io, "token", "--ttl must be a positive integer");

  lk::AccessTokenClaims claims = lk::make_claims(keys->key, *identity, *now, *ttl);
  claims.video = lk::member_video_grant(*room, true, false);
  for (const auto& grant : line.values("grant")) {
    if (auto ok = apply_grant(claims, grant); !ok) return usage_error(io, "token", ok.error().message);
  }
  auto jwt = lk::mint_access_token(claims, keys->secret);
  if (!jwt) return fail_with(io, line, jwt.error());
  if (line.has("json")) {
    auto payload = lk::claims_payload_json(claims);
    boost::json::object result{{"jwt", *jwt}};
    if (auto parsed = core::json::parse_strict(payload.value_or("{}"))) result["claims"] = std::move(*parsed);
    io.out << boost::json::serialize(result) << '\n';
  } else {
    io.out << *jwt << '\n';
  }
  return kOk;
}

int print_verified(Io& io, const CommandLine& line, const lk::VerifiedToken& token) {
  if (line.has("json")) {
    boost::json::object result{{"valid", true}, {"claims", token.payload}};
    io.out << boost::json::serialize(result) << '\n';
  } else {
    io.out << boost::json::serialize(token.payload) << '\n';
  }
  return kOk;
}

int verify(const CommandLine& line, Io& io, bool webhook) {
  if (line.positionals.size() != 1) {
    return usage_error(
        io, "token", webhook ? "verify-webhook needs exactly one AUTHORIZATION value" : "verify needs exactly one JWT");
  }
  auto keys = read_keys(line, io);
  if (!keys) return usage_error(io, "token", keys.error().message);
  auto now = read_now(line, io);
  if (!now) return usage_error(io, "token", now.error().message);
  auto leeway = parse_integer(line.value("leeway").value_or("10"), "--leeway");
  if (!leeway || *leeway < 0) return usage_error(io, "token", "--leeway must be a non-negative integer");
  const lk::VerifyOptions options{.api_key = keys->key, .secret = keys->secret, .now = *now, .leeway_seconds = *leeway};
  if (!webhook) {
    auto verified = lk::verify_access_token(line.positionals[0], options);
    return verified ? print_verified(io, line, *verified) : fail_with(io, line, verified.error());
  }
  const auto body_path = line.value("body");
  if (!body_path) return usage_error(io, "token", "verify-webhook needs --body FILE");
  auto body = read_body(*body_path);
  if (!body) return usage_error(io, "token", body.error().message);
  auto verified = lk::verify_webhook(line.positionals[0], *body, options);
  return verified ? print_verified(io, line, *verified) : fail_with(io, line, verified.error());
}

int mint_webhook(const CommandLine& line, Io& io) {
  if (!line.positionals.empty()) return usage_error(io, "token", "mint-webhook takes no positional arguments");
  const auto body_path = line.value("body");
  if (!body_path) return usage_error(io, "token", "mint-webhook needs --body FILE");
  auto keys = read_keys(line, io);
  if (!keys) return usage_error(io, "token", keys.error().message);
  auto now = read_now(line, io);
  if (!now) return usage_error(io, "token", now.error().message);
  auto ttl = parse_integer(line.value("ttl").value_or("600"), "--ttl");
  if (!ttl || *ttl <= 0) return usage_error(io, "token", "--ttl must be a positive integer");
  auto body = read_body(*body_path);
  if (!body) return usage_error(io, "token", body.error().message);
  auto jwt = lk::mint_webhook_token(keys->key, keys->secret, *body, *now, *ttl);
  if (!jwt) return fail_with(io, line, jwt.error());
  io.out << *jwt << '\n';
  return kOk;
}

}  // namespace

int run_token(std::span<const std::string> args, Io& io) {
  static constexpr OptionSpec kSpecs[] = {
      {"key", true, false},  {"secret", true, false}, {"identity", true, false},
      {"room", true, false}, {"ttl", true, false},    {"grant", true, true},
      {"now", true, false},  {"leeway", true, false}, {"body", true, false},
  };
  if (args.empty()) return usage_error(io, "token", "missing action: mint, verify, mint-webhook or verify-webhook");
  auto parsed = parse_command_line(args.subspan(1), kSpecs);
  if (!parsed) return usage_error(io, "token", parsed.error().message);
  const CommandLine& line = *parsed;
  const std::string& action = args[0];
  if (line.has("help") || action == "--help") {
    io.out << kTokenHelp;
    return kOk;
  }
  if (action == "mint") return mint(line, io);
  if (action == "verify") return verify(line, io, false);
  if (action == "verify-webhook") return verify(line, io, true);
  if (action == "mint-webhook") return mint_webhook(line, io);
  return usage_error(io, "token", "unknown action \"" + action + "\"");
}

}  // namespace matrixrtc::cli
