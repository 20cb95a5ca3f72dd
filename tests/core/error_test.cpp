#include "core/error.hpp"

#include <gtest/gtest.h>

namespace matrixrtc::core {
namespace {

TEST(Error, FailCarriesCodeMessageAndErrcode) {
  const Result<int> result = fail(ErrorCode::duplicate_key, "duplicate key \"a\"", "M_NOT_JSON");
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::duplicate_key);
  EXPECT_EQ(result.error().message, "duplicate key \"a\"");
  EXPECT_EQ(result.error().matrix_errcode, "M_NOT_JSON");
}

TEST(Error, EveryCodeHasAStableName) {
  EXPECT_EQ(to_string(ErrorCode::invalid_json), "invalid_json");
  EXPECT_EQ(to_string(ErrorCode::bad_signature), "bad_signature");
  EXPECT_EQ(to_string(ErrorCode::body_hash_mismatch), "body_hash_mismatch");
  for (int code = 0; code <= static_cast<int>(ErrorCode::address_refused); ++code) {
    EXPECT_NE(to_string(static_cast<ErrorCode>(code)), "unknown") << code;
  }
}

}  // namespace
}  // namespace matrixrtc::core
