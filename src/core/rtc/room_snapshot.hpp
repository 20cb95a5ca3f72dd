// The current room as a MatrixRTC client sees it after receiving a list of
// events in order: room state (the last event per (type, state_key) wins,
// kept in the order each key first appeared) and the MSC4354 sticky map.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "core/rtc/event.hpp"
#include "core/rtc/slot.hpp"

namespace matrixrtc::core::rtc {

/// A sticky event the map did not take, and why ("not_sticky" when it has no
/// positive sticky duration, "sticky_expired" when its stickiness ran out).
struct StickyDrop {
  const RoomEvent* event = nullptr;
  std::string code;
  std::string reason;
};

struct RoomSnapshot {
  /// Current state events, in the order their (type, state_key) first appeared.
  std::vector<const RoomEvent*> state;
  /// Current sticky events: first those without a sticky key (arrival order),
  /// then one per (type, sender, sticky key) in the order each key first
  /// arrived; the winner per key is the latest origin_server_ts, then the
  /// greatest event_id (as matrix-js-sdk's sticky store orders them).
  std::vector<const RoomEvent*> sticky;
  std::vector<StickyDrop> dropped;
  /// State keys of m.room.member events with membership "join", as views into
  /// the events. A hash set, not an ordered set of strings: compute_sessions()
  /// asks it once per membership, and at 10^5 members each ordered lookup was
  /// ~17 dependent cache misses through tree nodes and heap-allocated keys.
  std::unordered_set<std::string_view> joined_users;
  /// Slot state by slot id, from `org.matrix.msc4143.rtc.slot` and `m.rtc.slot`
  /// (closed if either is closed).
  std::map<std::string, SlotState, std::less<>> slots;

  [[nodiscard]] SlotState slot_state(std::string_view slot_id) const;
  [[nodiscard]] bool is_joined(std::string_view user_id) const { return joined_users.contains(user_id); }
};

/// Builds the snapshot; only sticky events of membership types enter the
/// sticky map. The events must outlive the snapshot (it holds pointers and
/// string views into them). `now_ms` decides which sticky events are still
/// sticky.
[[nodiscard]] RoomSnapshot build_room_snapshot(std::span<const RoomEvent> events, std::int64_t now_ms);

}  // namespace matrixrtc::core::rtc
