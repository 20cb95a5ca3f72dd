#include "core/ratelimit/client_address.hpp"

#include <algorithm>
#include <charconv>

#include "core/net_policy/address_policy.hpp"
#include "core/text.hpp"

namespace matrixrtc::core::ratelimit {
namespace {

constexpr std::array<std::uint8_t, 12> kMappedPrefix{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};

bool valid_port(std::string_view text) {
  if (text.empty() || text.size() > 5) return false;
  unsigned port = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
  return ec == std::errc{} && end == text.data() + text.size() && port <= 65535;
}

std::string_view trim_ows(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

bool is_list_separator(char c) { return c == ',' || c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

}  // namespace

IpAddress from_ipv4_bytes(const std::array<std::uint8_t, 4>& bytes) {
  IpAddress out;
  std::copy(bytes.begin(), bytes.end(), out.bytes.begin());
  out.v4 = true;
  return out;
}

IpAddress from_ipv6_bytes(const std::array<std::uint8_t, 16>& bytes) {
  if (std::equal(kMappedPrefix.begin(), kMappedPrefix.end(), bytes.begin())) {
    return from_ipv4_bytes({bytes[12], bytes[13], bytes[14], bytes[15]});
  }
  IpAddress out;
  out.bytes = bytes;
  out.v4 = false;
  return out;
}

Result<IpAddress> parse_ip(std::string_view text) {
  if (text.find(':') == std::string_view::npos) {
    auto v4 = net_policy::parse_ipv4(text);
    if (!v4) return std::unexpected(std::move(v4.error()));
    return from_ipv4_bytes(*v4);
  }
  auto v6 = net_policy::parse_ipv6(text);
  if (!v6) return std::unexpected(std::move(v6.error()));
  return from_ipv6_bytes(*v6);
}

Result<IpAddress> parse_forwarded_entry(std::string_view entry) {
  if (entry.starts_with('[')) {
    const auto close = entry.find(']');
    if (close == std::string_view::npos) return fail(ErrorCode::invalid_argument, "unclosed [ in address");
    const std::string_view rest = entry.substr(close + 1);
    if (!rest.empty() && !(rest.front() == ':' && valid_port(rest.substr(1)))) {
      return fail(ErrorCode::invalid_argument, "bad port after ]");
    }
    return parse_ip(entry.substr(0, close + 1));
  }
  const auto colon = entry.find(':');
  if (colon != std::string_view::npos && entry.find(':', colon + 1) == std::string_view::npos) {
    // Exactly one colon: IPv4 with a port (IPv6 text always has two or more).
    if (!valid_port(entry.substr(colon + 1))) return fail(ErrorCode::invalid_argument, "bad port");
    auto v4 = net_policy::parse_ipv4(entry.substr(0, colon));
    if (!v4) return std::unexpected(std::move(v4.error()));
    return from_ipv4_bytes(*v4);
  }
  return parse_ip(entry);
}

std::string to_string(const IpAddress& address) {
  if (address.v4)
    return net_policy::to_text(
        net_policy::Ipv4Bytes{address.bytes[0], address.bytes[1], address.bytes[2], address.bytes[3]});
  return net_policy::to_text(address.bytes);
}

Result<Cidr> parse_cidr(std::string_view text) {
  const auto slash = text.find('/');
  const std::string_view host = text.substr(0, slash);
  const bool v6_literal = host.find(':') != std::string_view::npos;
  auto address = parse_ip(host);
  if (!address) return fail(ErrorCode::invalid_argument, cat("\"", text, "\" is not an IP address or CIDR range"));
  if (v6_literal && address->v4) {
    return fail(
        ErrorCode::invalid_argument,
        cat("\"", text, "\" is an IPv4-mapped IPv6 range; write the IPv4 range (mapped peers compare as IPv4)"));
  }
  const unsigned max_prefix = address->v4 ? 32U : 128U;
  unsigned prefix = max_prefix;
  if (slash != std::string_view::npos) {
    const std::string_view digits = text.substr(slash + 1);
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
    if (digits.empty() || digits.size() > 3 || ec != std::errc{} || end != digits.data() + digits.size() ||
        prefix > max_prefix) {
      return fail(ErrorCode::invalid_argument, cat("\"", text, "\" has an invalid prefix length (0-", max_prefix,
                                                   " for IPv", address->v4 ? 4 : 6, ")"));
    }
  }
  Cidr range{*address, prefix};
  for (unsigned bit = prefix; bit < max_prefix; ++bit) {
    range.network.bytes[bit / 8] = static_cast<std::uint8_t>(range.network.bytes[bit / 8] & ~(0x80U >> (bit % 8)));
  }
  if (range.network != *address) {
    return fail(ErrorCode::invalid_argument,
                cat("\"", text, "\" has bits set beyond the /", prefix, " prefix (did you mean ",
                    to_string(range.network), "/", prefix, "?)"));
  }
  return range;
}

Result<std::vector<Cidr>> parse_cidr_list(std::string_view text) {
  std::vector<Cidr> out;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && is_list_separator(text[i])) ++i;
    const std::size_t start = i;
    while (i < text.size() && !is_list_separator(text[i])) ++i;
    if (i == start) continue;
    auto range = parse_cidr(text.substr(start, i - start));
    if (!range) return std::unexpected(std::move(range.error()));
    out.push_back(*range);
  }
  return out;
}

bool contains(const Cidr& range, const IpAddress& address) noexcept {
  if (range.network.v4 != address.v4) return false;
  const unsigned full = range.prefix / 8;
  if (!std::equal(range.network.bytes.begin(), range.network.bytes.begin() + full, address.bytes.begin())) return false;
  const unsigned rest = range.prefix % 8;
  if (rest == 0) return true;
  const auto mask = static_cast<std::uint8_t>(0xFFU << (8 - rest));
  return (address.bytes[full] & mask) == range.network.bytes[full];
}

bool is_trusted(std::span<const Cidr> trusted, const IpAddress& address) noexcept {
  return std::ranges::any_of(trusted, [&](const Cidr& range) { return contains(range, address); });
}

IpAddress client_address(const IpAddress& peer, std::span<const Cidr> trusted,
                         std::span<const std::string_view> forwarded_for) {
  IpAddress current = peer;
  if (!is_trusted(trusted, current)) return current;
  // Right to left over the header fields, and over each field's entries.
  for (auto field = forwarded_for.rbegin(); field != forwarded_for.rend(); ++field) {
    std::string_view rest = *field;
    while (!rest.empty()) {
      const auto comma = rest.rfind(',');
      const std::string_view entry = trim_ows(comma == std::string_view::npos ? rest : rest.substr(comma + 1));
      rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(0, comma);
      if (entry.empty()) continue;  // empty list elements are allowed and mean nothing
      auto parsed = parse_forwarded_entry(entry);
      if (!parsed) return current;  // malformed: the last trusted hop
      current = *parsed;
      if (!is_trusted(trusted, current)) return current;
    }
  }
  return current;
}

std::string rate_limit_key(const IpAddress& address) {
  if (address.v4) return to_string(address);
  std::array<std::uint8_t, 16> prefix{};
  std::copy(address.bytes.begin(), address.bytes.begin() + 8, prefix.begin());
  return cat(net_policy::to_text(prefix), "/64");
}

}  // namespace matrixrtc::core::ratelimit
