// The request bodies of the authorization service's token endpoints, parsed
// and validated with lk-jwt-service's checks and error texts, in its order.
// Unlike the reference, unknown fields are ignored (strict decoding broke
// clients at each MSC revision), while wrong types still answer M_NOT_JSON
// and identifiers are checked against the Matrix grammar.
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

#include "core/authz/api_error.hpp"

namespace matrixrtc::core::authz {

struct OpenIdToken {
  std::string access_token;
  std::string token_type;
  std::string matrix_server_name;
  std::optional<std::int64_t> expires_in;
};

/// MSC4140 delayed leave event handed to the service (optional on the token
/// endpoints; both fields or neither).
struct DelayedLeave {
  std::string delay_id;
  std::int64_t delay_timeout_ms = 0;
};

/// POST /sfu/get (legacy).
struct SfuGetRequest {
  std::string room;
  OpenIdToken openid_token;
  std::string device_id;
  std::optional<DelayedLeave> delayed_leave;
};

struct Member {
  std::string id;
  std::string claimed_user_id;
  std::string claimed_device_id;
};

/// POST /get_token (standalone MSC4195).
struct GetTokenRequest {
  std::string room_id;
  std::string slot_id;
  OpenIdToken openid_token;
  Member member;
  std::optional<DelayedLeave> delayed_leave;
};

/// POST /delegate_delayed_leave: the /get_token body with the delay fields
/// required.
struct DelegateRequest {
  std::string room_id;
  std::string slot_id;
  OpenIdToken openid_token;
  Member member;
  DelayedLeave delayed_leave;
};

template <class T>
using RequestResult = std::expected<T, ApiError>;

[[nodiscard]] RequestResult<SfuGetRequest> parse_sfu_get_request(std::string_view body);
[[nodiscard]] RequestResult<GetTokenRequest> parse_get_token_request(std::string_view body);
[[nodiscard]] RequestResult<DelegateRequest> parse_delegate_request(std::string_view body);

}  // namespace matrixrtc::core::authz
