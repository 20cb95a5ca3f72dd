#include "service/router.hpp"

#include <algorithm>
#include <array>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>
#include <chrono>
#include <cstdio>

#include "core/delegation/webhook_event.hpp"
#include "core/json/canonical_json.hpp"
#include "core/livekit/webhook_token.hpp"
#include "core/ratelimit/client_address.hpp"
#include "core/text.hpp"

namespace matrixrtc::service {
namespace {

namespace http = boost::beast::http;
namespace authz = core::authz;

net::ServerResponse make_response(const net::ServerRequest& request, http::status status) {
  net::ServerResponse response{status, request.version()};
  response.set(http::field::server, "matrixrtc-auth");
  return response;
}

// Exactly the reference's CORS wrapper, set on every answer of the token
// endpoints, errors and 405 included.
void add_cors(net::ServerResponse& response) {
  response.set(http::field::content_type, "application/json");
  response.set(http::field::access_control_allow_origin, "*");
  response.set(http::field::access_control_allow_methods, "POST");
  response.set(http::field::access_control_allow_headers,
               "Accept, Content-Type, Content-Length, Accept-Encoding, X-CSRF-Token");
}

std::string json_string(std::string_view text) {
  std::string out;
  (void)core::json::write_json_string(out, text, core::json::Escaping::canonical);
  return out;
}

// An ApiError as the answer: its status, the Matrix error body, and its
// errcode as the log line's result.
void set_api_error(net::ServerResponse& response, const authz::ApiError& error, std::string& result) {
  response.result(static_cast<http::status>(error.status));
  response.set(http::field::content_type, "application/json");
  response.body() = authz::to_json(error) + "\n";
  if (error.retry_after_ms) {
    // Retry-After counts whole seconds: round up so a client obeying it is never early.
    response.set(http::field::retry_after, std::to_string((*error.retry_after_ms + 999) / 1000));
  }
  result = error.errcode;
}

std::string path_of(std::string_view target) { return std::string(target.substr(0, target.find('?'))); }

bool get_or_head(const net::ServerRequest& request) {
  return request.method() == http::verb::get || request.method() == http::verb::head;
}

void count_webhook(ThreadMetrics* metrics, WebhookResult result) {
  if (metrics != nullptr) metrics->count_webhook(result);
}

}  // namespace

bool is_sane_request_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (const char c : id) {
    const bool ok =
        (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string Router::request_id(const net::ServerRequest& request) {
  if (const auto header = request.find("X-Request-Id"); header != request.end()) {
    const std::string_view incoming(header->value().data(), header->value().size());
    if (is_sane_request_id(incoming)) return std::string(incoming);
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::uint64_t bits = random_();
  std::string id(16, '0');
  for (auto& c : id) {
    c = kHex[bits & 0xFU];
    bits >>= 4U;
  }
  return id;
}

std::string Router::ip_key(const net::ServerRequest& request, const net::RequestContext& context) const {
  namespace rl = core::ratelimit;
  const auto address = context.remote.address();
  const rl::IpAddress peer = address.is_v4() ? rl::from_ipv4_bytes(address.to_v4().to_bytes())
                                             : rl::from_ipv6_bytes(address.to_v6().to_bytes());
  // The last 16 X-Forwarded-For fields at most, without allocating: the walk
  // goes right to left and stops at the first untrusted entry anyway.
  std::array<std::string_view, 16> fields;
  std::size_t count = 0;
  if (rl::is_trusted(config_.trusted_proxies, peer)) {
    const auto [first, last] = request.equal_range("X-Forwarded-For");
    for (auto field = first; field != last; ++field) {
      if (count == fields.size()) {
        std::shift_left(fields.begin(), fields.end(), 1);
        --count;
      }
      fields[count++] = std::string_view(field->value().data(), field->value().size());
    }
  }
  const rl::IpAddress client =
      rl::client_address(peer, config_.trusted_proxies, std::span<const std::string_view>(fields.data(), count));
  return rl::rate_limit_key(client);
}

boost::asio::awaitable<void> Router::readyz(const net::ServerRequest& request, net::ServerResponse& response,
                                            std::string& result) {
  if (!get_or_head(request)) {
    response.result(http::status::method_not_allowed);
    result = "method not allowed";
    co_return;
  }
  ReadyChecks checks;
  if (observability_.status != nullptr) {
    checks = co_await observability_.status->check_ready();
  } else {
    checks.livekit = "not checked";
  }
  response.result(checks.ready() ? http::status::ok : http::status::service_unavailable);
  response.set(http::field::content_type, "application/json");
  response.set(http::field::cache_control, "no-store");
  if (request.method() == http::verb::get) response.body() = ready_checks_json(checks) + "\n";
  if (!checks.ready()) result = core::cat("not ready: livekit=", checks.livekit, " redis=", checks.redis);
}

boost::asio::awaitable<void> Router::metrics(const net::ServerRequest& request, net::ServerResponse& response,
                                             std::string& result) {
  if (!get_or_head(request)) {
    response.result(http::status::method_not_allowed);
    result = "method not allowed";
    co_return;
  }
  std::optional<DelegationJobCounts> jobs;
  if (observability_.status != nullptr) jobs = co_await observability_.status->delegation_jobs();
  response.result(http::status::ok);
  response.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
  response.set(http::field::cache_control, "no-store");
  std::string text = observability_.registry->render(jobs);
  if (request.method() == http::verb::get) response.body() = std::move(text);
}

net::ServerResponse Router::webhook(const net::ServerRequest& request, std::string& result, IssueOutcome& outcome) {
  net::ServerResponse response = make_response(request, http::status::ok);
  const auto header = request.find(http::field::authorization);
  std::string_view authorization;
  if (header != request.end()) authorization = std::string_view(header->value().data(), header->value().size());
  const core::livekit::VerifyOptions options{config_.key, config_.secret, unix_now_()};
  const auto verified = core::livekit::verify_webhook(authorization, request.body(), options);
  if (!verified) {
    set_api_error(response, authz::webhook_unauthorized(), result);
    outcome.detail = core::cat("webhook not verified: ", verified.error().message);
    count_webhook(observability_.metrics, WebhookResult::unauthorized);
    return response;
  }
  auto event = core::delegation::parse_participant_webhook(request.body());
  if (!event) {
    set_api_error(response, authz::not_json(), result);
    outcome.detail = core::cat("webhook body: ", event.error().message);
    count_webhook(observability_.metrics, WebhookResult::bad_body);
    return response;
  }
  outcome.detail = core::cat("event=", event->event);
  count_webhook(observability_.metrics, WebhookResult::ok);
  if (event->participant_event) delegation_.on_webhook(std::move(*event));
  return response;
}

boost::asio::awaitable<net::ServerResponse> Router::handle(net::ServerRequest request, net::RequestContext context) {
  const std::string path = path_of(request.target());
  const std::string id = request_id(request);
  IssueOutcome outcome;
  net::ServerResponse response = make_response(request, http::status::not_found);
  std::string result = "ok";

  // The per-IP limit of the three POST endpoints, before their body is read:
  // in memory without suspending, through Redis with.
  std::optional<authz::ApiError> refused;
  const bool ip_limited = (path == "/delegate_delayed_leave" || path == "/sfu/get" || path == "/get_token") &&
                          request.method() == http::verb::post && limiter_ != nullptr &&
                          limiter_->enabled(RateScope::ip);
  if (ip_limited) {
    std::string key = ip_key(request, context);
    if (!enforce_limit_now(limiter_, RateScope::ip, key, outcome.rate_limits, refused)) {
      refused = co_await enforce_limit(limiter_, RateScope::ip, std::move(key), outcome.rate_limits);
    }
  }

  if (path == "/delegate_delayed_leave") {
    if (request.method() == http::verb::options) {
      response.result(http::status::ok);
    } else if (request.method() != http::verb::post) {
      response.result(http::status::method_not_allowed);
      result = "method not allowed";
    } else {
      // Element Call probes this path without credentials and reads 404 as
      // "unsupported": every bad request here answers 400 or 401 (or 429).
      std::expected<void, authz::ApiError> answer = std::unexpected(authz::internal_error());
      if (refused) {
        answer = std::unexpected(std::move(*refused));
        outcome.detail = "rate limited: ip";
      } else {
        auto parsed = authz::parse_delegate_request(request.body());
        if (parsed) {
          answer = co_await issuer_.delegate(*parsed, outcome);
        } else {
          answer = std::unexpected(std::move(parsed.error()));
        }
      }
      if (answer) {
        response.result(http::status::ok);
        response.body() = "{}\n";
      } else {
        set_api_error(response, answer.error(), result);
      }
    }
    add_cors(response);
  } else if (path == "/sfu_webhook") {
    response = webhook(request, result, outcome);
  } else if (path == "/sfu/get" || path == "/get_token") {
    if (request.method() == http::verb::options) {
      response.result(http::status::ok);
    } else if (request.method() != http::verb::post) {
      response.result(http::status::method_not_allowed);
      result = "method not allowed";
    } else {
      // No co_await inside conditional expressions: GCC 12 miscompiles them.
      std::expected<TokenAnswer, authz::ApiError> answer = std::unexpected(authz::internal_error());
      if (refused) {
        answer = std::unexpected(std::move(*refused));
        outcome.detail = "rate limited: ip";
      } else if (path == "/sfu/get") {
        auto parsed = authz::parse_sfu_get_request(request.body());
        if (parsed) {
          answer = co_await issuer_.sfu_get(*parsed, outcome);
        } else {
          answer = std::unexpected(std::move(parsed.error()));
        }
      } else {
        auto parsed = authz::parse_get_token_request(request.body());
        if (parsed) {
          answer = co_await issuer_.get_token(*parsed, outcome);
        } else {
          answer = std::unexpected(std::move(parsed.error()));
        }
      }
      if (answer) {
        response.result(http::status::ok);
        response.body() =
            core::cat(R"({"url":)", json_string(answer->url), R"(,"jwt":)", json_string(answer->jwt), "}\n");
      } else {
        set_api_error(response, answer.error(), result);
      }
    }
    add_cors(response);
  } else if (path == "/healthz") {
    if (request.method() == http::verb::get || request.method() == http::verb::head) {
      response.result(http::status::ok);
    } else {
      response.result(http::status::method_not_allowed);
      result = "method not allowed";
    }
  } else if (path == "/readyz") {
    co_await readyz(request, response, result);
  } else if (path == "/metrics" && observability_.registry != nullptr) {
    co_await metrics(request, response, result);
  } else {
    response.set(http::field::content_type, "application/json");
    response.body() = R"({"errcode":"M_UNRECOGNIZED","error":"Unrecognized request"})"
                      "\n";
    result = "M_UNRECOGNIZED";
  }
  response.set("X-Request-Id", id);

  const auto elapsed = std::chrono::steady_clock::now() - context.received;
  if (observability_.metrics != nullptr) {
    const std::string_view errcode = result.starts_with("M_") ? std::string_view(result) : std::string_view();
    observability_.metrics->count_request(endpoint_of(path), response.result_int(), errcode,
                                          std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed));
    observability_.metrics->count_rate_limits(outcome.rate_limits);
  }

  const bool probe = path == "/healthz" || path == "/readyz" || path == "/metrics";
  const LogLevel level = response.result_int() >= 500 ? LogLevel::error : LogLevel::info;
  // The line's fields are only built when it will be written: at level warn
  // they cost a formatted float and several strings per request for nothing.
  if ((!probe || response.result_int() >= 500 || logger_.enabled(LogLevel::debug)) && logger_.enabled(level)) {
    char latency[32];
    std::snprintf(latency, sizeof latency, "%.3f", std::chrono::duration<double, std::milli>(elapsed).count());
    logger_.log(level, "request",
                {{"request_id", id},
                 {"method", std::string(request.method_string())},
                 {"path", path},
                 {"status", std::to_string(response.result_int())},
                 {"latency_ms", latency},
                 {"remote", context.remote.address().to_string()},
                 {"server_name", outcome.server_name},
                 {"result", result},
                 {"detail", outcome.detail}});
  }
  co_return response;
}

}  // namespace matrixrtc::service
