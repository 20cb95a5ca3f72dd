// Matrix canonical JSON (spec appendix "Canonical JSON"): object keys sorted by
// code point, no insignificant whitespace, UTF-8 output, the shortest escapes
// (\" \\ \b \f \n \r \t, other C0 controls as \u00xx), and nothing else
// escaped. Integers must lie in [-(2^53)+1, 2^53-1]; floats are refused.
//
// The same writer can instead emit ASCII-only text that is safe inside a JWT
// for Element Call (see write_json_string and Escaping::jwt_ascii).
#pragma once

#include <boost/json/value.hpp>
#include <span>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace matrixrtc::core::json {

enum class Escaping {
  /// Canonical JSON: non-ASCII and DEL raw, only " \ and C0 controls escaped.
  canonical,
  /// ASCII only: additionally escapes '>', '?', '~', DEL and every non-ASCII
  /// character as \uXXXX (surrogate pairs above U+FFFF). The base64url form of
  /// such text never contains '-' or '_', so browsers' atob() can decode it.
  jwt_ascii,
};

inline constexpr std::int64_t kMaxCanonicalInteger = (std::int64_t{1} << 53) - 1;

/// Serialises a value canonically (keys sorted, integers range-checked).
[[nodiscard]] Result<std::string> canonical_json(const boost::json::value& value,
                                                 Escaping escaping = Escaping::canonical);

/// Appends a quoted, escaped JSON string. Fails on invalid UTF-8, having
/// appended a partial string: write into a scratch string when that matters.
[[nodiscard]] Result<void> write_json_string(std::string& out, std::string_view utf8, Escaping escaping);

/// The canonical JSON text of an array of strings, e.g. ["a","b"]: the input
/// of every LiveKit name derivation.
[[nodiscard]] Result<std::string> canonical_string_array(std::span<const std::string_view> items);

}  // namespace matrixrtc::core::json
