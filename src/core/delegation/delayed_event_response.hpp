// How the service reads a homeserver's answer to an MSC4140 restart or send
// (lk-jwt-service §8 "Response classification"): 200/204 ok; 404 on send =
// done (already sent or cancelled); 404 on restart = the delayed event is
// gone; 429 honours Retry-After (delta seconds or HTTP date) and then the
// body's retry_after_ms (rounded up to whole seconds, as the reference does);
// anything else is retried with the backoff.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/delegation/job.hpp"
#include "core/error.hpp"

namespace matrixrtc::core::delegation {

enum class DelayedEventAction { restart, send };

[[nodiscard]] std::string_view to_string(DelayedEventAction action);

/// The request path for `action` on `delay_id` (unstable MSC4140 prefix, the
/// id percent-encoded as one path segment so "../" cannot escape it).
[[nodiscard]] std::string delayed_event_path(std::string_view delay_id, DelayedEventAction action);

/// Classifies an answer. `retry_after` is the Retry-After header value (empty
/// if absent); `now_unix_ms` turns an HTTP date into a delay.
[[nodiscard]] CallResult classify_delayed_event_response(DelayedEventAction action, unsigned status,
                                                         std::string_view retry_after, std::string_view body,
                                                         std::int64_t now_unix_ms);

/// Parses an HTTP date (IMF-fixdate, RFC 850 and asctime forms, RFC 9110
/// §5.6.7) into Unix milliseconds.
[[nodiscard]] Result<std::int64_t> parse_http_date(std::string_view text);

}  // namespace matrixrtc::core::delegation
