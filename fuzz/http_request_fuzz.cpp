// libFuzzer target: the HTTP request path of the authorization service's
// server up to the router, on arbitrary bytes received on one connection.
//
// net::HttpServer's reading is a coroutine on a socket, not a reusable
// function, so this drives Beast's request_parser exactly as it does: a fresh
// parser per request with header_limit and body_limit from the defaults of
// net::HttpServerOptions, header first (the answer to a too large header or
// Content-Length, or to bad syntax), the Content-Length check, 100-continue,
// then the body; the unread bytes stay in the buffer for the next request on
// a kept-alive connection. The bytes arrive in pieces whose size the first
// byte chooses, and whether a request reaches the router must not depend on
// how they were split.
//
// Beast 1.81 counts header_limit only against bytes buffered after its first
// put(): what that first call consumed (up to one read) is not counted, so a
// header of 16 KiB + one read could pass when it arrives in big reads and not
// in small ones. The server therefore also refuses a header whose consumed
// size exceeds the limit (HttpServer: 431), and so does this copy.
//
// A parsed request then goes through the router's pure parts: the path
// (target up to '?', as service/router.cpp's path_of does) and, by path, the
// token request parsers, or webhook verification and the webhook body parser.
#include <algorithm>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "core/authz/token_requests.hpp"
#include "core/delegation/webhook_event.hpp"
#include "core/livekit/webhook_token.hpp"
#include "net/http_server.hpp"

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
using namespace matrixrtc;

const net::HttpServerOptions kOptions{};

// What the server does with one request's bytes.
enum class Outcome {
  closed,            // end of stream before or inside a request: no answer
  bad_request,       // 400 M_UNRECOGNIZED, then close
  header_too_large,  // 431 M_TOO_LARGE, then close
  body_too_large,    // 413 M_TOO_LARGE, then close
  request,           // handed to the router
};

struct Step {
  Outcome outcome = Outcome::closed;
  bool sent_continue = false;
  net::ServerRequest request;
  std::size_t consumed = 0;  // bytes of the connection used up to here
};

// A connection's bytes, handed out `chunk` at a time like socket reads.
class Connection {
 public:
  Connection(std::string_view bytes, std::size_t chunk) : bytes_(bytes), chunk_(chunk) {}

  // Reads more into `buffer`; false at end of stream.
  bool read_some(beast::flat_buffer& buffer) {
    if (offset_ == bytes_.size()) return false;
    const std::size_t n = std::min(chunk_, bytes_.size() - offset_);
    auto space = buffer.prepare(n);
    std::memcpy(space.data(), bytes_.data() + offset_, n);
    buffer.commit(n);
    offset_ += n;
    return true;
  }
  [[nodiscard]] std::size_t offset() const { return offset_; }

 private:
  std::string_view bytes_;
  std::size_t chunk_;
  std::size_t offset_ = 0;
};

// http::read_header / http::read's loop: put what is buffered, read more on
// need_more, put_eof at the end of the stream.
// `consumed` adds up what the parser used, as Beast's bytes_transferred does.
template <class Done>
beast::error_code drive(http::request_parser<http::string_body>& parser, beast::flat_buffer& buffer,
                        Connection& connection, Done done, std::size_t& consumed) {
  while (!done()) {
    beast::error_code ec;
    bool need_read = buffer.size() == 0;
    if (!need_read) {
      const std::size_t used = parser.put(buffer.data(), ec);
      buffer.consume(used);
      consumed += used;
      if (ec == http::error::need_more || (!ec && used == 0)) {
        need_read = true;
      } else if (ec) {
        return ec;
      }
    }
    if (need_read && !connection.read_some(buffer)) {
      if (!parser.got_some()) return http::error::end_of_stream;
      beast::error_code eof_ec;
      parser.put_eof(eof_ec);
      if (eof_ec) return eof_ec;
      if (!done()) return http::error::partial_message;
    }
  }
  return {};
}

Step read_request(beast::flat_buffer& buffer, Connection& connection) {
  Step step;
  http::request_parser<http::string_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(kOptions.max_header_bytes));
  parser.body_limit(kOptions.max_body_bytes);
  parser.eager(false);
  std::size_t header_bytes = 0;
  const auto header_ec = drive(
      parser, buffer, connection, [&] { return parser.is_header_done(); }, header_bytes);
  if (header_ec) {
    if (header_ec == http::error::body_limit) {
      step.outcome = Outcome::body_too_large;
    } else if (header_ec == http::error::header_limit) {
      step.outcome = Outcome::header_too_large;
    } else if (header_ec != http::error::end_of_stream) {
      step.outcome = Outcome::bad_request;
    }
    return step;
  }
  if (header_bytes > kOptions.max_header_bytes) {
    step.outcome = Outcome::header_too_large;
    return step;
  }
  if (parser.content_length() && *parser.content_length() > kOptions.max_body_bytes) {
    step.outcome = Outcome::body_too_large;
    return step;
  }
  step.sent_continue = beast::iequals(parser.get()[http::field::expect], "100-continue");
  parser.eager(true);
  std::size_t body_bytes = 0;
  const auto body_ec = drive(
      parser, buffer, connection, [&] { return parser.is_done(); }, body_bytes);
  if (body_ec) {
    step.outcome = body_ec == http::error::body_limit ? Outcome::body_too_large : Outcome::closed;
    return step;
  }
  step.outcome = Outcome::request;
  step.request = parser.release();
  step.consumed = connection.offset() - buffer.size();
  return step;
}

// The server's loop over one connection: requests until one is not kept alive.
std::vector<Step> serve(std::string_view bytes, std::size_t chunk) {
  Connection connection(bytes, chunk);
  beast::flat_buffer buffer;
  std::vector<Step> steps;
  for (int i = 0; i < 16; ++i) {
    steps.push_back(read_request(buffer, connection));
    if (steps.back().outcome != Outcome::request || !steps.back().request.keep_alive()) break;
  }
  return steps;
}

std::string path_of(std::string_view target) { return std::string(target.substr(0, target.find('?'))); }

void check_api_error(const core::authz::ApiError& error) {
  if (error.status != 400 || (error.errcode != "M_NOT_JSON" && error.errcode != "M_BAD_JSON")) std::abort();
}

void route(const net::ServerRequest& request) {
  const std::string_view target(request.target().data(), request.target().size());
  const std::string path = path_of(target);
  if (path.find('?') != std::string::npos) std::abort();
  const std::string_view body = request.body();
  if (path == "/sfu/get") {
    if (auto parsed = core::authz::parse_sfu_get_request(body); !parsed) check_api_error(parsed.error());
  } else if (path == "/get_token") {
    if (auto parsed = core::authz::parse_get_token_request(body); !parsed) check_api_error(parsed.error());
  } else if (path == "/delegate_delayed_leave") {
    if (auto parsed = core::authz::parse_delegate_request(body); !parsed) check_api_error(parsed.error());
  } else if (path == "/sfu_webhook") {
    const auto header = request.find(http::field::authorization);
    std::string_view authorization;
    if (header != request.end()) authorization = std::string_view(header->value().data(), header->value().size());
    const core::livekit::VerifyOptions options{"APIfuzzkey", "fuzzsecret-with-at-least-32-bytes", 1'800'000'000};
    (void)core::livekit::verify_webhook(authorization, body, options);
    (void)core::delegation::parse_participant_webhook(body);
  }
}

bool same(const Step& a, const Step& b) {
  // Which answer a refused request gets (400 or 431) can depend on where
  // reads split an oversized header with a syntax error: Beast parses fields
  // as they come in its first put() and afterwards waits for the header's
  // end, so big reads find the bad field (400) and 1-byte reads hit the limit
  // first (431). Every refusal closes the connection, so only what reaches
  // the router must not depend on the split.
  if (a.outcome != Outcome::request && b.outcome != Outcome::request) return true;
  if (a.outcome != b.outcome || a.sent_continue != b.sent_continue) return false;
  if (a.outcome != Outcome::request) return true;
  return a.consumed == b.consumed && a.request.method_string() == b.request.method_string() &&
         a.request.target() == b.request.target() && a.request.version() == b.request.version() &&
         a.request.body() == b.request.body() && a.request.keep_alive() == b.request.keep_alive();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t chunk = 1 + static_cast<std::size_t>(data[0]) * 16;
  const std::string_view bytes(reinterpret_cast<const char*>(data + 1), size - 1);
  const auto steps = serve(bytes, chunk);
  for (const Step& step : steps) {
    if (step.outcome != Outcome::request) continue;
    // The limits held: the server never hands the router more than it allows.
    if (step.request.body().size() > kOptions.max_body_bytes) std::abort();
    if (step.request.target().empty()) std::abort();
    route(step.request);
  }
  // The same bytes in 4096-byte reads (the server's first read size): the
  // same requests reach the router.
  const auto whole = serve(bytes, 4096);
  if (whole.size() != steps.size()) std::abort();
  for (std::size_t i = 0; i < steps.size(); ++i) {
    if (!same(steps[i], whole[i])) std::abort();
  }
  return 0;
}
