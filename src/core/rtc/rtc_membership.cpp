#include "core/rtc/rtc_membership.hpp"

#include "core/livekit/names.hpp"
#include "core/rtc/json_access.hpp"
#include "core/rtc/slot.hpp"
#include "core/text.hpp"

namespace matrixrtc::core::rtc {
namespace {

namespace ja = json_access;
using boost::json::object;
using boost::json::value;

bool is_transport_object(const value& v) {
  return ja::is_js_object(&v) && ja::string_of(ja::property(&v, "type")).has_value();
}

bool is_string_array(const value* v) {
  if (v == nullptr || !v->is_array()) return false;
  for (const auto& item : v->get_array()) {
    if (!item.is_string()) return false;
  }
  return true;
}

void check_slot(const object& content, std::vector<std::string>& errors) {
  const auto prefix = cat(ja::js_to_string(ja::property(content.if_contains("application"), "type")), '#');
  const auto slot_id = ja::string_of(content.if_contains("slot_id"));
  if (!slot_id) {
    errors.emplace_back("slot_id must be string");
  } else if (!slot_id->starts_with(prefix)) {
    errors.push_back(cat("slot_id must start with ", prefix));
  } else if (const auto slot = split_slot_id(*slot_id); !slot) {
    errors.push_back(cat("slot_id was badly formed: ", slot.error().message));
  }
}

void check_application(const object& content, std::vector<std::string>& errors) {
  const auto* application = content.if_contains("application");
  if (!ja::is_js_object(application)) {
    errors.emplace_back("application must be an object");
    return;
  }
  const auto type = ja::string_of(ja::property(application, "type"));
  if (!type) {
    errors.emplace_back("application.type must be a string");
  } else if (type->find('#') != std::string_view::npos) {
    errors.emplace_back("application.type must not include \"#\"");
  }
}

void check_published(const value* published, std::string_view name, std::vector<std::string>& errors) {
  for (const auto& t : published->get_array()) {
    if (!is_transport_object(t)) {
      errors.push_back(cat(name, " entries must be objects with a string type"));
      return;
    }
  }
}

// `(sticky_key ?? msc4354_sticky_key) === undefined` and the type checks.
void check_sticky_keys(const object& content, std::vector<std::string>& errors) {
  const auto* plain = content.if_contains("sticky_key");
  const auto* unstable = content.if_contains("msc4354_sticky_key");
  const auto* chosen = (plain != nullptr && !plain->is_null()) ? plain : unstable;
  if (chosen == nullptr) errors.emplace_back("sticky_key or msc4354_sticky_key must be a defined");
  if (plain != nullptr && !plain->is_string()) errors.emplace_back("sticky_key must be a string");
  if (unstable != nullptr && !unstable->is_string()) errors.emplace_back("msc4354_sticky_key must be a string");
  // JavaScript's !==: objects and arrays are never identical to each other.
  const bool identical = plain != nullptr && unstable != nullptr && !ja::is_js_object(plain) && *plain == *unstable;
  if (plain != nullptr && unstable != nullptr && !identical) {
    errors.emplace_back("sticky_key and msc4354_sticky_key must be equal if both are defined");
  }
}

void check_relation(const object& content, std::vector<std::string>& errors) {
  const auto* relation = content.if_contains("m.relates_to");
  if (relation == nullptr) return;
  if (!ja::is_js_object(relation)) {
    errors.emplace_back("m.relates_to must be an object if provided");
    return;
  }
  if (!ja::string_of(ja::property(relation, "event_id"))) errors.emplace_back("m.relates_to.event_id must be a string");
  if (ja::string_of(ja::property(relation, "rel_type")) != "m.reference") {
    errors.emplace_back("m.relates_to.rel_type must be m.reference");
  }
}

std::optional<LeaveReason> leave_reason_of(const object& content) {
  const auto* reason = content.if_contains("leave_reason");
  if (const auto code = ja::string_of(ja::property(reason, "code"))) {
    return LeaveReason{std::string(*code), std::string(ja::string_of(ja::property(reason, "reason")).value_or(""))};
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string_view> sticky_key_view_of(const value& content) noexcept {
  if (const auto key = ja::string_of(ja::property(&content, "msc4354_sticky_key"))) return key;
  return ja::string_of(ja::property(&content, "sticky_key"));
}

std::optional<std::string> sticky_key_of(const value& content) {
  if (const auto key = sticky_key_view_of(content)) return std::string(*key);
  return std::nullopt;
}

std::vector<std::string> check_rtc_content(const object& content, std::string_view sender) {
  std::vector<std::string> errors;
  check_slot(content, errors);
  const auto* member = content.if_contains("member");
  if (!ja::is_js_object(member)) {
    errors.emplace_back("member must be an object");
  } else {
    const auto user_id = ja::string_of(ja::property(member, "user_id"));
    if (!user_id) {
      errors.emplace_back("member.user_id must be string");
    } else if (!ja::matches_mxid_pattern(*user_id)) {
      errors.emplace_back("member.user_id must be a valid mxid");
    } else if (*user_id != sender) {
      errors.emplace_back("member.user_id must match the sender");
    }
    if (!ja::string_of(ja::property(member, "device_id"))) errors.emplace_back("member.device_id must be string");
    if (!ja::string_of(ja::property(member, "id"))) errors.emplace_back("member.id must be string");
  }
  check_application(content, errors);
  const auto* transports = content.if_contains("transports");
  const auto* legacy_list = content.if_contains("rtc_transports");
  if (transports == nullptr && legacy_list != nullptr) {
    // Ours: the js-sdk <= 42 shape, `rtc_transports: Transport[]`.
    if (!legacy_list->is_array()) {
      errors.emplace_back("rtc_transports must be an array");
    } else {
      check_published(legacy_list, "rtc_transports", errors);
    }
  } else {
    const auto* published = ja::property(transports, "published");
    if (!ja::is_js_object(transports) || published == nullptr || !published->is_array()) {
      errors.emplace_back("transports.published must be an array");
    } else {
      check_published(published, "transports.published", errors);
    }
    if (!ja::is_js_object(transports) || !is_string_array(ja::property(transports, "can_subscribe"))) {
      errors.emplace_back("transports.can_subscribe must be an array of strings");
    }
  }
  const auto* versions = content.if_contains("versions");
  if (versions == nullptr || !versions->is_array()) {
    errors.emplace_back("versions must be an array");
  } else if (!is_string_array(versions)) {
    errors.emplace_back("versions must be an array of strings");
  }
  check_sticky_keys(content, errors);
  check_relation(content, errors);
  return errors;
}

bool is_gen3_content(const object& content) noexcept {
  const auto* member = content.if_contains("member");
  return member != nullptr && member->is_object() && member->get_object().contains("membership");
}

std::vector<std::string> check_rtc_gen3_content(const object& content, std::string_view sender) {
  std::vector<std::string> errors;
  check_slot(content, errors);
  const auto* member = content.if_contains("member");
  const auto member_id = ja::string_of(ja::property(member, "id"));
  if (!member_id) errors.emplace_back("member.id must be string");
  if (ja::string_of(ja::property(member, "membership")) != "join")
    errors.emplace_back("member.membership must be join");
  if (const auto* user = ja::property(member, "user_id"); user != nullptr && ja::string_of(user) != sender) {
    errors.emplace_back("member.user_id must match the sender");
  }
  if (const auto* device = ja::property(member, "device_id"); device != nullptr && !device->is_string()) {
    errors.emplace_back("member.device_id must be string");
  }
  check_application(content, errors);
  const auto* transports = content.if_contains("transports");
  const auto* published = ja::property(transports, "published");
  if (published == nullptr || !published->is_array()) {
    errors.emplace_back("transports.published must be an array");
  } else {
    check_published(published, "transports.published", errors);
  }
  if (const auto* subscribe = ja::property(transports, "can_subscribe");
      subscribe != nullptr && !is_string_array(subscribe)) {
    errors.emplace_back("transports.can_subscribe must be an array of strings");
  }
  check_sticky_keys(content, errors);
  const auto key = sticky_key_of(content);
  if (key && member_id && *key != *member_id) errors.emplace_back("sticky_key must equal member.id");
  return errors;
}

MembershipParse parse_rtc_gen3_leave(const object& content) {
  MembershipParse result;
  result.status = ParseStatus::left;
  result.leave_reason = leave_reason_of(content);
  if (const auto slot = ja::string_of(content.if_contains("slot_id"))) result.slot_id = std::string(*slot);
  result.sticky_key = sticky_key_of(content);
  return result;
}

MembershipParse parse_rtc_membership(const RoomEvent& event, const object& content) {
  MembershipParse result;
  result.sticky_key = sticky_key_of(content);
  const bool gen3 = is_gen3_content(content);
  result.errors = gen3 ? check_rtc_gen3_content(content, event.sender) : check_rtc_content(content, event.sender);
  if (!result.errors.empty()) {
    result.status = ParseStatus::rejected;
    return result;
  }
  Membership m;
  m.format = gen3 ? MembershipFormat::rtc_gen3 : MembershipFormat::rtc;
  m.event_type = event.type;
  m.event_id = event.event_id;
  m.sender = event.sender;
  m.user_id = event.sender;
  const auto& member = content.at("member");
  m.member_id = std::string(*ja::string_of(ja::property(&member, "id")));
  if (const auto device = ja::string_of(ja::property(&member, "device_id"))) m.device_id = std::string(*device);
  const auto* application = content.if_contains("application");
  m.application = std::string(*ja::string_of(ja::property(application, "type")));
  m.slot_id = std::string(*ja::string_of(content.if_contains("slot_id")));
  m.created_ts = event.origin_server_ts;
  const auto* transports = content.if_contains("transports");
  const auto* list =
      transports != nullptr ? ja::property(transports, "published") : content.if_contains("rtc_transports");
  m.has_transport_list = true;
  for (const auto& t : list->get_array()) {
    if (t.is_object()) m.transports.push_back(t.get_object());
  }
  m.sticky_key = result.sticky_key;
  for (const std::string_view key : {"m.call.intent", "intent"}) {
    if (const auto intent = ja::string_of(ja::property(application, key))) {
      m.call_intent = std::string(*intent);
      break;
    }
  }
  auto identity = gen3 ? livekit::identity(event.sender, m.member_id)
                       : livekit::identity_with_device(event.sender, m.device_id.value_or(""), m.member_id);
  if (!identity) {
    result.status = ParseStatus::rejected;
    result.errors.push_back(identity.error().message);
    return result;
  }
  m.livekit_identity = std::move(*identity);
  m.content = content;
  result.status = ParseStatus::joined;
  result.membership = std::move(m);
  return result;
}

}  // namespace matrixrtc::core::rtc
