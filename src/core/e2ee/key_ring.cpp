#include "core/e2ee/key_ring.hpp"

#include "core/text.hpp"

namespace matrixrtc::core::e2ee {
namespace {

constexpr std::string_view kSharedRingName = "shared-key";

}  // namespace

KeyProviderOptions KeyProviderOptions::element_call() {
  KeyProviderOptions options;
  options.ratchet_window_size = 10;
  options.keyring_size = kMaxKeyringSize;
  return options;
}

KeyProviderOptions KeyProviderOptions::shared_password() {
  KeyProviderOptions options;
  options.shared_key = true;
  options.ratchet_window_size = 0;
  options.failure_tolerance = -1;
  return options;
}

ParticipantKeyRing::ParticipantKeyRing(KeyProviderOptions options)
    : options_(std::move(options)), slots_(options_.keyring_size), failures_(options_.keyring_size, 0) {}

Result<ParticipantKeyRing> ParticipantKeyRing::create(KeyProviderOptions options) {
  if (options.keyring_size < 1 || options.keyring_size > kMaxKeyringSize) {
    return fail(ErrorCode::invalid_argument,
                cat("key ring size must be between 1 and 256, got ", options.keyring_size));
  }
  return ParticipantKeyRing(std::move(options));
}

Result<void> ParticipantKeyRing::set_key(KeyMaterial material, std::size_t index, bool make_current) {
  auto key_set = derive_key_set(std::move(material), options_.key_size, options_.ratchet_salt);
  if (!key_set) return std::unexpected(std::move(key_set.error()));
  const std::size_t slot = index % slots_.size();
  slots_[slot] = std::move(*key_set);
  if (make_current) {
    current_index_ = slot;
    reset_key_status(slot);
  }
  return {};
}

void ParticipantKeyRing::set_key_set(KeySet key_set, std::size_t index) {
  slots_[index % slots_.size()] = std::move(key_set);
}

const KeySet* ParticipantKeyRing::key_set(std::size_t index) const noexcept {
  if (index >= slots_.size() || !slots_[index]) return nullptr;
  return &*slots_[index];
}

void ParticipantKeyRing::set_current_index(std::size_t index) noexcept {
  current_index_ = index % slots_.size();
  reset_key_status(current_index_);
}

bool ParticipantKeyRing::has_invalid_key_at(std::size_t index) const noexcept {
  return options_.failure_tolerance >= 0 && index < failures_.size() && failures_[index] > options_.failure_tolerance;
}

void ParticipantKeyRing::decryption_failure(std::size_t index) noexcept {
  if (options_.failure_tolerance < 0 || index >= failures_.size()) return;
  // Saturate rather than overflow on a stream of bad frames.
  if (failures_[index] <= options_.failure_tolerance) ++failures_[index];
}

void ParticipantKeyRing::reset_key_status(std::optional<std::size_t> index) noexcept {
  if (!index) {
    std::fill(failures_.begin(), failures_.end(), 0);
  } else if (*index < failures_.size()) {
    failures_[*index] = 0;
  }
}

Result<RatchetResult> ParticipantKeyRing::ratchet_key(std::optional<std::size_t> index, bool store) {
  const std::size_t slot = index.value_or(current_index_);
  const KeySet* current = key_set(slot);
  if (current == nullptr) return fail(ErrorCode::missing_key, cat("cannot ratchet: no key at index ", slot));
  auto chain = derive_chain_key(current->material, options_.ratchet_salt);
  if (!chain) return std::unexpected(std::move(chain.error()));
  RatchetResult result{*chain, KeyMaterial{current->material.kdf, Bytes(chain->begin(), chain->end())}};
  if (store) {
    auto key = derive_key_set(result.material, options_.key_size, options_.ratchet_salt);
    if (!key) return std::unexpected(std::move(key.error()));
    set_key_set(std::move(*key), slot);
    current_index_ = slot % slots_.size();
  }
  return result;
}

Result<KeyRing> KeyRing::create(KeyProviderOptions options) {
  // Validate once here so participant() cannot fail later.
  auto probe = ParticipantKeyRing::create(options);
  if (!probe) return std::unexpected(std::move(probe.error()));
  return KeyRing(std::move(options));
}

Result<void> KeyRing::set_key(std::optional<std::string_view> identity, KeyMaterial material,
                              std::optional<std::size_t> index) {
  if (!options_.shared_key && (!identity || identity->empty())) {
    return fail(ErrorCode::invalid_argument, "a participant identity is required unless the key is shared");
  }
  return participant(identity.value_or(kSharedRingName))
      .set_key(std::move(material), index.value_or(0), index.has_value());
}

Result<RatchetResult> KeyRing::ratchet(std::string_view identity, std::optional<std::size_t> index) {
  ParticipantKeyRing& ring = participant(identity);
  auto result = ring.ratchet_key(index);
  if (result) ring.reset_key_status();
  return result;
}

ParticipantKeyRing& KeyRing::participant(std::string_view identity) {
  const std::string_view name = options_.shared_key ? kSharedRingName : identity;
  auto it = rings_.find(name);
  if (it == rings_.end()) {
    // The options were validated in create().
    it = rings_.emplace(std::string(name), ParticipantKeyRing::create(options_).value()).first;
  }
  return it->second;
}

const ParticipantKeyRing* KeyRing::find(std::string_view identity) const noexcept {
  const auto it = rings_.find(options_.shared_key ? kSharedRingName : identity);
  return it == rings_.end() ? nullptr : &it->second;
}

}  // namespace matrixrtc::core::e2ee
