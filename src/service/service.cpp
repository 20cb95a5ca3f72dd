#include "service/service.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_future.hpp>
#include <chrono>
#include <csignal>
#include <functional>
#include <future>
#include <memory>
#include <thread>
#include <vector>

#include "core/text.hpp"
#include "net/dns_resolver.hpp"
#include "net/http_client.hpp"
#include "net/http_server.hpp"
#include "net/matrix_server_resolver.hpp"
#include "net/redis_client.hpp"
#include "net/tls_context.hpp"
#include "service/cs_api_resolver.hpp"
#include "service/delayed_event_client.hpp"
#include "service/delegation_gateway.hpp"
#include "service/delegation_manager.hpp"
#include "service/federation_userinfo_client.hpp"
#include "service/job_store.hpp"
#include "service/membership_client.hpp"
#include "service/memory_rate_limiter.hpp"
#include "service/metrics.hpp"
#include "service/rate_limiter.hpp"
#include "service/readiness.hpp"
#include "service/redis_rate_limiter.hpp"
#include "service/router.hpp"
#include "service/token_issuer.hpp"
#include "service/twirp_room_client.hpp"
#include "service/userinfo_cache.hpp"

namespace matrixrtc::service {
namespace {

namespace asio = boost::asio;
using core::cat;

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::int64_t unix_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Runs `task` on `io` until it finishes (before the loop's thread starts).
template <class T>
T run_now(asio::io_context& io, asio::awaitable<T> task) {
  auto future = asio::co_spawn(io, std::move(task), asio::use_future);
  while (future.wait_for(std::chrono::seconds(0)) != std::future_status::ready)
    io.run_one_for(std::chrono::milliseconds(50));
  return future.get();
}

// Delegation jobs live on their own loop and thread: one place for the jobs,
// their timers, the Redis connection and the client-server API cache, which
// every shard reaches through a DelegationGateway.
struct DelegationLoop {
  asio::io_context io{1};
  asio::executor_work_guard<asio::io_context::executor_type> work{io.get_executor()};
  std::unique_ptr<net::DnsResolver> dns;
  std::unique_ptr<net::HttpClient> http;
  std::unique_ptr<TwirpRoomClient> rooms;
  std::unique_ptr<CsApiResolver> cs_api;
  std::unique_ptr<DelayedEventClient> homeservers;
  std::unique_ptr<net::RedisClient> redis;
  std::unique_ptr<JobStore> store;
  std::unique_ptr<DelegationManager> manager;
  std::unique_ptr<ReadinessChecker> readiness;
  std::unique_ptr<DelegationStatus> status;
};

asio::awaitable<core::Result<void>> redis_ping(net::RedisClient& redis) {
  std::vector<std::string> ping{"PING"};
  auto pong = co_await redis.command(std::move(ping));
  if (!pong) co_return std::unexpected(std::move(pong.error()));
  if (pong->type == net::RedisReply::Type::error)
    co_return core::fail(core::ErrorCode::bad_response, "Redis error reply");
  co_return core::Result<void>{};
}

constexpr std::size_t kMaxConnectionsPerHomeserver = 32;

core::Result<std::unique_ptr<net::HttpClient>> make_http_client(asio::io_context& io, net::DnsResolver& dns,
                                                                const Config& config) {
  net::HttpClientOptions http_options;
  if (!config.extra_ca_file.empty()) http_options.extra_ca_file = config.extra_ca_file;
  http_options.verify_peer = !config.insecure_skip_verify_tls;
  // Keep as many connections to one homeserver as requests run at once: with
  // the default 4, every answer beyond the fourth closed its connection and
  // the next request paid a TLS handshake (45 % of the CPU under load,
  // BENCHMARKS.md). Node's agent keeps 256 per host.
  http_options.max_idle_per_target = 256;
  http_options.max_idle_connections = 512;
  // But not one connection per concurrent request: each TLS connection holds
  // about 90 KiB of record buffers, and 32 per homeserver per thread carry
  // more than a homeserver answers (BENCHMARKS.md); the rest wait their turn
  // within their own deadline.
  http_options.max_connections_per_target = kMaxConnectionsPerHomeserver;
  return net::HttpClient::create(io.get_executor(), dns, http_options);
}

core::Result<void> build_delegation(DelegationLoop& loop, const Config& config, Logger& logger,
                                    MetricsRegistry& metrics) {
  net::DnsResolverOptions dns_options;
  dns_options.servers = config.dns_servers;
  auto dns = net::DnsResolver::create(loop.io.get_executor(), dns_options);
  if (!dns) return std::unexpected(std::move(dns.error()));
  loop.dns = std::move(*dns);
  auto http = make_http_client(loop.io, *loop.dns, config);
  if (!http) return std::unexpected(std::move(http.error()));
  loop.http = std::move(*http);
  loop.rooms = std::make_unique<TwirpRoomClient>(*loop.http, config, unix_now, &metrics.add_thread());
  loop.cs_api = std::make_unique<CsApiResolver>(*loop.http, config, unix_now_ms);
  loop.homeservers = std::make_unique<DelayedEventClient>(*loop.http, *loop.cs_api, unix_now_ms);

  const auto lease = std::chrono::seconds(config.redis_lease_seconds);
  if (config.redis_url.empty()) {
    loop.store = std::make_unique<MemoryJobStore>();
  } else {
    net::RedisOptions redis_options;
    redis_options.url = config.redis_url;
    redis_options.password = config.redis_password;
    auto redis = net::RedisClient::create(loop.io.get_executor(), redis_options);
    if (!redis) return std::unexpected(std::move(redis.error()));
    loop.redis = std::move(*redis);
    // The reference refuses to start without a working Redis; so do we.
    std::vector<std::string> ping{"PING"};
    auto pong = run_now(loop.io, loop.redis->command(std::move(ping)));
    if (!pong) return core::fail(pong.error().code, cat("Redis: ", pong.error().message));
    if (pong->type == net::RedisReply::Type::error)
      return core::fail(core::ErrorCode::bad_response, cat("Redis: ", pong->text));
    loop.store = std::make_unique<RedisJobStore>(*loop.redis, make_instance_id(),
                                                 std::chrono::duration_cast<std::chrono::milliseconds>(lease));
  }
  DelegationOptions options;
  options.timings.sanity_check_ms = config.sanity_check_interval_seconds * 1000;
  options.lease_renew_interval = std::chrono::duration_cast<std::chrono::milliseconds>(lease) / 3;
  options.adopt_interval = std::chrono::duration_cast<std::chrono::milliseconds>(lease);
  loop.manager = std::make_unique<DelegationManager>(loop.io.get_executor(), *loop.rooms, *loop.homeservers,
                                                     *loop.store, logger, unix_now_ms, options);
  run_now(loop.io, loop.manager->start());
  ReadinessChecker::RedisPing ping;
  if (loop.redis) ping = [redis = loop.redis.get()] { return redis_ping(*redis); };
  loop.readiness = std::make_unique<ReadinessChecker>(*loop.rooms, std::move(ping), unix_now_ms);
  loop.status = std::make_unique<DelegationStatus>(loop.io.get_executor(), *loop.readiness, *loop.manager);
  return {};
}

// The certificate and key as the configuration names them; every error names
// the file it is about.
core::Result<std::shared_ptr<net::ServerTlsContext>> load_tls(const Config& config) {
  return net::ServerTlsContext::load(config.tls_cert_file, config.tls_key_file);
}

void log_certificate(Logger& logger, std::string_view message, const net::ServerTlsContext& context) {
  logger.info(message,
              {{"subject", context.subject()}, {"not_after", context.not_after()}, {"serial", context.serial()}});
}

// SIGHUP: read the certificate and key again. A bad pair keeps the old one,
// so a half-finished renewal cannot take the service down.
void reload_tls(const Config& config, net::TlsContextSlot* slot, Logger& logger) {
  if (slot == nullptr) {
    logger.info("SIGHUP ignored: no TLS certificate configured");
    return;
  }
  auto next = load_tls(config);
  if (!next) {
    logger.error("TLS certificate not reloaded; keeping the current one", {{"reason", next.error().message}});
    return;
  }
  log_certificate(logger, "TLS certificate reloaded", **next);
  slot->replace(std::move(*next));
}

// What every shard shares: the OpenID result cache (absent when both
// lifetimes are 0) and what the membership check learned about the server.
struct SharedState {
  std::unique_ptr<UserInfoCache> userinfo_cache;
  MembershipForm membership_form;
};

struct Shard {
  asio::io_context io{1};
  asio::executor_work_guard<asio::io_context::executor_type> work{io.get_executor()};
  std::unique_ptr<net::DnsResolver> dns;
  std::unique_ptr<net::HttpClient> http;
  std::unique_ptr<net::MatrixServerResolver> resolver;
  std::unique_ptr<FederationUserInfoClient> users;
  std::unique_ptr<TwirpRoomClient> rooms;
  std::unique_ptr<DelegationGateway> delegation;
  // The membership check's own client-server API resolver: it only ever
  // resolves the one configured homeserver, so a per-shard cache is cheap and
  // keeps the request path off the delegation loop.
  std::unique_ptr<CsApiResolver> cs_api;
  std::unique_ptr<MembershipClient> membership;
  std::unique_ptr<net::RedisClient> rate_limit_redis;
  std::unique_ptr<RedisRateLimiter> redis_limiter;
  std::unique_ptr<TokenIssuer> issuer;
  std::unique_ptr<Router> router;
  std::unique_ptr<net::HttpServer> server;
};

// What the shards share for rate limiting: the in-memory limiter (without
// Redis), or the warning the shards' Redis limiters log through.
struct SharedRateLimits {
  RateLimits limits;
  std::unique_ptr<MemoryRateLimiter> memory;
  std::unique_ptr<ThrottledWarning> redis_warning;
};

// With Redis, each shard talks to it over its own client on its own loop;
// short deadlines, since a request waits for the answer (and fails open).
core::Result<RateLimiter*> shard_rate_limiter(Shard& shard, const Config& config, SharedRateLimits& shared) {
  if (!shared.limits.any_enabled()) return nullptr;
  if (shared.memory) return shared.memory.get();
  net::RedisOptions options;
  options.url = config.redis_url;
  options.password = config.redis_password;
  options.connect_timeout = std::chrono::milliseconds(1000);
  options.command_timeout = std::chrono::milliseconds(1000);
  auto redis = net::RedisClient::create(shard.io.get_executor(), options);
  if (!redis) return std::unexpected(std::move(redis.error()));
  shard.rate_limit_redis = std::move(*redis);
  shard.redis_limiter =
      std::make_unique<RedisRateLimiter>(*shard.rate_limit_redis, shared.limits, *shared.redis_warning);
  return shard.redis_limiter.get();
}

core::Result<void> build_shard(Shard& shard, const Config& config, Logger& logger, const std::string& bind,
                               DelegationLoop& delegation, MetricsRegistry& registry, SharedState& shared,
                               SharedRateLimits& limits, const std::shared_ptr<net::TlsContextSlot>& tls) {
  ThreadMetrics& metrics = registry.add_thread();
  net::DnsResolverOptions dns_options;
  dns_options.servers = config.dns_servers;
  auto dns = net::DnsResolver::create(shard.io.get_executor(), dns_options);
  if (!dns) return std::unexpected(std::move(dns.error()));
  shard.dns = std::move(*dns);

  auto http = make_http_client(shard.io, *shard.dns, config);
  if (!http) return std::unexpected(std::move(http.error()));
  shard.http = std::move(*http);

  net::MatrixServerResolverOptions resolver_options;
  resolver_options.well_known_timeout = std::chrono::seconds(config.homeserver_timeout_seconds);
  shard.resolver = std::make_unique<net::MatrixServerResolver>(*shard.dns, *shard.http, resolver_options);
  shard.users = std::make_unique<FederationUserInfoClient>(*shard.http, *shard.resolver, config, &metrics);
  shard.rooms = std::make_unique<TwirpRoomClient>(*shard.http, config, unix_now, &metrics);
  shard.delegation =
      std::make_unique<DelegationGateway>(delegation.io.get_executor(), *delegation.manager, *delegation.homeservers);
  auto limiter = shard_rate_limiter(shard, config, limits);
  if (!limiter) return std::unexpected(std::move(limiter.error()));
  TokenIssuerExtras extras{shared.userinfo_cache.get(), unix_now_ms, nullptr, &metrics, *limiter};
  if (!config.membership_check_homeserver.empty()) {
    shard.cs_api = std::make_unique<CsApiResolver>(*shard.http, config, unix_now_ms);
    shard.membership =
        std::make_unique<MembershipClient>(*shard.http, *shard.cs_api, config, shared.membership_form, unix_now_ms);
    extras.membership = shard.membership.get();
  }
  shard.issuer =
      std::make_unique<TokenIssuer>(config, *shard.users, *shard.rooms, *shard.delegation, unix_now, std::move(extras));
  shard.router = std::make_unique<Router>(*shard.issuer, *shard.delegation, config, logger, unix_now,
                                          RouterObservability{&registry, &metrics, delegation.status.get()}, *limiter);

  net::HttpServerOptions server_options;
  server_options.bind = bind;
  server_options.max_body_bytes = config.max_body_bytes;
  server_options.max_connections = config.max_connections;
  server_options.reuse_port = true;
  server_options.tls = tls;  // one slot for all shards: a reload reaches every listener at once
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
  // Every thread's metrics are registered here, before any thread runs.
  MetricsRegistry metrics{std::string(service_version())};
  DelegationLoop delegation;
  if (auto ok = build_delegation(delegation, config, logger, metrics); !ok) {
    logger.error("cannot start", {{"reason", ok.error().message}});
    return 1;
  }
  std::shared_ptr<net::TlsContextSlot> tls;
  if (config.tls_enabled()) {
    auto context = load_tls(config);
    if (!context) {
      logger.error("cannot start", {{"reason", context.error().message}});
      return 1;
    }
    log_certificate(logger, "TLS certificate loaded", **context);
    tls = std::make_shared<net::TlsContextSlot>(std::move(*context));
  }
  SharedState shared;
  if (config.userinfo_cache_seconds > 0 || config.userinfo_negative_cache_seconds > 0) {
    shared.userinfo_cache = std::make_unique<UserInfoCache>(UserInfoCacheOptions{
        config.userinfo_cache_seconds * 1000, config.userinfo_negative_cache_seconds * 1000,
        UserInfoCacheOptions{}.max_entries});
  }
  SharedRateLimits limits{rate_limits_of(config), nullptr, nullptr};
  if (config.redis_url.empty()) {
    limits.memory = std::make_unique<MemoryRateLimiter>(limits.limits);
  } else {
    limits.redis_warning = std::make_unique<ThrottledWarning>(logger, std::chrono::seconds(10));
  }
  std::vector<std::unique_ptr<Shard>> shards;
  std::string bind = config.bind;
  std::string address;
  for (unsigned i = 0; i < count; ++i) {
    auto& shard = shards.emplace_back(std::make_unique<Shard>());
    if (auto ok = build_shard(*shard, config, logger, bind, delegation, metrics, shared, limits, tls); !ok) {
      logger.error("cannot start", {{"reason", ok.error().message}});
      return 1;
    }
    if (i == 0) {
      // With port 0, every further shard must join the port the first one got.
      const auto endpoint = shard->server->local_endpoint();
      const auto colon = bind.rfind(':');
      bind = cat(bind.substr(0, colon), ":", endpoint.port());
      address = cat(endpoint.address().to_string(), ":", endpoint.port());
    }
  }
  metrics.set_open_connections([&shards] {
    std::size_t open = 0;
    for (const auto& shard : shards) open += shard->server->open_connections();
    return open;
  });
  for (auto& shard : shards) shard->server->start();

  // Signals are caught on the first shard; every shard then drains.
  asio::signal_set signals(shards.front()->io, SIGINT, SIGTERM);
  const auto grace = std::chrono::seconds(config.shutdown_grace_seconds);
  // SIGHUP reloads the TLS certificate; without one it is logged and ignored,
  // because its default action would end the process.
  asio::signal_set reload_signal(shards.front()->io, SIGHUP);
  std::function<void(const boost::system::error_code&, int)> on_reload = [&](const boost::system::error_code& ec, int) {
    if (ec) return;
    reload_tls(config, tls.get(), logger);
    reload_signal.async_wait(on_reload);
  };
  reload_signal.async_wait(on_reload);
  // Announced only now: whoever waits for this line may send signals at once.
  logger.info("listening",
              {{"address", address}, {"threads", std::to_string(count)}, {"scheme", tls ? "https" : "http"}});
  signals.async_wait([&](const boost::system::error_code& ec, int signal) {
    if (ec) return;
    reload_signal.cancel();
    logger.info("shutting down",
                {{"signal", std::to_string(signal)}, {"grace_seconds", std::to_string(grace.count())}});
    for (auto& shard : shards) {
      Shard* target = shard.get();
      asio::co_spawn(
          target->io,
          [target, grace]() -> asio::awaitable<void> {
            co_await target->server->shutdown(grace);
            if (target->rate_limit_redis) target->rate_limit_redis->close();
            target->work.reset();
            target->http->close_idle_connections();
            target->io.stop();
          },
          asio::detached);
    }
  });

  std::thread delegation_thread([&delegation] { delegation.io.run(); });
  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < shards.size(); ++i) threads.emplace_back([&shard = *shards[i]] { shard.io.run(); });
  shards.front()->io.run();
  for (auto& thread : threads) thread.join();
  // Every shard has drained: no request can add a job any more.
  asio::co_spawn(
      delegation.io,
      [&delegation]() -> asio::awaitable<void> {
        co_await delegation.manager->stop();
        if (delegation.redis) delegation.redis->close();
        delegation.http->close_idle_connections();
        delegation.work.reset();
        delegation.io.stop();
      },
      asio::detached);
  delegation_thread.join();
  logger.info("stopped");
  return 0;
}

}  // namespace matrixrtc::service
