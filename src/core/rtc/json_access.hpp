// Reading untrusted event content the way matrix-js-sdk does, so that our
// validation rules mean exactly what the reference client's rules mean:
// `typeof x === "object"` is true for arrays and null, a property of a
// non-object is `undefined`, and `${x}` stringifies like JavaScript.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace matrixrtc::core::rtc::json_access {

/// The property `key` of `value`, or nullptr ("undefined") when `value` is not
/// an object or has no such key. Arrays have no named properties here.
[[nodiscard]] const boost::json::value* property(const boost::json::value* value, std::string_view key) noexcept;
[[nodiscard]] const boost::json::value* property(const boost::json::object& object, std::string_view key) noexcept;

/// JavaScript `typeof v === "object" && v !== null`: objects and arrays.
[[nodiscard]] bool is_js_object(const boost::json::value* value) noexcept;

/// The string held by `value`, if it is one.
[[nodiscard]] std::optional<std::string_view> string_of(const boost::json::value* value) noexcept;

/// An integral JSON number that a JavaScript number represents exactly
/// (|n| <= 2^53 - 1); doubles with no fraction count as integral.
[[nodiscard]] std::optional<std::int64_t> safe_integer_of(const boost::json::value* value) noexcept;

/// JavaScript's String(v) for a JSON value (nullptr is "undefined"): numbers
/// in their shortest form, arrays joined by ",", objects "[object Object]".
[[nodiscard]] std::string js_to_string(const boost::json::value* value);

/// Whether `text` matches matrix-js-sdk's MXID_PATTERN /@.+:.+/ (unanchored;
/// `.` excludes line terminators).
[[nodiscard]] bool matches_mxid_pattern(std::string_view text) noexcept;

}  // namespace matrixrtc::core::rtc::json_access
