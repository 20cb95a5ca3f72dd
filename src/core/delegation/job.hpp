// One delegated MSC4140 "last will" (a member's delayed leave event) as a pure
// state machine, with lk-jwt-service's states, transitions and timings
// (reference notes §8). It performs no I/O and reads no clock: the service
// feeds it events with the current time and carries out the actions it asks
// for, then wakes it at `next_wakeup()`. Every timing rule is therefore
// testable with a fake clock.
//
//   WaitingForInitialConnect --connected--> Connected --left/aborted/gone--> Disconnected (send)
//   WaitingForInitialConnect --aborted--> Aborted (no send)
//   WaitingForInitialConnect --waiting timed out--> Disconnected (send)
//   Connected --delayed event timed out / not found / no CS API--> Aborted
//   Disconnected --sent, or 404--> Completed
//   Disconnected --send window closed without success--> Aborted (gave up)
//   any --replaced--> Replaced (nothing sent)
//
// Contract with the service (the exact rules are in job.cpp's comments):
// - `start()` never asks for `persist`: the service stores a new job itself
//   when it adds it. It returns {poll_participant}, or {send} when a restored
//   job's waiting time is already over.
// - Entering a terminal state returns {remove}, except Replaced (the newer job
//   owns the store entry), which returns nothing. Once terminal, every call
//   returns nothing.
// - A successful restart returns {persist} (restarted_at changed), possibly
//   followed by a call that has fallen due meanwhile.
// - At most one call (poll_participant, restart, send) is in flight. Every
//   call asked for must be answered with exactly one result: on_poll_result
//   for polls; on_restart_result, on_send_result or on_cs_api_unresolvable for
//   restart and send. While a call is in flight `next_wakeup()` is empty: the
//   service's calls have their own timeouts, and each result handler runs
//   whatever fell due (timeouts included) once the result is applied.
// - Events before `start()` are ignored (except on_replaced).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/delegation/backoff.hpp"

namespace matrixrtc::core::delegation {

enum class JobState {
  waiting_for_initial_connect,
  connected,
  disconnected,  ///< sending the leave event (retried until its deadline)
  aborted,       ///< terminal: nothing (more) to do
  replaced,      ///< terminal: a newer job took the key; nothing sent
  completed,     ///< terminal: the leave event was sent (or was already gone)
};

[[nodiscard]] std::string_view to_string(JobState state);
[[nodiscard]] bool is_terminal(JobState state);

/// What the job needs from the outside. The service runs at most one HTTP
/// call per job at a time: the job never asks for a new call while one it
/// asked for has not reported back.
enum class ActionKind {
  poll_participant,  ///< RoomService GetParticipant for every identity in `identities()`
  restart,           ///< POST …/delayed_events/{delay_id}/restart
  send,              ///< POST …/delayed_events/{delay_id}/send
  persist,           ///< store the job (restarted_at changed; a new job is stored by the service on add)
  remove,            ///< delete the job from the store (it reached a terminal state)
};

/// Outcome of a GetParticipant round.
enum class PollResult { present, absent, transport_error };

/// Outcome of a homeserver call, as classified by `classify_delayed_event_response`.
struct CallResult {
  enum class Kind { ok, not_found, retry } kind = Kind::ok;
  /// For `retry`: what the homeserver asked for (Retry-After or retry_after_ms),
  /// in milliseconds; absent means "use the backoff".
  std::optional<std::int64_t> retry_after_ms;
};

/// What a LiveKit webhook said about the participant.
enum class ParticipantEvent { joined, left_intentionally, connection_aborted };

struct JobParams {
  std::string delay_id;
  std::int64_t delay_timeout_ms = 0;  ///< > 0
  std::string server_name;            ///< whose client-server API receives restart/send
  std::string livekit_room;
  std::string livekit_identity;  ///< the /get_token identity (hashed)
  /// Further identities the same member may connect with: the /sfu/get
  /// identity `user:device` (element-call #4209).
  std::vector<std::string> alternative_identities;
};

/// Timing constants of the reference (lk-jwt-service §8).
struct JobTimings {
  std::int64_t max_waiting_ms = 3'600'000;  ///< waiting timeout = min(this, delay_timeout)
  std::int64_t backoff_initial_ms = 1'000;
  double backoff_multiplier = 1.5;
  double backoff_jitter = 0.5;  ///< interval × (1 ± jitter·u), u uniform in [0,1)
  std::int64_t backoff_max_interval_ms = 60'000;
  double restart_fraction = 0.8;       ///< next restart at success + fraction × delay_timeout
  std::int64_t sanity_check_ms = 0;    ///< 0: off (LIVEKIT_SANITY_CHECK_INTERVAL_SECONDS)
  std::int64_t send_window_min_ms = 1'000;   ///< send retried for clamp(deadline − now, min, max)
  std::int64_t send_window_max_ms = 3'600'000;
};

class Job {
 public:
  /// A job that starts now (`restarted_at_ms` = now) or is restored from the
  /// store (`restarted_at_ms` from the record). `seed` drives the jitter.
  Job(JobParams params, JobTimings timings, std::int64_t restarted_at_ms, std::uint64_t seed);

  /// Begins: Waiting, poll at once. Returns the actions to carry out now:
  /// {poll_participant}, or {send} if the waiting time is already over (a
  /// restored job near its deadline). Never {persist}: the service stores a
  /// new job itself. A second call returns nothing.
  std::vector<ActionKind> start(std::int64_t now_ms);
  std::vector<ActionKind> on_participant_event(ParticipantEvent event, std::int64_t now_ms);
  /// `identity` is the identity found present (for `present`).
  std::vector<ActionKind> on_poll_result(PollResult result, std::int64_t now_ms, const std::string& identity = {});
  std::vector<ActionKind> on_restart_result(CallResult result, std::int64_t now_ms);
  std::vector<ActionKind> on_send_result(CallResult result, std::int64_t now_ms);
  /// The client-server API of `server_name` could not be resolved for a call
  /// (answers the restart or send in flight). Connected: Aborted + {remove}.
  /// Disconnected: the send is retried with the backoff until its window
  /// closes. Waiting (no CS API call is made there) and terminal: ignored.
  std::vector<ActionKind> on_cs_api_unresolvable(std::int64_t now_ms);
  /// A newer job took this key: stop, send nothing.
  std::vector<ActionKind> on_replaced();
  /// Timers: call at or after `next_wakeup()`; due work is returned. Calling
  /// it early, or while a call is in flight, is harmless.
  std::vector<ActionKind> on_wakeup(std::int64_t now_ms);

  [[nodiscard]] std::optional<std::int64_t> next_wakeup() const;
  [[nodiscard]] JobState state() const;
  [[nodiscard]] const JobParams& params() const;
  /// All identities to look for: the main one first, then the alternatives.
  [[nodiscard]] std::vector<std::string> identities() const;
  /// The identity a `present` poll reported, once one did (a joined webhook
  /// names none here: the service matched it on any of `identities()`).
  [[nodiscard]] const std::string& connected_identity() const;
  /// Time of the last successful restart (or of creation): what `persist` stores.
  [[nodiscard]] std::int64_t restarted_at_ms() const;
  /// Whether a call the job asked for has not reported back yet (false once
  /// terminal: late results are ignored).
  [[nodiscard]] bool call_in_flight() const;

 private:
  enum class Call { none, poll, restart, send };

  void enter_connected(std::int64_t now_ms);
  void enter_disconnected(std::int64_t now_ms);
  void enter_terminal(JobState state, std::vector<ActionKind>& actions);
  /// Issues whatever has fallen due, at most one call; handles timeouts.
  void run_due(std::int64_t now_ms, std::vector<ActionKind>& actions);
  void issue(Call call, ActionKind action, std::vector<ActionKind>& actions);
  [[nodiscard]] std::int64_t delayed_event_deadline_ms() const;
  [[nodiscard]] std::int64_t retry_delay_ms(const CallResult& result);

  JobParams params_;
  JobTimings timings_;
  std::int64_t restarted_at_ms_;
  Backoff backoff_;
  JobState state_ = JobState::waiting_for_initial_connect;
  bool started_ = false;
  Call in_flight_ = Call::none;
  JobState poll_issued_in_ = JobState::waiting_for_initial_connect;  ///< a poll's result is stale after a transition
  std::string connected_identity_;
  // Timers (Unix ms); which ones matter depends on the state.
  std::int64_t waiting_deadline_ms_ = 0;  ///< Waiting: give up waiting, send
  std::int64_t next_poll_ms_ = 0;         ///< Waiting: next GetParticipant
  std::int64_t next_restart_ms_ = 0;      ///< Connected: next restart (or restart retry)
  std::optional<std::int64_t> next_sanity_ms_;  ///< Connected: next sanity poll (if enabled)
  std::int64_t next_send_ms_ = 0;         ///< Disconnected: next send (or retry)
  std::int64_t send_window_end_ms_ = 0;   ///< Disconnected: give up sending
};

}  // namespace matrixrtc::core::delegation
