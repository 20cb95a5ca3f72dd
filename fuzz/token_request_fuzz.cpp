// libFuzzer target: the request bodies of the token endpoints (/sfu/get,
// /get_token, /delegate_delayed_leave) on arbitrary bytes. Whatever parses has
// its required fields filled; whatever fails is a 400 M_NOT_JSON or M_BAD_JSON
// whose JSON body (what the client reads) is itself valid JSON.
#include <boost/json/parse.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/authz/token_requests.hpp"

namespace {

using namespace matrixrtc::core::authz;

void check_error(const ApiError& error) {
  if (error.status != 400) std::abort();
  if (error.errcode != "M_NOT_JSON" && error.errcode != "M_BAD_JSON") std::abort();
  if (error.error.empty()) std::abort();
  boost::system::error_code ec;
  const auto value = boost::json::parse(to_json(error), ec);
  if (ec || !value.is_object()) std::abort();
  const auto& object = value.get_object();
  const auto* errcode = object.if_contains("errcode");
  const auto* text = object.if_contains("error");
  if (errcode == nullptr || !errcode->is_string() || errcode->get_string() != error.errcode) std::abort();
  if (text == nullptr || !text->is_string() || text->get_string() != error.error) std::abort();
}

void check_token(const OpenIdToken& token) {
  if (token.access_token.empty() || token.matrix_server_name.empty()) std::abort();
}

void check_delayed(const DelayedLeave& leave) {
  if (leave.delay_id.empty() || leave.delay_timeout_ms <= 0) std::abort();
}

void check_member(const Member& member) {
  if (member.id.empty() || member.claimed_user_id.empty() || member.claimed_device_id.empty()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);

  if (const auto sfu = parse_sfu_get_request(body)) {
    if (sfu->room.empty()) std::abort();
    check_token(sfu->openid_token);
    if (sfu->delayed_leave) check_delayed(*sfu->delayed_leave);
  } else {
    check_error(sfu.error());
  }

  if (const auto get = parse_get_token_request(body)) {
    if (get->room_id.empty() || get->slot_id.empty()) std::abort();
    check_token(get->openid_token);
    check_member(get->member);
    if (get->delayed_leave) check_delayed(*get->delayed_leave);
  } else {
    check_error(get.error());
  }

  if (const auto delegate = parse_delegate_request(body)) {
    if (delegate->room_id.empty() || delegate->slot_id.empty()) std::abort();
    check_token(delegate->openid_token);
    check_member(delegate->member);
    check_delayed(delegate->delayed_leave);
    // Every delegate body is also a valid /get_token body with the same fields.
    const auto get = parse_get_token_request(body);
    if (!get || !get->delayed_leave || get->room_id != delegate->room_id ||
        get->delayed_leave->delay_id != delegate->delayed_leave.delay_id) {
      std::abort();
    }
  } else {
    check_error(delegate.error());
  }
  return 0;
}
