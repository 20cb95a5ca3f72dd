// matrixrtc history: who joined and left which call, when and why, from a
// room timeline.
#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <ostream>

#include "core/rtc/event.hpp"
#include "core/rtc/history.hpp"
#include "programs/matrixrtc/command_line.hpp"
#include "programs/matrixrtc/commands.hpp"
#include "programs/matrixrtc/event_input.hpp"

namespace matrixrtc::cli {
namespace {

namespace rtc = core::rtc;
namespace bj = boost::json;

constexpr std::string_view kHistoryHelp = R"(Usage: matrixrtc history [--now UNIX_MS] [FILE|-]

Reads one JSON array of room events in timeline order (the client-server
format, with unsigned.prev_content on state events) from FILE or standard
input, and prints the call history as JSON:

  {"records":[{"ts","action","event_id","event_type","slot_id","user_id",
               "device_id","member_id","reason"}],
   "calls":[{"slot_id","start_ts","end_ts","participants"}]}

action is "join", "update" or "leave". A leave's reason is {"code","text"}:
the leave_reason the member sent (e.g. "lost_connection"), or "expired" /
"sticky_expired" when the membership ran out without a leave, or
"invalid_membership" when it was replaced by invalid content; else null.
A call runs from the first join in a slot until its last member leaves;
start_ts is null for a call already running when the timeline starts, end_ts
null for one still running.

Options:
  --now UNIX_MS   also close memberships that have expired by this time
  --help          show this text

Exit status: 0 ok, 1 the input is not a JSON array, 2 bad usage.
)";

bj::value optional_int(const std::optional<std::int64_t>& n) { return n ? bj::value(*n) : bj::value(nullptr); }

}  // namespace

int run_history(std::span<const std::string> args, Io& io) {
  static constexpr OptionSpec kSpecs[] = {{"now", true, false}};
  auto parsed = parse_command_line(args, kSpecs);
  if (!parsed) return usage_error(io, "history", parsed.error().message);
  const CommandLine& line = *parsed;
  if (line.has("help")) {
    io.out << kHistoryHelp;
    return kOk;
  }
  if (line.positionals.size() > 1) return usage_error(io, "history", "expected at most one FILE");
  std::optional<std::int64_t> now_ms;
  if (const auto now = line.value("now")) {
    auto value = parse_integer(*now, "--now");
    if (!value) return usage_error(io, "history", value.error().message);
    now_ms = *value;
  }
  const auto text = read_input(line.positionals.empty() ? "-" : line.positionals[0]);
  if (!text) {
    io.err << "matrixrtc history: " << text.error().message << '\n';
    return kFailed;
  }
  auto events = rtc::parse_room_events(*text);
  if (!events) {
    io.err << "matrixrtc history: " << events.error().message << '\n';
    return kFailed;
  }
  const auto history = rtc::derive_history(events->events, now_ms);
  bj::array records;
  for (const auto& r : history.records) {
    records.push_back(bj::object{
        {"ts", r.ts},
        {"action", rtc::to_string(r.action)},
        {"event_id", r.event_id.empty() ? bj::value(nullptr) : bj::value(r.event_id)},
        {"event_type", r.event_type.empty() ? bj::value(nullptr) : bj::value(r.event_type)},
        {"slot_id", r.slot_id},
        {"user_id", r.user_id},
        {"device_id", r.device_id ? bj::value(*r.device_id) : bj::value(nullptr)},
        {"member_id", r.member_id},
        {"reason",
         r.reason ? bj::value(bj::object{{"code", r.reason->code}, {"text", r.reason->text}}) : bj::value(nullptr)},
    });
  }
  bj::array calls;
  for (const auto& c : history.calls) {
    bj::array participants;
    for (const auto& user : c.participants) participants.emplace_back(user);
    calls.push_back(bj::object{{"slot_id", c.slot_id},
                               {"start_ts", optional_int(c.start_ts)},
                               {"end_ts", optional_int(c.end_ts)},
                               {"participants", std::move(participants)}});
  }
  io.out << bj::serialize(bj::object{{"records", std::move(records)}, {"calls", std::move(calls)}}) << '\n';
  return kOk;
}

}  // namespace matrixrtc::cli
