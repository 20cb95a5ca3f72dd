// HTTP routing of the authorization service with lk-jwt-service's surface:
// POST /sfu/get, /get_token and /delegate_delayed_leave (CORS on every answer,
// OPTIONS → 200, other methods → 405 without a body), /sfu_webhook (LiveKit's
// signed webhooks; unlike the reference, 401 when the signature fails),
// GET|HEAD /healthz, 404 elsewhere; one log line per request.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <functional>
#include <string>

#include "net/http_server.hpp"
#include "service/logger.hpp"
#include "service/token_issuer.hpp"

namespace matrixrtc::service {

class Router {
 public:
  Router(TokenIssuer& issuer, Delegation& delegation, const Config& config, Logger& logger,
         std::function<std::int64_t()> unix_now)
      : issuer_(issuer), delegation_(delegation), config_(config), logger_(logger), unix_now_(std::move(unix_now)) {}

  boost::asio::awaitable<net::ServerResponse> handle(net::ServerRequest request, net::RequestContext context);

 private:
  net::ServerResponse webhook(const net::ServerRequest& request, std::string& result, IssueOutcome& outcome);

  TokenIssuer& issuer_;
  Delegation& delegation_;
  const Config& config_;
  Logger& logger_;
  std::function<std::int64_t()> unix_now_;
};

}  // namespace matrixrtc::service
