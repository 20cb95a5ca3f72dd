// Gen 2 and Gen 3 sticky memberships (`org.matrix.msc4143.rtc.member`, stable
// `m.rtc.member`). Gen 2 is validated with matrix-js-sdk 43's rules
// (checkRtcMembershipData); Gen 3 (member.membership present) with the
// current MSC4143 text. See docs/membership.md for where the two differ.
#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/rtc/membership.hpp"

namespace matrixrtc::core::rtc {

/// Gen 2 rules, in matrix-js-sdk's wording. Also accepts the pre-43 shape
/// with `rtc_transports` instead of `transports` (ours).
[[nodiscard]] std::vector<std::string> check_rtc_content(const boost::json::object& content, std::string_view sender);

/// Gen 3 rules for a join (member.membership == "join").
[[nodiscard]] std::vector<std::string> check_rtc_gen3_content(const boost::json::object& content,
                                                              std::string_view sender);

/// Whether the content has the Gen 3 shape (an object `member` with a
/// `membership` key).
[[nodiscard]] bool is_gen3_content(const boost::json::object& content) noexcept;

/// Reads a Gen 3 leave: the slot, the sticky key and the leave reason.
[[nodiscard]] MembershipParse parse_rtc_gen3_leave(const boost::json::object& content);

/// Reads a sticky membership (either generation) whose content passed the pre-filter.
[[nodiscard]] MembershipParse parse_rtc_membership(const RoomEvent& event, const boost::json::object& content);

/// The sticky key: `msc4354_sticky_key`, else `sticky_key`, if a string.
[[nodiscard]] std::optional<std::string> sticky_key_of(const boost::json::value& content);
/// The same key as a view into `content` (no allocation), for lookups that
/// run once per event in big rooms.
[[nodiscard]] std::optional<std::string_view> sticky_key_view_of(const boost::json::value& content) noexcept;

}  // namespace matrixrtc::core::rtc
