#include "core/e2ee/key_ring.hpp"

#include <gtest/gtest.h>

namespace matrixrtc::core::e2ee {
namespace {

KeyMaterial hkdf_key(std::uint8_t fill) { return {Kdf::hkdf, Bytes(16, fill)}; }

KeyProviderOptions ring_of(std::size_t size, int tolerance = 10) {
  KeyProviderOptions options;
  options.keyring_size = size;
  options.failure_tolerance = tolerance;
  return options;
}

TEST(KeyRing, SizeMustBeOneTo256) {
  EXPECT_EQ(ParticipantKeyRing::create(ring_of(0)).error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(ParticipantKeyRing::create(ring_of(257)).error().code, ErrorCode::invalid_argument);
  EXPECT_TRUE(ParticipantKeyRing::create(ring_of(1)));
  EXPECT_TRUE(ParticipantKeyRing::create(ring_of(256)));
  EXPECT_FALSE(KeyRing::create(ring_of(0)));
}

TEST(KeyRing, PresetsMatchElementCallAndTheSharedPasswordProvider) {
  const auto ec = KeyProviderOptions::element_call();
  EXPECT_EQ(ec.keyring_size, 256U);
  EXPECT_EQ(ec.ratchet_window_size, 10U);
  EXPECT_EQ(ec.failure_tolerance, 10);
  EXPECT_FALSE(ec.shared_key);
  const auto shared = KeyProviderOptions::shared_password();
  EXPECT_TRUE(shared.shared_key);
  EXPECT_EQ(shared.ratchet_window_size, 0U);
  EXPECT_EQ(shared.failure_tolerance, -1);
  EXPECT_EQ(KeyProviderOptions{}.keyring_size, 16U);
}

TEST(KeyRing, SetKeyStoresModuloRingSizeButLookupDoesNotReduce) {
  auto ring = ParticipantKeyRing::create(ring_of(16)).value();
  ASSERT_TRUE(ring.set_key(hkdf_key(1), 17));
  EXPECT_EQ(ring.current_index(), 1U);
  ASSERT_NE(ring.key_set(1), nullptr);
  EXPECT_EQ(ring.key_set(17), nullptr);  // a 256-slot sender's index 17 is a missing key here
  EXPECT_EQ(ring.key_set(0), nullptr);
  EXPECT_EQ(ring.current_key_set(), ring.key_set(1));
}

TEST(KeyRing, SetKeyWithoutMakingCurrent) {
  auto ring = ParticipantKeyRing::create(ring_of(256)).value();
  ASSERT_TRUE(ring.set_key(hkdf_key(1), 3));
  ASSERT_TRUE(ring.set_key(hkdf_key(2), 4, false));
  EXPECT_EQ(ring.current_index(), 3U);
  EXPECT_NE(ring.key_set(4)->encryption_key, ring.key_set(3)->encryption_key);
}

TEST(KeyRing, KeyBecomesInvalidAfterTheEleventhFailure) {
  auto ring = ParticipantKeyRing::create(ring_of(256)).value();
  ASSERT_TRUE(ring.set_key(hkdf_key(1), 2));
  for (int i = 0; i < 10; ++i) ring.decryption_failure(2);
  EXPECT_FALSE(ring.has_invalid_key_at(2));
  ring.decryption_failure(2);
  EXPECT_TRUE(ring.has_invalid_key_at(2));
  EXPECT_FALSE(ring.has_valid_key());
  ring.decryption_success(2);
  EXPECT_TRUE(ring.has_valid_key());
  for (int i = 0; i < 11; ++i) ring.decryption_failure(2);
  ASSERT_TRUE(ring.set_key(hkdf_key(3), 2));  // a new key at that index resets it
  EXPECT_FALSE(ring.has_invalid_key_at(2));
  for (int i = 0; i < 11; ++i) ring.decryption_failure(2);
  ring.reset_key_status();
  EXPECT_FALSE(ring.has_invalid_key_at(2));
}

TEST(KeyRing, NegativeToleranceNeverInvalidates) {
  auto ring = ParticipantKeyRing::create(ring_of(256, -1)).value();
  for (int i = 0; i < 100; ++i) ring.decryption_failure(0);
  EXPECT_FALSE(ring.has_invalid_key_at(0));
  EXPECT_FALSE(ring.has_invalid_key_at(1000));
}

TEST(KeyRing, RatchetKeyReplacesTheSlotAndMakesItCurrent) {
  auto ring = ParticipantKeyRing::create(ring_of(256)).value();
  ASSERT_TRUE(ring.set_key(hkdf_key(1), 5));
  ASSERT_TRUE(ring.set_key(hkdf_key(2), 6));
  const Bytes before = ring.key_set(5)->encryption_key;
  const auto peek = ring.ratchet_key(5, false).value();
  EXPECT_EQ(ring.key_set(5)->encryption_key, before);
  const auto result = ring.ratchet_key(5).value();
  EXPECT_EQ(result.chain_key, peek.chain_key);
  EXPECT_EQ(ring.current_index(), 5U);
  EXPECT_EQ(ring.key_set(5)->material, result.material);
  EXPECT_EQ(ring.key_set(5)->encryption_key, derive_key_set(result.material).value().encryption_key);
  EXPECT_EQ(ring.ratchet_key(9).error().code, ErrorCode::missing_key);
}

TEST(KeyRing, RatchetRequestsClearFailureCounts) {
  auto rings = KeyRing::create(KeyProviderOptions::element_call()).value();
  ASSERT_TRUE(rings.set_key("alice", hkdf_key(1), 4));
  ASSERT_TRUE(rings.set_key("alice", hkdf_key(2), 5));
  for (int i = 0; i < 11; ++i) rings.participant("alice").decryption_failure(5);
  const auto result = rings.ratchet("alice", 4).value();
  EXPECT_EQ(rings.find("alice")->current_index(), 4U);
  EXPECT_FALSE(rings.find("alice")->has_invalid_key_at(5));
  EXPECT_EQ(rings.find("alice")->key_set(4)->material, result.material);
  EXPECT_EQ(rings.ratchet("bob").error().code, ErrorCode::missing_key);
}

TEST(KeyRing, PerParticipantAndSharedModes) {
  auto rings = KeyRing::create(KeyProviderOptions::element_call()).value();
  EXPECT_EQ(rings.set_key(std::nullopt, hkdf_key(1), 0).error().code, ErrorCode::invalid_argument);
  ASSERT_TRUE(rings.set_key("alice", hkdf_key(1), 7));
  EXPECT_EQ(rings.find("alice")->current_index(), 7U);
  EXPECT_EQ(rings.find("bob"), nullptr);
  // Without an index: slot 0, current unchanged.
  ASSERT_TRUE(rings.set_key("alice", hkdf_key(2)));
  EXPECT_EQ(rings.find("alice")->current_index(), 7U);
  EXPECT_NE(rings.find("alice")->key_set(0), nullptr);

  auto shared = KeyRing::create(KeyProviderOptions::shared_password()).value();
  ASSERT_TRUE(shared.set_key(std::nullopt, {Kdf::pbkdf2, Bytes{'p', 'w'}}));
  EXPECT_EQ(&shared.participant("anyone"), &shared.participant("someone else"));
  EXPECT_NE(shared.find("x")->key_set(0), nullptr);
}

}  // namespace
}  // namespace matrixrtc::core::e2ee
