#include "service/metrics.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

#ifndef MATRIXRTC_VERSION
#define MATRIXRTC_VERSION "unknown"
#endif

namespace matrixrtc::service {
namespace {

constexpr std::array<std::string_view, kEndpointCount> kEndpointLabels{
    "/sfu/get", "/get_token", "/delegate_delayed_leave", "/sfu_webhook", "/healthz", "/readyz", "/metrics", "other"};
constexpr std::array<std::string_view, kLookupFailureCount> kLookupFailureLabels{
    "dns", "connect", "tls", "timeout", "http_status", "bad_response", "refused", "other"};
constexpr std::array<std::string_view, 2> kLiveKitMethodLabels{"CreateRoom", "GetParticipant"};
constexpr std::array<std::string_view, 3> kLiveKitResultLabels{"ok", "not_found", "error"};
constexpr std::array<std::string_view, 3> kWebhookResultLabels{"ok", "unauthorized", "bad_body"};
constexpr std::array<std::string_view, 3> kUserInfoCacheLabels{"hit", "miss", "negative_hit"};
constexpr std::array<std::string_view, 3> kJobStateLabels{"waiting_for_initial_connect", "connected", "disconnected"};

std::uint64_t load(const std::atomic<std::uint64_t>& cell) { return cell.load(std::memory_order_relaxed); }

}  // namespace

// ---- Formatter -------------------------------------------------------------

std::string escape_label_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (const char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string format_metric_value(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buffer[64];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  if (ec != std::errc{}) return "NaN";
  return std::string(buffer, end);
}

void write_metric_header(std::string& out, std::string_view name, std::string_view help, std::string_view type) {
  out += "# HELP ";
  out += name;
  out += ' ';
  // HELP text escapes only backslash and newline.
  for (const char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

namespace {

void write_labels(std::string& out, std::span<const MetricLabel> labels, std::optional<std::string_view> le) {
  if (labels.empty() && !le) return;
  out += '{';
  bool first = true;
  for (const auto& [key, value] : labels) {
    if (!first) out += ',';
    first = false;
    out += key;
    out += "=\"";
    out += escape_label_value(value);
    out += '"';
  }
  if (le) {
    if (!first) out += ',';
    out += "le=\"";
    out += *le;
    out += '"';
  }
  out += '}';
}

}  // namespace

void write_sample(std::string& out, std::string_view name, std::span<const MetricLabel> labels, double value) {
  out += name;
  write_labels(out, labels, std::nullopt);
  out += ' ';
  out += format_metric_value(value);
  out += '\n';
}

void write_histogram(std::string& out, std::string_view name, std::span<const MetricLabel> labels,
                     const HistogramSnapshot& histogram) {
  std::uint64_t cumulative = 0;
  const std::string bucket = std::string(name) + "_bucket";
  for (std::size_t i = 0; i <= histogram.bounds.size(); ++i) {
    cumulative += i < histogram.counts.size() ? histogram.counts[i] : 0;
    const std::string le = i < histogram.bounds.size() ? format_metric_value(histogram.bounds[i]) : "+Inf";
    out += bucket;
    write_labels(out, labels, le);
    out += ' ';
    out += std::to_string(cumulative);
    out += '\n';
  }
  write_sample(out, std::string(name) + "_sum", labels, histogram.sum);
  write_sample(out, std::string(name) + "_count", labels, static_cast<double>(cumulative));
}

// ---- Labels ----------------------------------------------------------------

Endpoint endpoint_of(std::string_view path) {
  for (std::size_t i = 0; i + 1 < kEndpointCount; ++i) {
    if (path == kEndpointLabels[i]) return static_cast<Endpoint>(i);
  }
  return Endpoint::other;
}

std::string_view to_label(Endpoint endpoint) { return kEndpointLabels[static_cast<std::size_t>(endpoint)]; }

LookupFailure lookup_failure_of(core::ErrorCode code) {
  switch (code) {
    case core::ErrorCode::dns_failure: return LookupFailure::dns;
    case core::ErrorCode::connect_failed: return LookupFailure::connect;
    case core::ErrorCode::tls_failure: return LookupFailure::tls;
    case core::ErrorCode::timed_out: return LookupFailure::timeout;
    case core::ErrorCode::bad_response:
    case core::ErrorCode::response_too_large: return LookupFailure::bad_response;
    case core::ErrorCode::address_refused: return LookupFailure::refused;
    default: return LookupFailure::other;
  }
}

std::string_view to_label(LookupFailure reason) { return kLookupFailureLabels[static_cast<std::size_t>(reason)]; }

// ---- Storage ---------------------------------------------------------------

void AtomicHistogram::observe(std::chrono::nanoseconds elapsed) {
  const double seconds = std::chrono::duration<double>(elapsed).count();
  const auto bucket = static_cast<std::size_t>(
      std::lower_bound(kLatencyBuckets.begin(), kLatencyBuckets.end(), seconds) - kLatencyBuckets.begin());
  auto& cell = counts_[bucket];
  cell.store(load(cell) + 1, std::memory_order_relaxed);
  const auto ns = static_cast<std::uint64_t>(std::max<std::int64_t>(0, elapsed.count()));
  sum_ns_.store(load(sum_ns_) + ns, std::memory_order_relaxed);
}

void AtomicHistogram::add_to(HistogramSnapshot& total) const {
  total.bounds = kLatencyBuckets;
  total.counts.resize(counts_.size());
  for (std::size_t i = 0; i < counts_.size(); ++i) total.counts[i] += load(counts_[i]);
  total.sum += static_cast<double>(load(sum_ns_)) / 1e9;
}

HistogramSnapshot AtomicHistogram::snapshot() const {
  HistogramSnapshot out;
  add_to(out);
  return out;
}

void ThreadMetrics::count_request(Endpoint endpoint, unsigned status, std::string_view errcode,
                                  std::chrono::nanoseconds elapsed) {
  const auto status_it = std::find(kStatuses.begin(), kStatuses.end(), status);
  const auto status_slot = static_cast<std::size_t>(status_it - kStatuses.begin());
  const auto errcode_it = std::find(kErrcodes.begin(), kErrcodes.end(), errcode);
  const auto errcode_slot = static_cast<std::size_t>(errcode_it - kErrcodes.begin());
  const auto e = static_cast<std::size_t>(endpoint);
  bump(requests_[(e * kStatusSlots + status_slot) * kErrcodeSlots + errcode_slot]);
  durations_[e].observe(elapsed);
}

void ThreadMetrics::count_lookup(std::chrono::nanoseconds elapsed, std::optional<LookupFailure> failure) {
  lookups_.observe(elapsed);
  if (failure) bump(lookup_failures_[static_cast<std::size_t>(*failure)]);
}

void ThreadMetrics::count_livekit(LiveKitMethod method, LiveKitResult result) {
  bump(livekit_[static_cast<std::size_t>(method) * 3 + static_cast<std::size_t>(result)]);
}

void ThreadMetrics::count_webhook(WebhookResult result) { bump(webhooks_[static_cast<std::size_t>(result)]); }

void ThreadMetrics::count_userinfo_cache(UserInfoCacheResult result) {
  bump(userinfo_cache_[static_cast<std::size_t>(result)]);
}

void ThreadMetrics::count_rate_limits(const RateLimitNotes& notes) {
  if (notes.limited) bump(rate_limited_[static_cast<std::size_t>(*notes.limited)]);
  for (std::size_t scope = 0; scope < kRateScopeCount; ++scope) {
    const FailOpen reason = notes.fail_open[scope];
    if (reason == FailOpen::none) continue;
    bump(rate_limit_fail_open_[scope * kFailOpenReasonCount + static_cast<std::size_t>(reason) - 1]);
  }
}

ThreadMetrics& MetricsRegistry::add_thread() { return *threads_.emplace_back(std::make_unique<ThreadMetrics>()); }

std::string MetricsRegistry::render(const std::optional<DelegationJobCounts>& jobs) const {
  std::string out;
  constexpr std::size_t kStatusSlots = ThreadMetrics::kStatusSlots;
  constexpr std::size_t kErrcodeSlots = ThreadMetrics::kErrcodeSlots;

  // Requests: only the series that have counted something.
  write_metric_header(out, "matrixrtc_auth_requests_total", "HTTP requests answered, by endpoint, status and errcode.",
                      "counter");
  for (std::size_t e = 0; e < kEndpointCount; ++e) {
    for (std::size_t s = 0; s < kStatusSlots; ++s) {
      for (std::size_t c = 0; c < kErrcodeSlots; ++c) {
        std::uint64_t total = 0;
        for (const auto& thread : threads_)
          total += load(thread->requests_[(e * kStatusSlots + s) * kErrcodeSlots + c]);
        if (total == 0) continue;
        const std::string status =
            s < ThreadMetrics::kStatuses.size() ? std::to_string(ThreadMetrics::kStatuses[s]) : "other";
        const std::string_view errcode = c < ThreadMetrics::kErrcodes.size() ? ThreadMetrics::kErrcodes[c] : "other";
        const std::array<MetricLabel, 3> labels{MetricLabel{"endpoint", kEndpointLabels[e]},
                                                MetricLabel{"status", status}, MetricLabel{"errcode", errcode}};
        write_sample(out, "matrixrtc_auth_requests_total", labels, static_cast<double>(total));
      }
    }
  }

  write_metric_header(out, "matrixrtc_auth_request_duration_seconds",
                      "Time from a request's arrival to its answer, by endpoint.", "histogram");
  for (std::size_t e = 0; e < kEndpointCount; ++e) {
    HistogramSnapshot total;
    for (const auto& thread : threads_) thread->durations_[e].add_to(total);
    if (std::all_of(total.counts.begin(), total.counts.end(), [](std::uint64_t n) { return n == 0; })) continue;
    const std::array<MetricLabel, 1> labels{MetricLabel{"endpoint", kEndpointLabels[e]}};
    write_histogram(out, "matrixrtc_auth_request_duration_seconds", labels, total);
  }

  write_metric_header(out, "matrixrtc_auth_homeserver_lookup_duration_seconds",
                      "Duration of OpenID userinfo lookups on homeservers (discovery included).", "histogram");
  HistogramSnapshot lookups;
  lookups.bounds = kLatencyBuckets;
  lookups.counts.resize(kLatencyBuckets.size() + 1);
  for (const auto& thread : threads_) thread->lookups_.add_to(lookups);
  write_histogram(out, "matrixrtc_auth_homeserver_lookup_duration_seconds", {}, lookups);

  write_metric_header(out, "matrixrtc_auth_homeserver_lookup_failures_total",
                      "Failed OpenID userinfo lookups, by reason.", "counter");
  for (std::size_t r = 0; r < kLookupFailureCount; ++r) {
    std::uint64_t total = 0;
    for (const auto& thread : threads_) total += load(thread->lookup_failures_[r]);
    const std::array<MetricLabel, 1> labels{MetricLabel{"reason", kLookupFailureLabels[r]}};
    write_sample(out, "matrixrtc_auth_homeserver_lookup_failures_total", labels, static_cast<double>(total));
  }

  write_metric_header(out, "matrixrtc_auth_livekit_requests_total",
                      "LiveKit RoomService (Twirp) calls, by method and result.", "counter");
  for (std::size_t m = 0; m < kLiveKitMethodLabels.size(); ++m) {
    for (std::size_t r = 0; r < kLiveKitResultLabels.size(); ++r) {
      if (m == 0 && r == 1) continue;  // CreateRoom has no not_found
      std::uint64_t total = 0;
      for (const auto& thread : threads_) total += load(thread->livekit_[m * 3 + r]);
      const std::array<MetricLabel, 2> labels{MetricLabel{"method", kLiveKitMethodLabels[m]},
                                              MetricLabel{"result", kLiveKitResultLabels[r]}};
      write_sample(out, "matrixrtc_auth_livekit_requests_total", labels, static_cast<double>(total));
    }
  }

  write_metric_header(out, "matrixrtc_auth_webhooks_total", "LiveKit webhooks received, by result.", "counter");
  for (std::size_t r = 0; r < kWebhookResultLabels.size(); ++r) {
    std::uint64_t total = 0;
    for (const auto& thread : threads_) total += load(thread->webhooks_[r]);
    const std::array<MetricLabel, 1> labels{MetricLabel{"result", kWebhookResultLabels[r]}};
    write_sample(out, "matrixrtc_auth_webhooks_total", labels, static_cast<double>(total));
  }

  write_metric_header(out, "matrixrtc_auth_userinfo_cache_total",
                      "OpenID userinfo cache lookups, by result (a miss asks the homeserver).", "counter");
  for (std::size_t r = 0; r < kUserInfoCacheLabels.size(); ++r) {
    std::uint64_t total = 0;
    for (const auto& thread : threads_) total += load(thread->userinfo_cache_[r]);
    const std::array<MetricLabel, 1> labels{MetricLabel{"result", kUserInfoCacheLabels[r]}};
    write_sample(out, "matrixrtc_auth_userinfo_cache_total", labels, static_cast<double>(total));
  }
  write_metric_header(out, "matrixrtc_auth_rate_limited_total",
                      "Requests refused with 429 M_LIMIT_EXCEEDED, by the limit's scope.", "counter");
  for (std::size_t scope = 0; scope < kRateScopeCount; ++scope) {
    std::uint64_t total = 0;
    for (const auto& thread : threads_) total += load(thread->rate_limited_[scope]);
    const std::array<MetricLabel, 1> labels{MetricLabel{"scope", to_label(static_cast<RateScope>(scope))}};
    write_sample(out, "matrixrtc_auth_rate_limited_total", labels, static_cast<double>(total));
  }
  write_metric_header(out, "matrixrtc_auth_rate_limit_fail_open_total",
                      "Requests a rate limit allowed without deciding (table full, Redis unavailable), by scope and "
                      "reason.",
                      "counter");
  for (std::size_t scope = 0; scope < kRateScopeCount; ++scope) {
    for (std::size_t reason = 0; reason < kFailOpenReasonCount; ++reason) {
      std::uint64_t total = 0;
      for (const auto& thread : threads_)
        total += load(thread->rate_limit_fail_open_[scope * kFailOpenReasonCount + reason]);
      const std::array<MetricLabel, 2> labels{MetricLabel{"scope", to_label(static_cast<RateScope>(scope))},
                                              MetricLabel{"reason", to_label(static_cast<FailOpen>(reason + 1))}};
      write_sample(out, "matrixrtc_auth_rate_limit_fail_open_total", labels, static_cast<double>(total));
    }
  }

  if (jobs) {
    write_metric_header(out, "matrixrtc_auth_delegation_jobs", "Delegated delayed leave events held, by state.",
                        "gauge");
    for (std::size_t s = 0; s < kJobStateLabels.size(); ++s) {
      const std::array<MetricLabel, 1> labels{MetricLabel{"state", kJobStateLabels[s]}};
      write_sample(out, "matrixrtc_auth_delegation_jobs", labels, static_cast<double>((*jobs)[s]));
    }
  }

  if (open_connections_) {
    write_metric_header(out, "matrixrtc_auth_open_connections", "Client connections open now.", "gauge");
    write_sample(out, "matrixrtc_auth_open_connections", {}, static_cast<double>(open_connections_()));
  }

  write_metric_header(out, "matrixrtc_auth_build_info", "Always 1; the version is a label.", "gauge");
  const std::array<MetricLabel, 1> version{MetricLabel{"version", version_}};
  write_sample(out, "matrixrtc_auth_build_info", version, 1);
  return out;
}

std::string_view service_version() { return MATRIXRTC_VERSION; }

}  // namespace matrixrtc::service
