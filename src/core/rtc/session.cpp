#include "core/rtc/session.hpp"

#include <algorithm>
#include <map>
#include <unordered_set>

#include "core/rtc/room_snapshot.hpp"
#include "core/rtc/rtc_membership.hpp"
#include "core/rtc/slot.hpp"
#include "core/rtc/transport_selection.hpp"
#include "core/text.hpp"

namespace matrixrtc::core::rtc {
namespace {

Exclusion exclusion(const RoomEvent& event, std::string code, std::string reason) {
  return {event.type, event.event_id, event.state_key, event.sender, std::move(code), std::move(reason)};
}

Session empty_session(std::string_view slot_id) {
  Session session;
  session.slot_id = std::string(slot_id);
  const auto description = split_slot_id(slot_id);
  session.application = description ? description->application : std::string(slot_id);
  return session;
}

// Orders members by created_ts, ties by position (a stable sort). Sorts small
// (created_ts, position) pairs, then moves each member once, in place, along
// the cycles of that permutation. Sorting the ~600-byte members themselves, or
// moving them into a second vector, touched every member again: in a room of
// 10^5 members that is tens of megabytes of extra memory traffic per call.
void sort_oldest_first(std::vector<SessionMember>& members) {
  std::vector<std::pair<std::int64_t, std::size_t>> order;
  order.reserve(members.size());
  for (std::size_t i = 0; i < members.size(); ++i) order.emplace_back(members[i].membership.created_ts, i);
  std::ranges::sort(order);  // ties are broken by position: stable
  // Position k must receive the member now at order[k].second.
  std::vector<bool> placed(members.size(), false);
  for (std::size_t start = 0; start < members.size(); ++start) {
    if (placed[start] || order[start].second == start) continue;
    SessionMember held = std::move(members[start]);
    std::size_t k = start;
    while (order[k].second != start) {
      members[k] = std::move(members[order[k].second]);
      placed[k] = true;
      k = order[k].second;
    }
    members[k] = std::move(held);
    placed[k] = true;
  }
}

}  // namespace

std::vector<std::string> Session::participants() const {
  std::vector<std::string> users;
  std::unordered_set<std::string> seen;
  for (const auto& member : members) {
    if (seen.insert(member.membership.user_id).second) users.push_back(member.membership.user_id);
  }
  return users;
}

bool Session::is_device_joined(std::string_view user_id, std::string_view device_id) const {
  return std::ranges::any_of(members, [&](const SessionMember& m) {
    return m.membership.user_id == user_id && m.membership.device_id == device_id;
  });
}

std::vector<boost::json::object> Session::transports_in_use() const {
  std::vector<boost::json::object> transports;
  for (const auto& member : members) {
    if (!member.selected_transport) continue;
    const bool known = std::ranges::any_of(transports, [&](const boost::json::object& t) {
      return t == *member.selected_transport || same_service(t, *member.selected_transport);
    });
    if (!known) transports.push_back(*member.selected_transport);
  }
  return transports;
}

Session RoomSessions::session(std::string_view slot_id) const {
  for (const auto& s : sessions) {
    if (s.slot_id == slot_id) return s;
  }
  return empty_session(slot_id);
}

void apply_transport_selection(Session& session) {
  const Membership* oldest = session.members.empty() ? nullptr : &session.members.front().membership;
  for (auto& member : session.members) member.selected_transport = select_transport(member.membership, oldest);
  session.active_transport = session.members.empty() ? std::nullopt : session.members.front().selected_transport;
  session.auth_service_url = session.active_transport ? auth_service_url(*session.active_transport) : std::nullopt;
}

RoomSessions compute_sessions(std::span<const RoomEvent> events, std::int64_t now_ms) {
  const RoomSnapshot snapshot = build_room_snapshot(events, now_ms);
  RoomSessions result;
  for (const auto& drop : snapshot.dropped) result.rejected.push_back(exclusion(*drop.event, drop.code, drop.reason));

  // Collection order: sticky memberships, then legacy state memberships. A
  // state membership whose state key is some sticky membership's key is
  // hidden (matrix-js-sdk de-duplicates members that moved to sticky events).
  // The keys are views into the events' content: no string per member.
  std::unordered_set<std::string_view> sticky_keys;
  sticky_keys.reserve(snapshot.sticky.size());
  std::map<std::string, Session, std::less<>> by_slot;
  // Each parse is placed at once (sticky keys are all known before the first
  // state membership), so no event's parse outlives its placement.
  const auto place = [&](const RoomEvent* event, MembershipParse parse) {
    if (parse.status == ParseStatus::left) return;
    if (parse.status == ParseStatus::rejected) {
      const char* code = "invalid";
      if (parse.errors.size() == 1 && parse.errors[0] == kNotStateError) code = "not_state";
      if (parse.errors.size() == 1 && parse.errors[0] == kStateStickyError) code = "not_sticky";
      result.rejected.push_back(exclusion(*event, code, parse.reason()));
      return;
    }
    Membership& m = *parse.membership;
    if (!m.expires_ts) m.expires_ts = event->sticky_expires_at(now_ms);
    if (snapshot.slot_state(m.slot_id) == SlotState::closed) {
      result.rejected.push_back(exclusion(*event, "slot_closed", cat("slot ", m.slot_id, " is closed")));
    } else if (event->is_state() && sticky_keys.contains(*event->state_key)) {
      result.rejected.push_back(
          exclusion(*event, "hidden_by_sticky", "a sticky membership has this state key as its sticky key"));
    } else if (m.format == MembershipFormat::legacy && *m.expires_ts - now_ms <= 0) {
      result.rejected.push_back(exclusion(*event, "expired", cat("expired at ", *m.expires_ts)));
    } else if (!snapshot.is_joined(m.user_id)) {
      result.rejected.push_back(exclusion(*event, "not_joined", cat(m.user_id, " is not joined to the room")));
    } else {
      auto [it, inserted] = by_slot.try_emplace(m.slot_id);
      if (inserted) {
        it->second.slot_id = m.slot_id;
        it->second.application = split_slot_id(m.slot_id).value_or(SlotDescription{m.slot_id, {}}).application;
      }
      it->second.members.push_back({std::move(m), std::nullopt});
    }
  };
  for (const RoomEvent* event : snapshot.sticky) {
    if (event->type == event_type::kLegacyMember || event->type == event_type::kLegacyMemberStable) {
      continue;  // misfiled legacy events hide nothing
    }
    if (const auto key = sticky_key_view_of(event->content)) sticky_keys.insert(*key);
  }
  for (const RoomEvent* event : snapshot.sticky) place(event, parse_membership(*event));
  for (const RoomEvent* event : snapshot.state) {
    if (is_membership_event_type(event->type)) place(event, parse_membership(*event));
  }
  result.sessions.reserve(by_slot.size());
  for (auto& [slot_id, session] : by_slot) {
    sort_oldest_first(session.members);
    apply_transport_selection(session);
    result.sessions.push_back(std::move(session));
  }
  return result;
}

}  // namespace matrixrtc::core::rtc
