#include "net/matrix_server_resolver.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <map>

#include "support/run.hpp"
#include "support/test_certificates.hpp"
#include "support/test_dns_server.hpp"
#include "support/test_http_server.hpp"

namespace matrixrtc::net {
namespace {

using core::ErrorCode;
using testing::RecordedRequest;
using testing::run;
using testing::TestResponse;
using namespace std::chrono_literals;

constexpr std::string_view kWellKnownPath = "/.well-known/matrix/server";

class MatrixServerResolverTest : public ::testing::Test {
 protected:
  MatrixServerResolverTest() {
    for (const char* name : {"example.test", "delegated.test", "srv-target.test", "a.test", "b.test", "c.test"}) {
      dns.add_a(name, "127.0.0.1");
    }
    resolver = std::move(*DnsResolver::create(io.get_executor(), {dns.address(), 1000ms, 1}));
    HttpClientOptions client_options;
    client_options.extra_ca_file = ca.certificate_file();
    client = std::move(*HttpClient::create(io.get_executor(), *resolver, client_options));
    server.set_handler([this](const RecordedRequest& request) {
      if (request.target == kWellKnownPath) {
        const auto found = well_known.find(request.sni);
        return found != well_known.end() ? found->second : TestResponse::json("{}", 404);
      }
      return TestResponse::json(R"({"server":{"name":"test"}})");
    });
    options.default_port = server.port();
    options.well_known_port = server.port();
    options.clock = [this] { return now; };
  }

  MatrixServerResolver& discovery() {
    if (!matrix_resolver) matrix_resolver = std::make_unique<MatrixServerResolver>(*resolver, *client, options);
    return *matrix_resolver;
  }

  std::vector<HttpTarget> resolve(const std::string& name) {
    auto targets = run(io, discovery().resolve(name));
    EXPECT_TRUE(targets) << targets.error().message;
    return targets ? *targets : std::vector<HttpTarget>{};
  }

  // Sends a federation request to a discovered target; returns what the server saw.
  RecordedRequest contact(const HttpTarget& target) {
    HttpRequest request;
    request.target = "/_matrix/federation/v1/version";
    const auto response = run(io, client->request(target, request));
    EXPECT_TRUE(response) << response.error().message;
    return server.requests().empty() ? RecordedRequest{} : server.requests().back();
  }

  std::size_t well_known_requests() const {
    return static_cast<std::size_t>(std::ranges::count_if(
        server.requests(), [](const RecordedRequest& request) { return request.target == kWellKnownPath; }));
  }

  HttpTarget expected(std::string host, std::uint16_t port, std::string tls_name, std::string host_header) const {
    return HttpTarget{true, std::move(host), port, std::move(tls_name), std::move(host_header)};
  }

  std::string port_text() const { return std::to_string(server.port()); }

  boost::asio::io_context io;
  testing::TestDnsServer dns{io.get_executor()};
  testing::TestCa ca;
  testing::TestHttpServer server{
      io.get_executor(),
      ca.issue({"example.test", "delegated.test", "srv-target.test", "a.test", "b.test", "c.test"}, {"127.0.0.1"})};
  std::unique_ptr<DnsResolver> resolver;
  std::unique_ptr<HttpClient> client;
  std::map<std::string, TestResponse> well_known;  // by SNI
  std::chrono::system_clock::time_point now = std::chrono::sys_days(std::chrono::year(2024) / 3 / 1);
  MatrixServerResolverOptions options;
  std::unique_ptr<MatrixServerResolver> matrix_resolver;
};

TEST_F(MatrixServerResolverTest, IpLiteralWithPort) {
  const auto targets = resolve("127.0.0.1:" + port_text());
  ASSERT_EQ(targets, (std::vector{expected("127.0.0.1", server.port(), "127.0.0.1", "127.0.0.1:" + port_text())}));
  EXPECT_EQ(dns.total_queries(), 0u);
  const auto seen = contact(targets[0]);
  EXPECT_EQ(seen.sni, "");
  EXPECT_EQ(seen.host, "127.0.0.1:" + port_text());
  EXPECT_EQ(well_known_requests(), 0u);
}

TEST_F(MatrixServerResolverTest, IpLiteralWithoutPortUsesTheDefaultPort) {
  const auto targets = resolve("127.0.0.1");
  ASSERT_EQ(targets, (std::vector{expected("127.0.0.1", server.port(), "127.0.0.1", "127.0.0.1")}));
  EXPECT_EQ(contact(targets[0]).host, "127.0.0.1");
  EXPECT_EQ(well_known_requests(), 0u);
}

TEST_F(MatrixServerResolverTest, ExplicitPortSkipsWellKnownAndSrv) {
  const auto targets = resolve("example.test:" + port_text());
  ASSERT_EQ(targets,
            (std::vector{expected("example.test", server.port(), "example.test", "example.test:" + port_text())}));
  const auto seen = contact(targets[0]);
  EXPECT_EQ(seen.sni, "example.test");
  EXPECT_EQ(seen.host, "example.test:" + port_text());
  EXPECT_EQ(well_known_requests(), 0u);
  EXPECT_EQ(dns.queries("_matrix-fed._tcp.example.test", testing::TestDnsServer::kTypeSrv), 0u);
}

TEST_F(MatrixServerResolverTest, WellKnownWithPort) {
  well_known["example.test"] = TestResponse::json(R"({"m.server":"delegated.test:)" + port_text() + "\"}");
  const auto targets = resolve("example.test");
  ASSERT_EQ(
      targets,
      (std::vector{expected("delegated.test", server.port(), "delegated.test", "delegated.test:" + port_text())}));
  ASSERT_EQ(well_known_requests(), 1u);
  EXPECT_EQ(server.requests()[0].sni, "example.test");
  EXPECT_EQ(dns.queries("_matrix-fed._tcp.delegated.test", testing::TestDnsServer::kTypeSrv), 0u);
  const auto seen = contact(targets[0]);
  EXPECT_EQ(seen.sni, "delegated.test");
  EXPECT_EQ(seen.host, "delegated.test:" + port_text());
}

TEST_F(MatrixServerResolverTest, WellKnownWithoutPortUsesSrvOfTheDelegatedName) {
  well_known["example.test"] = TestResponse::json(R"({"m.server":"delegated.test"})");
  dns.add_srv("_matrix-fed._tcp.delegated.test", "srv-target.test", server.port());
  const auto targets = resolve("example.test");
  // Certificate and Host are the delegated name, not the SRV target.
  ASSERT_EQ(targets, (std::vector{expected("srv-target.test", server.port(), "delegated.test", "delegated.test")}));
  const auto seen = contact(targets[0]);
  EXPECT_EQ(seen.sni, "delegated.test");
  EXPECT_EQ(seen.host, "delegated.test");
}

TEST_F(MatrixServerResolverTest, WellKnownWithoutPortAndNoSrvUsesTheDefaultPort) {
  well_known["example.test"] = TestResponse::json(R"({"m.server":"delegated.test"})");
  const auto targets = resolve("example.test");
  ASSERT_EQ(targets, (std::vector{expected("delegated.test", server.port(), "delegated.test", "delegated.test")}));
  EXPECT_EQ(dns.queries("_matrix-fed._tcp.delegated.test", testing::TestDnsServer::kTypeSrv), 1u);
  EXPECT_EQ(dns.queries("_matrix._tcp.delegated.test", testing::TestDnsServer::kTypeSrv), 1u);
  EXPECT_EQ(contact(targets[0]).host, "delegated.test");
}

TEST_F(MatrixServerResolverTest, NoWellKnownUsesMatrixFedSrv) {
  dns.add_srv("_matrix-fed._tcp.example.test", "srv-target.test", server.port(), 10);
  dns.add_srv("_matrix-fed._tcp.example.test", "a.test", 9, 20);
  dns.add_srv("_matrix._tcp.example.test", "b.test", 9);
  const auto targets = resolve("example.test");
  ASSERT_EQ(targets, (std::vector{expected("srv-target.test", server.port(), "example.test", "example.test"),
                                  expected("a.test", 9, "example.test", "example.test")}));
  EXPECT_EQ(dns.queries("_matrix._tcp.example.test", testing::TestDnsServer::kTypeSrv), 0u);
  const auto seen = contact(targets[0]);
  EXPECT_EQ(seen.sni, "example.test");
  EXPECT_EQ(seen.host, "example.test");
}

TEST_F(MatrixServerResolverTest, FallsBackToLegacyMatrixSrv) {
  dns.add_srv("_matrix._tcp.example.test", "srv-target.test", server.port());
  const auto targets = resolve("example.test");
  ASSERT_EQ(targets, (std::vector{expected("srv-target.test", server.port(), "example.test", "example.test")}));
}

TEST_F(MatrixServerResolverTest, FallsBackToTheDefaultPort) {
  const auto targets = resolve("example.test");
  ASSERT_EQ(targets, (std::vector{expected("example.test", server.port(), "example.test", "example.test")}));
  const auto seen = contact(targets[0]);
  EXPECT_EQ(seen.sni, "example.test");
  EXPECT_EQ(seen.host, "example.test");
}

TEST_F(MatrixServerResolverTest, BrokenWellKnownCountsAsNone) {
  for (auto response : {TestResponse::json("{}", 500), TestResponse::json("not json"),
                        TestResponse::json(R"({"m.server":"bad_name"})")}) {
    well_known["example.test"] = response;
    matrix_resolver.reset();
    const auto targets = resolve("example.test");
    ASSERT_EQ(targets, (std::vector{expected("example.test", server.port(), "example.test", "example.test")}));
  }
  TestResponse garbage;
  garbage.action = TestResponse::Action::garbage;
  well_known["example.test"] = garbage;
  matrix_resolver.reset();
  EXPECT_EQ(resolve("example.test").at(0).host, "example.test");
}

TEST_F(MatrixServerResolverTest, WellKnownTimeoutFallsThrough) {
  TestResponse silence;
  silence.action = TestResponse::Action::silence;
  well_known["example.test"] = silence;
  options.well_known_timeout = 150ms;
  const auto started = std::chrono::steady_clock::now();
  const auto targets = resolve("example.test");
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
  ASSERT_EQ(targets, (std::vector{expected("example.test", server.port(), "example.test", "example.test")}));
}

TEST_F(MatrixServerResolverTest, WellKnownRedirectsAreFollowed) {
  TestResponse moved;
  moved.status = 301;
  moved.headers.emplace_back("Location", "https://delegated.test:" + port_text() + "/.well-known/matrix/server");
  well_known["example.test"] = moved;
  well_known["delegated.test"] = TestResponse::json(R"({"m.server":"delegated.test:)" + port_text() + "\"}");
  const auto targets = resolve("example.test");
  ASSERT_EQ(
      targets,
      (std::vector{expected("delegated.test", server.port(), "delegated.test", "delegated.test:" + port_text())}));
  EXPECT_EQ(well_known_requests(), 2u);
}

TEST_F(MatrixServerResolverTest, GuardedWellKnownIsNotFetchedFromARefusedAddress) {
  well_known["example.test"] = TestResponse::json(R"({"m.server":"delegated.test:)" + port_text() + "\"}");
  auto targets = run(io, discovery().resolve("example.test", public_addresses_only()));
  ASSERT_TRUE(targets) << targets.error().message;
  // No delegation learnt: discovery went on as if there were no well-known.
  ASSERT_EQ(*targets, (std::vector{expected("example.test", server.port(), "example.test", "example.test")}));
  EXPECT_EQ(server.connections(), 0u);
  EXPECT_EQ(well_known_requests(), 0u);
}

TEST_F(MatrixServerResolverTest, GuardedWellKnownRedirectsAreFilteredToo) {
  TestResponse moved;
  moved.status = 301;
  moved.headers.emplace_back("Location", "https://moved.test:" + port_text() + "/.well-known/matrix/server");
  well_known["example.test"] = moved;
  dns.add_a("moved.test", "127.0.0.2");  // the redirect target resolves to a refused address
  auto only_first = [](const boost::asio::ip::address& address) -> core::Result<void> {
    if (address.to_string() == "127.0.0.1") return {};
    return core::fail(ErrorCode::address_refused, "refused " + address.to_string());
  };
  auto targets = run(io, discovery().resolve("example.test", only_first));
  ASSERT_TRUE(targets) << targets.error().message;
  ASSERT_EQ(*targets, (std::vector{expected("example.test", server.port(), "example.test", "example.test")}));
  EXPECT_EQ(well_known_requests(), 1u);
}

TEST_F(MatrixServerResolverTest, WellKnownSizeIsCapped) {
  well_known["example.test"] =
      TestResponse::json(R"({"m.server":"delegated.test:1","pad":")" + std::string(60 * 1024, 'x') + "\"}");
  const auto targets = resolve("example.test");
  ASSERT_EQ(targets, (std::vector{expected("example.test", server.port(), "example.test", "example.test")}));
}

TEST_F(MatrixServerResolverTest, CachesPerMaxAge) {
  auto document = TestResponse::json(R"({"m.server":"delegated.test:1234"})");
  document.headers.emplace_back("Cache-Control", "max-age=60");
  well_known["example.test"] = document;
  resolve("example.test");
  now += 59s;
  EXPECT_EQ(resolve("example.test").at(0).port, 1234);
  EXPECT_EQ(well_known_requests(), 1u);
  now += 2s;
  resolve("example.test");
  EXPECT_EQ(well_known_requests(), 2u);
}

TEST_F(MatrixServerResolverTest, CachesPerExpires) {
  auto document = TestResponse::json(R"({"m.server":"delegated.test:1234"})");
  document.headers.emplace_back("Expires", "Fri, 01 Mar 2024 02:00:00 GMT");  // now + 2 h
  well_known["example.test"] = document;
  resolve("example.test");
  now += 119min;
  resolve("example.test");
  EXPECT_EQ(well_known_requests(), 1u);
  now += 2min;
  resolve("example.test");
  EXPECT_EQ(well_known_requests(), 2u);
}

TEST_F(MatrixServerResolverTest, CachesFor24HoursByDefaultAndAtMost48) {
  auto document = TestResponse::json(R"({"m.server":"delegated.test:1234"})");
  well_known["example.test"] = document;
  resolve("example.test");
  now += 23h;
  resolve("example.test");
  EXPECT_EQ(well_known_requests(), 1u);
  now += 2h;
  resolve("example.test");
  EXPECT_EQ(well_known_requests(), 2u);

  document.headers.emplace_back("Cache-Control", "max-age=31536000");
  well_known["a.test"] = document;
  resolve("a.test");
  now += 47h;
  resolve("a.test");
  EXPECT_EQ(well_known_requests(), 3u);
  now += 2h;
  resolve("a.test");
  EXPECT_EQ(well_known_requests(), 4u);
}

TEST_F(MatrixServerResolverTest, NoStoreIsNotCached) {
  auto document = TestResponse::json(R"({"m.server":"delegated.test:1234"})");
  document.headers.emplace_back("Cache-Control", "no-store");
  well_known["example.test"] = document;
  resolve("example.test");
  resolve("example.test");
  EXPECT_EQ(well_known_requests(), 2u);
  EXPECT_EQ(discovery().cache_size(), 0u);
}

TEST_F(MatrixServerResolverTest, ErrorsAreCachedForAnHour) {
  resolve("example.test");  // 404
  now += 59min;
  resolve("example.test");
  EXPECT_EQ(well_known_requests(), 1u);
  now += 2min;
  well_known["example.test"] = TestResponse::json(R"({"m.server":"delegated.test:1234"})");
  EXPECT_EQ(resolve("example.test").at(0).host, "delegated.test");
  EXPECT_EQ(well_known_requests(), 2u);
}

TEST_F(MatrixServerResolverTest, SrvResultsAreKeptAtMostTheSrvLifetime) {
  well_known["example.test"] = TestResponse::json(R"({"m.server":"delegated.test"})");
  options.srv_lifetime = 10min;
  resolve("example.test");
  now += 9min;
  resolve("example.test");
  EXPECT_EQ(dns.queries("_matrix-fed._tcp.delegated.test", testing::TestDnsServer::kTypeSrv), 1u);
  now += 2min;
  resolve("example.test");
  EXPECT_EQ(dns.queries("_matrix-fed._tcp.delegated.test", testing::TestDnsServer::kTypeSrv), 2u);
}

TEST_F(MatrixServerResolverTest, CacheIsBounded) {
  options.max_cache_entries = 2;
  resolve("a.test");
  resolve("b.test");
  resolve("a.test");  // a is now the most recently used
  resolve("c.test");  // evicts b
  EXPECT_EQ(discovery().cache_size(), 2u);
  EXPECT_EQ(well_known_requests(), 3u);
  resolve("a.test");
  EXPECT_EQ(well_known_requests(), 3u);
  resolve("b.test");
  EXPECT_EQ(well_known_requests(), 4u);
}

TEST_F(MatrixServerResolverTest, InvalidateForgetsAName) {
  resolve("example.test");
  discovery().invalidate("example.test");
  resolve("example.test");
  EXPECT_EQ(well_known_requests(), 2u);
}

TEST_F(MatrixServerResolverTest, RefusesInvalidServerNames) {
  for (const char* name : {"", "bad_name", "example.test:0", "https://example.test", "[::1"}) {
    const auto targets = run(io, discovery().resolve(name));
    ASSERT_FALSE(targets) << name;
    EXPECT_EQ(targets.error().code, ErrorCode::invalid_argument);
  }
  EXPECT_TRUE(server.requests().empty());
  EXPECT_EQ(dns.total_queries(), 0u);
}

}  // namespace
}  // namespace matrixrtc::net
