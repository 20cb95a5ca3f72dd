// What the token endpoints need from the outside world, as interfaces so the
// request logic can be tested without a network: the user's homeserver (to
// validate an OpenID token) and LiveKit's RoomService (to create rooms).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace matrixrtc::service {

class UserInfoClient {
 public:
  virtual ~UserInfoClient() = default;
  /// GET /_matrix/federation/v1/openid/userinfo on `server_name`'s federation
  /// endpoint; returns the `sub` it answers. Errors never include the token.
  virtual boost::asio::awaitable<core::Result<std::string>> lookup_user(std::string server_name,
                                                                        std::string access_token) = 0;
};

struct CreateRoomParams {
  std::string name;
  std::uint32_t empty_timeout = 300;
  std::uint32_t departure_timeout = 20;
  std::uint32_t max_participants = 0;
};

class RoomServiceClient {
 public:
  virtual ~RoomServiceClient() = default;
  /// Twirp livekit.RoomService/CreateRoom; idempotent on LiveKit's side.
  virtual boost::asio::awaitable<core::Result<void>> create_room(CreateRoomParams params) = 0;
};

}  // namespace matrixrtc::service
