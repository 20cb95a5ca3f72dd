// libFuzzer target: membership parsing and session computation must never
// crash, hang or read out of bounds on any input, however malformed.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/rtc/event.hpp"
#include "core/rtc/history.hpp"
#include "core/rtc/membership.hpp"
#include "core/rtc/notification.hpp"
#include "core/rtc/session.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace rtc = matrixrtc::core::rtc;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto events = rtc::parse_room_events(text);
  if (!events) return 0;
  for (const auto& event : events->events) {
    const auto parse = rtc::parse_membership(event);
    if (parse.status == rtc::ParseStatus::rejected && parse.errors.empty()) __builtin_trap();
    if (parse.status == rtc::ParseStatus::joined && !parse.membership) __builtin_trap();
    (void)rtc::parse_notification(event);
  }
  const auto room = rtc::compute_sessions(events->events, 1'800'000'000'000);
  for (const auto& session : room.sessions) {
    if (session.members.empty()) __builtin_trap();
    for (std::size_t i = 1; i < session.members.size(); ++i) {
      if (session.members[i - 1].membership.created_ts > session.members[i].membership.created_ts) __builtin_trap();
    }
  }
  (void)rtc::derive_history(events->events, 1'800'000'000'000);
  return 0;
}
