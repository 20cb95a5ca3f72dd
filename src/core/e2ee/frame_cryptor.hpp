// A frame cryptor for one track, as livekit-client 2.23's FrameCryptor runs
// it: encrypts with the participant's current key and a per-SSRC send
// counter; decrypts by the key index in the frame, with the failure
// tolerance, the automatic ratchet on failure (ratchet window) and
// server-injected frames (SIF). It owns no keys: the ring is the
// participant's, shared by all of that participant's tracks.
#pragma once

#include <cstdint>
#include <map>
#include <optional>

#include "core/e2ee/frame_format.hpp"
#include "core/e2ee/key_ring.hpp"

namespace matrixrtc::core::e2ee {

enum class DecryptOutcome {
  decrypted,        ///< the frame was encrypted and is now plaintext
  empty,            ///< empty frame (e.g. DTX), passed through as livekit-client does
  server_injected,  ///< a known SIF payload with the room's trailer, trailer removed
};

struct DecryptedFrame {
  Bytes data;
  DecryptOutcome outcome = DecryptOutcome::decrypted;
  std::uint8_t key_index = 0;
  Bytes iv;                       ///< from the trailer (empty unless decrypted)
  std::size_t header_length = 0;  ///< the clear header as received
  unsigned ratchets = 0;          ///< ratchet steps the window needed (0: the stored key worked)
  /// Set when the window ratcheted: the new chain key, which replaced the slot.
  std::optional<ChainKey> ratcheted_chain_key;
};

/// True for payloads the LiveKit server injects unencrypted (its VP8 8×8 key
/// frame, H.264 SPS/PPS/IDR, Opus silence), by SHA-256 as livekit-client checks.
[[nodiscard]] bool is_known_sif_payload(ByteView payload) noexcept;

class FrameCryptor {
 public:
  /// `keys` must outlive the cryptor.
  explicit FrameCryptor(ParticipantKeyRing& keys) : keys_(&keys) {}

  /// The room's SIF trailer (JoinResponse.sif_trailer; random per room).
  /// Empty (the default) disables SIF detection.
  void set_sif_trailer(Bytes trailer) { sif_trailer_ = std::move(trailer); }

  /// Sets the next send count for `ssrc`. livekit-client starts each SSRC
  /// at a random value below 0xFFFF; callers that want the same should pass
  /// one from a CSPRNG (the core has no randomness). Unset SSRCs start at 0.
  void set_send_count(std::uint32_t ssrc, std::uint64_t count) { send_counts_[ssrc] = count; }

  /// Encrypts with the ring's current key; empty frames pass through.
  [[nodiscard]] Result<EncryptedFrame> encrypt(ByteView frame, const FrameDescription& description, std::uint32_t ssrc,
                                               std::uint32_t rtp_timestamp);

  /// Decrypts a received frame. Errors: missing_key, key_invalidated,
  /// decryption_failed, malformed_frame, unexpected_sif, unsupported_codec.
  [[nodiscard]] Result<DecryptedFrame> decrypt(ByteView frame, const FrameDescription& description);

 private:
  ParticipantKeyRing* keys_;
  Bytes sif_trailer_;
  std::map<std::uint32_t, std::uint64_t> send_counts_;
};

}  // namespace matrixrtc::core::e2ee
