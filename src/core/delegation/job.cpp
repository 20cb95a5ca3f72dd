#include "core/delegation/job.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

namespace matrixrtc::core::delegation {
namespace {

// Times come from stored records and homeserver headers: never let a sum wrap.
std::int64_t add_saturating(std::int64_t a, std::int64_t b) {
  std::int64_t sum = 0;
  if (__builtin_add_overflow(a, b, &sum)) {
    return b > 0 ? std::numeric_limits<std::int64_t>::max() : std::numeric_limits<std::int64_t>::min();
  }
  return sum;
}

BackoffPolicy backoff_policy(const JobTimings& timings) {
  return BackoffPolicy{.initial_ms = timings.backoff_initial_ms,
                       .multiplier = timings.backoff_multiplier,
                       .jitter = timings.backoff_jitter,
                       .max_interval_ms = timings.backoff_max_interval_ms};
}

}  // namespace

std::string_view to_string(JobState state) {
  switch (state) {
    case JobState::waiting_for_initial_connect: return "waiting_for_initial_connect";
    case JobState::connected: return "connected";
    case JobState::disconnected: return "disconnected";
    case JobState::aborted: return "aborted";
    case JobState::replaced: return "replaced";
    case JobState::completed: return "completed";
  }
  return "unknown";
}

bool is_terminal(JobState state) {
  return state == JobState::aborted || state == JobState::replaced || state == JobState::completed;
}

Job::Job(JobParams params, JobTimings timings, std::int64_t restarted_at_ms, std::uint64_t seed)
    : params_(std::move(params)),
      timings_(timings),
      restarted_at_ms_(restarted_at_ms),
      backoff_(backoff_policy(timings), seed) {}

// Waiting ends at min(now + min(max_waiting, delay_timeout), restarted_at +
// delay_timeout), never before now. For a new job (restarted_at = now) that is
// now + min(1 h, delay_timeout); a restored job also stops waiting when its
// delayed event would fire, and one already past that sends at once.
std::vector<ActionKind> Job::start(std::int64_t now_ms) {
  if (started_ || is_terminal(state_)) return {};
  started_ = true;
  const std::int64_t limit = std::min(timings_.max_waiting_ms, params_.delay_timeout_ms);
  waiting_deadline_ms_ = std::max(now_ms, std::min(add_saturating(now_ms, limit), delayed_event_deadline_ms()));
  next_poll_ms_ = now_ms;
  std::vector<ActionKind> actions;
  run_due(now_ms, actions);
  return actions;
}

std::vector<ActionKind> Job::on_participant_event(ParticipantEvent event, std::int64_t now_ms) {
  if (!started_ || is_terminal(state_)) return {};
  std::vector<ActionKind> actions;
  if (state_ == JobState::waiting_for_initial_connect) {
    switch (event) {
      case ParticipantEvent::joined: enter_connected(now_ms); break;
      case ParticipantEvent::connection_aborted: enter_terminal(JobState::aborted, actions); return actions;
      // The reference ignores "left" before the first connect: a stale
      // webhook from an earlier session of the same identity.
      case ParticipantEvent::left_intentionally: return {};
    }
  } else if (state_ == JobState::connected) {
    if (event == ParticipantEvent::joined) return {};
    enter_disconnected(now_ms);
  } else {
    return {};  // Disconnected: the send goes ahead whatever LiveKit says now.
  }
  run_due(now_ms, actions);
  return actions;
}

std::vector<ActionKind> Job::on_poll_result(PollResult result, std::int64_t now_ms, const std::string& identity) {
  if (is_terminal(state_) || in_flight_ != Call::poll) return {};
  in_flight_ = Call::none;
  if (result == PollResult::present && !identity.empty()) connected_identity_ = identity;
  std::vector<ActionKind> actions;
  // A poll asked for in another state answers a question nobody asks any
  // more (e.g. a webhook moved the job on meanwhile): only free the slot.
  if (poll_issued_in_ == state_) {
    if (state_ == JobState::waiting_for_initial_connect) {
      if (result == PollResult::present) {
        enter_connected(now_ms);
      } else {
        next_poll_ms_ = add_saturating(now_ms, backoff_.next_delay_ms());
      }
    } else if (state_ == JobState::connected && result == PollResult::absent) {
      enter_disconnected(now_ms);  // sanity check: gone without a webhook
    }
    // Connected + transport_error: ignored, the next sanity check will tell.
  }
  run_due(now_ms, actions);
  return actions;
}

std::vector<ActionKind> Job::on_restart_result(CallResult result, std::int64_t now_ms) {
  if (is_terminal(state_) || in_flight_ != Call::restart) return {};
  in_flight_ = Call::none;
  std::vector<ActionKind> actions;
  if (state_ == JobState::connected) {
    switch (result.kind) {
      case CallResult::Kind::ok: {
        restarted_at_ms_ = now_ms;
        backoff_.reset();
        const auto interval = std::llround(timings_.restart_fraction * static_cast<double>(params_.delay_timeout_ms));
        next_restart_ms_ = add_saturating(now_ms, std::max<std::int64_t>(1, interval));
        actions.push_back(ActionKind::persist);
        break;
      }
      case CallResult::Kind::not_found: enter_terminal(JobState::aborted, actions); return actions;
      case CallResult::Kind::retry: next_restart_ms_ = add_saturating(now_ms, retry_delay_ms(result)); break;
    }
  }
  run_due(now_ms, actions);
  return actions;
}

std::vector<ActionKind> Job::on_send_result(CallResult result, std::int64_t now_ms) {
  if (is_terminal(state_) || in_flight_ != Call::send) return {};
  in_flight_ = Call::none;
  std::vector<ActionKind> actions;
  if (result.kind == CallResult::Kind::retry) {
    next_send_ms_ = add_saturating(now_ms, retry_delay_ms(result));
  } else {
    // ok, or 404: the leave event is out (or was cancelled): nothing left to do.
    enter_terminal(JobState::completed, actions);
    return actions;
  }
  run_due(now_ms, actions);
  return actions;
}

std::vector<ActionKind> Job::on_cs_api_unresolvable(std::int64_t now_ms) {
  if (is_terminal(state_) || (in_flight_ != Call::restart && in_flight_ != Call::send)) return {};
  const Call call = std::exchange(in_flight_, Call::none);
  std::vector<ActionKind> actions;
  if (state_ == JobState::connected) {
    // Without the homeserver the delayed event cannot be kept alive; it will
    // fire on its own, which is the leave we would have sent.
    enter_terminal(JobState::aborted, actions);
    return actions;
  }
  // Disconnected: resolution may recover (DNS, well-known); keep trying within
  // the send window. A restart answered this way after the job moved on just
  // frees the slot.
  if (state_ == JobState::disconnected && call == Call::send) {
    next_send_ms_ = add_saturating(now_ms, backoff_.next_delay_ms());
  }
  run_due(now_ms, actions);
  return actions;
}

std::vector<ActionKind> Job::on_replaced() {
  std::vector<ActionKind> actions;
  if (!is_terminal(state_)) enter_terminal(JobState::replaced, actions);
  return actions;
}

std::vector<ActionKind> Job::on_wakeup(std::int64_t now_ms) {
  if (!started_ || is_terminal(state_)) return {};
  std::vector<ActionKind> actions;
  run_due(now_ms, actions);
  return actions;
}

std::optional<std::int64_t> Job::next_wakeup() const {
  if (!started_ || is_terminal(state_) || in_flight_ != Call::none) return std::nullopt;
  switch (state_) {
    case JobState::waiting_for_initial_connect: return std::min(waiting_deadline_ms_, next_poll_ms_);
    case JobState::connected: {
      const std::int64_t soonest = std::min(delayed_event_deadline_ms(), next_restart_ms_);
      return next_sanity_ms_ ? std::min(soonest, *next_sanity_ms_) : soonest;
    }
    case JobState::disconnected: return std::min(send_window_end_ms_, next_send_ms_);
    default: return std::nullopt;
  }
}

JobState Job::state() const { return state_; }
const JobParams& Job::params() const { return params_; }

std::vector<std::string> Job::identities() const {
  std::vector<std::string> out;
  out.reserve(1 + params_.alternative_identities.size());
  out.push_back(params_.livekit_identity);
  out.insert(out.end(), params_.alternative_identities.begin(), params_.alternative_identities.end());
  return out;
}

const std::string& Job::connected_identity() const { return connected_identity_; }
std::int64_t Job::restarted_at_ms() const { return restarted_at_ms_; }
bool Job::call_in_flight() const { return in_flight_ != Call::none; }

void Job::enter_connected(std::int64_t now_ms) {
  state_ = JobState::connected;
  backoff_.reset();
  next_restart_ms_ = now_ms;  // restart at once: the waiting may have used up much of the delay
  next_sanity_ms_.reset();
  if (timings_.sanity_check_ms > 0) next_sanity_ms_ = add_saturating(now_ms, timings_.sanity_check_ms);
}

// The send is retried until now + clamp(deadline − now, min, max): at least a
// second even when the delayed event is already due (it may have been
// restarted by someone else), at most an hour.
void Job::enter_disconnected(std::int64_t now_ms) {
  state_ = JobState::disconnected;
  backoff_.reset();
  next_send_ms_ = now_ms;
  const std::int64_t remaining = delayed_event_deadline_ms() - now_ms;
  const std::int64_t window =
      std::max(timings_.send_window_min_ms, std::min(remaining, timings_.send_window_max_ms));
  send_window_end_ms_ = add_saturating(now_ms, window);
}

void Job::enter_terminal(JobState state, std::vector<ActionKind>& actions) {
  state_ = state;
  in_flight_ = Call::none;  // a late result is ignored anyway
  if (state != JobState::replaced) actions.push_back(ActionKind::remove);
}

void Job::issue(Call call, ActionKind action, std::vector<ActionKind>& actions) {
  in_flight_ = call;
  actions.push_back(action);
}

// Deadlines are checked before calls fall due, and the first due call wins
// (restart before sanity poll): one call at a time.
void Job::run_due(std::int64_t now_ms, std::vector<ActionKind>& actions) {
  while (!is_terminal(state_) && in_flight_ == Call::none) {
    switch (state_) {
      case JobState::waiting_for_initial_connect:
        if (now_ms >= waiting_deadline_ms_) {
          enter_disconnected(now_ms);
          continue;
        }
        if (now_ms >= next_poll_ms_) {
          poll_issued_in_ = state_;
          issue(Call::poll, ActionKind::poll_participant, actions);
        }
        return;
      case JobState::connected:
        if (now_ms >= delayed_event_deadline_ms()) {
          enter_terminal(JobState::aborted, actions);  // the delayed event fired on its own
          return;
        }
        if (now_ms >= next_restart_ms_) {
          issue(Call::restart, ActionKind::restart, actions);
        } else if (next_sanity_ms_ && now_ms >= *next_sanity_ms_) {
          // A ticker: the next check keeps the cadence unless we fell behind.
          const std::int64_t next = add_saturating(*next_sanity_ms_, timings_.sanity_check_ms);
          next_sanity_ms_ = next > now_ms ? next : add_saturating(now_ms, timings_.sanity_check_ms);
          poll_issued_in_ = state_;
          issue(Call::poll, ActionKind::poll_participant, actions);
        }
        return;
      case JobState::disconnected:
        if (now_ms >= send_window_end_ms_) {
          enter_terminal(JobState::aborted, actions);  // gave up sending
          return;
        }
        if (now_ms >= next_send_ms_) issue(Call::send, ActionKind::send, actions);
        return;
      default: return;
    }
  }
}

std::int64_t Job::delayed_event_deadline_ms() const {
  return add_saturating(restarted_at_ms_, params_.delay_timeout_ms);
}

// The homeserver's wish (Retry-After, retry_after_ms) wins over the backoff.
std::int64_t Job::retry_delay_ms(const CallResult& result) {
  if (result.retry_after_ms) return std::max<std::int64_t>(0, *result.retry_after_ms);
  return backoff_.next_delay_ms();
}

}  // namespace matrixrtc::core::delegation
