// Errors are values in the core: every fallible function returns Result<T>.
// An Error carries a stable code for programs to branch on, a human-readable
// message for logs and CLI output, and the Matrix `errcode` a service should
// answer with when the failure is the client's fault.
#pragma once

#include <expected>
#include <string>
#include <string_view>
#include <utility>

namespace matrixrtc::core {

enum class ErrorCode {
  // JSON text
  invalid_json,          ///< not JSON at all, or trailing garbage
  invalid_utf8,          ///< a string holds bytes that are not UTF-8
  invalid_surrogate,     ///< a \u escape holds a lone or misordered surrogate
  nesting_too_deep,      ///< arrays/objects nested beyond the limit
  duplicate_key,         ///< an object names the same key twice
  integer_out_of_range,  ///< an integer that does not fit the allowed range
  float_not_allowed,     ///< a number with a fraction or exponent where none is allowed
  // Values
  invalid_argument,  ///< a caller-supplied value breaks the function's contract
  invalid_base64,    ///< text that is not base64 in the expected alphabet
  // Tokens
  malformed_token,        ///< not three base64url segments of JSON
  unsupported_algorithm,  ///< `alg` other than HS256 (including `none`)
  bad_signature,          ///< the HMAC does not match
  wrong_issuer,           ///< `iss` is not the expected API key
  token_not_yet_valid,    ///< `nbf` is in the future beyond the leeway
  token_expired,          ///< `exp` is in the past beyond the leeway
  missing_claim,          ///< a required claim is absent
  invalid_claim,          ///< a claim has the wrong type or value
  body_hash_mismatch,     ///< webhook `sha256` does not match the body
  // Platform
  crypto_failure,  ///< the crypto library refused an operation
  // Network (reported by the networking layer; defined here so every layer
  // shares one error type)
  dns_failure,         ///< a name did not resolve, or the DNS server failed
  connect_failed,      ///< no connection could be made to any address
  timed_out,           ///< a connect or total deadline passed
  tls_failure,         ///< TLS handshake or certificate verification failed
  bad_response,        ///< the peer answered something that is not valid HTTP
  response_too_large,  ///< the peer's answer exceeded the size limit
  // Media frame encryption (appended so existing values keep their numbers)
  malformed_frame,    ///< truncated frame, IV length out of bounds, or no room for the tag
  decryption_failed,  ///< AES-GCM authentication failed: wrong key or tampered frame
  missing_key,        ///< no key in the ring at the frame's key index
  key_invalidated,    ///< the key at this index failed more often than the tolerance allows
  unsupported_codec,  ///< a codec the frame format cannot carry (AV1)
  unexpected_sif,     ///< a frame with the room's SIF trailer whose payload is not a known SIF
  invalid_key_event,  ///< a Matrix encryption-key event that breaks its schema
  // Outbound policy (appended)
  address_refused,  ///< the outbound policy refuses the peer (SSRF guard on its addresses, homeserver lists)
};

/// The identifier of an error code, e.g. "duplicate_key"; stable for scripts.
[[nodiscard]] std::string_view to_string(ErrorCode code) noexcept;

struct Error {
  ErrorCode code;
  std::string message;
  /// The Matrix errcode to answer with, e.g. "M_BAD_JSON"; empty when the
  /// failure is not something a Matrix client caused.
  std::string matrix_errcode;

  Error(ErrorCode c, std::string msg, std::string errcode = {})
      : code(c), message(std::move(msg)), matrix_errcode(std::move(errcode)) {}

  friend bool operator==(const Error&, const Error&) = default;
};

template <class T>
using Result = std::expected<T, Error>;

/// Shorthand for returning a failure: `return fail(ErrorCode::x, "why");`
[[nodiscard]] inline std::unexpected<Error> fail(ErrorCode code, std::string message, std::string matrix_errcode = {}) {
  return std::unexpected<Error>(std::in_place, code, std::move(message), std::move(matrix_errcode));
}

}  // namespace matrixrtc::core
