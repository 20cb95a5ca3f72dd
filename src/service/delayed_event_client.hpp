// MSC4140 delayed-event calls the way lk-jwt-service makes them in standalone
// mode: POST {cs-api}/_matrix/client/unstable/org.matrix.msc4140/
// delayed_events/{delay_id}/{restart|send} with body {}, no authentication
// (the delay id is the capability), 5 s deadline. Answers are classified by
// the core's rules; a transport failure is "retry".
#pragma once

#include "net/http_client.hpp"
#include "service/backends.hpp"
#include "service/cs_api_resolver.hpp"

namespace matrixrtc::service {

class DelayedEventClient : public DelayedEventApi {
 public:
  DelayedEventClient(net::HttpClient& http, CsApiResolver& resolver, std::function<std::int64_t()> now_ms)
      : http_(http), resolver_(resolver), now_ms_(std::move(now_ms)) {}

  boost::asio::awaitable<core::Result<void>> check_server(std::string server_name) override;
  boost::asio::awaitable<core::Result<core::delegation::CallResult>> call(
      std::string server_name, std::string delay_id, core::delegation::DelayedEventAction action) override;

 private:
  net::HttpClient& http_;
  CsApiResolver& resolver_;
  std::function<std::int64_t()> now_ms_;
};

}  // namespace matrixrtc::service
