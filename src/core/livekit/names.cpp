#include "core/livekit/names.hpp"

#include <array>

#include "core/crypto/digest.hpp"
#include "core/encoding/base64.hpp"
#include "core/json/canonical_json.hpp"

namespace matrixrtc::core::livekit {
namespace {

Result<std::string> hash_of(std::span<const std::string_view> parts) {
  auto text = json::canonical_string_array(parts);
  if (!text) return std::unexpected(std::move(text.error()));
  const auto digest = crypto::sha256(*text);
  return base64::encode(digest, base64::Alphabet::standard, base64::Padding::without);
}

}  // namespace

Result<std::string> room_alias(std::string_view room_id, std::string_view slot_id) {
  const std::array parts{room_id, slot_id};
  return hash_of(parts);
}

Result<std::string> identity(std::string_view user_id, std::string_view member_id) {
  const std::array parts{user_id, member_id};
  return hash_of(parts);
}

Result<std::string> identity_with_device(std::string_view user_id, std::string_view device_id,
                                         std::string_view member_id) {
  const std::array parts{user_id, device_id, member_id};
  return hash_of(parts);
}

std::string legacy_identity(std::string_view user_id, std::string_view device_id) {
  std::string out;
  out.reserve(user_id.size() + 1 + device_id.size());
  out.append(user_id).append(":").append(device_id);
  return out;
}

}  // namespace matrixrtc::core::livekit
