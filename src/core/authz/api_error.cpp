#include "core/authz/api_error.hpp"

#include "core/json/canonical_json.hpp"

namespace matrixrtc::core::authz {

std::string to_json(const ApiError& error) {
  // Texts are ours and valid UTF-8; should one ever not be, the body stays JSON.
  const auto quoted = [](std::string_view text) {
    std::string out;
    if (!json::write_json_string(out, text, json::Escaping::canonical)) out = R"("")";
    return out;
  };
  std::string out = R"({"errcode":)" + quoted(error.errcode) + R"(,"error":)" + quoted(error.error);
  if (error.retry_after_ms) out += R"(,"retry_after_ms":)" + std::to_string(*error.retry_after_ms);
  return out + "}";
}

ApiError not_json() { return {400, "M_NOT_JSON", "Error reading request"}; }
ApiError bad_json(std::string text) { return {400, "M_BAD_JSON", std::move(text)}; }
ApiError unauthorized() { return {401, "M_UNAUTHORIZED", "The request could not be authorised."}; }
ApiError internal_error() { return {500, "M_UNKNOWN", "Internal Server Error"}; }
ApiError room_creation_failed() { return {500, "M_UNKNOWN", "Unable to create room on SFU"}; }
ApiError delegation_forbidden() {
  return {403, "M_FORBIDDEN", "Delegation of delayed events is only supported for full access users"};
}
ApiError cs_api_unresolvable() { return {400, "M_BAD_JSON", "Unable to resolve client-server API"}; }
ApiError not_room_member() { return {403, "M_FORBIDDEN", "The requesting user is not a member of the room"}; }
ApiError membership_unverifiable() { return {502, "M_UNKNOWN", "Unable to verify room membership"}; }
ApiError webhook_unauthorized() { return {401, "M_UNAUTHORIZED", "The webhook could not be verified."}; }
ApiError shutting_down() { return {503, "M_UNKNOWN", "Service is shutting down"}; }
ApiError limit_exceeded(std::int64_t retry_after_ms) {
  return {429, "M_LIMIT_EXCEEDED", "Too many requests", retry_after_ms};
}

}  // namespace matrixrtc::core::authz
