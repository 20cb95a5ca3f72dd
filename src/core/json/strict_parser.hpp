// A strict JSON reader for everything that crosses a trust boundary (request
// bodies, tokens, room events). On top of RFC 8259 it refuses what Matrix and
// JWT consumers must not silently accept: duplicate object keys (two readers
// could pick different values), invalid UTF-8 and lone surrogates, nesting
// deeper than a limit, and integers that no 64-bit type can hold.
#pragma once

#include <boost/json/value.hpp>
#include <cstddef>
#include <string_view>

#include "core/error.hpp"

namespace matrixrtc::core::json {

struct ParseLimits {
  /// Deepest allowed nesting of arrays and objects (the document itself is 1).
  std::size_t max_depth = 64;
};

/// Parses exactly one JSON text (surrounding whitespace allowed). Numbers with a
/// fraction or exponent are kept as doubles; callers that forbid them (canonical
/// JSON) refuse them later. Errors name the byte offset and carry M_NOT_JSON.
/// The value's memory comes from `storage` (default: the heap); a caller that
/// reads the value and drops it can pass a monotonic resource on its stack.
[[nodiscard]] Result<boost::json::value> parse_strict(std::string_view text, const ParseLimits& limits = {},
                                                      boost::json::storage_ptr storage = {});

/// As parse_strict, and the top-level value must be an object.
[[nodiscard]] Result<boost::json::object> parse_strict_object(std::string_view text, const ParseLimits& limits = {},
                                                              boost::json::storage_ptr storage = {});

}  // namespace matrixrtc::core::json
