#include "core/encoding/hex.hpp"

#include <gtest/gtest.h>

namespace matrixrtc::core::hex {
namespace {

TEST(Hex, EncodesLowerCase) {
  const std::vector<std::uint8_t> bytes{0x00, 0x0f, 0xa0, 0xff};
  EXPECT_EQ(encode(bytes), "000fa0ff");
  EXPECT_EQ(encode(std::vector<std::uint8_t>{}), "");
}

TEST(Hex, DecodesEitherCase) {
  EXPECT_EQ(decode("000fA0Ff").value(), (std::vector<std::uint8_t>{0x00, 0x0f, 0xa0, 0xff}));
  EXPECT_TRUE(decode("").value().empty());
}

TEST(Hex, RefusesOddLengthAndNonDigits) {
  EXPECT_EQ(decode("abc").error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(decode("zz").error().message, "not a hex digit at position 0");
  EXPECT_EQ(decode("0g").error().message, "not a hex digit at position 1");
  EXPECT_FALSE(decode("00 11"));
}

}  // namespace
}  // namespace matrixrtc::core::hex
