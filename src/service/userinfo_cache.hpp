// Remembers what homeservers answered to OpenID userinfo lookups, so a client
// that asks for several tokens with one OpenID token (or retries) costs its
// homeserver one request. Process-wide: every shard thread shares it, so the
// map is split into stripes with a mutex each, and every stripe evicts its
// least recently used entry when full.
//
// The key is SHA-256 over (matrix_server_name, 0 byte, access_token): the raw
// token is never kept, and the same token presented for another server name
// is another entry. A positive entry lives at most the cap and at most the
// token's `expires_in` counted from when we first saw it (it was issued
// earlier, so that bounds its real remaining lifetime). Any failed lookup is
// remembered for a few seconds so a flood of bad tokens does not become a
// flood of homeserver requests. Time is an argument (milliseconds).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/crypto/digest.hpp"

namespace matrixrtc::service {

struct UserInfoCacheOptions {
  std::int64_t positive_cap_ms = 60'000;  ///< 0: successes are not kept
  std::int64_t negative_ms = 5'000;       ///< 0: failures are not kept
  std::size_t max_entries = 20'000;       ///< over all stripes; see docs/security.md for the size
};

class UserInfoCache {
 public:
  using Key = core::crypto::Sha256Digest;
  enum class Outcome { miss, hit, negative_hit };
  struct Found {
    Outcome outcome = Outcome::miss;
    std::string sub;  ///< set on a hit
  };

  explicit UserInfoCache(UserInfoCacheOptions options);

  [[nodiscard]] static Key key(std::string_view server_name, std::string_view access_token);

  [[nodiscard]] Found find(const Key& key, std::int64_t now_ms);
  /// `expires_in_seconds`: the lifetime the client gave for its token, if any.
  void store_success(const Key& key, std::string sub, std::int64_t now_ms,
                     std::optional<std::int64_t> expires_in_seconds);
  void store_failure(const Key& key, std::int64_t now_ms);

  [[nodiscard]] std::size_t size() const;
  [[nodiscard]] const UserInfoCacheOptions& options() const { return options_; }

  static constexpr std::size_t kStripes = 16;

 private:
  struct KeyHash {
    std::size_t operator()(const Key& key) const noexcept;
  };
  struct Entry {
    Key key;
    std::optional<std::string> sub;  ///< nullopt: a remembered failure
    std::int64_t expires_ms;
  };
  struct Stripe {
    mutable std::mutex mutex;
    std::list<Entry> entries;  ///< most recently used first
    std::unordered_map<Key, std::list<Entry>::iterator, KeyHash> index;
  };
  void store(const Key& key, std::optional<std::string> sub, std::int64_t expires_ms);
  Stripe& stripe_of(const Key& key) { return stripes_[key[0] % kStripes]; }

  UserInfoCacheOptions options_;
  std::size_t per_stripe_;
  std::array<Stripe, kStripes> stripes_;
};

}  // namespace matrixrtc::service
