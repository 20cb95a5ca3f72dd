#include "service/userinfo_cache.hpp"

#include <gtest/gtest.h>

#include <string>

namespace matrixrtc::service {
namespace {

using Outcome = UserInfoCache::Outcome;

constexpr std::int64_t kT0 = 1'000'000;

UserInfoCache::Key key_in_stripe_zero(std::uint8_t n) {
  UserInfoCache::Key key{};
  key[0] = 0;  // the stripe
  key[9] = n;  // the hash bucket
  key[31] = n;
  return key;
}

TEST(UserInfoCacheTest, MissThenHitWithTheSub) {
  UserInfoCache cache({.positive_cap_ms = 60'000, .negative_ms = 5'000});
  const auto key = UserInfoCache::key("example.com", "token");
  EXPECT_EQ(cache.find(key, kT0).outcome, Outcome::miss);
  cache.store_success(key, "@alice:example.com", kT0, std::nullopt);
  const auto found = cache.find(key, kT0 + 1);
  EXPECT_EQ(found.outcome, Outcome::hit);
  EXPECT_EQ(found.sub, "@alice:example.com");
}

TEST(UserInfoCacheTest, PositiveEntryExpiresAtTheCap) {
  UserInfoCache cache({.positive_cap_ms = 60'000, .negative_ms = 5'000});
  const auto key = UserInfoCache::key("example.com", "token");
  cache.store_success(key, "@alice:example.com", kT0, 3600);
  EXPECT_EQ(cache.find(key, kT0 + 59'999).outcome, Outcome::hit);
  EXPECT_EQ(cache.find(key, kT0 + 60'000).outcome, Outcome::miss);
  EXPECT_EQ(cache.size(), 0U) << "an expired entry is dropped when found";
}

TEST(UserInfoCacheTest, PositiveEntryExpiresWithTheTokenWhenSooner) {
  UserInfoCache cache({.positive_cap_ms = 60'000, .negative_ms = 5'000});
  const auto key = UserInfoCache::key("example.com", "token");
  cache.store_success(key, "@alice:example.com", kT0, 10);
  EXPECT_EQ(cache.find(key, kT0 + 9'999).outcome, Outcome::hit);
  EXPECT_EQ(cache.find(key, kT0 + 10'000).outcome, Outcome::miss);
}

TEST(UserInfoCacheTest, ExpiredOrAbsurdExpiresInIsNotKeptOrCapped) {
  UserInfoCache cache({.positive_cap_ms = 60'000, .negative_ms = 5'000});
  const auto expired = UserInfoCache::key("example.com", "expired");
  cache.store_success(expired, "@alice:example.com", kT0, 0);
  EXPECT_EQ(cache.find(expired, kT0).outcome, Outcome::miss);
  const auto negative = UserInfoCache::key("example.com", "negative");
  cache.store_success(negative, "@alice:example.com", kT0, -5);
  EXPECT_EQ(cache.find(negative, kT0).outcome, Outcome::miss);
  const auto huge = UserInfoCache::key("example.com", "huge");
  cache.store_success(huge, "@alice:example.com", kT0, INT64_MAX);
  EXPECT_EQ(cache.find(huge, kT0 + 59'999).outcome, Outcome::hit);
  EXPECT_EQ(cache.find(huge, kT0 + 60'000).outcome, Outcome::miss);
}

TEST(UserInfoCacheTest, FailureIsRememberedForTheNegativeLifetime) {
  UserInfoCache cache({.positive_cap_ms = 60'000, .negative_ms = 5'000});
  const auto key = UserInfoCache::key("example.com", "bad");
  cache.store_failure(key, kT0);
  EXPECT_EQ(cache.find(key, kT0 + 4'999).outcome, Outcome::negative_hit);
  EXPECT_EQ(cache.find(key, kT0 + 5'000).outcome, Outcome::miss);
}

TEST(UserInfoCacheTest, ZeroLifetimesKeepNothing) {
  UserInfoCache cache({.positive_cap_ms = 0, .negative_ms = 0});
  const auto key = UserInfoCache::key("example.com", "token");
  cache.store_success(key, "@alice:example.com", kT0, std::nullopt);
  cache.store_failure(UserInfoCache::key("example.com", "bad"), kT0);
  EXPECT_EQ(cache.find(key, kT0).outcome, Outcome::miss);
  EXPECT_EQ(cache.size(), 0U);
}

TEST(UserInfoCacheTest, KeyIncludesTheServerName) {
  UserInfoCache cache({.positive_cap_ms = 60'000, .negative_ms = 5'000});
  cache.store_success(UserInfoCache::key("example.com", "token"), "@alice:example.com", kT0, std::nullopt);
  EXPECT_EQ(cache.find(UserInfoCache::key("evil.example", "token"), kT0).outcome, Outcome::miss);
  // The separator keeps the boundary: ("a", "bc") is not ("ab", "c").
  EXPECT_NE(UserInfoCache::key("a", "bc"), UserInfoCache::key("ab", "c"));
  EXPECT_EQ(UserInfoCache::key("a", "bc"), UserInfoCache::key("a", "bc"));
}

TEST(UserInfoCacheTest, SuccessReplacesARememberedFailure) {
  UserInfoCache cache({.positive_cap_ms = 60'000, .negative_ms = 5'000});
  const auto key = UserInfoCache::key("example.com", "token");
  cache.store_failure(key, kT0);
  cache.store_success(key, "@alice:example.com", kT0 + 1, std::nullopt);
  EXPECT_EQ(cache.find(key, kT0 + 2).outcome, Outcome::hit);
  EXPECT_EQ(cache.size(), 1U);
}

TEST(UserInfoCacheTest, SizeStaysWithinTheBound) {
  UserInfoCache cache({.positive_cap_ms = 60'000, .negative_ms = 5'000, .max_entries = 64});
  for (int i = 0; i < 5'000; ++i) {
    cache.store_success(UserInfoCache::key("example.com", std::to_string(i)), "@a:example.com", kT0, std::nullopt);
  }
  EXPECT_LE(cache.size(), 64U);
  EXPECT_GE(cache.size(), 48U) << "every stripe fills (SHA-256 spreads keys evenly)";
}

TEST(UserInfoCacheTest, EvictsTheLeastRecentlyUsedEntryOfAStripe) {
  // 32 entries over 16 stripes: two per stripe.
  UserInfoCache cache({.positive_cap_ms = 60'000, .negative_ms = 5'000, .max_entries = 32});
  cache.store_success(key_in_stripe_zero(1), "@one:example.com", kT0, std::nullopt);
  cache.store_success(key_in_stripe_zero(2), "@two:example.com", kT0, std::nullopt);
  EXPECT_EQ(cache.find(key_in_stripe_zero(1), kT0).outcome, Outcome::hit);  // 1 is now the most recent
  cache.store_success(key_in_stripe_zero(3), "@three:example.com", kT0, std::nullopt);
  EXPECT_EQ(cache.find(key_in_stripe_zero(2), kT0).outcome, Outcome::miss);
  EXPECT_EQ(cache.find(key_in_stripe_zero(1), kT0).outcome, Outcome::hit);
  EXPECT_EQ(cache.find(key_in_stripe_zero(3), kT0).outcome, Outcome::hit);
  EXPECT_EQ(cache.size(), 2U);
}

}  // namespace
}  // namespace matrixrtc::service
