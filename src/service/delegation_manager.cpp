#include "service/delegation_manager.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/object.hpp>
#include <random>

#include "core/delegation/job_record.hpp"
#include "core/json/canonical_json.hpp"
#include "core/json/strict_parser.hpp"
#include "core/text.hpp"

namespace matrixrtc::service {

namespace asio = boost::asio;
namespace delegation = core::delegation;
using core::cat;
using delegation::ActionKind;

struct DelegationManager::Entry {
  Entry(std::string field_in, delegation::Job job_in, const asio::any_io_executor& executor)
      : field(std::move(field_in)), job(std::move(job_in)), timer(executor) {}
  std::string field;
  delegation::Job job;
  asio::steady_timer timer;
  std::string stored_value;  ///< what this instance last saved, for compare-and-delete
  bool dirty = false;        ///< a save failed; retried by the maintenance loop
  bool gone = false;         ///< dropped: late results are ignored
};

namespace {

std::string index_key(std::string_view room, std::string_view identity) { return cat(room, "\n", identity); }

std::string_view event_name(delegation::ParticipantEvent event) {
  switch (event) {
    case delegation::ParticipantEvent::joined: return "joined";
    case delegation::ParticipantEvent::left_intentionally: return "left_intentionally";
    case delegation::ParticipantEvent::connection_aborted: return "connection_aborted";
  }
  return "joined";
}

std::string quoted(std::string_view text) {
  std::string out;
  if (!core::json::write_json_string(out, text, core::json::Escaping::canonical)) out = R"("")";
  return out;
}

}  // namespace

std::string webhook_message(std::string_view room, std::string_view identity, delegation::ParticipantEvent event) {
  return cat(R"({"room":)", quoted(room), R"(,"identity":)", quoted(identity), R"(,"event":)",
             quoted(event_name(event)), "}");
}

std::optional<PublishedWebhook> parse_webhook_message(std::string_view message) {
  auto object = core::json::parse_strict_object(message);
  if (!object) return std::nullopt;
  const auto text = [&](std::string_view name) -> std::optional<std::string> {
    const auto* value = object->if_contains(name);
    if (value == nullptr || !value->is_string()) return std::nullopt;
    return std::string(value->get_string());
  };
  auto room = text("room");
  auto identity = text("identity");
  auto event = text("event");
  if (!room || !identity || !event) return std::nullopt;
  for (const auto candidate : {delegation::ParticipantEvent::joined, delegation::ParticipantEvent::left_intentionally,
                               delegation::ParticipantEvent::connection_aborted}) {
    if (*event == event_name(candidate)) return PublishedWebhook{std::move(*room), std::move(*identity), candidate};
  }
  return std::nullopt;
}

DelegationManager::DelegationManager(asio::any_io_executor executor, RoomServiceClient& rooms,
                                     DelayedEventApi& homeservers, JobStore& store, Logger& logger,
                                     std::function<std::int64_t()> now_ms, DelegationOptions options)
    : executor_(std::move(executor)),
      rooms_(rooms),
      homeservers_(homeservers),
      store_(store),
      logger_(logger),
      now_ms_(std::move(now_ms)),
      options_(options),
      maintenance_(executor_),
      seed_state_(std::random_device{}()) {
  seed_state_ = (seed_state_ << 32U) ^ static_cast<std::uint64_t>(now_ms_());
}

DelegationManager::~DelegationManager() {
  for (auto& [field, entry] : jobs_) entry->gone = true;
}

std::uint64_t DelegationManager::next_seed() {
  // splitmix64: distinct jitter per job, so restarted instances do not poll in lockstep.
  std::uint64_t z = (seed_state_ += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30U)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27U)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31U);
}

asio::awaitable<void> DelegationManager::start() {
  store_.on_webhook([this](std::string_view message) { on_published(message); });
  co_await adopt_orphans();
  if (store_.shared()) asio::co_spawn(executor_, maintenance_loop(), asio::detached);
}

DelegationManager::EntryPtr DelegationManager::insert(std::string field, delegation::Job job) {
  if (const auto it = jobs_.find(field); it != jobs_.end()) {
    // A newer job for the same key: the old one stops without sending.
    EntryPtr old = it->second;
    (void)old->job.on_replaced();
    logger_.info("delegation job replaced",
                 {{"room", old->job.params().livekit_room}, {"delay_id", old->job.params().delay_id}});
    drop(old);
  }
  auto entry = std::make_shared<Entry>(field, std::move(job), executor_);
  for (const auto& identity : entry->job.identities()) {
    index_.insert_or_assign(index_key(entry->job.params().livekit_room, identity), field);
  }
  jobs_.emplace(std::move(field), entry);
  return entry;
}

asio::awaitable<std::expected<void, core::authz::ApiError>> DelegationManager::add(delegation::JobParams params) {
  if (stopping_) co_return std::unexpected(core::authz::shutting_down());
  const std::int64_t now = now_ms_();
  std::string field = delegation::job_field(params.livekit_room, params.livekit_identity);
  if (store_.shared()) {
    std::string claimed_field = field;
    auto claimed = co_await store_.claim(std::move(claimed_field), true);
    if (!claimed) logger_.warn("delegation lease not taken", {{"reason", claimed.error().message}});
  }
  delegation::Job job(std::move(params), options_.timings, now, next_seed());
  EntryPtr entry = insert(field, std::move(job));
  logger_.info("delegation job added", {{"room", entry->job.params().livekit_room},
                                        {"delay_id", entry->job.params().delay_id},
                                        {"delay_timeout_ms", std::to_string(entry->job.params().delay_timeout_ms)}});
  // Saved before the answer, so a client told "ok" survives a crash right after.
  entry->stored_value = delegation::serialize_job_record({entry->job.params(), entry->job.restarted_at_ms()});
  std::string saved_field = field;
  std::string saved_value = entry->stored_value;
  auto saved = co_await store_.save(std::move(saved_field), std::move(saved_value));
  if (!saved) {
    entry->dirty = true;
    logger_.warn("delegation job not persisted", {{"reason", saved.error().message}});
  }
  if (!entry->gone) apply(entry, entry->job.start(now_ms_()));
  co_return std::expected<void, core::authz::ApiError>{};
}

void DelegationManager::adopt(std::string field, std::string value, delegation::JobParams params,
                              std::int64_t restarted_at_ms) {
  delegation::Job job(std::move(params), options_.timings, restarted_at_ms, next_seed());
  EntryPtr entry = insert(std::move(field), std::move(job));
  entry->stored_value = std::move(value);
  logger_.info("delegation job restored",
               {{"room", entry->job.params().livekit_room}, {"delay_id", entry->job.params().delay_id}});
  apply(entry, entry->job.start(now_ms_()));
}

void DelegationManager::drop(const EntryPtr& entry) {
  if (entry->gone) return;
  entry->gone = true;
  entry->timer.cancel();
  for (const auto& identity : entry->job.identities()) {
    const auto key = index_key(entry->job.params().livekit_room, identity);
    if (const auto it = index_.find(key); it != index_.end() && it->second == entry->field) index_.erase(it);
  }
  if (const auto it = jobs_.find(entry->field); it != jobs_.end() && it->second == entry) jobs_.erase(it);
}

void DelegationManager::persist(const EntryPtr& entry) {
  entry->stored_value = delegation::serialize_job_record({entry->job.params(), entry->job.restarted_at_ms()});
  asio::co_spawn(
      executor_,
      [this, entry]() -> asio::awaitable<void> {
        std::string field = entry->field;
        std::string value = entry->stored_value;
        auto saved = co_await store_.save(std::move(field), std::move(value));
        entry->dirty = !saved;
        if (!saved) logger_.warn("delegation job not persisted", {{"reason", saved.error().message}});
      },
      asio::detached);
}

void DelegationManager::apply(const EntryPtr& entry, const std::vector<ActionKind>& actions) {
  if (entry->gone) return;
  for (const ActionKind action : actions) {
    switch (action) {
      case ActionKind::poll_participant: asio::co_spawn(executor_, poll(entry), asio::detached); break;
      case ActionKind::restart:
        asio::co_spawn(executor_, call(entry, delegation::DelayedEventAction::restart), asio::detached);
        break;
      case ActionKind::send:
        asio::co_spawn(executor_, call(entry, delegation::DelayedEventAction::send), asio::detached);
        break;
      case ActionKind::persist: persist(entry); break;
      case ActionKind::remove:
        asio::co_spawn(
            executor_,
            [this, field = entry->field, value = entry->stored_value]() -> asio::awaitable<void> {
              std::string removed_field = field;
              std::string expected = value;
              auto removed = co_await store_.remove(std::move(removed_field), std::move(expected));
              if (!removed) logger_.warn("delegation job not removed", {{"reason", removed.error().message}});
              if (store_.shared()) {
                std::string released_field = field;
                (void)co_await store_.release(std::move(released_field));
              }
            },
            asio::detached);
        break;
    }
  }
  if (delegation::is_terminal(entry->job.state())) {
    logger_.info("delegation job ended", {{"room", entry->job.params().livekit_room},
                                          {"delay_id", entry->job.params().delay_id},
                                          {"state", std::string(delegation::to_string(entry->job.state()))}});
    drop(entry);
    return;
  }
  schedule(entry);
}

void DelegationManager::schedule(const EntryPtr& entry) {
  const auto wake = entry->job.next_wakeup();
  if (!wake) {
    entry->timer.cancel();
    return;
  }
  const std::int64_t delay = std::max<std::int64_t>(0, *wake - now_ms_());
  entry->timer.expires_after(std::chrono::milliseconds(delay));
  entry->timer.async_wait([this, entry](const boost::system::error_code& ec) {
    if (ec || entry->gone) return;
    apply(entry, entry->job.on_wakeup(now_ms_()));
  });
}

asio::awaitable<void> DelegationManager::poll(EntryPtr entry) {
  delegation::PollResult result = delegation::PollResult::absent;
  std::string found;
  bool failed = false;
  for (const auto& identity : entry->job.identities()) {
    std::string room = entry->job.params().livekit_room;
    std::string asked = identity;
    auto present = co_await rooms_.participant_exists(std::move(room), std::move(asked));
    if (entry->gone) co_return;
    if (!present) {
      failed = true;
      logger_.debug("GetParticipant failed", {{"reason", present.error().message}});
    } else if (*present) {
      result = delegation::PollResult::present;
      found = identity;
      break;
    }
  }
  if (result != delegation::PollResult::present && failed) result = delegation::PollResult::transport_error;
  apply(entry, entry->job.on_poll_result(result, now_ms_(), found));
}

asio::awaitable<void> DelegationManager::call(EntryPtr entry, delegation::DelayedEventAction action) {
  if (store_.shared() && action == delegation::DelayedEventAction::send) {
    // The leave event is sent only by the lease holder; a Redis outage does
    // not stop it (a duplicate send answers 404, a lost one leaves a ghost).
    const Lease lease = co_await check_lease(entry);
    if (entry->gone) co_return;
    if (lease == Lease::taken) {
      logger_.info("delegation job taken over by another instance", {{"room", entry->job.params().livekit_room}});
      drop(entry);
      co_return;
    }
  }
  std::string server_name = entry->job.params().server_name;
  std::string delay_id = entry->job.params().delay_id;
  auto result = co_await homeservers_.call(std::move(server_name), std::move(delay_id), action);
  if (entry->gone) co_return;
  const std::int64_t now = now_ms_();
  if (!result) {
    logger_.warn("client-server API not resolvable",
                 {{"server_name", entry->job.params().server_name}, {"reason", result.error().message}});
    apply(entry, entry->job.on_cs_api_unresolvable(now));
    co_return;
  }
  logger_.debug("delayed event call",
                {{"action", std::string(delegation::to_string(action))}, {"delay_id", entry->job.params().delay_id}});
  if (action == delegation::DelayedEventAction::restart) {
    apply(entry, entry->job.on_restart_result(*result, now));
  } else {
    apply(entry, entry->job.on_send_result(*result, now));
  }
}

void DelegationManager::apply_event(std::string_view room, std::string_view identity,
                                    delegation::ParticipantEvent event) {
  const auto it = index_.find(index_key(room, identity));
  if (it == index_.end()) return;
  const auto job = jobs_.find(it->second);
  if (job == jobs_.end()) return;
  EntryPtr entry = job->second;
  apply(entry, entry->job.on_participant_event(event, now_ms_()));
}

void DelegationManager::on_webhook(const delegation::ParticipantWebhook& webhook) {
  if (!webhook.participant_event || stopping_) return;
  if (index_.contains(index_key(webhook.room, webhook.identity))) {
    apply_event(webhook.room, webhook.identity, *webhook.participant_event);
    return;
  }
  if (!store_.shared()) return;
  // Another instance may drive this job: tell them all.
  asio::co_spawn(
      executor_,
      [this, message = webhook_message(webhook.room, webhook.identity,
                                       *webhook.participant_event)]() -> asio::awaitable<void> {
        std::string published = message;
        auto sent = co_await store_.publish_webhook(std::move(published));
        if (!sent) logger_.warn("webhook not forwarded", {{"reason", sent.error().message}});
      },
      asio::detached);
}

void DelegationManager::on_published(std::string_view message) {
  auto webhook = parse_webhook_message(message);
  if (!webhook || stopping_) return;
  // Handlers may run on the store's thread of delivery: hop onto ours.
  asio::post(executor_, [this, webhook = std::move(*webhook)] {
    if (!stopping_) apply_event(webhook.room, webhook.identity, webhook.event);
  });
}

asio::awaitable<void> DelegationManager::adopt_orphans() {
  auto stored = co_await store_.load_all();
  if (!stored) {
    logger_.warn("delegation jobs not loaded", {{"reason", stored.error().message}});
    co_return;
  }
  for (auto& [field, value] : *stored) {
    if (stopping_) co_return;
    if (jobs_.contains(field)) continue;
    auto record = delegation::parse_job_record(value);
    if (!record) {
      logger_.debug("stored delegation job skipped", {{"reason", record.error().message}});
      continue;
    }
    if (delegation::is_expired(*record, now_ms_())) {
      std::string removed_field = field;
      std::string expected = value;
      (void)co_await store_.remove(std::move(removed_field), std::move(expected));
      logger_.info("expired delegation job deleted", {{"delay_id", record->params.delay_id}});
      continue;
    }
    if (store_.shared()) {
      std::string claimed_field = field;
      auto claimed = co_await store_.claim(std::move(claimed_field), false);
      if (!claimed || !*claimed || jobs_.contains(field)) continue;
    }
    adopt(field, value, std::move(record->params), record->restarted_at_ms);
  }
}

asio::awaitable<void> DelegationManager::renew_leases() {
  std::vector<EntryPtr> entries;
  entries.reserve(jobs_.size());
  for (const auto& [field, entry] : jobs_) entries.push_back(entry);
  for (const auto& entry : entries) {
    if (entry->gone || stopping_) continue;
    const Lease lease = co_await check_lease(entry);
    if (entry->gone) continue;
    if (lease == Lease::taken) {
      logger_.info("delegation job taken over by another instance", {{"room", entry->job.params().livekit_room}});
      drop(entry);
      continue;
    }
    if (lease == Lease::taken_back) {
      logger_.info("delegation job stored again",
                   {{"room", entry->job.params().livekit_room}, {"delay_id", entry->job.params().delay_id}});
    }
    // A job added or restarted while Redis was away, or whose record went
    // with Redis's data, is written (again) once Redis answers.
    if (lease == Lease::taken_back || (lease == Lease::ours && entry->dirty)) persist(entry);
  }
}

asio::awaitable<DelegationManager::Lease> DelegationManager::check_lease(EntryPtr entry) {
  std::string field = entry->field;
  auto ours = co_await store_.renew(std::move(field));
  if (!ours) co_return Lease::unknown;  // Redis away: keep driving from memory
  if (*ours) co_return Lease::ours;
  if (entry->gone) co_return Lease::taken;
  // Nobody renewed it: either another instance holds it now, or it lapsed
  // (Redis was away longer than the lease, or came back empty). Only in the
  // second case can the claim succeed; then the job is still ours.
  std::string claimed_field = entry->field;
  auto claimed = co_await store_.claim(std::move(claimed_field), false);
  if (!claimed) co_return Lease::unknown;
  co_return *claimed ? Lease::taken_back : Lease::taken;
}

asio::awaitable<void> DelegationManager::maintenance_loop() {
  auto next_adoption = std::chrono::steady_clock::now() + options_.adopt_interval;
  while (!stopping_) {
    maintenance_.expires_after(options_.lease_renew_interval);
    boost::system::error_code ec;
    co_await maintenance_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (stopping_) co_return;
    co_await renew_leases();
    if (std::chrono::steady_clock::now() >= next_adoption) {
      next_adoption = std::chrono::steady_clock::now() + options_.adopt_interval;
      co_await adopt_orphans();
    }
  }
}

asio::awaitable<void> DelegationManager::stop() {
  stopping_ = true;
  maintenance_.cancel();
  std::vector<EntryPtr> entries;
  for (const auto& [field, entry] : jobs_) entries.push_back(entry);
  for (const auto& entry : entries) {
    entry->gone = true;
    entry->timer.cancel();
  }
  // Leases are handed back so a restarted or sibling instance adopts at once.
  if (store_.shared()) {
    for (const auto& entry : entries) {
      std::string field = entry->field;
      (void)co_await store_.release(std::move(field));
    }
  }
  jobs_.clear();
  index_.clear();
}

std::optional<delegation::JobState> DelegationManager::state_of(std::string_view room,
                                                                std::string_view identity) const {
  const auto it = index_.find(index_key(room, identity));
  if (it == index_.end()) return std::nullopt;
  const auto job = jobs_.find(it->second);
  if (job == jobs_.end()) return std::nullopt;
  return job->second->job.state();
}

DelegationJobCounts DelegationManager::job_counts() const {
  DelegationJobCounts counts{};
  for (const auto& [field, entry] : jobs_) {
    const auto state = static_cast<std::size_t>(entry->job.state());
    if (state < counts.size()) ++counts[state];
  }
  return counts;
}

}  // namespace matrixrtc::service
