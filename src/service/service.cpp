#include "service/service.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <chrono>
#include <csignal>
#include <memory>
#include <thread>
#include <vector>

#include "core/text.hpp"
#include "net/dns_resolver.hpp"
#include "net/http_client.hpp"
#include "net/http_server.hpp"
#include "net/matrix_server_resolver.hpp"
#include "service/federation_userinfo_client.hpp"
#include "service/router.hpp"
#include "service/token_issuer.hpp"
#include "service/twirp_room_client.hpp"

namespace matrixrtc::service {
namespace {

namespace asio = boost::asio;
using core::cat;

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

struct Shard {
  asio::io_context io{1};
  asio::executor_work_guard<asio::io_context::executor_type> work{io.get_executor()};
  std::unique_ptr<net::DnsResolver> dns;
  std::unique_ptr<net::HttpClient> http;
  std::unique_ptr<net::MatrixServerResolver> resolver;
  std::unique_ptr<FederationUserInfoClient> users;
  std::unique_ptr<TwirpRoomClient> rooms;
  std::unique_ptr<TokenIssuer> issuer;
  std::unique_ptr<Router> router;
  std::unique_ptr<net::HttpServer> server;
};

core::Result<void> build_shard(Shard& shard, const Config& config, Logger& logger, const std::string& bind) {
  net::DnsResolverOptions dns_options;
  dns_options.servers = config.dns_servers;
  auto dns = net::DnsResolver::create(shard.io.get_executor(), dns_options);
  if (!dns) return std::unexpected(std::move(dns.error()));
  shard.dns = std::move(*dns);

  net::HttpClientOptions http_options;
  if (!config.extra_ca_file.empty()) http_options.extra_ca_file = config.extra_ca_file;
  http_options.verify_peer = !config.insecure_skip_verify_tls;
  auto http = net::HttpClient::create(shard.io.get_executor(), *shard.dns, http_options);
  if (!http) return std::unexpected(std::move(http.error()));
  shard.http = std::move(*http);

  net::MatrixServerResolverOptions resolver_options;
  resolver_options.well_known_timeout = std::chrono::seconds(config.homeserver_timeout_seconds);
  shard.resolver = std::make_unique<net::MatrixServerResolver>(*shard.dns, *shard.http, resolver_options);
  shard.users = std::make_unique<FederationUserInfoClient>(*shard.http, *shard.resolver, config);
  shard.rooms = std::make_unique<TwirpRoomClient>(*shard.http, config, unix_now);
  shard.issuer = std::make_unique<TokenIssuer>(config, *shard.users, *shard.rooms, unix_now);
  shard.router = std::make_unique<Router>(*shard.issuer, logger);

  net::HttpServerOptions server_options;
  server_options.bind = bind;
  server_options.max_body_bytes = config.max_body_bytes;
  server_options.max_connections = config.max_connections;
  server_options.reuse_port = true;
  Router& router = *shard.router;
  shard.server = std::make_unique<net::HttpServer>(shard.io, server_options,
                                                   [&router](net::ServerRequest request, net::RequestContext context) {
                                                     return router.handle(std::move(request), context);
                                                   });
  return shard.server->listen();
}

}  // namespace

int run_service(const Config& config, Logger& logger) {
  const unsigned hardware = std::max(1U, std::thread::hardware_concurrency());
  const unsigned count = config.threads == 0 ? hardware : config.threads;
  std::vector<std::unique_ptr<Shard>> shards;
  std::string bind = config.bind;
  for (unsigned i = 0; i < count; ++i) {
    auto& shard = shards.emplace_back(std::make_unique<Shard>());
    if (auto ok = build_shard(*shard, config, logger, bind); !ok) {
      logger.error("cannot start", {{"reason", ok.error().message}});
      return 1;
    }
    if (i == 0) {
      // With port 0, every further shard must join the port the first one got.
      const auto endpoint = shard->server->local_endpoint();
      const auto colon = bind.rfind(':');
      bind = cat(bind.substr(0, colon), ":", endpoint.port());
      logger.info("listening", {{"address", cat(endpoint.address().to_string(), ":", endpoint.port())},
                                {"threads", std::to_string(count)}});
    }
  }
  for (auto& shard : shards) shard->server->start();

  // Signals are caught on the first shard; every shard then drains.
  asio::signal_set signals(shards.front()->io, SIGINT, SIGTERM);
  const auto grace = std::chrono::seconds(config.shutdown_grace_seconds);
  signals.async_wait([&](const boost::system::error_code& ec, int signal) {
    if (ec) return;
    logger.info("shutting down",
                {{"signal", std::to_string(signal)}, {"grace_seconds", std::to_string(grace.count())}});
    for (auto& shard : shards) {
      Shard* target = shard.get();
      asio::co_spawn(
          target->io,
          [target, grace]() -> asio::awaitable<void> {
            co_await target->server->shutdown(grace);
            target->work.reset();
            target->http->close_idle_connections();
            target->io.stop();
          },
          asio::detached);
    }
  });

  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < shards.size(); ++i) threads.emplace_back([&shard = *shards[i]] { shard.io.run(); });
  shards.front()->io.run();
  for (auto& thread : threads) thread.join();
  logger.info("stopped");
  return 0;
}

}  // namespace matrixrtc::service
