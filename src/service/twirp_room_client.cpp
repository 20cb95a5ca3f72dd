#include "service/twirp_room_client.hpp"

#include "core/json/canonical_json.hpp"
#include "core/json/strict_parser.hpp"
#include "core/livekit/access_token.hpp"
#include "core/text.hpp"
#include "service/federation_userinfo_client.hpp"

namespace matrixrtc::service {

using core::cat;

core::Result<TwirpBase> twirp_base(std::string_view livekit_url) {
  std::string url(livekit_url);
  if (url.starts_with("wss://"))
    url.replace(0, 3, "https");
  else if (url.starts_with("ws://"))
    url.replace(0, 2, "http");
  auto target = target_from_url(url);
  if (!target) return std::unexpected(std::move(target.error()));
  return TwirpBase{std::move(target->target), std::move(target->path_prefix)};
}

std::string create_room_body(const CreateRoomParams& params) {
  std::string body = R"({"name":)";
  if (!core::json::write_json_string(body, params.name, core::json::Escaping::canonical)) body += R"("")";
  return cat(body, R"(,"emptyTimeout":)", params.empty_timeout, R"(,"departureTimeout":)", params.departure_timeout,
             R"(,"maxParticipants":)", params.max_participants, "}");
}

boost::asio::awaitable<core::Result<void>> TwirpRoomClient::create_room(CreateRoomParams params) {
  auto base = twirp_base(config_.livekit_url);
  if (!base) co_return std::unexpected(std::move(base.error()));
  // The admin token the JS SDK uses: no identity, roomCreate only, 10 minutes.
  core::livekit::AccessTokenClaims claims = core::livekit::make_claims(config_.key, "", unix_now_(), 600);
  claims.video.emplace().room_create = true;
  auto jwt = core::livekit::mint_access_token(claims, config_.secret);
  if (!jwt) co_return std::unexpected(std::move(jwt.error()));

  net::HttpRequest request;
  request.method = boost::beast::http::verb::post;
  request.target = cat(base->path_prefix, "/twirp/livekit.RoomService/CreateRoom");
  request.headers = {{"Authorization", cat("Bearer ", *jwt)}, {"Content-Type", "application/json"}};
  request.body = create_room_body(params);
  net::RequestOptions options;
  options.total_timeout = std::chrono::seconds(10);
  auto response = co_await http_.request(std::move(base->target), std::move(request), options);
  const bool created = response && response->status == 200;
  if (metrics_ != nullptr)
    metrics_->count_livekit(LiveKitMethod::create_room, created ? LiveKitResult::ok : LiveKitResult::error);
  if (!response) co_return std::unexpected(std::move(response.error()));
  if (response->status != 200) {
    constexpr std::size_t kMaxLogged = 512;
    co_return core::fail(core::ErrorCode::bad_response,
                         cat("LiveKit answered HTTP ", response->status, ": ", response->body.substr(0, kMaxLogged)));
  }
  co_return core::Result<void>{};
}

std::string get_participant_body(std::string_view room, std::string_view identity) {
  std::string body = R"({"room":)";
  if (!core::json::write_json_string(body, room, core::json::Escaping::canonical)) body += R"("")";
  body += R"(,"identity":)";
  if (!core::json::write_json_string(body, identity, core::json::Escaping::canonical)) body += R"("")";
  return body + "}";
}

core::Result<bool> read_get_participant(unsigned status, std::string_view body) {
  if (status == 200) return true;
  // Twirp reports an absent participant as HTTP 404 with code "not_found";
  // a 404 without it (a proxy's page, a wrong prefix) is not an answer.
  if (status == 404) {
    if (auto error = core::json::parse_strict_object(body); error) {
      if (const auto* code = error->if_contains("code");
          code != nullptr && code->is_string() && code->get_string() == "not_found") {
        return false;
      }
    }
  }
  constexpr std::size_t kMaxLogged = 512;
  return core::fail(core::ErrorCode::bad_response,
                    cat("LiveKit answered HTTP ", status, ": ", body.substr(0, kMaxLogged)));
}

boost::asio::awaitable<core::Result<bool>> TwirpRoomClient::participant_exists(std::string room, std::string identity) {
  auto base = twirp_base(config_.livekit_url);
  if (!base) co_return std::unexpected(std::move(base.error()));
  // LiveKit requires roomAdmin on the participant's room for GetParticipant.
  core::livekit::AccessTokenClaims claims = core::livekit::make_claims(config_.key, "", unix_now_(), 600);
  auto& grant = claims.video.emplace();
  grant.room_admin = true;
  grant.room = room;
  auto jwt = core::livekit::mint_access_token(claims, config_.secret);
  if (!jwt) co_return std::unexpected(std::move(jwt.error()));

  net::HttpRequest request;
  request.method = boost::beast::http::verb::post;
  request.target = cat(base->path_prefix, "/twirp/livekit.RoomService/GetParticipant");
  request.headers = {{"Authorization", cat("Bearer ", *jwt)}, {"Content-Type", "application/json"}};
  request.body = get_participant_body(room, identity);
  net::RequestOptions options;
  options.total_timeout = std::chrono::seconds(10);
  options.max_response_bytes = 256 * 1024;
  auto response = co_await http_.request(std::move(base->target), std::move(request), options);
  if (!response) {
    if (metrics_ != nullptr) metrics_->count_livekit(LiveKitMethod::get_participant, LiveKitResult::error);
    co_return std::unexpected(std::move(response.error()));
  }
  auto present = read_get_participant(response->status, response->body);
  if (metrics_ != nullptr) {
    LiveKitResult result = LiveKitResult::error;
    if (present) result = *present ? LiveKitResult::ok : LiveKitResult::not_found;
    metrics_->count_livekit(LiveKitMethod::get_participant, result);
  }
  co_return present;
}

}  // namespace matrixrtc::service
