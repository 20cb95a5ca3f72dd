#include "core/rtc/room_snapshot.hpp"

#include <algorithm>
#include <unordered_map>

#include "core/rtc/json_access.hpp"
#include "core/rtc/membership.hpp"
#include "core/rtc/rtc_membership.hpp"
#include "core/text.hpp"

namespace matrixrtc::core::rtc {
namespace {

namespace ja = json_access;

struct StickyEntry {
  const RoomEvent* event;
  std::size_t type_rank;
  std::size_t key_rank;
  bool keyed;
};

// Whether `candidate` replaces `current` for the same sticky key.
bool wins(const RoomEvent& candidate, const RoomEvent& current) {
  if (candidate.origin_server_ts != current.origin_server_ts) {
    return candidate.origin_server_ts > current.origin_server_ts;
  }
  return candidate.event_id > current.event_id;
}

}  // namespace

SlotState RoomSnapshot::slot_state(std::string_view slot_id) const {
  const auto it = slots.find(slot_id);
  return it == slots.end() ? SlotState::absent : it->second;
}

RoomSnapshot build_room_snapshot(std::span<const RoomEvent> events, std::int64_t now_ms) {
  RoomSnapshot snapshot;
  std::unordered_map<std::string, std::size_t> state_index;  // "type\0key" -> position in snapshot.state
  std::unordered_map<std::string, std::size_t> type_ranks;
  std::unordered_map<std::string, std::size_t> sticky_index;  // "type\0sender\0key" -> entries
  std::vector<StickyEntry> entries;
  for (const auto& event : events) {
    if (event.is_state()) {
      auto key = cat(event.type, '\0', *event.state_key);
      const auto [it, inserted] = state_index.try_emplace(std::move(key), snapshot.state.size());
      if (inserted) {
        snapshot.state.push_back(&event);
      } else {
        snapshot.state[it->second] = &event;
      }
      continue;
    }
    if (!is_membership_event_type(event.type)) continue;
    const auto expires_at = event.sticky_expires_at(now_ms);
    if (!expires_at) {
      snapshot.dropped.push_back({&event, "not_sticky", "no positive msc4354_sticky.duration_ms"});
      continue;
    }
    if (*expires_at <= now_ms) {
      snapshot.dropped.push_back({&event, "sticky_expired", cat("stickiness ended at ", *expires_at)});
      continue;
    }
    if (!event.sender.starts_with('@')) {
      snapshot.dropped.push_back({&event, "not_sticky", "sender must start with @"});
      continue;
    }
    const auto type_rank = type_ranks.try_emplace(event.type, type_ranks.size()).first->second;
    const auto sticky_key = sticky_key_of(event.content);
    if (!sticky_key) {
      entries.push_back({&event, type_rank, entries.size(), false});
      continue;
    }
    const auto [it, inserted] =
        sticky_index.try_emplace(cat(event.type, '\0', event.sender, '\0', *sticky_key), entries.size());
    if (inserted) {
      entries.push_back({&event, type_rank, entries.size(), true});
    } else if (wins(event, *entries[it->second].event)) {
      entries[it->second].event = &event;
    }
  }
  // Every entry has a distinct position, so a plain sort is deterministic.
  std::ranges::sort(entries, [](const StickyEntry& a, const StickyEntry& b) {
    if (a.keyed != b.keyed) return !a.keyed;
    if (!a.keyed) return a.key_rank < b.key_rank;  // arrival order
    return a.type_rank != b.type_rank ? a.type_rank < b.type_rank : a.key_rank < b.key_rank;
  });
  snapshot.sticky.reserve(entries.size());
  for (const auto& entry : entries) snapshot.sticky.push_back(entry.event);

  for (const RoomEvent* event : snapshot.state) {
    if (event->type == event_type::kRoomMember) {
      if (ja::string_of(ja::property(&event->content, "membership")) == "join") {
        snapshot.joined_users.insert(*event->state_key);
      }
    } else if (event->type == event_type::kSlot || event->type == event_type::kSlotStable) {
      const auto state = slot_state_from_content(event->content, *event->state_key);
      auto [it, inserted] = snapshot.slots.try_emplace(*event->state_key, state);
      if (!inserted && state == SlotState::closed) it->second = SlotState::closed;
    }
  }
  return snapshot;
}

}  // namespace matrixrtc::core::rtc
