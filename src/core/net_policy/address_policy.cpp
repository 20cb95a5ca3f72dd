#include "core/net_policy/address_policy.hpp"

#include <initializer_list>
#include <optional>
#include <vector>

#include "core/text.hpp"

namespace matrixrtc::core::net_policy {
namespace {

struct Ipv4Range {
  std::uint32_t first;
  unsigned prefix;
  AddressClass kind;
  std::string_view name;
};

constexpr std::uint32_t v4(unsigned a, unsigned b, unsigned c, unsigned d) {
  return (a << 24) | (b << 16) | (c << 8) | d;
}

// First match wins: the /32s come before the ranges that contain them.
constexpr Ipv4Range kIpv4Ranges[] = {
    {v4(0, 0, 0, 0), 32, AddressClass::unspecified, "unspecified (0.0.0.0)"},
    {v4(0, 0, 0, 0), 8, AddressClass::this_network, "this network (0.0.0.0/8)"},
    {v4(10, 0, 0, 0), 8, AddressClass::private_use, "private (10.0.0.0/8)"},
    {v4(100, 64, 0, 0), 10, AddressClass::shared, "shared address space, CGNAT (100.64.0.0/10)"},
    {v4(127, 0, 0, 0), 8, AddressClass::loopback, "loopback (127.0.0.0/8)"},
    {v4(169, 254, 0, 0), 16, AddressClass::link_local, "link-local (169.254.0.0/16)"},
    {v4(172, 16, 0, 0), 12, AddressClass::private_use, "private (172.16.0.0/12)"},
    {v4(192, 0, 0, 0), 24, AddressClass::reserved, "IETF protocol assignments (192.0.0.0/24)"},
    {v4(192, 0, 2, 0), 24, AddressClass::reserved, "documentation (192.0.2.0/24)"},
    {v4(192, 168, 0, 0), 16, AddressClass::private_use, "private (192.168.0.0/16)"},
    {v4(198, 18, 0, 0), 15, AddressClass::reserved, "benchmarking (198.18.0.0/15)"},
    {v4(198, 51, 100, 0), 24, AddressClass::reserved, "documentation (198.51.100.0/24)"},
    {v4(203, 0, 113, 0), 24, AddressClass::reserved, "documentation (203.0.113.0/24)"},
    {v4(224, 0, 0, 0), 4, AddressClass::multicast, "multicast (224.0.0.0/4)"},
    {v4(255, 255, 255, 255), 32, AddressClass::broadcast, "broadcast (255.255.255.255)"},
    {v4(240, 0, 0, 0), 4, AddressClass::reserved, "reserved (240.0.0.0/4)"},
};

bool in_range(std::uint32_t address, const Ipv4Range& range) {
  const std::uint32_t mask = range.prefix == 0 ? 0 : ~std::uint32_t{0} << (32 - range.prefix);
  return (address & mask) == range.first;
}

std::string ipv4_text_impl(const Ipv4Bytes& a) { return cat(a[0], '.', a[1], '.', a[2], '.', a[3]); }

// Lower-case hex groups with the longest run of two or more zero groups as
// "::" (RFC 5952).
std::string ipv6_text_impl(const Ipv6Bytes& a) {
  std::array<unsigned, 8> groups{};
  for (std::size_t i = 0; i < 8; ++i) groups[i] = (unsigned{a[2 * i]} << 8) | a[2 * i + 1];
  std::size_t best = 8;
  std::size_t best_length = 1;
  for (std::size_t i = 0; i < 8;) {
    std::size_t j = i;
    while (j < 8 && groups[j] == 0) ++j;
    if (j - i > best_length) {
      best = i;
      best_length = j - i;
    }
    i = j == i ? i + 1 : j;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < 8; ++i) {
    if (i == best) {
      out += "::";
      i += best_length - 1;
      continue;
    }
    if (!out.empty() && out.back() != ':') out += ':';
    bool started = false;
    for (int shift = 12; shift >= 0; shift -= 4) {
      const unsigned digit = (groups[i] >> shift) & 0xF;
      if (digit != 0 || started || shift == 0) {
        out += kHex[digit];
        started = true;
      }
    }
  }
  return out;
}

bool starts_with(const Ipv6Bytes& a, std::initializer_list<std::uint8_t> prefix) {
  std::size_t i = 0;
  for (const auto byte : prefix) {
    if (a[i++] != byte) return false;
  }
  return true;
}

bool zero(const Ipv6Bytes& a, std::size_t from, std::size_t to) {
  for (std::size_t i = from; i < to; ++i) {
    if (a[i] != 0) return false;
  }
  return true;
}

Ipv4Bytes embedded(const Ipv6Bytes& a, std::size_t at) { return {a[at], a[at + 1], a[at + 2], a[at + 3]}; }

// An IPv6 form that reaches an IPv4 address: classified by that address.
AddressVerdict through(std::string_view form, const Ipv6Bytes& address, const Ipv4Bytes& inner) {
  AddressVerdict verdict = classify(inner);
  if (verdict.is_public()) return verdict;
  verdict.reason = cat(form, ' ', ipv6_text_impl(address), " reaches ", ipv4_text_impl(inner), ", ", verdict.reason);
  return verdict;
}

AddressVerdict make_verdict(AddressClass kind, std::string reason) { return AddressVerdict{kind, std::move(reason)}; }

std::optional<unsigned> hex_digit(char c) {
  if (c >= '0' && c <= '9') return static_cast<unsigned>(c - '0');
  if (c >= 'a' && c <= 'f') return static_cast<unsigned>(c - 'a' + 10);
  if (c >= 'A' && c <= 'F') return static_cast<unsigned>(c - 'A' + 10);
  return std::nullopt;
}

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (;;) {
    const auto at = text.find(separator, start);
    if (at == std::string_view::npos) {
      parts.push_back(text.substr(start));
      return parts;
    }
    parts.push_back(text.substr(start, at - start));
    start = at + 1;
  }
}

// Hex groups ("1:ab:0") into 16-bit values; a last dotted quad gives two.
std::optional<std::vector<unsigned>> parse_groups(std::string_view text, bool quad_allowed) {
  std::vector<unsigned> groups;
  if (text.empty()) return groups;
  const auto parts = split(text, ':');
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const auto part = parts[i];
    if (quad_allowed && i + 1 == parts.size() && part.find('.') != std::string_view::npos) {
      const auto quad = parse_ipv4(part);
      if (!quad) return std::nullopt;
      groups.push_back((unsigned{(*quad)[0]} << 8) | (*quad)[1]);
      groups.push_back((unsigned{(*quad)[2]} << 8) | (*quad)[3]);
      continue;
    }
    if (part.empty() || part.size() > 4) return std::nullopt;
    unsigned value = 0;
    for (const char c : part) {
      const auto digit = hex_digit(c);
      if (!digit) return std::nullopt;
      value = (value << 4) | *digit;
    }
    groups.push_back(value);
  }
  return groups;
}

}  // namespace

std::string_view to_string(AddressClass kind) noexcept {
  switch (kind) {
    case AddressClass::public_unicast: return "public_unicast";
    case AddressClass::unspecified: return "unspecified";
    case AddressClass::this_network: return "this_network";
    case AddressClass::loopback: return "loopback";
    case AddressClass::private_use: return "private_use";
    case AddressClass::shared: return "shared";
    case AddressClass::link_local: return "link_local";
    case AddressClass::multicast: return "multicast";
    case AddressClass::broadcast: return "broadcast";
    case AddressClass::reserved: return "reserved";
  }
  return "unknown";
}

AddressVerdict classify(const Ipv4Bytes& address) {
  const std::uint32_t value = v4(address[0], address[1], address[2], address[3]);
  for (const auto& range : kIpv4Ranges) {
    if (in_range(value, range)) return make_verdict(range.kind, std::string(range.name));
  }
  return {};
}

AddressVerdict classify(const Ipv6Bytes& a) {
  if (zero(a, 0, 16)) return make_verdict(AddressClass::unspecified, "unspecified (::)");
  if (zero(a, 0, 15) && a[15] == 1) return make_verdict(AddressClass::loopback, "loopback (::1)");
  if (zero(a, 0, 10) && a[10] == 0xFF && a[11] == 0xFF) {
    return through("IPv4-mapped", a, embedded(a, 12));  // ::ffff:0:0/96
  }
  if (zero(a, 0, 12)) {  // ::/96, deprecated IPv4-compatible: never a legitimate peer
    auto inner = through("IPv4-compatible", a, embedded(a, 12));
    if (inner.is_public()) return make_verdict(AddressClass::reserved, "deprecated IPv4-compatible (::/96)");
    return inner;
  }
  if (zero(a, 0, 8) && a[8] == 0xFF && a[9] == 0xFF && a[10] == 0 && a[11] == 0) {  // ::ffff:0:0:0/96
    auto inner = through("IPv4-translated", a, embedded(a, 12));
    if (inner.is_public()) return make_verdict(AddressClass::reserved, "IPv4-translated (::ffff:0:0:0/96)");
    return inner;
  }
  if (starts_with(a, {0x00, 0x64, 0xFF, 0x9B}) && zero(a, 4, 12)) {
    return through("NAT64", a, embedded(a, 12));  // 64:ff9b::/96
  }
  if (starts_with(a, {0x00, 0x64, 0xFF, 0x9B, 0x00, 0x01})) {
    return make_verdict(AddressClass::private_use, "local-use NAT64 (64:ff9b:1::/48)");
  }
  if (starts_with(a, {0x20, 0x02})) return through("6to4", a, embedded(a, 2));  // 2002::/16
  if (starts_with(a, {0x20, 0x01, 0x00, 0x00})) {                               // Teredo 2001::/32
    Ipv4Bytes client = embedded(a, 12);
    for (auto& byte : client) byte = static_cast<std::uint8_t>(~byte);  // stored inverted
    return through("Teredo", a, client);
  }
  if (starts_with(a, {0x20, 0x01, 0x00, 0x02, 0x00, 0x00})) {
    return make_verdict(AddressClass::reserved, "benchmarking (2001:2::/48)");
  }
  if (starts_with(a, {0x20, 0x01, 0x0D, 0xB8}))
    return make_verdict(AddressClass::reserved, "documentation (2001:db8::/32)");
  if (a[0] == 0x3F && a[1] == 0xFF && (a[2] & 0xF0) == 0) {
    return make_verdict(AddressClass::reserved, "documentation (3fff::/20)");
  }
  if ((a[0] & 0xFE) == 0xFC) return make_verdict(AddressClass::private_use, "unique local (fc00::/7)");
  if (a[0] == 0xFE && (a[1] & 0xC0) == 0x80) return make_verdict(AddressClass::link_local, "link-local (fe80::/10)");
  if (a[0] == 0xFE && (a[1] & 0xC0) == 0xC0) return make_verdict(AddressClass::private_use, "site-local (fec0::/10)");
  if (a[0] == 0xFF) return make_verdict(AddressClass::multicast, "multicast (ff00::/8)");
  if ((a[0] & 0xE0) != 0x20) return make_verdict(AddressClass::reserved, "outside global unicast (2000::/3)");
  return {};
}

Result<Ipv4Bytes> parse_ipv4(std::string_view text) {
  const auto parts = split(text, '.');
  if (parts.size() != 4)
    return fail(ErrorCode::invalid_argument, cat("\"", text, "\" is not a dotted-quad IPv4 address"));
  Ipv4Bytes out{};
  for (std::size_t i = 0; i < 4; ++i) {
    const auto part = parts[i];
    if (part.empty() || part.size() > 3 || (part.size() > 1 && part[0] == '0')) {
      return fail(ErrorCode::invalid_argument, cat("\"", text, "\" is not a dotted-quad IPv4 address"));
    }
    unsigned value = 0;
    for (const char c : part) {
      if (c < '0' || c > '9') {
        return fail(ErrorCode::invalid_argument, cat("\"", text, "\" is not a dotted-quad IPv4 address"));
      }
      value = value * 10 + static_cast<unsigned>(c - '0');
    }
    if (value > 255) return fail(ErrorCode::invalid_argument, cat("\"", text, "\" is not a dotted-quad IPv4 address"));
    out[i] = static_cast<std::uint8_t>(value);
  }
  return out;
}

std::string to_text(const Ipv4Bytes& address) { return ipv4_text_impl(address); }
std::string to_text(const Ipv6Bytes& address) { return ipv6_text_impl(address); }

Result<Ipv6Bytes> parse_ipv6(std::string_view text) {
  const auto invalid = [&] { return fail(ErrorCode::invalid_argument, cat("\"", text, "\" is not an IPv6 address")); };
  std::string_view body = text;
  if (body.size() >= 2 && body.front() == '[' && body.back() == ']') body = body.substr(1, body.size() - 2);
  if (body.size() < 2 || body.size() > 45) return invalid();
  std::vector<unsigned> groups;
  const auto gap = body.find("::");
  if (gap == std::string_view::npos) {
    auto all = parse_groups(body, true);
    if (!all || all->size() != 8) return invalid();
    groups = std::move(*all);
  } else {
    if (body.find("::", gap + 1) != std::string_view::npos) return invalid();
    auto head = parse_groups(body.substr(0, gap), false);
    auto tail = parse_groups(body.substr(gap + 2), true);
    if (!head || !tail || head->size() + tail->size() > 7) return invalid();
    groups = std::move(*head);
    groups.resize(8 - tail->size(), 0);
    groups.insert(groups.end(), tail->begin(), tail->end());
  }
  Ipv6Bytes out{};
  for (std::size_t i = 0; i < 8; ++i) {
    out[2 * i] = static_cast<std::uint8_t>(groups[i] >> 8);
    out[2 * i + 1] = static_cast<std::uint8_t>(groups[i] & 0xFF);
  }
  return out;
}

Result<AddressVerdict> classify(std::string_view literal) {
  if (literal.find(':') == std::string_view::npos) {
    auto address = parse_ipv4(literal);
    if (!address) return std::unexpected(std::move(address.error()));
    return classify(*address);
  }
  auto address = parse_ipv6(literal);
  if (!address) return std::unexpected(std::move(address.error()));
  return classify(*address);
}

}  // namespace matrixrtc::core::net_policy
