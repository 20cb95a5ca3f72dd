#include "core/delegation/webhook_event.hpp"

#include <boost/json/object.hpp>

#include "core/json/strict_parser.hpp"
#include "core/text.hpp"

namespace matrixrtc::core::delegation {
namespace {

// protobuf DisconnectReason.CLIENT_INITIATED (UNKNOWN_REASON = 0 is the
// default, which protobuf JSON leaves out).
constexpr std::int64_t kClientInitiated = 1;

Error webhook_error(std::string_view why) { return Error(ErrorCode::invalid_argument, cat("webhook event: ", why)); }

// The string at `key` of `object`, "" if absent; an error if of another type.
Result<std::string> optional_string(const boost::json::object& object, std::string_view key, std::string_view where) {
  const auto* value = object.if_contains(key);
  if (value == nullptr) return std::string();
  if (!value->is_string()) return std::unexpected(webhook_error(cat(where, key, " is not a string")));
  return std::string(value->get_string());
}

// The object at `key` of `root`, nullptr if absent; an error if of another type.
Result<const boost::json::object*> optional_object(const boost::json::object& root, std::string_view key) {
  const auto* value = root.if_contains(key);
  if (value == nullptr) return nullptr;
  if (!value->is_object()) return std::unexpected(webhook_error(cat(key, " is not an object")));
  return &value->get_object();
}

// left_intentionally iff the reason is CLIENT_INITIATED (name or number);
// anything else, absence included, counts as an aborted connection.
Result<ParticipantEvent> leave_kind(const boost::json::object& participant) {
  const auto* reason = participant.if_contains("disconnectReason");
  if (reason == nullptr) return ParticipantEvent::connection_aborted;
  if (reason->is_string()) {
    return reason->get_string() == "CLIENT_INITIATED" ? ParticipantEvent::left_intentionally
                                                      : ParticipantEvent::connection_aborted;
  }
  if (reason->is_int64()) {
    return reason->get_int64() == kClientInitiated ? ParticipantEvent::left_intentionally
                                                   : ParticipantEvent::connection_aborted;
  }
  if (reason->is_uint64()) return ParticipantEvent::connection_aborted;
  return std::unexpected(webhook_error("participant.disconnectReason is neither a name nor a number"));
}

}  // namespace

Result<ParticipantWebhook> parse_participant_webhook(std::string_view body) {
  auto root = json::parse_strict_object(body);
  if (!root) return std::unexpected(std::move(root.error()));
  ParticipantWebhook out;
  const auto* event = root->if_contains("event");
  if (event == nullptr) return std::unexpected(webhook_error("event is missing"));
  if (!event->is_string()) return std::unexpected(webhook_error("event is not a string"));
  out.event = std::string(event->get_string());

  auto room = optional_object(*root, "room");
  if (!room) return std::unexpected(std::move(room.error()));
  auto participant = optional_object(*root, "participant");
  if (!participant) return std::unexpected(std::move(participant.error()));
  if (*room != nullptr) {
    auto name = optional_string(**room, "name", "room.");
    if (!name) return std::unexpected(std::move(name.error()));
    out.room = std::move(*name);
  }
  if (*participant != nullptr) {
    auto identity = optional_string(**participant, "identity", "participant.");
    if (!identity) return std::unexpected(std::move(identity.error()));
    out.identity = std::move(*identity);
  }

  const bool joined = out.event == "participant_joined";
  const bool left = out.event == "participant_left" || out.event == "participant_connection_aborted";
  if (!joined && !left) return out;
  if (out.room.empty()) return std::unexpected(webhook_error(cat(out.event, " without room.name")));
  if (out.identity.empty()) return std::unexpected(webhook_error(cat(out.event, " without participant.identity")));
  if (joined) {
    out.participant_event = ParticipantEvent::joined;
  } else {
    auto kind = leave_kind(**participant);
    if (!kind) return std::unexpected(std::move(kind.error()));
    out.participant_event = *kind;
  }
  return out;
}

}  // namespace matrixrtc::core::delegation
