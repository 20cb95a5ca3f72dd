#include "core/rtc/membership.hpp"

#include "core/rtc/json_access.hpp"
#include "core/rtc/legacy_membership.hpp"
#include "core/rtc/rtc_membership.hpp"

namespace matrixrtc::core::rtc {
namespace {

namespace ja = json_access;

bool is_legacy_type(std::string_view type) noexcept {
  return type == event_type::kLegacyMember || type == event_type::kLegacyMemberStable;
}
bool is_sticky_type(std::string_view type) noexcept {
  return type == event_type::kRtcMember || type == event_type::kRtcMemberStable;
}

// What a leave that passed the pre-filter says about why and where.
void read_leave_details(const boost::json::object& content, MembershipParse& result) {
  if (const auto slot = ja::string_of(content.if_contains("slot_id"))) result.slot_id = std::string(*slot);
  result.sticky_key = sticky_key_of(content);
  const auto* reason = content.if_contains("leave_reason");
  if (const auto text = ja::string_of(reason)) {
    result.leave_reason = LeaveReason{std::string(*text), {}};  // legacy delayed leave
  } else if (const auto code = ja::string_of(ja::property(reason, "code"))) {
    result.leave_reason =
        LeaveReason{std::string(*code), std::string(ja::string_of(ja::property(reason, "reason")).value_or(""))};
  } else if (const auto* disconnect = content.if_contains("disconnect_reason"); ja::is_js_object(disconnect)) {
    const auto why = ja::string_of(ja::property(disconnect, "reason"));
    const auto cls = ja::string_of(ja::property(disconnect, "class"));
    if (why || cls) {
      result.leave_reason =
          LeaveReason{std::string(why.value_or(cls.value_or(""))),
                      std::string(ja::string_of(ja::property(disconnect, "description")).value_or(""))};
    }
  }
}

}  // namespace

std::string_view to_string(MembershipFormat format) noexcept {
  switch (format) {
    case MembershipFormat::legacy: return "legacy";
    case MembershipFormat::rtc: return "rtc";
    case MembershipFormat::rtc_gen3: return "rtc_gen3";
  }
  return "unknown";
}

std::string MembershipParse::reason() const {
  std::string out;
  for (const auto& error : errors) {
    if (!out.empty()) out += "; ";
    out += error;
  }
  return out;
}

bool is_membership_event_type(std::string_view type) noexcept { return is_legacy_type(type) || is_sticky_type(type); }

bool is_left_content(const boost::json::value& content) noexcept {
  const auto* object = content.if_object();
  if (object == nullptr) return true;
  for (const auto& entry : *object) {
    if (entry.key() != "slot_id" && entry.key() != "msc4354_sticky_key" && entry.key() != "sticky_key") return false;
  }
  return true;
}

MembershipParse parse_membership(const RoomEvent& event) {
  MembershipParse result;
  if (is_legacy_type(event.type) && !event.is_state()) {
    result.status = ParseStatus::rejected;
    result.errors.emplace_back(kNotStateError);
    return result;
  }
  if (is_sticky_type(event.type) && event.is_state()) {
    result.status = ParseStatus::rejected;
    result.errors.emplace_back(kStateStickyError);
    return result;
  }
  if (!is_membership_event_type(event.type)) {
    result.status = ParseStatus::rejected;
    result.errors.push_back("not a membership event type");
    return result;
  }
  const auto* content = event.content_object();
  if (content == nullptr) return result;  // left
  if (is_left_content(event.content)) {
    read_leave_details(*content, result);
    return result;
  }
  if (is_sticky_type(event.type) && is_gen3_content(*content) &&
      ja::string_of(ja::property(content->if_contains("member"), "membership")) == "leave") {
    return parse_rtc_gen3_leave(*content);
  }
  // matrix-js-sdk's pre-filter: a join has `application` and at least two keys
  // besides the unstable sticky key; anything else (e.g. the pre-2024
  // {"memberships": [...]} form) is no membership at all.
  const auto key_count = content->size() - (content->contains("msc4354_sticky_key") ? 1U : 0U);
  if (key_count <= 1 || !content->contains("application")) {
    read_leave_details(*content, result);
    return result;
  }
  return is_legacy_type(event.type) ? parse_legacy_membership(event, *content) : parse_rtc_membership(event, *content);
}

}  // namespace matrixrtc::core::rtc
