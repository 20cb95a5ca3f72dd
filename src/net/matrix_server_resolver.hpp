// Matrix server discovery (server-server API, "Resolving server names"): the
// decisions come from core/matrix/server_discovery; this class performs the
// lookups (well-known over HTTPS, SRV through c-ares) and caches the result
// with the spec's lifetimes in a size-bounded LRU cache.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "net/dns_resolver.hpp"
#include "net/http_client.hpp"

namespace matrixrtc::net {

struct MatrixServerResolverOptions {
  /// Port when neither the server name, the delegation nor SRV name one (spec: 8448).
  std::uint16_t default_port = 8448;
  /// Port the well-known document is fetched from (spec: 443, https).
  std::uint16_t well_known_port = 443;
  std::chrono::milliseconds well_known_timeout{10000};
  std::size_t well_known_max_bytes = 50 * 1024;
  unsigned well_known_max_redirects = 5;
  /// How long results that relied on SRV records are kept at most (c-ares
  /// does not report TTLs of SRV answers).
  std::chrono::seconds srv_lifetime{std::chrono::hours(1)};
  /// Most server names kept in the cache; the least recently used go first.
  std::size_t max_cache_entries = 10000;
  /// The wall clock, replaceable in tests.
  std::function<std::chrono::system_clock::time_point()> clock = [] { return std::chrono::system_clock::now(); };
};

class MatrixServerResolver {
 public:
  MatrixServerResolver(DnsResolver& dns, HttpClient& http, MatrixServerResolverOptions options = {});
  ~MatrixServerResolver();
  MatrixServerResolver(const MatrixServerResolver&) = delete;
  MatrixServerResolver& operator=(const MatrixServerResolver&) = delete;

  /// Where to send federation requests for `server_name`, best first; each
  /// target carries the TLS name and Host header the spec requires. Fails
  /// with invalid_argument for a malformed server name. Transport failures of
  /// the well-known lookup are not errors: discovery goes on with SRV.
  ///
  /// `address_filter` (the SSRF guard) applies to the well-known request and
  /// its redirects; the targets returned must be requested with the same
  /// filter. The cache is keyed by server name only: callers must pass the
  /// same filter for a given name every time (the service's decision is a
  /// function of the name and the configuration).
  [[nodiscard]] asio::awaitable<core::Result<std::vector<HttpTarget>>> resolve(std::string server_name,
                                                                               AddressFilter address_filter = {});

  /// Forgets the cached result for `server_name` (e.g. after every target failed).
  void invalidate(const std::string& server_name);
  /// Entries currently cached.
  [[nodiscard]] std::size_t cache_size() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace matrixrtc::net
