// HTTP routing of the authorization service with lk-jwt-service's surface:
// POST /sfu/get and /get_token (CORS on every answer, OPTIONS → 200, other
// methods → 405 without a body), GET|HEAD /healthz, 404 elsewhere; one log
// line per request.
#pragma once

#include <boost/asio/awaitable.hpp>

#include "net/http_server.hpp"
#include "service/logger.hpp"
#include "service/token_issuer.hpp"

namespace matrixrtc::service {

class Router {
 public:
  Router(TokenIssuer& issuer, Logger& logger) : issuer_(issuer), logger_(logger) {}

  boost::asio::awaitable<net::ServerResponse> handle(net::ServerRequest request, net::RequestContext context);

 private:
  TokenIssuer& issuer_;
  Logger& logger_;
};

}  // namespace matrixrtc::service
