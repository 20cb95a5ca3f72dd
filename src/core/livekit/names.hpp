// LiveKit room names and participant identities derived from Matrix values
// (MSC4195): unpadded standard base64 of SHA-256 over the canonical JSON array
// of the inputs. Which identity scheme applies depends on the endpoint the
// client used; see ARCHITECTURE.md and the reference notes.
#pragma once

#include <string>
#include <string_view>

#include "core/error.hpp"

namespace matrixrtc::core::livekit {

/// The slot the legacy `/sfu/get` endpoint implies for every call.
inline constexpr std::string_view kLegacySlotId = "m.call#ROOM";

/// Room alias: hash of [room_id, slot_id].
[[nodiscard]] Result<std::string> room_alias(std::string_view room_id, std::string_view slot_id);

/// Identity, current MSC4195 text: hash of [user_id, member_id].
[[nodiscard]] Result<std::string> identity(std::string_view user_id, std::string_view member_id);

/// Identity used by standalone `/get_token` and `/delegate_delayed_leave` (and
/// matrix-js-sdk's computeRtcIdentityRaw): hash of [user_id, device_id, member_id].
[[nodiscard]] Result<std::string> identity_with_device(std::string_view user_id, std::string_view device_id,
                                                       std::string_view member_id);

/// Identity used by legacy `/sfu/get`: "user_id:device_id", not hashed.
[[nodiscard]] std::string legacy_identity(std::string_view user_id, std::string_view device_id);

}  // namespace matrixrtc::core::livekit
