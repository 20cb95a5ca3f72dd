#include "service/twirp_room_client.hpp"

#include <gtest/gtest.h>

namespace matrixrtc::service {
namespace {

TEST(TwirpRoomClient, BaseMapsWebSocketSchemesAndKeepsThePrefix) {
  const auto secure = twirp_base("wss://sfu.example.com/livekit/sfu").value();
  EXPECT_TRUE(secure.target.tls);
  EXPECT_EQ(secure.target.host, "sfu.example.com");
  EXPECT_EQ(secure.target.port, 443);
  EXPECT_EQ(secure.path_prefix, "/livekit/sfu");
  const auto plain = twirp_base("ws://127.0.0.1:7880").value();
  EXPECT_FALSE(plain.target.tls);
  EXPECT_EQ(plain.target.port, 7880);
  EXPECT_EQ(plain.path_prefix, "");
  const auto https = twirp_base("https://lk.example.com:8443/").value();
  EXPECT_TRUE(https.target.tls);
  EXPECT_EQ(https.target.port, 8443);
  EXPECT_EQ(https.path_prefix, "");
  EXPECT_FALSE(twirp_base("sfu.example.com"));
}

TEST(TwirpRoomClient, CreateRoomBodyUsesProtobufJsonNames) {
  EXPECT_EQ(
      create_room_body(CreateRoomParams{"O8437W3+jmzMVjoIP3tNwbm+XxHQk2iKpOA7aqw3qSc", 300, 20, 0}),
      R"({"name":"O8437W3+jmzMVjoIP3tNwbm+XxHQk2iKpOA7aqw3qSc","emptyTimeout":300,"departureTimeout":20,"maxParticipants":0})");
}

TEST(TwirpRoomClient, GetParticipantBodyAndAnswers) {
  EXPECT_EQ(get_participant_body("ROOM", "@alice:example.com:DEV"),
            R"({"room":"ROOM","identity":"@alice:example.com:DEV"})");
  EXPECT_EQ(get_participant_body("R\"", "i"), R"({"room":"R\"","identity":"i"})");
  EXPECT_EQ(read_get_participant(200, R"({"sid":"PA_x","identity":"i"})").value(), true);
  EXPECT_EQ(read_get_participant(404, R"({"code":"not_found","msg":"participant not found"})").value(), false);
  // Only Twirp's own not_found means absent; anything else is a failure to retry.
  EXPECT_FALSE(read_get_participant(404, "<html>Not Found</html>"));
  EXPECT_FALSE(read_get_participant(404, R"({"code":"bad_route"})"));
  EXPECT_EQ(read_get_participant(401, R"({"code":"unauthenticated"})").error().message,
            R"(LiveKit answered HTTP 401: {"code":"unauthenticated"})");
  EXPECT_FALSE(read_get_participant(503, ""));
}

}  // namespace
}  // namespace matrixrtc::service
