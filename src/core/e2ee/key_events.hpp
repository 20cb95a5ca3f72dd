// Matrix media-key events mapped onto the key ring. MatrixRTC members send
// their media keys to each other as Olm to-device messages; each key is the
// HKDF input for the sender's LiveKit participant identity at the given
// index (MSC4195), exactly as Element Call feeds livekit-client. Formats:
//   - `io.element.call.encryption_keys` to-device (matrix-js-sdk ≥ 41.1,
//     Element Call): {keys:{index,key}, room_id, member:{id,claimed_device_id}, …}
//   - `io.element.call.encryption_keys` room event (older clients):
//     {keys:[{index,key}], device_id, call_id:""}
//   - `m.rtc.encryption_keys` (Dec 2024 MSC4143):
//     {keys:[{index,key}], room_id, member:{id,device_id,user_id}}
//   - `m.rtc.encryption_key` / `org.matrix.msc4143.rtc.encryption_key`
//     (current MSC4143): {room_id, member_id, media_key:{index,key}}
// Keys are base64 in the standard or URL alphabet, padded or not, as
// matrix-js-sdk's decodeBase64 accepts them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/e2ee/key_ring.hpp"
#include "core/error.hpp"

namespace matrixrtc::core::e2ee {

struct MediaKey {
  std::uint8_t index = 0;
  Bytes key;
};

/// Facts from outside the content that a receiver must check it against.
struct KeyEventContext {
  std::string_view room_id;        ///< the call's room; content naming another is refused
  std::string_view sender;         ///< the to-device (or room event) sender's user ID
  std::string_view sender_device;  ///< the Olm-verified sending device, if known (used when the content names none)
  /// True when the content came from a room event of the call's room, false for
  /// a to-device message. Only room events may use the legacy
  /// `io.element.call.encryption_keys` form, which names no room_id.
  bool room_event = false;
};

struct KeyEvent {
  std::string user_id;
  std::string device_id;
  std::string member_id;  ///< empty when the format has none (legacy room event)
  std::vector<MediaKey> keys;
};

/// Parses and validates an event's content. Refuses (invalid_key_event) a
/// wrong room, a missing or non-integer index or one outside 0–255, an empty
/// or non-base64 key, a missing device, content whose claimed user is not
/// the sender, or the legacy room-event form arriving as a to-device message.
[[nodiscard]] Result<KeyEvent> parse_key_event(std::string_view event_type, std::string_view content_json,
                                               const KeyEventContext& context);

/// Decodes key text the way matrix-js-sdk's decodeBase64 accepts it.
[[nodiscard]] Result<Bytes> decode_key_base64(std::string_view text);

/// Which LiveKit participant identity the sender has on the SFU, which
/// depends on how it joined (see core/livekit/names.hpp).
enum class IdentityScheme {
  legacy_user_device,  ///< "user:device", legacy /sfu/get tokens
  user_device_member,  ///< hash of [user, device, member], /get_token and matrix-js-sdk 43 sticky members
  user_member,         ///< hash of [user, member], current MSC4195 text
};

[[nodiscard]] Result<std::string> participant_identity(const KeyEvent& event, IdentityScheme scheme);

/// Sets every key of the event in the sender's ring as HKDF material at its
/// index, making it current, as Element Call's MatrixKeyProvider does.
/// Returns the identity used.
[[nodiscard]] Result<std::string> apply_key_event(KeyRing& ring, const KeyEvent& event, IdentityScheme scheme);

}  // namespace matrixrtc::core::e2ee
