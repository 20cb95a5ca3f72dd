// What the request logic needs from the outside world, as interfaces so it can
// be tested without a network: the user's homeserver (to validate an OpenID
// token, and MSC4140 delayed-event calls), LiveKit's RoomService (to create
// rooms and look up participants), and the delegation of delayed leave events.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <expected>
#include <string>
#include <string_view>
#include <vector>

#include "core/authz/api_error.hpp"
#include "core/delegation/delayed_event_response.hpp"
#include "core/delegation/job.hpp"
#include "core/delegation/webhook_event.hpp"
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

/// Whether a user of the membership-check homeserver is joined to a room
/// (service/membership_client: MSC4502 is_joined, or the m.room.member event).
class MembershipChecker {
 public:
  virtual ~MembershipChecker() = default;
  /// true: joined; false: not joined (left, banned, never joined, unknown
  /// room: all alike); an error when the homeserver gave no usable answer.
  virtual boost::asio::awaitable<core::Result<bool>> is_joined(std::string room_id, std::string user_id) = 0;
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
  /// Twirp livekit.RoomService/GetParticipant: true when present, false on
  /// Twirp `not_found`; any other answer or transport failure is an error.
  virtual boost::asio::awaitable<core::Result<bool>> participant_exists(std::string room, std::string identity) = 0;
};

/// MSC4140 delayed-event calls on a user's homeserver client-server API.
class DelayedEventApi {
 public:
  virtual ~DelayedEventApi() = default;
  /// Finds the client-server API of `server_name` (override, cache or
  /// .well-known/matrix/client); an error when there is none usable.
  virtual boost::asio::awaitable<core::Result<void>> check_server(std::string server_name) = 0;
  /// POSTs restart or send; the error case means the client-server API could
  /// not be resolved, every HTTP outcome (transport failures included) is a
  /// classified CallResult.
  virtual boost::asio::awaitable<core::Result<core::delegation::CallResult>> call(
      std::string server_name, std::string delay_id, core::delegation::DelayedEventAction action) = 0;
};

/// A delayed leave event handed to the service, ready to become a job.
struct DelegationJobRequest {
  std::string server_name;
  std::string delay_id;
  std::int64_t delay_timeout_ms = 0;
  std::string room;
  std::string identity;
  std::vector<std::string> alternative_identities;
};

/// Where the request handlers hand delayed leave events and webhooks.
class Delegation {
 public:
  virtual ~Delegation() = default;
  /// Resolves the client-server API first (400 "Unable to resolve client-server API").
  virtual boost::asio::awaitable<std::expected<void, core::authz::ApiError>> check_server(std::string server_name) = 0;
  /// Adds (or replaces) the job; 503 while shutting down.
  virtual boost::asio::awaitable<std::expected<void, core::authz::ApiError>> add_job(DelegationJobRequest request) = 0;
  /// A verified webhook's participant event.
  virtual void on_webhook(core::delegation::ParticipantWebhook webhook) = 0;
};

}  // namespace matrixrtc::service
