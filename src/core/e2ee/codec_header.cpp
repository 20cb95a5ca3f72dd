#include "core/e2ee/codec_header.hpp"

#include "core/e2ee/nalu.hpp"
#include "core/text.hpp"

namespace matrixrtc::core::e2ee {
namespace {

// livekit-client's UNENCRYPTED_BYTES.
constexpr std::size_t kVp8KeyFrameBytes = 10;
constexpr std::size_t kVp8DeltaFrameBytes = 3;
constexpr std::size_t kAudioBytes = 1;

ClearHeader vp8_rule(const FrameDescription& description) {
  return {description.keyframe ? kVp8KeyFrameBytes : kVp8DeltaFrameBytes, false};
}

}  // namespace

std::string_view to_string(Codec codec) noexcept {
  switch (codec) {
    case Codec::opus: return "opus";
    case Codec::vp8: return "vp8";
    case Codec::vp9: return "vp9";
    case Codec::h264: return "h264";
    case Codec::h265: return "h265";
    case Codec::av1: return "av1";
    case Codec::unknown: return "unknown";
  }
  return "unknown";
}

Result<Codec> parse_codec(std::string_view name) {
  for (const Codec codec :
       {Codec::opus, Codec::vp8, Codec::vp9, Codec::h264, Codec::h265, Codec::av1, Codec::unknown}) {
    if (name == to_string(codec)) return codec;
  }
  return fail(ErrorCode::invalid_argument,
              cat("unknown codec \"", name, "\" (expected opus, vp8, vp9, h264, h265, av1 or unknown)"));
}

Result<ClearHeader> clear_header(ByteView frame, const FrameDescription& description) {
  switch (description.codec) {
    case Codec::opus: return ClearHeader{kAudioBytes, false};
    case Codec::av1:
      return fail(ErrorCode::unsupported_codec,
                  "av1 is not supported for end-to-end encryption (livekit-client cannot encrypt it either)");
    case Codec::vp8: return vp8_rule(description);
    case Codec::vp9: return ClearHeader{0, false};
    case Codec::h264:
    case Codec::h265:
    case Codec::unknown: break;
  }
  // H.26x, or a codec nobody told us: let the bytes decide, and fall back
  // to the VP8 rule wherever livekit-client's NAL unit processing throws or
  // finds nothing.
  const auto indices = nalu::find_nalu_indices(frame);
  if (!indices) return vp8_rule(description);
  auto codec = nalu::detect_codec(frame, *indices);
  if (!codec && description.codec == Codec::h264) codec = nalu::NaluCodec::h264;
  if (!codec && description.codec == Codec::h265) codec = nalu::NaluCodec::h265;
  if (!codec) return vp8_rule(description);
  const auto length = nalu::slice_header_length(frame, *indices, *codec);
  if (!length) return vp8_rule(description);
  return ClearHeader{*length, true};
}

}  // namespace matrixrtc::core::e2ee
