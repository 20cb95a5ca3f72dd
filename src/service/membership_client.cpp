#include "service/membership_client.hpp"

#include "core/text.hpp"

namespace matrixrtc::service {

namespace matrix = core::matrix;
using core::cat;

std::optional<matrix::MembershipQuery> MembershipForm::known(std::int64_t now_ms) const {
  const int form = form_.load(std::memory_order_relaxed);
  if (form < 0 || now_ms - learned_ms_.load(std::memory_order_relaxed) >= kReprobeAfterMs) return std::nullopt;
  return static_cast<matrix::MembershipQuery>(form);
}

void MembershipForm::learn(matrix::MembershipQuery query, std::int64_t now_ms) {
  learned_ms_.store(now_ms, std::memory_order_relaxed);
  form_.store(static_cast<int>(query), std::memory_order_relaxed);
}

boost::asio::awaitable<core::Result<MembershipClient::Answer>> MembershipClient::ask(UrlTarget base,
                                                                                     matrix::MembershipQuery query,
                                                                                     const std::string& room_id,
                                                                                     const std::string& user_id) {
  net::HttpRequest request;
  request.method = boost::beast::http::verb::get;
  request.target = cat(base.path_prefix, matrix::membership_query_target(query, room_id, user_id));
  request.headers = {{"Accept", "application/json"}, {"Authorization", cat("Bearer ", config_.membership_check_token)}};
  net::RequestOptions options;
  options.total_timeout = std::chrono::seconds(config_.homeserver_timeout_seconds);
  options.max_response_bytes = 64 * 1024;  // a member event or {"joined":…} is small
  options.address_filter = resolver_.address_filter(config_.membership_check_homeserver);
  auto response = co_await http_.request(std::move(base.target), std::move(request), options);
  if (!response) co_return std::unexpected(std::move(response.error()));
  co_return Answer{matrix::classify_membership_answer(query, response->status, response->body), response->status};
}

boost::asio::awaitable<core::Result<bool>> MembershipClient::is_joined(std::string room_id, std::string user_id) {
  std::string server_name = config_.membership_check_homeserver;
  auto base = co_await resolver_.resolve(std::move(server_name));
  if (!base) co_return std::unexpected(std::move(base.error()));
  const std::int64_t now = now_ms_();
  const std::optional<matrix::MembershipQuery> remembered = form_.known(now);
  std::optional<matrix::MembershipQuery> query = remembered.value_or(matrix::MembershipQuery::is_joined_stable);
  while (query) {
    UrlTarget target = *base;
    const matrix::MembershipQuery current = *query;
    auto answer = co_await ask(std::move(target), current, room_id, user_id);
    if (!answer) co_return std::unexpected(std::move(answer.error()));
    if (answer->meaning == matrix::MembershipAnswer::unsupported) {
      query = matrix::next_membership_query(current);
      continue;
    }
    // Only a probe teaches: refreshing on every answer would never re-probe.
    if (remembered != current) form_.learn(current, now);
    switch (answer->meaning) {
      case matrix::MembershipAnswer::joined: co_return true;
      case matrix::MembershipAnswer::not_joined: co_return false;
      default:
        co_return core::fail(core::ErrorCode::bad_response, cat("membership query answered HTTP ", answer->status));
    }
  }
  co_return core::fail(core::ErrorCode::bad_response, "the homeserver has no membership endpoint we know");
}

}  // namespace matrixrtc::service
