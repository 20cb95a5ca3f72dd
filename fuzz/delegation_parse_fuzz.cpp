// libFuzzer target: everything delegation reads from outside (LiveKit webhook
// bodies, stored job records, RFC 3339 and HTTP dates, homeserver answers)
// must never crash or read out of bounds, and what parses must round-trip.
// The same bytes then drive a Job as a script of events, checking that it
// never asks for two calls at once and stays silent once terminal.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/delegation/delayed_event_response.hpp"
#include "core/delegation/job.hpp"
#include "core/delegation/job_record.hpp"
#include "core/delegation/webhook_event.hpp"

namespace {

using namespace matrixrtc::core::delegation;

constexpr std::int64_t kNow = 1'800'000'000'000;
constexpr std::int64_t kYear0 = -62'167'219'200'000;       // 0000-01-01T00:00:00Z
constexpr std::int64_t kYear10000 = 253'402'300'800'000;   // 10000-01-01T00:00:00Z

void check_records(std::string_view text) {
  const auto record = parse_job_record(text);
  if (!record) return;
  if (record->restarted_at_ms < kYear0 || record->restarted_at_ms >= kYear10000) return;
  const auto again = parse_job_record(serialize_job_record(*record));
  if (!again || again->restarted_at_ms != record->restarted_at_ms ||
      again->params.delay_timeout_ms != record->params.delay_timeout_ms ||
      again->params.delay_id != record->params.delay_id || again->params.server_name != record->params.server_name ||
      again->params.livekit_room != record->params.livekit_room ||
      again->params.livekit_identity != record->params.livekit_identity ||
      again->params.alternative_identities != record->params.alternative_identities) {
    std::abort();
  }
}

void check_dates(std::string_view text) {
  if (const auto ms = parse_rfc3339(text); ms && *ms >= kYear0 && *ms < kYear10000) {
    const auto again = parse_rfc3339(format_rfc3339(*ms));
    if (!again || *again != *ms) std::abort();
  }
  (void)parse_http_date(text);
}

void check_classification(std::string_view text) {
  for (const auto action : {DelayedEventAction::restart, DelayedEventAction::send}) {
    for (const unsigned status : {200U, 404U, 429U, 500U}) {
      const CallResult result = classify_delayed_event_response(action, status, text, text, kNow);
      if (result.retry_after_ms && *result.retry_after_ms < 0) std::abort();
      if (status != 429 && result.retry_after_ms) std::abort();
    }
  }
  const std::string path = delayed_event_path(text, DelayedEventAction::send);
  if (path.find("/../") != std::string::npos || path.find("/./") != std::string::npos) std::abort();
}

bool is_call(ActionKind action) {
  return action == ActionKind::poll_participant || action == ActionKind::restart || action == ActionKind::send;
}

// Each byte is one step: its low 4 bits pick the event, the rest a time step.
void drive_job(std::string_view script) {
  if (script.empty()) return;
  JobParams params;
  params.delay_id = "d";
  params.delay_timeout_ms = 1000 + static_cast<std::int64_t>(static_cast<unsigned char>(script[0])) * 500;
  params.server_name = "s";
  params.livekit_room = "r";
  params.livekit_identity = "i";
  JobTimings timings;
  timings.sanity_check_ms = (script[0] & 1) != 0 ? 5000 : 0;
  Job job(params, timings, kNow - (script[0] & 2) * 20'000, static_cast<std::uint64_t>(script.size()));
  std::int64_t now = kNow;
  auto actions = job.start(now);
  for (const char c : script.substr(1)) {
    const bool terminal = is_terminal(job.state());
    const bool busy = job.call_in_flight();
    const auto byte = static_cast<unsigned char>(c);
    now += static_cast<std::int64_t>(byte >> 4) * 700;
    const CallResult retry{CallResult::Kind::retry, (byte & 0x80) != 0 ? std::optional<std::int64_t>(900) : std::nullopt};
    switch (byte & 0x0F) {
      case 0: actions = job.on_participant_event(ParticipantEvent::joined, now); break;
      case 1: actions = job.on_participant_event(ParticipantEvent::left_intentionally, now); break;
      case 2: actions = job.on_participant_event(ParticipantEvent::connection_aborted, now); break;
      case 3: actions = job.on_poll_result(PollResult::present, now, "i"); break;
      case 4: actions = job.on_poll_result(PollResult::absent, now); break;
      case 5: actions = job.on_poll_result(PollResult::transport_error, now); break;
      case 6: actions = job.on_restart_result({}, now); break;
      case 7: actions = job.on_restart_result({CallResult::Kind::not_found, std::nullopt}, now); break;
      case 8: actions = job.on_restart_result(retry, now); break;
      case 9: actions = job.on_send_result({}, now); break;
      case 10: actions = job.on_send_result(retry, now); break;
      case 11: actions = job.on_cs_api_unresolvable(now); break;
      case 12: actions = job.on_replaced(); break;
      default:
        if (const auto wakeup = job.next_wakeup()) now = std::max(now, *wakeup);
        actions = job.on_wakeup(now);
    }
    int calls = 0;
    for (const auto action : actions) calls += is_call(action) ? 1 : 0;
    if (terminal && !actions.empty()) std::abort();
    if (calls > 1 || (calls == 1 && !job.call_in_flight())) std::abort();
    if (busy && calls == 1 && (byte & 0x0F) <= 2) std::abort();  // a webhook cannot start a call over another
    if (is_terminal(job.state()) && (job.call_in_flight() || job.next_wakeup())) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)parse_participant_webhook(text);
  check_records(text);
  check_dates(text);
  check_classification(text);
  drive_job(text);
  return 0;
}
