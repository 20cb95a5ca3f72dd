// The work behind POST /sfu/get, /get_token and /delegate_delayed_leave:
// validate the OpenID token with the user's homeserver, check who the user
// is, derive the LiveKit names by the endpoint's scheme, mint the token,
// create the room for full-access homeservers, and hand delayed leave events
// to the delegation. Answers, errors and their order are the reference's.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <expected>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "core/authz/token_requests.hpp"
#include "service/backends.hpp"
#include "service/config.hpp"
#include "service/metrics.hpp"
#include "service/rate_limiter.hpp"
#include "service/userinfo_cache.hpp"

namespace matrixrtc::service {

struct TokenAnswer {
  std::string url;
  std::string jwt;
};

/// What a request's log line reports besides status and latency.
struct IssueOutcome {
  std::string server_name;     ///< the requester's homeserver, once known
  std::string detail;          ///< why it failed, for the log only (never a secret)
  RateLimitNotes rate_limits;  ///< for the metrics
};

/// The optional parts: without them, every request asks the homeserver and
/// nobody's room membership is checked.
struct TokenIssuerExtras {
  UserInfoCache* userinfo_cache = nullptr;  ///< process-wide, shared by the shards
  std::function<std::int64_t()> now_ms;     ///< the cache's clock (required with a cache)
  MembershipChecker* membership = nullptr;  ///< for users of config.membership_check_homeserver
  ThreadMetrics* metrics = nullptr;         ///< counts cache hits and misses
  /// Enforces the homeserver limit before the homeserver is contacted and
  /// the user limit right after it vouched; null: no limits.
  RateLimiter* limiter = nullptr;
};

class TokenIssuer {
 public:
  TokenIssuer(const Config& config, UserInfoClient& users, RoomServiceClient& rooms, Delegation& delegation,
              std::function<std::int64_t()> unix_now, TokenIssuerExtras extras = {});

  boost::asio::awaitable<std::expected<TokenAnswer, core::authz::ApiError>> sfu_get(
      const core::authz::SfuGetRequest& request, IssueOutcome& outcome);
  boost::asio::awaitable<std::expected<TokenAnswer, core::authz::ApiError>> get_token(
      const core::authz::GetTokenRequest& request, IssueOutcome& outcome);
  /// POST /delegate_delayed_leave: no token, no room; the job only.
  boost::asio::awaitable<std::expected<void, core::authz::ApiError>> delegate(
      const core::authz::DelegateRequest& request, IssueOutcome& outcome);

 private:
  struct Subject {
    std::string user_id;
    bool full_access;
  };
  boost::asio::awaitable<std::expected<Subject, core::authz::ApiError>> authenticate(
      const core::authz::OpenIdToken& token, IssueOutcome& outcome);
  /// The cache's answer for `key`, counted; nullopt on a miss.
  std::optional<core::Result<std::string>> cached_sub(const UserInfoCache::Key& key, std::int64_t now_ms);
  /// The OpenID lookup after a cache miss (or without a cache): one
  /// homeserver request per shard for identical tokens, stored in the cache.
  boost::asio::awaitable<core::Result<std::string>> lookup_sub(const core::authz::OpenIdToken& token,
                                                               const UserInfoCache::Key& key,
                                                               std::int64_t first_seen_ms);
  /// Whether the token's user is one whose room membership is checked.
  [[nodiscard]] bool membership_checked(const core::authz::OpenIdToken& token) const;
  /// For users of the membership-check homeserver: joined to `room_id`, or the error to answer.
  boost::asio::awaitable<std::expected<void, core::authz::ApiError>> check_membership(
      const core::authz::OpenIdToken& token, const Subject& subject, const std::string& room_id, IssueOutcome& outcome);
  /// The LiveKit token alone.
  std::expected<TokenAnswer, core::authz::ApiError> mint(const Subject& subject, const std::string& identity,
                                                         const std::string& alias, IssueOutcome& outcome) const;
  /// Mints, then for full-access users creates the room and adds the job (when `job` is given).
  boost::asio::awaitable<std::expected<TokenAnswer, core::authz::ApiError>> finish(
      const Subject& subject, std::string identity, std::string alias, std::optional<DelegationJobRequest> job,
      IssueOutcome& outcome);

  /// A lookup under way on this shard: identical requests arriving meanwhile
  /// wait for its answer instead of asking the homeserver again.
  struct Flight {
    explicit Flight(const boost::asio::any_io_executor& executor)
        : done(executor, boost::asio::steady_timer::time_point::max()) {}
    boost::asio::steady_timer done;  ///< cancelled when the answer is in
    std::optional<core::Result<std::string>> answer;
  };

  const Config& config_;
  UserInfoClient& users_;
  RoomServiceClient& rooms_;
  Delegation& delegation_;
  std::function<std::int64_t()> unix_now_;
  TokenIssuerExtras extras_;
  std::map<UserInfoCache::Key, std::shared_ptr<Flight>> flights_;  ///< only with a cache
};

}  // namespace matrixrtc::service
