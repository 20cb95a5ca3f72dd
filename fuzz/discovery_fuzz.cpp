// libFuzzer target: what Matrix server discovery reads from the network. The
// whole input is tried as a well-known document (server and client), an
// HTTP-date, a server name, and a raw DNS answer to an SRV query (c-ares'
// parser plus our copy, then after_srv's ordering and target filtering).
// Split at newlines it also gives Cache-Control and Expires header values and
// a delegated server name.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/matrix/identifiers.hpp"
#include "core/matrix/server_discovery.hpp"
#include "core/matrix/well_known.hpp"
#include "net/srv_answer.hpp"

namespace {

using namespace matrixrtc::core::matrix;
using std::chrono::seconds;

const auto kNow = std::chrono::system_clock::time_point(seconds(1'800'000'000));
constexpr std::string_view kName = "example.org";

void check_step(const DiscoveryStep& step) {
  if (const auto* connect = std::get_if<Connect>(&step)) {
    if (connect->candidates.size() != 1) std::abort();
    const Candidate& candidate = connect->candidates[0];
    if (candidate.connect_host.empty() || candidate.tls_server_name != candidate.connect_host ||
        candidate.host_header.empty()) {
      std::abort();
    }
  } else if (const auto* fetch = std::get_if<FetchWellKnown>(&step)) {
    if (fetch->hostname.empty() || !parse_server_name(fetch->hostname)) std::abort();
  } else if (std::get<LookUpSrv>(step).name.empty()) {
    std::abort();
  }
}

void check_candidates(const std::vector<Candidate>& candidates, const std::vector<SrvRecord>& records) {
  if (candidates.empty()) std::abort();
  for (const Candidate& candidate : candidates) {
    // The certificate and Host header always name the server, never the SRV target.
    if (candidate.connect_host.empty() || candidate.port == 0 || candidate.tls_server_name != kName ||
        candidate.host_header != kName) {
      std::abort();
    }
  }
  // The order follows priority and weight, never the DNS server's order.
  std::vector<SrvRecord> reversed(records.rbegin(), records.rend());
  if (after_srv(kName, reversed, {}) != candidates) std::abort();
}

void check_srv(const std::uint8_t* data, std::size_t size) {
  const auto records = matrixrtc::net::parse_srv_answer(data, static_cast<int>(size));
  if (!records) {
    if (records.error().message.empty()) std::abort();
    return;
  }
  const auto fed = after_srv(kName, *records, {});
  check_candidates(fed, *records);
  // The same records as legacy _matrix._tcp answers give the same candidates.
  if (after_srv(kName, {}, *records) != fed) std::abort();
  auto ordered = *records;
  order_srv_records(ordered);
  for (std::size_t i = 1; i < ordered.size(); ++i) {
    if (ordered[i - 1].priority > ordered[i].priority) std::abort();
    if (ordered[i - 1].priority == ordered[i].priority && ordered[i - 1].weight < ordered[i].weight) std::abort();
  }
}

void check_lifetime(std::optional<std::string_view> cache_control, std::optional<std::string_view> expires) {
  const seconds lifetime = well_known_lifetime(cache_control, expires, kNow);
  if (lifetime < seconds(0) || lifetime > kWellKnownMaxLifetime) std::abort();
  if (!cache_control && !expires && lifetime != kWellKnownDefaultLifetime) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  if (const auto server = parse_well_known_server(text); server && !parse_server_name(*server)) std::abort();
  if (const auto client = parse_well_known_client(text); client && (client->empty() || client->ends_with('/'))) {
    std::abort();
  }
  (void)parse_http_date(text);

  // Newline-separated parts: Cache-Control, Expires, delegated server name.
  const auto first = text.find('\n');
  const std::string_view part1 = text.substr(0, first);
  const std::string_view after1 = first == std::string_view::npos ? std::string_view() : text.substr(first + 1);
  const auto second = after1.find('\n');
  const std::string_view part2 = after1.substr(0, second);
  const std::string_view part3 = second == std::string_view::npos ? std::string_view() : after1.substr(second + 1);
  check_lifetime(part1, part2);
  check_lifetime(part1, std::nullopt);
  check_lifetime(std::nullopt, part1);
  check_lifetime(std::nullopt, std::nullopt);
  if (const auto date = parse_http_date(part2)) {
    // A parsed Expires in the past means expired, one beyond the cap the cap,
    // and one in between is honoured to the second.
    const auto lifetime = well_known_lifetime(std::nullopt, part2, kNow);
    if (*date <= kNow) {
      if (lifetime != seconds(0)) std::abort();
    } else {
      const auto ahead = std::chrono::duration_cast<seconds>(*date - kNow);  // kNow > 0: cannot overflow
      if (lifetime != std::min(ahead, kWellKnownMaxLifetime)) std::abort();
    }
  }

  if (const auto step = begin_discovery(part1)) check_step(*step);
  if (const auto step = after_well_known(kName, std::string(part3))) check_step(*step);
  if (const auto step = after_well_known(part1, std::nullopt)) check_step(*step);

  check_srv(data, size);
  return 0;
}
