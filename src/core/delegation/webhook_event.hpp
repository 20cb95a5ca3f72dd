// The part of a LiveKit WebhookEvent (protobuf JSON, as LiveKit posts it) that
// drives delegation jobs: participant_joined, participant_left and
// participant_connection_aborted, with room.name, participant.identity and
// participant.disconnectReason (enum name, or its number).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/delegation/job.hpp"
#include "core/error.hpp"

namespace matrixrtc::core::delegation {

struct ParticipantWebhook {
  std::string event;  ///< LiveKit's event name, as received
  std::string room;
  std::string identity;
  /// For the three participant events; absent for every other event.
  std::optional<ParticipantEvent> participant_event;
};

/// Parses a verified webhook body (strictly: invalid JSON is an error). An
/// event that is not about a participant parses fine with no
/// `participant_event`; a participant event without room name or identity is
/// an error.
[[nodiscard]] Result<ParticipantWebhook> parse_participant_webhook(std::string_view body);

}  // namespace matrixrtc::core::delegation
