#include <algorithm>
#include <cctype>
#include <optional>
#include <string>

#include "core/text.hpp"
#include "net/redis_client.hpp"

namespace matrixrtc::net {

using core::cat;
using core::ErrorCode;
using core::fail;

namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(text[i]);
      continue;
    }
    if (i + 2 >= text.size()) return std::nullopt;
    const int high = hex_value(text[i + 1]);
    const int low = hex_value(text[i + 2]);
    if (high < 0 || low < 0) return std::nullopt;
    out.push_back(static_cast<char>(high * 16 + low));
    i += 2;
  }
  return out;
}

bool all_digits(std::string_view text) {
  return !text.empty() && std::ranges::all_of(text, [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

core::Result<RedisEndpoint> parse_redis_url(std::string_view url) {
  const auto bad = [](std::string_view why) {
    return fail(ErrorCode::invalid_argument, cat("invalid Redis URL: ", why));
  };
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return bad("expected redis://[[user]:password@]host[:port][/db]");
  const std::string scheme = lower(url.substr(0, scheme_end));
  if (scheme == "rediss") {
    return fail(ErrorCode::invalid_argument,
                "invalid Redis URL: rediss:// (Redis over TLS) is not supported; use redis://");
  }
  if (scheme != "redis") return bad(cat("unsupported scheme \"", scheme, "\"; expected redis://"));
  std::string_view rest = url.substr(scheme_end + 3);
  if (rest.find_first_of("?#") != std::string_view::npos) return bad("query and fragment are not supported");

  RedisEndpoint endpoint;
  const auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  const std::string_view path = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
    const std::string_view userinfo = authority.substr(0, at);
    authority = authority.substr(at + 1);
    const auto colon = userinfo.find(':');
    auto user = percent_decode(userinfo.substr(0, colon));
    std::optional<std::string> password = std::string();
    if (colon != std::string_view::npos) password = percent_decode(userinfo.substr(colon + 1));
    if (!user || !password) return bad("bad percent-encoding in the user or password");
    endpoint.username = std::move(*user);
    endpoint.password = std::move(*password);
  }

  std::string_view host = authority;
  std::string_view port;
  bool has_port = false;
  if (authority.starts_with('[')) {
    const auto bracket = authority.find(']');
    if (bracket == std::string_view::npos) return bad("unterminated [ in the host");
    host = authority.substr(1, bracket - 1);
    const std::string_view after = authority.substr(bracket + 1);
    if (!after.empty()) {
      if (after.front() != ':') return bad("unexpected text after the bracketed host");
      port = after.substr(1);
      has_port = true;
    }
  } else if (const auto colon = authority.find(':'); colon != std::string_view::npos) {
    if (authority.find(':', colon + 1) != std::string_view::npos)
      return bad("put an IPv6 host in brackets, e.g. [::1]");
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
    has_port = true;
  }
  if (host.empty()) return bad("no host");
  if (std::ranges::any_of(host, [](char c) { return static_cast<unsigned char>(c) <= ' ' || c == '%' || c == '@'; })) {
    return bad("the host contains characters a host name cannot have");
  }
  endpoint.host = std::string(host);
  if (has_port) {
    if (!all_digits(port) || port.size() > 5) return bad("the port must be a number from 1 to 65535");
    const int number = std::stoi(std::string(port));
    if (number < 1 || number > 65535) return bad("the port must be a number from 1 to 65535");
    endpoint.port = static_cast<std::uint16_t>(number);
  }
  if (!path.empty()) {
    if (!all_digits(path) || path.size() > 9) return bad("the database must be a number, e.g. /0");
    endpoint.database = std::stoi(std::string(path));
  }
  return endpoint;
}

}  // namespace matrixrtc::net
