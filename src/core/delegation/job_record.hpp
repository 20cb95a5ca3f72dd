// The persisted form of a delegation job, byte-compatible with lk-jwt-service's
// Redis store (Go and Rust share it) so a deployment can switch between the
// two without losing jobs: hash `lk-jwt:jobs`, field = the JSON array string
// ["<room>","<identity>"], value =
//   {"Params":{"DelayId":…,"DelayTimeout":<nanoseconds>,"ServerName":…,
//    "LiveKitRoom":…,"LiveKitIdentity":…},"RestartedAt":"<RFC 3339>"}
// Our alternative identities ride in an extra Params field the reference's
// decoder ignores.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/delegation/job.hpp"
#include "core/error.hpp"

namespace matrixrtc::core::delegation {

inline constexpr std::string_view kJobsHashKey = "lk-jwt:jobs";

struct JobRecord {
  JobParams params;
  std::int64_t restarted_at_ms = 0;  ///< Unix milliseconds
};

/// The hash field for (room, identity): a JSON array of two strings, encoded
/// as Go's encoding/json does (HTML-sensitive characters escaped).
[[nodiscard]] std::string job_field(std::string_view room, std::string_view identity);

/// The hash value.
[[nodiscard]] std::string serialize_job_record(const JobRecord& record);

/// Reads a value written by us, lk-jwt-service (Go) or its Rust port. Refuses
/// anything malformed (the caller skips such entries).
[[nodiscard]] Result<JobRecord> parse_job_record(std::string_view value);

/// Whether a stored job has outlived its delayed event: restarted_at + delay_timeout ≤ now.
[[nodiscard]] bool is_expired(const JobRecord& record, std::int64_t now_unix_ms);

/// RFC 3339 with nanosecond precision trimmed as Go's RFC3339Nano does, in UTC ("…Z").
[[nodiscard]] std::string format_rfc3339(std::int64_t unix_ms);
/// Any RFC 3339 date-time (offsets, fractions of any length) into Unix milliseconds.
[[nodiscard]] Result<std::int64_t> parse_rfc3339(std::string_view text);

}  // namespace matrixrtc::core::delegation
