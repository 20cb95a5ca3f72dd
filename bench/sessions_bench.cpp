// Session computation for rooms with 10, 1 000 and 100 000 membership events:
// the cost must grow no worse than n log n (reported by Complexity()).
#include <benchmark/benchmark.h>

#include <boost/json/parse.hpp>
#include <string>
#include <vector>

#include "core/rtc/event.hpp"
#include "core/rtc/membership.hpp"
#include "core/rtc/session.hpp"

namespace {

namespace rtc = matrixrtc::core::rtc;
constexpr std::int64_t kNow = 1'800'000'000'000;

// A room with n members: three quarters legacy state memberships, one
// quarter sticky ones, spread over four slots, with unordered created_ts.
std::vector<rtc::RoomEvent> make_room(std::int64_t n) {
  std::vector<rtc::RoomEvent> events;
  events.reserve(static_cast<std::size_t>(2 * n));
  for (std::int64_t i = 0; i < n; ++i) {
    const std::string user = "@user" + std::to_string(i) + ":example.org";
    rtc::RoomEvent member;
    member.type = "m.room.member";
    member.state_key = user;
    member.sender = user;
    member.content = boost::json::object{{"membership", "join"}};
    member.event_id = "$m" + std::to_string(i);
    events.push_back(std::move(member));
    rtc::RoomEvent e;
    e.sender = user;
    e.event_id = "$e" + std::to_string(i);
    e.origin_server_ts = kNow - 1'000'000 + (i * 7919) % 900'000;
    const std::string slot = "slot" + std::to_string(i % 4);
    if (i % 4 != 3) {
      e.type = rtc::event_type::kLegacyMember;
      e.state_key = "_" + user + "_DEV_m.call";
      e.content = boost::json::object{
          {"application", "m.call"},
          {"call_id", slot},
          {"device_id", "DEV"},
          {"focus_active", boost::json::object{{"type", "livekit"}, {"focus_selection", "oldest_membership"}}},
          {"foci_preferred",
           boost::json::array{boost::json::object{{"type", "livekit"}, {"livekit_service_url", "https://lk"}}}},
      };
    } else {
      e.type = rtc::event_type::kRtcMember;
      e.sticky_duration_ms = 3'600'000;
      const std::string id = "mem" + std::to_string(i);
      e.content = boost::json::object{
          {"slot_id", "m.call#" + slot},
          {"application", boost::json::object{{"type", "m.call"}}},
          {"member", boost::json::object{{"user_id", user}, {"device_id", "DEV"}, {"id", id}}},
          {"transports",
           boost::json::object{{"published", boost::json::array{boost::json::object{
                                                 {"type", "livekit"}, {"livekit_service_url", "https://lk"}}}},
                               {"can_subscribe", boost::json::array{"livekit"}}}},
          {"versions", boost::json::array{}},
          {"msc4354_sticky_key", id},
      };
    }
    events.push_back(std::move(e));
  }
  return events;
}

void BM_ComputeSessions(benchmark::State& state) {
  const auto events = make_room(state.range(0));
  for (auto _ : state) {
    auto room = rtc::compute_sessions(events, kNow);
    benchmark::DoNotOptimize(room);
  }
  state.SetComplexityN(state.range(0));
}
BENCHMARK(BM_ComputeSessions)
    ->Arg(10)
    ->Arg(1'000)
    ->Arg(100'000)
    ->Unit(benchmark::kMicrosecond)
    ->Complexity(benchmark::oNLogN);

// Baselines for reading the ratio above (see BENCHMARKS.md). The same events,
// each membership parsed and dropped at once: the same parsing work as
// compute_sessions, but nothing stays alive, so memory stays hot.
void BM_ParseMembershipsOnly(benchmark::State& state) {
  const auto events = make_room(state.range(0));
  for (auto _ : state) {
    std::size_t joined = 0;
    for (const auto& event : events) {
      if (!rtc::is_membership_event_type(event.type)) continue;
      joined += rtc::parse_membership(event).membership.has_value() ? 1U : 0U;
    }
    benchmark::DoNotOptimize(joined);
  }
  state.SetComplexityN(state.range(0));
}
BENCHMARK(BM_ParseMembershipsOnly)
    ->Arg(10)
    ->Arg(1'000)
    ->Arg(100'000)
    ->Unit(benchmark::kMicrosecond)
    ->Complexity(benchmark::oN);

// Only reads every event's top-level content keys: no work, pure memory
// traffic. Its growth from 1 000 to 100 000 is the cache effect alone.
void BM_TouchContentOnly(benchmark::State& state) {
  const auto events = make_room(state.range(0));
  for (auto _ : state) {
    std::size_t bytes = 0;
    for (const auto& event : events) {
      if (const auto* content = event.content_object()) {
        for (const auto& entry : *content) bytes += entry.key().size();
      }
    }
    benchmark::DoNotOptimize(bytes);
  }
  state.SetComplexityN(state.range(0));
}
BENCHMARK(BM_TouchContentOnly)
    ->Arg(10)
    ->Arg(1'000)
    ->Arg(100'000)
    ->Unit(benchmark::kMicrosecond)
    ->Complexity(benchmark::oN);

}  // namespace

BENCHMARK_MAIN();
