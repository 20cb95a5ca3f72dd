// Lower-case hexadecimal, as test vectors, CLI output and interop scripts use
// it for binary values such as media frames and keys.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace matrixrtc::core::hex {

[[nodiscard]] std::string encode(std::span<const std::uint8_t> bytes);

/// Decodes an even number of hex digits (either case); whitespace is not
/// allowed, so one text has one meaning.
[[nodiscard]] Result<std::vector<std::uint8_t>> decode(std::string_view text);

}  // namespace matrixrtc::core::hex
