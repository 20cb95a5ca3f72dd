#include "core/encoding/base64.hpp"

#include <openssl/evp.h>

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

constexpr auto kStandardTable = make_reverse_table(Alphabet::standard);
constexpr auto kUrlTable = make_reverse_table(Alphabet::url);

}  // namespace

std::string encode(std::span<const std::uint8_t> bytes, Alphabet alphabet, Padding padding) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  // OpenSSL writes standard, padded base64 plus a NUL; adapt it afterwards.
  const int written =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), bytes.data(), static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(written));
  if (padding == Padding::without) {
    while (!out.empty() && out.back() == '=') out.pop_back();
  }
  if (alphabet == Alphabet::url) {
    for (char& c : out) {
      if (c == '+')
        c = '-';
      else if (c == '/')
        c = '_';
    }
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
