#include "service/twirp_room_client.hpp"

#include "core/json/canonical_json.hpp"
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
  if (!response) co_return std::unexpected(std::move(response.error()));
  if (response->status != 200) {
    constexpr std::size_t kMaxLogged = 512;
    co_return core::fail(core::ErrorCode::bad_response,
                         cat("LiveKit answered HTTP ", response->status, ": ", response->body.substr(0, kMaxLogged)));
  }
  co_return core::Result<void>{};
}

}  // namespace matrixrtc::service
