#include "core/rtc/history.hpp"

#include <algorithm>
#include <map>
#include <unordered_map>

#include "core/rtc/json_access.hpp"
#include "core/text.hpp"

namespace matrixrtc::core::rtc {
namespace {

struct Active {
  Membership membership;
  std::optional<std::int64_t> expires_at;
  std::string expiry_code;
};

class HistoryBuilder {
 public:
  void expire_until(std::int64_t ts) {
    while (!expiries_.empty() && expiries_.begin()->first <= ts) {
      const auto [at, key] = *expiries_.begin();
      expiries_.erase(expiries_.begin());
      const auto it = active_.find(key);
      if (it == active_.end() || it->second.expires_at != at) continue;  // refreshed or gone
      leave(it, at, {}, {}, LeaveReason{it->second.expiry_code, {}});
    }
  }

  void seed(const std::string& key, Membership m) {
    // Already in the call before the timeline starts.
    auto& calls = open_calls_[m.slot_id];
    if (calls.members == 0) {
      calls.index = history_.calls.size();
      history_.calls.push_back({m.slot_id, std::nullopt, std::nullopt, {}});
    }
    add_participant(calls.index, m.user_id);
    ++calls.members;
    insert(key, Active{std::move(m), std::nullopt, {}});
  }

  void join(const std::string& key, const RoomEvent& event, Membership m) {
    auto it = active_.find(key);
    std::optional<std::int64_t> expires_at =
        m.format == MembershipFormat::legacy ? m.expires_ts : event.sticky_expires_at(event.origin_server_ts);
    const std::string code = m.format == MembershipFormat::legacy ? "expired" : "sticky_expired";
    if (it != active_.end() && it->second.membership.slot_id == m.slot_id) {
      const bool changed = it->second.membership.content != m.content;
      if (changed) record(event, HistoryAction::update, m, std::nullopt);
      it->second = Active{std::move(m), expires_at, code};
      if (expires_at) expiries_.emplace(*expires_at, key);
      return;
    }
    if (it != active_.end()) leave(it, event.origin_server_ts, event.event_id, event.type, std::nullopt);
    auto& calls = open_calls_[m.slot_id];
    if (calls.members == 0) {
      calls.index = history_.calls.size();
      history_.calls.push_back({m.slot_id, event.origin_server_ts, std::nullopt, {}});
    }
    add_participant(calls.index, m.user_id);
    ++calls.members;
    record(event, HistoryAction::join, m, std::nullopt);
    if (expires_at) expiries_.emplace(*expires_at, key);
    insert(key, Active{std::move(m), expires_at, code});
  }

  void leave_key(const std::string& key, const RoomEvent& event, std::optional<LeaveReason> reason) {
    const auto it = active_.find(key);
    if (it != active_.end()) leave(it, event.origin_server_ts, event.event_id, event.type, std::move(reason));
  }

  [[nodiscard]] bool knows(const std::string& key) const { return seen_.contains(key); }
  void mark_seen(const std::string& key) { seen_.emplace(key, true); }

  CallHistory finish() && { return std::move(history_); }

 private:
  struct OpenCall {
    std::size_t index = 0;
    std::size_t members = 0;
  };

  void insert(const std::string& key, Active active) { active_.insert_or_assign(key, std::move(active)); }

  void add_participant(std::size_t call, const std::string& user) {
    auto& users = history_.calls[call].participants;
    if (std::ranges::find(users, user) == users.end()) users.push_back(user);
  }

  void record(const RoomEvent& event, HistoryAction action, const Membership& m, std::optional<LeaveReason> reason) {
    history_.records.push_back({event.origin_server_ts, action, event.event_id, event.type, m.slot_id, m.user_id,
                                m.device_id, m.member_id, std::move(reason)});
  }

  void leave(std::unordered_map<std::string, Active>::iterator it, std::int64_t ts, std::string event_id,
             std::string event_type, std::optional<LeaveReason> reason) {
    const Membership& m = it->second.membership;
    history_.records.push_back({ts, HistoryAction::leave, std::move(event_id), std::move(event_type), m.slot_id,
                                m.user_id, m.device_id, m.member_id, std::move(reason)});
    auto& calls = open_calls_[m.slot_id];
    if (--calls.members == 0) history_.calls[calls.index].end_ts = ts;
    active_.erase(it);
  }

  CallHistory history_;
  std::unordered_map<std::string, Active> active_;
  std::unordered_map<std::string, bool> seen_;
  std::unordered_map<std::string, OpenCall> open_calls_;
  std::multimap<std::int64_t, std::string> expiries_;
};

std::optional<std::string> member_key(const RoomEvent& event, const MembershipParse& parse) {
  if (event.is_state()) return cat("S", event.type, '\0', *event.state_key);
  const auto& key = parse.membership ? parse.membership->sticky_key : parse.sticky_key;
  if (!key) return std::nullopt;
  return cat("K", event.type, '\0', event.sender, '\0', *key);
}

}  // namespace

std::string_view to_string(HistoryAction action) noexcept {
  switch (action) {
    case HistoryAction::join: return "join";
    case HistoryAction::update: return "update";
    case HistoryAction::leave: return "leave";
  }
  return "unknown";
}

CallHistory derive_history(std::span<const RoomEvent> timeline, std::optional<std::int64_t> now_ms) {
  HistoryBuilder builder;
  for (const auto& event : timeline) {
    if (!is_membership_event_type(event.type)) continue;
    builder.expire_until(event.origin_server_ts);
    auto parse = parse_membership(event);
    const auto key = member_key(event, parse);
    if (!key) continue;
    if (event.is_state() && !builder.knows(*key)) {
      // The state before this event, when the server told us.
      if (const auto* prev = event.unsigned_data.if_contains("prev_content"); prev != nullptr) {
        RoomEvent before = event;
        before.content = *prev;
        before.origin_server_ts =
            json_access::safe_integer_of(json_access::property(prev, "created_ts")).value_or(event.origin_server_ts);
        if (auto prior = parse_membership(before); prior.status == ParseStatus::joined) {
          builder.seed(*key, std::move(*prior.membership));
        }
      }
    }
    builder.mark_seen(*key);
    switch (parse.status) {
      case ParseStatus::joined: builder.join(*key, event, std::move(*parse.membership)); break;
      case ParseStatus::left: builder.leave_key(*key, event, parse.leave_reason); break;
      case ParseStatus::rejected:
        builder.leave_key(*key, event, LeaveReason{"invalid_membership", parse.reason()});
        break;
    }
  }
  if (now_ms) builder.expire_until(*now_ms);
  return std::move(builder).finish();
}

}  // namespace matrixrtc::core::rtc
