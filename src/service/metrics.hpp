// Prometheus metrics of the service: a pure text formatter (exposition format
// 0.0.4: counters, gauges, histograms, label escaping) and the storage the
// request path records into without locks.
//
// Storage is per thread: each shard (and the delegation loop) owns one
// ThreadMetrics and is its only writer; the cells are relaxed atomics so a
// scrape on another shard may read them while they move. Label sets are fixed
// enumerations (endpoints, statuses, errcodes, reasons), so a client can never
// grow the series count. A scrape sums every ThreadMetrics of the registry.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "service/rate_limiter.hpp"

namespace matrixrtc::service {

// ---- The formatter -------------------------------------------------------

using MetricLabel = std::pair<std::string_view, std::string_view>;

/// A label value escaped as the exposition format requires: `\` → `\\`,
/// `"` → `\"`, newline → `\n`.
[[nodiscard]] std::string escape_label_value(std::string_view value);
/// A sample value: integers without a fraction, others in the shortest
/// round-tripping form, +Inf/-Inf/NaN as Prometheus spells them.
[[nodiscard]] std::string format_metric_value(double value);

/// `# HELP` and `# TYPE` lines (type: counter, gauge, histogram).
void write_metric_header(std::string& out, std::string_view name, std::string_view help, std::string_view type);
/// `name{a="x",b="y"} value`; no braces without labels.
void write_sample(std::string& out, std::string_view name, std::span<const MetricLabel> labels, double value);

/// One histogram series: `counts[i]` observations fell in (bounds[i-1], bounds[i]],
/// the last count (counts.size() == bounds.size() + 1) above the last bound.
struct HistogramSnapshot {
  std::span<const double> bounds;
  std::vector<std::uint64_t> counts;
  double sum = 0;
};
/// `_bucket` lines (cumulative, `le` last among the labels, ending with +Inf), `_sum`, `_count`.
void write_histogram(std::string& out, std::string_view name, std::span<const MetricLabel> labels,
                     const HistogramSnapshot& histogram);

/// The buckets of every latency histogram, in seconds.
inline constexpr std::array<double, 13> kLatencyBuckets{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                        0.25,  0.5,    1,     2.5,  5,     10};

// ---- The label sets ------------------------------------------------------

enum class Endpoint : std::uint8_t {
  sfu_get,
  get_token,
  delegate_delayed_leave,
  sfu_webhook,
  healthz,
  readyz,
  metrics,
  other,
};
inline constexpr std::size_t kEndpointCount = 8;
[[nodiscard]] Endpoint endpoint_of(std::string_view path);
[[nodiscard]] std::string_view to_label(Endpoint endpoint);

/// Why a homeserver (OpenID userinfo) lookup failed.
enum class LookupFailure : std::uint8_t { dns, connect, tls, timeout, http_status, bad_response, refused, other };
inline constexpr std::size_t kLookupFailureCount = 8;
[[nodiscard]] LookupFailure lookup_failure_of(core::ErrorCode code);
[[nodiscard]] std::string_view to_label(LookupFailure reason);

enum class LiveKitMethod : std::uint8_t { create_room, get_participant };
/// ok: a 200 answer; not_found: Twirp not_found (GetParticipant); error: anything else.
enum class LiveKitResult : std::uint8_t { ok, not_found, error };

enum class WebhookResult : std::uint8_t { ok, unauthorized, bad_body };

/// What the OpenID userinfo cache answered: a sub, nothing, or a remembered failure.
enum class UserInfoCacheResult : std::uint8_t { hit, miss, negative_hit };

/// Delegation jobs held, by live core::delegation::JobState (waiting for
/// initial connect, connected, disconnected): terminal jobs are dropped at once.
using DelegationJobCounts = std::array<std::uint64_t, 3>;

// ---- Storage -------------------------------------------------------------

/// A histogram with one writer; readable from any thread.
class AtomicHistogram {
 public:
  void observe(std::chrono::nanoseconds elapsed);
  [[nodiscard]] HistogramSnapshot snapshot() const;
  void add_to(HistogramSnapshot& total) const;

 private:
  std::array<std::atomic<std::uint64_t>, kLatencyBuckets.size() + 1> counts_{};
  std::atomic<std::uint64_t> sum_ns_{0};
};

/// What one thread records. Only its own thread writes it.
class ThreadMetrics {
 public:
  /// HTTP statuses and errcodes with their own series; others count as "other".
  static constexpr std::array<unsigned, 12> kStatuses{200, 400, 401, 403, 404, 405, 413, 429, 500, 502, 503, 504};
  static constexpr std::array<std::string_view, 8> kErrcodes{
      "",          "M_BAD_JSON",     "M_NOT_JSON",      "M_UNAUTHORIZED", "M_FORBIDDEN",
      "M_UNKNOWN", "M_UNRECOGNIZED", "M_LIMIT_EXCEEDED"};

  void count_request(Endpoint endpoint, unsigned status, std::string_view errcode, std::chrono::nanoseconds elapsed);
  void count_lookup(std::chrono::nanoseconds elapsed, std::optional<LookupFailure> failure);
  void count_livekit(LiveKitMethod method, LiveKitResult result);
  void count_webhook(WebhookResult result);
  void count_userinfo_cache(UserInfoCacheResult result);
  /// A request's rate-limit outcome: the scope that refused it, and each
  /// scope that allowed it without a decision (fail open).
  void count_rate_limits(const RateLimitNotes& notes);

 private:
  friend class MetricsRegistry;
  static constexpr std::size_t kStatusSlots = kStatuses.size() + 1;
  static constexpr std::size_t kErrcodeSlots = kErrcodes.size() + 1;
  static void bump(std::atomic<std::uint64_t>& cell) {
    cell.store(cell.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }

  std::array<std::atomic<std::uint64_t>, kEndpointCount * kStatusSlots * kErrcodeSlots> requests_{};
  std::array<AtomicHistogram, kEndpointCount> durations_{};
  AtomicHistogram lookups_;
  std::array<std::atomic<std::uint64_t>, kLookupFailureCount> lookup_failures_{};
  std::array<std::atomic<std::uint64_t>, 2 * 3> livekit_{};
  std::array<std::atomic<std::uint64_t>, 3> webhooks_{};
  std::array<std::atomic<std::uint64_t>, 3> userinfo_cache_{};
  std::array<std::atomic<std::uint64_t>, kRateScopeCount> rate_limited_{};
  std::array<std::atomic<std::uint64_t>, kRateScopeCount * kFailOpenReasonCount> rate_limit_fail_open_{};
};

/// Every thread's metrics plus the gauges read at scrape time. Threads are
/// added before the service starts; from then on the registry only reads.
class MetricsRegistry {
 public:
  explicit MetricsRegistry(std::string version) : version_(std::move(version)) {}

  ThreadMetrics& add_thread();
  /// How many connections are open now (summed over the shards' servers).
  void set_open_connections(std::function<std::size_t()> source) { open_connections_ = std::move(source); }

  /// The whole exposition text; `jobs` absent leaves the delegation gauge out.
  [[nodiscard]] std::string render(const std::optional<DelegationJobCounts>& jobs) const;

 private:
  std::string version_;
  std::vector<std::unique_ptr<ThreadMetrics>> threads_;
  std::function<std::size_t()> open_connections_;
};

/// The version compiled in (the CMake project version).
[[nodiscard]] std::string_view service_version();

}  // namespace matrixrtc::service
