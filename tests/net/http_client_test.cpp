#include "net/http_client.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "support/run.hpp"
#include "support/test_certificates.hpp"
#include "support/test_dns_server.hpp"
#include "support/test_http_server.hpp"

namespace matrixrtc::net {
namespace {

using core::ErrorCode;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::run;
using testing::TestResponse;
using namespace std::chrono_literals;

class HttpClientTest : public ::testing::Test {
 protected:
  HttpClientTest() {
    dns.add_a("hs.test", "127.0.0.1");
    dns.add_a("other.test", "127.0.0.1");
    resolver = std::move(*DnsResolver::create(io.get_executor(), {dns.address(), 1000ms, 1}));
    server.set_handler([](const testing::RecordedRequest& request) {
      return TestResponse::json(R"({"path":")" + request.target + "\"}");
    });
  }

  std::unique_ptr<HttpClient> make_client(HttpClientOptions options) {
    auto client = HttpClient::create(io.get_executor(), *resolver, std::move(options));
    EXPECT_TRUE(client) << client.error().message;
    return std::move(*client);
  }
  std::unique_ptr<HttpClient> make_client() {
    HttpClientOptions options;
    options.extra_ca_file = ca.certificate_file();
    return make_client(options);
  }

  HttpTarget target_for(std::string name) const { return HttpTarget{true, name, server.port(), name, name}; }

  core::Result<HttpResponse> get(HttpClient& client, HttpTarget target, std::string path = "/",
                                 RequestOptions options = {}) {
    HttpRequest request;
    request.target = std::move(path);
    return run(io, client.request(std::move(target), std::move(request), options));
  }

  boost::asio::io_context io;
  testing::TestDnsServer dns{io.get_executor()};
  testing::TestCa ca;
  testing::TestHttpServer server{io.get_executor(), ca.issue({"hs.test"}, {"127.0.0.1"})};
  std::unique_ptr<DnsResolver> resolver;
};

TEST_F(HttpClientTest, GetsOverVerifiedTlsWithSniAndHost) {
  auto client = make_client();
  const auto response = get(*client, {true, "hs.test", server.port(), "hs.test", "hs.test:8448"}, "/a/b");
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(response->status, 200u);
  EXPECT_EQ(response->body, R"({"path":"/a/b"})");
  EXPECT_EQ(response->header("content-type"), "application/json");
  ASSERT_EQ(server.requests().size(), 1u);
  EXPECT_EQ(server.requests()[0].sni, "hs.test");
  EXPECT_EQ(server.requests()[0].host, "hs.test:8448");
  EXPECT_EQ(server.requests()[0].method, "GET");
}

TEST_F(HttpClientTest, DefaultHostHeaderIsHostAndPort) {
  auto client = make_client();
  ASSERT_TRUE(get(*client, {true, "hs.test", server.port(), "", ""}));
  EXPECT_EQ(server.requests().at(0).host, "hs.test:" + std::to_string(server.port()));
  EXPECT_EQ(server.requests().at(0).sni, "hs.test");
}

TEST_F(HttpClientTest, IpLiteralIsVerifiedWithoutSni) {
  auto client = make_client();
  const auto response = get(*client, target_for("127.0.0.1"));
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(server.requests().at(0).sni, "");
  EXPECT_EQ(dns.total_queries(), 0u);
}

TEST_F(HttpClientTest, RefusesAnUnknownCa) {
  auto client = make_client(HttpClientOptions{});  // system CAs only
  const auto response = get(*client, target_for("hs.test"));
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code, ErrorCode::tls_failure);
  EXPECT_THAT(response.error().message, HasSubstr("hs.test"));
  EXPECT_TRUE(server.requests().empty());
}

TEST_F(HttpClientTest, RefusesACertificateForAnotherName) {
  auto client = make_client();
  const auto response = get(*client, {true, "hs.test", server.port(), "other.test", "other.test"});
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code, ErrorCode::tls_failure);
  EXPECT_TRUE(server.requests().empty());
}

TEST_F(HttpClientTest, SkippingVerificationAcceptsAnUnknownCaAndName) {
  HttpClientOptions options;
  options.verify_peer = false;  // LIVEKIT_INSECURE_SKIP_VERIFY_TLS
  auto client = make_client(options);
  const auto response = get(*client, {true, "hs.test", server.port(), "other.test", "other.test"});
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(response->status, 200U);
}

TEST_F(HttpClientTest, RefusesAMissingCaFile) {
  HttpClientOptions options;
  options.extra_ca_file = "/nonexistent/ca.pem";
  const auto client = HttpClient::create(io.get_executor(), *resolver, options);
  ASSERT_FALSE(client);
  EXPECT_EQ(client.error().code, ErrorCode::tls_failure);
}

TEST_F(HttpClientTest, ReusesKeptAliveConnections) {
  auto client = make_client();
  ASSERT_TRUE(get(*client, target_for("hs.test"), "/1"));
  ASSERT_TRUE(get(*client, target_for("hs.test"), "/2"));
  EXPECT_EQ(server.requests().size(), 2u);
  EXPECT_EQ(server.connections(), 1u);
  EXPECT_EQ(client->idle_connections(), 1u);
  // A different TLS name is a different pool entry.
  ASSERT_TRUE(get(*client, {true, "127.0.0.1", server.port(), "127.0.0.1", "x"}, "/3"));
  EXPECT_EQ(server.connections(), 2u);
  EXPECT_EQ(client->idle_connections(), 2u);
}

TEST_F(HttpClientTest, DoesNotReuseClosedConnections) {
  server.set_handler([](const testing::RecordedRequest&) {
    auto response = TestResponse::json("{}");
    response.close = true;
    return response;
  });
  auto client = make_client();
  ASSERT_TRUE(get(*client, target_for("hs.test")));
  ASSERT_TRUE(get(*client, target_for("hs.test")));
  EXPECT_EQ(server.connections(), 2u);
  EXPECT_EQ(client->idle_connections(), 0u);
}

TEST_F(HttpClientTest, ReplacesAnIdleConnectionThePeerClosed) {
  auto client = make_client();
  ASSERT_TRUE(get(*client, target_for("hs.test")));
  EXPECT_EQ(client->idle_connections(), 1u);
  server.close_connections();  // the server drops the kept-alive connection
  io.restart();
  io.run_for(20ms);  // let the close reach the client's socket
  const auto response = get(*client, target_for("hs.test"));
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(server.connections(), 2u);
  EXPECT_EQ(server.requests().size(), 2u);
}

TEST_F(HttpClientTest, IdlePoolIsBounded) {
  HttpClientOptions options;
  options.extra_ca_file = ca.certificate_file();
  options.max_idle_connections = 1;
  auto client = make_client(options);
  ASSERT_TRUE(get(*client, target_for("hs.test")));
  ASSERT_TRUE(get(*client, target_for("127.0.0.1")));
  EXPECT_EQ(client->idle_connections(), 1u);
  ASSERT_TRUE(get(*client, target_for("hs.test")));
  EXPECT_EQ(server.connections(), 3u);  // the first connection was dropped from the pool
}

// Six requests at once to one target with a cap of two connections: two
// connections open, the other four wait for them, all six are answered.
TEST_F(HttpClientTest, CapsOpenConnectionsPerTargetAndQueuesTheRest) {
  server.set_handler([](const testing::RecordedRequest& request) {
    auto response = TestResponse::json(R"({"path":")" + request.target + "\"}");
    response.delay = 50ms;
    return response;
  });
  HttpClientOptions options;
  options.extra_ca_file = ca.certificate_file();
  options.max_idle_per_target = 8;
  options.max_connections_per_target = 2;
  auto client = make_client(options);
  auto all = [&]() -> boost::asio::awaitable<std::vector<core::Result<HttpResponse>>> {
    std::vector<core::Result<HttpResponse>> results(6, core::fail(ErrorCode::invalid_argument, "not run"));
    std::size_t done = 0;
    auto executor = co_await boost::asio::this_coro::executor;
    boost::asio::steady_timer finished(executor, std::chrono::steady_clock::time_point::max());
    for (std::size_t i = 0; i < results.size(); ++i) {
      boost::asio::co_spawn(
          executor,
          [&, i]() -> boost::asio::awaitable<void> {
            HttpRequest request;
            request.target = "/" + std::to_string(i);
            results[i] = co_await client->request(target_for("hs.test"), std::move(request));
            if (++done == results.size()) finished.cancel();
          },
          boost::asio::detached);
    }
    co_await finished.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
    co_return results;
  };
  const auto results = run(io, all());
  for (std::size_t i = 0; i < results.size(); ++i) {
    ASSERT_TRUE(results[i]) << i << ": " << results[i].error().message;
    EXPECT_EQ(results[i]->body, R"({"path":"/)" + std::to_string(i) + "\"}");
  }
  EXPECT_EQ(server.connections(), 2u);
  EXPECT_EQ(server.requests().size(), 6u);
  EXPECT_EQ(client->idle_connections(), 2u);
}

// A request that cannot get a connection before its deadline fails as a
// timeout that says so, and leaves nothing behind.
TEST_F(HttpClientTest, WaitingForAFreeConnectionCountsAgainstTheDeadline) {
  server.set_handler([](const testing::RecordedRequest& request) {
    auto response = TestResponse::json("{}");
    if (request.target == "/slow") response.delay = 500ms;
    return response;
  });
  HttpClientOptions options;
  options.extra_ca_file = ca.certificate_file();
  options.max_connections_per_target = 1;
  auto client = make_client(options);
  auto both = [&]() -> boost::asio::awaitable<std::pair<core::Result<HttpResponse>, core::Result<HttpResponse>>> {
    auto executor = co_await boost::asio::this_coro::executor;
    std::optional<core::Result<HttpResponse>> slow;
    boost::asio::co_spawn(
        executor,
        [&]() -> boost::asio::awaitable<void> {
          HttpRequest request;
          request.target = "/slow";
          slow = co_await client->request(target_for("hs.test"), std::move(request));
        },
        boost::asio::detached);
    boost::asio::steady_timer pause(executor, 50ms);  // the slow request holds the only connection
    co_await pause.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
    HttpRequest request;
    RequestOptions quick;
    quick.total_timeout = 100ms;
    auto waited = co_await client->request(target_for("hs.test"), std::move(request), quick);
    while (!slow) {
      pause.expires_after(10ms);
      co_await pause.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
    }
    co_return std::pair{std::move(*slow), std::move(waited)};
  };
  const auto [slow, waited] = run(io, both());
  ASSERT_TRUE(slow) << slow.error().message;
  ASSERT_FALSE(waited);
  EXPECT_EQ(waited.error().code, ErrorCode::timed_out);
  EXPECT_THAT(waited.error().message, HasSubstr("timed out waiting for a free connection"));
  EXPECT_EQ(server.connections(), 1u);
  EXPECT_EQ(server.requests().size(), 1u);
  // The connection is free again: the next request gets it.
  ASSERT_TRUE(get(*client, target_for("hs.test"), "/after"));
  EXPECT_EQ(server.connections(), 1u);
}

TEST_F(HttpClientTest, PlainHttp) {
  testing::TestHttpServer plain{io.get_executor(), std::nullopt};
  plain.set_handler([](const testing::RecordedRequest& request) { return TestResponse::json(request.body); });
  auto client = make_client();
  HttpRequest request;
  request.method = boost::beast::http::verb::post;
  request.target = "/twirp/livekit.RoomService/CreateRoom";
  request.headers.emplace_back("Authorization", "Bearer x");
  request.body = R"({"name":"room"})";
  const auto response = run(io, client->request({false, "hs.test", plain.port(), "", "hs.test"}, std::move(request)));
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(response->body, R"({"name":"room"})");
  EXPECT_EQ(plain.requests().at(0).method, "POST");
  EXPECT_EQ(plain.requests().at(0).body, R"({"name":"room"})");
}

TEST_F(HttpClientTest, ServerErrorsAreResponses) {
  server.set_handler([](const testing::RecordedRequest&) { return TestResponse::json(R"({"errcode":"X"})", 500); });
  auto client = make_client();
  const auto response = get(*client, target_for("hs.test"));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 500u);
}

TEST_F(HttpClientTest, TotalTimeout) {
  server.set_handler([](const testing::RecordedRequest&) {
    TestResponse response;
    response.action = TestResponse::Action::silence;
    return response;
  });
  auto client = make_client();
  RequestOptions options;
  options.total_timeout = 150ms;
  const auto started = std::chrono::steady_clock::now();
  const auto response = get(*client, target_for("hs.test"), "/slow", options);
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code, ErrorCode::timed_out);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
}

TEST_F(HttpClientTest, DelayedAnswerWithinTheTimeoutArrives) {
  server.set_handler([](const testing::RecordedRequest&) {
    auto response = TestResponse::json("{}");
    response.delay = 50ms;
    return response;
  });
  auto client = make_client();
  RequestOptions options;
  options.total_timeout = 2s;
  EXPECT_TRUE(get(*client, target_for("hs.test"), "/", options));
}

TEST_F(HttpClientTest, RefusedConnection) {
  std::uint16_t closed_port = 0;
  {
    boost::asio::ip::tcp::acceptor probe(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
    closed_port = probe.local_endpoint().port();
  }
  auto client = make_client();
  const auto response = get(*client, {true, "hs.test", closed_port, "hs.test", "hs.test"},
                            "/_matrix/federation/v1/openid/userinfo?access_token=secret-token");
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code, ErrorCode::connect_failed);
  EXPECT_THAT(response.error().message, HasSubstr("/_matrix/federation/v1/openid/userinfo"));
  EXPECT_THAT(response.error().message, Not(HasSubstr("secret-token")));
  EXPECT_THAT(response.error().message, Not(HasSubstr("access_token")));
}

TEST_F(HttpClientTest, ConnectTimeout) {
  // A listener that never accepts and whose backlog is full: Linux drops
  // further SYNs, so the next connect hangs until our deadline.
  boost::asio::ip::tcp::acceptor full(io, {boost::asio::ip::make_address("127.0.0.1"), 0}, true);
  full.listen(0);
  std::vector<boost::asio::ip::tcp::socket> fillers;
  for (int i = 0; i < 4; ++i) {
    fillers.emplace_back(io).async_connect(full.local_endpoint(), [](const boost::system::error_code&) {});
  }
  io.restart();
  io.run_for(50ms);
  HttpClientOptions options;
  options.extra_ca_file = ca.certificate_file();
  options.connect_timeout = 150ms;
  auto client = make_client(options);
  const auto started = std::chrono::steady_clock::now();
  const auto response = get(*client, {true, "hs.test", full.local_endpoint().port(), "hs.test", "hs.test"});
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code, ErrorCode::timed_out) << response.error().message;
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
}

TEST_F(HttpClientTest, SlowNameLookupCountsAgainstTheConnectTimeout) {
  dns.ignore("slow.test");
  HttpClientOptions options;
  options.extra_ca_file = ca.certificate_file();
  options.connect_timeout = 150ms;
  auto client = make_client(options);  // the resolver itself would wait 1 s
  const auto started = std::chrono::steady_clock::now();
  const auto response = get(*client, target_for("slow.test"));
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code, ErrorCode::timed_out) << response.error().message;
  EXPECT_LT(std::chrono::steady_clock::now() - started, 800ms);
}

TEST_F(HttpClientTest, UnknownHost) {
  auto client = make_client();
  const auto response = get(*client, target_for("nowhere.test"));
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code, ErrorCode::dns_failure);
}

TEST_F(HttpClientTest, ResponseTooLarge) {
  server.set_handler([](const testing::RecordedRequest&) { return TestResponse::json(std::string(2 << 20, 'x')); });
  auto client = make_client();
  const auto response = get(*client, target_for("hs.test"));
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code, ErrorCode::response_too_large);
  RequestOptions options;
  options.max_response_bytes = 4 << 20;
  const auto allowed = get(*client, target_for("hs.test"), "/", options);
  ASSERT_TRUE(allowed) << allowed.error().message;
  EXPECT_EQ(allowed->body.size(), std::size_t{2} << 20);
}

TEST_F(HttpClientTest, GarbageIsABadResponse) {
  server.set_handler([](const testing::RecordedRequest&) {
    TestResponse response;
    response.action = TestResponse::Action::garbage;
    return response;
  });
  auto client = make_client();
  const auto response = get(*client, target_for("hs.test"));
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code, ErrorCode::bad_response);
}

TEST_F(HttpClientTest, ResetIsABadResponse) {
  server.set_handler([](const testing::RecordedRequest&) {
    TestResponse response;
    response.action = TestResponse::Action::reset;
    return response;
  });
  auto client = make_client();
  const auto response = get(*client, target_for("hs.test"));
  ASSERT_FALSE(response);
  EXPECT_TRUE(response.error().code == ErrorCode::bad_response || response.error().code == ErrorCode::tls_failure)
      << response.error().message;
}

TEST_F(HttpClientTest, RedirectsAreNotFollowedUnlessAsked) {
  server.set_handler([](const testing::RecordedRequest& request) {
    if (request.target == "/moved") {
      TestResponse response;
      response.status = 302;
      response.headers.emplace_back("Location", "/here?x=1");
      return response;
    }
    return TestResponse::json(R"({"at":")" + request.target + "\"}");
  });
  auto client = make_client();
  const auto unfollowed = get(*client, target_for("hs.test"), "/moved");
  ASSERT_TRUE(unfollowed);
  EXPECT_EQ(unfollowed->status, 302u);
  RequestOptions options;
  options.max_redirects = 3;
  const auto followed = get(*client, target_for("hs.test"), "/moved", options);
  ASSERT_TRUE(followed);
  EXPECT_EQ(followed->status, 200u);
  EXPECT_EQ(followed->body, R"({"at":"/here?x=1"})");
}

TEST_F(HttpClientTest, RedirectsToAnotherHostUseThatHostsName) {
  testing::TestHttpServer elsewhere{io.get_executor(), ca.issue({"other.test"})};
  elsewhere.set_handler([](const testing::RecordedRequest&) { return TestResponse::json("{}"); });
  const std::string location = "https://other.test:" + std::to_string(elsewhere.port()) + "/there";
  server.set_handler([location](const testing::RecordedRequest&) {
    TestResponse response;
    response.status = 301;
    response.headers.emplace_back("Location", location);
    return response;
  });
  auto client = make_client();
  RequestOptions options;
  options.max_redirects = 1;
  const auto response = get(*client, target_for("hs.test"), "/moved", options);
  ASSERT_TRUE(response) << response.error().message;
  ASSERT_EQ(elsewhere.requests().size(), 1u);
  EXPECT_EQ(elsewhere.requests()[0].sni, "other.test");
  EXPECT_EQ(elsewhere.requests()[0].host, "other.test:" + std::to_string(elsewhere.port()));
  EXPECT_EQ(elsewhere.requests()[0].target, "/there");
}

TEST_F(HttpClientTest, RedirectLoopsAreCapped) {
  server.set_handler([](const testing::RecordedRequest&) {
    TestResponse response;
    response.status = 307;
    response.headers.emplace_back("Location", "/again");
    return response;
  });
  auto client = make_client();
  RequestOptions options;
  options.max_redirects = 2;
  const auto response = get(*client, target_for("hs.test"), "/", options);
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code, ErrorCode::bad_response);
  EXPECT_EQ(server.requests().size(), 3u);
}

TEST_F(HttpClientTest, RefusesRedirectFromHttpsToHttp) {
  server.set_handler([](const testing::RecordedRequest&) {
    TestResponse response;
    response.status = 302;
    response.headers.emplace_back("Location", "http://hs.test/plain");
    return response;
  });
  auto client = make_client();
  RequestOptions options;
  options.max_redirects = 2;
  const auto response = get(*client, target_for("hs.test"), "/", options);
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code, ErrorCode::tls_failure);
}

// The SSRF guard: RequestOptions::address_filter.

// Lets only `allowed` through and remembers every address it was asked about.
struct OnlyAddress {
  std::string allowed;
  std::shared_ptr<std::vector<std::string>> seen = std::make_shared<std::vector<std::string>>();
  core::Result<void> operator()(const boost::asio::ip::address& address) const {
    seen->push_back(address.to_string());
    if (address.to_string() == allowed) return {};
    return core::fail(ErrorCode::address_refused, address.to_string() + " is not " + allowed);
  }
};

RequestOptions guarded(AddressFilter filter = public_addresses_only()) {
  RequestOptions options;
  options.address_filter = std::move(filter);
  return options;
}

TEST_F(HttpClientTest, GuardRefusesALoopbackLiteralWithoutConnecting) {
  auto client = make_client();
  const auto response = get(*client, target_for("127.0.0.1"), "/", guarded());
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code, ErrorCode::address_refused);
  EXPECT_THAT(response.error().message, HasSubstr("127.0.0.1 is loopback (127.0.0.0/8)"));
  EXPECT_EQ(server.connections(), 0u);
  EXPECT_TRUE(server.requests().empty());
}

TEST_F(HttpClientTest, GuardRefusesANameThatResolvesToLoopback) {
  auto client = make_client();
  const auto response = get(*client, target_for("hs.test"), "/", guarded());
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code, ErrorCode::address_refused);
  EXPECT_THAT(response.error().message, HasSubstr("hs.test"));
  EXPECT_THAT(response.error().message, HasSubstr("loopback"));
  EXPECT_EQ(dns.queries("hs.test", testing::TestDnsServer::kTypeA), 1u);
  EXPECT_EQ(server.connections(), 0u);
}

TEST_F(HttpClientTest, GuardRefusesEmbeddedAndUnspecifiedLiterals) {
  auto client = make_client();
  for (const char* host : {"::ffff:127.0.0.1", "0.0.0.0", "::", "::1", "64:ff9b::7f00:1", "2002:7f00:1::1",
                           "169.254.169.254", "100.64.0.1", "10.0.0.1", "224.0.0.1", "255.255.255.255"}) {
    const auto response = get(*client, {true, host, server.port(), "hs.test", "hs.test"}, "/", guarded());
    ASSERT_FALSE(response) << host;
    EXPECT_EQ(response.error().code, ErrorCode::address_refused) << host;
  }
  EXPECT_EQ(server.connections(), 0u);
}

TEST_F(HttpClientTest, WithoutAFilterLoopbackIsAllowed) {
  auto client = make_client();
  const auto response = get(*client, target_for("hs.test"), "/", RequestOptions{});
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(server.connections(), 1u);
}

TEST_F(HttpClientTest, GuardSkipsRefusedAddressesAndConnectsToTheOthers) {
  dns.add_aaaa("dual.test", "::1");
  dns.add_a("dual.test", "127.0.0.1");
  const OnlyAddress filter{"127.0.0.1"};
  auto client = make_client();
  const auto response = get(*client, {true, "dual.test", server.port(), "hs.test", "hs.test"}, "/", guarded(filter));
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_THAT(*filter.seen, ::testing::Contains("::1"));
  EXPECT_EQ(server.connections(), 1u);
}

TEST_F(HttpClientTest, UnfilteredPooledConnectionIsNotReusedForAGuardedRequest) {
  auto client = make_client();
  ASSERT_TRUE(get(*client, target_for("hs.test"), "/plain"));
  ASSERT_EQ(client->idle_connections(), 1u);
  const auto refused = get(*client, target_for("hs.test"), "/guarded", guarded());
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::address_refused);
  EXPECT_EQ(server.requests().size(), 1u);
  EXPECT_EQ(client->idle_connections(), 1u);  // left for unguarded requests
  // A filter that accepts the pooled connection's peer may reuse it.
  const auto reused = get(*client, target_for("hs.test"), "/again", guarded(OnlyAddress{"127.0.0.1"}));
  ASSERT_TRUE(reused) << reused.error().message;
  EXPECT_EQ(server.connections(), 1u);
}

TEST_F(HttpClientTest, GuardAppliesToRedirectTargets) {
  testing::TestHttpServer elsewhere{io.get_executor(), ca.issue({"elsewhere.test"}), "127.0.0.2"};
  elsewhere.set_handler([](const testing::RecordedRequest&) { return TestResponse::json("{}"); });
  dns.add_a("elsewhere.test", "127.0.0.2");
  const std::string location = "https://elsewhere.test:" + std::to_string(elsewhere.port()) + "/there";
  server.set_handler([location](const testing::RecordedRequest&) {
    TestResponse response;
    response.status = 302;
    response.headers.emplace_back("Location", location);
    return response;
  });
  auto client = make_client();
  RequestOptions options = guarded(OnlyAddress{"127.0.0.1"});
  options.max_redirects = 3;
  const auto response = get(*client, target_for("hs.test"), "/", options);
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code, ErrorCode::address_refused);
  EXPECT_THAT(response.error().message, HasSubstr("elsewhere.test"));
  EXPECT_EQ(server.requests().size(), 1u);
  EXPECT_EQ(elsewhere.connections(), 0u);
  // Unguarded, the same redirect is followed (the test is not vacuous).
  RequestOptions unguarded;
  unguarded.max_redirects = 3;
  ASSERT_TRUE(get(*client, target_for("hs.test"), "/", unguarded));
  EXPECT_EQ(elsewhere.requests().size(), 1u);
}

TEST_F(HttpClientTest, GuardedRequestsKeepTheRedirectCapAndSizeLimit) {
  server.set_handler([](const testing::RecordedRequest& request) {
    if (request.target == "/big") return TestResponse::json(std::string(2 << 20, 'x'));
    TestResponse response;
    response.status = 307;
    response.headers.emplace_back("Location", "/again");
    return response;
  });
  auto client = make_client();
  RequestOptions options = guarded(OnlyAddress{"127.0.0.1"});
  options.max_redirects = 2;
  const auto looping = get(*client, target_for("hs.test"), "/", options);
  ASSERT_FALSE(looping);
  EXPECT_EQ(looping.error().code, ErrorCode::bad_response);
  EXPECT_EQ(server.requests().size(), 3u);
  const auto big = get(*client, target_for("hs.test"), "/big", options);
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error().code, ErrorCode::response_too_large);
}

TEST(PublicAddressesOnly, RefusesNonPublicAndAllowsPublicAddresses) {
  const auto filter = public_addresses_only();
  for (const char* text :
       {"127.0.0.1", "::1", "::ffff:10.0.0.1", "fe80::1", "0.0.0.0", "100.100.100.100", "240.0.0.1", "2002:c0a8:1::"}) {
    const auto verdict = filter(boost::asio::ip::make_address(text));
    ASSERT_FALSE(verdict) << text;
    EXPECT_EQ(verdict.error().code, ErrorCode::address_refused) << text;
    EXPECT_THAT(verdict.error().message, HasSubstr(" is ")) << text;
  }
  for (const char* text : {"8.8.8.8", "2606:4700:4700::1111", "::ffff:1.1.1.1"}) {
    EXPECT_TRUE(filter(boost::asio::ip::make_address(text))) << text;
  }
}

}  // namespace
}  // namespace matrixrtc::net
