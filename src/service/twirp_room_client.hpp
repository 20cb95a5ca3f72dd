// LiveKit's RoomService over Twirp with JSON encoding (LiveKit accepts it):
// POST <LIVEKIT_URL as http(s), path prefix kept>/twirp/livekit.RoomService/
// CreateRoom and GetParticipant, each with a short-lived admin token. Twirp's error body is logged by
// the caller, never returned to clients.
#pragma once

#include <functional>

#include "net/http_client.hpp"
#include "service/backends.hpp"
#include "service/config.hpp"
#include "service/metrics.hpp"

namespace matrixrtc::service {

class TwirpRoomClient : public RoomServiceClient {
 public:
  /// `metrics`, when given, counts each call by method and result.
  TwirpRoomClient(net::HttpClient& http, const Config& config, std::function<std::int64_t()> unix_now,
                  ThreadMetrics* metrics = nullptr)
      : http_(http), config_(config), unix_now_(std::move(unix_now)), metrics_(metrics) {}

  boost::asio::awaitable<core::Result<void>> create_room(CreateRoomParams params) override;
  boost::asio::awaitable<core::Result<bool>> participant_exists(std::string room, std::string identity) override;

 private:
  net::HttpClient& http_;
  const Config& config_;
  std::function<std::int64_t()> unix_now_;
  ThreadMetrics* metrics_;
};

/// The RoomService base for a LiveKit URL: ws→http, wss→https, path prefix kept.
struct TwirpBase {
  net::HttpTarget target;
  std::string path_prefix;
};
[[nodiscard]] core::Result<TwirpBase> twirp_base(std::string_view livekit_url);

/// The JSON request body for GetParticipant.
[[nodiscard]] std::string get_participant_body(std::string_view room, std::string_view identity);
/// A GetParticipant answer: true present, false Twirp not_found, else an error.
[[nodiscard]] core::Result<bool> read_get_participant(unsigned status, std::string_view body);

/// The JSON request body for CreateRoom (protobuf JSON names, camelCase).
[[nodiscard]] std::string create_room_body(const CreateRoomParams& params);

}  // namespace matrixrtc::service
