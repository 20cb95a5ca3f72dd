#include "core/rtc/slot.hpp"

#include "core/rtc/json_access.hpp"
#include "core/text.hpp"

namespace matrixrtc::core::rtc {

Result<SlotDescription> split_slot_id(std::string_view slot_id) {
  const auto hash = slot_id.find('#');
  if (hash == std::string_view::npos) return SlotDescription{std::string(slot_id), {}};
  if (slot_id.find('#', hash + 1) != std::string_view::npos) {
    return fail(ErrorCode::invalid_argument,
                "MatrixRTC Slot IDs *must* only contain two components seperated by one '#'. Additional '#' "
                "characters detected.");
  }
  return SlotDescription{std::string(slot_id.substr(0, hash)), std::string(slot_id.substr(hash + 1))};
}

std::string make_slot_id(std::string_view application, std::string_view id) { return cat(application, '#', id); }

std::string legacy_slot_id(std::string_view application, std::string_view call_id) {
  if (application == kDefaultApplication && call_id.empty()) return std::string(kDefaultSlotId);
  return make_slot_id(application, call_id);
}

SlotState slot_state_from_content(const boost::json::value& content, std::string_view slot_id) {
  namespace ja = json_access;
  const auto status = ja::string_of(ja::property(&content, "status"));
  const auto* application = ja::property(&content, "application");
  if (!status || *status != "open" || !ja::is_js_object(application)) return SlotState::closed;
  const auto type = ja::string_of(ja::property(application, "type"));
  const auto description = split_slot_id(slot_id);
  if (!type || !description || *type != description->application) return SlotState::closed;
  return SlotState::open;
}

}  // namespace matrixrtc::core::rtc
