#include "service/delegation_manager.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <sstream>

#include "core/delegation/job_record.hpp"
#include "service/fakes.hpp"

namespace matrixrtc::service {
namespace {

namespace asio = boost::asio;
namespace delegation = core::delegation;
using delegation::DelayedEventAction;
using delegation::JobState;
using delegation::ParticipantEvent;

std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class FakeHomeservers : public DelayedEventApi {
 public:
  struct Call {
    std::string server_name;
    std::string delay_id;
    DelayedEventAction action;
  };
  std::vector<Call> calls;
  delegation::CallResult restart_result{delegation::CallResult::Kind::ok, std::nullopt};
  delegation::CallResult send_result{delegation::CallResult::Kind::ok, std::nullopt};

  asio::awaitable<core::Result<void>> check_server(std::string) override { co_return core::Result<void>{}; }
  asio::awaitable<core::Result<delegation::CallResult>> call(std::string server_name, std::string delay_id,
                                                             DelayedEventAction action) override {
    calls.push_back({server_name, delay_id, action});
    co_return action == DelayedEventAction::restart ? restart_result : send_result;
  }
  [[nodiscard]] std::size_t count(std::string_view delay_id, DelayedEventAction action) const {
    return static_cast<std::size_t>(std::ranges::count_if(
        calls, [&](const Call& call) { return call.delay_id == delay_id && call.action == action; }));
  }
};

class DelegationManagerTest : public ::testing::Test {
 protected:
  DelegationManagerTest() {
    options_.timings.backoff_initial_ms = 20;
    options_.timings.backoff_max_interval_ms = 50;
  }

  delegation::JobParams params(std::string delay_id, std::int64_t timeout_ms = 600) {
    delegation::JobParams p;
    p.delay_id = std::move(delay_id);
    p.delay_timeout_ms = timeout_ms;
    p.server_name = "example.com";
    p.livekit_room = "ROOM";
    p.livekit_identity = "HASHED";
    p.alternative_identities = {"@alice:example.com:DEV"};
    return p;
  }
  DelegationManager& manager() {
    if (!manager_) {
      manager_ = std::make_unique<DelegationManager>(io_.get_executor(), rooms_, homeservers_, store_, logger_, wall_ms,
                                                     options_);
      testing::run_on(io_, manager_->start());
    }
    return *manager_;
  }
  void add(delegation::JobParams p) {
    auto added = testing::run_on(io_, manager().add(std::move(p)));
    ASSERT_TRUE(added) << added.error().error;
  }
  /// Runs the loop until `done` holds; false after `limit`.
  bool run_until(const std::function<bool()>& done, std::chrono::milliseconds limit = std::chrono::seconds(3)) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      io_.run_one_for(std::chrono::milliseconds(10));
    }
    return true;
  }
  void run_for(std::chrono::milliseconds span) {
    const auto deadline = std::chrono::steady_clock::now() + span;
    while (std::chrono::steady_clock::now() < deadline) io_.run_one_for(std::chrono::milliseconds(5));
  }
  void webhook(std::string identity, ParticipantEvent event) {
    delegation::ParticipantWebhook w;
    w.event = "participant_x";
    w.room = "ROOM";
    w.identity = std::move(identity);
    w.participant_event = event;
    manager().on_webhook(w);
  }

  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_{io_.get_executor()};
  testing::FakeRooms rooms_;
  FakeHomeservers homeservers_;
  testing::FakeJobStore store_;
  std::ostringstream log_;
  Logger logger_{log_, LogLevel::debug, LogFormat::text};
  DelegationOptions options_;
  std::unique_ptr<DelegationManager> manager_;
};

TEST_F(DelegationManagerTest, AddedJobIsPersistedInTheReferenceFormatAndPolls) {
  add(params("d1"));
  const std::string field = delegation::job_field("ROOM", "HASHED");
  ASSERT_TRUE(store_.values.contains(field));
  const auto record = delegation::parse_job_record(store_.values.at(field));
  ASSERT_TRUE(record);
  EXPECT_EQ(record->params.delay_id, "d1");
  EXPECT_EQ(record->params.alternative_identities, std::vector<std::string>{"@alice:example.com:DEV"});
  // Both identities are looked up (the second is the /sfu/get one).
  ASSERT_TRUE(run_until([&] { return rooms_.lookups.size() >= 2; }));
  EXPECT_EQ(rooms_.lookups[0], (std::pair<std::string, std::string>{"ROOM", "HASHED"}));
  EXPECT_EQ(rooms_.lookups[1], (std::pair<std::string, std::string>{"ROOM", "@alice:example.com:DEV"}));
  EXPECT_EQ(manager().state_of("ROOM", "HASHED"), JobState::waiting_for_initial_connect);
}

TEST_F(DelegationManagerTest, NeverConnectedSendsAfterTheWaitAndIsRemoved) {
  add(params("d1", 300));
  ASSERT_TRUE(run_until([&] { return homeservers_.count("d1", DelayedEventAction::send) == 1; }));
  EXPECT_EQ(homeservers_.count("d1", DelayedEventAction::restart), 0U);
  ASSERT_TRUE(run_until([&] { return store_.values.empty(); }));
  EXPECT_EQ(manager().size(), 0U);
}

TEST_F(DelegationManagerTest, PolledPresenceViaTheLegacyIdentityRestartsThenWebhookLeaveSends) {
  rooms_.present.insert({"ROOM", "@alice:example.com:DEV"});
  add(params("d1", 2000));
  ASSERT_TRUE(run_until([&] { return homeservers_.count("d1", DelayedEventAction::restart) == 1; }));
  EXPECT_EQ(manager().state_of("ROOM", "HASHED"), JobState::connected);
  webhook("@alice:example.com:DEV", ParticipantEvent::left_intentionally);
  ASSERT_TRUE(run_until([&] { return homeservers_.count("d1", DelayedEventAction::send) == 1; }));
  ASSERT_TRUE(run_until([&] { return manager().size() == 0; }));
}

TEST_F(DelegationManagerTest, WebhookJoinConnectsAndAbortSends) {
  add(params("d1", 2000));
  webhook("HASHED", ParticipantEvent::joined);
  ASSERT_TRUE(run_until([&] { return homeservers_.count("d1", DelayedEventAction::restart) == 1; }));
  webhook("HASHED", ParticipantEvent::connection_aborted);
  ASSERT_TRUE(run_until([&] { return homeservers_.count("d1", DelayedEventAction::send) == 1; }));
}

TEST_F(DelegationManagerTest, RestartsAgainAtEightyPercent) {
  add(params("d1", 250));
  webhook("HASHED", ParticipantEvent::joined);
  ASSERT_TRUE(run_until([&] { return homeservers_.count("d1", DelayedEventAction::restart) >= 3; }));
  EXPECT_EQ(homeservers_.count("d1", DelayedEventAction::send), 0U);
}

TEST_F(DelegationManagerTest, ReplacedJobSendsNothing) {
  add(params("old", 300));
  add(params("new", 5000));
  EXPECT_EQ(manager().size(), 1U);
  run_for(std::chrono::milliseconds(500));
  EXPECT_EQ(homeservers_.count("old", DelayedEventAction::send), 0U);
  EXPECT_EQ(delegation::parse_job_record(store_.values.at(delegation::job_field("ROOM", "HASHED")))->params.delay_id,
            "new");
}

TEST_F(DelegationManagerTest, RestoresLiveJobsAndDeletesExpiredOnes) {
  delegation::JobRecord live{params("live", 60'000), wall_ms()};
  live.params.livekit_identity = "LIVE";
  delegation::JobRecord expired{params("expired", 1000), wall_ms() - 5000};
  expired.params.livekit_identity = "EXPIRED";
  store_.values[delegation::job_field("ROOM", "LIVE")] = delegation::serialize_job_record(live);
  store_.values[delegation::job_field("ROOM", "EXPIRED")] = delegation::serialize_job_record(expired);
  store_.values["[\"broken\"]"] = "not a record";
  EXPECT_EQ(manager().size(), 1U);
  EXPECT_EQ(manager().state_of("ROOM", "LIVE"), JobState::waiting_for_initial_connect);
  EXPECT_FALSE(store_.values.contains(delegation::job_field("ROOM", "EXPIRED")));
  EXPECT_TRUE(store_.values.contains("[\"broken\"]"));  // unreadable entries are skipped, not deleted
  EXPECT_EQ(homeservers_.count("expired", DelayedEventAction::send), 0U);
}

TEST_F(DelegationManagerTest, WebhooksForJobsElsewhereArePublishedAndPublishedOnesApplied) {
  store_.shared_store = true;
  webhook("UNKNOWN", ParticipantEvent::joined);
  ASSERT_TRUE(run_until([&] { return store_.published.size() == 1; }));
  const auto message = parse_webhook_message(store_.published[0]);
  ASSERT_TRUE(message);
  EXPECT_EQ(message->identity, "UNKNOWN");
  EXPECT_EQ(message->event, ParticipantEvent::joined);

  add(params("d1", 2000));
  store_.deliver(webhook_message("ROOM", "HASHED", ParticipantEvent::joined));
  ASSERT_TRUE(run_until([&] { return homeservers_.count("d1", DelayedEventAction::restart) == 1; }));
}

TEST_F(DelegationManagerTest, LostLeaseStopsTheJobSilently) {
  store_.shared_store = true;
  options_.lease_renew_interval = std::chrono::milliseconds(30);
  add(params("d1", 300));
  store_.foreign_leases.insert(delegation::job_field("ROOM", "HASHED"));
  ASSERT_TRUE(run_until([&] { return manager().size() == 0; }));
  run_for(std::chrono::milliseconds(400));
  EXPECT_EQ(homeservers_.count("d1", DelayedEventAction::send), 0U);
  EXPECT_TRUE(store_.values.contains(delegation::job_field("ROOM", "HASHED")));  // the new owner's
}

// Redis goes away, a job is added meanwhile, and Redis comes back empty: both
// jobs are written again and keep running (before the fix, the lapsed lease
// read as "taken by another instance" and both jobs were dropped silently).
TEST_F(DelegationManagerTest, JobsSurviveARedisOutageAndAreStoredAgainWhenItReturnsEmpty) {
  store_.shared_store = true;
  options_.lease_renew_interval = std::chrono::milliseconds(30);
  auto before = params("before", 2000);
  before.livekit_identity = "BEFORE";
  before.alternative_identities.clear();
  add(before);
  store_.down = true;
  auto during = params("during", 2000);
  during.livekit_identity = "DURING";
  during.alternative_identities.clear();
  add(during);  // accepted from memory although it cannot be saved
  run_for(std::chrono::milliseconds(150));
  EXPECT_EQ(manager().size(), 2U);
  store_.down = false;
  store_.lose_everything();
  const std::string before_field = delegation::job_field("ROOM", "BEFORE");
  const std::string during_field = delegation::job_field("ROOM", "DURING");
  ASSERT_TRUE(run_until([&] { return store_.values.contains(before_field) && store_.values.contains(during_field); }));
  EXPECT_EQ(delegation::parse_job_record(store_.values.at(during_field))->params.delay_id, "during");
  EXPECT_TRUE(store_.own_leases.contains(before_field));
  EXPECT_TRUE(store_.own_leases.contains(during_field));
  EXPECT_EQ(manager().size(), 2U);
  webhook("DURING", ParticipantEvent::joined);
  ASSERT_TRUE(run_until([&] { return homeservers_.count("during", DelayedEventAction::restart) == 1; }));
  EXPECT_NE(log_.str().find("delegation job stored again"), std::string::npos);
}

// A lease that lapsed during the outage and was adopted by another instance
// stays theirs: this instance drops the job without sending anything.
TEST_F(DelegationManagerTest, AfterAnOutageAJobAdoptedElsewhereIsDropped) {
  store_.shared_store = true;
  options_.lease_renew_interval = std::chrono::milliseconds(30);
  add(params("d1", 1000));
  store_.down = true;
  run_for(std::chrono::milliseconds(100));
  store_.own_leases.clear();
  store_.foreign_leases.insert(delegation::job_field("ROOM", "HASHED"));
  store_.down = false;
  ASSERT_TRUE(run_until([&] { return manager().size() == 0; }));
  run_for(std::chrono::milliseconds(1200));  // past the 1 s wait that would have sent
  EXPECT_EQ(homeservers_.count("d1", DelayedEventAction::send), 0U);
}

TEST_F(DelegationManagerTest, AfterStopAddAnswers503) {
  add(params("d1"));
  testing::run_on(io_, manager().stop());
  auto added = testing::run_on(io_, manager().add(params("d2")));
  ASSERT_FALSE(added);
  EXPECT_EQ(added.error(), core::authz::shutting_down());
  EXPECT_EQ(manager().size(), 0U);
  // The job stays stored for the next start.
  EXPECT_TRUE(store_.values.contains(delegation::job_field("ROOM", "HASHED")));
}

TEST(WebhookMessage, RoundTripsAndRefusesGarbage) {
  const auto message = webhook_message("R\"oom", "id\n", ParticipantEvent::left_intentionally);
  const auto parsed = parse_webhook_message(message);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->room, "R\"oom");
  EXPECT_EQ(parsed->identity, "id\n");
  EXPECT_EQ(parsed->event, ParticipantEvent::left_intentionally);
  EXPECT_FALSE(parse_webhook_message("{}"));
  EXPECT_FALSE(parse_webhook_message(R"({"room":"r","identity":"i","event":"exploded"})"));
  EXPECT_FALSE(parse_webhook_message("nope"));
}

TEST_F(DelegationManagerTest, JobCountsFollowTheStatesForTheMetricsGauge) {
  EXPECT_EQ(manager().job_counts(), (DelegationJobCounts{0, 0, 0}));
  add(params("d1"));
  EXPECT_EQ(manager().job_counts(), (DelegationJobCounts{1, 0, 0}));
  webhook("HASHED", ParticipantEvent::joined);
  EXPECT_EQ(manager().state_of("ROOM", "HASHED"), JobState::connected);
  EXPECT_EQ(manager().job_counts(), (DelegationJobCounts{0, 1, 0}));
}

}  // namespace
}  // namespace matrixrtc::service
