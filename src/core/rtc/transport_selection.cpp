#include "core/rtc/transport_selection.hpp"

#include "core/rtc/json_access.hpp"

namespace matrixrtc::core::rtc {

std::optional<boost::json::object> own_transport(const Membership& member) {
  if (member.format == MembershipFormat::legacy && member.focus_selection != kFocusOldestMembership &&
      member.focus_selection != kFocusMultiSfu) {
    return std::nullopt;
  }
  if (member.transports.empty()) return std::nullopt;
  return member.transports.front();
}

std::optional<boost::json::object> select_transport(const Membership& member, const Membership* oldest) {
  if (member.format == MembershipFormat::legacy && member.focus_selection == kFocusOldestMembership) {
    if (oldest == nullptr) return own_transport(member);
    return own_transport(*oldest);
  }
  return own_transport(member);
}

std::optional<std::string> auth_service_url(const boost::json::object& transport) {
  namespace ja = json_access;
  if (const auto url = ja::string_of(transport.if_contains("livekit_service_url"))) return std::string(*url);
  if (const auto url = ja::string_of(transport.if_contains("url"))) return std::string(*url);
  return std::nullopt;
}

bool same_service(const boost::json::object& a, const boost::json::object& b) {
  const auto ua = auth_service_url(a);
  return ua.has_value() && ua == auth_service_url(b);
}

}  // namespace matrixrtc::core::rtc
