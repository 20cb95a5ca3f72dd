#include "core/crypto/aes_gcm.hpp"

#include <openssl/evp.h>

#include <array>
#include <limits>
#include <memory>

#include "core/text.hpp"

namespace matrixrtc::core::crypto {
namespace {

struct CipherDeleter {
  void operator()(EVP_CIPHER* cipher) const noexcept { EVP_CIPHER_free(cipher); }
  void operator()(EVP_CIPHER_CTX* ctx) const noexcept { EVP_CIPHER_CTX_free(ctx); }
};
using CipherPtr = std::unique_ptr<EVP_CIPHER, CipherDeleter>;
using ContextPtr = std::unique_ptr<EVP_CIPHER_CTX, CipherDeleter>;

// Fetched once: an implicit fetch per frame costs more than the encryption
// of a small audio frame.
const EVP_CIPHER* cipher_for(std::size_t key_length) {
  static const CipherPtr k128{EVP_CIPHER_fetch(nullptr, "AES-128-GCM", nullptr)};
  static const CipherPtr k256{EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr)};
  if (key_length == 16) return k128.get();
  if (key_length == 32) return k256.get();
  return nullptr;
}

// OpenSSL takes int lengths; frames are far below 2 GiB but check anyway.
bool fits_int(std::size_t n) { return n <= static_cast<std::size_t>(std::numeric_limits<int>::max()); }

Result<ContextPtr> start(std::span<const std::uint8_t> key, std::span<const std::uint8_t> iv, bool encrypt) {
  const EVP_CIPHER* cipher = cipher_for(key.size());
  if (cipher == nullptr)
    return fail(ErrorCode::invalid_argument, cat("AES-GCM key must be 16 or 32 bytes, got ", key.size()));
  if (iv.empty() || iv.size() > kMaxGcmIvLength) {
    return fail(ErrorCode::invalid_argument,
                cat("AES-GCM IV must be 1 to ", kMaxGcmIvLength, " bytes, got ", iv.size()));
  }
  ContextPtr ctx{EVP_CIPHER_CTX_new()};
  if (!ctx) return fail(ErrorCode::crypto_failure, "cannot create a cipher context");
  const int enc = encrypt ? 1 : 0;
  if (EVP_CipherInit_ex2(ctx.get(), cipher, nullptr, nullptr, enc, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(iv.size()), nullptr) != 1 ||
      EVP_CipherInit_ex2(ctx.get(), nullptr, key.data(), iv.data(), enc, nullptr) != 1) {
    return fail(ErrorCode::crypto_failure, "AES-GCM set-up failed in OpenSSL");
  }
  return ctx;
}

bool add_aad(EVP_CIPHER_CTX* ctx, std::span<const std::uint8_t> aad) {
  if (aad.empty()) return true;
  int ignored = 0;
  return fits_int(aad.size()) &&
         EVP_CipherUpdate(ctx, nullptr, &ignored, aad.data(), static_cast<int>(aad.size())) == 1;
}

}  // namespace

Result<std::vector<std::uint8_t>> aes_gcm_encrypt(std::span<const std::uint8_t> key, std::span<const std::uint8_t> iv,
                                                  std::span<const std::uint8_t> aad,
                                                  std::span<const std::uint8_t> plaintext) {
  auto ctx = start(key, iv, true);
  if (!ctx) return std::unexpected(std::move(ctx.error()));
  if (!fits_int(plaintext.size())) return fail(ErrorCode::invalid_argument, "plaintext too large");
  std::vector<std::uint8_t> out(plaintext.size() + kGcmTagLength);
  int written = 0;
  int final_written = 0;
  if (!add_aad(ctx->get(), aad) ||
      (!plaintext.empty() &&
       EVP_CipherUpdate(ctx->get(), out.data(), &written, plaintext.data(), static_cast<int>(plaintext.size())) != 1) ||
      EVP_CipherFinal_ex(ctx->get(), out.data() + written, &final_written) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx->get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kGcmTagLength),
                          out.data() + plaintext.size()) != 1) {
    return fail(ErrorCode::crypto_failure, "AES-GCM encryption failed in OpenSSL");
  }
  return out;
}

Result<std::vector<std::uint8_t>> aes_gcm_decrypt(std::span<const std::uint8_t> key, std::span<const std::uint8_t> iv,
                                                  std::span<const std::uint8_t> aad,
                                                  std::span<const std::uint8_t> sealed) {
  if (sealed.size() < kGcmTagLength) {
    return fail(ErrorCode::malformed_frame, cat("AES-GCM input of ", sealed.size(), " bytes has no room for the tag"));
  }
  auto ctx = start(key, iv, false);
  if (!ctx) return std::unexpected(std::move(ctx.error()));
  const std::size_t length = sealed.size() - kGcmTagLength;
  if (!fits_int(length)) return fail(ErrorCode::invalid_argument, "ciphertext too large");
  std::vector<std::uint8_t> out(length);
  // OpenSSL's SET_TAG takes a non-const pointer but only reads it.
  std::array<std::uint8_t, kGcmTagLength> tag{};
  std::copy(sealed.end() - static_cast<std::ptrdiff_t>(kGcmTagLength), sealed.end(), tag.begin());
  int written = 0;
  if (!add_aad(ctx->get(), aad) ||
      (length != 0 &&
       EVP_CipherUpdate(ctx->get(), out.data(), &written, sealed.data(), static_cast<int>(length)) != 1) ||
      EVP_CIPHER_CTX_ctrl(ctx->get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(tag.size()), tag.data()) != 1) {
    return fail(ErrorCode::crypto_failure, "AES-GCM decryption set-up failed in OpenSSL");
  }
  int final_written = 0;
  std::uint8_t none = 0;  // GCM writes nothing here; OpenSSL still wants a buffer
  if (EVP_CipherFinal_ex(ctx->get(), out.empty() ? &none : out.data() + written, &final_written) != 1) {
    return fail(ErrorCode::decryption_failed, "AES-GCM authentication failed (wrong key or tampered frame)");
  }
  return out;
}

}  // namespace matrixrtc::core::crypto
