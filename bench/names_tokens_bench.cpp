// Costs on the authorization service's hot path: deriving the LiveKit names
// of a request, and minting/verifying its access token.
#include <benchmark/benchmark.h>

#include "core/livekit/access_token.hpp"
#include "core/livekit/names.hpp"
#include "core/livekit/webhook_token.hpp"

namespace {

namespace lk = matrixrtc::core::livekit;

constexpr std::int64_t kNow = 1'795'422'382;

void BM_RoomAlias(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(lk::room_alias("!roomid:example.com", "m.call#ROOM"));
}
BENCHMARK(BM_RoomAlias);

void BM_IdentityWithDevice(benchmark::State& state) {
  for (auto _ : state) {
    benchmark::DoNotOptimize(lk::identity_with_device("@alice:example.com", "DEVICE123", "memberABC"));
  }
}
BENCHMARK(BM_IdentityWithDevice);

lk::AccessTokenClaims member_claims() {
  auto claims = lk::make_claims("APIKEY", "J+T45tGruxc+HrUOqJJlyQSV33m728Cme4+vt8/SWrU", kNow, 3600);
  claims.video = lk::member_video_grant("O8437W3+jmzMVjoIP3tNwbm+XxHQk2iKpOA7aqw3qSc", true, false);
  return claims;
}

void BM_MintAccessToken(benchmark::State& state) {
  const auto claims = member_claims();
  for (auto _ : state) benchmark::DoNotOptimize(lk::mint_access_token(claims, "secret"));
}
BENCHMARK(BM_MintAccessToken);

// What a /get_token answer costs in the core: both names plus the token.
void BM_NamesAndToken(benchmark::State& state) {
  for (auto _ : state) {
    auto claims = member_claims();
    claims.identity = lk::identity_with_device("@alice:example.com", "DEVICE123", "memberABC").value();
    claims.video->room = lk::room_alias("!roomid:example.com", "m.call#ROOM").value();
    benchmark::DoNotOptimize(lk::mint_access_token(claims, "secret"));
  }
}
BENCHMARK(BM_NamesAndToken);

void BM_VerifyAccessToken(benchmark::State& state) {
  const auto token = lk::mint_access_token(member_claims(), "secret").value();
  const lk::VerifyOptions options{.api_key = "APIKEY", .secret = "secret", .now = kNow, .leeway_seconds = 10};
  for (auto _ : state) benchmark::DoNotOptimize(lk::verify_access_token(token, options));
}
BENCHMARK(BM_VerifyAccessToken);

void BM_VerifyWebhook(benchmark::State& state) {
  const std::string body(2048, 'x');
  const auto token = lk::mint_webhook_token("APIKEY", "secret", body, kNow).value();
  const lk::VerifyOptions options{.api_key = "APIKEY", .secret = "secret", .now = kNow, .leeway_seconds = 10};
  for (auto _ : state) benchmark::DoNotOptimize(lk::verify_webhook(token, body, options));
}
BENCHMARK(BM_VerifyWebhook);

}  // namespace

BENCHMARK_MAIN();
