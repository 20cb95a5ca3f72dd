// Key derivation and ratcheting exactly as livekit-client 2.23 does it
// (src/e2ee/utils.ts), so a key given to us and to a web client yields the
// same AES-GCM key and the same ratchet chain.
//
// livekit-client keeps "key material" (a WebCrypto PBKDF2 or HKDF key) and
// derives two things from it with the same parameters:
//   - the AES-GCM frame key: the first key_size/8 bytes of the KDF output;
//   - the ratchet chain key: the first 32 bytes of the KDF output, which then
//     becomes the next material, keeping the original algorithm.
// So K_n = KDF(chain_n)[0:16] with chain_0 = secret, chain_{n+1} = KDF(chain_n)[0:32].
// PBKDF2 is what a shared password goes through; HKDF is what MSC4195 and
// Element Call use for per-participant keys from Matrix key events.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace matrixrtc::core::e2ee {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

enum class Kdf {
  pbkdf2,  ///< PBKDF2-HMAC-SHA-256, 100 000 iterations: livekit-client's createKeyMaterialFromString
  hkdf,    ///< HKDF-SHA-256, info = 128 zero bytes: livekit-client's createKeyMaterialFromBuffer
};

/// livekit-client's default `ratchetSalt`, which Element Call and MSC4195 use.
inline constexpr std::string_view kDefaultRatchetSalt = "LKFrameEncryptionKey";
inline constexpr unsigned kPbkdf2Iterations = 100'000;
/// HKDF `info` is `new ArrayBuffer(128)` in livekit-client: 128 zero bytes.
inline constexpr std::size_t kHkdfInfoLength = 128;
/// A ratchet step derives 256 bits (WebCrypto deriveBits(…, 256)).
inline constexpr std::size_t kChainKeyLength = 32;

/// AES-GCM key length; livekit-client's `keySize` option (128 default, 256 allowed).
enum class KeySize : std::size_t { aes128 = 16, aes256 = 32 };

using ChainKey = std::array<std::uint8_t, kChainKeyLength>;

/// What livekit-client holds as a non-extractable WebCrypto key: the secret
/// bytes (UTF-8 password for PBKDF2, raw key for HKDF) and which KDF they feed.
struct KeyMaterial {
  Kdf kdf = Kdf::hkdf;
  Bytes secret;

  friend bool operator==(const KeyMaterial&, const KeyMaterial&) = default;
};

/// A ring entry: the material (needed to ratchet further) and the frame key.
struct KeySet {
  KeyMaterial material;
  Bytes encryption_key;  ///< 16 or 32 bytes
};

/// The 32-byte KDF output livekit-client's `ratchet()` returns for `material`.
[[nodiscard]] Result<ChainKey> derive_chain_key(const KeyMaterial& material,
                                                std::string_view salt = kDefaultRatchetSalt);

/// The material after one ratchet step: the chain key, same algorithm.
[[nodiscard]] Result<KeyMaterial> ratchet(const KeyMaterial& material, std::string_view salt = kDefaultRatchetSalt);

/// The material after `count` ratchet steps (PBKDF2 costs 100 000 iterations per step).
[[nodiscard]] Result<KeyMaterial> ratchet(KeyMaterial material, unsigned count,
                                          std::string_view salt = kDefaultRatchetSalt);

/// livekit-client's `deriveKeys`: the frame key for `material`.
[[nodiscard]] Result<KeySet> derive_key_set(KeyMaterial material, KeySize key_size = KeySize::aes128,
                                            std::string_view salt = kDefaultRatchetSalt);

}  // namespace matrixrtc::core::e2ee
