#include "core/livekit/access_token.hpp"

#include <boost/json/value.hpp>

#include "core/json/canonical_json.hpp"
#include "core/livekit/jwt.hpp"
#include "core/text.hpp"

namespace matrixrtc::core::livekit {
namespace {

namespace bj = boost::json;

Error claim_error(std::string_view name, std::string_view expected) {
  return Error(ErrorCode::invalid_claim, cat("claim \"", name, "\" must be ", expected));
}

Result<std::optional<std::string>> optional_string(const bj::object& object, std::string_view name,
                                                   std::string_view path) {
  const auto* value = object.if_contains(name);
  if (value == nullptr) return std::optional<std::string>{};
  if (!value->is_string()) return std::unexpected(claim_error(path, "a string"));
  return std::optional<std::string>(std::string(value->get_string()));
}

Result<std::optional<std::int64_t>> optional_integer(const bj::object& object, std::string_view name) {
  const auto* value = object.if_contains(name);
  if (value == nullptr) return std::optional<std::int64_t>{};
  if (value->is_int64()) return std::optional<std::int64_t>(value->get_int64());
  if (value->is_uint64() && value->get_uint64() <= static_cast<std::uint64_t>(json::kMaxCanonicalInteger)) {
    return std::optional<std::int64_t>(static_cast<std::int64_t>(value->get_uint64()));
  }
  return std::unexpected(claim_error(name, "an integer number of seconds"));
}

Result<VideoGrant> video_from_json(const bj::value& value) {
  if (!value.is_object()) return std::unexpected(claim_error("video", "an object"));
  const auto& object = value.get_object();
  VideoGrant video;
  auto room = optional_string(object, "room", "video.room");
  if (!room) return std::unexpected(std::move(room.error()));
  video.room = std::move(*room);
  for (const auto& flag : kVideoGrantFlags) {
    if (const auto* field = object.if_contains(flag.json_name)) {
      if (!field->is_bool()) return std::unexpected(claim_error(cat("video.", flag.json_name), "a boolean"));
      video.*flag.member = field->get_bool();
    }
  }
  if (const auto* sources = object.if_contains("canPublishSources")) {
    if (!sources->is_array()) return std::unexpected(claim_error("video.canPublishSources", "an array of strings"));
    std::vector<std::string> list;
    for (const auto& source : sources->get_array()) {
      if (!source.is_string()) return std::unexpected(claim_error("video.canPublishSources", "an array of strings"));
      list.emplace_back(source.get_string());
    }
    video.can_publish_sources = std::move(list);
  }
  return video;
}

}  // namespace

VideoGrant member_video_grant(std::string room, bool can_publish, bool can_update_own_metadata) {
  VideoGrant video;
  video.room = std::move(room);
  video.room_join = true;
  video.room_create = false;
  video.can_publish = can_publish;
  video.can_subscribe = true;
  video.can_update_own_metadata = can_update_own_metadata;
  video.hidden = false;
  return video;
}

AccessTokenClaims make_claims(std::string_view api_key, std::string_view identity, std::int64_t now,
                              std::int64_t ttl_seconds) {
  AccessTokenClaims claims;
  claims.issuer = api_key;
  claims.identity = identity;
  claims.not_before = now;
  claims.issued_at = now;
  claims.expires_at = now + ttl_seconds;
  return claims;
}

namespace {

// Writes the payload directly, keys in canonical (byte) order: this is the
// service's hot path, and building a JSON tree to sort seven keys cost more
// than the HMAC. A unit test checks the result equals canonical_json's.
class PayloadWriter {
 public:
  Result<void> field(std::string_view key, std::string_view value) {
    start(key);
    return json::write_json_string(out_, value, json::Escaping::jwt_ascii);
  }
  void field(std::string_view key, std::int64_t value) {
    start(key);
    out_ += std::to_string(value);
  }
  void field(std::string_view key, bool value) {
    start(key);
    out_ += value ? "true" : "false";
  }
  void open(std::string_view key) {
    start(key);
    out_ += '{';
    first_ = true;
  }
  void close() {
    out_ += '}';
    first_ = false;
  }
  Result<void> string_array(std::string_view key, const std::vector<std::string>& items) {
    start(key);
    out_ += '[';
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (i > 0) out_ += ',';
      if (auto ok = json::write_json_string(out_, items[i], json::Escaping::jwt_ascii); !ok) return ok;
    }
    out_ += ']';
    return {};
  }
  Result<void> string_map(std::string_view key, const std::map<std::string, std::string>& map) {
    open(key);
    for (const auto& [name, value] : map) {  // std::map iterates in byte order
      if (!first_) out_ += ',';
      first_ = false;
      if (auto ok = json::write_json_string(out_, name, json::Escaping::jwt_ascii); !ok) return ok;
      out_ += ':';
      if (auto ok = json::write_json_string(out_, value, json::Escaping::jwt_ascii); !ok) return ok;
    }
    close();
    return {};
  }
  std::string& text() { return out_; }

 private:
  void start(std::string_view key) {
    if (!first_) out_ += ',';
    first_ = false;
    out_ += '"';
    out_ += key;  // our own ASCII key names, nothing to escape
    out_ += "\":";
  }
  std::string out_ = "{";
  bool first_ = true;
};

Result<void> write_video(PayloadWriter& writer, const VideoGrant& video) {
  const auto flag = [&](std::string_view key, const std::optional<bool>& value) {
    if (value) writer.field(key, *value);
  };
  writer.open("video");
  flag("canPublish", video.can_publish);
  flag("canPublishData", video.can_publish_data);
  if (video.can_publish_sources) {
    if (auto ok = writer.string_array("canPublishSources", *video.can_publish_sources); !ok) return ok;
  }
  flag("canSubscribe", video.can_subscribe);
  flag("canUpdateOwnMetadata", video.can_update_own_metadata);
  flag("hidden", video.hidden);
  flag("ingressAdmin", video.ingress_admin);
  flag("recorder", video.recorder);
  if (video.room) {
    if (auto ok = writer.field("room", *video.room); !ok) return ok;
  }
  flag("roomAdmin", video.room_admin);
  flag("roomCreate", video.room_create);
  flag("roomJoin", video.room_join);
  flag("roomList", video.room_list);
  flag("roomRecord", video.room_record);
  writer.close();
  return {};
}

}  // namespace

Result<std::string> claims_payload_json(const AccessTokenClaims& claims) {
  for (const auto value : {claims.not_before, claims.expires_at, claims.issued_at.value_or(0)}) {
    if (value > json::kMaxCanonicalInteger || value < -json::kMaxCanonicalInteger) {
      return fail(ErrorCode::integer_out_of_range, "token times must be within the canonical JSON range");
    }
  }
  PayloadWriter writer;
  Result<void> ok;
  if (claims.attributes) {
    if (ok = writer.string_map("attributes", *claims.attributes); !ok) return std::unexpected(ok.error());
  }
  writer.field("exp", claims.expires_at);
  if (claims.issued_at) writer.field("iat", *claims.issued_at);
  if (ok = writer.field("iss", claims.issuer); !ok) return std::unexpected(ok.error());
  if (claims.kind && !(ok = writer.field("kind", *claims.kind))) return std::unexpected(ok.error());
  if (claims.metadata && !(ok = writer.field("metadata", *claims.metadata))) return std::unexpected(ok.error());
  if (claims.name && !(ok = writer.field("name", *claims.name))) return std::unexpected(ok.error());
  writer.field("nbf", claims.not_before);
  if (claims.sha256 && !(ok = writer.field("sha256", *claims.sha256))) return std::unexpected(ok.error());
  if (!claims.identity.empty() && !(ok = writer.field("sub", claims.identity))) return std::unexpected(ok.error());
  if (claims.video && !(ok = write_video(writer, *claims.video))) return std::unexpected(ok.error());
  writer.close();
  return std::move(writer.text());
}

Result<std::string> mint_access_token(const AccessTokenClaims& claims, std::string_view secret) {
  if (claims.issuer.empty()) return fail(ErrorCode::invalid_argument, "the API key (iss) must not be empty");
  if (secret.empty()) return fail(ErrorCode::invalid_argument, "the API secret must not be empty");
  if (claims.expires_at <= claims.not_before) {
    return fail(ErrorCode::invalid_argument, "the token must expire after it becomes valid");
  }
  if (claims.video && claims.video->room_join.value_or(false) && claims.identity.empty()) {
    // LiveKit refuses such a token at connect time; say so at mint time.
    return fail(ErrorCode::invalid_argument, "a token that grants roomJoin needs an identity");
  }
  auto payload = claims_payload_json(claims);
  if (!payload) return std::unexpected(std::move(payload.error()));
  return sign_hs256(*payload, secret);
}

Result<AccessTokenClaims> claims_from_payload(const bj::object& payload) {
  AccessTokenClaims claims;
  auto issuer = optional_string(payload, "iss", "iss");
  if (!issuer) return std::unexpected(std::move(issuer.error()));
  if (!*issuer) return fail(ErrorCode::missing_claim, "token has no \"iss\" claim");
  claims.issuer = std::move(**issuer);

  auto subject = optional_string(payload, "sub", "sub");
  if (!subject) return std::unexpected(std::move(subject.error()));
  claims.identity = subject->value_or("");

  auto expires = optional_integer(payload, "exp");
  if (!expires) return std::unexpected(std::move(expires.error()));
  if (!*expires) return fail(ErrorCode::missing_claim, "token has no \"exp\" claim");
  claims.expires_at = **expires;

  auto not_before = optional_integer(payload, "nbf");
  if (!not_before) return std::unexpected(std::move(not_before.error()));
  claims.not_before = not_before->value_or(0);

  auto issued = optional_integer(payload, "iat");
  if (!issued) return std::unexpected(std::move(issued.error()));
  claims.issued_at = *issued;

  if (const auto* video = payload.if_contains("video")) {
    auto grant = video_from_json(*video);
    if (!grant) return std::unexpected(std::move(grant.error()));
    claims.video = std::move(*grant);
  }
  for (auto [field, name] :
       {std::pair{&AccessTokenClaims::name, "name"}, std::pair{&AccessTokenClaims::metadata, "metadata"},
        std::pair{&AccessTokenClaims::sha256, "sha256"}, std::pair{&AccessTokenClaims::kind, "kind"}}) {
    auto value = optional_string(payload, name, name);
    if (!value) return std::unexpected(std::move(value.error()));
    claims.*field = std::move(*value);
  }
  if (const auto* attributes = payload.if_contains("attributes")) {
    if (!attributes->is_object()) return std::unexpected(claim_error("attributes", "an object of strings"));
    std::map<std::string, std::string> map;
    for (const auto& [key, value] : attributes->get_object()) {
      if (!value.is_string()) return std::unexpected(claim_error("attributes", "an object of strings"));
      map.emplace(std::string(key), std::string(value.get_string()));
    }
    claims.attributes = std::move(map);
  }
  return claims;
}

Result<VerifiedToken> verify_access_token(std::string_view token, const VerifyOptions& options) {
  auto jws = verify_hs256(token, options.secret);
  if (!jws) return std::unexpected(std::move(jws.error()));
  auto claims = claims_from_payload(jws->payload);
  if (!claims) return std::unexpected(std::move(claims.error()));
  if (claims->issuer != options.api_key) {
    return fail(ErrorCode::wrong_issuer, "token was issued for another API key");
  }
  if (claims->expires_at <= options.now - options.leeway_seconds) {
    return fail(ErrorCode::token_expired, "token has expired");
  }
  if (claims->not_before > options.now + options.leeway_seconds) {
    return fail(ErrorCode::token_not_yet_valid, "token is not valid yet");
  }
  return VerifiedToken{std::move(*claims), std::move(jws->payload)};
}

}  // namespace matrixrtc::core::livekit
