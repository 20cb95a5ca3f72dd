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
//   any --replaced--> Replaced (nothing sent)
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

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
  persist,           ///< store the job (restarted_at changed, or new)
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

  /// Begins: Waiting, poll at once. Returns the actions to carry out now.
  std::vector<ActionKind> start(std::int64_t now_ms);
  std::vector<ActionKind> on_participant_event(ParticipantEvent event, std::int64_t now_ms);
  /// `identity` is the identity found present (for `present`).
  std::vector<ActionKind> on_poll_result(PollResult result, std::int64_t now_ms, const std::string& identity = {});
  std::vector<ActionKind> on_restart_result(CallResult result, std::int64_t now_ms);
  std::vector<ActionKind> on_send_result(CallResult result, std::int64_t now_ms);
  /// The client-server API of `server_name` could not be resolved for a call.
  std::vector<ActionKind> on_cs_api_unresolvable(std::int64_t now_ms);
  /// A newer job took this key: stop, send nothing.
  std::vector<ActionKind> on_replaced();
  /// Timers: call at or after `next_wakeup()`; due work is returned.
  std::vector<ActionKind> on_wakeup(std::int64_t now_ms);

  [[nodiscard]] std::optional<std::int64_t> next_wakeup() const;
  [[nodiscard]] JobState state() const;
  [[nodiscard]] const JobParams& params() const;
  /// All identities to look for: the main one first, then the alternatives.
  [[nodiscard]] std::vector<std::string> identities() const;
  /// The identity seen connected, once one was.
  [[nodiscard]] const std::string& connected_identity() const;
  /// Time of the last successful restart (or of creation): what `persist` stores.
  [[nodiscard]] std::int64_t restarted_at_ms() const;
  /// Whether a call the job asked for has not reported back yet.
  [[nodiscard]] bool call_in_flight() const;

 private:
  // implementation-defined members
};

}  // namespace matrixrtc::core::delegation
