#include "service/userinfo_cache.hpp"

#include <algorithm>
#include <cstring>

namespace matrixrtc::service {

UserInfoCache::UserInfoCache(UserInfoCacheOptions options)
    : options_(options), per_stripe_(std::max<std::size_t>(1, options.max_entries / kStripes)) {}

UserInfoCache::Key UserInfoCache::key(std::string_view server_name, std::string_view access_token) {
  // The 0 byte cannot occur in a server name, so ("a", "bc") and ("ab", "c") differ.
  std::string material;
  material.reserve(server_name.size() + 1 + access_token.size());
  material.append(server_name);
  material.push_back('\0');
  material.append(access_token);
  return core::crypto::sha256(material);
}

std::size_t UserInfoCache::KeyHash::operator()(const Key& key) const noexcept {
  // Already uniformly distributed: any 8 bytes will do (byte 0 picks the stripe).
  std::size_t value = 0;
  std::memcpy(&value, key.data() + 8, sizeof value);
  return value;
}

UserInfoCache::Found UserInfoCache::find(const Key& key, std::int64_t now_ms) {
  Stripe& stripe = stripe_of(key);
  const std::scoped_lock lock(stripe.mutex);
  const auto it = stripe.index.find(key);
  if (it == stripe.index.end()) return {};
  const auto entry = it->second;
  if (entry->expires_ms <= now_ms) {
    stripe.entries.erase(entry);
    stripe.index.erase(it);
    return {};
  }
  stripe.entries.splice(stripe.entries.begin(), stripe.entries, entry);
  if (!entry->sub) return {Outcome::negative_hit, {}};
  return {Outcome::hit, *entry->sub};
}

void UserInfoCache::store_success(const Key& key, std::string sub, std::int64_t now_ms,
                                  std::optional<std::int64_t> expires_in_seconds) {
  std::int64_t lifetime_ms = options_.positive_cap_ms;
  if (expires_in_seconds) {
    // Saturate instead of overflowing on absurd client values.
    const std::int64_t seconds = std::clamp<std::int64_t>(*expires_in_seconds, 0, lifetime_ms / 1000 + 1);
    lifetime_ms = std::min(lifetime_ms, seconds * 1000);
  }
  if (lifetime_ms <= 0) return;
  store(key, std::move(sub), now_ms + lifetime_ms);
}

void UserInfoCache::store_failure(const Key& key, std::int64_t now_ms) {
  if (options_.negative_ms <= 0) return;
  store(key, std::nullopt, now_ms + options_.negative_ms);
}

void UserInfoCache::store(const Key& key, std::optional<std::string> sub, std::int64_t expires_ms) {
  Stripe& stripe = stripe_of(key);
  const std::scoped_lock lock(stripe.mutex);
  if (const auto it = stripe.index.find(key); it != stripe.index.end()) {
    it->second->sub = std::move(sub);
    it->second->expires_ms = expires_ms;
    stripe.entries.splice(stripe.entries.begin(), stripe.entries, it->second);
    return;
  }
  if (stripe.entries.size() >= per_stripe_) {
    stripe.index.erase(stripe.entries.back().key);
    stripe.entries.pop_back();
  }
  stripe.entries.push_front(Entry{key, std::move(sub), expires_ms});
  stripe.index.emplace(key, stripe.entries.begin());
}

std::size_t UserInfoCache::size() const {
  std::size_t total = 0;
  for (const auto& stripe : stripes_) {
    const std::scoped_lock lock(stripe.mutex);
    total += stripe.entries.size();
  }
  return total;
}

}  // namespace matrixrtc::service
