// Gen 1: the legacy per-device state membership `org.matrix.msc3401.call.member`
// in its "session" form, validated with matrix-js-sdk 43's rules
// (checkSessionsMembershipData) plus the stricter checks in docs/membership.md.
#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <vector>

#include "core/rtc/membership.hpp"

namespace matrixrtc::core::rtc {

/// Every rule the content breaks, in matrix-js-sdk's wording where it has the
/// rule ("device_id must be string", ...), then ours ("expires must be a
/// non-negative integer", "created_ts must be an integer", a malformed slot).
/// Empty when the content is a valid legacy session membership.
[[nodiscard]] std::vector<std::string> check_legacy_content(const boost::json::object& content);

/// Reads a legacy membership whose content passed the pre-filter.
[[nodiscard]] MembershipParse parse_legacy_membership(const RoomEvent& event, const boost::json::object& content);

}  // namespace matrixrtc::core::rtc
