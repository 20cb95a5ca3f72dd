// The encrypted media frame format of livekit-client 2.23 (FrameCryptor
// encodeFunction / decryptFrame), stateless: one frame, one key.
//
//   clear header | AES-GCM ciphertext + 16-byte tag | IV | IV length | key index
//
// The header (codec_header.hpp) is the AES-GCM additional data. For H.26x
// frames the header's start codes are normalised to 4 bytes and everything
// after the header is RBSP-escaped, so no start code appears in it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "core/e2ee/codec_header.hpp"
#include "core/e2ee/key_derivation.hpp"
#include "core/error.hpp"

namespace matrixrtc::core::e2ee {

inline constexpr std::size_t kIvLength = 12;
using Iv = std::array<std::uint8_t, kIvLength>;

/// livekit-client's makeIV: big-endian SSRC, RTP timestamp, and timestamp
/// minus (send_count mod 0xFFFF), each modulo 2^32. No secret salt: the IV
/// is public and travels in the trailer.
[[nodiscard]] Iv make_iv(std::uint32_t ssrc, std::uint32_t rtp_timestamp, std::uint64_t send_count) noexcept;

struct EncryptedFrame {
  Bytes data;
  std::uint8_t key_index = 0;
  Iv iv{};
  std::size_t header_length = 0;  ///< the clear header as sent (after start-code normalisation)
};

/// Encrypts one non-empty frame. Fails for AV1 (unsupported_codec) and for a
/// frame shorter than its codec's clear header (malformed_frame), where
/// livekit-client would throw and stop the track.
[[nodiscard]] Result<EncryptedFrame> encrypt_frame(ByteView frame, const FrameDescription& description,
                                                   ByteView encryption_key, std::uint8_t key_index, const Iv& iv);

/// A received frame taken apart, ready for decryption attempts with one or
/// more keys (the ratchet window tries several).
struct SealedFrame {
  Bytes header;               ///< clear header, also the AES-GCM additional data
  Bytes body;                 ///< everything after the header, RBSP-unescaped if needed
  std::size_t sealed_length;  ///< ciphertext + tag bytes at the start of `body`
  std::size_t iv_offset;      ///< where the IV starts in `body`
  std::size_t iv_length;
  std::uint8_t key_index = 0;  ///< the last byte of the frame as received

  [[nodiscard]] ByteView sealed() const noexcept { return ByteView(body).first(sealed_length); }
  [[nodiscard]] ByteView iv() const noexcept { return ByteView(body).subspan(iv_offset, iv_length); }
};

/// Splits a received non-empty frame; refuses (malformed_frame) anything
/// truncated, whose IV length byte is 0 or above
/// crypto::kMaxGcmIvLength (128), or whose IV
/// length points outside the frame or leaves no room for the tag. Never reads
/// out of bounds.
[[nodiscard]] Result<SealedFrame> parse_sealed_frame(ByteView frame, const FrameDescription& description);

/// One decryption attempt; returns header followed by the plaintext.
[[nodiscard]] Result<Bytes> open_sealed_frame(const SealedFrame& sealed, ByteView encryption_key);

}  // namespace matrixrtc::core::e2ee
