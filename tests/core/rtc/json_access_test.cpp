#include "core/rtc/json_access.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace matrixrtc::core::rtc::json_access {
namespace {

TEST(JsonAccess, PropertiesOfNonObjectsAreUndefined) {
  const auto array = boost::json::parse(R"(["x"])");
  const auto object = boost::json::parse(R"({"a":1})");
  EXPECT_EQ(property(&array, "0"), nullptr);
  EXPECT_EQ(property(nullptr, "a"), nullptr);
  ASSERT_NE(property(&object, "a"), nullptr);
  EXPECT_EQ(property(&object, "b"), nullptr);
}

TEST(JsonAccess, TypeofObjectIncludesArraysButNotNull) {
  const auto null = boost::json::parse("null");
  const auto array = boost::json::parse("[]");
  const auto object = boost::json::parse("{}");
  const auto text = boost::json::parse(R"("s")");
  EXPECT_FALSE(is_js_object(&null));
  EXPECT_TRUE(is_js_object(&array));
  EXPECT_TRUE(is_js_object(&object));
  EXPECT_FALSE(is_js_object(&text));
  EXPECT_FALSE(is_js_object(nullptr));
}

TEST(JsonAccess, SafeIntegers) {
  const boost::json::value five(5);
  EXPECT_EQ(safe_integer_of(&five).value(), 5);
  const auto whole_double = boost::json::parse("5.0");
  EXPECT_EQ(safe_integer_of(&whole_double).value(), 5);
  const auto fraction = boost::json::parse("1.5");
  EXPECT_FALSE(safe_integer_of(&fraction));
  const auto huge = boost::json::parse("9007199254740992");
  EXPECT_FALSE(safe_integer_of(&huge));
  const auto max = boost::json::parse("9007199254740991");
  EXPECT_EQ(safe_integer_of(&max).value(), 9007199254740991);
  const auto text = boost::json::parse(R"("5")");
  EXPECT_FALSE(safe_integer_of(&text));
}

TEST(JsonAccess, JavaScriptStringConversion) {
  EXPECT_EQ(js_to_string(nullptr), "undefined");
  const auto check = [](std::string_view json, std::string_view expected) {
    const auto v = boost::json::parse(json);
    EXPECT_EQ(js_to_string(&v), expected) << json;
  };
  check("null", "null");
  check("true", "true");
  check("7", "7");
  check("1.5", "1.5");
  check("1e21", "1e+21");
  check(R"("m.call")", "m.call");
  check(R"(["a",null,2])", "a,,2");
  check(R"({"a":1})", "[object Object]");
}

TEST(JsonAccess, MxidPatternIsUnanchoredLikeJsSdk) {
  EXPECT_TRUE(matches_mxid_pattern("@a:b"));
  EXPECT_TRUE(matches_mxid_pattern("x@a:b"));
  EXPECT_TRUE(matches_mxid_pattern("@a:b:"));
  EXPECT_FALSE(matches_mxid_pattern("@:b"));
  EXPECT_FALSE(matches_mxid_pattern("@a:"));
  EXPECT_FALSE(matches_mxid_pattern("alice"));
  EXPECT_FALSE(matches_mxid_pattern("@a\n:b"));
  EXPECT_FALSE(matches_mxid_pattern("@a\xE2\x80\xA8:b"));
  EXPECT_TRUE(matches_mxid_pattern("junk\n@a:b"));
}

}  // namespace
}  // namespace matrixrtc::core::rtc::json_access
