// Key rings as livekit-client 2.23's key provider and worker keep them
// (BaseKeyProvider, ParticipantKeyHandler): per participant identity, or one
// ring for everyone in shared-key mode; a fixed number of slots; one current
// slot used for sending; failure counting that stops trying a key that keeps
// failing; and ratcheting. The same semantics on both sides matter because
// the sender writes its current slot number into every frame and the
// receiver looks the key up by that number, without reducing it modulo its
// own ring size: all participants must use the same ring size (256 in
// Element Call and MSC4195).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/e2ee/key_derivation.hpp"
#include "core/error.hpp"

namespace matrixrtc::core::e2ee {

/// The largest ring livekit-client allows, and what Element Call and MSC4195 use.
inline constexpr std::size_t kMaxKeyringSize = 256;

/// livekit-client's KeyProviderOptions. Defaults are livekit-client's own.
struct KeyProviderOptions {
  bool shared_key = false;
  std::string ratchet_salt{kDefaultRatchetSalt};
  /// How many ratchet steps a receiver tries when a frame fails to decrypt.
  unsigned ratchet_window_size = 8;
  /// Failures tolerated per slot before its key is treated as invalid; < 0: never.
  int failure_tolerance = 10;
  std::size_t keyring_size = 16;
  KeySize key_size = KeySize::aes128;

  /// Element Call's per-participant MatrixKeyProvider: window 10, ring 256.
  [[nodiscard]] static KeyProviderOptions element_call();
  /// livekit-client's ExternalE2EEKeyProvider (a shared password): shared,
  /// window 0, tolerance −1. Element Call uses this for `password=` links.
  [[nodiscard]] static KeyProviderOptions shared_password();
};

struct RatchetResult {
  ChainKey chain_key;    ///< what livekit-client's KeyRatcheted event carries
  KeyMaterial material;  ///< the chain key as material of the same algorithm
};

/// One participant's ring (livekit-client's ParticipantKeyHandler).
class ParticipantKeyRing {
 public:
  /// Fails unless 1 ≤ keyring_size ≤ 256.
  [[nodiscard]] static Result<ParticipantKeyRing> create(KeyProviderOptions options);

  /// Derives the frame key from `material` and stores it at
  /// `index % keyring_size`; with `make_current`, that slot becomes current
  /// and its failure count is reset.
  [[nodiscard]] Result<void> set_key(KeyMaterial material, std::size_t index = 0, bool make_current = true);
  /// Stores an already derived key set (no failure reset, current unchanged).
  void set_key_set(KeySet key_set, std::size_t index);

  /// The key at `index` exactly (not reduced modulo the ring size, as
  /// livekit-client's getKeySet); nullptr if the slot is empty or beyond the ring.
  [[nodiscard]] const KeySet* key_set(std::size_t index) const noexcept;
  [[nodiscard]] const KeySet* current_key_set() const noexcept { return key_set(current_index_); }

  [[nodiscard]] std::size_t current_index() const noexcept { return current_index_; }
  /// Makes `index % keyring_size` current and resets its failure count.
  void set_current_index(std::size_t index) noexcept;

  /// True once the slot failed more than `failure_tolerance` times in a row.
  [[nodiscard]] bool has_invalid_key_at(std::size_t index) const noexcept;
  [[nodiscard]] bool has_valid_key() const noexcept { return !has_invalid_key_at(current_index_); }
  void decryption_failure(std::size_t index) noexcept;
  void decryption_success(std::size_t index) noexcept { reset_key_status(index); }
  /// Resets one slot's failure count, or every slot's when `index` is empty.
  void reset_key_status(std::optional<std::size_t> index = std::nullopt) noexcept;

  /// Ratchets the material at `index` (default: current). With `store`, the
  /// ratcheted key replaces that slot and becomes current, as a
  /// `ratchetKey()` request does in livekit-client.
  [[nodiscard]] Result<RatchetResult> ratchet_key(std::optional<std::size_t> index = std::nullopt, bool store = true);

  [[nodiscard]] const KeyProviderOptions& options() const noexcept { return options_; }

 private:
  explicit ParticipantKeyRing(KeyProviderOptions options);

  KeyProviderOptions options_;
  std::vector<std::optional<KeySet>> slots_;
  std::vector<int> failures_;
  std::size_t current_index_ = 0;
};

/// All rings of a session (livekit-client's key provider plus the worker's
/// map of handlers). In shared-key mode every identity maps to one ring.
class KeyRing {
 public:
  [[nodiscard]] static Result<KeyRing> create(KeyProviderOptions options);

  /// livekit-client's onSetEncryptionKey: an explicit index also makes it
  /// current; without one the key goes to slot 0 and current is unchanged.
  /// Fails without an identity unless in shared-key mode.
  [[nodiscard]] Result<void> set_key(std::optional<std::string_view> identity, KeyMaterial material,
                                     std::optional<std::size_t> index = std::nullopt);

  /// A ratchet request (livekit-client's `ratchetKey()` on the key
  /// provider): ratchets the slot (default: current), stores the result,
  /// makes it current and clears all failure counts of that ring.
  [[nodiscard]] Result<RatchetResult> ratchet(std::string_view identity,
                                              std::optional<std::size_t> index = std::nullopt);

  /// The ring used for `identity` (the shared one in shared-key mode),
  /// created empty on first use.
  [[nodiscard]] ParticipantKeyRing& participant(std::string_view identity);
  /// nullptr when no key was ever set for `identity` (ignored in shared mode).
  [[nodiscard]] const ParticipantKeyRing* find(std::string_view identity) const noexcept;

  [[nodiscard]] const KeyProviderOptions& options() const noexcept { return options_; }

 private:
  explicit KeyRing(KeyProviderOptions options) : options_(std::move(options)) {}

  KeyProviderOptions options_;
  std::map<std::string, ParticipantKeyRing, std::less<>> rings_;
};

}  // namespace matrixrtc::core::e2ee
