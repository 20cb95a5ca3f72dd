#include "core/encoding/hex.hpp"

#include "core/text.hpp"

namespace matrixrtc::core::hex {
namespace {

int digit_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string encode(std::span<const std::uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const std::uint8_t byte : bytes) {
    out.push_back(kDigits[byte >> 4]);
    out.push_back(kDigits[byte & 0x0F]);
  }
  return out;
}

Result<std::vector<std::uint8_t>> decode(std::string_view text) {
  if (text.size() % 2 != 0) {
    return fail(ErrorCode::invalid_argument, cat("hex text has an odd number of digits (", text.size(), ")"));
  }
  std::vector<std::uint8_t> out;
  out.reserve(text.size() / 2);
  for (std::size_t i = 0; i < text.size(); i += 2) {
    const int high = digit_value(text[i]);
    const int low = digit_value(text[i + 1]);
    if (high < 0 || low < 0) {
      return fail(ErrorCode::invalid_argument, cat("not a hex digit at position ", high < 0 ? i : i + 1));
    }
    out.push_back(static_cast<std::uint8_t>(high * 16 + low));
  }
  return out;
}

}  // namespace matrixrtc::core::hex
