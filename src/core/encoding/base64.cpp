#include "core/encoding/base64.hpp"

#include <array>
#include "core/text.hpp"

namespace matrixrtc::core::base64 {
namespace {

constexpr std::uint8_t kInvalid = 0xFF;

constexpr std::array<std::uint8_t, 256> make_reverse_table(Alphabet alphabet) {
  std::array<std::uint8_t, 256> table{};
  table.fill(kInvalid);
  constexpr std::string_view common = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  for (std::size_t i = 0; i < common.size(); ++i) {
    table[static_cast<unsigned char>(common[i])] = static_cast<std::uint8_t>(i);
  }
  table[static_cast<unsigned char>(alphabet == Alphabet::standard ? '+' : '-')] = 62;
  table[static_cast<unsigned char>(alphabet == Alphabet::standard ? '/' : '_')] = 63;
  return table;
}

constexpr std::string_view kStandardDigits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view kUrlDigits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

constexpr auto kStandardTable = make_reverse_table(Alphabet::standard);
constexpr auto kUrlTable = make_reverse_table(Alphabet::url);

}  // namespace

// Written here rather than with EVP_EncodeBlock: that one only knows the
// padded standard alphabet, and rewriting its output for base64url cost as
// much as the encoding itself on every token the service signs.
std::string encode(std::span<const std::uint8_t> bytes, Alphabet alphabet, Padding padding) {
  const std::string_view digits = alphabet == Alphabet::standard ? kStandardDigits : kUrlDigits;
  const std::size_t whole = bytes.size() / 3;
  const std::size_t rest = bytes.size() % 3;
  std::string out;
  out.resize(4 * whole + (rest == 0 ? 0 : (padding == Padding::with ? 4 : rest + 1)));
  char* o = out.data();
  const std::uint8_t* in = bytes.data();
  for (std::size_t i = 0; i < whole; ++i, in += 3) {
    const std::uint32_t v = (std::uint32_t{in[0]} << 16U) | (std::uint32_t{in[1]} << 8U) | in[2];
    *o++ = digits[(v >> 18U) & 0x3FU];
    *o++ = digits[(v >> 12U) & 0x3FU];
    *o++ = digits[(v >> 6U) & 0x3FU];
    *o++ = digits[v & 0x3FU];
  }
  if (rest != 0) {
    const std::uint32_t v = (std::uint32_t{in[0]} << 16U) | (rest == 2 ? std::uint32_t{in[1]} << 8U : 0U);
    *o++ = digits[(v >> 18U) & 0x3FU];
    *o++ = digits[(v >> 12U) & 0x3FU];
    if (rest == 2) {
      *o++ = digits[(v >> 6U) & 0x3FU];
    } else if (padding == Padding::with) {
      *o++ = '=';
    }
    if (padding == Padding::with) *o++ = '=';
  }
  return out;
}

std::string encode(std::string_view bytes, Alphabet alphabet, Padding padding) {
  return encode(std::span(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()), alphabet, padding);
}

Result<std::string> decode(std::string_view text, Alphabet alphabet, Padding padding) {
  const auto& table = alphabet == Alphabet::standard ? kStandardTable : kUrlTable;
  std::size_t data_length = text.size();
  if (padding == Padding::with) {
    if (text.size() % 4 != 0) {
      return fail(ErrorCode::invalid_base64, "base64 length is not a multiple of 4");
    }
    while (data_length > 0 && text.size() - data_length < 2 && text[data_length - 1] == '=') --data_length;
  }
  if (data_length % 4 == 1) {
    return fail(ErrorCode::invalid_base64, "base64 length is impossible");
  }
  if (padding == Padding::with && (data_length + 3) / 4 * 4 != text.size()) {
    return fail(ErrorCode::invalid_base64, "base64 padding is wrong");
  }
  std::array<std::uint8_t, 4> quad{};
  std::string out;
  out.reserve(data_length / 4 * 3 + 2);
  for (std::size_t i = 0; i < data_length; i += 4) {
    const std::size_t n = std::min<std::size_t>(4, data_length - i);
    for (std::size_t j = 0; j < n; ++j) {
      const std::uint8_t v = table[static_cast<unsigned char>(text[i + j])];
      if (v == kInvalid) {
        return fail(ErrorCode::invalid_base64, cat("invalid base64 character at offset ", i + j));
      }
      quad[j] = v;
    }
    const std::uint32_t bits = (std::uint32_t{quad[0]} << 18) | (std::uint32_t{quad[1]} << 12) |
                               (n > 2 ? std::uint32_t{quad[2]} << 6 : 0U) | (n > 3 ? std::uint32_t{quad[3]} : 0U);
    out.push_back(static_cast<char>((bits >> 16) & 0xFF));
    if (n > 2) out.push_back(static_cast<char>((bits >> 8) & 0xFF));
    if (n > 3) out.push_back(static_cast<char>(bits & 0xFF));
    // A short final group must not carry bits that no output byte holds.
    if ((n == 2 && (quad[1] & 0x0F) != 0) || (n == 3 && (quad[2] & 0x03) != 0)) {
      return fail(ErrorCode::invalid_base64, "base64 has non-zero trailing bits");
    }
  }
  return out;
}

}  // namespace matrixrtc::core::base64
