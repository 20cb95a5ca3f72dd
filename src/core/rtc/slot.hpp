// Slots (MSC4143): "APPLICATION#ID" identifiers and the open/closed state of
// a slot's `m.rtc.slot` state event.
#pragma once

#include <boost/json/value.hpp>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace matrixrtc::core::rtc {

/// The room-wide call slot every legacy client joins: "m.call#ROOM".
inline constexpr std::string_view kDefaultApplication = "m.call";
inline constexpr std::string_view kDefaultSlotId = "m.call#ROOM";

struct SlotDescription {
  std::string application;
  std::string id;  ///< empty when the slot id has no '#'
  friend bool operator==(const SlotDescription&, const SlotDescription&) = default;
};

/// Splits "APPLICATION#ID" like matrix-js-sdk: no '#' gives an empty id, more
/// than one '#' is an error (slot ids have exactly two components).
[[nodiscard]] Result<SlotDescription> split_slot_id(std::string_view slot_id);

/// "APPLICATION#ID".
[[nodiscard]] std::string make_slot_id(std::string_view application, std::string_view id);

/// The slot of a legacy membership: `application#call_id`, where application
/// `m.call` with an empty call id means "m.call#ROOM" (the "ROOM hack").
[[nodiscard]] std::string legacy_slot_id(std::string_view application, std::string_view call_id);

enum class SlotState {
  absent,  ///< no slot event: treated as open (see docs/membership.md, question 8)
  open,
  closed,
};

/// The state of slot `slot_id` given its slot event's content: open only if
/// `status` is "open" and `application.type` equals the slot id's application
/// (so `{}` and any malformed content are closed).
[[nodiscard]] SlotState slot_state_from_content(const boost::json::value& content, std::string_view slot_id);

}  // namespace matrixrtc::core::rtc
