#include "core/authz/token_requests.hpp"

#include <array>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/object.hpp>
#include <cstddef>

#include "core/json/strict_parser.hpp"
#include "core/matrix/identifiers.hpp"
#include "core/text.hpp"

namespace matrixrtc::core::authz {
namespace {

namespace bj = boost::json;

// Reads fields the way Go's encoding/json fills a struct: absent and null
// leave the zero value; a value of another type is a decoding error.
class FieldReader {
 public:
  explicit FieldReader(const bj::object* object) : object_(object) {}

  std::string string(std::string_view name) {
    const bj::value* value = find(name);
    if (value == nullptr) return {};
    if (!value->is_string()) {
      ok_ = false;
      return {};
    }
    return std::string(value->get_string());
  }

  std::optional<std::int64_t> integer(std::string_view name) {
    const bj::value* value = find(name);
    if (value == nullptr) return std::nullopt;
    if (value->is_int64()) return value->get_int64();
    if (value->is_uint64() && value->get_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
      return static_cast<std::int64_t>(value->get_uint64());
    }
    ok_ = false;
    return std::nullopt;
  }

  /// A nested object; absent or null gives a reader over nothing.
  FieldReader object(std::string_view name) {
    const bj::value* value = find(name);
    if (value == nullptr) return FieldReader(nullptr);
    if (!value->is_object()) {
      ok_ = false;
      return FieldReader(nullptr);
    }
    return FieldReader(&value->get_object());
  }

  [[nodiscard]] bool ok() const { return ok_; }
  void merge(const FieldReader& nested) { ok_ = ok_ && nested.ok_; }

 private:
  const bj::value* find(std::string_view name) const {
    if (object_ == nullptr) return nullptr;
    const bj::value* value = object_->if_contains(name);
    return value == nullptr || value->is_null() ? nullptr : value;
  }

  const bj::object* object_;
  bool ok_ = true;
};

OpenIdToken read_openid_token(FieldReader& parent) {
  FieldReader reader = parent.object("openid_token");
  OpenIdToken token;
  token.access_token = reader.string("access_token");
  token.token_type = reader.string("token_type");
  token.matrix_server_name = reader.string("matrix_server_name");
  token.expires_in = reader.integer("expires_in");
  parent.merge(reader);
  return token;
}

// Both delay fields or neither; the reference treats a zero or negative
// timeout as absent.
RequestResult<std::optional<DelayedLeave>> read_delayed_leave(FieldReader& reader) {
  std::string delay_id = reader.string("delay_id");
  const std::int64_t timeout = reader.integer("delay_timeout").value_or(0);
  (void)reader.string("delay_cs_api_url");  // deprecated and ignored, as upstream does (#188)
  const bool has_id = !delay_id.empty();
  const bool has_timeout = timeout > 0;
  if (has_id != has_timeout) {
    return std::unexpected(bad_json("The request body is missing `delay_id` or `delay_timeout`"));
  }
  if (!has_id) return std::optional<DelayedLeave>{};
  return std::optional<DelayedLeave>(DelayedLeave{std::move(delay_id), timeout});
}

std::optional<ApiError> check_server_name(const OpenIdToken& token) {
  if (auto parsed = matrix::parse_server_name(token.matrix_server_name); !parsed) {
    return bad_json(
        cat("The request body `openid_token.matrix_server_name` is not a valid server name: ", parsed.error().message));
  }
  return std::nullopt;
}

// The parsed body lives only while its fields are copied out, so its memory
// comes from one arena instead of one allocation per value: a body of
// ordinary size parses without touching the heap, larger ones (up to the
// server's body limit) spill over to it.
struct BodyArena {
  static constexpr std::size_t kBytes = 4096;
  alignas(std::max_align_t) std::array<unsigned char, kBytes> buffer;
  bj::monotonic_resource resource{buffer.data(), buffer.size()};
};

RequestResult<bj::object> parse_body(std::string_view body, bj::monotonic_resource& arena) {
  auto object = json::parse_strict_object(body, {}, &arena);
  if (!object) return std::unexpected(not_json());
  return std::move(*object);
}

}  // namespace

RequestResult<SfuGetRequest> parse_sfu_get_request(std::string_view body) {
  BodyArena arena;
  auto object = parse_body(body, arena.resource);
  if (!object) return std::unexpected(std::move(object.error()));
  FieldReader reader(&*object);
  SfuGetRequest request;
  request.room = reader.string("room");
  request.openid_token = read_openid_token(reader);
  request.device_id = reader.string("device_id");
  auto delayed = read_delayed_leave(reader);
  if (!reader.ok()) return std::unexpected(not_json());

  if (request.room.empty()) return std::unexpected(bad_json("Missing room parameter"));
  if (request.openid_token.access_token.empty() || request.openid_token.matrix_server_name.empty()) {
    return std::unexpected(bad_json("Missing OpenID token parameters"));
  }
  if (!delayed) return std::unexpected(std::move(delayed.error()));
  request.delayed_leave = std::move(*delayed);
  if (auto valid = matrix::validate_room_id(request.room); !valid) {
    return std::unexpected(bad_json(cat("The request body `room` is not a valid room ID: ", valid.error().message)));
  }
  if (auto error = check_server_name(request.openid_token)) return std::unexpected(std::move(*error));
  return request;
}

namespace {

// /get_token and /delegate_delayed_leave share a body; the reference words
// two of the texts differently per endpoint ("missing a `id`" vs "missing
// `id`"), and only the delegation endpoint requires the delay fields.
enum class SlotEndpoint { get_token, delegate };

RequestResult<GetTokenRequest> parse_slot_request(std::string_view body, SlotEndpoint endpoint) {
  BodyArena arena;
  auto object = parse_body(body, arena.resource);
  if (!object) return std::unexpected(std::move(object.error()));
  FieldReader reader(&*object);
  GetTokenRequest request;
  request.room_id = reader.string("room_id");
  request.slot_id = reader.string("slot_id");
  request.openid_token = read_openid_token(reader);
  FieldReader member = reader.object("member");
  request.member.id = member.string("id");
  request.member.claimed_user_id = member.string("claimed_user_id");
  request.member.claimed_device_id = member.string("claimed_device_id");
  reader.merge(member);
  auto delayed = read_delayed_leave(reader);
  if (!reader.ok()) return std::unexpected(not_json());

  const bool token_endpoint = endpoint == SlotEndpoint::get_token;
  if (request.room_id.empty() || request.slot_id.empty()) {
    return std::unexpected(bad_json("The request body is missing `room_id` or `slot_id`"));
  }
  if (request.member.id.empty() || request.member.claimed_user_id.empty() || request.member.claimed_device_id.empty()) {
    return std::unexpected(bad_json(
        token_endpoint ? "The request body `member` is missing a `id`, `claimed_user_id` or `claimed_device_id`"
                       : "The request body `member` is missing `id`, `claimed_user_id` or `claimed_device_id`"));
  }
  if (request.openid_token.access_token.empty() || request.openid_token.matrix_server_name.empty()) {
    return std::unexpected(
        bad_json(token_endpoint ? "The request body `openid_token` is missing a `access_token` or `matrix_server_name`"
                                : "The request body `openid_token` is missing `access_token` or `matrix_server_name`"));
  }
  if (!delayed) return std::unexpected(std::move(delayed.error()));
  request.delayed_leave = std::move(*delayed);
  if (!token_endpoint && !request.delayed_leave) {
    return std::unexpected(bad_json("The request body is missing `delay_id` or `delay_timeout`"));
  }
  if (auto valid = matrix::validate_room_id(request.room_id); !valid) {
    return std::unexpected(bad_json(cat("The request body `room_id` is not a valid room ID: ", valid.error().message)));
  }
  if (auto valid = matrix::parse_user_id(request.member.claimed_user_id); !valid) {
    return std::unexpected(
        bad_json(cat("The request body `member.claimed_user_id` is not a valid user ID: ", valid.error().message)));
  }
  if (auto error = check_server_name(request.openid_token)) return std::unexpected(std::move(*error));
  return request;
}

}  // namespace

RequestResult<GetTokenRequest> parse_get_token_request(std::string_view body) {
  return parse_slot_request(body, SlotEndpoint::get_token);
}

RequestResult<DelegateRequest> parse_delegate_request(std::string_view body) {
  auto request = parse_slot_request(body, SlotEndpoint::delegate);
  if (!request) return std::unexpected(std::move(request.error()));
  DelegateRequest delegate;
  delegate.room_id = std::move(request->room_id);
  delegate.slot_id = std::move(request->slot_id);
  delegate.openid_token = std::move(request->openid_token);
  delegate.member = std::move(request->member);
  delegate.delayed_leave = std::move(*request->delayed_leave);
  return delegate;
}

}  // namespace matrixrtc::core::authz
