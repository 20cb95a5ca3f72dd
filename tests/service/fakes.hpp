// Test doubles for the service's backends, and a helper to run a coroutine.
#pragma once

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <chrono>
#include <functional>
#include <future>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "service/backends.hpp"
#include "service/job_store.hpp"
#include "service/readiness.hpp"

namespace matrixrtc::service::testing {

class FakeUserInfo : public UserInfoClient {
 public:
  /// access token -> sub it resolves to; anything else fails.
  std::map<std::string, std::string> subs;
  std::vector<std::pair<std::string, std::string>> calls;  // (server, token)

  boost::asio::awaitable<core::Result<std::string>> lookup_user(std::string server_name,
                                                                std::string access_token) override {
    calls.emplace_back(server_name, access_token);
    const auto it = subs.find(access_token);
    if (it == subs.end()) co_return core::fail(core::ErrorCode::bad_response, "HTTP 401 from homeserver");
    co_return it->second;
  }
};

class FakeMembership : public MembershipChecker {
 public:
  /// (room, user) pairs that are joined; `fail` makes every check an error.
  std::set<std::pair<std::string, std::string>> joined;
  bool fail = false;
  std::vector<std::pair<std::string, std::string>> calls;

  boost::asio::awaitable<core::Result<bool>> is_joined(std::string room_id, std::string user_id) override {
    calls.emplace_back(room_id, user_id);
    if (fail) co_return core::fail(core::ErrorCode::bad_response, "membership query answered HTTP 500");
    co_return joined.contains({room_id, user_id});
  }
};

class FakeRooms : public RoomServiceClient {
 public:
  bool fail = false;
  std::vector<CreateRoomParams> calls;
  std::set<std::pair<std::string, std::string>> present;  // (room, identity)
  bool lookups_fail = false;
  std::vector<std::pair<std::string, std::string>> lookups;

  boost::asio::awaitable<core::Result<bool>> participant_exists(std::string room, std::string identity) override {
    lookups.emplace_back(room, identity);
    if (lookups_fail) co_return core::fail(core::ErrorCode::connect_failed, "LiveKit unreachable");
    co_return present.contains({room, identity});
  }

  boost::asio::awaitable<core::Result<void>> create_room(CreateRoomParams params) override {
    calls.push_back(params);
    if (fail) co_return core::fail(core::ErrorCode::connect_failed, "LiveKit unreachable");
    co_return core::Result<void>{};
  }
};

class FakeDelegation : public Delegation {
 public:
  bool unresolvable = false;
  std::vector<std::string> checked;
  std::vector<DelegationJobRequest> jobs;
  std::vector<core::delegation::ParticipantWebhook> webhooks;

  boost::asio::awaitable<std::expected<void, core::authz::ApiError>> check_server(std::string server_name) override {
    checked.push_back(server_name);
    if (unresolvable) co_return std::unexpected(core::authz::cs_api_unresolvable());
    co_return std::expected<void, core::authz::ApiError>{};
  }
  boost::asio::awaitable<std::expected<void, core::authz::ApiError>> add_job(DelegationJobRequest request) override {
    jobs.push_back(std::move(request));
    co_return std::expected<void, core::authz::ApiError>{};
  }
  void on_webhook(core::delegation::ParticipantWebhook webhook) override { webhooks.push_back(std::move(webhook)); }
};

/// The delegation loop's status as the router sees it: a real ReadinessChecker
/// (over fakes) and a job gauge set by hand.
class FakeStatus : public StatusProbe {
 public:
  explicit FakeStatus(ReadinessChecker& readiness) : readiness_(readiness) {}
  DelegationJobCounts jobs{};

  boost::asio::awaitable<ReadyChecks> check_ready() override {
    auto checks = co_await readiness_.check();
    co_return checks;
  }
  boost::asio::awaitable<DelegationJobCounts> delegation_jobs() override { co_return jobs; }

 private:
  ReadinessChecker& readiness_;
};

/// A JobStore in memory that can pretend to be shared, with leases another
/// instance holds (`foreign_leases`), pub/sub delivered by hand, and a Redis
/// that goes away (`down`: every call fails) and may come back empty.
class FakeJobStore : public JobStore {
 public:
  std::map<std::string, std::string> values;
  bool shared_store = false;
  bool down = false;
  std::set<std::string> foreign_leases;
  std::set<std::string> own_leases;
  std::vector<std::string> published;
  std::function<void(std::string_view)> handler;

  /// Redis restarted without its data: jobs and leases are gone.
  void lose_everything() {
    values.clear();
    own_leases.clear();
    foreign_leases.clear();
  }

  boost::asio::awaitable<core::Result<void>> save(std::string field, std::string value) override {
    if (down) co_return unreachable();
    values[field] = value;
    co_return core::Result<void>{};
  }
  boost::asio::awaitable<core::Result<void>> remove(std::string field, std::string expected_value) override {
    if (down) co_return unreachable();
    if (const auto it = values.find(field); it != values.end() && it->second == expected_value) values.erase(it);
    co_return core::Result<void>{};
  }
  boost::asio::awaitable<core::Result<std::vector<std::pair<std::string, std::string>>>> load_all() override {
    if (down) co_return unreachable();
    co_return std::vector<std::pair<std::string, std::string>>(values.begin(), values.end());
  }
  boost::asio::awaitable<core::Result<bool>> claim(std::string field, bool take_over) override {
    if (down) co_return unreachable();
    if (take_over) foreign_leases.erase(field);
    if (foreign_leases.contains(field)) co_return false;
    own_leases.insert(field);
    co_return true;
  }
  boost::asio::awaitable<core::Result<bool>> renew(std::string field) override {
    if (down) co_return unreachable();
    co_return own_leases.contains(field) && !foreign_leases.contains(field);
  }
  boost::asio::awaitable<core::Result<void>> release(std::string field) override {
    if (down) co_return unreachable();
    own_leases.erase(field);
    co_return core::Result<void>{};
  }
  boost::asio::awaitable<core::Result<void>> publish_webhook(std::string message) override {
    if (down) co_return unreachable();
    published.push_back(message);
    co_return core::Result<void>{};
  }
  void on_webhook(std::function<void(std::string_view)> h) override { handler = std::move(h); }
  [[nodiscard]] bool shared() const override { return shared_store; }
  [[nodiscard]] std::chrono::milliseconds lease_ttl() const override { return std::chrono::milliseconds(1000); }
  void deliver(const std::string& message) const {
    if (handler) handler(message);
  }

 private:
  static std::unexpected<core::Error> unreachable() {
    return std::unexpected(core::Error(core::ErrorCode::connect_failed, "Redis is down (test)"));
  }
};

/// Runs `task` on a loop that other work keeps alive, until the task is done.
template <class T>
T run_on(boost::asio::io_context& io, boost::asio::awaitable<T> task) {
  auto future = boost::asio::co_spawn(io, std::move(task), boost::asio::use_future);
  while (future.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
    io.run_one_for(std::chrono::milliseconds(10));
  }
  return future.get();
}

template <class T>
T run(boost::asio::awaitable<T> task) {
  boost::asio::io_context io;
  auto future = boost::asio::co_spawn(io, std::move(task), boost::asio::use_future);
  io.run();
  return future.get();
}

}  // namespace matrixrtc::service::testing
