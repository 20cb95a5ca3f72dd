// Persistence and multi-instance coordination of delegation jobs (delayed
// leave events the service sends on a member's behalf).
//
// Several matrixrtc-auth instances may share one Redis. The rule:
//  - A job lives in the hash "lk-jwt:jobs" (field and value are opaque here;
//    the core produces lk-jwt-service's exact format) until it finishes;
//    remove() deletes it only if it still holds the value the finishing job
//    had, so an old job never deletes the job that replaced it.
//  - Exactly one instance drives a job: the holder of the lease
//    "lk-jwt:lease:<field>" (value: the instance id, with an expiry of
//    lease_ttl()). Leases expire, so a crashed instance's jobs are freed.
//  - The newest add takes over: the instance that receives a new job for a
//    field claims it with take_over=true, whoever drove the old one.
//  - The driver renews its lease every ttl/3 and before every homeserver
//    call; when renew() answers false the lease was lost, and the driver
//    stops silently (no request, no removal: the new holder owns the job).
//  - An instance that sees a job nobody holds (at start-up from load_all(),
//    or when a lease expires) adopts it with claim(field, false).
//  - Webhooks reach any instance; publish_webhook() fans them out so that
//    every instance's on_webhook handler sees every message (its own too),
//    and the one driving the job acts on it.
// Without Redis (MemoryJobStore) there is one instance: nothing outlives the
// process, claims always succeed and webhooks go straight to the handler.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "net/redis_client.hpp"

namespace matrixrtc::service {

class JobStore {
 public:
  virtual ~JobStore() = default;
  /// HSET lk-jwt:jobs field value
  virtual boost::asio::awaitable<core::Result<void>> save(std::string field, std::string value) = 0;
  /// HDEL lk-jwt:jobs field, only if its value is still `expected_value` (atomic, Lua EVAL) so a finished old job never
  /// deletes its replacement
  virtual boost::asio::awaitable<core::Result<void>> remove(std::string field, std::string expected_value) = 0;
  /// HGETALL lk-jwt:jobs
  virtual boost::asio::awaitable<core::Result<std::vector<std::pair<std::string, std::string>>>> load_all() = 0;
  /// Leases decide which instance drives a job: key "lk-jwt:lease:" + field, value = this instance's id, PX = lease
  /// ttl. claim(field, take_over=false): SET NX PX → true if now ours (or already ours, whose expiry is then
  /// extended). take_over=true: SET PX unconditionally (a newly added job replaces whatever drove the old one).
  virtual boost::asio::awaitable<core::Result<bool>> claim(std::string field, bool take_over) = 0;
  /// Extends our lease (Lua: if GET == id then PEXPIRE); false if another instance holds it now (we must stop
  /// driving, silently) or it expired.
  virtual boost::asio::awaitable<core::Result<bool>> renew(std::string field) = 0;
  /// Deletes our lease if it is ours (Lua).
  virtual boost::asio::awaitable<core::Result<void>> release(std::string field) = 0;
  /// Webhook fan-out between instances: PUBLISH on channel "lk-jwt:webhooks"; every instance's handler sees every
  /// message (including its own).
  virtual boost::asio::awaitable<core::Result<void>> publish_webhook(std::string message) = 0;
  virtual void on_webhook(std::function<void(std::string_view message)> handler) = 0;
  [[nodiscard]] virtual bool shared() const = 0;  ///< true for Redis (several instances), false in memory
  [[nodiscard]] virtual std::chrono::milliseconds lease_ttl() const = 0;
};

inline constexpr std::string_view kJobsKey = "lk-jwt:jobs";
inline constexpr std::string_view kLeasePrefix = "lk-jwt:lease:";
inline constexpr std::string_view kWebhookChannel = "lk-jwt:webhooks";

/// Without Redis: jobs are kept in memory only (nothing survives a restart);
/// claims and renewals always succeed; publish_webhook() calls the handlers
/// directly, before it completes.
class MemoryJobStore final : public JobStore {
 public:
  explicit MemoryJobStore(std::chrono::milliseconds lease_ttl = std::chrono::seconds(30)) : lease_ttl_(lease_ttl) {}

  boost::asio::awaitable<core::Result<void>> save(std::string field, std::string value) override;
  boost::asio::awaitable<core::Result<void>> remove(std::string field, std::string expected_value) override;
  boost::asio::awaitable<core::Result<std::vector<std::pair<std::string, std::string>>>> load_all() override;
  boost::asio::awaitable<core::Result<bool>> claim(std::string field, bool take_over) override;
  boost::asio::awaitable<core::Result<bool>> renew(std::string field) override;
  boost::asio::awaitable<core::Result<void>> release(std::string field) override;
  boost::asio::awaitable<core::Result<void>> publish_webhook(std::string message) override;
  void on_webhook(std::function<void(std::string_view message)> handler) override;
  [[nodiscard]] bool shared() const override { return false; }
  [[nodiscard]] std::chrono::milliseconds lease_ttl() const override { return lease_ttl_; }

 private:
  std::chrono::milliseconds lease_ttl_;
  std::map<std::string, std::string> jobs_;
  std::vector<std::function<void(std::string_view)>> handlers_;
};

/// Redis: jobs in the hash lk-jwt:jobs, leases as keys with expiry, webhooks
/// over pub/sub. The client must outlive the store.
class RedisJobStore final : public JobStore {
 public:
  RedisJobStore(net::RedisClient& client, std::string instance_id, std::chrono::milliseconds lease_ttl);

  boost::asio::awaitable<core::Result<void>> save(std::string field, std::string value) override;
  boost::asio::awaitable<core::Result<void>> remove(std::string field, std::string expected_value) override;
  boost::asio::awaitable<core::Result<std::vector<std::pair<std::string, std::string>>>> load_all() override;
  boost::asio::awaitable<core::Result<bool>> claim(std::string field, bool take_over) override;
  boost::asio::awaitable<core::Result<bool>> renew(std::string field) override;
  boost::asio::awaitable<core::Result<void>> release(std::string field) override;
  boost::asio::awaitable<core::Result<void>> publish_webhook(std::string message) override;
  void on_webhook(std::function<void(std::string_view message)> handler) override;
  [[nodiscard]] bool shared() const override { return true; }
  [[nodiscard]] std::chrono::milliseconds lease_ttl() const override { return lease_ttl_; }
  [[nodiscard]] const std::string& instance_id() const { return instance_id_; }

 private:
  boost::asio::awaitable<core::Result<net::RedisReply>> run(std::vector<std::string> args);

  net::RedisClient& client_;
  std::string instance_id_;
  std::chrono::milliseconds lease_ttl_;
};

/// A random instance id: hostname, pid and 64 random bits (hex), e.g. "host-1234-0123456789abcdef".
[[nodiscard]] std::string make_instance_id();

}  // namespace matrixrtc::service
