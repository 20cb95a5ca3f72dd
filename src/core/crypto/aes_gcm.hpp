// AES-GCM (128 or 256-bit keys, 16-byte tag) from OpenSSL, as WebCrypto's
// AES-GCM does it, for media frame encryption. The IV may be 1 to
// kMaxGcmIvLength (128) bytes long, the most OpenSSL accepts; a received frame
// names its own IV length, so callers check it against that bound first.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/error.hpp"

namespace matrixrtc::core::crypto {

inline constexpr std::size_t kGcmTagLength = 16;
/// OpenSSL's AES-GCM refuses longer IVs.
inline constexpr std::size_t kMaxGcmIvLength = 128;

/// Returns ciphertext followed by the 16-byte tag.
[[nodiscard]] Result<std::vector<std::uint8_t>> aes_gcm_encrypt(std::span<const std::uint8_t> key,
                                                                std::span<const std::uint8_t> iv,
                                                                std::span<const std::uint8_t> aad,
                                                                std::span<const std::uint8_t> plaintext);

/// `sealed` is ciphertext followed by the tag. Fails with decryption_failed
/// when the tag does not verify (wrong key, IV, AAD or tampered bytes).
[[nodiscard]] Result<std::vector<std::uint8_t>> aes_gcm_decrypt(std::span<const std::uint8_t> key,
                                                                std::span<const std::uint8_t> iv,
                                                                std::span<const std::uint8_t> aad,
                                                                std::span<const std::uint8_t> sealed);

}  // namespace matrixrtc::core::crypto
