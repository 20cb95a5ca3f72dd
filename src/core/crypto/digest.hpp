// SHA-256 and HMAC-SHA-256 from OpenSSL, and a comparison that takes the same
// time wherever the inputs differ (for signatures and body hashes).
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "core/error.hpp"

namespace matrixrtc::core::crypto {

using Sha256Digest = std::array<std::uint8_t, 32>;

[[nodiscard]] Sha256Digest sha256(std::string_view data) noexcept;

[[nodiscard]] Result<Sha256Digest> hmac_sha256(std::string_view key, std::string_view data);

/// True when both byte strings are equal; the time taken depends only on the
/// lengths, never on where the first difference is.
[[nodiscard]] bool constant_time_equal(std::string_view a, std::string_view b) noexcept;

[[nodiscard]] inline std::string_view as_chars(const Sha256Digest& digest) noexcept {
  return {reinterpret_cast<const char*>(digest.data()), digest.size()};
}

}  // namespace matrixrtc::core::crypto
