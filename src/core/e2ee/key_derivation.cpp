#include "core/e2ee/key_derivation.hpp"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include <memory>

namespace matrixrtc::core::e2ee {
namespace {

Result<ChainKey> pbkdf2(ByteView password, std::string_view salt) {
  ChainKey out{};
  // An empty password is valid (WebCrypto imports it); OpenSSL needs a
  // non-null pointer for it.
  static constexpr char kEmpty = '\0';
  const char* pass = password.empty() ? &kEmpty : reinterpret_cast<const char*>(password.data());
  const int ok =
      PKCS5_PBKDF2_HMAC(pass, static_cast<int>(password.size()), reinterpret_cast<const unsigned char*>(salt.data()),
                        static_cast<int>(salt.size()), static_cast<int>(kPbkdf2Iterations), EVP_sha256(),
                        static_cast<int>(out.size()), out.data());
  if (ok != 1) return fail(ErrorCode::crypto_failure, "PBKDF2-HMAC-SHA-256 failed in OpenSSL");
  return out;
}

struct KdfDeleter {
  void operator()(EVP_KDF* kdf) const noexcept { EVP_KDF_free(kdf); }
  void operator()(EVP_KDF_CTX* ctx) const noexcept { EVP_KDF_CTX_free(ctx); }
};

Result<ChainKey> hkdf(ByteView ikm, std::string_view salt) {
  static const std::unique_ptr<EVP_KDF, KdfDeleter> kHkdf{EVP_KDF_fetch(nullptr, OSSL_KDF_NAME_HKDF, nullptr)};
  if (!kHkdf) return fail(ErrorCode::crypto_failure, "OpenSSL has no HKDF");
  const std::unique_ptr<EVP_KDF_CTX, KdfDeleter> ctx{EVP_KDF_CTX_new(kHkdf.get())};
  if (!ctx) return fail(ErrorCode::crypto_failure, "cannot create an HKDF context");
  // OSSL_PARAM wants mutable pointers; none of these buffers is written to.
  std::array<unsigned char, kHkdfInfoLength> info{};
  static unsigned char empty_key = 0;
  char digest[] = "SHA256";
  const std::array<OSSL_PARAM, 5> params{
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
                                        ikm.empty() ? &empty_key : const_cast<std::uint8_t*>(ikm.data()), ikm.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, const_cast<char*>(salt.data()), salt.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info.data(), info.size()),
      OSSL_PARAM_construct_end(),
  };
  ChainKey out{};
  if (EVP_KDF_derive(ctx.get(), out.data(), out.size(), params.data()) != 1) {
    return fail(ErrorCode::crypto_failure, "HKDF-SHA-256 failed in OpenSSL");
  }
  return out;
}

}  // namespace

Result<ChainKey> derive_chain_key(const KeyMaterial& material, std::string_view salt) {
  switch (material.kdf) {
    case Kdf::pbkdf2: return pbkdf2(material.secret, salt);
    case Kdf::hkdf: return hkdf(material.secret, salt);
  }
  return fail(ErrorCode::invalid_argument, "unknown key derivation function");
}

Result<KeyMaterial> ratchet(const KeyMaterial& material, std::string_view salt) {
  auto chain = derive_chain_key(material, salt);
  if (!chain) return std::unexpected(std::move(chain.error()));
  return KeyMaterial{material.kdf, Bytes(chain->begin(), chain->end())};
}

Result<KeyMaterial> ratchet(KeyMaterial material, unsigned count, std::string_view salt) {
  for (unsigned i = 0; i < count; ++i) {
    auto next = ratchet(material, salt);
    if (!next) return next;
    material = std::move(*next);
  }
  return material;
}

Result<KeySet> derive_key_set(KeyMaterial material, KeySize key_size, std::string_view salt) {
  // WebCrypto's deriveKey(AES-GCM, length L) takes the first L bits of the
  // same KDF output deriveBits(256) gives, so one derivation serves both.
  auto chain = derive_chain_key(material, salt);
  if (!chain) return std::unexpected(std::move(chain.error()));
  const auto length = static_cast<std::ptrdiff_t>(key_size);
  return KeySet{std::move(material), Bytes(chain->begin(), chain->begin() + length)};
}

}  // namespace matrixrtc::core::e2ee
