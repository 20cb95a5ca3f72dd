// Building the membership a local client sends, in each format peers read:
// Gen 1 legacy state content (+ its state key), Gen 2 sticky content as
// matrix-js-sdk 43 sends it, and Gen 3 as the current MSC4143 text defines.
// Sticky durations are not content: send with
// `?org.matrix.msc4354.sticky_duration_ms=3600000`.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "core/rtc/membership.hpp"
#include "core/rtc/slot.hpp"

namespace matrixrtc::core::rtc {

/// Who we are in the call.
struct LocalMember {
  std::string user_id;
  std::string device_id;
  std::string member_id;  ///< fresh and random per join (MSC4143)
  std::string slot_id = std::string(kDefaultSlotId);
  std::optional<std::string> call_intent;  ///< "audio" / "video"
};

/// A LiveKit transport as the client discovered it.
struct LivekitTransport {
  std::string livekit_service_url;           ///< the authorization service (Gen 1/2)
  std::optional<std::string> livekit_alias;  ///< legacy only: Element Call sends the Matrix room id
  std::optional<std::string> url;            ///< Gen 3: the SFU's wss URL
};

struct LegacyOptions {
  std::string focus_selection = "multi_sfu";  ///< or "oldest_membership"
  std::int64_t expires_ms = kDefaultLegacyExpiresMs;
  /// The created_ts of our current membership when re-sending (keeps our place
  /// in the member order); nullopt on the first join.
  std::optional<std::int64_t> created_ts;
};

/// Legacy state key: "_" + user + "_" + device + "_" + application, plus the
/// slot's id part unless the slot is m.call#ROOM; without the leading "_" in
/// room versions with MSC3757/MSC3779 semantics.
[[nodiscard]] Result<std::string> legacy_state_key(const LocalMember& member, bool msc3757_room);

/// Gen 1 join content (js-sdk 43's makeMyMembership shape).
[[nodiscard]] Result<boost::json::object> build_legacy_membership(const LocalMember& member,
                                                                  std::span<const LivekitTransport> transports,
                                                                  const LegacyOptions& options = {});

/// Gen 1 leave content: `{}`.
[[nodiscard]] boost::json::object build_legacy_leave();

/// Gen 2 join content (js-sdk 43's StickyEventMembershipManager shape);
/// published transports carry only type and livekit_service_url.
[[nodiscard]] Result<boost::json::object> build_rtc_membership(const LocalMember& member,
                                                               std::span<const LivekitTransport> transports);

/// Gen 2 leave content: slot id and sticky key only.
[[nodiscard]] boost::json::object build_rtc_leave(std::string_view slot_id, std::string_view member_id);

/// Gen 3 join content: member {id, membership: "join"}, `m.livekit`
/// transports with `url` (transports without a url are skipped).
[[nodiscard]] Result<boost::json::object> build_gen3_membership(const LocalMember& member,
                                                                std::span<const LivekitTransport> transports);

/// Gen 3 leave content, with an optional `leave_reason{code,reason}`.
[[nodiscard]] boost::json::object build_gen3_leave(std::string_view slot_id, std::string_view member_id,
                                                   const std::optional<LeaveReason>& reason = std::nullopt);

}  // namespace matrixrtc::core::rtc
