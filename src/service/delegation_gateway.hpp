// The Delegation the request handlers of every shard call: it carries each
// call over to the delegation loop, where the manager, its jobs and the
// client-server API cache live on one thread without locks, and brings the
// answer back to the caller's own loop.
#pragma once

#include <boost/asio/any_io_executor.hpp>

#include "service/backends.hpp"
#include "service/delegation_manager.hpp"
#include "service/readiness.hpp"

namespace matrixrtc::service {

class DelegationGateway : public Delegation {
 public:
  DelegationGateway(boost::asio::any_io_executor delegation_executor, DelegationManager& manager,
                    DelayedEventApi& homeservers)
      : executor_(std::move(delegation_executor)), manager_(manager), homeservers_(homeservers) {}

  boost::asio::awaitable<std::expected<void, core::authz::ApiError>> check_server(std::string server_name) override;
  boost::asio::awaitable<std::expected<void, core::authz::ApiError>> add_job(DelegationJobRequest request) override;
  void on_webhook(core::delegation::ParticipantWebhook webhook) override;

 private:
  boost::asio::any_io_executor executor_;
  DelegationManager& manager_;
  DelayedEventApi& homeservers_;
};

/// The StatusProbe of the shards: readiness checks and the job gauge, each
/// run on the delegation loop and answered on the caller's loop.
class DelegationStatus : public StatusProbe {
 public:
  DelegationStatus(boost::asio::any_io_executor delegation_executor, ReadinessChecker& readiness,
                   DelegationManager& manager)
      : executor_(std::move(delegation_executor)), readiness_(readiness), manager_(manager) {}

  boost::asio::awaitable<ReadyChecks> check_ready() override;
  boost::asio::awaitable<DelegationJobCounts> delegation_jobs() override;

 private:
  boost::asio::any_io_executor executor_;
  ReadinessChecker& readiness_;
  DelegationManager& manager_;
};

}  // namespace matrixrtc::service
