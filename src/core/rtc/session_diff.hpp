// What changed between two computations of one slot's session, for a UI:
// members that joined, left, or updated their membership (new transports,
// intent, re-sent with a new created_ts), and whether the call started or ended.
#pragma once

#include <utility>
#include <vector>

#include "core/rtc/session.hpp"

namespace matrixrtc::core::rtc {

struct SessionDiff {
  std::vector<Membership> joined;
  std::vector<Membership> left;
  std::vector<std::pair<Membership, Membership>> updated;  ///< (before, after)
  bool started = false;                                    ///< nobody before, somebody now
  bool ended = false;                                      ///< somebody before, nobody now

  [[nodiscard]] bool changed() const noexcept { return !joined.empty() || !left.empty() || !updated.empty(); }
};

/// The key that identifies one participation across snapshots: the state key
/// of a legacy membership, (sender, sticky key) of a sticky one.
[[nodiscard]] std::string participation_key(const Membership& membership);

/// Compares two snapshots of the same slot's session. Members are matched by
/// participation_key(); a match whose content or created_ts differs is an update.
[[nodiscard]] SessionDiff diff_sessions(const Session& before, const Session& after);

}  // namespace matrixrtc::core::rtc
