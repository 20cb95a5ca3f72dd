#include "core/e2ee/codec_header.hpp"

#include <gtest/gtest.h>

#include "e2ee/vectors.hpp"

namespace matrixrtc::core::e2ee {
namespace {

using testing::unhex;

ClearHeader header(std::string_view frame_hex, Codec codec, bool keyframe = false) {
  return clear_header(unhex(frame_hex), {codec, keyframe}).value();
}

TEST(CodecHeader, AudioVp8Vp9) {
  EXPECT_EQ(header("f8010203", Codec::opus).length, 1U);
  EXPECT_EQ(header("f8010203", Codec::opus, true).length, 1U);
  EXPECT_EQ(header("1002009d012a0800080000", Codec::vp8, true).length, 10U);
  EXPECT_EQ(header("310100aa", Codec::vp8).length, 3U);
  EXPECT_EQ(header("82498342", Codec::vp9, true).length, 0U);
  EXPECT_FALSE(header("82498342", Codec::vp9).nalu);
  // A short frame reports the rule's length; the cryptor refuses it.
  EXPECT_EQ(header("1002", Codec::vp8, true).length, 10U);
}

TEST(CodecHeader, H26xUpToTwoBytesIntoTheFirstSlice) {
  const auto h264 = header("00000001 6742c01f 00000001 68ce3c80 00000001 6588 840000000102 03", Codec::h264, true);
  EXPECT_EQ(h264.length, 22U);
  EXPECT_TRUE(h264.nalu);
  EXPECT_EQ(header("00000001 40010c01 00000001 2601 afafafaf", Codec::h265, true).length, 14U);
}

TEST(CodecHeader, BytesOutrankTheDeclaredCodec) {
  // Declared H.265 but the bytes hold an H.264 slice: H.264 rules.
  EXPECT_EQ(header("00000001 09f0 00000001 4188 77665544", Codec::h265).length, 12U);
  // Unknown codec with H.264 bytes: the NAL unit rule.
  EXPECT_EQ(header("00000001 6588 99aabbcc", Codec::unknown, true).length, 6U);
}

TEST(CodecHeader, FallsBackToTheVp8Rule) {
  // Leading data, no slice, or nothing recognisable.
  EXPECT_EQ(header("ff00000001 6588 99aabbcc", Codec::h264).length, 3U);
  EXPECT_EQ(header("00000001 6742c01f 00000001 68ce3c80 aa", Codec::h264, true).length, 10U);
  EXPECT_FALSE(header("00000001 6742c01f 00000001 68ce3c80 aa", Codec::h264, true).nalu);
  EXPECT_EQ(header("0102030405060708", Codec::unknown, true).length, 10U);
  EXPECT_EQ(header("0102030405060708", Codec::unknown).length, 3U);
}

TEST(CodecHeader, Av1IsRefused) {
  const auto result = clear_header(unhex("0a0b0c"), {Codec::av1, true});
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::unsupported_codec);
  EXPECT_NE(result.error().message.find("av1"), std::string::npos);
}

TEST(CodecHeader, CodecNames) {
  for (const auto* name : {"opus", "vp8", "vp9", "h264", "h265", "av1", "unknown"}) {
    EXPECT_EQ(to_string(parse_codec(name).value()), name);
  }
  EXPECT_EQ(parse_codec("VP8").error().code, ErrorCode::invalid_argument);
  EXPECT_FALSE(parse_codec(""));
}

}  // namespace
}  // namespace matrixrtc::core::e2ee
