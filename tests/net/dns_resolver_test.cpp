#include "net/dns_resolver.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>

#include "support/run.hpp"
#include "support/test_dns_server.hpp"

namespace matrixrtc::net {
namespace {

using testing::run;
using testing::TestDnsServer;

class DnsResolverTest : public ::testing::Test {
 protected:
  std::unique_ptr<DnsResolver> make_resolver(std::chrono::milliseconds timeout = std::chrono::milliseconds(2000)) {
    auto resolver = DnsResolver::create(io.get_executor(), {dns.address(), timeout, 1});
    EXPECT_TRUE(resolver) << resolver.error().message;
    return std::move(*resolver);
  }

  boost::asio::io_context io;
  TestDnsServer dns{io.get_executor()};
};

TEST_F(DnsResolverTest, ReturnsSrvRecords) {
  dns.add_srv("_matrix-fed._tcp.example.test", "a.example.test", 8448, 10, 5);
  dns.add_srv("_matrix-fed._tcp.example.test", "b.example.test", 443, 20, 0);
  auto resolver = make_resolver();
  const auto records = run(io, resolver->lookup_srv("_matrix-fed._tcp.example.test"));
  ASSERT_TRUE(records) << records.error().message;
  ASSERT_EQ(records->size(), 2u);
  EXPECT_EQ((*records)[0], (SrvRecord{"a.example.test", 8448, 10, 5}));
  EXPECT_EQ((*records)[1], (SrvRecord{"b.example.test", 443, 20, 0}));
  EXPECT_EQ(dns.queries("_matrix-fed._tcp.example.test", TestDnsServer::kTypeSrv), 1u);
}

TEST_F(DnsResolverTest, MissingSrvIsEmptyNotAnError) {
  dns.add_a("example.test", "127.0.0.1");
  auto resolver = make_resolver();
  const auto unknown = run(io, resolver->lookup_srv("_matrix-fed._tcp.nowhere.test"));
  ASSERT_TRUE(unknown) << unknown.error().message;
  EXPECT_TRUE(unknown->empty());
  const auto no_data = run(io, resolver->lookup_srv("example.test"));
  ASSERT_TRUE(no_data) << no_data.error().message;
  EXPECT_TRUE(no_data->empty());
}

TEST_F(DnsResolverTest, ReturnsAddressesOfBothFamilies) {
  dns.add_a("hs.test", "127.0.0.1");
  dns.add_aaaa("hs.test", "::1");
  auto resolver = make_resolver();
  const auto addresses = run(io, resolver->lookup_addresses("hs.test"));
  ASSERT_TRUE(addresses) << addresses.error().message;
  ASSERT_EQ(addresses->size(), 2u);
  EXPECT_NE(std::ranges::find(*addresses, boost::asio::ip::make_address("127.0.0.1")), addresses->end());
  EXPECT_NE(std::ranges::find(*addresses, boost::asio::ip::make_address("::1")), addresses->end());
}

TEST_F(DnsResolverTest, IpLiteralsNeedNoQuery) {
  auto resolver = make_resolver();
  const auto addresses = run(io, resolver->lookup_addresses("::1"));
  ASSERT_TRUE(addresses);
  EXPECT_EQ(*addresses, std::vector{boost::asio::ip::make_address("::1")});
  EXPECT_EQ(dns.total_queries(), 0u);
}

TEST_F(DnsResolverTest, UnknownHostIsDnsFailure) {
  auto resolver = make_resolver();
  const auto addresses = run(io, resolver->lookup_addresses("nowhere.test"));
  ASSERT_FALSE(addresses);
  EXPECT_EQ(addresses.error().code, core::ErrorCode::dns_failure);
  EXPECT_NE(addresses.error().message.find("nowhere.test"), std::string::npos);
}

TEST_F(DnsResolverTest, SilentServerTimesOut) {
  dns.ignore("_matrix-fed._tcp.slow.test");
  auto resolver = make_resolver(std::chrono::milliseconds(100));
  const auto started = std::chrono::steady_clock::now();
  const auto records = run(io, resolver->lookup_srv("_matrix-fed._tcp.slow.test"));
  ASSERT_FALSE(records);
  EXPECT_EQ(records.error().code, core::ErrorCode::dns_failure);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(2));
  EXPECT_GE(dns.queries("_matrix-fed._tcp.slow.test", TestDnsServer::kTypeSrv), 1u);
}

TEST_F(DnsResolverTest, ConcurrentLookupsAllComplete) {
  dns.add_a("one.test", "127.0.0.1");
  dns.add_srv("_matrix._tcp.two.test", "t.test", 1234);
  auto resolver = make_resolver();
  auto both = [&]() -> boost::asio::awaitable<bool> {
    auto first = resolver->lookup_addresses("one.test");
    auto second = resolver->lookup_srv("_matrix._tcp.two.test");
    const auto a = co_await std::move(first);
    const auto b = co_await std::move(second);
    co_return a&& b && a->size() == 1 && b->size() == 1;
  };
  EXPECT_TRUE(run(io, both()));
}

TEST_F(DnsResolverTest, RefusesAMalformedServerList) {
  const auto resolver = DnsResolver::create(io.get_executor(), {"not an address", std::chrono::milliseconds(100), 1});
  ASSERT_FALSE(resolver);
  EXPECT_EQ(resolver.error().code, core::ErrorCode::dns_failure);
}

TEST_F(DnsResolverTest, DestroyingTheResolverFailsPendingLookups) {
  dns.ignore("_matrix._tcp.pending.test");
  auto resolver = make_resolver();
  auto task = [&]() -> boost::asio::awaitable<core::Result<std::vector<SrvRecord>>> {
    co_return co_await resolver->lookup_srv("_matrix._tcp.pending.test");
  };
  std::optional<core::Result<std::vector<SrvRecord>>> result;
  boost::asio::co_spawn(io, task(), [&](std::exception_ptr, core::Result<std::vector<SrvRecord>> r) { result = r; });
  io.run_for(std::chrono::milliseconds(50));
  ASSERT_FALSE(result);
  resolver.reset();
  io.restart();
  io.run_for(std::chrono::milliseconds(50));
  ASSERT_TRUE(result);
  EXPECT_FALSE(*result);
}

}  // namespace
}  // namespace matrixrtc::net
