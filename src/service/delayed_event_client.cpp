#include "service/delayed_event_client.hpp"

#include "core/text.hpp"

namespace matrixrtc::service {

namespace delegation = core::delegation;

boost::asio::awaitable<core::Result<void>> DelayedEventClient::check_server(std::string server_name) {
  auto target = co_await resolver_.resolve(std::move(server_name));
  if (!target) co_return std::unexpected(std::move(target.error()));
  co_return core::Result<void>{};
}

boost::asio::awaitable<core::Result<delegation::CallResult>> DelayedEventClient::call(
    std::string server_name, std::string delay_id, delegation::DelayedEventAction action) {
  std::string resolved_name = server_name;
  auto base = co_await resolver_.resolve(std::move(resolved_name));
  if (!base) co_return std::unexpected(std::move(base.error()));
  net::HttpRequest request;
  request.method = boost::beast::http::verb::post;
  request.target = core::cat(base->path_prefix, delegation::delayed_event_path(delay_id, action));
  request.headers = {{"Content-Type", "application/json"}, {"Accept", "application/json"}};
  request.body = "{}";
  net::RequestOptions options;
  options.total_timeout = std::chrono::seconds(5);
  options.max_response_bytes = 64 * 1024;
  options.address_filter = resolver_.address_filter(server_name);
  auto response = co_await http_.request(std::move(base->target), std::move(request), options);
  if (!response) {
    // A refused address will not become allowed by retrying: as if there were no API.
    if (response.error().code == core::ErrorCode::address_refused) co_return std::unexpected(std::move(response.error()));
    co_return delegation::CallResult{delegation::CallResult::Kind::retry, std::nullopt};
  }
  const auto retry_after = response->header("Retry-After").value_or("");
  co_return delegation::classify_delayed_event_response(action, response->status, retry_after, response->body,
                                                        now_ms_());
}

}  // namespace matrixrtc::service
