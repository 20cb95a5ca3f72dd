#include "service/federation_userinfo_client.hpp"

#include <boost/url/parse.hpp>

#include "core/json/strict_parser.hpp"
#include "core/text.hpp"
#include "service/outbound_policy.hpp"

namespace matrixrtc::service {

using core::cat;

std::string url_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if ((byte >= 'A' && byte <= 'Z') || (byte >= 'a' && byte <= 'z') || (byte >= '0' && byte <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 0xF];
    }
  }
  return out;
}

core::Result<UrlTarget> target_from_url(std::string_view url) {
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed) return core::fail(core::ErrorCode::invalid_argument, cat("invalid URL \"", url, "\""));
  const std::string scheme = std::string(parsed->scheme());
  if (scheme != "https" && scheme != "http") {
    return core::fail(core::ErrorCode::invalid_argument, cat("URL \"", url, "\" is not http(s)"));
  }
  UrlTarget out;
  out.target.tls = scheme == "https";
  out.target.host = std::string(parsed->encoded_host());
  if (parsed->host_type() == boost::urls::host_type::ipv6) {
    out.target.host = std::string(parsed->host_ipv6_address().to_string());
  }
  if (out.target.host.empty())
    return core::fail(core::ErrorCode::invalid_argument, cat("URL \"", url, "\" has no host"));
  out.target.port = parsed->has_port() ? parsed->port_number() : static_cast<std::uint16_t>(out.target.tls ? 443 : 80);
  out.target.tls_server_name = out.target.host;
  out.target.host_header = std::string(parsed->encoded_host_and_port());
  out.path_prefix = std::string(parsed->encoded_path());
  while (!out.path_prefix.empty() && out.path_prefix.back() == '/') out.path_prefix.pop_back();
  return out;
}

core::Result<std::string> parse_userinfo(unsigned status, std::string_view body) {
  if (status != 200) return core::fail(core::ErrorCode::bad_response, cat("homeserver answered HTTP ", status));
  auto object = core::json::parse_strict_object(body);
  if (!object) return core::fail(core::ErrorCode::bad_response, cat("userinfo is not JSON: ", object.error().message));
  const auto* sub = object->if_contains("sub");
  if (sub == nullptr || !sub->is_string()) {
    return core::fail(core::ErrorCode::bad_response, "userinfo has no string \"sub\"");
  }
  return std::string(sub->get_string());
}

boost::asio::awaitable<core::Result<std::string>> FederationUserInfoClient::lookup_user(std::string server_name,
                                                                                        std::string access_token) {
  const auto started = std::chrono::steady_clock::now();
  unsigned answered_status = 0;
  auto sub = co_await lookup(std::move(server_name), std::move(access_token), answered_status);
  if (metrics_ != nullptr) {
    std::optional<LookupFailure> failure;
    if (!sub) {
      failure = lookup_failure_of(sub.error().code);
      if (answered_status != 0 && answered_status != 200) failure = LookupFailure::http_status;
    }
    metrics_->count_lookup(std::chrono::steady_clock::now() - started, failure);
  }
  co_return sub;
}

boost::asio::awaitable<core::Result<std::string>> FederationUserInfoClient::lookup(std::string server_name,
                                                                                   std::string access_token,
                                                                                   unsigned& answered_status) {
  std::vector<net::HttpTarget> targets;
  std::string prefix;
  // The SSRF guard: discovery (well-known and its redirects) and every
  // userinfo request for this server go through the same filter. An override
  // URL is the admin's own configuration and is not filtered.
  net::AddressFilter address_filter = address_filter_for(server_name, config_);
  if (const auto it = config_.federation_url_overrides.find(server_name);
      it != config_.federation_url_overrides.end()) {
    auto target = target_from_url(it->second);
    if (!target) co_return std::unexpected(std::move(target.error()));
    targets.push_back(std::move(target->target));
    prefix = std::move(target->path_prefix);
    address_filter = nullptr;
  } else {
    auto resolved = co_await resolver_.resolve(server_name, address_filter);
    if (!resolved) co_return std::unexpected(std::move(resolved.error()));
    targets = std::move(*resolved);
  }
  core::Error last(core::ErrorCode::connect_failed, cat("no federation address found for ", server_name));
  for (auto& target : targets) {
    net::HttpRequest request;
    request.method = boost::beast::http::verb::get;
    request.target = cat(prefix, "/_matrix/federation/v1/openid/userinfo?access_token=", url_encode(access_token));
    request.headers.emplace_back("Accept", "application/json");
    net::RequestOptions options;
    options.total_timeout = std::chrono::seconds(config_.homeserver_timeout_seconds);
    options.max_response_bytes = 64 * 1024;  // a userinfo answer is a few dozen bytes
    options.address_filter = address_filter;
    auto response = co_await http_.request(std::move(target), std::move(request), options);
    if (!response) {
      last = std::move(response.error());  // transport failure: try the next target
      continue;
    }
    answered_status = response->status;
    co_return parse_userinfo(response->status, response->body);
  }
  resolver_.invalidate(server_name);  // every target failed: discover afresh next time
  co_return std::unexpected(std::move(last));
}

}  // namespace matrixrtc::service
