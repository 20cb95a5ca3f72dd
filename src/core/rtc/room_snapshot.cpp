#include "core/rtc/room_snapshot.hpp"

#include <algorithm>
#include <functional>
#include <tuple>
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

// Keys of the per-event lookup tables, as views into the events (which outlive
// the snapshot): no string is built or allocated per event. A tuple of views
// also never confuses ("a\0b", "c") with ("a", "b\0c") as joined keys could.
using StateKey = std::pair<std::string_view, std::string_view>;                      // type, state_key
using StickyKey = std::tuple<std::string_view, std::string_view, std::string_view>;  // type, sender, key

inline std::size_t mix(std::size_t seed, std::string_view part) noexcept {
  return seed ^ (std::hash<std::string_view>{}(part) + 0x9e3779b97f4a7c15ULL + (seed << 6) + (seed >> 2));
}
struct StateKeyHash {
  std::size_t operator()(const StateKey& k) const noexcept { return mix(mix(0, k.first), k.second); }
};
struct StickyKeyHash {
  std::size_t operator()(const StickyKey& k) const noexcept {
    return mix(mix(mix(0, std::get<0>(k)), std::get<1>(k)), std::get<2>(k));
  }
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
  std::unordered_map<StateKey, std::size_t, StateKeyHash> state_index;  // -> position in snapshot.state
  std::unordered_map<std::string_view, std::size_t> type_ranks;
  std::unordered_map<StickyKey, std::size_t, StickyKeyHash> sticky_index;  // -> position in entries
  std::vector<StickyEntry> entries;
  // Sized once: rehashing node tables of 10^5 entries is needless memory traffic.
  state_index.reserve(events.size());
  for (const auto& event : events) {
    if (event.is_state()) {
      const auto [it, inserted] =
          state_index.try_emplace(StateKey{event.type, *event.state_key}, snapshot.state.size());
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
    const auto sticky_key = sticky_key_view_of(event.content);
    if (!sticky_key) {
      entries.push_back({&event, type_rank, entries.size(), false});
      continue;
    }
    const auto [it, inserted] =
        sticky_index.try_emplace(StickyKey{event.type, event.sender, *sticky_key}, entries.size());
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

  snapshot.joined_users.reserve(snapshot.state.size());
  for (const RoomEvent* event : snapshot.state) {
    if (event->type == event_type::kRoomMember) {
      if (ja::string_of(ja::property(&event->content, "membership")) == "join") {
        snapshot.joined_users.insert(std::string_view(*event->state_key));
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
