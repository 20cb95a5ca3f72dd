#include "core/e2ee/key_derivation.hpp"

#include <gtest/gtest.h>

#include "core/crypto/aes_gcm.hpp"
#include "e2ee/vectors.hpp"

namespace matrixrtc::core::e2ee {
namespace {

using testing::str;
using testing::unhex;

KeyMaterial password(std::string_view text) { return {Kdf::pbkdf2, Bytes(text.begin(), text.end())}; }

// Chain keys computed by livekit-client and independently by Python hashlib.
TEST(KeyDerivation, ReferenceChainKeys) {
  EXPECT_EQ(hex::encode(derive_chain_key(password("password")).value()),
            "421890b1557504a8ea1a90c253b419e4e1a3a43283f7115909d6fce6926e5e5f");
  EXPECT_EQ(hex::encode(derive_chain_key(password("pw")).value()),
            "bcd8373c0228c5519fc6dcc93c8c43d2aee5fb853a0a92d915ed952ece5958d1");
  EXPECT_EQ(hex::encode(derive_chain_key({Kdf::hkdf, unhex("000102030405060708090a0b0c0d0e0f")}).value()),
            "4086b4641064e1ae8b63d4eb83ad3e7e878c21ab850a1f6b36c5954be5919e3a");
}

// livekit-client's own snapshot test ("ratchets keys predictably").
TEST(KeyDerivation, UpstreamRatchetSnapshot) {
  const Bytes plain = unhex("000102030405060708090a0b0c0d0e0f10");
  const Bytes iv(12, 0);
  KeyMaterial material = password("password");
  const char* expected[] = {"2ae25e3198124f0137befa508f1386dac837576675d982300b423f667390755ce8",
                            "04a4784cace1110eb0ba6f050ab01d2a13d748e3cb8bdb93554e3ebfba7bf83c93"};
  for (const char* sealed : expected) {
    const KeySet keys = derive_key_set(material).value();
    EXPECT_EQ(hex::encode(crypto::aes_gcm_encrypt(keys.encryption_key, iv, {}, plain).value()), sealed);
    material = ratchet(material).value();
  }
}

TEST(KeyDerivation, PinnedLivekitChains) {
  const auto vectors = testing::load_vectors("keys.json");
  const auto& probe = vectors.at("probe").as_object();
  const Bytes iv = unhex(str(probe.at("iv")));
  const Bytes aad = unhex(str(probe.at("aad")));
  const Bytes plain = unhex(str(probe.at("plaintext")));
  std::size_t checked = 0;
  for (const auto& entry : vectors.at("chains").as_array()) {
    const auto& chain = entry.as_object();
    const KeySize size = chain.at("key_size").as_int64() == 256 ? KeySize::aes256 : KeySize::aes128;
    KeyMaterial material{testing::kdf_named(str(chain.at("kdf"))), unhex(str(chain.at("secret")))};
    for (const auto& step : chain.at("steps").as_array()) {
      const KeySet keys = derive_key_set(material, size).value();
      EXPECT_EQ(keys.encryption_key.size(), static_cast<std::size_t>(size));
      EXPECT_EQ(hex::encode(crypto::aes_gcm_encrypt(keys.encryption_key, iv, aad, plain).value()),
                str(step.at("probe")));
      const KeyMaterial next = ratchet(material).value();
      EXPECT_EQ(next.kdf, material.kdf);
      EXPECT_EQ(hex::encode(next.secret), str(step.at("chain_key")));
      material = next;
      ++checked;
    }
  }
  EXPECT_GE(checked, 25U);
}

TEST(KeyDerivation, RatchetCountComposes) {
  const KeyMaterial start{Kdf::hkdf, Bytes(32, 1)};
  EXPECT_EQ(ratchet(start, 0).value(), start);
  EXPECT_EQ(ratchet(start, 2).value(), ratchet(ratchet(start).value()).value());
  EXPECT_EQ(hex::encode(ratchet(start).value().secret),
            "a39c6222ab110265a5d9ed5d005333d28c0abf4c22f4bfebc36c3ee963b377b5");
}

TEST(KeyDerivation, SaltMatters) {
  const KeyMaterial material{Kdf::hkdf, Bytes(16, 9)};
  EXPECT_NE(derive_chain_key(material, "other salt").value(), derive_chain_key(material).value());
}

}  // namespace
}  // namespace matrixrtc::core::e2ee
