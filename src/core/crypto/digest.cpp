#include "core/crypto/digest.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <memory>

namespace matrixrtc::core::crypto {
namespace {

// OpenSSL 3 looks algorithms up by name on every implicit use (EVP_sha256(),
// HMAC()), which costs more than hashing a short input. Fetch each once; the
// objects are immutable and safe to share between threads.
const EVP_MD* sha256_algorithm() {
  static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}

EVP_MAC* hmac_algorithm() {
  static EVP_MAC* const mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  return mac;
}

struct MacContextFree {
  void operator()(EVP_MAC_CTX* context) const noexcept { EVP_MAC_CTX_free(context); }
};

}  // namespace

Sha256Digest sha256(std::string_view data) noexcept {
  Sha256Digest digest{};
  unsigned int length = 0;
  // EVP_Digest with SHA-256 cannot fail for in-memory input short of memory
  // exhaustion inside OpenSSL, which leaves the digest zeroed.
  EVP_Digest(data.data(), data.size(), digest.data(), &length, sha256_algorithm(), nullptr);
  return digest;
}

Result<Sha256Digest> hmac_sha256(std::string_view key, std::string_view data) {
  Sha256Digest mac{};
  const std::unique_ptr<EVP_MAC_CTX, MacContextFree> context(
      hmac_algorithm() == nullptr ? nullptr : EVP_MAC_CTX_new(hmac_algorithm()));
  char digest_name[] = "SHA256";
  const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
                               OSSL_PARAM_construct_end()};
  std::size_t length = 0;
  if (context == nullptr ||
      EVP_MAC_init(context.get(), reinterpret_cast<const unsigned char*>(key.data()), key.size(), params) != 1 ||
      EVP_MAC_update(context.get(), reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1 ||
      EVP_MAC_final(context.get(), mac.data(), &length, mac.size()) != 1 || length != mac.size()) {
    return fail(ErrorCode::crypto_failure, "HMAC-SHA-256 failed in OpenSSL");
  }
  return mac;
}

bool constant_time_equal(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace matrixrtc::core::crypto
