#include "core/crypto/digest.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace matrixrtc::core::crypto {

Sha256Digest sha256(std::string_view data) noexcept {
  Sha256Digest digest{};
  unsigned int length = 0;
  // EVP_Digest with SHA-256 cannot fail for in-memory input short of memory
  // exhaustion inside OpenSSL, which leaves the digest zeroed.
  EVP_Digest(data.data(), data.size(), digest.data(), &length, EVP_sha256(), nullptr);
  return digest;
}

Result<Sha256Digest> hmac_sha256(std::string_view key, std::string_view data) {
  Sha256Digest mac{};
  unsigned int length = 0;
  const unsigned char* ok = HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
                                 reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac.data(), &length);
  if (ok == nullptr || length != mac.size()) {
    return fail(ErrorCode::crypto_failure, "HMAC-SHA-256 failed in OpenSSL");
  }
  return mac;
}

bool constant_time_equal(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace matrixrtc::core::crypto
