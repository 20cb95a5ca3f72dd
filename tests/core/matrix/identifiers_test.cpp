#include "core/matrix/identifiers.hpp"

#include <gtest/gtest.h>

namespace matrixrtc::core::matrix {
namespace {

TEST(ServerName, AcceptsTheSpecExamples) {
  // Examples from the specification's server name grammar.
  for (const auto* name :
       {"matrix.org", "matrix.org:8888", "1.2.3.4", "1.2.3.4:1234", "[1234:5678::abcd]", "[1234:5678::abcd]:5678",
        "localhost", "127.0.0.1:8448", "[::1]", "[::ffff:1.2.3.4]:443", "[1:2:3:4:5:6:7:8]"}) {
    EXPECT_TRUE(parse_server_name(name)) << name;
  }
}

TEST(ServerName, SplitsHostKindAndPort) {
  const auto ipv6 = parse_server_name("[1234:5678::abcd]:5678").value();
  EXPECT_EQ(ipv6.host, "1234:5678::abcd");
  EXPECT_EQ(ipv6.kind, HostKind::ipv6);
  EXPECT_EQ(ipv6.port, 5678);
  const auto ipv4 = parse_server_name("1.2.3.4").value();
  EXPECT_EQ(ipv4.kind, HostKind::ipv4);
  EXPECT_FALSE(ipv4.port);
  const auto dns = parse_server_name("matrix.org:8888").value();
  EXPECT_EQ(dns.kind, HostKind::dns_name);
  EXPECT_EQ(dns.host, "matrix.org");
  // Four dotted numbers out of range are not an IPv4 address, but are a valid dns-name.
  EXPECT_EQ(parse_server_name("1.2.3.456").value().kind, HostKind::dns_name);
}

void expect_refused(std::string_view name, std::string_view message) {
  const auto result = parse_server_name(name);
  ASSERT_FALSE(result) << name;
  EXPECT_EQ(result.error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(result.error().message, message) << name;
}

TEST(ServerName, RefusesWhatTheGrammarRefuses) {
  expect_refused("", "server name is empty");
  expect_refused(std::string(256, 'a'), "server name is too long");
  expect_refused("matrix.org:", "server name has an invalid port");
  expect_refused("matrix.org:0", "server name has an invalid port");
  expect_refused("matrix.org:65536", "server name has an invalid port");
  expect_refused("matrix.org:123456", "server name has an invalid port");
  expect_refused("matrix.org:80a", "server name has an invalid port");
  expect_refused("matrix.org:+80", "server name has an invalid port");
  expect_refused("matrix.org:8:8", "server name has an invalid port");
  expect_refused("matrix_org", "server name has an invalid host \"matrix_org\"");
  expect_refused("user@host", "server name has an invalid host \"user@host\"");
  expect_refused("host/path", "server name has an invalid host \"host/path\"");
  expect_refused("[::1", "server name has an unclosed '['");
  expect_refused("[::1]x", "unexpected text after IPv6 address");
  expect_refused("[1:2:3:4:5:6:7:8:9]", "server name has an invalid IPv6 address");
  expect_refused("[1::2::3]", "server name has an invalid IPv6 address");
  expect_refused("[12345::]", "server name has an invalid IPv6 address");
  expect_refused("[::g]", "server name has an invalid IPv6 address");
  expect_refused("[]", "server name has an invalid IPv6 address");
  expect_refused("\xc3\xa9.org", "server name has an invalid host \"\xc3\xa9.org\"");
}

// The error quotes at most 64 bytes of the host, never half a character:
// token_request_fuzz found a cut 'é' making the message invalid UTF-8, so the
// JSON error body lost its whole text.
TEST(ServerName, QuotesTheHostWithoutCuttingACharacter) {
  const std::string host = std::string(63, 'a') + "\xC3\xA9[";
  const auto parsed = parse_server_name(host);
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().message, "server name has an invalid host \"" + std::string(63, 'a') + "\"");
}

TEST(UserId, ParsesLocalpartAndServer) {
  const auto user = parse_user_id("@alice:example.com:8448").value();
  EXPECT_EQ(user.localpart, "alice");
  EXPECT_EQ(user.server_name, "example.com:8448");
  // Historical localparts: any printable ASCII but ':'.
  EXPECT_TRUE(parse_user_id("@Alice!#$%&'()*+,-./;<=>?[]^_`{|}~:example.com"));
}

void expect_user_refused(std::string_view text, std::string_view message) {
  const auto result = parse_user_id(text);
  ASSERT_FALSE(result) << text;
  EXPECT_EQ(result.error().message, message) << text;
}

TEST(UserId, RefusesMalformedIds) {
  expect_user_refused("alice:example.com", "user ID must start with '@'");
  expect_user_refused("@alice", "user ID has no server name");
  expect_user_refused("@:example.com", "user ID has an empty localpart");
  expect_user_refused("@al ice:example.com", "user ID localpart has characters outside printable ASCII");
  expect_user_refused("@al\xc3\xa9:example.com", "user ID localpart has characters outside printable ASCII");
  expect_user_refused("@alice:", "server name is empty");
  expect_user_refused("@alice:exa mple.com", "server name has an invalid host \"exa mple.com\"");
  expect_user_refused("@" + std::string(250, 'a') + ":example.com", "user ID is longer than 255 bytes");
}

TEST(RoomId, AcceptsClassicAndVersion12Ids) {
  EXPECT_TRUE(validate_room_id("!roomid:example.com"));
  EXPECT_TRUE(validate_room_id("!a:1.2.3.4:8448"));
  EXPECT_TRUE(validate_room_id("!31hneApxJ_1o-63DmFrpeqnkFfWppnzWso1JvH3ogLM"));  // room v12: no server
}

TEST(RoomId, RefusesMalformedIds) {
  const auto message = [](std::string_view text) { return validate_room_id(text).error().message; };
  EXPECT_EQ(message("#alias:example.com"), "room ID must start with '!'");
  EXPECT_EQ(message(""), "room ID must start with '!'");
  EXPECT_EQ(message("!"), "room ID has an empty opaque part");
  EXPECT_EQ(message("!:example.com"), "room ID has an empty opaque part");
  EXPECT_EQ(message("!ro om:example.com"), "room ID has characters outside printable ASCII");
  EXPECT_EQ(message("!room:"), "server name is empty");
  EXPECT_EQ(message("!room:bad host"), "server name has an invalid host \"bad host\"");
  EXPECT_EQ(message("!" + std::string(255, 'r')), "room ID is longer than 255 bytes");
}

}  // namespace
}  // namespace matrixrtc::core::matrix
