// HTTP routing of the authorization service with lk-jwt-service's surface:
// POST /sfu/get, /get_token and /delegate_delayed_leave (CORS on every answer,
// OPTIONS → 200, other methods → 405 without a body), /sfu_webhook (LiveKit's
// signed webhooks; unlike the reference, 401 when the signature fails),
// GET|HEAD /healthz (liveness), /readyz (LiveKit and Redis reachable) and
// /metrics (Prometheus text; not CORS-wrapped), 404 elsewhere; one log line per
// request, and an X-Request-Id on every answer. The token endpoints' POSTs
// pass the per-IP rate limit first (429 M_LIMIT_EXCEEDED with Retry-After).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <string_view>

#include "net/http_server.hpp"
#include "service/logger.hpp"
#include "service/metrics.hpp"
#include "service/rate_limiter.hpp"
#include "service/readiness.hpp"
#include "service/token_issuer.hpp"

namespace matrixrtc::service {

/// Where a shard's router counts and what /metrics and /readyz read; each
/// may be absent (nothing counted; /metrics 404; /readyz 503).
struct RouterObservability {
  const MetricsRegistry* registry = nullptr;  ///< rendered by /metrics
  ThreadMetrics* metrics = nullptr;           ///< this shard's counters (written only by its thread)
  StatusProbe* status = nullptr;              ///< readiness checks and the delegation job gauge
};

/// The incoming X-Request-Id when it is a sane token (1–64 of [A-Za-z0-9._-]).
[[nodiscard]] bool is_sane_request_id(std::string_view id);

class Router {
 public:
  /// `limiter` (may be null: no limits) enforces the per-IP limit on the
  /// token endpoints, before their bodies are read.
  Router(TokenIssuer& issuer, Delegation& delegation, const Config& config, Logger& logger,
         std::function<std::int64_t()> unix_now, RouterObservability observability = {}, RateLimiter* limiter = nullptr)
      : issuer_(issuer),
        delegation_(delegation),
        config_(config),
        logger_(logger),
        unix_now_(std::move(unix_now)),
        observability_(observability),
        limiter_(limiter),
        random_(std::random_device{}()) {}

  boost::asio::awaitable<net::ServerResponse> handle(net::ServerRequest request, net::RequestContext context);

 private:
  net::ServerResponse webhook(const net::ServerRequest& request, std::string& result, IssueOutcome& outcome);
  boost::asio::awaitable<void> readyz(const net::ServerRequest& request, net::ServerResponse& response,
                                      std::string& result);
  boost::asio::awaitable<void> metrics(const net::ServerRequest& request, net::ServerResponse& response,
                                       std::string& result);
  std::string request_id(const net::ServerRequest& request);
  /// The client address behind trusted proxies, as the IP scope's key.
  [[nodiscard]] std::string ip_key(const net::ServerRequest& request, const net::RequestContext& context) const;

  TokenIssuer& issuer_;
  Delegation& delegation_;
  const Config& config_;
  Logger& logger_;
  std::function<std::int64_t()> unix_now_;
  RouterObservability observability_;
  RateLimiter* limiter_;
  std::mt19937_64 random_;  ///< request ids; one router per shard, so never shared
};

}  // namespace matrixrtc::service
