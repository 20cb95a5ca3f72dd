#include "core/crypto/digest.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <memory>
#include <string>

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
  // One context per thread, rewound for each digest: EVP_Digest would
  // allocate and free one per call, and every request hashes several names.
  struct MdContextFree {
    void operator()(EVP_MD_CTX* context) const noexcept { EVP_MD_CTX_free(context); }
  };
  thread_local const std::unique_ptr<EVP_MD_CTX, MdContextFree> context(EVP_MD_CTX_new());
  // SHA-256 cannot fail for in-memory input short of memory exhaustion
  // inside OpenSSL, which leaves the digest zeroed.
  if (context == nullptr || EVP_DigestInit_ex2(context.get(), sha256_algorithm(), nullptr) != 1 ||
      EVP_DigestUpdate(context.get(), data.data(), data.size()) != 1 ||
      EVP_DigestFinal_ex(context.get(), digest.data(), &length) != 1) {
    return Sha256Digest{};
  }
  return digest;
}

Result<Sha256Digest> hmac_sha256(std::string_view key, std::string_view data) {
  // Keying HMAC (parsing the digest parameter, hashing the padded key) cost
  // more than the MAC of a token itself, and the service signs every token
  // with one secret. Each thread keeps its context keyed with the last key and
  // only rewinds it (EVP_MAC_init without a key) while the key stays the same.
  struct KeyedContext {
    std::unique_ptr<EVP_MAC_CTX, MacContextFree> context;
    std::string key;
    bool ready = false;  // keyed with `key`
  };
  thread_local KeyedContext keyed;
  if (keyed.context == nullptr && hmac_algorithm() != nullptr) keyed.context.reset(EVP_MAC_CTX_new(hmac_algorithm()));
  EVP_MAC_CTX* const context = keyed.context.get();
  if (context == nullptr) return fail(ErrorCode::crypto_failure, "HMAC-SHA-256 failed in OpenSSL");
  const bool same_key = keyed.ready && keyed.key.size() == key.size() && constant_time_equal(keyed.key, key);
  int initialised = 0;
  if (same_key) {
    initialised = EVP_MAC_init(context, nullptr, 0, nullptr);
  } else {
    char digest_name[] = "SHA256";
    const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
                                 OSSL_PARAM_construct_end()};
    // A key nobody gave yet: HMAC takes an empty key as a valid key, but
    // EVP_MAC_init reads a null pointer as "keep the old key".
    static constexpr unsigned char kEmpty = 0;
    const auto* key_bytes = key.empty() ? &kEmpty : reinterpret_cast<const unsigned char*>(key.data());
    initialised = EVP_MAC_init(context, key_bytes, key.size(), params);
    // Forget the old key first: a failed init must not be rewound later as if keyed.
    OPENSSL_cleanse(keyed.key.data(), keyed.key.size());
    keyed.key.clear();
    keyed.ready = initialised == 1;
    if (keyed.ready) keyed.key.assign(key);
  }
  Sha256Digest mac{};
  std::size_t length = 0;
  if (initialised != 1 ||
      EVP_MAC_update(context, reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1 ||
      EVP_MAC_final(context, mac.data(), &length, mac.size()) != 1 || length != mac.size()) {
    return fail(ErrorCode::crypto_failure, "HMAC-SHA-256 failed in OpenSSL");
  }
  return mac;
}

bool constant_time_equal(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace matrixrtc::core::crypto
