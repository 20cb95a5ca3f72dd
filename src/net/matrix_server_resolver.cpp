#include "net/matrix_server_resolver.hpp"

#include <list>
#include <unordered_map>
#include <variant>

#include "core/matrix/server_discovery.hpp"
#include "core/matrix/well_known.hpp"
#include "core/text.hpp"

namespace matrixrtc::net {

namespace matrix = core::matrix;
using core::cat;
using SystemClock = std::chrono::system_clock;

namespace {

std::vector<HttpTarget> to_targets(const std::vector<matrix::Candidate>& candidates) {
  std::vector<HttpTarget> targets;
  targets.reserve(candidates.size());
  for (const auto& candidate : candidates) {
    targets.push_back(
        HttpTarget{true, candidate.connect_host, candidate.port, candidate.tls_server_name, candidate.host_header});
  }
  return targets;
}

}  // namespace

struct MatrixServerResolver::Impl {
  struct Entry {
    std::string server_name;
    std::vector<HttpTarget> targets;
    SystemClock::time_point expires;
  };

  Impl(DnsResolver& d, HttpClient& h, MatrixServerResolverOptions o) : dns(d), http(h), options(std::move(o)) {}

  DnsResolver& dns;
  HttpClient& http;
  MatrixServerResolverOptions options;
  std::list<Entry> lru;  // most recently used first
  std::unordered_map<std::string, std::list<Entry>::iterator> index;

  std::optional<std::vector<HttpTarget>> cached(const std::string& server_name, SystemClock::time_point now) {
    const auto found = index.find(server_name);
    if (found == index.end()) return std::nullopt;
    if (found->second->expires <= now) {
      lru.erase(found->second);
      index.erase(found);
      return std::nullopt;
    }
    lru.splice(lru.begin(), lru, found->second);
    return found->second->targets;
  }

  void store(const std::string& server_name, const std::vector<HttpTarget>& targets, SystemClock::time_point expires,
             SystemClock::time_point now) {
    if (expires <= now || options.max_cache_entries == 0) return;
    if (const auto found = index.find(server_name); found != index.end()) {
      lru.erase(found->second);
      index.erase(found);
    }
    lru.push_front(Entry{server_name, targets, expires});
    index[server_name] = lru.begin();
    while (lru.size() > options.max_cache_entries) {
      index.erase(lru.back().server_name);
      lru.pop_back();
    }
  }

  struct WellKnown {
    std::optional<std::string> delegated;
    std::chrono::seconds lifetime;
  };

  // Any failure (transport, status, body) means "no delegation", kept for the
  // spec's error lifetime.
  asio::awaitable<WellKnown> fetch_well_known(const std::string& hostname, const AddressFilter& address_filter,
                                              SystemClock::time_point now) {
    const WellKnown failed{std::nullopt, matrix::kWellKnownErrorLifetime};
    HttpTarget target{true, hostname, options.well_known_port, hostname,
                      options.well_known_port == 443 ? hostname : cat(hostname, ':', options.well_known_port)};
    HttpRequest request;
    request.target = "/.well-known/matrix/server";
    request.headers.emplace_back("Accept", "application/json");
    RequestOptions request_options;
    request_options.total_timeout = options.well_known_timeout;
    request_options.max_response_bytes = options.well_known_max_bytes;
    request_options.max_redirects = options.well_known_max_redirects;
    request_options.address_filter = address_filter;
    auto response = co_await http.request(std::move(target), std::move(request), request_options);
    if (!response || response->status != 200) co_return failed;
    auto delegated = matrix::parse_well_known_server(response->body);
    if (!delegated) co_return failed;
    co_return WellKnown{std::move(*delegated), matrix::well_known_lifetime(response->header("Cache-Control"),
                                                                           response->header("Expires"), now)};
  }

  asio::awaitable<std::vector<matrix::Candidate>> look_up_srv(const std::string& name) {
    // A DNS failure counts as "no records": the spec's next step still applies.
    auto fed = co_await dns.lookup_srv(cat("_matrix-fed._tcp.", name));
    std::vector<SrvRecord> legacy_records;
    if (!fed || fed->empty()) {
      auto legacy = co_await dns.lookup_srv(cat("_matrix._tcp.", name));
      if (legacy) legacy_records = std::move(*legacy);
    }
    co_return matrix::after_srv(name, fed ? std::move(*fed) : std::vector<SrvRecord>{}, std::move(legacy_records),
                                options.default_port);
  }

  asio::awaitable<core::Result<std::vector<HttpTarget>>> resolve(const std::string& server_name,
                                                                 const AddressFilter& address_filter) {
    const auto now = options.clock();
    if (auto hit = cached(server_name, now)) co_return std::move(*hit);

    auto step = matrix::begin_discovery(server_name, options.default_port);
    if (!step) co_return std::unexpected(std::move(step).error());
    // Names with an IP literal or an explicit port need no lookup; keep them
    // out of the cache so it holds only what cost something to learn.
    if (auto* direct = std::get_if<matrix::Connect>(&*step)) co_return to_targets(direct->candidates);

    const auto& hostname = std::get<matrix::FetchWellKnown>(*step).hostname;
    const WellKnown well_known = co_await fetch_well_known(hostname, address_filter, now);
    auto next = matrix::after_well_known(server_name, well_known.delegated, options.default_port);
    if (!next) {
      co_return std::unexpected(std::move(next).error());
    }
    std::vector<HttpTarget> targets;
    auto lifetime = std::chrono::duration_cast<SystemClock::duration>(well_known.lifetime);
    if (auto* direct = std::get_if<matrix::Connect>(&*next)) {
      targets = to_targets(direct->candidates);
    } else {
      targets = to_targets(co_await look_up_srv(std::get<matrix::LookUpSrv>(*next).name));
      lifetime = std::min(lifetime, std::chrono::duration_cast<SystemClock::duration>(options.srv_lifetime));
    }
    store(server_name, targets, now + lifetime, now);
    co_return targets;
  }
};

MatrixServerResolver::MatrixServerResolver(DnsResolver& dns, HttpClient& http, MatrixServerResolverOptions options)
    : impl_(std::make_unique<Impl>(dns, http, std::move(options))) {}
MatrixServerResolver::~MatrixServerResolver() = default;

asio::awaitable<core::Result<std::vector<HttpTarget>>> MatrixServerResolver::resolve(std::string server_name,
                                                                                     AddressFilter address_filter) {
  co_return co_await impl_->resolve(server_name, address_filter);
}

void MatrixServerResolver::invalidate(const std::string& server_name) {
  if (const auto found = impl_->index.find(server_name); found != impl_->index.end()) {
    impl_->lru.erase(found->second);
    impl_->index.erase(found);
  }
}

std::size_t MatrixServerResolver::cache_size() const { return impl_->lru.size(); }

}  // namespace matrixrtc::net
