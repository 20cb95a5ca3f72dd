#include "core/rtc/membership_builder.hpp"

#include <boost/json/array.hpp>

#include "core/text.hpp"

namespace matrixrtc::core::rtc {
namespace {

using boost::json::array;
using boost::json::object;

Result<SlotDescription> checked_slot(const LocalMember& member) {
  auto slot = split_slot_id(member.slot_id);
  if (!slot) return std::unexpected(slot.error());
  if (slot->application.empty() || member.slot_id.find('#') == std::string::npos) {
    return fail(ErrorCode::invalid_argument, cat("slot id \"", member.slot_id, "\" is not APPLICATION#ID"));
  }
  if (member.user_id.empty() || member.device_id.empty() || member.member_id.empty()) {
    return fail(ErrorCode::invalid_argument, "user_id, device_id and member_id must not be empty");
  }
  return slot;
}

object application_object(const SlotDescription& slot, const LocalMember& member, std::string_view intent_key) {
  object application{{"type", slot.application}};
  if (member.call_intent) application[intent_key] = *member.call_intent;
  return application;
}

}  // namespace

Result<std::string> legacy_state_key(const LocalMember& member, bool msc3757_room) {
  auto slot = checked_slot(member);
  if (!slot) return std::unexpected(slot.error());
  const std::string_view suffix = member.slot_id == kDefaultSlotId ? std::string_view{} : std::string_view(slot->id);
  return cat(msc3757_room ? "" : "_", member.user_id, '_', member.device_id, '_', slot->application, suffix);
}

Result<object> build_legacy_membership(const LocalMember& member, std::span<const LivekitTransport> transports,
                                       const LegacyOptions& options) {
  auto slot = checked_slot(member);
  if (!slot) return std::unexpected(slot.error());
  array foci;
  for (const auto& t : transports) {
    object focus{{"type", "livekit"}, {"livekit_service_url", t.livekit_service_url}};
    if (t.livekit_alias) focus["livekit_alias"] = *t.livekit_alias;
    foci.push_back(std::move(focus));
  }
  object content{
      {"application", slot->application},
      // The "ROOM hack": the room-wide call is sent as call_id "".
      {"call_id", member.slot_id == kDefaultSlotId ? std::string() : slot->id},
      {"scope", "m.room"},
      {"device_id", member.device_id},
      {"membershipID", member.member_id},
      {"expires", options.expires_ms},
      {"focus_active", object{{"type", "livekit"}, {"focus_selection", options.focus_selection}}},
      {"foci_preferred", std::move(foci)},
  };
  if (member.call_intent) content["m.call.intent"] = *member.call_intent;
  if (options.created_ts) content["created_ts"] = *options.created_ts;
  return content;
}

object build_legacy_leave() { return {}; }

Result<object> build_rtc_membership(const LocalMember& member, std::span<const LivekitTransport> transports) {
  auto slot = checked_slot(member);
  if (!slot) return std::unexpected(slot.error());
  array published;
  for (const auto& t : transports)
    published.push_back(object{{"type", "livekit"}, {"livekit_service_url", t.livekit_service_url}});
  return object{
      {"slot_id", member.slot_id},
      {"application", application_object(*slot, member, "m.call.intent")},
      {"transports", object{{"published", std::move(published)}, {"can_subscribe", array{"livekit"}}}},
      {"member", object{{"device_id", member.device_id}, {"user_id", member.user_id}, {"id", member.member_id}}},
      {"versions", array{}},
      {"msc4354_sticky_key", member.member_id},
  };
}

object build_rtc_leave(std::string_view slot_id, std::string_view member_id) {
  return object{{"slot_id", slot_id}, {"msc4354_sticky_key", member_id}};
}

Result<object> build_gen3_membership(const LocalMember& member, std::span<const LivekitTransport> transports) {
  auto slot = checked_slot(member);
  if (!slot) return std::unexpected(slot.error());
  array published;
  for (const auto& t : transports) {
    if (t.url) published.push_back(object{{"type", "m.livekit"}, {"url", *t.url}});
  }
  return object{
      {"slot_id", member.slot_id},
      {"member", object{{"id", member.member_id}, {"membership", "join"}}},
      {"application", application_object(*slot, member, "intent")},
      {"transports", object{{"published", std::move(published)}, {"can_subscribe", array{"m.livekit"}}}},
      {"sticky_key", member.member_id},
  };
}

object build_gen3_leave(std::string_view slot_id, std::string_view member_id,
                        const std::optional<LeaveReason>& reason) {
  object content{
      {"slot_id", slot_id}, {"member", object{{"id", member_id}, {"membership", "leave"}}}, {"sticky_key", member_id}};
  if (reason) {
    object why{{"code", reason->code}};
    if (!reason->text.empty()) why["reason"] = reason->text;
    content["leave_reason"] = std::move(why);
  }
  return content;
}

}  // namespace matrixrtc::core::rtc
