#include "core/e2ee/key_events.hpp"

#include <boost/json/value.hpp>

#include "core/encoding/base64.hpp"
#include "core/json/strict_parser.hpp"
#include "core/livekit/names.hpp"
#include "core/text.hpp"

namespace matrixrtc::core::e2ee {
namespace {

namespace bj = boost::json;

std::unexpected<Error> invalid(std::string_view event_type, std::string_view why) {
  return fail(ErrorCode::invalid_key_event, cat(event_type, ": ", why));
}

/// A non-empty string field, or nullptr.
const bj::string* string_field(const bj::object& object, std::string_view name) {
  const bj::value* value = object.if_contains(name);
  if (value == nullptr || !value->is_string() || value->as_string().empty()) return nullptr;
  return &value->as_string();
}

Result<MediaKey> parse_media_key(std::string_view event_type, const bj::value* value) {
  if (value == nullptr || !value->is_object()) return invalid(event_type, "the key is not an object");
  const bj::object& object = value->as_object();
  const bj::value* index = object.if_contains("index");
  if (index == nullptr || !(index->is_int64() || index->is_uint64())) {
    return invalid(event_type, "key index missing or not an integer");
  }
  const bool in_range =
      index->is_int64() ? index->as_int64() >= 0 && index->as_int64() <= 255 : index->as_uint64() <= 255;
  if (!in_range) return invalid(event_type, "key index outside 0-255");
  const bj::string* text = string_field(object, "key");
  if (text == nullptr) return invalid(event_type, "key missing or empty");
  auto key = decode_key_base64(std::string_view(*text));
  if (!key) return invalid(event_type, key.error().message);
  if (key->empty()) return invalid(event_type, "key decodes to no bytes");
  const auto number = index->is_int64() ? static_cast<std::uint64_t>(index->as_int64()) : index->as_uint64();
  return MediaKey{static_cast<std::uint8_t>(number), std::move(*key)};
}

Result<std::vector<MediaKey>> parse_key_list(std::string_view event_type, const bj::value* value) {
  if (value == nullptr || !value->is_array() || value->as_array().empty()) {
    return invalid(event_type, "keys must be a non-empty array");
  }
  std::vector<MediaKey> out;
  for (const bj::value& entry : value->as_array()) {
    auto key = parse_media_key(event_type, &entry);
    if (!key) return std::unexpected(std::move(key.error()));
    out.push_back(std::move(*key));
  }
  return out;
}

Result<void> check_room(std::string_view event_type, const bj::object& content, const KeyEventContext& context) {
  const bj::string* room = string_field(content, "room_id");
  if (room == nullptr) return invalid(event_type, "room_id missing");
  if (std::string_view(*room) != context.room_id) return invalid(event_type, "room_id is not this call's room");
  return {};
}

}  // namespace

Result<Bytes> decode_key_base64(std::string_view text) {
  std::string normal(text);
  for (char& c : normal) {
    if (c == '-') c = '+';
    if (c == '_') c = '/';
  }
  while (!normal.empty() && normal.back() == '=') normal.pop_back();
  auto bytes = base64::decode(normal, base64::Alphabet::standard, base64::Padding::without);
  if (!bytes) return fail(ErrorCode::invalid_base64, cat("key is not base64: ", bytes.error().message));
  return Bytes(bytes->begin(), bytes->end());
}

Result<KeyEvent> parse_key_event(std::string_view event_type, std::string_view content_json,
                                 const KeyEventContext& context) {
  auto parsed = json::parse_strict_object(content_json);
  if (!parsed) return invalid(event_type, parsed.error().message);
  const bj::object& content = *parsed;
  if (context.sender.empty()) return invalid(event_type, "the sender is unknown");
  KeyEvent event;
  event.user_id = context.sender;

  if (event_type == "m.rtc.encryption_key" || event_type == "org.matrix.msc4143.rtc.encryption_key") {
    if (auto room = check_room(event_type, content, context); !room) return std::unexpected(std::move(room.error()));
    const bj::string* member = string_field(content, "member_id");
    if (member == nullptr) return invalid(event_type, "member_id missing");
    if (context.sender_device.empty()) return invalid(event_type, "the sending device is unknown");
    auto key = parse_media_key(event_type, content.if_contains("media_key"));
    if (!key) return std::unexpected(std::move(key.error()));
    event.member_id = std::string_view(*member);
    event.device_id = context.sender_device;
    event.keys.push_back(std::move(*key));
    return event;
  }
  if (event_type == "m.rtc.encryption_keys") {
    if (auto room = check_room(event_type, content, context); !room) return std::unexpected(std::move(room.error()));
    const bj::value* member = content.if_contains("member");
    if (member == nullptr || !member->is_object()) return invalid(event_type, "member missing");
    const bj::string* id = string_field(member->as_object(), "id");
    const bj::string* device = string_field(member->as_object(), "device_id");
    const bj::string* user = string_field(member->as_object(), "user_id");
    if (id == nullptr || device == nullptr) return invalid(event_type, "member.id or member.device_id missing");
    if (user != nullptr && std::string_view(*user) != context.sender) {
      return invalid(event_type, "member.user_id is not the sender");
    }
    auto keys = parse_key_list(event_type, content.if_contains("keys"));
    if (!keys) return std::unexpected(std::move(keys.error()));
    event.member_id = std::string_view(*id);
    event.device_id = std::string_view(*device);
    event.keys = std::move(*keys);
    return event;
  }
  if (event_type == "io.element.call.encryption_keys") {
    const bj::value* keys = content.if_contains("keys");
    if (keys != nullptr && keys->is_array()) {
      // The room-event form: the room is the event's own, the call ID must be "".
      // It names no room, so as a to-device message it could come from any room.
      if (!context.room_event) return invalid(event_type, "a keys array is only accepted in a room event");
      const bj::value* call_id = content.if_contains("call_id");
      if (call_id == nullptr || !call_id->is_string() || !call_id->as_string().empty()) {
        return invalid(event_type, "call_id must be \"\"");
      }
      const bj::string* device = string_field(content, "device_id");
      if (device == nullptr) return invalid(event_type, "device_id missing");
      auto list = parse_key_list(event_type, keys);
      if (!list) return std::unexpected(std::move(list.error()));
      event.device_id = std::string_view(*device);
      event.keys = std::move(*list);
      return event;
    }
    if (auto room = check_room(event_type, content, context); !room) return std::unexpected(std::move(room.error()));
    const bj::value* member = content.if_contains("member");
    if (member == nullptr || !member->is_object()) return invalid(event_type, "member missing");
    const bj::string* device = string_field(member->as_object(), "claimed_device_id");
    if (device == nullptr) return invalid(event_type, "member.claimed_device_id missing");
    auto key = parse_media_key(event_type, keys);
    if (!key) return std::unexpected(std::move(key.error()));
    event.device_id = std::string_view(*device);
    // matrix-js-sdk's default when the member ID is absent.
    const bj::string* id = string_field(member->as_object(), "id");
    event.member_id = id != nullptr ? std::string(std::string_view(*id)) : cat(context.sender, ":", event.device_id);
    event.keys.push_back(std::move(*key));
    return event;
  }
  return fail(ErrorCode::invalid_key_event, cat("not an encryption key event type: \"", event_type, "\""));
}

Result<std::string> participant_identity(const KeyEvent& event, IdentityScheme scheme) {
  switch (scheme) {
    case IdentityScheme::legacy_user_device: return livekit::legacy_identity(event.user_id, event.device_id);
    case IdentityScheme::user_device_member:
      if (event.member_id.empty()) return fail(ErrorCode::invalid_key_event, "the event names no member ID");
      return livekit::identity_with_device(event.user_id, event.device_id, event.member_id);
    case IdentityScheme::user_member:
      if (event.member_id.empty()) return fail(ErrorCode::invalid_key_event, "the event names no member ID");
      return livekit::identity(event.user_id, event.member_id);
  }
  return fail(ErrorCode::invalid_argument, "unknown identity scheme");
}

Result<std::string> apply_key_event(KeyRing& ring, const KeyEvent& event, IdentityScheme scheme) {
  auto identity = participant_identity(event, scheme);
  if (!identity) return identity;
  for (const MediaKey& key : event.keys) {
    auto set = ring.set_key(*identity, KeyMaterial{Kdf::hkdf, key.key}, key.index);
    if (!set) return std::unexpected(std::move(set.error()));
  }
  return identity;
}

}  // namespace matrixrtc::core::e2ee
