#include "support/test_dns_server.hpp"

#include <algorithm>
#include <array>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <vector>

namespace matrixrtc::testing {

namespace asio = boost::asio;
using asio::ip::udp;

namespace {

std::string lowercase(std::string_view text) {
  std::string out(text);
  std::ranges::transform(out, out.begin(),
                         [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; });
  if (!out.empty() && out.back() == '.') out.pop_back();
  return out;
}

void put16(std::vector<std::uint8_t>& out, std::uint16_t value) {
  out.push_back(static_cast<std::uint8_t>(value >> 8));
  out.push_back(static_cast<std::uint8_t>(value & 0xff));
}

void put_name(std::vector<std::uint8_t>& out, std::string_view name) {
  while (!name.empty()) {
    const auto dot = name.find('.');
    const std::string_view label = name.substr(0, dot);
    out.push_back(static_cast<std::uint8_t>(label.size()));
    out.insert(out.end(), label.begin(), label.end());
    name = dot == std::string_view::npos ? std::string_view{} : name.substr(dot + 1);
  }
  out.push_back(0);
}

struct Record {
  std::uint16_t type;
  std::vector<std::uint8_t> data;
};

}  // namespace

struct TestDnsServer::State {
  explicit State(const asio::any_io_executor& executor)
      : socket(executor, udp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {}
  udp::socket socket;
  mutable std::mutex mutex;  // guards what follows: tests may script from another thread
  std::multimap<std::string, Record> records;
  std::set<std::string> ignored;
  std::map<std::pair<std::string, std::uint16_t>, std::size_t> counts;

  // Builds the answer to one query, or nullopt to stay silent.
  std::optional<std::vector<std::uint8_t>> answer(const std::uint8_t* query, std::size_t size) {
    if (size < 12) return std::nullopt;
    std::size_t at = 12;
    std::string name;
    while (at < size && query[at] != 0) {
      const std::size_t length = query[at];
      if (length > 63 || at + 1 + length > size) return std::nullopt;
      if (!name.empty()) name.push_back('.');
      name.append(reinterpret_cast<const char*>(query + at + 1), length);
      at += 1 + length;
    }
    if (at + 5 > size) return std::nullopt;
    const auto type = static_cast<std::uint16_t>((query[at + 1] << 8) | query[at + 2]);
    const std::size_t question_end = at + 5;
    name = lowercase(name);
    const std::scoped_lock lock(mutex);
    ++counts[{name, type}];
    if (ignored.contains(name)) return std::nullopt;

    const auto [first, last] = records.equal_range(name);
    std::vector<const Record*> matching;
    for (auto it = first; it != last; ++it) {
      if (it->second.type == type) matching.push_back(&it->second);
    }
    std::vector<std::uint8_t> out;
    out.push_back(query[0]);
    out.push_back(query[1]);
    const std::uint8_t rd = query[2] & 0x01;
    out.push_back(static_cast<std::uint8_t>(0x84 | rd));  // QR, AA, RD copied
    out.push_back(first == last ? 0x83 : 0x80);           // RA; NXDOMAIN when the name has no records
    put16(out, 1);
    put16(out, static_cast<std::uint16_t>(matching.size()));
    put16(out, 0);
    put16(out, 0);
    out.insert(out.end(), query + 12, query + question_end);
    for (const Record* record : matching) {
      put16(out, 0xc00c);  // the question's name
      put16(out, record->type);
      put16(out, 1);
      put16(out, 0);
      put16(out, 300);  // TTL
      put16(out, static_cast<std::uint16_t>(record->data.size()));
      out.insert(out.end(), record->data.begin(), record->data.end());
    }
    return out;
  }
};

namespace {

asio::awaitable<void> serve(std::shared_ptr<TestDnsServer::State> state) {
  std::array<std::uint8_t, 1500> buffer{};
  for (;;) {
    udp::endpoint peer;
    boost::system::error_code ec;
    const std::size_t size = co_await state->socket.async_receive_from(asio::buffer(buffer), peer,
                                                                       asio::redirect_error(asio::use_awaitable, ec));
    if (ec == asio::error::operation_aborted || !state->socket.is_open()) co_return;
    if (ec) continue;
    if (auto reply = state->answer(buffer.data(), size)) {
      co_await state->socket.async_send_to(asio::buffer(*reply), peer, asio::redirect_error(asio::use_awaitable, ec));
    }
  }
}

}  // namespace

TestDnsServer::TestDnsServer(const asio::any_io_executor& executor) : state_(std::make_shared<State>(executor)) {
  asio::co_spawn(executor, serve(state_), asio::detached);
}

TestDnsServer::~TestDnsServer() {
  boost::system::error_code ignored;
  state_->socket.close(ignored);
}

std::uint16_t TestDnsServer::port() const { return state_->socket.local_endpoint().port(); }

std::string TestDnsServer::address() const { return "127.0.0.1:" + std::to_string(port()); }

void TestDnsServer::add_a(std::string_view name, std::string_view ipv4) {
  const auto bytes = asio::ip::make_address_v4(ipv4).to_bytes();
  const std::scoped_lock lock(state_->mutex);
  state_->records.emplace(lowercase(name), Record{kTypeA, {bytes.begin(), bytes.end()}});
}

void TestDnsServer::add_aaaa(std::string_view name, std::string_view ipv6) {
  const auto bytes = asio::ip::make_address_v6(ipv6).to_bytes();
  const std::scoped_lock lock(state_->mutex);
  state_->records.emplace(lowercase(name), Record{kTypeAaaa, {bytes.begin(), bytes.end()}});
}

void TestDnsServer::add_srv(std::string_view name, std::string_view target, std::uint16_t port, std::uint16_t priority,
                            std::uint16_t weight) {
  std::vector<std::uint8_t> data;
  put16(data, priority);
  put16(data, weight);
  put16(data, port);
  put_name(data, lowercase(target));
  const std::scoped_lock lock(state_->mutex);
  state_->records.emplace(lowercase(name), Record{kTypeSrv, std::move(data)});
}

void TestDnsServer::ignore(std::string_view name) {
  const std::scoped_lock lock(state_->mutex);
  state_->ignored.insert(lowercase(name));
}

std::size_t TestDnsServer::queries(std::string_view name, std::uint16_t type) const {
  const std::scoped_lock lock(state_->mutex);
  const auto found = state_->counts.find({lowercase(name), type});
  return found == state_->counts.end() ? 0 : found->second;
}

std::size_t TestDnsServer::total_queries() const {
  const std::scoped_lock lock(state_->mutex);
  std::size_t total = 0;
  for (const auto& [key, count] : state_->counts) total += count;
  return total;
}

}  // namespace matrixrtc::testing
