#include "core/rtc/session_diff.hpp"

#include <unordered_map>

#include "core/text.hpp"

namespace matrixrtc::core::rtc {

std::string participation_key(const Membership& m) {
  if (m.state_key) return cat("S", m.event_type, '\0', *m.state_key);
  return cat("K", m.event_type, '\0', m.sender, '\0', m.sticky_key.value_or(m.event_id));
}

SessionDiff diff_sessions(const Session& before, const Session& after) {
  SessionDiff diff;
  std::unordered_map<std::string, const Membership*> old_members;
  for (const auto& member : before.members)
    old_members.emplace(participation_key(member.membership), &member.membership);
  for (const auto& member : after.members) {
    const auto it = old_members.find(participation_key(member.membership));
    if (it == old_members.end()) {
      diff.joined.push_back(member.membership);
      continue;
    }
    const Membership& old = *it->second;
    if (old.content != member.membership.content || old.created_ts != member.membership.created_ts) {
      diff.updated.emplace_back(old, member.membership);
    }
    old_members.erase(it);
  }
  for (const auto& member : before.members) {
    if (old_members.contains(participation_key(member.membership))) diff.left.push_back(member.membership);
  }
  diff.started = before.members.empty() && !after.members.empty();
  diff.ended = !before.members.empty() && after.members.empty();
  return diff;
}

}  // namespace matrixrtc::core::rtc
