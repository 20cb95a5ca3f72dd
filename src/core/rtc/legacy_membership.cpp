#include "core/rtc/legacy_membership.hpp"

#include "core/livekit/names.hpp"
#include "core/rtc/json_access.hpp"
#include "core/rtc/slot.hpp"
#include "core/text.hpp"

namespace matrixrtc::core::rtc {
namespace {

namespace ja = json_access;

bool is_transport_object(const boost::json::value& value) {
  return ja::is_js_object(&value) && ja::string_of(ja::property(&value, "type")).has_value();
}

}  // namespace

std::vector<std::string> check_legacy_content(const boost::json::object& content) {
  std::vector<std::string> errors;
  const auto* device_id = content.if_contains("device_id");
  const auto* call_id = content.if_contains("call_id");
  const auto* application = content.if_contains("application");
  if (!ja::string_of(device_id)) errors.emplace_back("device_id must be string");
  if (!ja::string_of(call_id)) errors.emplace_back("call_id must be string");
  if (!ja::string_of(application)) errors.emplace_back("application must be a string");
  const auto* focus_active = content.if_contains("focus_active");
  if (focus_active == nullptr) errors.emplace_back("focus_active has an invalid type");
  if (!ja::string_of(ja::property(focus_active, "type"))) errors.emplace_back("focus_active.type must be a string");
  if (const auto* foci = content.if_contains("foci_preferred"); foci != nullptr) {
    bool ok = foci->is_array();
    if (ok) {
      for (const auto& focus : foci->get_array()) ok = ok && is_transport_object(focus);
    }
    if (!ok) errors.emplace_back("foci_preferred must be an array of transport objects");
  }
  if (const auto* created = content.if_contains("created_ts"); created != nullptr) {
    if (!created->is_number()) {
      errors.emplace_back("created_ts must be number");
    } else if (!ja::safe_integer_of(created)) {
      errors.emplace_back("created_ts must be an integer");  // ours: js-sdk takes any number
    }
  }
  if (const auto* scope = content.if_contains("scope"); scope != nullptr && !scope->is_string()) {
    errors.emplace_back("scope must be string");
  }
  if (const auto* intent = content.if_contains("m.call.intent"); intent != nullptr && !intent->is_string()) {
    errors.emplace_back("m.call.intent must be a string");
  }
  // Ours: js-sdk uses any `expires` as is, so "abc" never expires.
  if (const auto* expires = content.if_contains("expires"); expires != nullptr) {
    const auto value = ja::safe_integer_of(expires);
    if (!value || *value < 0) errors.emplace_back("expires must be a non-negative integer");
  }
  // js-sdk drops such memberships when it computes their slot; we say why.
  if (const auto app = ja::string_of(application), call = ja::string_of(call_id); app && call) {
    if (const auto slot = split_slot_id(legacy_slot_id(*app, *call)); !slot) {
      errors.push_back(cat("slot_id was badly formed: ", slot.error().message));
    }
  }
  return errors;
}

MembershipParse parse_legacy_membership(const RoomEvent& event, const boost::json::object& content) {
  MembershipParse result;
  result.errors = check_legacy_content(content);
  if (!result.errors.empty()) {
    result.status = ParseStatus::rejected;
    return result;
  }
  Membership m;
  m.format = MembershipFormat::legacy;
  m.event_type = event.type;
  m.event_id = event.event_id;
  m.state_key = event.state_key;
  m.sender = event.sender;
  m.user_id = event.sender;  // the content is never trusted for the user
  const std::string device(*ja::string_of(content.if_contains("device_id")));
  m.device_id = device;
  m.application = std::string(*ja::string_of(content.if_contains("application")));
  m.slot_id = legacy_slot_id(m.application, *ja::string_of(content.if_contains("call_id")));
  const auto membership_id = ja::string_of(content.if_contains("membershipID"));
  m.member_id = membership_id ? std::string(*membership_id) : cat(event.sender, ':', device);
  m.created_ts = ja::safe_integer_of(content.if_contains("created_ts")).value_or(event.origin_server_ts);
  m.expires_ts = m.created_ts + ja::safe_integer_of(content.if_contains("expires")).value_or(kDefaultLegacyExpiresMs);
  if (const auto* foci = content.if_contains("foci_preferred"); foci != nullptr) {
    m.has_transport_list = true;
    for (const auto& focus : foci->get_array()) {
      if (focus.is_object()) m.transports.push_back(focus.get_object());
    }
  }
  if (const auto selection = ja::string_of(ja::property(content.if_contains("focus_active"), "focus_selection"))) {
    m.focus_selection = std::string(*selection);
  }
  if (const auto intent = ja::string_of(content.if_contains("m.call.intent"))) m.call_intent = std::string(*intent);
  m.livekit_identity = livekit::legacy_identity(event.sender, device);
  m.content = content;
  result.status = ParseStatus::joined;
  result.membership = std::move(m);
  return result;
}

}  // namespace matrixrtc::core::rtc
