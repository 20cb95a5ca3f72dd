// Which LiveKit transport (SFU plus authorization service) each member
// connects to, with matrix-js-sdk 43's rules (CallMembership.getTransport):
//  - a sticky member (Gen 2/3) uses its first published transport;
//  - a legacy member with focus_selection "multi_sfu" uses its first foci_preferred;
//  - a legacy member with "oldest_membership" uses the oldest member's selected
//    transport, so everyone converges on one SFU;
//  - anything else selects nothing.
#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/rtc/membership.hpp"

namespace matrixrtc::core::rtc {

inline constexpr std::string_view kFocusOldestMembership = "oldest_membership";
inline constexpr std::string_view kFocusMultiSfu = "multi_sfu";

/// The transport a member would use by itself: first published transport for
/// sticky members; first foci_preferred for legacy members whose
/// focus_selection is oldest_membership or multi_sfu; else nullopt.
[[nodiscard]] std::optional<boost::json::object> own_transport(const Membership& member);

/// The transport `member` connects to, given the session's oldest member
/// (nullptr for none).
[[nodiscard]] std::optional<boost::json::object> select_transport(const Membership& member, const Membership* oldest);

/// The authorization service a client calls for a token for `transport`: its
/// `livekit_service_url` (Gen 1/2), else its `url` (Gen 3 `m.livekit`).
[[nodiscard]] std::optional<std::string> auth_service_url(const boost::json::object& transport);

/// Whether two transports name the same SFU service (Element Call compares
/// `livekit_service_url`; Gen 3 `url`), regardless of other keys.
[[nodiscard]] bool same_service(const boost::json::object& a, const boost::json::object& b);

}  // namespace matrixrtc::core::rtc
