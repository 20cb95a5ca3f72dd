// matrixrtc sessions: the MatrixRTC sessions of a room, computed from its
// events exactly as a client would (libmatrixrtc's pure core).
#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <ostream>

#include "core/rtc/event.hpp"
#include "core/rtc/session.hpp"
#include "programs/matrixrtc/command_line.hpp"
#include "programs/matrixrtc/commands.hpp"
#include "programs/matrixrtc/event_input.hpp"

namespace matrixrtc::cli {
namespace {

namespace rtc = core::rtc;
namespace bj = boost::json;

constexpr std::string_view kSessionsHelp = R"(Usage: matrixrtc sessions [--now UNIX_MS] [--slot SLOT_ID] [FILE|-]

Reads one JSON array of room events in the client-server format (type,
state_key, sender, content, origin_server_ts, event_id, unsigned,
msc4354_sticky), in the order received, from FILE or standard input, and
prints the room's MatrixRTC sessions as JSON:

  {"sessions":[{"application","slot_id","members":[...],
                "active_transport","auth_service_url"}],
   "rejected":[{"event_type","state_key","sender","reason","code","event_id"}]}

State events (with a state_key) are room state, the last one per
(type, state_key) winning: m.room.member says who is joined, legacy
org.matrix.msc3401.call.member (or m.call.member) events are memberships,
and org.matrix.msc4143.rtc.slot / m.rtc.slot open or close slots. Events
without a state_key are sticky (MSC4354) memberships:
org.matrix.msc4143.rtc.member (or m.rtc.member).

Members are listed oldest first; each has event_type, state_key, user_id,
device_id, member_id, livekit_identity, created_ts, expires_ts, transports
(as published), selected_transport (the one it connects to), format and
event_id. active_transport is the oldest member's selected transport and
auth_service_url the authorization service to ask for a LiveKit token.

Options:
  --now UNIX_MS   the time to evaluate expiry at (default: the clock)
  --slot SLOT_ID  print only this slot's session, even when it is empty
  --help          show this text

Exit status: 0 ok (rejected events are listed, not fatal), 1 the input is not
a JSON array, 2 bad usage.
)";

bj::value optional_string(const std::optional<std::string>& s) { return s ? bj::value(*s) : bj::value(nullptr); }
bj::value optional_int(const std::optional<std::int64_t>& n) { return n ? bj::value(*n) : bj::value(nullptr); }
bj::value optional_object(const std::optional<bj::object>& o) { return o ? bj::value(*o) : bj::value(nullptr); }

bj::object member_json(const rtc::SessionMember& member) {
  const auto& m = member.membership;
  bj::array transports;
  for (const auto& t : m.transports) transports.push_back(t);
  return bj::object{
      {"event_type", m.event_type},
      {"state_key", optional_string(m.state_key)},
      {"user_id", m.user_id},
      {"device_id", optional_string(m.device_id)},
      {"member_id", m.member_id},
      {"livekit_identity", m.livekit_identity},
      {"created_ts", m.created_ts},
      {"expires_ts", optional_int(m.expires_ts)},
      {"transports", std::move(transports)},
      {"selected_transport", optional_object(member.selected_transport)},
      {"format", rtc::to_string(m.format)},
      {"event_id", m.event_id},
  };
}

bj::object session_json(const rtc::Session& session) {
  bj::array members;
  for (const auto& member : session.members) members.push_back(member_json(member));
  return bj::object{
      {"application", session.application},
      {"slot_id", session.slot_id},
      {"members", std::move(members)},
      {"active_transport", optional_object(session.active_transport)},
      {"auth_service_url", optional_string(session.auth_service_url)},
  };
}

}  // namespace

int run_sessions(std::span<const std::string> args, Io& io) {
  static constexpr OptionSpec kSpecs[] = {{"now", true, false}, {"slot", true, false}};
  auto parsed = parse_command_line(args, kSpecs);
  if (!parsed) return usage_error(io, "sessions", parsed.error().message);
  const CommandLine& line = *parsed;
  if (line.has("help")) {
    io.out << kSessionsHelp;
    return kOk;
  }
  if (line.positionals.size() > 1) return usage_error(io, "sessions", "expected at most one FILE");
  std::int64_t now_ms = io.now * 1000;
  if (const auto now = line.value("now")) {
    auto value = parse_integer(*now, "--now");
    if (!value) return usage_error(io, "sessions", value.error().message);
    now_ms = *value;
  }
  const auto text = read_input(line.positionals.empty() ? "-" : line.positionals[0]);
  if (!text) {
    io.err << "matrixrtc sessions: " << text.error().message << '\n';
    return kFailed;
  }
  auto events = rtc::parse_room_events(*text);
  if (!events) {
    io.err << "matrixrtc sessions: " << events.error().message << '\n';
    return kFailed;
  }
  const auto room = rtc::compute_sessions(events->events, now_ms);
  bj::array sessions;
  if (const auto slot = line.value("slot")) {
    sessions.push_back(session_json(room.session(*slot)));
  } else {
    for (const auto& session : room.sessions) sessions.push_back(session_json(session));
  }
  bj::array rejected;
  for (const auto& envelope : events->rejected) {
    rejected.push_back(bj::object{{"event_type", nullptr},
                                  {"state_key", nullptr},
                                  {"sender", nullptr},
                                  {"reason", envelope.reason},
                                  {"code", "malformed_event"},
                                  {"event_id", nullptr}});
  }
  for (const auto& r : room.rejected) {
    rejected.push_back(bj::object{{"event_type", r.event_type},
                                  {"state_key", optional_string(r.state_key)},
                                  {"sender", r.sender},
                                  {"reason", r.reason},
                                  {"code", r.code},
                                  {"event_id", r.event_id}});
  }
  io.out << bj::serialize(bj::object{{"sessions", std::move(sessions)}, {"rejected", std::move(rejected)}}) << '\n';
  return kOk;
}

}  // namespace matrixrtc::cli
