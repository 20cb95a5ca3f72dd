// The work behind POST /sfu/get, /get_token and /delegate_delayed_leave:
// validate the OpenID token with the user's homeserver, check who the user
// is, derive the LiveKit names by the endpoint's scheme, mint the token,
// create the room for full-access homeservers, and hand delayed leave events
// to the delegation. Answers, errors and their order are the reference's.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <expected>
#include <functional>
#include <optional>
#include <string>

#include "core/authz/token_requests.hpp"
#include "service/backends.hpp"
#include "service/config.hpp"
#include "service/rate_limiter.hpp"

namespace matrixrtc::service {

struct TokenAnswer {
  std::string url;
  std::string jwt;
};

/// What a request's log line reports besides status and latency.
struct IssueOutcome {
  std::string server_name;  ///< the requester's homeserver, once known
  std::string detail;       ///< why it failed, for the log only (never a secret)
  RateLimitNotes rate_limits;  ///< for the metrics
};

class TokenIssuer {
 public:
  /// `limiter` (may be null: no limits) enforces the homeserver limit before
  /// the homeserver is contacted and the user limit right after it vouched.
  TokenIssuer(const Config& config, UserInfoClient& users, RoomServiceClient& rooms, Delegation& delegation,
              std::function<std::int64_t()> unix_now, RateLimiter* limiter = nullptr);

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
  /// Mints, creates the room and adds the job (when `job` is given).
  boost::asio::awaitable<std::expected<TokenAnswer, core::authz::ApiError>> finish(
      const Subject& subject, std::string identity, std::string alias, std::optional<DelegationJobRequest> job,
      IssueOutcome& outcome);

  const Config& config_;
  UserInfoClient& users_;
  RoomServiceClient& rooms_;
  Delegation& delegation_;
  std::function<std::int64_t()> unix_now_;
  RateLimiter* limiter_;
};

}  // namespace matrixrtc::service
