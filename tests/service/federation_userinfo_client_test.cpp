#include "service/federation_userinfo_client.hpp"

#include <gtest/gtest.h>

namespace matrixrtc::service {
namespace {

TEST(UserInfo, ParsesSub) {
  EXPECT_EQ(parse_userinfo(200, R"({"sub":"@alice:example.com"})").value(), "@alice:example.com");
}

TEST(UserInfo, RefusesUnusableAnswers) {
  const auto message = [](unsigned status, std::string_view body) {
    return parse_userinfo(status, body).error().message;
  };
  EXPECT_EQ(message(401, R"({"errcode":"M_UNKNOWN_TOKEN"})"), "homeserver answered HTTP 401");
  EXPECT_EQ(message(500, ""), "homeserver answered HTTP 500");
  EXPECT_EQ(message(200, "<html>"), "userinfo is not JSON: syntax error (at byte 0)");
  EXPECT_EQ(message(200, R"({"sub":1})"), "userinfo has no string \"sub\"");
  EXPECT_EQ(message(200, R"({})"), "userinfo has no string \"sub\"");
  EXPECT_EQ(message(200, R"({"sub":"@a:b","sub":"@c:d"})"), "userinfo is not JSON: duplicate key \"sub\" (at byte 26)");
}

TEST(UserInfo, UrlEncodeKeepsOnlyUnreserved) {
  EXPECT_EQ(url_encode("abcXYZ019-._~"), "abcXYZ019-._~");
  EXPECT_EQ(url_encode("a b&c=d/e?f+g%"), "a%20b%26c%3Dd%2Fe%3Ff%2Bg%25");
  EXPECT_EQ(url_encode("\xc3\xa9"), "%C3%A9");
}

TEST(UserInfo, OverrideUrlsBecomeTargets) {
  const auto plain = target_from_url("https://internal.example:8448").value();
  EXPECT_TRUE(plain.target.tls);
  EXPECT_EQ(plain.target.host, "internal.example");
  EXPECT_EQ(plain.target.port, 8448);
  EXPECT_EQ(plain.target.tls_server_name, "internal.example");
  EXPECT_EQ(plain.target.host_header, "internal.example:8448");
  EXPECT_EQ(plain.path_prefix, "");
  const auto prefixed = target_from_url("http://10.0.0.5/matrix/").value();
  EXPECT_FALSE(prefixed.target.tls);
  EXPECT_EQ(prefixed.target.port, 80);
  EXPECT_EQ(prefixed.path_prefix, "/matrix");
  const auto ipv6 = target_from_url("https://[::1]:8448").value();
  EXPECT_EQ(ipv6.target.host, "::1");
  EXPECT_EQ(target_from_url("ftp://x").error().message, "URL \"ftp://x\" is not http(s)");
  EXPECT_EQ(target_from_url("not a url").error().message, "invalid URL \"not a url\"");
  EXPECT_EQ(target_from_url("https://").error().message, "URL \"https://\" has no host");
}

}  // namespace
}  // namespace matrixrtc::service
