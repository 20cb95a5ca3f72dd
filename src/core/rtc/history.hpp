// Call history from a room timeline: which members joined, updated and left
// each slot and why, and when each call (a maximal period with at least one
// member in a slot) started and ended. Uses the event content and, for the
// first state event seen per key, `unsigned.prev_content`.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/rtc/event.hpp"
#include "core/rtc/membership.hpp"

namespace matrixrtc::core::rtc {

enum class HistoryAction { join, update, leave };

/// "join", "update" or "leave".
[[nodiscard]] std::string_view to_string(HistoryAction action) noexcept;

struct HistoryRecord {
  std::int64_t ts = 0;  ///< origin_server_ts, or the expiry time for expiries
  HistoryAction action = HistoryAction::join;
  std::string event_id;  ///< the event that caused it; empty for expiries
  std::string event_type;
  std::string slot_id;
  std::string user_id;
  std::optional<std::string> device_id;
  std::string member_id;
  /// Leaves only: the reason the leave gave (Gen 3 `leave_reason.code`, legacy
  /// `leave_reason` such as "lost_connection"), or ours: "expired" (legacy
  /// expiry passed), "sticky_expired" (not re-sent in time), "invalid_membership"
  /// (replaced by content that is no valid membership).
  std::optional<LeaveReason> reason;
};

struct CallRecord {
  std::string slot_id;
  /// When the first member joined; nullopt when the call was already running
  /// at the start of the timeline (known only from prev_content).
  std::optional<std::int64_t> start_ts;
  std::optional<std::int64_t> end_ts;     ///< nullopt while still running
  std::vector<std::string> participants;  ///< users, each once, in join order
};

struct CallHistory {
  std::vector<HistoryRecord> records;  ///< in time order
  std::vector<CallRecord> calls;       ///< by start
};

/// Derives the history of `timeline` (events in timeline order). When
/// `now_ms` is given, memberships whose expiry has passed by then are closed.
[[nodiscard]] CallHistory derive_history(std::span<const RoomEvent> timeline, std::optional<std::int64_t> now_ms);

}  // namespace matrixrtc::core::rtc
