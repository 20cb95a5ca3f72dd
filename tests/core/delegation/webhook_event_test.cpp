#include "core/delegation/webhook_event.hpp"

#include <gtest/gtest.h>

namespace matrixrtc::core::delegation {
namespace {

// Shaped like what LiveKit posts (protobuf JSON, camelCase, int64 as strings).
constexpr std::string_view kJoined = R"({
  "event": "participant_joined",
  "room": {"sid": "RM_abc", "name": "F4oOprKFBq6JHqy2qYpq6UQQmR7hCvxkQQoUrd0+SbI", "emptyTimeout": 300,
           "creationTime": "1782907200", "numParticipants": 1},
  "participant": {"sid": "PA_xyz", "identity": "@alice:example.com:DEVICE", "state": "ACTIVE",
                  "joinedAt": "1782907201", "permission": {"canSubscribe": true}, "isPublisher": false},
  "id": "EV_123",
  "createdAt": "1782907201"
})";

std::string left_with(std::string_view event, std::string_view reason_member) {
  return std::string(R"({"event":")") + std::string(event) +
         R"(","room":{"name":"room"},"participant":{"identity":"id")" + std::string(reason_member) +
         R"(},"id":"EV_1","createdAt":"1"})";
}

std::optional<ParticipantEvent> kind_of(std::string_view event, std::string_view reason_member) {
  return parse_participant_webhook(left_with(event, reason_member)).value().participant_event;
}

TEST(DelegationWebhook, ReadsParticipantJoined) {
  const auto webhook = parse_participant_webhook(kJoined).value();
  EXPECT_EQ(webhook.event, "participant_joined");
  EXPECT_EQ(webhook.room, "F4oOprKFBq6JHqy2qYpq6UQQmR7hCvxkQQoUrd0+SbI");
  EXPECT_EQ(webhook.identity, "@alice:example.com:DEVICE");
  EXPECT_EQ(webhook.participant_event, ParticipantEvent::joined);
  // A leave reason on a join does not matter.
  EXPECT_EQ(kind_of("participant_joined", R"(,"disconnectReason":"CLIENT_INITIATED")"), ParticipantEvent::joined);
}

TEST(DelegationWebhook, LeftIsIntentionalOnlyWhenClientInitiated) {
  EXPECT_EQ(kind_of("participant_left", R"(,"disconnectReason":"CLIENT_INITIATED")"),
            ParticipantEvent::left_intentionally);
  EXPECT_EQ(kind_of("participant_left", R"(,"disconnectReason":1)"), ParticipantEvent::left_intentionally);
  EXPECT_EQ(kind_of("participant_left", R"(,"disconnectReason":"DUPLICATE_IDENTITY")"),
            ParticipantEvent::connection_aborted);
  EXPECT_EQ(kind_of("participant_left", R"(,"disconnectReason":"client_initiated")"),
            ParticipantEvent::connection_aborted);
  EXPECT_EQ(kind_of("participant_left", R"(,"disconnectReason":"UNKNOWN_REASON")"), ParticipantEvent::connection_aborted);
  EXPECT_EQ(kind_of("participant_left", R"(,"disconnectReason":0)"), ParticipantEvent::connection_aborted);
  EXPECT_EQ(kind_of("participant_left", R"(,"disconnectReason":12)"), ParticipantEvent::connection_aborted);
  EXPECT_EQ(kind_of("participant_left", R"(,"disconnectReason":18446744073709551615)"),
            ParticipantEvent::connection_aborted);
  // Protobuf JSON leaves the default (UNKNOWN_REASON) out.
  EXPECT_EQ(kind_of("participant_left", ""), ParticipantEvent::connection_aborted);
}

TEST(DelegationWebhook, ConnectionAbortedFollowsTheSameRule) {
  EXPECT_EQ(kind_of("participant_connection_aborted", ""), ParticipantEvent::connection_aborted);
  EXPECT_EQ(kind_of("participant_connection_aborted", R"(,"disconnectReason":"SIGNAL_CLOSE")"),
            ParticipantEvent::connection_aborted);
  EXPECT_EQ(kind_of("participant_connection_aborted", R"(,"disconnectReason":"CLIENT_INITIATED")"),
            ParticipantEvent::left_intentionally);
}

TEST(DelegationWebhook, OtherEventsParseWithoutAParticipantEvent) {
  const auto started = parse_participant_webhook(R"({"event":"room_started","room":{"name":"r"},"id":"EV_2"})").value();
  EXPECT_EQ(started.event, "room_started");
  EXPECT_EQ(started.room, "r");
  EXPECT_EQ(started.identity, "");
  EXPECT_EQ(started.participant_event, std::nullopt);
  const auto track = parse_participant_webhook(left_with("track_published", "")).value();
  EXPECT_EQ(track.identity, "id");
  EXPECT_EQ(track.participant_event, std::nullopt);
  EXPECT_EQ(parse_participant_webhook(R"({"event":"egress_ended"})").value().participant_event, std::nullopt);
  EXPECT_EQ(parse_participant_webhook(R"({"event":""})").value().participant_event, std::nullopt);
}

TEST(DelegationWebhook, RefusesMalformedBodies) {
  const auto message = [](std::string_view body) { return parse_participant_webhook(body).error().message; };
  EXPECT_EQ(message(R"({"room":{"name":"r"}})"), "webhook event: event is missing");
  EXPECT_EQ(message(R"({"event":7})"), "webhook event: event is not a string");
  EXPECT_EQ(message(R"({"event":"room_started","room":"r"})"), "webhook event: room is not an object");
  EXPECT_EQ(message(R"({"event":"room_started","room":{"name":5}})"), "webhook event: room.name is not a string");
  EXPECT_EQ(message(R"({"event":"participant_left","room":{"name":"r"},"participant":[]})"),
            "webhook event: participant is not an object");
  EXPECT_EQ(message(R"({"event":"participant_left","room":{"name":"r"},"participant":{"identity":1}})"),
            "webhook event: participant.identity is not a string");
  EXPECT_EQ(message(R"({"event":"participant_joined","participant":{"identity":"i"}})"),
            "webhook event: participant_joined without room.name");
  EXPECT_EQ(message(R"({"event":"participant_left","room":{"name":"r"}})"),
            "webhook event: participant_left without participant.identity");
  EXPECT_EQ(message(R"({"event":"participant_connection_aborted","room":{"name":"r"},"participant":{"identity":""}})"),
            "webhook event: participant_connection_aborted without participant.identity");
  EXPECT_EQ(message(left_with("participant_left", R"(,"disconnectReason":true)")),
            "webhook event: participant.disconnectReason is neither a name nor a number");
  EXPECT_FALSE(parse_participant_webhook(left_with("participant_left", R"(,"disconnectReason":1.0)")));
  EXPECT_EQ(parse_participant_webhook("").error().code, ErrorCode::invalid_json);
  EXPECT_EQ(parse_participant_webhook("[]").error().code, ErrorCode::invalid_json);
  EXPECT_EQ(parse_participant_webhook(R"({"event":"a","event":"b"})").error().code, ErrorCode::duplicate_key);
  EXPECT_EQ(parse_participant_webhook(R"({"event":"participant_joined")").error().code, ErrorCode::invalid_json);
}

}  // namespace
}  // namespace matrixrtc::core::delegation
