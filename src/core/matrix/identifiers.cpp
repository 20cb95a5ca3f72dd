#include "core/matrix/identifiers.hpp"

#include <algorithm>
#include <charconv>

#include "core/text.hpp"

namespace matrixrtc::core::matrix {
namespace {

constexpr std::size_t kMaxIdentifierLength = 255;

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

bool is_ipv4(std::string_view text) {
  int parts = 0;
  std::size_t i = 0;
  while (i <= text.size()) {
    const std::size_t start = i;
    while (i < text.size() && is_digit(text[i])) ++i;
    const std::size_t digits = i - start;
    if (digits < 1 || digits > 3) return false;
    int value = 0;
    std::from_chars(text.data() + start, text.data() + i, value);
    if (value > 255) return false;
    ++parts;
    if (i == text.size()) break;
    if (text[i] != '.') return false;
    ++i;
  }
  return parts == 4;
}

// The spec's grammar is loose (2*45 of hex digits, ':' and '.'); we also
// require the shape of a real address so discovery never dials nonsense.
bool is_ipv6(std::string_view text) {
  if (text.size() < 2 || text.size() > 45) return false;
  if (!std::ranges::all_of(text, [](char c) { return is_hex(c) || c == ':' || c == '.'; })) return false;
  std::size_t groups = 0;
  bool compressed = false;
  std::size_t i = 0;
  if (text.starts_with("::")) {
    compressed = true;
    i = 2;
    if (i == text.size()) return true;
  } else if (text.front() == ':') {
    return false;
  }
  while (i < text.size()) {
    const std::size_t start = i;
    while (i < text.size() && text[i] != ':') ++i;
    const std::string_view group = text.substr(start, i - start);
    if (group.find('.') != std::string_view::npos) {
      if (i != text.size() || !is_ipv4(group)) return false;  // embedded IPv4 only at the end
      groups += 2;
      break;
    }
    if (group.empty() || group.size() > 4) return false;
    ++groups;
    if (i == text.size()) break;
    ++i;  // past ':'
    if (i < text.size() && text[i] == ':') {
      if (compressed) return false;
      compressed = true;
      ++i;
      if (i == text.size()) break;
    } else if (i == text.size()) {
      return false;  // trailing single ':'
    }
  }
  return compressed ? groups < 8 : groups == 8;
}

bool is_dns_name(std::string_view text) {
  return !text.empty() && text.size() <= 255 &&
         std::ranges::all_of(text, [](char c) { return is_digit(c) || is_alpha(c) || c == '-' || c == '.'; });
}

Error invalid(std::string message) { return Error(ErrorCode::invalid_argument, std::move(message)); }

}  // namespace

Result<ServerName> parse_server_name(std::string_view text) {
  if (text.empty()) return std::unexpected(invalid("server name is empty"));
  if (text.size() > kMaxIdentifierLength) return std::unexpected(invalid("server name is too long"));
  ServerName out;
  std::string_view rest = text;
  if (rest.front() == '[') {
    const auto close = rest.find(']');
    if (close == std::string_view::npos) return std::unexpected(invalid("server name has an unclosed '['"));
    out.host = rest.substr(1, close - 1);
    out.kind = HostKind::ipv6;
    if (!is_ipv6(out.host)) return std::unexpected(invalid("server name has an invalid IPv6 address"));
    rest = rest.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') return std::unexpected(invalid("unexpected text after IPv6 address"));
  } else {
    const auto colon = rest.find(':');
    out.host = rest.substr(0, colon);
    rest = colon == std::string_view::npos ? std::string_view{} : rest.substr(colon);
    if (is_ipv4(out.host)) {
      out.kind = HostKind::ipv4;
    } else if (is_dns_name(out.host)) {
      out.kind = HostKind::dns_name;
    } else {
      return std::unexpected(invalid(cat("server name has an invalid host \"", utf8_prefix(out.host, 64), "\"")));
    }
  }
  if (!rest.empty()) {
    const std::string_view digits = rest.substr(1);
    unsigned value = 0;
    const auto result = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (digits.empty() || digits.size() > 5 || result.ec != std::errc{} ||
        result.ptr != digits.data() + digits.size() || value == 0 || value > 65535) {
      return std::unexpected(invalid("server name has an invalid port"));
    }
    out.port = static_cast<std::uint16_t>(value);
  }
  return out;
}

Result<UserId> parse_user_id(std::string_view text) {
  if (text.size() > kMaxIdentifierLength) return std::unexpected(invalid("user ID is longer than 255 bytes"));
  if (!text.starts_with('@')) return std::unexpected(invalid("user ID must start with '@'"));
  const auto colon = text.find(':');
  if (colon == std::string_view::npos) return std::unexpected(invalid("user ID has no server name"));
  const std::string_view localpart = text.substr(1, colon - 1);
  if (localpart.empty()) return std::unexpected(invalid("user ID has an empty localpart"));
  if (!std::ranges::all_of(localpart, [](char c) { return c >= 0x21 && c <= 0x7E; })) {
    return std::unexpected(invalid("user ID localpart has characters outside printable ASCII"));
  }
  const std::string_view server = text.substr(colon + 1);
  if (auto parsed = parse_server_name(server); !parsed) return std::unexpected(std::move(parsed.error()));
  return UserId{localpart, server};
}

Result<void> validate_room_id(std::string_view text) {
  if (text.size() > kMaxIdentifierLength) return std::unexpected(invalid("room ID is longer than 255 bytes"));
  if (!text.starts_with('!')) return std::unexpected(invalid("room ID must start with '!'"));
  const auto colon = text.find(':');
  const std::string_view opaque = text.substr(1, colon == std::string_view::npos ? std::string_view::npos : colon - 1);
  if (opaque.empty()) return std::unexpected(invalid("room ID has an empty opaque part"));
  if (!std::ranges::all_of(opaque, [](char c) { return c >= 0x21 && c <= 0x7E; })) {
    return std::unexpected(invalid("room ID has characters outside printable ASCII"));
  }
  if (colon != std::string_view::npos) {
    if (auto parsed = parse_server_name(text.substr(colon + 1)); !parsed) {
      return std::unexpected(std::move(parsed.error()));
    }
  }
  return {};
}

}  // namespace matrixrtc::core::matrix
