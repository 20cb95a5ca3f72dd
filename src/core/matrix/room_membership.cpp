#include "core/matrix/room_membership.hpp"

#include "core/json/strict_parser.hpp"

namespace matrixrtc::core::matrix {
namespace {

bool is_unreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~';
}

std::string percent_encode(std::string_view text, bool encode_dots) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size() * 3);
  for (const char c : text) {
    if (is_unreserved(c) && !(encode_dots && c == '.')) {
      out.push_back(c);
    } else {
      const auto byte = static_cast<unsigned char>(c);
      out.push_back('%');
      out.push_back(kHex[byte >> 4]);
      out.push_back(kHex[byte & 0x0F]);
    }
  }
  return out;
}

// The errcode of a Matrix error body; nullopt when the body is not one
// (HTML from a proxy, an empty body, or JSON without a string errcode).
std::optional<std::string> errcode_of(std::string_view body) {
  auto object = json::parse_strict_object(body);
  if (!object) return std::nullopt;
  const auto* errcode = object->if_contains("errcode");
  if (errcode == nullptr || !errcode->is_string()) return std::nullopt;
  return std::string(errcode->get_string());
}

MembershipAnswer classify_is_joined(unsigned status, std::string_view body) {
  if (status == 200) {
    auto object = json::parse_strict_object(body);
    if (!object) return MembershipAnswer::failed;
    const auto* joined = object->if_contains("joined");
    if (joined == nullptr || !joined->is_bool()) return MembershipAnswer::failed;
    return joined->get_bool() ? MembershipAnswer::joined : MembershipAnswer::not_joined;
  }
  const auto errcode = errcode_of(body);
  if (status >= 400 && status < 500 && errcode == "M_UNRECOGNIZED") return MembershipAnswer::unsupported;
  if ((status == 404 || status == 405) && !errcode) return MembershipAnswer::unsupported;
  if (status == 404) return MembershipAnswer::not_joined;
  return MembershipAnswer::failed;
}

MembershipAnswer classify_member_state(unsigned status, std::string_view body) {
  if (status == 403 || status == 404) return MembershipAnswer::not_joined;
  if (status != 200) return MembershipAnswer::failed;
  auto object = json::parse_strict_object(body);
  if (!object) return MembershipAnswer::failed;
  const auto* membership = object->if_contains("membership");
  if (membership == nullptr || !membership->is_string()) return MembershipAnswer::failed;
  return membership->get_string() == "join" ? MembershipAnswer::joined : MembershipAnswer::not_joined;
}

}  // namespace

std::string encode_path_segment(std::string_view text) { return percent_encode(text, text == "." || text == ".."); }

std::optional<MembershipQuery> next_membership_query(MembershipQuery query) {
  switch (query) {
    case MembershipQuery::is_joined_stable: return MembershipQuery::is_joined_unstable;
    case MembershipQuery::is_joined_unstable: return MembershipQuery::member_state;
    case MembershipQuery::member_state: return std::nullopt;
  }
  return std::nullopt;
}

std::string membership_query_target(MembershipQuery query, std::string_view room_id, std::string_view user_id) {
  const std::string room = encode_path_segment(room_id);
  const std::string user = percent_encode(user_id, false);
  switch (query) {
    case MembershipQuery::is_joined_stable: return "/_matrix/client/v3/rooms/" + room + "/is_joined?mxid=" + user;
    case MembershipQuery::is_joined_unstable:
      return "/_matrix/client/unstable/io.element.msc4502/rooms/" + room + "/is_joined?mxid=" + user;
    case MembershipQuery::member_state:
      return "/_matrix/client/v3/rooms/" + room + "/state/m.room.member/" + encode_path_segment(user_id) +
             "?user_id=" + user;
  }
  return {};
}

MembershipAnswer classify_membership_answer(MembershipQuery query, unsigned status, std::string_view body) {
  if (query == MembershipQuery::member_state) return classify_member_state(status, body);
  return classify_is_joined(status, body);
}

}  // namespace matrixrtc::core::matrix
