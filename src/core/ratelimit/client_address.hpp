// Who a request comes from, for per-client rate limits, pure: IP addresses
// (IPv4-mapped IPv6 compares as IPv4), CIDR ranges of trusted proxies, and
// the client address behind them from X-Forwarded-For.
//
// The rule (the one nginx's real_ip_recursive and most proxies document):
// an untrusted peer is the client and its X-Forwarded-For is ignored, since
// anyone can send one. A trusted peer (a reverse proxy) appended the address
// it saw to the header, so walk the entries right to left while they are
// trusted proxies; the first untrusted one is the client. If every entry is
// trusted, the leftmost is the client. A malformed entry stops the walk: the
// last trusted hop reached so far (the peer when it is the first entry) is
// then the client, so a garbage header can never choose a key.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace matrixrtc::core::ratelimit {

struct IpAddress {
  std::array<std::uint8_t, 16> bytes{};  ///< IPv4 in the first four bytes
  bool v4 = true;

  friend bool operator==(const IpAddress&, const IpAddress&) = default;
};

/// Builds an IpAddress from raw IPv6 bytes; IPv4-mapped (::ffff:a.b.c.d) becomes IPv4.
[[nodiscard]] IpAddress from_ipv6_bytes(const std::array<std::uint8_t, 16>& bytes);
[[nodiscard]] IpAddress from_ipv4_bytes(const std::array<std::uint8_t, 4>& bytes);

/// An address literal: IPv4 dotted quad, IPv6 (RFC 4291 text, brackets
/// allowed). IPv4-mapped IPv6 becomes IPv4.
[[nodiscard]] Result<IpAddress> parse_ip(std::string_view text);

/// One X-Forwarded-For entry: an address literal, or with a port as some
/// proxies write it ("a.b.c.d:port", "[v6]:port"). Surrounding spaces are not
/// part of it (the caller trims).
[[nodiscard]] Result<IpAddress> parse_forwarded_entry(std::string_view entry);

/// Dotted quad or RFC 5952 text.
[[nodiscard]] std::string to_string(const IpAddress& address);

struct Cidr {
  IpAddress network;    ///< host bits zero
  unsigned prefix = 0;  ///< 0–32 for IPv4, 0–128 for IPv6

  friend bool operator==(const Cidr&, const Cidr&) = default;
};

/// "10.0.0.0/8", "::1/128", or a bare address (a /32 or /128). Host bits set
/// beyond the prefix are an error naming the network meant, as is an
/// IPv4-mapped IPv6 range (write the IPv4 range: mapped peers compare as IPv4).
[[nodiscard]] Result<Cidr> parse_cidr(std::string_view text);

/// Comma and/or space separated CIDRs; the error names the bad entry exactly.
[[nodiscard]] Result<std::vector<Cidr>> parse_cidr_list(std::string_view text);

[[nodiscard]] bool contains(const Cidr& range, const IpAddress& address) noexcept;
[[nodiscard]] bool is_trusted(std::span<const Cidr> trusted, const IpAddress& address) noexcept;

/// The client behind `peer` (see the rule above). `forwarded_for` holds the
/// X-Forwarded-For header fields in the order received; each is a comma list.
[[nodiscard]] IpAddress client_address(const IpAddress& peer, std::span<const Cidr> trusted,
                                       std::span<const std::string_view> forwarded_for);

/// The rate-limit key of a client: the IPv4 address, or the /64 an IPv6
/// address belongs to ("2001:db8:1:2::/64"), since one subscriber usually
/// holds a whole /64 and could otherwise pick a fresh address per request.
[[nodiscard]] std::string rate_limit_key(const IpAddress& address);

}  // namespace matrixrtc::core::ratelimit
