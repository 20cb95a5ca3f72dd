#include "service/token_issuer.hpp"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/livekit/access_token.hpp"
#include "core/livekit/names.hpp"
#include "core/matrix/identifiers.hpp"
#include "core/text.hpp"
#include "service/outbound_policy.hpp"

namespace matrixrtc::service {

namespace authz = core::authz;
namespace lk = core::livekit;
using core::cat;

TokenIssuer::TokenIssuer(const Config& config, UserInfoClient& users, RoomServiceClient& rooms, Delegation& delegation,
                         std::function<std::int64_t()> unix_now, TokenIssuerExtras extras)
    : config_(config),
      users_(users),
      rooms_(rooms),
      delegation_(delegation),
      unix_now_(std::move(unix_now)),
      extras_(std::move(extras)) {}

namespace {

DelegationJobRequest job_request(const std::string& server_name, const authz::DelayedLeave& delayed, std::string room,
                                 std::string identity, std::vector<std::string> alternatives) {
  return DelegationJobRequest{server_name,     delayed.delay_id,    delayed.delay_timeout_ms,
                              std::move(room), std::move(identity), std::move(alternatives)};
}

void count(ThreadMetrics* metrics, UserInfoCacheResult result) {
  if (metrics != nullptr) metrics->count_userinfo_cache(result);
}

}  // namespace

std::optional<core::Result<std::string>> TokenIssuer::cached_sub(const UserInfoCache::Key& key, std::int64_t now_ms) {
  auto found = extras_.userinfo_cache->find(key, now_ms);
  if (found.outcome == UserInfoCache::Outcome::hit) {
    count(extras_.metrics, UserInfoCacheResult::hit);
    return std::move(found.sub);
  }
  if (found.outcome == UserInfoCache::Outcome::negative_hit) {
    count(extras_.metrics, UserInfoCacheResult::negative_hit);
    return core::fail(core::ErrorCode::bad_response, "failed moments ago (remembered)");
  }
  return std::nullopt;
}

boost::asio::awaitable<core::Result<std::string>> TokenIssuer::lookup_sub(const authz::OpenIdToken& token,
                                                                          const UserInfoCache::Key& key,
                                                                          std::int64_t first_seen_ms) {
  std::string server_name = token.matrix_server_name;
  std::string access_token = token.access_token;
  UserInfoCache* cache = extras_.userinfo_cache;
  if (cache == nullptr) {
    auto sub = co_await users_.lookup_user(std::move(server_name), std::move(access_token));
    co_return sub;
  }
  if (const auto it = flights_.find(key); it != flights_.end()) {
    // Single flight: one homeserver request for a burst of identical tokens on this shard.
    const std::shared_ptr<Flight> flight = it->second;
    boost::system::error_code woken;
    co_await flight->done.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, woken));
    if (flight->answer) {
      count(extras_.metrics, *flight->answer ? UserInfoCacheResult::hit : UserInfoCacheResult::negative_hit);
      co_return *flight->answer;
    }
  }
  count(extras_.metrics, UserInfoCacheResult::miss);
  const auto executor = co_await boost::asio::this_coro::executor;
  const auto flight = std::make_shared<Flight>(executor);
  flights_.insert_or_assign(key, flight);
  auto sub = co_await users_.lookup_user(std::move(server_name), std::move(access_token));
  if (sub) {
    cache->store_success(key, *sub, first_seen_ms, token.expires_in);
  } else {
    cache->store_failure(key, extras_.now_ms());
  }
  flight->answer = sub;
  if (const auto it = flights_.find(key); it != flights_.end() && it->second == flight) flights_.erase(it);
  flight->done.cancel();
  co_return sub;
}

bool TokenIssuer::membership_checked(const authz::OpenIdToken& token) const {
  // authenticate() made sure the user belongs to matrix_server_name exactly.
  return extras_.membership != nullptr && token.matrix_server_name == config_.membership_check_homeserver;
}

boost::asio::awaitable<std::expected<void, authz::ApiError>> TokenIssuer::check_membership(
    const authz::OpenIdToken& token, const Subject& subject, const std::string& room_id, IssueOutcome& outcome) {
  if (!membership_checked(token)) co_return std::expected<void, authz::ApiError>{};
  std::string room = room_id;
  std::string user = subject.user_id;
  auto joined = co_await extras_.membership->is_joined(std::move(room), std::move(user));
  if (!joined) {
    outcome.detail = cat("membership check failed: ", joined.error().message);
    co_return std::unexpected(authz::membership_unverifiable());
  }
  if (!*joined) {
    outcome.detail = "user is not joined to the room";
    co_return std::unexpected(authz::not_room_member());
  }
  co_return std::expected<void, authz::ApiError>{};
}

boost::asio::awaitable<std::expected<TokenIssuer::Subject, authz::ApiError>> TokenIssuer::authenticate(
    const authz::OpenIdToken& token, IssueOutcome& outcome) {
  outcome.server_name = token.matrix_server_name;
  // A server the lists refuse is answered like an invalid token, before any
  // network request, with the reason only in the log.
  if (auto permitted = homeserver_permitted(token.matrix_server_name, config_); !permitted) {
    outcome.detail = permitted.error().message;
    co_return std::unexpected(authz::unauthorized());
  }
  // Before any network request: a flood naming one server must not turn
  // this service into that server's attacker.
  std::optional<authz::ApiError> server_refused;
  if (extras_.limiter != nullptr && extras_.limiter->enabled(RateScope::homeserver)) {
    std::string server_key = homeserver_key(token.matrix_server_name);
    if (!enforce_limit_now(extras_.limiter, RateScope::homeserver, server_key, outcome.rate_limits, server_refused)) {
      server_refused =
          co_await enforce_limit(extras_.limiter, RateScope::homeserver, std::move(server_key), outcome.rate_limits);
    }
  }
  if (server_refused) {
    outcome.detail = "rate limited: homeserver";
    co_return std::unexpected(std::move(*server_refused));
  }
  // A cache hit is answered here, without a coroutine frame for the lookup.
  UserInfoCache::Key cache_key{};
  std::int64_t first_seen_ms = 0;  // the token's lifetime counts from before the lookup
  std::optional<core::Result<std::string>> sub;
  if (extras_.userinfo_cache != nullptr) {
    cache_key = UserInfoCache::key(token.matrix_server_name, token.access_token);
    first_seen_ms = extras_.now_ms();
    sub = cached_sub(cache_key, first_seen_ms);
  }
  if (!sub) {
    auto looked_up = co_await lookup_sub(token, cache_key, first_seen_ms);
    sub = std::move(looked_up);
  }
  if (!*sub) {
    outcome.detail = cat("OpenID validation failed: ", sub->error().message);
    co_return std::unexpected(authz::unauthorized());
  }
  const std::string& user_id = **sub;
  // The homeserver must only vouch for its own users: full access is decided
  // from the client's matrix_server_name, so a sub on another server would
  // let a malicious homeserver act as someone else's user.
  const auto user = core::matrix::parse_user_id(user_id);
  if (!user) {
    outcome.detail = cat("homeserver answered an invalid sub: ", user.error().message);
    co_return std::unexpected(authz::unauthorized());
  }
  if (user->server_name != token.matrix_server_name) {
    outcome.detail = cat("homeserver ", token.matrix_server_name, " vouched for a user of ", user->server_name);
    co_return std::unexpected(authz::unauthorized());
  }
  // Only now is the user known; before anything is minted or created.
  std::optional<authz::ApiError> user_refused;
  if (!enforce_limit_now(extras_.limiter, RateScope::user, user_id, outcome.rate_limits, user_refused)) {
    std::string user_key = user_id;
    user_refused = co_await enforce_limit(extras_.limiter, RateScope::user, std::move(user_key), outcome.rate_limits);
  }
  if (user_refused) {
    outcome.detail = "rate limited: user";
    co_return std::unexpected(std::move(*user_refused));
  }
  co_return Subject{user_id, config_.is_full_access(token.matrix_server_name)};
}

std::expected<TokenAnswer, authz::ApiError> TokenIssuer::mint(const Subject& subject, const std::string& identity,
                                                              const std::string& alias, IssueOutcome& outcome) const {
  const std::int64_t now = unix_now_();
  lk::AccessTokenClaims claims = lk::make_claims(config_.key, identity, now, config_.token_ttl_seconds);
  claims.video = lk::member_video_grant(alias, subject.full_access || config_.restricted_can_publish,
                                        config_.can_update_own_metadata);
  auto jwt = lk::mint_access_token(claims, config_.secret);
  if (!jwt) {
    outcome.detail = cat("minting failed: ", jwt.error().message);
    return std::unexpected(authz::internal_error());
  }
  return TokenAnswer{config_.livekit_url, std::move(*jwt)};
}

boost::asio::awaitable<std::expected<TokenAnswer, authz::ApiError>> TokenIssuer::finish(
    const Subject& subject, std::string identity, std::string alias, std::optional<DelegationJobRequest> job,
    IssueOutcome& outcome) {
  auto answer = mint(subject, identity, alias, outcome);
  if (!answer) co_return answer;
  if (subject.full_access) {
    // The reference's order: client-server API first, then the room, then the job.
    if (job) {
      std::string server_name = job->server_name;
      auto resolved = co_await delegation_.check_server(std::move(server_name));
      if (!resolved) {
        outcome.detail = "client-server API not resolvable for delegation";
        co_return std::unexpected(std::move(resolved.error()));
      }
    }
    // Arguments are named locals: GCC 12 mishandles temporaries inside co_await.
    CreateRoomParams params{alias, config_.room_empty_timeout_seconds, config_.room_departure_timeout_seconds,
                            config_.room_max_participants};
    auto created = co_await rooms_.create_room(std::move(params));
    if (!created) {
      outcome.detail = cat("CreateRoom failed: ", created.error().message);
      co_return std::unexpected(authz::room_creation_failed());
    }
    if (job) {
      DelegationJobRequest request = std::move(*job);
      auto added = co_await delegation_.add_job(std::move(request));
      if (!added) {
        outcome.detail = "delegation job not added";
        co_return std::unexpected(std::move(added.error()));
      }
    }
  }
  co_return answer;
}

boost::asio::awaitable<std::expected<TokenAnswer, authz::ApiError>> TokenIssuer::sfu_get(
    const authz::SfuGetRequest& request, IssueOutcome& outcome) {
  auto subject = co_await authenticate(request.openid_token, outcome);
  if (!subject) co_return std::unexpected(std::move(subject.error()));
  if (request.delayed_leave && !subject->full_access) {
    co_return std::unexpected(authz::bad_json("Delegation of delayed events is only supported for full access users"));
  }
  auto alias = lk::room_alias(request.room, lk::kLegacySlotId);
  if (!alias) co_return std::unexpected(authz::internal_error());  // unreachable: inputs were validated
  std::string identity = lk::legacy_identity(subject->user_id, request.device_id);
  if (membership_checked(request.openid_token)) {
    auto member = co_await check_membership(request.openid_token, *subject, request.room, outcome);
    if (!member) co_return std::unexpected(std::move(member.error()));
  }
  std::optional<DelegationJobRequest> job;
  if (request.delayed_leave)
    job = job_request(request.openid_token.matrix_server_name, *request.delayed_leave, *alias, identity, {});
  // Restricted users get their token without a coroutine frame for finish().
  if (!subject->full_access) co_return mint(*subject, identity, *alias, outcome);
  auto answer = co_await finish(*subject, std::move(identity), std::move(*alias), std::move(job), outcome);
  co_return answer;
}

boost::asio::awaitable<std::expected<TokenAnswer, authz::ApiError>> TokenIssuer::get_token(
    const authz::GetTokenRequest& request, IssueOutcome& outcome) {
  auto subject = co_await authenticate(request.openid_token, outcome);
  if (!subject) co_return std::unexpected(std::move(subject.error()));
  if (subject->user_id != request.member.claimed_user_id) {
    outcome.detail = "OpenID user is not member.claimed_user_id";
    co_return std::unexpected(authz::unauthorized());
  }
  if (request.delayed_leave && !subject->full_access) {
    co_return std::unexpected(authz::bad_json("Delegation of delayed events is only supported for full access users"));
  }
  auto identity = lk::identity_with_device(subject->user_id, request.member.claimed_device_id, request.member.id);
  auto alias = lk::room_alias(request.room_id, request.slot_id);
  if (!identity || !alias) {
    outcome.detail = "member.id, claimed_device_id or slot_id is not UTF-8";
    co_return std::unexpected(authz::bad_json("The request body contains text that is not UTF-8"));
  }
  if (membership_checked(request.openid_token)) {
    auto member = co_await check_membership(request.openid_token, *subject, request.room_id, outcome);
    if (!member) co_return std::unexpected(std::move(member.error()));
  }
  std::optional<DelegationJobRequest> job;
  if (request.delayed_leave) {
    // A client that joins with a /sfu/get token connects as user:device
    // (element-call #4209): the job looks for that identity too.
    job = job_request(request.openid_token.matrix_server_name, *request.delayed_leave, *alias, *identity,
                      {lk::legacy_identity(subject->user_id, request.member.claimed_device_id)});
  }
  if (!subject->full_access) co_return mint(*subject, *identity, *alias, outcome);
  auto answer = co_await finish(*subject, std::move(*identity), std::move(*alias), std::move(job), outcome);
  co_return answer;
}

boost::asio::awaitable<std::expected<void, authz::ApiError>> TokenIssuer::delegate(
    const authz::DelegateRequest& request, IssueOutcome& outcome) {
  auto subject = co_await authenticate(request.openid_token, outcome);
  if (!subject) co_return std::unexpected(std::move(subject.error()));
  if (subject->user_id != request.member.claimed_user_id) {
    outcome.detail = "OpenID user is not member.claimed_user_id";
    co_return std::unexpected(authz::unauthorized());
  }
  if (!subject->full_access) co_return std::unexpected(authz::delegation_forbidden());
  auto identity = lk::identity_with_device(subject->user_id, request.member.claimed_device_id, request.member.id);
  auto alias = lk::room_alias(request.room_id, request.slot_id);
  if (!identity || !alias) {
    outcome.detail = "member.id, claimed_device_id or slot_id is not UTF-8";
    co_return std::unexpected(authz::bad_json("The request body contains text that is not UTF-8"));
  }
  std::string server_name = request.openid_token.matrix_server_name;
  auto resolved = co_await delegation_.check_server(std::move(server_name));
  if (!resolved) {
    outcome.detail = "client-server API not resolvable for delegation";
    co_return std::unexpected(std::move(resolved.error()));
  }
  DelegationJobRequest job =
      job_request(request.openid_token.matrix_server_name, request.delayed_leave, std::move(*alias),
                  std::move(*identity), {lk::legacy_identity(subject->user_id, request.member.claimed_device_id)});
  auto added = co_await delegation_.add_job(std::move(job));
  if (!added) outcome.detail = "delegation job not added";
  co_return added;
}

}  // namespace matrixrtc::service
