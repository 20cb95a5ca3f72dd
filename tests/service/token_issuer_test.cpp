#include "service/token_issuer.hpp"

#include <gtest/gtest.h>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/livekit/access_token.hpp"
#include "core/livekit/names.hpp"
#include "service/fakes.hpp"
#include "service/memory_rate_limiter.hpp"

namespace matrixrtc::service {
namespace {

using testing::FakeRooms;
using testing::FakeUserInfo;
using testing::run;
namespace authz = core::authz;
namespace lk = core::livekit;

constexpr std::int64_t kNow = 1'795'422'382;

Config make_config() {
  Config config;
  config.livekit_url = "wss://sfu.example.com/livekit/sfu";
  config.key = "APIKEY";
  config.secret = "secret";
  config.full_access_homeservers = {"example.com"};
  return config;
}

class TokenIssuerTest : public ::testing::Test {
 protected:
  TokenIssuerTest() {
    users_.subs = {{"alice-token", "@alice:example.com"},
                   {"bob-token", "@bob:remote.org"},
                   {"liar-token", "@alice:example.com"},
                   {"garbage-token", "not a user"}};
  }
  lk::AccessTokenClaims verify(const std::string& jwt) {
    const lk::VerifyOptions options{.api_key = "APIKEY", .secret = "secret", .now = kNow, .leeway_seconds = 0};
    auto verified = lk::verify_access_token(jwt, options);
    EXPECT_TRUE(verified) << verified.error().message;
    return verified->claims;
  }
  authz::GetTokenRequest get_token_request(std::string token, std::string server, std::string claimed_user) {
    authz::GetTokenRequest request;
    request.room_id = "!roomid:example.com";
    request.slot_id = "m.call#ROOM";
    request.openid_token.access_token = std::move(token);
    request.openid_token.matrix_server_name = std::move(server);
    request.member = {"memberABC", std::move(claimed_user), "DEVICE123"};
    return request;
  }
  authz::SfuGetRequest sfu_request(std::string token, std::string server) {
    authz::SfuGetRequest request;
    request.room = "!room:example.com";
    request.device_id = "DEVICE123";
    request.openid_token.access_token = std::move(token);
    request.openid_token.matrix_server_name = std::move(server);
    return request;
  }

  Config config_ = make_config();
  FakeUserInfo users_;
  FakeRooms rooms_;
  testing::FakeDelegation delegation_;
  TokenIssuer issuer_{config_, users_, rooms_, delegation_, [] { return kNow; }};
  IssueOutcome outcome_;
};

TEST_F(TokenIssuerTest, GetTokenForFullAccessUser) {
  const auto answer =
      run(issuer_.get_token(get_token_request("alice-token", "example.com", "@alice:example.com"), outcome_));
  ASSERT_TRUE(answer) << answer.error().error;
  EXPECT_EQ(answer->url, "wss://sfu.example.com/livekit/sfu");
  const auto claims = verify(answer->jwt);
  EXPECT_EQ(claims.identity, "J+T45tGruxc+HrUOqJJlyQSV33m728Cme4+vt8/SWrU");
  EXPECT_EQ(claims.video->room, lk::room_alias("!roomid:example.com", "m.call#ROOM").value());
  EXPECT_EQ(claims.not_before, kNow);
  EXPECT_EQ(claims.expires_at, kNow + 3600);
  EXPECT_EQ(claims.video->room_join, true);
  EXPECT_EQ(claims.video->room_create, false);
  EXPECT_EQ(claims.video->can_publish, true);
  EXPECT_EQ(claims.video->can_subscribe, true);
  EXPECT_EQ(claims.video->can_update_own_metadata, false);
  EXPECT_EQ(claims.video->hidden, false);
  ASSERT_EQ(rooms_.calls.size(), 1U);
  EXPECT_EQ(rooms_.calls[0].name, claims.video->room);
  EXPECT_EQ(rooms_.calls[0].empty_timeout, 300U);
  EXPECT_EQ(rooms_.calls[0].departure_timeout, 20U);
  EXPECT_EQ(rooms_.calls[0].max_participants, 0U);
  EXPECT_EQ(users_.calls, (std::vector<std::pair<std::string, std::string>>{{"example.com", "alice-token"}}));
}

TEST_F(TokenIssuerTest, RemoteUsersSubscribeOnlyAndCreateNoRoom) {
  const auto answer = run(issuer_.get_token(get_token_request("bob-token", "remote.org", "@bob:remote.org"), outcome_));
  ASSERT_TRUE(answer);
  EXPECT_EQ(verify(answer->jwt).video->can_publish, false);
  EXPECT_TRUE(rooms_.calls.empty());
  config_.restricted_can_publish = true;
  const auto allowed =
      run(issuer_.get_token(get_token_request("bob-token", "remote.org", "@bob:remote.org"), outcome_));
  EXPECT_EQ(verify(allowed->jwt).video->can_publish, true);
}

TEST_F(TokenIssuerTest, ConfiguredTtlRoomParametersAndMetadataGrant) {
  config_.token_ttl_seconds = 600;
  config_.room_empty_timeout_seconds = 60;
  config_.room_departure_timeout_seconds = 5;
  config_.room_max_participants = 8;
  config_.can_update_own_metadata = true;
  const auto answer =
      run(issuer_.get_token(get_token_request("alice-token", "example.com", "@alice:example.com"), outcome_));
  const auto claims = verify(answer->jwt);
  EXPECT_EQ(claims.expires_at, kNow + 600);
  EXPECT_EQ(claims.video->can_update_own_metadata, true);
  EXPECT_EQ(rooms_.calls[0].empty_timeout, 60U);
  EXPECT_EQ(rooms_.calls[0].departure_timeout, 5U);
  EXPECT_EQ(rooms_.calls[0].max_participants, 8U);
}

template <class T>
void expect_error(const std::expected<T, authz::ApiError>& answer, const authz::ApiError& error) {
  ASSERT_FALSE(answer);
  EXPECT_EQ(answer.error(), error);
}

TEST_F(TokenIssuerTest, UnknownTokenIsUnauthorised) {
  expect_error(run(issuer_.get_token(get_token_request("nope", "example.com", "@alice:example.com"), outcome_)),
               authz::unauthorized());
  EXPECT_EQ(outcome_.detail, "OpenID validation failed: HTTP 401 from homeserver");
  EXPECT_TRUE(rooms_.calls.empty());
}

TEST_F(TokenIssuerTest, BlocklistedServerIsUnauthorisedWithoutAnyLookup) {
  config_.homeserver_blocklist = {"*.org"};
  expect_error(run(issuer_.get_token(get_token_request("bob-token", "REMOTE.org", "@bob:remote.org"), outcome_)),
               authz::unauthorized());
  EXPECT_EQ(outcome_.detail, "homeserver REMOTE.org is refused by LIVEKIT_HOMESERVER_BLOCKLIST entry *.org");
  expect_error(run(issuer_.sfu_get(sfu_request("bob-token", "remote.org"), outcome_)), authz::unauthorized());
  EXPECT_TRUE(users_.calls.empty());
  EXPECT_TRUE(rooms_.calls.empty());
  // Others still pass.
  EXPECT_TRUE(run(issuer_.get_token(get_token_request("alice-token", "example.com", "@alice:example.com"), outcome_)));
}

TEST_F(TokenIssuerTest, AllowlistAdmitsOnlyListedServers) {
  config_.homeserver_allowlist = {"example.com"};
  expect_error(run(issuer_.get_token(get_token_request("bob-token", "remote.org", "@bob:remote.org"), outcome_)),
               authz::unauthorized());
  EXPECT_EQ(outcome_.detail, "homeserver remote.org is not on LIVEKIT_HOMESERVER_ALLOWLIST");
  EXPECT_TRUE(users_.calls.empty());
  EXPECT_TRUE(run(issuer_.get_token(get_token_request("alice-token", "example.com", "@alice:example.com"), outcome_)));
  EXPECT_EQ(users_.calls.size(), 1u);
  // The blocklist wins over the allowlist.
  config_.homeserver_blocklist = {"example.com"};
  expect_error(run(issuer_.get_token(get_token_request("alice-token", "example.com", "@alice:example.com"), outcome_)),
               authz::unauthorized());
  EXPECT_EQ(users_.calls.size(), 1u);
}

TEST_F(TokenIssuerTest, SubMustBelongToTheServerThatVouchedForIt) {
  // remote.org's homeserver answers with a user of example.com (a full-access server).
  users_.subs["evil-token"] = "@alice:example.com";
  expect_error(run(issuer_.get_token(get_token_request("evil-token", "remote.org", "@alice:example.com"), outcome_)),
               authz::unauthorized());
  EXPECT_EQ(outcome_.detail, "homeserver remote.org vouched for a user of example.com");
  expect_error(run(issuer_.sfu_get(sfu_request("evil-token", "remote.org"), outcome_)), authz::unauthorized());
  expect_error(run(issuer_.sfu_get(sfu_request("garbage-token", "example.com"), outcome_)), authz::unauthorized());
  EXPECT_TRUE(rooms_.calls.empty());
}

TEST_F(TokenIssuerTest, ClaimedUserMustMatch) {
  expect_error(
      run(issuer_.get_token(get_token_request("alice-token", "example.com", "@mallory:example.com"), outcome_)),
      authz::unauthorized());
  EXPECT_EQ(outcome_.detail, "OpenID user is not member.claimed_user_id");
}

TEST_F(TokenIssuerTest, DelegationOnlyForFullAccess) {
  auto request = get_token_request("bob-token", "remote.org", "@bob:remote.org");
  request.delayed_leave = authz::DelayedLeave{"d1", 30000};
  expect_error(run(issuer_.get_token(request, outcome_)),
               authz::bad_json("Delegation of delayed events is only supported for full access users"));
  auto legacy = sfu_request("bob-token", "remote.org");
  legacy.delayed_leave = authz::DelayedLeave{"d1", 30000};
  expect_error(run(issuer_.sfu_get(legacy, outcome_)),
               authz::bad_json("Delegation of delayed events is only supported for full access users"));
  EXPECT_TRUE(delegation_.jobs.empty());
  EXPECT_TRUE(delegation_.checked.empty());
}

TEST_F(TokenIssuerTest, GetTokenWithDelayAddsAJobThatAlsoKnowsTheLegacyIdentity) {
  auto request = get_token_request("alice-token", "example.com", "@alice:example.com");
  request.delayed_leave = authz::DelayedLeave{"syd_1", 30000};
  const auto answer = run(issuer_.get_token(request, outcome_));
  ASSERT_TRUE(answer) << answer.error().error;
  ASSERT_EQ(delegation_.jobs.size(), 1U);
  const auto& job = delegation_.jobs[0];
  EXPECT_EQ(job.server_name, "example.com");
  EXPECT_EQ(job.delay_id, "syd_1");
  EXPECT_EQ(job.delay_timeout_ms, 30000);
  EXPECT_EQ(job.room, lk::room_alias("!roomid:example.com", "m.call#ROOM").value());
  EXPECT_EQ(job.identity, verify(answer->jwt).identity);
  EXPECT_EQ(job.alternative_identities, std::vector<std::string>{"@alice:example.com:DEVICE123"});
  EXPECT_EQ(delegation_.checked, std::vector<std::string>{"example.com"});
}

TEST_F(TokenIssuerTest, SfuGetWithDelayAddsAJobForThePlainIdentity) {
  auto request = sfu_request("alice-token", "example.com");
  request.delayed_leave = authz::DelayedLeave{"syd_2", 10000};
  const auto answer = run(issuer_.sfu_get(request, outcome_));
  ASSERT_TRUE(answer) << answer.error().error;
  ASSERT_EQ(delegation_.jobs.size(), 1U);
  EXPECT_EQ(delegation_.jobs[0].identity, "@alice:example.com:DEVICE123");
  EXPECT_EQ(delegation_.jobs[0].room, "krj2dgxw2K6EOm9he4GfQJ6JsSVWfJ8a7BkyjZcSmxs");
  EXPECT_TRUE(delegation_.jobs[0].alternative_identities.empty());
}

TEST_F(TokenIssuerTest, UnresolvableClientServerApiIs400BeforeTheRoomIsCreated) {
  delegation_.unresolvable = true;
  auto request = get_token_request("alice-token", "example.com", "@alice:example.com");
  request.delayed_leave = authz::DelayedLeave{"syd_1", 30000};
  expect_error(run(issuer_.get_token(request, outcome_)), authz::cs_api_unresolvable());
  EXPECT_TRUE(rooms_.calls.empty());
  EXPECT_TRUE(delegation_.jobs.empty());
}

authz::DelegateRequest delegate_request(std::string token, std::string server, std::string claimed_user) {
  authz::DelegateRequest request;
  request.room_id = "!roomid:example.com";
  request.slot_id = "m.call#ROOM";
  request.openid_token.access_token = std::move(token);
  request.openid_token.matrix_server_name = std::move(server);
  request.member = {"memberABC", std::move(claimed_user), "DEVICE123"};
  request.delayed_leave = {"syd_3", 20000};
  return request;
}

TEST_F(TokenIssuerTest, DelegateAddsTheJobWithoutRoomOrToken) {
  const auto answer =
      run(issuer_.delegate(delegate_request("alice-token", "example.com", "@alice:example.com"), outcome_));
  ASSERT_TRUE(answer) << answer.error().error;
  EXPECT_TRUE(rooms_.calls.empty());
  ASSERT_EQ(delegation_.jobs.size(), 1U);
  EXPECT_EQ(delegation_.jobs[0].identity, "J+T45tGruxc+HrUOqJJlyQSV33m728Cme4+vt8/SWrU");
  EXPECT_EQ(delegation_.jobs[0].alternative_identities, std::vector<std::string>{"@alice:example.com:DEVICE123"});
  EXPECT_EQ(delegation_.jobs[0].delay_timeout_ms, 20000);
}

TEST_F(TokenIssuerTest, DelegateErrorsAreTheReferences) {
  expect_error(run(issuer_.delegate(delegate_request("nobody", "example.com", "@alice:example.com"), outcome_)),
               authz::unauthorized());
  expect_error(run(issuer_.delegate(delegate_request("alice-token", "example.com", "@bob:example.com"), outcome_)),
               authz::unauthorized());
  expect_error(run(issuer_.delegate(delegate_request("bob-token", "remote.org", "@bob:remote.org"), outcome_)),
               authz::delegation_forbidden());
  delegation_.unresolvable = true;
  expect_error(run(issuer_.delegate(delegate_request("alice-token", "example.com", "@alice:example.com"), outcome_)),
               authz::cs_api_unresolvable());
  EXPECT_TRUE(delegation_.jobs.empty());
}

TEST_F(TokenIssuerTest, RoomCreationFailureIs500) {
  rooms_.fail = true;
  expect_error(run(issuer_.get_token(get_token_request("alice-token", "example.com", "@alice:example.com"), outcome_)),
               authz::room_creation_failed());
  EXPECT_EQ(outcome_.detail, "CreateRoom failed: LiveKit unreachable");
}

TEST_F(TokenIssuerTest, LegacySfuGetUsesPlainIdentityAndRoomSlot) {
  const auto answer = run(issuer_.sfu_get(sfu_request("alice-token", "example.com"), outcome_));
  ASSERT_TRUE(answer);
  const auto claims = verify(answer->jwt);
  EXPECT_EQ(claims.identity, "@alice:example.com:DEVICE123");
  EXPECT_EQ(claims.video->room, "krj2dgxw2K6EOm9he4GfQJ6JsSVWfJ8a7BkyjZcSmxs");
  EXPECT_EQ(rooms_.calls.size(), 1U);
}

// ---- The OpenID result cache and the membership check ----------------------

class TokenIssuerExtrasTest : public TokenIssuerTest {
 protected:
  TokenIssuerExtrasTest() { config_.membership_check_homeserver = "example.com"; }
  TokenIssuer make_issuer() {
    return TokenIssuer{config_,
                       users_,
                       rooms_,
                       delegation_,
                       [] { return kNow; },
                       TokenIssuerExtras{&cache_, [this] { return now_ms_; }, &membership_, &metrics_}};
  }
  bool counted(std::string_view result, int n) {
    const std::string line = std::string("matrixrtc_auth_userinfo_cache_total{result=\"") + std::string(result) +
                             "\"} " + std::to_string(n) + "\n";
    return registry_.render(std::nullopt).find(line) != std::string::npos;
  }
  UserInfoCache cache_{UserInfoCacheOptions{.positive_cap_ms = 60'000, .negative_ms = 5'000}};
  testing::FakeMembership membership_;
  MetricsRegistry registry_{"v"};
  ThreadMetrics& metrics_ = registry_.add_thread();
  std::int64_t now_ms_ = kNow * 1000;
};

TEST_F(TokenIssuerExtrasTest, SameTokenAsksTheHomeserverOnceUntilTheCap) {
  membership_.joined = {{"!roomid:example.com", "@alice:example.com"}};
  auto issuer = make_issuer();
  const auto request = get_token_request("alice-token", "example.com", "@alice:example.com");
  ASSERT_TRUE(run(issuer.get_token(request, outcome_)));
  now_ms_ += 59'999;
  ASSERT_TRUE(run(issuer.get_token(request, outcome_)));
  EXPECT_EQ(users_.calls.size(), 1U);
  EXPECT_EQ(rooms_.calls.size(), 2U) << "CreateRoom still runs on every request";
  EXPECT_EQ(membership_.calls.size(), 2U) << "the membership check still runs on every request";
  now_ms_ += 1;
  ASSERT_TRUE(run(issuer.get_token(request, outcome_)));
  EXPECT_EQ(users_.calls.size(), 2U);
  EXPECT_TRUE(counted("miss", 2));
  EXPECT_TRUE(counted("hit", 1));
  EXPECT_TRUE(counted("negative_hit", 0));
}

TEST_F(TokenIssuerExtrasTest, ExpiresInShortensTheEntry) {
  membership_.joined = {{"!roomid:example.com", "@alice:example.com"}};
  auto issuer = make_issuer();
  auto request = get_token_request("alice-token", "example.com", "@alice:example.com");
  request.openid_token.expires_in = 2;
  ASSERT_TRUE(run(issuer.get_token(request, outcome_)));
  now_ms_ += 2'000;
  ASSERT_TRUE(run(issuer.get_token(request, outcome_)));
  EXPECT_EQ(users_.calls.size(), 2U);
}

TEST_F(TokenIssuerExtrasTest, FailuresAreRememberedForTheNegativeLifetime) {
  auto issuer = make_issuer();
  const auto request = get_token_request("nope", "example.com", "@alice:example.com");
  expect_error(run(issuer.get_token(request, outcome_)), authz::unauthorized());
  expect_error(run(issuer.get_token(request, outcome_)), authz::unauthorized());
  EXPECT_EQ(outcome_.detail, "OpenID validation failed: failed moments ago (remembered)");
  EXPECT_EQ(users_.calls.size(), 1U);
  now_ms_ += 5'000;
  expect_error(run(issuer.get_token(request, outcome_)), authz::unauthorized());
  EXPECT_EQ(users_.calls.size(), 2U);
  EXPECT_TRUE(counted("negative_hit", 1));
  EXPECT_TRUE(counted("miss", 2));
}

TEST_F(TokenIssuerExtrasTest, ChecksAfterTheLookupRunOnCachedAnswers) {
  auto issuer = make_issuer();
  membership_.joined = {{"!roomid:example.com", "@alice:example.com"}};
  ASSERT_TRUE(run(issuer.get_token(get_token_request("alice-token", "example.com", "@alice:example.com"), outcome_)));
  // Same token, another claimed user: refused although the sub came from the cache.
  expect_error(run(issuer.get_token(get_token_request("alice-token", "example.com", "@mallory:example.com"), outcome_)),
               authz::unauthorized());
  // Same token for another server name: another key, so the homeserver is asked (and the sub check refuses).
  expect_error(run(issuer.get_token(get_token_request("alice-token", "remote.org", "@alice:example.com"), outcome_)),
               authz::unauthorized());
  EXPECT_EQ(users_.calls.size(), 2U);
  // A blocklist added later applies to cached tokens too.
  config_.homeserver_blocklist = {"example.com"};
  expect_error(run(issuer.get_token(get_token_request("alice-token", "example.com", "@alice:example.com"), outcome_)),
               authz::unauthorized());
  EXPECT_EQ(users_.calls.size(), 2U);
}

TEST_F(TokenIssuerExtrasTest, JoinedUserGetsATokenAndTheRoom) {
  membership_.joined = {{"!roomid:example.com", "@alice:example.com"}, {"!room:example.com", "@alice:example.com"}};
  auto issuer = make_issuer();
  ASSERT_TRUE(run(issuer.get_token(get_token_request("alice-token", "example.com", "@alice:example.com"), outcome_)));
  ASSERT_TRUE(run(issuer.sfu_get(sfu_request("alice-token", "example.com"), outcome_)));
  EXPECT_EQ(membership_.calls,
            (std::vector<std::pair<std::string, std::string>>{{"!roomid:example.com", "@alice:example.com"},
                                                              {"!room:example.com", "@alice:example.com"}}));
  EXPECT_EQ(rooms_.calls.size(), 2U);
}

TEST_F(TokenIssuerExtrasTest, NotJoinedIsForbiddenBeforeAnythingIsCreated) {
  auto issuer = make_issuer();
  auto request = get_token_request("alice-token", "example.com", "@alice:example.com");
  request.delayed_leave = authz::DelayedLeave{"delay", 5000};
  expect_error(run(issuer.get_token(request, outcome_)), authz::not_room_member());
  EXPECT_EQ(outcome_.detail, "user is not joined to the room");
  expect_error(run(issuer.sfu_get(sfu_request("alice-token", "example.com"), outcome_)), authz::not_room_member());
  EXPECT_TRUE(rooms_.calls.empty());
  EXPECT_TRUE(delegation_.jobs.empty());
  EXPECT_TRUE(delegation_.checked.empty());
}

TEST_F(TokenIssuerExtrasTest, AnUnansweredCheckIsBadGateway) {
  membership_.fail = true;
  auto issuer = make_issuer();
  expect_error(run(issuer.get_token(get_token_request("alice-token", "example.com", "@alice:example.com"), outcome_)),
               authz::membership_unverifiable());
  EXPECT_EQ(outcome_.detail, "membership check failed: membership query answered HTTP 500");
  EXPECT_TRUE(rooms_.calls.empty());
}

TEST_F(TokenIssuerExtrasTest, OtherServersAreNotChecked) {
  config_.full_access_homeservers = {"example.com", "other.example"};
  users_.subs["carol-token"] = "@carol:other.example";
  auto issuer = make_issuer();
  ASSERT_TRUE(run(issuer.get_token(get_token_request("bob-token", "remote.org", "@bob:remote.org"), outcome_)));
  ASSERT_TRUE(
      run(issuer.get_token(get_token_request("carol-token", "other.example", "@carol:other.example"), outcome_)));
  EXPECT_TRUE(membership_.calls.empty());
}

TEST_F(TokenIssuerExtrasTest, DelegationAloneIsNotChecked) {
  auto issuer = make_issuer();
  authz::DelegateRequest request;
  request.room_id = "!roomid:example.com";
  request.slot_id = "m.call#ROOM";
  request.openid_token.access_token = "alice-token";
  request.openid_token.matrix_server_name = "example.com";
  request.member = {"memberABC", "@alice:example.com", "DEVICE123"};
  request.delayed_leave = {"delay", 5000};
  ASSERT_TRUE(run(issuer.delegate(request, outcome_)));
  EXPECT_TRUE(membership_.calls.empty());
}

/// A homeserver that takes a while to answer, so requests overlap.
class SlowUserInfo : public UserInfoClient {
 public:
  int calls = 0;
  boost::asio::awaitable<core::Result<std::string>> lookup_user(std::string, std::string access_token) override {
    ++calls;
    const auto executor = co_await boost::asio::this_coro::executor;
    boost::asio::steady_timer timer(executor, std::chrono::milliseconds(20));
    co_await timer.async_wait(boost::asio::use_awaitable);
    if (access_token == "alice-token") co_return std::string("@alice:example.com");
    co_return core::fail(core::ErrorCode::bad_response, "HTTP 401 from homeserver");
  }
};

TEST_F(TokenIssuerExtrasTest, ConcurrentIdenticalLookupsMakeOneRequest) {
  membership_.joined = {{"!roomid:example.com", "@alice:example.com"}};
  SlowUserInfo slow;
  TokenIssuer issuer{config_,
                     slow,
                     rooms_,
                     delegation_,
                     [] { return kNow; },
                     TokenIssuerExtras{&cache_, [this] { return now_ms_; }, &membership_, &metrics_}};
  boost::asio::io_context io;
  std::vector<std::future<std::expected<TokenAnswer, authz::ApiError>>> answers;
  std::vector<IssueOutcome> outcomes(6);
  const auto alice = get_token_request("alice-token", "example.com", "@alice:example.com");
  const auto nobody = get_token_request("nope", "example.com", "@alice:example.com");
  for (std::size_t i = 0; i < 6; ++i) {
    answers.push_back(
        boost::asio::co_spawn(io, issuer.get_token(i < 3 ? alice : nobody, outcomes[i]), boost::asio::use_future));
  }
  io.run();
  for (std::size_t i = 0; i < 6; ++i) {
    const auto answer = answers[i].get();
    EXPECT_EQ(answer.has_value(), i < 3) << i;
  }
  EXPECT_EQ(slow.calls, 2) << "one request per distinct token";
  EXPECT_TRUE(counted("miss", 2));
  EXPECT_TRUE(counted("hit", 2));
  EXPECT_TRUE(counted("negative_hit", 2));
}

}  // namespace
}  // namespace matrixrtc::service

namespace matrixrtc::service {
namespace {

RateLimits issuer_limits(core::ratelimit::Limit user, core::ratelimit::Limit homeserver) {
  RateLimits limits;
  limits.scopes = {core::ratelimit::Limit{}, user, homeserver};
  return limits;
}

class RateLimitedIssuerTest : public TokenIssuerTest {
 protected:
  void use(RateLimits limits) {
    limiter_.emplace(limits);
    TokenIssuerExtras extras;
    extras.limiter = &*limiter_;
    limited_.emplace(
        config_, users_, rooms_, delegation_, [] { return kNow; }, std::move(extras));
  }
  std::expected<TokenAnswer, authz::ApiError> get_token(const std::string& token, const std::string& server,
                                                        const std::string& user) {
    outcome_ = IssueOutcome{};
    return run(limited_->get_token(get_token_request(token, server, user), outcome_));
  }

  std::optional<MemoryRateLimiter> limiter_;
  std::optional<TokenIssuer> limited_;
};

TEST_F(RateLimitedIssuerTest, HomeserverLimitRefusesBeforeTheHomeserverIsAsked) {
  use(issuer_limits({}, {60, 2}));
  ASSERT_TRUE(get_token("alice-token", "example.com", "@alice:example.com"));
  // Another spelling of the same server shares the bucket; a bad token still costs a token.
  EXPECT_EQ(get_token("wrong-token", "EXAMPLE.com.", "@alice:example.com").error(), authz::unauthorized());
  EXPECT_EQ(users_.calls.size(), 2U);
  const auto refused = get_token("alice-token", "example.com", "@alice:example.com");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().status, 429U);
  EXPECT_EQ(refused.error().errcode, "M_LIMIT_EXCEEDED");
  EXPECT_GT(refused.error().retry_after_ms.value_or(0), 0);
  EXPECT_EQ(users_.calls.size(), 2U);  // never contacted
  EXPECT_EQ(outcome_.rate_limits.limited, RateScope::homeserver);
  EXPECT_EQ(outcome_.detail, "rate limited: homeserver");
  // Other homeservers are not affected.
  EXPECT_EQ(run(limited_->sfu_get(sfu_request("bob-token", "remote.org"), outcome_)).has_value(), true);
}

TEST_F(RateLimitedIssuerTest, UserLimitRefusesAfterTheLookupAndBeforeAnythingIsMade) {
  use(issuer_limits({60, 1}, {}));
  ASSERT_TRUE(get_token("alice-token", "example.com", "@alice:example.com"));
  EXPECT_EQ(rooms_.calls.size(), 1U);
  const auto refused = get_token("alice-token", "example.com", "@alice:example.com");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error(), authz::limit_exceeded(*refused.error().retry_after_ms));
  EXPECT_EQ(users_.calls.size(), 2U);  // the homeserver was asked who this is
  EXPECT_EQ(rooms_.calls.size(), 1U);  // but no room was created for the refused one
  EXPECT_EQ(outcome_.rate_limits.limited, RateScope::user);
  EXPECT_EQ(outcome_.detail, "rate limited: user");
  // Keyed by the user the homeserver vouched for: another user is fine, and
  // failed validations never reach the user limit.
  EXPECT_EQ(get_token("wrong-token", "example.com", "@alice:example.com").error(), authz::unauthorized());
  EXPECT_TRUE(run(limited_->sfu_get(sfu_request("bob-token", "remote.org"), outcome_)));
  // The delegation endpoint passes the same limits.
  authz::DelegateRequest delegate;
  delegate.room_id = "!roomid:example.com";
  delegate.slot_id = "m.call#ROOM";
  delegate.openid_token = {"alice-token", "Bearer", "example.com", 3600};
  delegate.member = {"memberABC", "@alice:example.com", "DEVICE123"};
  delegate.delayed_leave = {"delay", 10000};
  outcome_ = IssueOutcome{};
  EXPECT_EQ(run(limited_->delegate(delegate, outcome_)).error().errcode, "M_LIMIT_EXCEEDED");
  EXPECT_TRUE(delegation_.jobs.empty());
}

}  // namespace
}  // namespace matrixrtc::service
