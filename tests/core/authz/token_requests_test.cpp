#include "core/authz/token_requests.hpp"

#include <gtest/gtest.h>

namespace matrixrtc::core::authz {
namespace {

constexpr std::string_view kOpenId =
    R"({"access_token":"tok","token_type":"Bearer","matrix_server_name":"example.com","expires_in":3600})";

std::string sfu_body(std::string_view extra = "") {
  return std::string(R"({"room":"!roomid:example.com","device_id":"DEV","openid_token":)") + std::string(kOpenId) +
         std::string(extra) + "}";
}

std::string get_token_body(std::string_view extra = "") {
  return std::string(R"({"room_id":"!roomid:example.com","slot_id":"m.call#ROOM","openid_token":)") +
         std::string(kOpenId) +
         R"(,"member":{"id":"memberABC","claimed_user_id":"@alice:example.com","claimed_device_id":"DEV"})" +
         std::string(extra) + "}";
}

template <class Result>
void expect_error(const Result& result, unsigned status, std::string_view errcode, std::string_view text) {
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().status, status);
  EXPECT_EQ(result.error().errcode, errcode);
  EXPECT_EQ(result.error().error, text);
}

// An error quoting a long room ID with non-ASCII text stays valid UTF-8, so
// its JSON body carries the text (token_request_fuzz found it empty).
TEST(TokenRequests, ErrorQuotingNonAsciiInputKeepsItsText) {
  std::string body = sfu_body();
  body.replace(body.find("!roomid:example.com"), 19, "!r:" + std::string(63, 'a') + "\u00e9[");
  const auto parsed = parse_sfu_get_request(body);
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().errcode, "M_BAD_JSON");
  EXPECT_NE(to_json(parsed.error()).find("not a valid room ID"), std::string::npos);
}

TEST(SfuGetRequest, ParsesTheLegacyBody) {
  const auto request = parse_sfu_get_request(sfu_body());
  ASSERT_TRUE(request);
  EXPECT_EQ(request->room, "!roomid:example.com");
  EXPECT_EQ(request->device_id, "DEV");
  EXPECT_EQ(request->openid_token.access_token, "tok");
  EXPECT_EQ(request->openid_token.matrix_server_name, "example.com");
  EXPECT_EQ(request->openid_token.expires_in, 3600);
  EXPECT_FALSE(request->delayed_leave);
}

TEST(SfuGetRequest, AcceptsUnknownFieldsAndDelegation) {
  const auto request = parse_sfu_get_request(
      sfu_body(R"(,"delay_id":"d1","delay_timeout":30000,"delay_cs_api_url":"https://ignored","future":{"x":[1]})"));
  ASSERT_TRUE(request);
  ASSERT_TRUE(request->delayed_leave);
  EXPECT_EQ(request->delayed_leave->delay_id, "d1");
  EXPECT_EQ(request->delayed_leave->delay_timeout_ms, 30000);
}

TEST(SfuGetRequest, EmptyDeviceIsAllowedAsUpstream) {
  EXPECT_TRUE(parse_sfu_get_request(R"({"room":"!r:s","openid_token":{"access_token":"t","matrix_server_name":"s"}})"));
}

TEST(SfuGetRequest, RejectsUndecodableBodiesWithNotJson) {
  for (const std::string& body :
       {std::string(""), std::string("nope"), std::string("[]"), std::string("{\"room\":1}"),
        std::string(R"({"room":"!r:s","room":"!q:s"})"), std::string(R"({"room":"!r:s","device_id":7})"),
        std::string(R"({"openid_token":"tok"})"), sfu_body(R"(,"delay_timeout":1.5)"),
        sfu_body(R"(,"delay_timeout":"30000")"), std::string("{\"room\":\"\xff\"}")}) {
    expect_error(parse_sfu_get_request(body), 400, "M_NOT_JSON", "Error reading request");
  }
}

TEST(SfuGetRequest, ValidationTextsAndOrderMatchTheReference) {
  expect_error(parse_sfu_get_request("{}"), 400, "M_BAD_JSON", "Missing room parameter");
  expect_error(parse_sfu_get_request(R"({"room":null,"openid_token":null})"), 400, "M_BAD_JSON",
               "Missing room parameter");
  expect_error(parse_sfu_get_request(R"({"room":"!r:s"})"), 400, "M_BAD_JSON", "Missing OpenID token parameters");
  expect_error(parse_sfu_get_request(R"({"room":"!r:s","openid_token":{"access_token":"t"}})"), 400, "M_BAD_JSON",
               "Missing OpenID token parameters");
  expect_error(parse_sfu_get_request(sfu_body(R"(,"delay_id":"d1")")), 400, "M_BAD_JSON",
               "The request body is missing `delay_id` or `delay_timeout`");
  expect_error(parse_sfu_get_request(sfu_body(R"(,"delay_timeout":5)")), 400, "M_BAD_JSON",
               "The request body is missing `delay_id` or `delay_timeout`");
  expect_error(parse_sfu_get_request(sfu_body(R"(,"delay_id":"d","delay_timeout":-5)")), 400, "M_BAD_JSON",
               "The request body is missing `delay_id` or `delay_timeout`");
}

TEST(SfuGetRequest, ChecksIdentifierGrammar) {
  expect_error(
      parse_sfu_get_request(R"({"room":"#alias:s","openid_token":{"access_token":"t","matrix_server_name":"s"}})"), 400,
      "M_BAD_JSON", "The request body `room` is not a valid room ID: room ID must start with '!'");
  expect_error(parse_sfu_get_request(
                   R"({"room":"!r:s","openid_token":{"access_token":"t","matrix_server_name":"evil.com/x?"}})"),
               400, "M_BAD_JSON",
               "The request body `openid_token.matrix_server_name` is not a valid server name: server name has an "
               "invalid host \"evil.com/x?\"");
}

TEST(GetTokenRequest, ParsesTheStandaloneBody) {
  const auto request = parse_get_token_request(get_token_body(R"(,"delay_id":"d","delay_timeout":10000)"));
  ASSERT_TRUE(request);
  EXPECT_EQ(request->room_id, "!roomid:example.com");
  EXPECT_EQ(request->slot_id, "m.call#ROOM");
  EXPECT_EQ(request->member.id, "memberABC");
  EXPECT_EQ(request->member.claimed_user_id, "@alice:example.com");
  EXPECT_EQ(request->member.claimed_device_id, "DEV");
  EXPECT_EQ(request->delayed_leave->delay_timeout_ms, 10000);
}

TEST(GetTokenRequest, RejectsUndecodableBodiesWithNotJson) {
  for (const std::string& body :
       {std::string("{"), std::string(R"({"room_id":"!r:s","slot_id":"x","member":[]})"),
        std::string(R"({"room_id":"!r:s","slot_id":{}})"), std::string(R"({"member":{"id":1}})"),
        std::string(R"({"member":{"claimed_device_id":true}})"), std::string(R"({"openid_token":{"expires_in":"1h"}})"),
        get_token_body(R"(,"delay_timeout":1e4)"), get_token_body(R"(,"delay_id":5)")}) {
    expect_error(parse_get_token_request(body), 400, "M_NOT_JSON", "Error reading request");
  }
}

TEST(GetTokenRequest, ValidationTextsAndOrderMatchTheReference) {
  expect_error(parse_get_token_request("{}"), 400, "M_BAD_JSON", "The request body is missing `room_id` or `slot_id`");
  expect_error(parse_get_token_request(R"({"room_id":"!r:s"})"), 400, "M_BAD_JSON",
               "The request body is missing `room_id` or `slot_id`");
  expect_error(
      parse_get_token_request(R"({"room_id":"!r:s","slot_id":"x","member":{"id":"m","claimed_user_id":"@u:s"}})"), 400,
      "M_BAD_JSON", "The request body `member` is missing a `id`, `claimed_user_id` or `claimed_device_id`");
  expect_error(
      parse_get_token_request(
          R"({"room_id":"!r:s","slot_id":"x","member":{"id":"m","claimed_user_id":"@u:s","claimed_device_id":"D"},"openid_token":{"matrix_server_name":"s"}})"),
      400, "M_BAD_JSON", "The request body `openid_token` is missing a `access_token` or `matrix_server_name`");
  expect_error(parse_get_token_request(get_token_body(R"(,"delay_timeout":100)")), 400, "M_BAD_JSON",
               "The request body is missing `delay_id` or `delay_timeout`");
}

TEST(GetTokenRequest, ChecksIdentifierGrammar) {
  const std::string bad_room =
      R"({"room_id":"!:s","slot_id":"x","member":{"id":"m","claimed_user_id":"@u:s","claimed_device_id":"D"},"openid_token":{"access_token":"t","matrix_server_name":"s"}})";
  expect_error(parse_get_token_request(bad_room), 400, "M_BAD_JSON",
               "The request body `room_id` is not a valid room ID: room ID has an empty opaque part");
  const std::string bad_user =
      R"({"room_id":"!r:s","slot_id":"x","member":{"id":"m","claimed_user_id":"alice","claimed_device_id":"D"},"openid_token":{"access_token":"t","matrix_server_name":"s"}})";
  expect_error(parse_get_token_request(bad_user), 400, "M_BAD_JSON",
               "The request body `member.claimed_user_id` is not a valid user ID: user ID must start with '@'");
}

TEST(DelegateRequest, ParsesTheDelegationBody) {
  const auto request = parse_delegate_request(
      get_token_body(R"(,"delay_id":"syd_1","delay_timeout":30000,"delay_cs_api_url":"https://x")"));
  ASSERT_TRUE(request) << request.error().error;
  EXPECT_EQ(request->room_id, "!roomid:example.com");
  EXPECT_EQ(request->slot_id, "m.call#ROOM");
  EXPECT_EQ(request->member.id, "memberABC");
  EXPECT_EQ(request->member.claimed_device_id, "DEV");
  EXPECT_EQ(request->openid_token.matrix_server_name, "example.com");
  EXPECT_EQ(request->delayed_leave.delay_id, "syd_1");
  EXPECT_EQ(request->delayed_leave.delay_timeout_ms, 30000);
}

TEST(DelegateRequest, ValidationTextsAndOrderMatchTheReference) {
  expect_error(parse_delegate_request(""), 400, "M_NOT_JSON", "Error reading request");
  expect_error(parse_delegate_request("{}"), 400, "M_BAD_JSON", "The request body is missing `room_id` or `slot_id`");
  // Unlike /get_token, the reference words these two without "a".
  expect_error(
      parse_delegate_request(R"({"room_id":"!r:s","slot_id":"x","member":{"id":"m","claimed_user_id":"@u:s"}})"), 400,
      "M_BAD_JSON", "The request body `member` is missing `id`, `claimed_user_id` or `claimed_device_id`");
  expect_error(
      parse_delegate_request(
          R"({"room_id":"!r:s","slot_id":"x","member":{"id":"m","claimed_user_id":"@u:s","claimed_device_id":"D"},"openid_token":{"matrix_server_name":"s"}})"),
      400, "M_BAD_JSON", "The request body `openid_token` is missing `access_token` or `matrix_server_name`");
  for (const std::string_view extra :
       {"", R"(,"delay_id":"d")", R"(,"delay_timeout":100)", R"(,"delay_id":"d","delay_timeout":0)",
        R"(,"delay_id":"d","delay_timeout":-5)"}) {
    expect_error(parse_delegate_request(get_token_body(extra)), 400, "M_BAD_JSON",
                 "The request body is missing `delay_id` or `delay_timeout`");
  }
  expect_error(parse_delegate_request(get_token_body(R"(,"delay_id":"d","delay_timeout":"30s")")), 400, "M_NOT_JSON",
               "Error reading request");
}

}  // namespace
}  // namespace matrixrtc::core::authz
