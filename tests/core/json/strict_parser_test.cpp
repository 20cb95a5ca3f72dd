#include "core/json/strict_parser.hpp"

#include <gtest/gtest.h>

#include <string>

namespace matrixrtc::core::json {
namespace {

void expect_error(std::string_view text, ErrorCode code, std::string_view message) {
  const auto result = parse_strict(text);
  ASSERT_FALSE(result) << text;
  EXPECT_EQ(result.error().code, code) << text << ": " << result.error().message;
  EXPECT_EQ(result.error().message, message) << text;
  EXPECT_EQ(result.error().matrix_errcode, "M_NOT_JSON");
}

TEST(StrictParser, ParsesOrdinaryDocuments) {
  const auto value = parse_strict(R"( {"a":[1,-2,true,null,"x"],"b":{"c":1.5}} )");
  ASSERT_TRUE(value) << value.error().message;
  EXPECT_EQ(value->at("a").at(1).as_int64(), -2);
  EXPECT_EQ(value->at("b").at("c").as_double(), 1.5);
}

TEST(StrictParser, KeepsLargeUnsignedIntegers) {
  const auto value = parse_strict("[18446744073709551615,-9223372036854775808]");
  ASSERT_TRUE(value);
  EXPECT_EQ(value->at(0).as_uint64(), 18446744073709551615ULL);
  EXPECT_EQ(value->at(1).as_int64(), INT64_MIN);
}

TEST(StrictParser, RefusesIntegersBeyondSixtyFourBits) {
  expect_error("[18446744073709551616]", ErrorCode::integer_out_of_range,
               "integer does not fit in 64 bits (at byte 21)");
  expect_error("-9223372036854775809", ErrorCode::integer_out_of_range, "integer does not fit in 64 bits (at byte 20)");
}

TEST(StrictParser, KeepsFloatsForLaterPolicy) {
  const auto value = parse_strict("[1e3, 0.5, -2E-2]");
  ASSERT_TRUE(value);
  EXPECT_TRUE(value->at(0).is_double());
  EXPECT_TRUE(value->at(2).is_double());
}

TEST(StrictParser, RefusesDuplicateKeys) {
  expect_error(R"({"a":1,"b":2,"a":3})", ErrorCode::duplicate_key, "duplicate key \"a\" (at byte 18)");
}

TEST(StrictParser, RefusesDuplicateKeysInNestedObjectsOnly) {
  // The same key in sibling objects or at different levels is fine.
  EXPECT_TRUE(parse_strict(R"({"a":{"a":{"a":1}},"b":[{"a":1},{"a":2}]})"));
  expect_error(R"({"x":[{"k":1,"k":2}]})", ErrorCode::duplicate_key, "duplicate key \"k\" (at byte 18)");
}

TEST(StrictParser, DuplicateKeysAreComparedExactly) {
  EXPECT_TRUE(parse_strict(R"({"a":1,"A":2,"a ":3,"\u00e9":4,"e\u0301":5})"));
  // An escaped and an unescaped spelling of the same key are the same key.
  expect_error(R"({"\u0061":1,"a":2})", ErrorCode::duplicate_key, "duplicate key \"a\" (at byte 17)");
}

TEST(StrictParser, RefusesInvalidUtf8) {
  expect_error("[\"\xff\"]", ErrorCode::invalid_utf8, "invalid UTF-8 (at byte 2)");
  expect_error("[\"\xc0\xaf\"]", ErrorCode::invalid_utf8, "invalid UTF-8 (at byte 2)");      // overlong '/'
  expect_error("[\"\xed\xa0\x80\"]", ErrorCode::invalid_utf8, "invalid UTF-8 (at byte 2)");  // encoded surrogate
  expect_error("{\"\xe2\x82\":1}", ErrorCode::invalid_utf8, "invalid UTF-8 (at byte 2)");    // truncated, in a key
}

TEST(StrictParser, RefusesLoneSurrogateEscapes) {
  expect_error(R"(["\ud800"])", ErrorCode::invalid_surrogate,
               "lone or misordered UTF-16 surrogate in \\u escape (at byte 8)");
  expect_error(R"(["\udc00"])", ErrorCode::invalid_surrogate,
               "lone or misordered UTF-16 surrogate in \\u escape (at byte 8)");
  expect_error(R"(["\ud800\u0041"])", ErrorCode::invalid_surrogate,
               "lone or misordered UTF-16 surrogate in \\u escape (at byte 10)");
  expect_error(R"({"\uDBFF":1})", ErrorCode::invalid_surrogate,
               "lone or misordered UTF-16 surrogate in \\u escape (at byte 8)");
}

TEST(StrictParser, AcceptsSurrogatePairs) {
  const auto value = parse_strict(R"(["\ud83d\ude00"])");
  ASSERT_TRUE(value);
  EXPECT_EQ(value->at(0).as_string(), "\xf0\x9f\x98\x80");
}

TEST(StrictParser, LimitsNesting) {
  const std::string deep = std::string(65, '[') + std::string(65, ']');
  expect_error(deep, ErrorCode::nesting_too_deep, "nesting is too deep (at byte 64)");
  const std::string ok = std::string(64, '[') + std::string(64, ']');
  EXPECT_TRUE(parse_strict(ok));
  EXPECT_FALSE(parse_strict(ok, ParseLimits{.max_depth = 10}));
}

TEST(StrictParser, SurvivesVeryDeepInputWithoutRecursing) {
  const std::string hostile = std::string(1'000'000, '[');
  const auto result = parse_strict(hostile);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::nesting_too_deep);
}

TEST(StrictParser, RefusesMalformedText) {
  expect_error("", ErrorCode::invalid_json, "incomplete JSON (at byte 0)");
  expect_error("{", ErrorCode::invalid_json, "incomplete JSON (at byte 1)");
  expect_error("[1,]", ErrorCode::invalid_json, "syntax error (at byte 3)");
  expect_error("{\"a\":1} x", ErrorCode::invalid_json, "extra data after the JSON text (at byte 8)");
  expect_error("[\"a\x01\"]", ErrorCode::invalid_json, "syntax error (at byte 3)");
  expect_error("// c\n{}", ErrorCode::invalid_json, "syntax error (at byte 0)");
  expect_error("[NaN]", ErrorCode::invalid_json, "syntax error (at byte 1)");
}

TEST(StrictParser, ObjectVariantRequiresAnObject) {
  EXPECT_TRUE(parse_strict_object("{}"));
  const auto result = parse_strict_object("[]");
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::invalid_json);
  EXPECT_EQ(result.error().message, "expected a JSON object");
}

}  // namespace
}  // namespace matrixrtc::core::json
