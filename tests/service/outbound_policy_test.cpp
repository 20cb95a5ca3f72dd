#include "service/outbound_policy.hpp"

#include <gtest/gtest.h>

#include <boost/asio/ip/address.hpp>

namespace matrixrtc::service {
namespace {

using boost::asio::ip::make_address;

Config make_config() {
  Config config;
  config.full_access_homeservers = {"full.example", "10.0.0.5:8448"};
  config.ssrf_allowed_servers = {"lan.example"};
  return config;
}

bool refuses_loopback(const net::AddressFilter& filter) {
  return filter && !filter(make_address("127.0.0.1")) && filter(make_address("8.8.8.8"));
}

TEST(OutboundPolicy, GuardsEveryServerByDefault) {
  const Config config = make_config();
  EXPECT_TRUE(refuses_loopback(address_filter_for("remote.example", config)));
  EXPECT_TRUE(refuses_loopback(address_filter_for("127.0.0.1:8448", config)));
  EXPECT_TRUE(refuses_loopback(address_filter_for("[::ffff:127.0.0.1]:8448", config)));
  const auto refused = address_filter_for("remote.example", config)(make_address("::ffff:169.254.169.254"));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, core::ErrorCode::address_refused);
}

TEST(OutboundPolicy, ExemptsFullAccessAndAllowedServersByExactName) {
  const Config config = make_config();
  EXPECT_FALSE(address_filter_for("full.example", config));
  EXPECT_FALSE(address_filter_for("10.0.0.5:8448", config));
  EXPECT_FALSE(address_filter_for("lan.example", config));
  EXPECT_TRUE(ssrf_exempt("lan.example", config));
  // Exact names only: no case folding, no port variants, no subdomains.
  EXPECT_TRUE(address_filter_for("FULL.example", config));
  EXPECT_TRUE(address_filter_for("full.example:443", config));
  EXPECT_TRUE(address_filter_for("10.0.0.5", config));
  EXPECT_TRUE(address_filter_for("sub.lan.example", config));
}

TEST(OutboundPolicy, FullAccessForEveryoneDoesNotDisableTheGuard) {
  Config config = make_config();
  config.full_access_homeservers = {"*"};
  EXPECT_TRUE(config.is_full_access("anything.example"));
  EXPECT_TRUE(refuses_loopback(address_filter_for("anything.example", config)));
  EXPECT_TRUE(refuses_loopback(address_filter_for("*", config)));
  EXPECT_FALSE(address_filter_for("lan.example", config));
}

TEST(OutboundPolicy, SwitchedOffGuardFiltersNothing) {
  Config config = make_config();
  config.ssrf_protection = false;
  EXPECT_FALSE(address_filter_for("remote.example", config));
  EXPECT_FALSE(address_filter_for("127.0.0.1", config));
}

TEST(OutboundPolicy, ServerNameMatching) {
  EXPECT_TRUE(server_name_matches("example.org", "example.org"));
  EXPECT_TRUE(server_name_matches("Example.ORG", "example.org"));
  EXPECT_TRUE(server_name_matches("example.org", "EXAMPLE.org"));
  EXPECT_TRUE(server_name_matches("example.org:8448", "example.org"));
  EXPECT_TRUE(server_name_matches("example.org:8448", "example.org:8448"));
  EXPECT_FALSE(server_name_matches("example.org:443", "example.org:8448"));
  EXPECT_FALSE(server_name_matches("example.org", "example.org:8448"));
  EXPECT_FALSE(server_name_matches("notexample.org", "example.org"));
  EXPECT_FALSE(server_name_matches("example.org.evil", "example.org"));
  EXPECT_TRUE(server_name_matches("a.example.org", "*.example.org"));
  EXPECT_TRUE(server_name_matches("a.b.Example.org:1", "*.example.org"));
  EXPECT_FALSE(server_name_matches("example.org", "*.example.org"));
  EXPECT_FALSE(server_name_matches("badexample.org", "*.example.org"));
  EXPECT_FALSE(server_name_matches("a.example.org:1", "*.example.org:2"));
  EXPECT_TRUE(server_name_matches("[::1]:8448", "[0:0::1]"));
  EXPECT_TRUE(server_name_matches("[::FFFF:127.0.0.1]", "[::ffff:7f00:1]"));
  EXPECT_TRUE(server_name_matches("127.0.0.1:80", "127.0.0.1"));
  EXPECT_FALSE(server_name_matches("127.0.0.1", "127.0.0.2"));
  EXPECT_FALSE(server_name_matches("x", "*."));
  EXPECT_FALSE(server_name_matches("x", ""));
}

TEST(OutboundPolicy, HomeserverLists) {
  Config config = make_config();
  EXPECT_TRUE(homeserver_permitted("anyone.example", config));
  config.homeserver_blocklist = {"*.evil.example", "bad.example"};
  EXPECT_TRUE(homeserver_permitted("anyone.example", config));
  EXPECT_FALSE(homeserver_permitted("x.evil.example", config));
  EXPECT_FALSE(homeserver_permitted("BAD.example:8448", config));
  const auto refused = homeserver_permitted("bad.example", config);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().message,
            "homeserver bad.example is refused by LIVEKIT_HOMESERVER_BLOCKLIST entry bad.example");
  config.homeserver_allowlist = {"*.good.example", "bad.example", "good.example"};
  EXPECT_TRUE(homeserver_permitted("good.example", config));
  EXPECT_TRUE(homeserver_permitted("a.good.example", config));
  EXPECT_FALSE(homeserver_permitted("anyone.example", config));
  EXPECT_FALSE(homeserver_permitted("bad.example", config));  // the blocklist wins
  EXPECT_EQ(homeserver_permitted("anyone.example", config).error().message,
            "homeserver anyone.example is not on LIVEKIT_HOMESERVER_ALLOWLIST");
}

}  // namespace
}  // namespace matrixrtc::service
