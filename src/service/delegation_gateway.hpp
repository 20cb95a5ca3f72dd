// The Delegation the request handlers of every shard call: it carries each
// call over to the delegation loop, where the manager, its jobs and the
// client-server API cache live on one thread without locks, and brings the
// answer back to the caller's own loop.
#pragma once

#include <boost/asio/any_io_executor.hpp>

#include "service/backends.hpp"
#include "service/delegation_manager.hpp"

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

}  // namespace matrixrtc::service
