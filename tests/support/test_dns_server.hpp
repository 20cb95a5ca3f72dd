// A scripted DNS server for tests: UDP on 127.0.0.1, a free port, answering
// A, AAAA and SRV questions from records the test adds, NXDOMAIN for unknown
// names, and counting the questions it was asked. Runs on the caller's
// executor (no thread of its own); records may be added and counts read
// from another thread, e.g. while a service under test runs.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace matrixrtc::testing {

class TestDnsServer {
 public:
  static constexpr std::uint16_t kTypeA = 1;
  static constexpr std::uint16_t kTypeAaaa = 28;
  static constexpr std::uint16_t kTypeSrv = 33;

  explicit TestDnsServer(const boost::asio::any_io_executor& executor);
  ~TestDnsServer();
  TestDnsServer(const TestDnsServer&) = delete;
  TestDnsServer& operator=(const TestDnsServer&) = delete;

  /// "127.0.0.1:<port>", the form DnsResolverOptions::servers takes.
  [[nodiscard]] std::string address() const;
  [[nodiscard]] std::uint16_t port() const;

  void add_a(std::string_view name, std::string_view ipv4);
  void add_aaaa(std::string_view name, std::string_view ipv6);
  void add_srv(std::string_view name, std::string_view target, std::uint16_t port, std::uint16_t priority = 10,
               std::uint16_t weight = 0);
  /// Questions about `name` get no answer at all (to test timeouts).
  void ignore(std::string_view name);

  /// How many questions of `type` about `name` arrived.
  [[nodiscard]] std::size_t queries(std::string_view name, std::uint16_t type) const;
  [[nodiscard]] std::size_t total_queries() const;

  struct State;  ///< shared with the serving coroutines

 private:
  std::shared_ptr<State> state_;
};

}  // namespace matrixrtc::testing
