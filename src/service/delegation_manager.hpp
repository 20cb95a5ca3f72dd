// Runs the delegation jobs: one core::delegation::Job per (LiveKit room,
// identity), driven on one event loop by timers and the calls the job asks
// for (GetParticipant, MSC4140 restart and send). No thread per job; a job is
// a small state machine, a timer and at most one call in flight.
//
// Persistence and several instances go through JobStore: a job is saved when
// added and after each restart, removed (only if unchanged) when it ends; with
// Redis, each job is driven by the instance holding its lease, leases are
// renewed every third of their lifetime, an instance whose lease was taken
// drops the job silently, and every instance periodically adopts jobs whose
// lease lapsed (restoring live ones, deleting expired ones). A webhook for a
// job this instance does not drive is published to the others.
//
// Redis may go away: jobs keep running from memory (added ones too), and once
// Redis answers again every job whose lease lapsed meanwhile is claimed back
// (unless another instance took it) and written again, so none is lost when
// Redis returns empty.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "core/delegation/job.hpp"
#include "service/backends.hpp"
#include "service/job_store.hpp"
#include "service/logger.hpp"
#include "service/metrics.hpp"

namespace matrixrtc::service {

struct DelegationOptions {
  core::delegation::JobTimings timings;
  /// With a shared store: how often leases are renewed and orphans adopted.
  std::chrono::milliseconds lease_renew_interval{5000};
  std::chrono::milliseconds adopt_interval{15000};
};

class DelegationManager {
 public:
  DelegationManager(boost::asio::any_io_executor executor, RoomServiceClient& rooms, DelayedEventApi& homeservers,
                    JobStore& store, Logger& logger, std::function<std::int64_t()> now_ms, DelegationOptions options);
  ~DelegationManager();
  DelegationManager(const DelegationManager&) = delete;
  DelegationManager& operator=(const DelegationManager&) = delete;

  /// Restores stored jobs (deleting expired ones) and, with a shared store,
  /// starts the lease and adoption loops. Call once, on the executor.
  boost::asio::awaitable<void> start();
  /// Adds a job, replacing any for the same (room, identity); 503 after stop().
  boost::asio::awaitable<std::expected<void, core::authz::ApiError>> add(core::delegation::JobParams params);
  /// Routes a participant event to its job (or to the other instances).
  void on_webhook(const core::delegation::ParticipantWebhook& webhook);
  /// Stops every timer and gives up the leases; stored jobs stay for the next start.
  boost::asio::awaitable<void> stop();

  /// The state of the job for (room, identity), any of its identities.
  [[nodiscard]] std::optional<core::delegation::JobState> state_of(std::string_view room,
                                                                   std::string_view identity) const;
  [[nodiscard]] std::size_t size() const { return jobs_.size(); }
  /// Jobs held by live state, for the metrics gauge (call on the executor).
  [[nodiscard]] DelegationJobCounts job_counts() const;

 private:
  struct Entry;
  using EntryPtr = std::shared_ptr<Entry>;

  /// What a lease check found: still ours, lapsed and claimed again (the
  /// record must be written again), held by another instance, or no answer.
  enum class Lease { ours, taken_back, taken, unknown };

  void adopt(std::string field, std::string value, core::delegation::JobParams params, std::int64_t restarted_at_ms);
  EntryPtr insert(std::string field, core::delegation::Job job);
  void apply(const EntryPtr& entry, const std::vector<core::delegation::ActionKind>& actions);
  void schedule(const EntryPtr& entry);
  void drop(const EntryPtr& entry);
  void persist(const EntryPtr& entry);
  void apply_event(std::string_view room, std::string_view identity, core::delegation::ParticipantEvent event);
  void on_published(std::string_view message);
  boost::asio::awaitable<void> poll(EntryPtr entry);
  boost::asio::awaitable<void> call(EntryPtr entry, core::delegation::DelayedEventAction action);
  boost::asio::awaitable<void> adopt_orphans();
  boost::asio::awaitable<void> renew_leases();
  boost::asio::awaitable<Lease> check_lease(EntryPtr entry);
  boost::asio::awaitable<void> maintenance_loop();
  std::uint64_t next_seed();

  boost::asio::any_io_executor executor_;
  RoomServiceClient& rooms_;
  DelayedEventApi& homeservers_;
  JobStore& store_;
  Logger& logger_;
  std::function<std::int64_t()> now_ms_;
  DelegationOptions options_;
  std::map<std::string, EntryPtr, std::less<>> jobs_;      // by store field
  std::map<std::string, std::string, std::less<>> index_;  // "room\nidentity" → field, every identity of a job
  boost::asio::steady_timer maintenance_;
  std::uint64_t seed_state_;
  bool stopping_ = false;
};

/// The message published for a webhook another instance may own, and its reading.
[[nodiscard]] std::string webhook_message(std::string_view room, std::string_view identity,
                                          core::delegation::ParticipantEvent event);
struct PublishedWebhook {
  std::string room;
  std::string identity;
  core::delegation::ParticipantEvent event;
};
[[nodiscard]] std::optional<PublishedWebhook> parse_webhook_message(std::string_view message);

}  // namespace matrixrtc::service
