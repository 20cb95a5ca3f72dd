// Which addresses a service may connect to on a client's say-so: a pure
// classification of IPv4 and IPv6 addresses (raw bytes or text) into the
// special-purpose ranges an SSRF guard refuses (loopback, private, link-local,
// multicast, unspecified, CGNAT shared space, "this network", reserved,
// broadcast) and publicly routable unicast. IPv6 forms that carry an IPv4
// address (IPv4-mapped, IPv4-compatible, IPv4-translated, NAT64 64:ff9b::/96,
// 6to4 2002::/16, Teredo 2001::/32) are classified by the IPv4 address they
// reach, so ::ffff:127.0.0.1 is loopback. Every non-public class comes with a
// reason naming the range, for logs.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace matrixrtc::core::net_policy {

enum class AddressClass {
  public_unicast,  ///< globally routable: the only class an SSRF guard lets through
  unspecified,     ///< 0.0.0.0, :: (connecting to it reaches the local host)
  this_network,    ///< 0.0.0.0/8 other than 0.0.0.0
  loopback,        ///< 127.0.0.0/8, ::1
  private_use,     ///< 10/8, 172.16/12, 192.168/16, fc00::/7, fec0::/10, 64:ff9b:1::/48
  shared,          ///< 100.64.0.0/10 (carrier-grade NAT)
  link_local,      ///< 169.254.0.0/16, fe80::/10
  multicast,       ///< 224.0.0.0/4, ff00::/8
  broadcast,       ///< 255.255.255.255
  reserved,        ///< 240/4, IETF, documentation and benchmarking ranges, IPv6 outside 2000::/3
};

/// "loopback", "private_use", … (stable, for logs and tests).
[[nodiscard]] std::string_view to_string(AddressClass kind) noexcept;

struct AddressVerdict {
  AddressClass kind = AddressClass::public_unicast;
  /// Why, e.g. "loopback (127.0.0.0/8)" or "IPv4-mapped ::ffff:127.0.0.1 reaches
  /// loopback (127.0.0.0/8)"; empty for public_unicast.
  std::string reason;
  [[nodiscard]] bool is_public() const noexcept { return kind == AddressClass::public_unicast; }
};

using Ipv4Bytes = std::array<std::uint8_t, 4>;
using Ipv6Bytes = std::array<std::uint8_t, 16>;

[[nodiscard]] AddressVerdict classify(const Ipv4Bytes& address);
[[nodiscard]] AddressVerdict classify(const Ipv6Bytes& address);

/// Classifies a literal: dotted-quad IPv4 ("127.0.0.1", exactly four decimal
/// parts, no leading zeros) or IPv6 (RFC 4291 text, with or without brackets,
/// optionally with a trailing dotted quad). Anything else is invalid_argument.
[[nodiscard]] Result<AddressVerdict> classify(std::string_view literal);

/// Parses the literal forms `classify(std::string_view)` accepts.
[[nodiscard]] Result<Ipv4Bytes> parse_ipv4(std::string_view text);
[[nodiscard]] Result<Ipv6Bytes> parse_ipv6(std::string_view text);

/// Dotted quad; RFC 5952 IPv6 text (lower case, longest zero run as "::").
[[nodiscard]] std::string to_text(const Ipv4Bytes& address);
[[nodiscard]] std::string to_text(const Ipv6Bytes& address);

}  // namespace matrixrtc::core::net_policy
