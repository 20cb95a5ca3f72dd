#include "core/error.hpp"

namespace matrixrtc::core {

std::string_view to_string(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::invalid_json: return "invalid_json";
    case ErrorCode::invalid_utf8: return "invalid_utf8";
    case ErrorCode::invalid_surrogate: return "invalid_surrogate";
    case ErrorCode::nesting_too_deep: return "nesting_too_deep";
    case ErrorCode::duplicate_key: return "duplicate_key";
    case ErrorCode::integer_out_of_range: return "integer_out_of_range";
    case ErrorCode::float_not_allowed: return "float_not_allowed";
    case ErrorCode::invalid_argument: return "invalid_argument";
    case ErrorCode::invalid_base64: return "invalid_base64";
    case ErrorCode::malformed_token: return "malformed_token";
    case ErrorCode::unsupported_algorithm: return "unsupported_algorithm";
    case ErrorCode::bad_signature: return "bad_signature";
    case ErrorCode::wrong_issuer: return "wrong_issuer";
    case ErrorCode::token_not_yet_valid: return "token_not_yet_valid";
    case ErrorCode::token_expired: return "token_expired";
    case ErrorCode::missing_claim: return "missing_claim";
    case ErrorCode::invalid_claim: return "invalid_claim";
    case ErrorCode::body_hash_mismatch: return "body_hash_mismatch";
    case ErrorCode::crypto_failure: return "crypto_failure";
    case ErrorCode::dns_failure: return "dns_failure";
    case ErrorCode::connect_failed: return "connect_failed";
    case ErrorCode::timed_out: return "timed_out";
    case ErrorCode::tls_failure: return "tls_failure";
    case ErrorCode::bad_response: return "bad_response";
    case ErrorCode::response_too_large: return "response_too_large";
    case ErrorCode::malformed_frame: return "malformed_frame";
    case ErrorCode::decryption_failed: return "decryption_failed";
    case ErrorCode::missing_key: return "missing_key";
    case ErrorCode::key_invalidated: return "key_invalidated";
    case ErrorCode::unsupported_codec: return "unsupported_codec";
    case ErrorCode::unexpected_sif: return "unexpected_sif";
    case ErrorCode::invalid_key_event: return "invalid_key_event";
    case ErrorCode::address_refused: return "address_refused";
  }
  return "unknown";
}

}  // namespace matrixrtc::core
