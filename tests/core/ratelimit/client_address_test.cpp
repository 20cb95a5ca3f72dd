#include "core/ratelimit/client_address.hpp"

#include <gtest/gtest.h>

namespace matrixrtc::core::ratelimit {
namespace {

IpAddress ip(std::string_view text) {
  auto parsed = parse_ip(text);
  EXPECT_TRUE(parsed) << text;
  return parsed.value_or(IpAddress{});
}

std::vector<Cidr> ranges(std::string_view text) {
  auto parsed = parse_cidr_list(text);
  EXPECT_TRUE(parsed) << text << ": " << (parsed ? "" : parsed.error().message);
  return parsed.value_or(std::vector<Cidr>{});
}

std::string client(std::string_view peer, std::string_view trusted, std::vector<std::string_view> xff) {
  const auto proxies = ranges(trusted);
  return to_string(client_address(ip(peer), proxies, xff));
}

TEST(ClientAddressTest, ParsesAddressesAndMappedIpv6IsIpv4) {
  EXPECT_EQ(to_string(ip("203.0.113.7")), "203.0.113.7");
  EXPECT_EQ(to_string(ip("2001:DB8::1")), "2001:db8::1");
  EXPECT_EQ(to_string(ip("[::1]")), "::1");
  EXPECT_EQ(ip("::ffff:127.0.0.1"), ip("127.0.0.1"));
  EXPECT_TRUE(ip("::ffff:127.0.0.1").v4);
  EXPECT_FALSE(parse_ip("1.2.3"));
  EXPECT_FALSE(parse_ip("unknown"));
  EXPECT_FALSE(parse_ip(""));
  const std::array<std::uint8_t, 16> mapped{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 10, 1, 2, 3};
  EXPECT_EQ(to_string(from_ipv6_bytes(mapped)), "10.1.2.3");
}

TEST(ClientAddressTest, ForwardedEntriesMayCarryAPort) {
  EXPECT_EQ(to_string(parse_forwarded_entry("198.51.100.1:4711").value()), "198.51.100.1");
  EXPECT_EQ(to_string(parse_forwarded_entry("[2001:db8::5]:443").value()), "2001:db8::5");
  EXPECT_EQ(to_string(parse_forwarded_entry("[2001:db8::5]").value()), "2001:db8::5");
  EXPECT_EQ(to_string(parse_forwarded_entry("2001:db8::5").value()), "2001:db8::5");
  EXPECT_FALSE(parse_forwarded_entry("198.51.100.1:"));
  EXPECT_FALSE(parse_forwarded_entry("198.51.100.1:99999"));
  EXPECT_FALSE(parse_forwarded_entry("[2001:db8::5"));
  EXPECT_FALSE(parse_forwarded_entry("[2001:db8::5]x"));
  EXPECT_FALSE(parse_forwarded_entry("_hidden"));
}

TEST(ClientAddressTest, CidrRangesIpv4AndIpv6) {
  const Cidr loopback = parse_cidr("127.0.0.0/8").value();
  EXPECT_EQ(loopback.prefix, 8U);
  EXPECT_TRUE(contains(loopback, ip("127.255.0.1")));
  EXPECT_TRUE(contains(loopback, ip("::ffff:127.0.0.1")));
  EXPECT_FALSE(contains(loopback, ip("128.0.0.1")));
  EXPECT_FALSE(contains(loopback, ip("::1")));
  const Cidr odd = parse_cidr("10.1.0.0/17").value();
  EXPECT_TRUE(contains(odd, ip("10.1.127.255")));
  EXPECT_FALSE(contains(odd, ip("10.1.128.0")));
  const Cidr v6 = parse_cidr("2001:db8:abcd::/48").value();
  EXPECT_TRUE(contains(v6, ip("2001:db8:abcd:1::9")));
  EXPECT_FALSE(contains(v6, ip("2001:db8:abce::1")));
  EXPECT_FALSE(contains(v6, ip("10.0.0.1")));
  EXPECT_EQ(parse_cidr("192.0.2.7").value().prefix, 32U);
  EXPECT_EQ(parse_cidr("::1").value().prefix, 128U);
  EXPECT_TRUE(contains(parse_cidr("0.0.0.0/0").value(), ip("8.8.8.8")));
  EXPECT_TRUE(contains(parse_cidr("::/0").value(), ip("2001:db8::1")));
}

TEST(ClientAddressTest, BadCidrsAreNamedExactly) {
  EXPECT_EQ(parse_cidr("10.0.0.1/8").error().message,
            "\"10.0.0.1/8\" has bits set beyond the /8 prefix (did you mean 10.0.0.0/8?)");
  EXPECT_EQ(parse_cidr("10.0.0.0/33").error().message, "\"10.0.0.0/33\" has an invalid prefix length (0-32 for IPv4)");
  EXPECT_EQ(parse_cidr("::/129").error().message, "\"::/129\" has an invalid prefix length (0-128 for IPv6)");
  EXPECT_EQ(parse_cidr("10.0.0.0/").error().message, "\"10.0.0.0/\" has an invalid prefix length (0-32 for IPv4)");
  EXPECT_EQ(parse_cidr("10.0.0.0/x").error().message, "\"10.0.0.0/x\" has an invalid prefix length (0-32 for IPv4)");
  EXPECT_EQ(parse_cidr("proxy.local").error().message, "\"proxy.local\" is not an IP address or CIDR range");
  EXPECT_EQ(
      parse_cidr("::ffff:10.0.0.0/104").error().message,
      "\"::ffff:10.0.0.0/104\" is an IPv4-mapped IPv6 range; write the IPv4 range (mapped peers compare as IPv4)");
  EXPECT_EQ(parse_cidr_list("127.0.0.0/8, 10.0.0.0/8 nope/3").error().message,
            "\"nope/3\" is not an IP address or CIDR range");
}

TEST(ClientAddressTest, ListsAreCommaOrSpaceSeparated) {
  const auto list = ranges(" 127.0.0.0/8,::1/128  10.0.0.0/8 ,, ");
  ASSERT_EQ(list.size(), 3U);
  EXPECT_EQ(list[1].prefix, 128U);
  EXPECT_TRUE(ranges("").empty());
}

TEST(ClientAddressTest, AnUntrustedPeersHeaderIsIgnored) {
  EXPECT_EQ(client("198.51.100.9", "127.0.0.0/8", {"203.0.113.1"}), "198.51.100.9");
  EXPECT_EQ(client("198.51.100.9", "", {"203.0.113.1"}), "198.51.100.9");
}

TEST(ClientAddressTest, ATrustedPeerWithoutHeaderIsTheClient) {
  EXPECT_EQ(client("127.0.0.1", "127.0.0.0/8", {}), "127.0.0.1");
  EXPECT_EQ(client("::ffff:127.0.0.1", "127.0.0.0/8", {}), "127.0.0.1");
}

TEST(ClientAddressTest, TheRightmostUntrustedEntryIsTheClient) {
  // The client forged the first entry; the proxies appended the rest.
  EXPECT_EQ(client("127.0.0.1", "127.0.0.0/8, 10.0.0.0/8", {"6.6.6.6, 203.0.113.5, 10.0.0.2"}), "203.0.113.5");
  // Several header fields are one list, in order.
  EXPECT_EQ(client("127.0.0.1", "127.0.0.0/8, 10.0.0.0/8", {"6.6.6.6", "203.0.113.5", "10.0.0.2, 10.0.0.3"}),
            "203.0.113.5");
  EXPECT_EQ(client("::1", "::1/128", {"2001:db8::7"}), "2001:db8::7");
  EXPECT_EQ(client("127.0.0.1", "127.0.0.0/8", {" 203.0.113.5:5555 "}), "203.0.113.5");
}

TEST(ClientAddressTest, AllTrustedMeansTheLeftmost) {
  EXPECT_EQ(client("127.0.0.1", "127.0.0.0/8, 10.0.0.0/8", {"10.0.0.9, 10.0.0.2"}), "10.0.0.9");
}

TEST(ClientAddressTest, MalformedEntriesStopAtTheLastTrustedHop) {
  EXPECT_EQ(client("127.0.0.1", "127.0.0.0/8", {"203.0.113.5, garbage"}), "127.0.0.1");
  EXPECT_EQ(client("127.0.0.1", "127.0.0.0/8, 10.0.0.0/8", {"203.0.113.5, unknown, 10.0.0.2"}), "10.0.0.2");
  EXPECT_EQ(client("127.0.0.1", "127.0.0.0/8", {"203.0.113.5,, "}), "203.0.113.5");  // empty elements are nothing
  EXPECT_EQ(client("127.0.0.1", "127.0.0.0/8", {""}), "127.0.0.1");
}

TEST(ClientAddressTest, KeysAreTheIpv4AddressOrTheIpv6Slash64) {
  EXPECT_EQ(rate_limit_key(ip("203.0.113.5")), "203.0.113.5");
  EXPECT_EQ(rate_limit_key(ip("::ffff:203.0.113.5")), "203.0.113.5");
  EXPECT_EQ(rate_limit_key(ip("2001:db8:1:2:aaaa:bbbb:cccc:dddd")), "2001:db8:1:2::/64");
  EXPECT_EQ(rate_limit_key(ip("2001:db8:1:2::1")), rate_limit_key(ip("2001:db8:1:2:ffff::9")));
  EXPECT_EQ(rate_limit_key(ip("::1")), "::/64");
}

}  // namespace
}  // namespace matrixrtc::core::ratelimit
