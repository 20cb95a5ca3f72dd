#include "core/net_policy/address_policy.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace matrixrtc::core::net_policy {
namespace {

using ::testing::HasSubstr;
using enum AddressClass;

struct Case {
  const char* address;
  AddressClass kind;
};

void expect_classes(std::initializer_list<Case> cases) {
  for (const auto& [address, kind] : cases) {
    const auto verdict = classify(std::string_view(address));
    ASSERT_TRUE(verdict) << address << ": " << verdict.error().message;
    EXPECT_EQ(to_string(verdict->kind), to_string(kind)) << address << " (" << verdict->reason << ")";
    EXPECT_EQ(verdict->reason.empty(), kind == public_unicast) << address;
  }
}

// Each range: the address just below, the first, the last, the address just above.
TEST(AddressPolicy, Ipv4RangeEdges) {
  expect_classes({
      {"0.0.0.0", unspecified},
      {"0.0.0.1", this_network},
      {"0.255.255.255", this_network},
      {"1.0.0.0", public_unicast},
      {"9.255.255.255", public_unicast},
      {"10.0.0.0", private_use},
      {"10.255.255.255", private_use},
      {"11.0.0.0", public_unicast},
      {"100.63.255.255", public_unicast},
      {"100.64.0.0", shared},
      {"100.127.255.255", shared},
      {"100.128.0.0", public_unicast},
      {"126.255.255.255", public_unicast},
      {"127.0.0.0", loopback},
      {"127.0.0.1", loopback},
      {"127.255.255.255", loopback},
      {"128.0.0.0", public_unicast},
      {"169.253.255.255", public_unicast},
      {"169.254.0.0", link_local},
      {"169.254.169.254", link_local},
      {"169.254.255.255", link_local},
      {"169.255.0.0", public_unicast},
      {"172.15.255.255", public_unicast},
      {"172.16.0.0", private_use},
      {"172.31.255.255", private_use},
      {"172.32.0.0", public_unicast},
      {"191.255.255.255", public_unicast},
      {"192.0.0.0", reserved},
      {"192.0.0.255", reserved},
      {"192.0.1.0", public_unicast},
      {"192.0.1.255", public_unicast},
      {"192.0.2.0", reserved},
      {"192.0.2.255", reserved},
      {"192.0.3.0", public_unicast},
      {"192.167.255.255", public_unicast},
      {"192.168.0.0", private_use},
      {"192.168.255.255", private_use},
      {"192.169.0.0", public_unicast},
      {"198.17.255.255", public_unicast},
      {"198.18.0.0", reserved},
      {"198.19.255.255", reserved},
      {"198.20.0.0", public_unicast},
      {"198.51.99.255", public_unicast},
      {"198.51.100.0", reserved},
      {"198.51.100.255", reserved},
      {"198.51.101.0", public_unicast},
      {"203.0.112.255", public_unicast},
      {"203.0.113.0", reserved},
      {"203.0.113.255", reserved},
      {"203.0.114.0", public_unicast},
      {"223.255.255.255", public_unicast},
      {"224.0.0.0", multicast},
      {"239.255.255.255", multicast},
      {"240.0.0.0", reserved},
      {"255.255.255.254", reserved},
      {"255.255.255.255", broadcast},
      {"8.8.8.8", public_unicast},
  });
}

TEST(AddressPolicy, Ipv6RangeEdges) {
  expect_classes({
      {"::", unspecified},
      {"::1", loopback},
      {"::2", this_network},  // IPv4-compatible ::0.0.0.2
      {"1fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", reserved},
      {"2000::", public_unicast},
      {"3fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", public_unicast},  // last of 2000::/3
      {"3ffe:ffff:ffff:ffff:ffff:ffff:ffff:ffff", public_unicast},
      {"3fff::", reserved},
      {"3fff:fff:ffff:ffff:ffff:ffff:ffff:ffff", reserved},  // last of 3fff::/20, documentation
      {"3fff:1000::", public_unicast},
      {"4000::", reserved},
      {"2606:4700:4700::1111", public_unicast},
      {"fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", reserved},
      {"fc00::", private_use},
      {"fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", private_use},
      {"fe00::", reserved},
      {"fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff", reserved},
      {"fe80::", link_local},
      {"febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", link_local},
      {"fec0::", private_use},
      {"feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", private_use},
      {"ff00::", multicast},
      {"ff02::1", multicast},
      {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", multicast},
      {"2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", public_unicast},
      {"2001:db8::", reserved},
      {"2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", reserved},
      {"2001:db9::", public_unicast},
      {"2001:1:ffff:ffff:ffff:ffff:ffff:ffff", public_unicast},
      {"2001:2::", reserved},
      {"2001:2:0:ffff:ffff:ffff:ffff:ffff", reserved},
      {"2001:2:1::", public_unicast},
      {"100::", reserved},  // discard-only 100::/64, outside 2000::/3
      {"64:ff9b:1::", private_use},
      {"64:ff9b:1:ffff:ffff:ffff:ffff:ffff", private_use},
      {"64:ff9b:2::", reserved},
  });
}

TEST(AddressPolicy, Ipv4MappedIsClassifiedByTheIpv4Address) {
  expect_classes({
      {"::ffff:127.0.0.1", loopback},
      {"::ffff:7f00:1", loopback},
      {"::FFFF:127.0.0.1", loopback},
      {"0:0:0:0:0:ffff:127.0.0.1", loopback},
      {"::ffff:0.0.0.0", unspecified},
      {"::ffff:10.1.2.3", private_use},
      {"::ffff:100.64.0.0", shared},
      {"::ffff:169.254.169.254", link_local},
      {"::ffff:224.0.0.1", multicast},
      {"::ffff:255.255.255.255", broadcast},
      {"::ffff:8.8.8.8", public_unicast},
      {"::fffe:7f00:1", reserved},  // not mapped: ::/8 reserved space
  });
  const auto verdict = classify(std::string_view("::ffff:127.0.0.1")).value();
  EXPECT_THAT(verdict.reason, HasSubstr("IPv4-mapped ::ffff:7f00:1 reaches 127.0.0.1"));
  EXPECT_THAT(verdict.reason, HasSubstr("127.0.0.0/8"));
}

TEST(AddressPolicy, Ipv4CompatibleAndTranslatedAreNeverPublic) {
  expect_classes({
      {"::127.0.0.1", loopback},
      {"::7f00:1", loopback},
      {"::10.0.0.1", private_use},
      {"::8.8.8.8", reserved},  // deprecated form: refused even for a public address
      {"::ffff:0:127.0.0.1", loopback},
      {"::ffff:0:8.8.8.8", reserved},
  });
  EXPECT_THAT(classify(std::string_view("::127.0.0.1"))->reason, HasSubstr("IPv4-compatible"));
  EXPECT_THAT(classify(std::string_view("::ffff:0:10.0.0.1"))->reason, HasSubstr("IPv4-translated"));
}

TEST(AddressPolicy, Nat64IsClassifiedByTheIpv4Address) {
  expect_classes({
      {"64:ff9b::127.0.0.1", loopback},
      {"64:ff9b::7f00:1", loopback},
      {"64:ff9b::a9fe:a9fe", link_local},
      {"64:ff9b::192.168.1.1", private_use},
      {"64:ff9b::", unspecified},
      {"64:ff9b::8.8.8.8", public_unicast},
      {"64:ff9b:0:0:1::8.8.8.8", reserved},  // not the /96: reserved ::/8 space
      {"64:ff9a:ffff:ffff:ffff:ffff:ffff:ffff", reserved},
  });
  EXPECT_THAT(classify(std::string_view("64:ff9b::127.0.0.1"))->reason, HasSubstr("NAT64"));
}

TEST(AddressPolicy, SixToFourIsClassifiedByTheIpv4Address) {
  expect_classes({
      {"2002:7f00:1::", loopback},
      {"2002:7f00:1:ffff:ffff:ffff:ffff:ffff", loopback},
      {"2002:a00:1::1", private_use},
      {"2002:c0a8:101::", private_use},
      {"2002::", unspecified},
      {"2002:e000::", multicast},
      {"2002:ffff:ffff::", broadcast},
      {"2002:808:808::1", public_unicast},
      {"2001:ffff:ffff:ffff:ffff:ffff:ffff:ffff", public_unicast},
      {"2003::", public_unicast},
  });
  EXPECT_THAT(classify(std::string_view("2002:7f00:1::"))->reason, HasSubstr("6to4"));
}

TEST(AddressPolicy, TeredoIsClassifiedByTheClientAddress) {
  // The client's IPv4 address is stored inverted in the last 32 bits.
  expect_classes({
      {"2001::80ff:fffe", loopback},                             // ~127.0.0.1
      {"2001:0:4136:e378:8000:63bf:f5ff:fffe", private_use},     // ~10.0.0.1
      {"2001:0:4136:e378:8000:63bf:f7f7:f7f7", public_unicast},  // ~8.8.8.8
  });
}

TEST(AddressPolicy, RawBytes) {
  EXPECT_EQ(classify(Ipv4Bytes{127, 0, 0, 1}).kind, loopback);
  EXPECT_EQ(classify(Ipv4Bytes{93, 184, 216, 34}).kind, public_unicast);
  Ipv6Bytes mapped{};
  mapped[10] = 0xFF;
  mapped[11] = 0xFF;
  mapped[12] = 127;
  mapped[15] = 1;
  EXPECT_EQ(classify(mapped).kind, loopback);
}

TEST(AddressPolicy, ParsesOnlyStrictLiterals) {
  for (const char* bad : {"",
                          "1.2.3",
                          "1.2.3.4.5",
                          "256.1.1.1",
                          "01.2.3.4",
                          "1.2.3.-4",
                          "127.1",
                          "0x7f.0.0.1",
                          "localhost",
                          ":::",
                          "1::2::3",
                          "12345::",
                          "::g",
                          "1:2:3:4:5:6:7:8:9",
                          "1:2:3:4:5:6:7",
                          "::1%eth0",
                          "[::1",
                          "::1.2.3",
                          ":1::",
                          "1.2.3.4::",
                          "::1.2.3.4:5"}) {
    EXPECT_FALSE(classify(std::string_view(bad))) << bad;
  }
  EXPECT_EQ(classify(std::string_view("[::1]"))->kind, loopback);
  EXPECT_EQ(classify(std::string_view("1:2:3:4:5:6:7::"))->kind, reserved);
  EXPECT_EQ(parse_ipv6("::ffff:1.2.3.4").value()[12], 1);
  EXPECT_EQ(parse_ipv4("255.0.10.1").value(), (Ipv4Bytes{255, 0, 10, 1}));
}

}  // namespace
}  // namespace matrixrtc::core::net_policy
