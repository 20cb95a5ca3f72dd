#include "core/e2ee/frame_cryptor.hpp"

#include <algorithm>
#include <array>

#include "core/crypto/digest.hpp"
#include "core/text.hpp"

namespace matrixrtc::core::e2ee {
namespace {

consteval std::uint8_t hex_nibble(char c) {
  if (c >= '0' && c <= '9') return static_cast<std::uint8_t>(c - '0');
  if (c >= 'a' && c <= 'f') return static_cast<std::uint8_t>(c - 'a' + 10);
  throw "not a lower-case hex digit";  // a compile error in a consteval call
}

consteval crypto::Sha256Digest digest_from_hex(std::string_view hex) {
  if (hex.size() != 64) throw "a SHA-256 digest has 64 hex digits";
  crypto::Sha256Digest out{};
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i] = static_cast<std::uint8_t>((hex_nibble(hex[2 * i]) << 4) | hex_nibble(hex[2 * i + 1]));
  }
  return out;
}

// SHA-256 of livekit-client's sifPayload.ts payloads (from the LiveKit
// server's downtrack.go): VP8 8x8 key frame, H.264 SPS, PPS, IDR, Opus silence.
// Decoded at compile time so the lookup compares raw digests and allocates nothing.
constexpr std::array<crypto::Sha256Digest, 5> kSifPayloadHashes{
    digest_from_hex("ef0161653d8b2b23aad46624b420af1d03ce48950e9fc85718028f91b50f9219"),
    digest_from_hex("f0a0e09647d891d6d50aa898bce7108090375d0d55e50a2bb21147afee558e44"),
    digest_from_hex("61d9665eed71b6d424ae9539330a3bdd5cb386d4d781c808219a6e36750493a7"),
    digest_from_hex("faffc26b68a2fc09096fa20f3351e706398b6f838a7500c8063472c2e476e90d"),
    digest_from_hex("aad8d31fc56b2802ca500e58c2fb9d0b29ad71bb7cb52cd6530251eade188988"),
};

std::string_view as_chars(ByteView bytes) noexcept {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

}  // namespace

bool is_known_sif_payload(ByteView payload) noexcept {
  const crypto::Sha256Digest digest = crypto::sha256(as_chars(payload));
  return std::find(kSifPayloadHashes.begin(), kSifPayloadHashes.end(), digest) != kSifPayloadHashes.end();
}

Result<EncryptedFrame> FrameCryptor::encrypt(ByteView frame, const FrameDescription& description, std::uint32_t ssrc,
                                             std::uint32_t rtp_timestamp) {
  if (frame.empty()) return EncryptedFrame{};
  const KeySet* key = keys_->current_key_set();
  const std::size_t index = keys_->current_index();
  if (key == nullptr) return fail(ErrorCode::missing_key, cat("no encryption key at the current index ", index));
  // The counter advances only for frames that are sent, so a refused frame
  // does not skip an IV.
  std::uint64_t& count = send_counts_[ssrc];
  auto out = encrypt_frame(frame, description, key->encryption_key, static_cast<std::uint8_t>(index),
                           make_iv(ssrc, rtp_timestamp, count));
  if (out) ++count;
  return out;
}

Result<DecryptedFrame> FrameCryptor::decrypt(ByteView frame, const FrameDescription& description) {
  DecryptedFrame result;
  if (frame.empty()) {
    result.outcome = DecryptOutcome::empty;
    return result;
  }
  if (!sif_trailer_.empty() && frame.size() >= sif_trailer_.size() &&
      std::equal(sif_trailer_.begin(), sif_trailer_.end(),
                 frame.end() - static_cast<std::ptrdiff_t>(sif_trailer_.size()))) {
    const ByteView payload = frame.first(frame.size() - sif_trailer_.size());
    if (!is_known_sif_payload(payload)) {
      return fail(ErrorCode::unexpected_sif, "frame carries the room's SIF trailer but not a known SIF payload");
    }
    result.data.assign(payload.begin(), payload.end());
    result.outcome = DecryptOutcome::server_injected;
    return result;
  }

  const std::uint8_t index = frame.back();
  if (keys_->has_invalid_key_at(index)) {
    return fail(ErrorCode::key_invalidated, cat("key at index ", index, " failed more than ",
                                                keys_->options().failure_tolerance, " times; frame dropped"));
  }
  const KeySet* key = keys_->key_set(index);
  if (key == nullptr) {
    keys_->decryption_failure(index);
    return fail(ErrorCode::missing_key, cat("missing key at index ", index));
  }

  const auto count_failure = [&] {
    if (keys_->has_valid_key()) keys_->decryption_failure(index);
  };
  auto sealed = parse_sealed_frame(frame, description);
  if (!sealed) {
    if (sealed.error().code == ErrorCode::malformed_frame) count_failure();
    return std::unexpected(std::move(sealed.error()));
  }
  result.key_index = index;
  result.header_length = sealed->header.size();
  result.iv.assign(sealed->iv().begin(), sealed->iv().end());

  auto plain = open_sealed_frame(*sealed, key->encryption_key);
  if (plain) {
    keys_->decryption_success(index);
    result.data = std::move(*plain);
    return result;
  }
  if (plain.error().code != ErrorCode::decryption_failed) return std::unexpected(std::move(plain.error()));

  // The sender may have ratcheted ahead: try the next keys of the chain
  // without storing them, and keep the one that works.
  const KeyProviderOptions& options = keys_->options();
  KeyMaterial material = key->material;
  for (unsigned step = 1; step <= options.ratchet_window_size; ++step) {
    auto chain = derive_chain_key(material, options.ratchet_salt);
    if (!chain) return std::unexpected(std::move(chain.error()));
    material = KeyMaterial{material.kdf, Bytes(chain->begin(), chain->end())};
    auto candidate = derive_key_set(material, options.key_size, options.ratchet_salt);
    if (!candidate) return std::unexpected(std::move(candidate.error()));
    plain = open_sealed_frame(*sealed, candidate->encryption_key);
    if (plain) {
      keys_->set_key_set(std::move(*candidate), index);
      keys_->set_current_index(index);
      keys_->decryption_success(index);
      result.data = std::move(*plain);
      result.ratchets = step;
      result.ratcheted_chain_key = *chain;
      return result;
    }
  }
  count_failure();
  return fail(ErrorCode::decryption_failed,
              options.ratchet_window_size == 0
                  ? cat("decryption failed with the key at index ", index, " (wrong key or tampered frame)")
                  : cat("decryption failed with the key at index ", index, " and ", options.ratchet_window_size,
                        " ratchets of it (wrong key or tampered frame)"));
}

}  // namespace matrixrtc::core::e2ee
