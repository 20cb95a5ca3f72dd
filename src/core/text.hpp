// Building short messages without std::format (GCC 12's libstdc++ lacks it):
// cat("duplicate key \"", key, "\" at byte ", 12) appends each part.
#pragma once

#include <concepts>
#include <cstddef>
#include <string>
#include <string_view>

namespace matrixrtc::core {

namespace detail {
inline void append_part(std::string& out, std::string_view part) { out.append(part); }
inline void append_part(std::string& out, char part) { out.push_back(part); }
template <std::integral T>
requires(!std::same_as<T, char> && !std::same_as<T, bool>) void append_part(std::string& out, T part) {
  out.append(std::to_string(part));
}
}  // namespace detail

template <class... Parts>
[[nodiscard]] std::string cat(const Parts&... parts) {
  std::string out;
  (detail::append_part(out, parts), ...);
  return out;
}

/// The longest prefix of `text` of at most `max_bytes` bytes that does not end
/// inside a UTF-8 sequence, for quoting untrusted text in error messages: a
/// plain substr could cut a character and make the message invalid UTF-8,
/// which the JSON error body then cannot carry.
[[nodiscard]] inline std::string_view utf8_prefix(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  std::size_t end = max_bytes;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end);
}

}  // namespace matrixrtc::core
