// Base64 in the three forms MatrixRTC and LiveKit use: standard padded
// (webhook `sha256` claim), standard unpadded (LiveKit names, Matrix keys)
// and URL-safe unpadded (JWT segments). Decoding is strict: wrong alphabet,
// misplaced padding and non-zero trailing bits are refused, so one byte string
// has exactly one accepted encoding.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace matrixrtc::core::base64 {

enum class Alphabet { standard, url };
enum class Padding { with, without };

[[nodiscard]] std::string encode(std::span<const std::uint8_t> bytes, Alphabet alphabet, Padding padding);
[[nodiscard]] std::string encode(std::string_view bytes, Alphabet alphabet, Padding padding);

/// Decodes text in the given alphabet; `padding` says whether `=` must be
/// present (with) or absent (without).
[[nodiscard]] Result<std::string> decode(std::string_view text, Alphabet alphabet, Padding padding);

}  // namespace matrixrtc::core::base64
