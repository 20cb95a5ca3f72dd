#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <cstdio>
#include <fstream>

#include "core/livekit/access_token.hpp"
#include "core/livekit/webhook_token.hpp"
#include "programs/matrixrtc/run_cli.hpp"

namespace matrixrtc::cli::testing {
namespace {

namespace lk = core::livekit;

lk::VerifyOptions options() { return {.api_key = "APIKEY", .secret = "secret", .now = kNow, .leeway_seconds = 10}; }

std::string trimmed(std::string text) {
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

TEST(TokenCommand, MintGrantsWhatAFullAccessMemberGets) {
  const auto run =
      run_cli({"token", "mint", "--key", "APIKEY", "--secret", "secret", "--identity", "id", "--room", "r"});
  ASSERT_EQ(run.status, kOk) << run.err;
  const auto verified = lk::verify_access_token(trimmed(run.out), options());
  ASSERT_TRUE(verified) << verified.error().message;
  const auto& claims = verified->claims;
  EXPECT_EQ(claims.identity, "id");
  EXPECT_EQ(claims.not_before, kNow);
  EXPECT_EQ(claims.expires_at, kNow + 3600);
  ASSERT_TRUE(claims.video);
  EXPECT_EQ(claims.video->room, "r");
  EXPECT_EQ(claims.video->room_join, true);
  EXPECT_EQ(claims.video->room_create, false);
  EXPECT_EQ(claims.video->can_publish, true);
  EXPECT_EQ(claims.video->can_subscribe, true);
  EXPECT_EQ(claims.video->can_update_own_metadata, false);
  EXPECT_EQ(claims.video->hidden, false);
}

TEST(TokenCommand, MintAppliesGrantsTtlAndClock) {
  const auto run = run_cli({"token",      "mint",
                            "--identity", "id",
                            "--room",     "r",
                            "--ttl",      "60",
                            "--now",      "1000",
                            "--grant",    "canPublish=false",
                            "--grant",    "roomAdmin=true",
                            "--grant",    "name=Al ice",
                            "--grant",    "metadata={}",
                            "--grant",    "attributes.k=v",
                            "--grant",    "canPublishSources=camera,microphone",
                            "--grant",    "room=other"},
                           {{"LIVEKIT_KEY", "APIKEY"}, {"LIVEKIT_SECRET", "secret"}});
  ASSERT_EQ(run.status, kOk) << run.err;
  auto opts = options();
  opts.now = 1000;
  const auto claims = lk::verify_access_token(trimmed(run.out), opts).value().claims;
  EXPECT_EQ(claims.expires_at, 1060);
  EXPECT_EQ(claims.video->can_publish, false);
  EXPECT_EQ(claims.video->room_admin, true);
  EXPECT_EQ(claims.video->room, "other");
  EXPECT_EQ(claims.name, "Al ice");
  EXPECT_EQ(claims.metadata, "{}");
  EXPECT_EQ(claims.attributes->at("k"), "v");
  EXPECT_EQ(claims.video->can_publish_sources, (std::vector<std::string>{"camera", "microphone"}));
}

TEST(TokenCommand, MintJsonShowsClaims) {
  const auto run =
      run_cli({"token", "mint", "--key", "K", "--secret", "S", "--identity", "i", "--room", "r", "--json"});
  ASSERT_EQ(run.status, kOk);
  const auto json = boost::json::parse(run.out);
  EXPECT_EQ(json.at("claims").at("iss").as_string(), "K");
  EXPECT_EQ(json.at("claims").at("video").at("room").as_string(), "r");
  EXPECT_TRUE(json.at("jwt").is_string());
}

TEST(TokenCommand, MintUsageErrors) {
  const std::map<std::string, std::string> keys{{"LIVEKIT_KEY", "K"}, {"LIVEKIT_SECRET", "S"}};
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"token", "mint", "--room", "r"},
           {"token", "mint", "--identity", "i"},
           {"token", "mint", "--identity", "i", "--room", "r", "--ttl", "0"},
           {"token", "mint", "--identity", "i", "--room", "r", "--ttl", "x"},
           {"token", "mint", "--identity", "i", "--room", "r", "--grant", "canPublish=maybe"},
           {"token", "mint", "--identity", "i", "--room", "r", "--grant", "flying=true"},
           {"token", "mint", "--identity", "i", "--room", "r", "--grant", "novalue"},
           {"token", "mint", "--identity", "i", "--room", "r", "extra"},
           {"token"},
           {"token", "burn"},
       }) {
    EXPECT_EQ(run_cli(args, keys).status, kUsage) << args.back();
  }
  const auto no_key = run_cli({"token", "mint", "--identity", "i", "--room", "r"});
  EXPECT_EQ(no_key.status, kUsage);
  EXPECT_NE(no_key.err.find("no API key: give --key or set LIVEKIT_KEY"), std::string::npos);
}

TEST(TokenCommand, VerifyPrintsClaimsOrReason) {
  const auto jwt = trimmed(
      run_cli({"token", "mint", "--key", "APIKEY", "--secret", "secret", "--identity", "i", "--room", "r"}).out);
  const auto ok = run_cli({"token", "verify", "--key", "APIKEY", "--secret", "secret", jwt});
  EXPECT_EQ(ok.status, kOk);
  EXPECT_EQ(boost::json::parse(ok.out).at("sub").as_string(), "i");

  const auto bad = run_cli({"token", "verify", "--key", "APIKEY", "--secret", "wrong", jwt});
  EXPECT_EQ(bad.status, kFailed);
  EXPECT_EQ(bad.err, "matrixrtc token: signature does not match\n");

  const auto bad_json = run_cli({"token", "verify", "--key", "APIKEY", "--secret", "wrong", "--json", jwt});
  EXPECT_EQ(bad_json.status, kFailed);
  EXPECT_EQ(bad_json.out, R"({"valid":false,"error":"bad_signature","reason":"signature does not match"})"
                          "\n");

  const auto expired = run_cli(
      {"token", "verify", "--key", "APIKEY", "--secret", "secret", "--now", std::to_string(kNow + 3600 + 10), jwt});
  EXPECT_EQ(expired.status, kFailed);
  EXPECT_EQ(expired.err, "matrixrtc token: token has expired\n");
  const auto lenient = run_cli({"token", "verify", "--key", "APIKEY", "--secret", "secret", "--leeway", "60", "--now",
                                std::to_string(kNow + 3600 + 10), jwt});
  EXPECT_EQ(lenient.status, kOk);
  EXPECT_EQ(run_cli({"token", "verify", "--key", "K", "--secret", "S"}).status, kUsage);
  EXPECT_EQ(run_cli({"token", "verify", "--key", "K", "--secret", "S", "a.b.c"}).status, kFailed);
}

TEST(TokenCommand, WebhookRoundTripThroughFiles) {
  const std::string path = ::testing::TempDir() + "webhook_body.json";
  {
    std::ofstream file(path, std::ios::binary);
    file << R"({"event":"room_started"})";
  }
  const std::map<std::string, std::string> keys{{"LIVEKIT_KEY", "APIKEY"}, {"LIVEKIT_SECRET", "secret"}};
  const auto minted = run_cli({"token", "mint-webhook", "--body", path}, keys);
  ASSERT_EQ(minted.status, kOk) << minted.err;
  const auto token = trimmed(minted.out);
  EXPECT_TRUE(lk::verify_webhook(token, R"({"event":"room_started"})", options()));
  const auto verified = run_cli({"token", "verify-webhook", "--body", path, "Bearer " + token}, keys);
  EXPECT_EQ(verified.status, kOk) << verified.err;
  {
    std::ofstream file(path, std::ios::binary);
    file << R"({"event":"room_finished"})";
  }
  const auto changed = run_cli({"token", "verify-webhook", "--body", path, "--json", token}, keys);
  EXPECT_EQ(changed.status, kFailed);
  EXPECT_EQ(boost::json::parse(changed.out).at("error").as_string(), "body_hash_mismatch");
  EXPECT_EQ(run_cli({"token", "verify-webhook", "--body", path + ".missing", token}, keys).status, kUsage);
  EXPECT_EQ(run_cli({"token", "verify-webhook", token}, keys).status, kUsage);
  std::remove(path.c_str());
}

}  // namespace
}  // namespace matrixrtc::cli::testing
