#include "core/delegation/job.hpp"

#include <gtest/gtest.h>

namespace matrixrtc::core::delegation {
namespace {

using A = ActionKind;
using Actions = std::vector<ActionKind>;
using Kind = CallResult::Kind;

constexpr std::int64_t T0 = 1'800'000'000'000;  // the fake clock starts here
constexpr std::int64_t kSecond = 1000;
constexpr std::int64_t kHour = 3'600'000;

JobParams params(std::int64_t delay_timeout_ms = 30 * kSecond) {
  JobParams p;
  p.delay_id = "syd_abc";
  p.delay_timeout_ms = delay_timeout_ms;
  p.server_name = "example.com";
  p.livekit_room = "room";
  p.livekit_identity = "hashed-identity";
  p.alternative_identities = {"@alice:example.com:DEVICE"};
  return p;
}

// No jitter: every backoff delay is exact (1000, 1500, 2250, …).
JobTimings exact_timings() {
  JobTimings t;
  t.backoff_jitter = 0.0;
  return t;
}

const CallResult kOk{Kind::ok, std::nullopt};
const CallResult kNotFound{Kind::not_found, std::nullopt};
const CallResult kRetry{Kind::retry, std::nullopt};
CallResult retry_after(std::int64_t ms) { return CallResult{Kind::retry, ms}; }

// A started job that just got connected by a poll at `now` and asked for its first restart.
Job connected_job(std::int64_t delay_timeout_ms = 30 * kSecond, JobTimings timings = exact_timings(),
                  std::int64_t now = T0) {
  Job job(params(delay_timeout_ms), timings, now, 1);
  EXPECT_EQ(job.start(now), Actions{A::poll_participant});
  EXPECT_EQ(job.on_poll_result(PollResult::present, now, "hashed-identity"), Actions{A::restart});
  EXPECT_EQ(job.state(), JobState::connected);
  return job;
}

// A job that has just entered Disconnected at `now` (restarted at T0) and asked for the send.
Job disconnected_job(std::int64_t delay_timeout_ms, std::int64_t now, JobTimings timings = exact_timings()) {
  Job job = connected_job(delay_timeout_ms, timings);
  EXPECT_EQ(job.on_restart_result(kOk, T0), Actions{A::persist});
  EXPECT_EQ(job.on_participant_event(ParticipantEvent::left_intentionally, now), Actions{A::send});
  EXPECT_EQ(job.state(), JobState::disconnected);
  return job;
}

TEST(DelegationJobState, NamesAndTerminality) {
  EXPECT_EQ(to_string(JobState::waiting_for_initial_connect), "waiting_for_initial_connect");
  EXPECT_EQ(to_string(JobState::connected), "connected");
  EXPECT_EQ(to_string(JobState::disconnected), "disconnected");
  EXPECT_EQ(to_string(JobState::aborted), "aborted");
  EXPECT_EQ(to_string(JobState::replaced), "replaced");
  EXPECT_EQ(to_string(JobState::completed), "completed");
  EXPECT_FALSE(is_terminal(JobState::waiting_for_initial_connect));
  EXPECT_FALSE(is_terminal(JobState::connected));
  EXPECT_FALSE(is_terminal(JobState::disconnected));
  EXPECT_TRUE(is_terminal(JobState::aborted));
  EXPECT_TRUE(is_terminal(JobState::replaced));
  EXPECT_TRUE(is_terminal(JobState::completed));
}

TEST(DelegationJob, IdentitiesAreTheMainOneThenTheAlternatives) {
  JobParams p = params();
  p.alternative_identities = {"@alice:example.com:DEVICE", "second"};
  const Job job(p, exact_timings(), T0, 1);
  EXPECT_EQ(job.identities(), (std::vector<std::string>{"hashed-identity", "@alice:example.com:DEVICE", "second"}));
  EXPECT_EQ(job.params().delay_id, "syd_abc");
  EXPECT_EQ(job.restarted_at_ms(), T0);
  EXPECT_EQ(job.connected_identity(), "");
}

TEST(DelegationJob, StartPollsAtOnceAndDoesNotPersist) {
  Job job(params(), exact_timings(), T0, 1);
  EXPECT_EQ(job.next_wakeup(), std::nullopt);  // not started
  EXPECT_EQ(job.on_wakeup(T0), Actions{});
  EXPECT_EQ(job.on_participant_event(ParticipantEvent::joined, T0), Actions{});
  EXPECT_EQ(job.start(T0), Actions{A::poll_participant});
  EXPECT_EQ(job.state(), JobState::waiting_for_initial_connect);
  EXPECT_TRUE(job.call_in_flight());
  EXPECT_EQ(job.next_wakeup(), std::nullopt);  // the poll is in flight
  EXPECT_EQ(job.start(T0), Actions{});         // only once
}

TEST(DelegationJob, WaitingPollFindsThePresentParticipant) {
  Job job(params(), exact_timings(), T0, 1);
  job.start(T0);
  EXPECT_EQ(job.on_poll_result(PollResult::present, T0 + 200, "@alice:example.com:DEVICE"), Actions{A::restart});
  EXPECT_EQ(job.state(), JobState::connected);
  EXPECT_EQ(job.connected_identity(), "@alice:example.com:DEVICE");
  EXPECT_TRUE(job.call_in_flight());
}

TEST(DelegationJob, WaitingJoinedWebhookConnects) {
  Job job(params(), exact_timings(), T0, 1);
  job.start(T0);
  EXPECT_EQ(job.on_poll_result(PollResult::absent, T0), Actions{});
  EXPECT_FALSE(job.call_in_flight());
  EXPECT_EQ(job.on_participant_event(ParticipantEvent::joined, T0 + 500), Actions{A::restart});
  EXPECT_EQ(job.state(), JobState::connected);
}

TEST(DelegationJob, JoinedWhilePollInFlightRestartsWhenThePollReports) {
  Job job(params(), exact_timings(), T0, 1);
  job.start(T0);
  EXPECT_EQ(job.on_participant_event(ParticipantEvent::joined, T0 + 100), Actions{});
  EXPECT_EQ(job.state(), JobState::connected);
  EXPECT_TRUE(job.call_in_flight());
  EXPECT_EQ(job.on_wakeup(T0 + 150), Actions{});  // nothing while the poll is out
  // The stale "absent" must not count as a sanity check: no send.
  EXPECT_EQ(job.on_poll_result(PollResult::absent, T0 + 200), Actions{A::restart});
  EXPECT_EQ(job.state(), JobState::connected);
}

TEST(DelegationJob, WaitingConnectionAbortedAbortsWithoutSend) {
  Job job(params(), exact_timings(), T0, 1);
  job.start(T0);
  EXPECT_EQ(job.on_participant_event(ParticipantEvent::connection_aborted, T0 + 10), Actions{A::remove});
  EXPECT_EQ(job.state(), JobState::aborted);
  EXPECT_FALSE(job.call_in_flight());
  EXPECT_EQ(job.next_wakeup(), std::nullopt);
}

TEST(DelegationJob, WaitingIgnoresLeftIntentionally) {
  Job job(params(), exact_timings(), T0, 1);
  job.start(T0);
  job.on_poll_result(PollResult::absent, T0);
  EXPECT_EQ(job.on_participant_event(ParticipantEvent::left_intentionally, T0 + 10), Actions{});
  EXPECT_EQ(job.state(), JobState::waiting_for_initial_connect);
  EXPECT_EQ(job.next_wakeup(), T0 + 1000);
}

TEST(DelegationJob, WaitingPollsBackOffExponentiallyUpToTheCap) {
  Job job(params(3 * kHour), exact_timings(), T0, 1);
  job.start(T0);
  const std::vector<std::int64_t> gaps = {1000,  1500,  2250,  3375,  5062,  7593,  11390,
                                          17085, 25628, 38443, 57665, 60000, 60000};
  std::int64_t now = T0;
  for (std::size_t i = 0; i < gaps.size(); ++i) {
    // transport errors back off like absences
    const auto result = i % 2 == 0 ? PollResult::absent : PollResult::transport_error;
    ASSERT_EQ(job.on_poll_result(result, now), Actions{});
    ASSERT_EQ(job.next_wakeup(), now + gaps[i]) << "step " << i;
    EXPECT_EQ(job.on_wakeup(now + gaps[i] - 1), Actions{});  // not yet due
    now += gaps[i];
    ASSERT_EQ(job.on_wakeup(now), Actions{A::poll_participant});
  }
}

TEST(DelegationJob, JitteredPollsAreDeterministicBySeedAndWithinBounds) {
  const auto first_gaps = [](std::uint64_t seed) {
    Job job(params(3 * kHour), JobTimings{}, T0, seed);
    job.start(T0);
    std::vector<std::int64_t> gaps;
    std::int64_t now = T0;
    for (int i = 0; i < 6; ++i) {
      job.on_poll_result(PollResult::absent, now);
      const std::int64_t next = *job.next_wakeup();
      gaps.push_back(next - now);
      now = next;
      job.on_wakeup(now);
    }
    return gaps;
  };
  EXPECT_EQ(first_gaps(99), first_gaps(99));
  EXPECT_NE(first_gaps(99), first_gaps(100));
  const auto gaps = first_gaps(99);
  double interval = 1000;
  for (const auto gap : gaps) {
    EXPECT_GE(gap, static_cast<std::int64_t>(interval * 0.5));
    EXPECT_LE(gap, static_cast<std::int64_t>(interval * 1.5));
    interval *= 1.5;
  }
}

TEST(DelegationJob, WaitingTimesOutAtTheDelayTimeoutAndSends) {
  Job job(params(30 * kSecond), exact_timings(), T0, 1);
  job.start(T0);
  std::int64_t now = T0;
  job.on_poll_result(PollResult::absent, now);
  while (job.state() == JobState::waiting_for_initial_connect) {
    const std::int64_t next = *job.next_wakeup();
    ASSERT_LE(next, T0 + 30 * kSecond);
    now = next;
    const Actions actions = job.on_wakeup(now);
    if (actions == Actions{A::poll_participant}) job.on_poll_result(PollResult::absent, now);
  }
  EXPECT_EQ(now, T0 + 30 * kSecond);
  EXPECT_EQ(job.state(), JobState::disconnected);
  EXPECT_TRUE(job.call_in_flight());  // the send
}

TEST(DelegationJob, WaitingTimeoutIsCappedAtAnHour) {
  JobTimings timings = exact_timings();
  timings.backoff_initial_ms = 2 * kHour;  // no poll gets in the way
  timings.backoff_max_interval_ms = 2 * kHour;
  Job job(params(3 * kHour), timings, T0, 1);
  job.start(T0);
  job.on_poll_result(PollResult::absent, T0);
  EXPECT_EQ(job.next_wakeup(), T0 + kHour);
  EXPECT_EQ(job.on_wakeup(T0 + kHour - 1), Actions{});
  EXPECT_EQ(job.on_wakeup(T0 + kHour), Actions{A::send});
  EXPECT_EQ(job.state(), JobState::disconnected);
}

TEST(DelegationJob, WaitingTimeoutWhilePollInFlightSendsWhenThePollReports) {
  Job job(params(30 * kSecond), exact_timings(), T0, 1);
  job.start(T0);
  EXPECT_EQ(job.on_poll_result(PollResult::transport_error, T0 + 31 * kSecond), Actions{A::send});
  EXPECT_EQ(job.state(), JobState::disconnected);
}

TEST(DelegationJob, RestoredJobStopsWaitingWhenItsDelayedEventWouldFire) {
  JobTimings timings = exact_timings();
  timings.backoff_initial_ms = 10 * kSecond;
  // Restarted 25 s ago with a 30 s delay: min(now + 30 s, restarted + 30 s) = now + 5 s.
  Job job(params(30 * kSecond), timings, T0 - 25 * kSecond, 1);
  EXPECT_EQ(job.start(T0), Actions{A::poll_participant});
  job.on_poll_result(PollResult::absent, T0);
  EXPECT_EQ(job.next_wakeup(), T0 + 5 * kSecond);
  EXPECT_EQ(job.on_wakeup(T0 + 5 * kSecond), Actions{A::send});
  // The delayed event is due: the send window is the 1 s minimum.
  job.on_send_result(kRetry, T0 + 5 * kSecond);
  EXPECT_EQ(job.next_wakeup(), T0 + 6 * kSecond);
  EXPECT_EQ(job.on_wakeup(T0 + 6 * kSecond), Actions{A::remove});
  EXPECT_EQ(job.state(), JobState::aborted);
}

TEST(DelegationJob, RestoredLongDelayStillWaitsAtMostAnHour) {
  JobTimings timings = exact_timings();
  timings.backoff_initial_ms = 2 * kHour;
  timings.backoff_max_interval_ms = 2 * kHour;
  Job job(params(3 * kHour), timings, T0 - kHour, 1);  // delayed event fires at T0 + 2 h
  job.start(T0);
  job.on_poll_result(PollResult::absent, T0);
  EXPECT_EQ(job.next_wakeup(), T0 + kHour);
}

TEST(DelegationJob, RestoredExpiredJobSendsAtOnce) {
  Job job(params(30 * kSecond), exact_timings(), T0 - 40 * kSecond, 1);
  EXPECT_EQ(job.start(T0), Actions{A::send});
  EXPECT_EQ(job.state(), JobState::disconnected);
  EXPECT_EQ(job.on_send_result(kOk, T0 + 100), Actions{A::remove});
  EXPECT_EQ(job.state(), JobState::completed);
}

TEST(DelegationJob, RestartedAtInTheFutureWaitsTheUsualTime) {
  JobTimings timings = exact_timings();
  timings.backoff_initial_ms = kHour;
  Job job(params(30 * kSecond), timings, T0 + 1000, 1);  // a clock skew between instances
  job.start(T0);
  job.on_poll_result(PollResult::absent, T0);
  EXPECT_EQ(job.next_wakeup(), T0 + 30 * kSecond);
}

TEST(DelegationJob, RestartsAtEightyPercentOfTheDelayAfterEachSuccess) {
  Job job = connected_job(30 * kSecond);
  EXPECT_EQ(job.on_restart_result(kOk, T0 + 100), Actions{A::persist});
  EXPECT_EQ(job.restarted_at_ms(), T0 + 100);
  EXPECT_FALSE(job.call_in_flight());
  EXPECT_EQ(job.next_wakeup(), T0 + 100 + 24 * kSecond);
  EXPECT_EQ(job.on_wakeup(T0 + 100 + 24 * kSecond - 1), Actions{});
  EXPECT_EQ(job.on_wakeup(T0 + 100 + 24 * kSecond), Actions{A::restart});
  EXPECT_EQ(job.on_restart_result(kOk, T0 + 24 * kSecond + 300), Actions{A::persist});
  EXPECT_EQ(job.restarted_at_ms(), T0 + 24 * kSecond + 300);
  EXPECT_EQ(job.next_wakeup(), T0 + 48 * kSecond + 300);
}

TEST(DelegationJob, RestartRetryHonoursRetryAfterThenBacksOff) {
  Job job = connected_job(30 * kSecond);
  EXPECT_EQ(job.on_restart_result(retry_after(5000), T0 + 100), Actions{});
  EXPECT_EQ(job.next_wakeup(), T0 + 5100);
  EXPECT_EQ(job.on_wakeup(T0 + 5100), Actions{A::restart});
  EXPECT_EQ(job.on_restart_result(kRetry, T0 + 5100), Actions{});
  EXPECT_EQ(job.next_wakeup(), T0 + 6100);
  job.on_wakeup(T0 + 6100);
  EXPECT_EQ(job.on_restart_result(kRetry, T0 + 6100), Actions{});
  EXPECT_EQ(job.next_wakeup(), T0 + 7600);
  job.on_wakeup(T0 + 7600);
  EXPECT_EQ(job.on_restart_result(kOk, T0 + 7600), Actions{A::persist});
  // A success resets the backoff.
  job.on_wakeup(T0 + 7600 + 24 * kSecond);
  EXPECT_EQ(job.on_restart_result(kRetry, T0 + 31600), Actions{});
  EXPECT_EQ(job.next_wakeup(), T0 + 32600);
  EXPECT_EQ(job.restarted_at_ms(), T0 + 7600);
}

TEST(DelegationJob, RestartRetriesUntilTheDelayedEventDeadlineThenAborts) {
  Job job = connected_job(30 * kSecond);
  std::int64_t now = T0;
  int restarts = 0;
  while (job.state() == JobState::connected) {
    if (job.call_in_flight()) {
      ++restarts;
      job.on_restart_result(kRetry, now);
      continue;
    }
    const std::int64_t next = *job.next_wakeup();
    ASSERT_LE(next, T0 + 30 * kSecond);
    now = next;
    const Actions actions = job.on_wakeup(now);
    if (job.state() == JobState::aborted) {
      EXPECT_EQ(actions, Actions{A::remove});
    }
  }
  EXPECT_EQ(now, T0 + 30 * kSecond);
  EXPECT_EQ(job.state(), JobState::aborted);
  EXPECT_EQ(restarts, 7);  // at 0, 1, 2.5, 4.75, 8.125, 13.187 and 20.78 s; the next would be at 32.17 s
}

TEST(DelegationJob, RestartRetryAfterBeyondTheDeadlineAbortsAtTheDeadline) {
  Job job = connected_job(30 * kSecond);
  EXPECT_EQ(job.on_restart_result(retry_after(60 * kSecond), T0 + 1000), Actions{});
  EXPECT_EQ(job.next_wakeup(), T0 + 30 * kSecond);
  EXPECT_EQ(job.on_wakeup(T0 + 30 * kSecond), Actions{A::remove});
  EXPECT_EQ(job.state(), JobState::aborted);
}

TEST(DelegationJob, RetryAnsweredAfterTheDeadlineAborts) {
  Job job = connected_job(30 * kSecond);
  EXPECT_EQ(job.on_restart_result(kRetry, T0 + 30 * kSecond), Actions{A::remove});
  EXPECT_EQ(job.state(), JobState::aborted);
}

TEST(DelegationJob, RestartNotFoundAborts) {
  Job job = connected_job();
  EXPECT_EQ(job.on_restart_result(kNotFound, T0 + 100), Actions{A::remove});
  EXPECT_EQ(job.state(), JobState::aborted);
}

TEST(DelegationJob, UnresolvableCsApiWhileConnectedAborts) {
  Job job = connected_job();
  EXPECT_EQ(job.on_cs_api_unresolvable(T0 + 100), Actions{A::remove});
  EXPECT_EQ(job.state(), JobState::aborted);
}

TEST(DelegationJob, UnresolvableCsApiWhileWaitingIsIgnored) {
  Job job(params(), exact_timings(), T0, 1);
  job.start(T0);
  EXPECT_EQ(job.on_cs_api_unresolvable(T0 + 100), Actions{});
  EXPECT_EQ(job.state(), JobState::waiting_for_initial_connect);
  EXPECT_TRUE(job.call_in_flight());  // the poll is still out
}

TEST(DelegationJob, UnresolvableCsApiWhileSendingRetriesWithTheBackoff) {
  Job job = disconnected_job(30 * kSecond, T0 + 10 * kSecond);
  EXPECT_EQ(job.on_cs_api_unresolvable(T0 + 10 * kSecond), Actions{});
  EXPECT_EQ(job.state(), JobState::disconnected);
  EXPECT_EQ(job.next_wakeup(), T0 + 11 * kSecond);
  EXPECT_EQ(job.on_wakeup(T0 + 11 * kSecond), Actions{A::send});
}

TEST(DelegationJob, ConnectedLeftIntentionallySends) {
  Job job = connected_job();
  job.on_restart_result(kOk, T0);
  EXPECT_EQ(job.on_participant_event(ParticipantEvent::left_intentionally, T0 + 5000), Actions{A::send});
  EXPECT_EQ(job.state(), JobState::disconnected);
}

TEST(DelegationJob, ConnectedConnectionAbortedSends) {
  Job job = connected_job();
  job.on_restart_result(kOk, T0);
  EXPECT_EQ(job.on_participant_event(ParticipantEvent::connection_aborted, T0 + 5000), Actions{A::send});
  EXPECT_EQ(job.state(), JobState::disconnected);
}

TEST(DelegationJob, ConnectedIgnoresAnotherJoin) {
  Job job = connected_job();
  job.on_restart_result(kOk, T0);
  EXPECT_EQ(job.on_participant_event(ParticipantEvent::joined, T0 + 5000), Actions{});
  EXPECT_EQ(job.state(), JobState::connected);
}

TEST(DelegationJob, LeftWhileRestartInFlightSendsAfterTheRestartReports) {
  Job job = connected_job();  // restart in flight
  EXPECT_EQ(job.on_participant_event(ParticipantEvent::left_intentionally, T0 + 100), Actions{});
  EXPECT_EQ(job.state(), JobState::disconnected);
  EXPECT_EQ(job.next_wakeup(), std::nullopt);
  // No persist: the restart no longer matters, the send goes.
  EXPECT_EQ(job.on_restart_result(kOk, T0 + 200), Actions{A::send});
  EXPECT_EQ(job.restarted_at_ms(), T0);
}

TEST(DelegationJob, DisconnectedIgnoresWebhooks) {
  Job job = disconnected_job(30 * kSecond, T0 + 1000);
  EXPECT_EQ(job.on_participant_event(ParticipantEvent::joined, T0 + 1100), Actions{});
  EXPECT_EQ(job.on_participant_event(ParticipantEvent::connection_aborted, T0 + 1100), Actions{});
  EXPECT_EQ(job.state(), JobState::disconnected);
}

TEST(DelegationJob, SendOkCompletes) {
  Job job = disconnected_job(30 * kSecond, T0 + 1000);
  EXPECT_EQ(job.on_send_result(kOk, T0 + 1100), Actions{A::remove});
  EXPECT_EQ(job.state(), JobState::completed);
  EXPECT_EQ(job.next_wakeup(), std::nullopt);
}

TEST(DelegationJob, SendNotFoundCompletes) {
  Job job = disconnected_job(30 * kSecond, T0 + 1000);
  EXPECT_EQ(job.on_send_result(kNotFound, T0 + 1100), Actions{A::remove});
  EXPECT_EQ(job.state(), JobState::completed);
}

TEST(DelegationJob, SendRetriesUntilTheWindowClosesThenGivesUp) {
  // Left 10 s after the restart: the window is the 20 s left of the delay.
  Job job = disconnected_job(30 * kSecond, T0 + 10 * kSecond);
  EXPECT_EQ(job.on_send_result(retry_after(7000), T0 + 10 * kSecond), Actions{});
  EXPECT_EQ(job.next_wakeup(), T0 + 17 * kSecond);
  EXPECT_EQ(job.on_wakeup(T0 + 17 * kSecond), Actions{A::send});
  EXPECT_EQ(job.on_send_result(kRetry, T0 + 17 * kSecond), Actions{});
  EXPECT_EQ(job.next_wakeup(), T0 + 18 * kSecond);
  std::int64_t now = T0 + 18 * kSecond;
  while (job.state() == JobState::disconnected) {
    const Actions actions = job.on_wakeup(now);
    if (actions == Actions{A::send}) job.on_send_result(kRetry, now);
    const auto next = job.next_wakeup();
    if (!next) break;
    ASSERT_LE(*next, T0 + 30 * kSecond);
    now = *next;
  }
  EXPECT_EQ(now, T0 + 30 * kSecond);
  EXPECT_EQ(job.state(), JobState::aborted);
}

TEST(DelegationJob, SendWindowIsAtMostAnHour) {
  JobTimings timings = exact_timings();
  timings.backoff_initial_ms = 2 * kHour;
  timings.backoff_max_interval_ms = 2 * kHour;
  Job job = disconnected_job(3 * kHour, T0 + 1000, timings);
  job.on_send_result(kRetry, T0 + 1000);
  EXPECT_EQ(job.next_wakeup(), T0 + 1000 + kHour);
  EXPECT_EQ(job.on_wakeup(T0 + 1000 + kHour), Actions{A::remove});
  EXPECT_EQ(job.state(), JobState::aborted);
}

TEST(DelegationJob, SendWindowIsAtLeastASecond) {
  JobTimings timings = exact_timings();
  timings.backoff_initial_ms = kHour;
  Job job = connected_job(30 * kSecond, timings);
  job.on_restart_result(kOk, T0);
  // Left 29.9 s after the restart: 100 ms left, the window is 1 s.
  EXPECT_EQ(job.on_participant_event(ParticipantEvent::left_intentionally, T0 + 29'900), Actions{A::send});
  job.on_send_result(kRetry, T0 + 29'900);
  EXPECT_EQ(job.next_wakeup(), T0 + 30'900);
}

TEST(DelegationJob, SanityCheckOffMeansNoPollsWhileConnected) {
  Job job = connected_job(30 * kSecond);
  job.on_restart_result(kOk, T0);
  EXPECT_EQ(job.next_wakeup(), T0 + 24 * kSecond);
  EXPECT_EQ(job.on_wakeup(T0 + 24 * kSecond), Actions{A::restart});
}

TEST(DelegationJob, SanityCheckPollsEveryIntervalAndSendsWhenAbsent) {
  JobTimings timings = exact_timings();
  timings.sanity_check_ms = 10 * kSecond;
  Job job = connected_job(60 * kSecond, timings);
  EXPECT_EQ(job.on_restart_result(kOk, T0), Actions{A::persist});
  EXPECT_EQ(job.next_wakeup(), T0 + 10 * kSecond);
  EXPECT_EQ(job.on_wakeup(T0 + 10 * kSecond), Actions{A::poll_participant});
  EXPECT_EQ(job.on_poll_result(PollResult::present, T0 + 10'500, "@alice:example.com:DEVICE"), Actions{});
  EXPECT_EQ(job.connected_identity(), "@alice:example.com:DEVICE");
  EXPECT_EQ(job.next_wakeup(), T0 + 20 * kSecond);  // the cadence holds
  EXPECT_EQ(job.on_wakeup(T0 + 20 * kSecond), Actions{A::poll_participant});
  EXPECT_EQ(job.on_poll_result(PollResult::transport_error, T0 + 20 * kSecond), Actions{});  // ignored
  EXPECT_EQ(job.state(), JobState::connected);
  EXPECT_EQ(job.on_wakeup(T0 + 30 * kSecond), Actions{A::poll_participant});
  EXPECT_EQ(job.on_poll_result(PollResult::absent, T0 + 30 * kSecond), Actions{A::send});
  EXPECT_EQ(job.state(), JobState::disconnected);
}

TEST(DelegationJob, RestartAndSanityPollNeverOverlap) {
  JobTimings timings = exact_timings();
  timings.sanity_check_ms = 20 * kSecond;
  Job job = connected_job(30 * kSecond, timings);
  // The first restart is in flight when the sanity check falls due at 20 s.
  EXPECT_EQ(job.next_wakeup(), std::nullopt);
  EXPECT_EQ(job.on_wakeup(T0 + 20 * kSecond), Actions{});
  EXPECT_EQ(job.on_restart_result(kOk, T0 + 20 * kSecond), (Actions{A::persist, A::poll_participant}));
  // The next restart (at 44 s) falls due while that poll is out: it waits for the poll.
  EXPECT_EQ(job.on_wakeup(T0 + 44 * kSecond), Actions{});
  EXPECT_EQ(job.next_wakeup(), std::nullopt);
  EXPECT_EQ(job.on_poll_result(PollResult::present, T0 + 45 * kSecond), Actions{A::restart});
  // The sanity check due at 40 s runs right after; the cadence stays on multiples of 20 s.
  EXPECT_EQ(job.on_restart_result(kOk, T0 + 45 * kSecond), (Actions{A::persist, A::poll_participant}));
  EXPECT_EQ(job.on_poll_result(PollResult::present, T0 + 46 * kSecond), Actions{});
  EXPECT_EQ(job.next_wakeup(), T0 + 60 * kSecond);
}

TEST(DelegationJob, RestartGoesBeforeASanityPollWhenBothAreDue) {
  JobTimings timings = exact_timings();
  timings.sanity_check_ms = 24 * kSecond;
  Job job = connected_job(30 * kSecond, timings);
  job.on_restart_result(kOk, T0);
  EXPECT_EQ(job.next_wakeup(), T0 + 24 * kSecond);
  EXPECT_EQ(job.on_wakeup(T0 + 24 * kSecond), Actions{A::restart});
  EXPECT_EQ(job.on_restart_result(kOk, T0 + 24 * kSecond), (Actions{A::persist, A::poll_participant}));
}

TEST(DelegationJob, LeftWhileSanityPollInFlightSendsOnce) {
  JobTimings timings = exact_timings();
  timings.sanity_check_ms = 10 * kSecond;
  Job job = connected_job(60 * kSecond, timings);
  job.on_restart_result(kOk, T0);
  job.on_wakeup(T0 + 10 * kSecond);
  EXPECT_EQ(job.on_participant_event(ParticipantEvent::left_intentionally, T0 + 10'100), Actions{});
  EXPECT_EQ(job.on_poll_result(PollResult::absent, T0 + 10'200), Actions{A::send});
  EXPECT_EQ(job.state(), JobState::disconnected);
}

TEST(DelegationJob, ReplacedSendsNothingFromAnyState) {
  {
    Job job(params(), exact_timings(), T0, 1);
    EXPECT_EQ(job.on_replaced(), Actions{});  // before start
    EXPECT_EQ(job.state(), JobState::replaced);
    EXPECT_EQ(job.start(T0), Actions{});
  }
  {
    Job job(params(), exact_timings(), T0, 1);
    job.start(T0);
    EXPECT_EQ(job.on_replaced(), Actions{});
    EXPECT_EQ(job.state(), JobState::replaced);
    EXPECT_EQ(job.on_poll_result(PollResult::present, T0 + 1, "x"), Actions{});
  }
  {
    Job job = connected_job();
    EXPECT_EQ(job.on_replaced(), Actions{});
    EXPECT_EQ(job.on_restart_result(kOk, T0 + 1), Actions{});
    EXPECT_EQ(job.on_participant_event(ParticipantEvent::left_intentionally, T0 + 2), Actions{});
    EXPECT_EQ(job.on_wakeup(T0 + kHour), Actions{});
    EXPECT_EQ(job.state(), JobState::replaced);
    EXPECT_EQ(job.next_wakeup(), std::nullopt);
  }
  {
    Job job = disconnected_job(30 * kSecond, T0 + 1000);
    EXPECT_EQ(job.on_replaced(), Actions{});
    EXPECT_EQ(job.on_send_result(kOk, T0 + 1100), Actions{});
    EXPECT_EQ(job.state(), JobState::replaced);
    EXPECT_FALSE(job.call_in_flight());
  }
}

TEST(DelegationJob, ResultsAfterATerminalStateAreIgnored) {
  Job job = connected_job();
  job.on_restart_result(kNotFound, T0);
  ASSERT_EQ(job.state(), JobState::aborted);
  EXPECT_EQ(job.on_restart_result(kOk, T0 + 1), Actions{});
  EXPECT_EQ(job.on_send_result(kOk, T0 + 1), Actions{});
  EXPECT_EQ(job.on_poll_result(PollResult::absent, T0 + 1), Actions{});
  EXPECT_EQ(job.on_cs_api_unresolvable(T0 + 1), Actions{});
  EXPECT_EQ(job.on_participant_event(ParticipantEvent::connection_aborted, T0 + 1), Actions{});
  EXPECT_EQ(job.on_wakeup(T0 + kHour), Actions{});
  EXPECT_EQ(job.on_replaced(), Actions{});
  EXPECT_EQ(job.state(), JobState::aborted);
  EXPECT_EQ(job.restarted_at_ms(), T0);
}

TEST(DelegationJob, ResultsForCallsNotInFlightAreIgnored) {
  Job job = connected_job();  // a restart is in flight
  EXPECT_EQ(job.on_send_result(kOk, T0 + 1), Actions{});
  EXPECT_EQ(job.on_poll_result(PollResult::absent, T0 + 1), Actions{});
  EXPECT_EQ(job.state(), JobState::connected);
  EXPECT_TRUE(job.call_in_flight());
  EXPECT_EQ(job.on_restart_result(kOk, T0 + 2), Actions{A::persist});
  EXPECT_EQ(job.on_restart_result(kOk, T0 + 3), Actions{});  // a duplicate
  EXPECT_EQ(job.restarted_at_ms(), T0 + 2);
}

}  // namespace
}  // namespace matrixrtc::core::delegation
