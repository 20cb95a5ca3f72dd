// Asynchronous DNS on c-ares, driven by the Asio event loop that owns it: the
// resolver's sockets are watched with the loop's reactor and its retry timer
// is an Asio timer, so lookups need no extra thread. Use one resolver from one
// thread (or strand) at a time.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/address.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/matrix/server_discovery.hpp"

namespace matrixrtc::net {

namespace asio = boost::asio;

struct DnsResolverOptions {
  /// DNS servers as c-ares' CSV form, e.g. "127.0.0.1:5353,[::1]:53"; empty
  /// means the system's (resolv.conf).
  std::string servers;
  /// How long to wait for one answer before retrying, and how many tries per server.
  std::chrono::milliseconds timeout{2000};
  int tries = 2;
};

using core::matrix::SrvRecord;

class DnsResolver {
 public:
  /// Fails with dns_failure when c-ares cannot start or `servers` is malformed.
  [[nodiscard]] static core::Result<std::unique_ptr<DnsResolver>> create(asio::any_io_executor executor,
                                                                         DnsResolverOptions options = {});
  ~DnsResolver();
  DnsResolver(const DnsResolver&) = delete;
  DnsResolver& operator=(const DnsResolver&) = delete;

  /// SRV records of `name` (e.g. "_matrix-fed._tcp.example.org") in the order
  /// the server sent them. No such name or no SRV records is an empty list,
  /// not an error; a timeout or server failure is dns_failure.
  [[nodiscard]] asio::awaitable<core::Result<std::vector<SrvRecord>>> lookup_srv(std::string name);

  /// IPv6 and IPv4 addresses of `host` (CNAMEs followed). An IP literal is
  /// returned as it is. No address at all is dns_failure.
  ///
  /// Both lookups honour Asio cancellation (e.g. `||` with a timer): a
  /// cancelled lookup returns timed_out at once; c-ares finishes it quietly.
  [[nodiscard]] asio::awaitable<core::Result<std::vector<asio::ip::address>>> lookup_addresses(std::string host);

 private:
  struct Impl;
  explicit DnsResolver(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

}  // namespace matrixrtc::net
