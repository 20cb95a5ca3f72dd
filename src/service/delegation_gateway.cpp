#include "service/delegation_gateway.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace matrixrtc::service {

namespace asio = boost::asio;

asio::awaitable<std::expected<void, core::authz::ApiError>> DelegationGateway::check_server(std::string server_name) {
  auto task = homeservers_.check_server(std::move(server_name));
  auto resolved = co_await asio::co_spawn(executor_, std::move(task), asio::use_awaitable);
  if (!resolved) co_return std::unexpected(core::authz::cs_api_unresolvable());
  co_return std::expected<void, core::authz::ApiError>{};
}

asio::awaitable<std::expected<void, core::authz::ApiError>> DelegationGateway::add_job(DelegationJobRequest request) {
  core::delegation::JobParams params;
  params.delay_id = std::move(request.delay_id);
  params.delay_timeout_ms = request.delay_timeout_ms;
  params.server_name = std::move(request.server_name);
  params.livekit_room = std::move(request.room);
  params.livekit_identity = std::move(request.identity);
  params.alternative_identities = std::move(request.alternative_identities);
  auto task = manager_.add(std::move(params));
  auto added = co_await asio::co_spawn(executor_, std::move(task), asio::use_awaitable);
  co_return added;
}

void DelegationGateway::on_webhook(core::delegation::ParticipantWebhook webhook) {
  asio::post(executor_, [this, webhook = std::move(webhook)] { manager_.on_webhook(webhook); });
}

namespace {

asio::awaitable<DelegationJobCounts> job_counts_of(DelegationManager& manager) { co_return manager.job_counts(); }

}  // namespace

asio::awaitable<ReadyChecks> DelegationStatus::check_ready() {
  auto task = readiness_.check();
  auto checks = co_await asio::co_spawn(executor_, std::move(task), asio::use_awaitable);
  co_return checks;
}

asio::awaitable<DelegationJobCounts> DelegationStatus::delegation_jobs() {
  auto task = job_counts_of(manager_);
  auto counts = co_await asio::co_spawn(executor_, std::move(task), asio::use_awaitable);
  co_return counts;
}

}  // namespace matrixrtc::service
