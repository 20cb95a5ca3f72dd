// How many leading bytes of a media frame stay in clear, per codec, as
// livekit-client 2.23's FrameCryptor.getUnencryptedBytes decides. Those bytes
// are what an SFU and the receiving depacketizer need to read (Opus TOC byte,
// VP8 payload header, H.26x NAL unit headers up to the first slice); they are
// authenticated as AES-GCM additional data but not encrypted.
#pragma once

#include <cstddef>
#include <string_view>

#include "core/e2ee/key_derivation.hpp"
#include "core/error.hpp"

namespace matrixrtc::core::e2ee {

enum class Codec {
  opus,     ///< any audio codec: livekit-client treats every audio frame alike (1 clear byte)
  vp8,      ///< 10 clear bytes on key frames, 3 on delta frames
  vp9,      ///< whole frame encrypted
  h264,     ///< NAL unit rule; the bytes outrank the declared codec
  h265,     ///< NAL unit rule; the bytes outrank the declared codec
  av1,      ///< refused: livekit-client cannot encrypt it either
  unknown,  ///< no codec known: NAL unit rule if the bytes parse as H.26x, else the VP8 rule
};

[[nodiscard]] std::string_view to_string(Codec codec) noexcept;

/// "opus", "vp8", "vp9", "h264", "h265", "av1" or "unknown".
[[nodiscard]] Result<Codec> parse_codec(std::string_view name);

/// What the frame is, as far as the clear header is concerned.
struct FrameDescription {
  Codec codec = Codec::vp8;
  /// Video only: a key frame (VP8 and the fallback keep 10 bytes, else 3).
  bool keyframe = false;

  [[nodiscard]] bool audio() const noexcept { return codec == Codec::opus; }
};

struct ClearHeader {
  /// Leading bytes of the frame, as given, that stay in clear.
  std::size_t length = 0;
  /// True when the H.26x rules apply: the header's start codes are
  /// normalised and the rest of the frame is RBSP-escaped.
  bool nalu = false;
};

/// The clear header of `frame`. Fails only for AV1. The length may exceed
/// the frame's size (a 5-byte VP8 key frame); callers must check.
[[nodiscard]] Result<ClearHeader> clear_header(ByteView frame, const FrameDescription& description);

}  // namespace matrixrtc::core::e2ee
