#include "core/e2ee/nalu.hpp"

#include <gtest/gtest.h>

#include "e2ee/vectors.hpp"

namespace matrixrtc::core::e2ee::nalu {
namespace {

using testing::unhex;
using Indices = std::vector<std::size_t>;

TEST(Nalu, FindsIndicesAfterThreeAndFourByteStartCodes) {
  EXPECT_EQ(find_nalu_indices(unhex("00000001 6742c01f 000001 68ce3c80 00000001 6588 8400")), (Indices{4, 11, 19}));
}

TEST(Nalu, LeadingDataIsRefusedButLeadingZerosAreNot) {
  EXPECT_FALSE(find_nalu_indices(unhex("ff000001658884aabb")));
  EXPECT_EQ(find_nalu_indices(unhex("0000000001658884aabb")), (Indices{5}));
}

TEST(Nalu, AShortFinalUnitIsNotListedAsInLivekitClient) {
  // The last NAL unit starts at size - 3: livekit-client's loop ends first.
  EXPECT_EQ(find_nalu_indices(unhex("00000001 67420000 000001 658884")), (Indices{4}));
  EXPECT_EQ(find_nalu_indices(unhex("00000001 67420000 000001 65888400")), (Indices{4, 11}));
  EXPECT_EQ(find_nalu_indices(unhex("0000")), (Indices{}));
  EXPECT_EQ(find_nalu_indices(ByteView{}), (Indices{}));
}

TEST(Nalu, EmptyUnitsBetweenStartCodesAreListed) {
  EXPECT_EQ(find_nalu_indices(unhex("000001 000001 65888400")), (Indices{3, 6}));
}

TEST(Nalu, DetectsH264BeforeH265) {
  // An AUD (0x09) reads as an H.265 STSA_N slice; the H.264 slice must win.
  const Bytes aud_then_slice = unhex("00000001 09f0 00000001 4188 7766 5544");
  const auto indices = find_nalu_indices(aud_then_slice).value();
  EXPECT_EQ(detect_codec(aud_then_slice, indices), NaluCodec::h264);
  EXPECT_EQ(slice_header_length(aud_then_slice, indices, NaluCodec::h264), 12U);
  EXPECT_EQ(slice_header_length(aud_then_slice, indices, NaluCodec::h265), 6U);
  const Bytes h265 = unhex("00000001 40010c01 00000001 2601 afafaf");
  EXPECT_EQ(detect_codec(h265, find_nalu_indices(h265).value()), NaluCodec::h265);
  const Bytes sps_pps = unhex("00000001 6742c01f 00000001 68ce3c80 aa");
  EXPECT_EQ(detect_codec(sps_pps, find_nalu_indices(sps_pps).value()), std::nullopt);
  EXPECT_EQ(slice_header_length(sps_pps, find_nalu_indices(sps_pps).value(), NaluCodec::h264), std::nullopt);
}

TEST(Nalu, NormalisesOnlyUnprecededThreeByteStartCodes) {
  EXPECT_EQ(hex::encode(normalize_start_codes(unhex("000001 67 000001 68 0000000165"))),
            "000000016700000001680000000165");
  EXPECT_EQ(hex::encode(normalize_start_codes(unhex("00000001 6588"))), "000000016588");
  EXPECT_EQ(hex::encode(normalize_start_codes(unhex("aa000001"))), "aa00000001");
  EXPECT_EQ(hex::encode(normalize_start_codes(unhex("0000"))), "0000");
  EXPECT_EQ(hex::encode(normalize_start_codes(ByteView{})), "");
}

TEST(Nalu, UnescapingIsNeededOnlyBeforeTheLastThreeBytes) {
  EXPECT_TRUE(needs_unescaping(unhex("00000301")));
  EXPECT_FALSE(needs_unescaping(unhex("000003")));
  EXPECT_FALSE(needs_unescaping(unhex("aa000003")));
  EXPECT_TRUE(needs_unescaping(unhex("aa00000300")));
  EXPECT_FALSE(needs_unescaping(ByteView{}));
}

TEST(Nalu, EscapeAndUnescapeRoundTrip) {
  EXPECT_EQ(hex::encode(escape_rbsp(unhex("0000000001000002000003000004"))), "000003000003010000030200000303000004");
  EXPECT_EQ(hex::encode(unescape_rbsp(unhex("000003000003010000030200000303000004"))), "0000000001000002000003000004");
  EXPECT_EQ(hex::encode(unescape_rbsp(unhex("000003"))), "0000");
  Bytes all;
  for (int i = 0; i < 1024; ++i) all.push_back(static_cast<std::uint8_t>((i * 37) % 5 == 0 ? 0 : i % 4));
  const Bytes escaped = escape_rbsp(all);
  for (std::size_t i = 0; i + 2 < escaped.size(); ++i) {
    EXPECT_FALSE(escaped[i] == 0 && escaped[i + 1] == 0 && escaped[i + 2] <= 2) << i;
  }
  EXPECT_EQ(unescape_rbsp(escaped), all);
}

}  // namespace
}  // namespace matrixrtc::core::e2ee::nalu
