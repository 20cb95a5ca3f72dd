#include "core/json/canonical_json.hpp"

#include <gtest/gtest.h>

#include <array>
#include <boost/json/parse.hpp>

#include "core/json/strict_parser.hpp"

namespace matrixrtc::core::json {
namespace {

std::string canonical(std::string_view text, Escaping escaping = Escaping::canonical) {
  auto value = parse_strict(text);
  EXPECT_TRUE(value) << text;
  auto out = canonical_json(*value, escaping);
  EXPECT_TRUE(out) << out.error().message;
  return out.value_or("<error>");
}

// Examples from the Matrix specification's Canonical JSON appendix.
TEST(CanonicalJson, SpecExamples) {
  EXPECT_EQ(canonical("{}"), "{}");
  EXPECT_EQ(canonical(R"({"one": 1, "two": "Two"})"), R"({"one":1,"two":"Two"})");
  EXPECT_EQ(canonical(R"({"b": "2", "a": "1"})"), R"({"a":"1","b":"2"})");
  EXPECT_EQ(canonical(R"({"auth": {"success": true, "mxid": "@john.doe:example.com", "profile": {
      "display_name": "John Doe", "three_pids": [{"medium": "email", "address": "john.doe@example.org"},
      {"medium": "msisdn", "address": "123456789"}]}}})"),
            R"({"auth":{"mxid":"@john.doe:example.com","profile":{"display_name":"John Doe","three_pids":)"
            R"([{"address":"john.doe@example.org","medium":"email"},{"address":"123456789","medium":"msisdn"}]},)"
            R"("success":true}})");
  EXPECT_EQ(canonical(R"({"a": "日本語"})"), "{\"a\":\"日本語\"}");
  EXPECT_EQ(canonical(R"({"本": 2, "日": 1})"), "{\"日\":1,\"本\":2}");
  EXPECT_EQ(canonical(R"({"a": "\u65E5"})"), "{\"a\":\"日\"}");
  EXPECT_EQ(canonical(R"({"a": null})"), R"({"a":null})");
}

TEST(CanonicalJson, ShortestEscapes) {
  EXPECT_EQ(canonical(R"(["\"\\\b\f\n\r\t"])"), R"(["\"\\\b\f\n\r\t"])");
  EXPECT_EQ(canonical(R"(["\u0001\u001f\u0000"])"), R"(["\u0001\u001f\u0000"])");
  // Nothing else is escaped: '/', HTML characters, DEL, U+2028 and non-ASCII stay raw.
  EXPECT_EQ(canonical(R"(["\/<>&\u007f\u2028é"])"), "[\"/<>&\x7f\xe2\x80\xa8\xc3\xa9\"]");
}

TEST(CanonicalJson, ControlEscapesUseLowercaseHex) { EXPECT_EQ(canonical(R"(["\u001B"])"), R"(["\u001b"])"); }

TEST(CanonicalJson, KeysSortByCodePoint) {
  // Code point order (= UTF-8 byte order), not UTF-16 order: U+FF61 < U+1F600.
  EXPECT_EQ(canonical(R"({"😀":1,"｡":2,"Z":3,"a":4})"), "{\"Z\":3,\"a\":4,\"｡\":2,\"😀\":1}");
}

TEST(CanonicalJson, IntegerRange) {
  EXPECT_EQ(canonical("[9007199254740991,-9007199254740991,0]"), "[9007199254740991,-9007199254740991,0]");
  for (const auto* text : {"[9007199254740992]", "[-9007199254740992]", "[18446744073709551615]"}) {
    auto value = parse_strict(text);
    ASSERT_TRUE(value);
    const auto out = canonical_json(*value);
    ASSERT_FALSE(out) << text;
    EXPECT_EQ(out.error().code, ErrorCode::integer_out_of_range);
    EXPECT_EQ(out.error().matrix_errcode, "M_BAD_JSON");
  }
  const auto out = canonical_json(boost::json::value(std::uint64_t{9007199254740992ULL}));
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().message, "integer 9007199254740992 is outside the canonical JSON range");
}

TEST(CanonicalJson, RefusesFloats) {
  for (const auto* text : {"[1.5]", "[1e3]", "{\"a\":{\"b\":[0.0]}}"}) {
    auto value = parse_strict(text);
    ASSERT_TRUE(value);
    const auto out = canonical_json(*value);
    ASSERT_FALSE(out) << text;
    EXPECT_EQ(out.error().code, ErrorCode::float_not_allowed);
    EXPECT_EQ(out.error().message, "canonical JSON does not allow floating-point numbers");
  }
}

TEST(CanonicalJson, RefusesInvalidUtf8BuiltInCode) {
  const boost::json::value value = boost::json::array{"ok", "\xc3"};
  const auto out = canonical_json(value);
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code, ErrorCode::invalid_utf8);
  EXPECT_EQ(out.error().message, "invalid UTF-8 in string at byte 0");
  boost::json::object object;
  object["\xed\xa0\x80"] = 1;  // a surrogate encoded in UTF-8 is not UTF-8
  EXPECT_EQ(canonical_json(object).error().code, ErrorCode::invalid_utf8);
}

TEST(CanonicalJson, RefusesAbsurdNestingBuiltInCode) {
  boost::json::value value = boost::json::array{};
  for (int i = 0; i < 600; ++i) value = boost::json::array{std::move(value)};
  const auto out = canonical_json(value);
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code, ErrorCode::nesting_too_deep);
}

TEST(CanonicalJson, JwtAsciiEscapesEverythingAtobCannotSurvive) {
  EXPECT_EQ(canonical(R"(["a>b?c~d\u007f"])", Escaping::jwt_ascii), R"(["a\u003eb\u003fc\u007ed\u007f"])");
  EXPECT_EQ(canonical(R"(["é日😀"])", Escaping::jwt_ascii), R"(["\u00e9\u65e5\ud83d\ude00"])");
  // Still the short escapes, and '<', '&', '/' are harmless for base64.
  EXPECT_EQ(canonical(R"(["\n<&/"])", Escaping::jwt_ascii), R"(["\n<&/"])");
}

TEST(CanonicalJson, JwtAsciiOutputIsAscii) {
  const auto out = canonical(R"({"k":"\u0080\u07ff\u0800\uffff\ud800\udc00\udbff\udfff"})", Escaping::jwt_ascii);
  for (const char c : out) EXPECT_LT(static_cast<unsigned char>(c), 0x7F) << out;
  // Round trip: our parser reads the escapes back to the same string.
  const auto back = parse_strict(out);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->at("k").as_string(), "\u0080\u07ff\u0800\uffff\U00010000\U0010ffff");
}

TEST(CanonicalJson, StringArrayMatchesJavaScriptStringify) {
  // JSON.stringify(["a\u0001b\u2028<>&/é"]) in Node 20.
  const std::array<std::string_view, 1> items{
      "a\x01"
      "b\xe2\x80\xa8<>&/\xc3\xa9"};
  EXPECT_EQ(canonical_string_array(items).value(), "[\"a\\u0001b\xe2\x80\xa8<>&/\xc3\xa9\"]");
  EXPECT_EQ(canonical_string_array({}).value(), "[]");
  const std::array<std::string_view, 2> two{"x", ""};
  EXPECT_EQ(canonical_string_array(two).value(), R"(["x",""])");
  const std::array<std::string_view, 1> bad{"\xff"};
  EXPECT_EQ(canonical_string_array(bad).error().code, ErrorCode::invalid_utf8);
}

TEST(CanonicalJson, EmbeddedNulIsEscaped) {
  const std::array<std::string_view, 1> items{std::string_view("a\0b", 3)};
  EXPECT_EQ(canonical_string_array(items).value(), R"(["a\u0000b"])");
}

}  // namespace
}  // namespace matrixrtc::core::json
