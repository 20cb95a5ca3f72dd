// Building short messages without std::format (GCC 12's libstdc++ lacks it):
// cat("duplicate key \"", key, "\" at byte ", 12) appends each part.
#pragma once

#include <concepts>
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

}  // namespace matrixrtc::core
