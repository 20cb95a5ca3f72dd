#include "net/http_client.hpp"

#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/socket.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url/parse.hpp>
#include <cerrno>
#include <list>

#include "core/net_policy/address_policy.hpp"
#include "core/text.hpp"
#include "net/connection_slots.hpp"

namespace matrixrtc::net {

namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using asio::ip::tcp;
using core::cat;
using core::ErrorCode;
using core::fail;
using Clock = std::chrono::steady_clock;
using namespace asio::experimental::awaitable_operators;

namespace {

constexpr std::size_t kMaxHeaderBytes = 64 * 1024;

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::ranges::equal(a, b, [](char x, char y) { return lower(x) == lower(y); });
}

bool is_ip_literal(const std::string& host) {
  boost::system::error_code ec;
  (void)asio::ip::make_address(host, ec);
  return !ec;
}

std::string bracketed(const std::string& host) {
  return host.find(':') != std::string::npos ? cat('[', host, ']') : host;
}

std::uint16_t default_port(bool tls) { return tls ? 443 : 80; }

// "GET https://host:port/path" for messages: never the query string, which
// may carry an access token.
std::string describe(const HttpTarget& target, http::verb method, std::string_view path) {
  path = path.substr(0, path.find('?'));
  return cat(std::string_view(http::to_string(method)), ' ', target.tls ? "https://" : "http://",
             bracketed(target.host), ':', target.port, path);
}

bool is_redirect(unsigned status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

bool is_idempotent(http::verb method) {
  return method == http::verb::get || method == http::verb::head || method == http::verb::put ||
         method == http::verb::delete_ || method == http::verb::options;
}

struct PoolKey {
  bool tls = true;
  std::string host;
  std::uint16_t port = 0;
  std::string tls_server_name;
  friend bool operator==(const PoolKey&, const PoolKey&) = default;
};

struct Connection {
  // First member, so destroyed last: the slot is free once the socket is closed.
  std::unique_ptr<ConnectionSlots::Slot> slot;
  PoolKey key;
  std::string slot_key;
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> tls;
  std::unique_ptr<beast::tcp_stream> plain;
  beast::flat_buffer buffer;
  Clock::time_point idle_since;
  asio::ip::address peer;  ///< the address actually connected to

  beast::tcp_stream& lowest() { return tls ? beast::get_lowest_layer(*tls) : *plain; }

  // A kept-alive connection the peer has closed (or written to unasked) reads
  // as ready; such a connection is useless.
  bool looks_alive() {
    char byte = 0;
    const auto received = ::recv(lowest().socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return received < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  }
};

struct Exchange {
  boost::system::error_code ec;
  const char* phase = "";
  bool received_any = false;
  bool reusable = false;
  http::response<http::string_body> response;
};

template <class Stream>
asio::awaitable<Exchange> exchange(Stream& stream, beast::flat_buffer& buffer,
                                   const http::request<http::string_body>& request, std::size_t limit) {
  Exchange out;
  co_await http::async_write(stream, request, asio::redirect_error(asio::use_awaitable, out.ec));
  if (out.ec) {
    out.phase = "sending the request";
    co_return out;
  }
  http::response_parser<http::string_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(std::min(limit, kMaxHeaderBytes)));
  parser.body_limit(limit);
  if (request.method() == http::verb::head) parser.skip(true);
  co_await http::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, out.ec));
  out.received_any = parser.got_some();
  if (out.ec) {
    out.phase = "reading the response";
    co_return out;
  }
  out.response = parser.release();
  out.reusable = out.response.keep_alive() && buffer.size() == 0;
  co_return out;
}

core::Error exchange_error(const Exchange& failed, const std::string& what) {
  const auto& ec = failed.ec;
  if (ec == beast::error::timeout) return core::Error(ErrorCode::timed_out, cat(what, ": timed out ", failed.phase));
  if (ec == http::error::body_limit || ec == http::error::header_limit || ec == http::error::buffer_overflow) {
    return core::Error(ErrorCode::response_too_large, cat(what, ": the response is larger than the limit"));
  }
  if (ec.category() == asio::error::get_ssl_category() || ec == ssl::error::stream_truncated) {
    return core::Error(ErrorCode::tls_failure, cat(what, ": TLS error ", failed.phase, ": ", ec.message()));
  }
  if (ec == http::error::end_of_stream || ec == http::error::partial_message || ec == asio::error::eof ||
      ec == asio::error::connection_reset) {
    return core::Error(ErrorCode::bad_response, cat(what, ": the connection closed ", failed.phase));
  }
  if (ec.category() == http::make_error_code(http::error::bad_version).category()) {
    return core::Error(ErrorCode::bad_response, cat(what, ": invalid HTTP response: ", ec.message()));
  }
  return core::Error(ErrorCode::bad_response, cat(what, ": failed ", failed.phase, ": ", ec.message()));
}

}  // namespace

std::optional<std::string_view> HttpResponse::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (iequals(key, name)) return value;
  }
  return std::nullopt;
}

struct HttpClient::Impl {
  Impl(asio::any_io_executor ex, DnsResolver& dns_resolver, HttpClientOptions opts)
      : executor(std::move(ex)),
        dns(dns_resolver),
        options(std::move(opts)),
        context(ssl::context::tls_client),
        slots(executor, options.max_connections_per_target) {}

  asio::any_io_executor executor;
  DnsResolver& dns;
  HttpClientOptions options;
  ssl::context context;
  ConnectionSlots slots;                        // before `idle`: outlives the connections it counts
  std::list<std::unique_ptr<Connection>> idle;  // most recently used first

  // Closes the least recently used idle connection to `key`, if any: one the
  // current request could not use (its address filter refused the peer), so
  // that its slot can serve the request instead.
  bool close_one_idle(const PoolKey& key) {
    for (auto it = idle.rbegin(); it != idle.rend(); ++it) {
      if ((*it)->key == key) {
        idle.erase(std::next(it).base());
        return true;
      }
    }
    return false;
  }

  // A connection made without a filter (or with another one) may be to an
  // address this request's filter refuses: such connections stay pooled.
  std::unique_ptr<Connection> take_idle(const PoolKey& key, const AddressFilter& filter) {
    const auto now = Clock::now();
    for (auto it = idle.begin(); it != idle.end();) {
      if (now - (*it)->idle_since > options.idle_timeout) {
        it = idle.erase(it);
      } else if ((*it)->key == key && (!filter || filter((*it)->peer))) {
        auto connection = std::move(*it);
        idle.erase(it);
        if (connection->looks_alive()) return connection;
        it = idle.begin();  // restart: erase invalidated nothing else, but keep it simple
      } else {
        ++it;
      }
    }
    return nullptr;
  }

  void give_back(std::unique_ptr<Connection> connection) {
    if (options.max_idle_connections == 0 || options.max_idle_per_target == 0) return;
    connection->lowest().expires_never();
    connection->idle_since = Clock::now();
    std::size_t same = 0;
    for (auto it = idle.begin(); it != idle.end();) {
      if ((*it)->key == connection->key && ++same >= options.max_idle_per_target) {
        it = idle.erase(it);
      } else {
        ++it;
      }
    }
    const std::string slot_key = connection->slot_key;
    idle.push_front(std::move(connection));
    while (idle.size() > options.max_idle_connections) idle.pop_back();
    slots.wake_one(slot_key);  // a request waiting for this target can have it
  }

  asio::awaitable<core::Result<std::unique_ptr<Connection>>> connect(const HttpTarget& target, const PoolKey& key,
                                                                     const std::string& what,
                                                                     const AddressFilter& filter,
                                                                     Clock::time_point deadline) {
    // The lookup counts against the connect deadline like the TCP handshake.
    asio::steady_timer lookup_deadline(executor, std::min(deadline, Clock::now() + options.connect_timeout));
    auto raced =
        co_await (dns.lookup_addresses(target.host) || lookup_deadline.async_wait(asio::as_tuple(asio::use_awaitable)));
    if (raced.index() == 1) co_return fail(ErrorCode::timed_out, cat(what, ": name lookup timed out"));
    auto& addresses = std::get<0>(raced);
    if (!addresses) co_return fail(addresses.error().code, cat(what, ": ", addresses.error().message));
    // The SSRF guard checks exactly the addresses handed to the connect
    // below, so no second lookup can answer differently (DNS rebinding).
    std::vector<tcp::endpoint> endpoints;
    std::string refused;
    for (const auto& address : *addresses) {
      if (filter) {
        if (auto allowed = filter(address); !allowed) {
          if (refused.empty()) refused = allowed.error().message;
          continue;
        }
      }
      endpoints.emplace_back(address, target.port);
    }
    if (endpoints.empty()) {
      co_return fail(ErrorCode::address_refused, cat(what, ": refused to connect: ", refused));
    }

    auto connection = std::make_unique<Connection>();
    connection->key = key;
    if (target.tls) {
      connection->tls = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(executor, context);
    } else {
      connection->plain = std::make_unique<beast::tcp_stream>(executor);
    }
    beast::tcp_stream& stream = connection->lowest();
    const auto connect_deadline = std::min(deadline, Clock::now() + options.connect_timeout);
    stream.expires_at(connect_deadline);
    boost::system::error_code ec;
    co_await stream.async_connect(endpoints, asio::redirect_error(asio::use_awaitable, ec));
    if (ec == beast::error::timeout) co_return fail(ErrorCode::timed_out, cat(what, ": connecting timed out"));
    if (ec) co_return fail(ErrorCode::connect_failed, cat(what, ": cannot connect: ", ec.message()));
    connection->peer = stream.socket().remote_endpoint(ec).address();
    if (ec) co_return fail(ErrorCode::connect_failed, cat(what, ": cannot connect: ", ec.message()));
    if (filter) {  // belt and braces: the peer we actually reached
      if (auto allowed = filter(connection->peer); !allowed) {
        co_return fail(ErrorCode::address_refused, cat(what, ": refused to connect: ", allowed.error().message));
      }
    }
    stream.socket().set_option(tcp::no_delay(true), ec);
    stream.expires_at(deadline);
    if (!target.tls) co_return connection;

    auto& tls = *connection->tls;
    const std::string& name = key.tls_server_name;
    if (!is_ip_literal(name)) {  // RFC 6066: no IP addresses in SNI
      SSL_ctrl(tls.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
               const_cast<char*>(name.c_str()));
    }
    if (options.verify_peer) {
      tls.set_verify_mode(ssl::verify_peer, ec);
      tls.set_verify_callback(ssl::host_name_verification(name), ec);
    } else {
      tls.set_verify_mode(ssl::verify_none, ec);  // the operator's explicit, logged choice
    }
    co_await tls.async_handshake(ssl::stream_base::client, asio::redirect_error(asio::use_awaitable, ec));
    if (ec == beast::error::timeout) co_return fail(ErrorCode::timed_out, cat(what, ": TLS handshake timed out"));
    if (ec) {
      const long verify = SSL_get_verify_result(tls.native_handle());
      if (verify != X509_V_OK) {
        co_return fail(ErrorCode::tls_failure, cat(what, ": certificate not valid for \"", name,
                                                   "\": ", X509_verify_cert_error_string(verify)));
      }
      co_return fail(ErrorCode::tls_failure, cat(what, ": TLS handshake failed: ", ec.message()));
    }
    co_return connection;
  }

  asio::awaitable<core::Result<HttpResponse>> exchange_once(const HttpTarget& target, const HttpRequest& request,
                                                            std::size_t limit, const AddressFilter& filter,
                                                            Clock::time_point deadline) {
    const PoolKey key{target.tls, target.host, target.port,
                      target.tls_server_name.empty() ? target.host : target.tls_server_name};
    const std::string what = describe(target, request.method, request.target);

    http::request<http::string_body> message{request.method, request.target, 11};
    message.set(http::field::host, target.host_header.empty() ? (target.port == default_port(target.tls)
                                                                     ? bracketed(target.host)
                                                                     : cat(bracketed(target.host), ':', target.port))
                                                              : target.host_header);
    message.set(http::field::user_agent, "matrixrtc");
    for (const auto& [name, value] : request.headers) message.set(name, value);
    if (!request.body.empty() || request.method == http::verb::post || request.method == http::verb::put) {
      message.body() = request.body;
      message.prepare_payload();
    }

    const std::string slot_key =
        cat(target.tls ? "https://" : "http://", bracketed(target.host), ':', target.port, '/', key.tls_server_name);
    for (int attempt = 0;; ++attempt) {
      std::unique_ptr<Connection> connection = attempt == 0 ? take_idle(key, filter) : nullptr;
      bool reused = connection != nullptr;
      std::unique_ptr<ConnectionSlots::Slot> slot;
      while (!connection && !slot) {
        slot = slots.try_take(slot_key);
        if (slot || close_one_idle(key)) continue;
        const bool woken = co_await slots.wait(slot_key, deadline);
        if (!woken) co_return fail(ErrorCode::timed_out, cat(what, ": timed out waiting for a free connection"));
        connection = take_idle(key, filter);
        reused = connection != nullptr;
      }
      if (!connection) {
        auto fresh = co_await connect(target, key, what, filter, deadline);
        if (!fresh) co_return std::unexpected(std::move(fresh).error());
        connection = std::move(*fresh);
        connection->slot = std::move(slot);
        connection->slot_key = slot_key;
      }
      connection->lowest().expires_at(deadline);
      // (No co_await inside ?: : GCC 12 miscompiles it.)
      Exchange result;
      if (connection->tls) {
        result = co_await exchange(*connection->tls, connection->buffer, message, limit);
      } else {
        result = co_await exchange(*connection->plain, connection->buffer, message, limit);
      }
      if (result.ec) {
        // The peer may have closed a kept-alive connection just as we sent;
        // nothing was answered, so an idempotent request can go again.
        if (reused && !result.received_any && result.ec != beast::error::timeout && is_idempotent(request.method)) {
          continue;
        }
        co_return std::unexpected(exchange_error(result, what));
      }
      HttpResponse response;
      response.status = result.response.result_int();
      for (const auto& field : result.response) {
        response.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
      }
      response.body = std::move(result.response.body());
      if (result.reusable) give_back(std::move(connection));
      co_return response;
    }
  }

  asio::awaitable<core::Result<HttpResponse>> perform(HttpTarget target, HttpRequest request,
                                                      const RequestOptions& request_options) {
    const auto deadline = Clock::now() + request_options.total_timeout.value_or(options.total_timeout);
    const std::size_t limit = request_options.max_response_bytes.value_or(options.max_response_bytes);
    // Every hop, redirects included, goes through the same filter, size
    // limit and overall deadline.
    for (unsigned redirects = 0;; ++redirects) {
      auto response = co_await exchange_once(target, request, limit, request_options.address_filter, deadline);
      if (!response || request_options.max_redirects == 0 || !is_redirect(response->status)) co_return response;
      const auto location = response->header("Location");
      if (!location) co_return response;
      const std::string what = describe(target, request.method, request.target);
      if (redirects >= request_options.max_redirects) {
        co_return fail(ErrorCode::bad_response, cat(what, ": more than ", request_options.max_redirects, " redirects"));
      }
      auto next = follow(target, *location, what);
      if (!next) co_return std::unexpected(std::move(next).error());
      target = std::move(next->first);
      request.target = std::move(next->second);
      if (response->status == 303 ||
          ((response->status == 301 || response->status == 302) && request.method == http::verb::post)) {
        if (request.method != http::verb::head) request.method = http::verb::get;
        request.body.clear();
      }
    }
  }

  static core::Result<std::pair<HttpTarget, std::string>> follow(const HttpTarget& from, std::string_view location,
                                                                 const std::string& what) {
    auto parsed = boost::urls::parse_uri_reference(location);
    if (!parsed) return fail(ErrorCode::bad_response, cat(what, ": redirect to an invalid location"));
    const auto& url = *parsed;
    std::string path = url.encoded_path().empty() ? std::string("/") : std::string(url.encoded_path());
    if (url.has_query()) path += cat('?', std::string_view(url.encoded_query()));
    if (!url.has_scheme()) {
      if (url.has_authority() || !path.starts_with('/')) {
        return fail(ErrorCode::bad_response, cat(what, ": unsupported redirect location"));
      }
      return std::pair{from, std::move(path)};
    }
    const std::string scheme(url.scheme());
    if (scheme != "https" && scheme != "http") {
      return fail(ErrorCode::bad_response, cat(what, ": redirect to a non-HTTP location"));
    }
    if (from.tls && scheme == "http") {
      return fail(ErrorCode::tls_failure, cat(what, ": refusing a redirect from https to http"));
    }
    std::string host(url.encoded_host());
    if (host.empty()) return fail(ErrorCode::bad_response, cat(what, ": redirect without a host"));
    HttpTarget next;
    next.tls = scheme == "https";
    next.port = url.has_port() ? url.port_number() : default_port(next.tls);
    if (next.port == 0) return fail(ErrorCode::bad_response, cat(what, ": redirect to port 0"));
    next.host_header = url.has_port() ? cat(host, ':', next.port) : host;
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    next.host = host;
    next.tls_server_name = host;
    return std::pair{std::move(next), std::move(path)};
  }
};

AddressFilter public_addresses_only() {
  return [](const asio::ip::address& address) -> core::Result<void> {
    namespace policy = core::net_policy;
    policy::AddressVerdict verdict;
    if (address.is_v4()) {
      verdict = policy::classify(policy::Ipv4Bytes(address.to_v4().to_bytes()));
    } else {
      verdict = policy::classify(policy::Ipv6Bytes(address.to_v6().to_bytes()));
    }
    if (verdict.is_public()) return {};
    return fail(ErrorCode::address_refused, cat(address.to_string(), " is ", verdict.reason));
  };
}

HttpClient::HttpClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpClient::~HttpClient() = default;

core::Result<std::unique_ptr<HttpClient>> HttpClient::create(asio::any_io_executor executor, DnsResolver& resolver,
                                                             HttpClientOptions options) {
  auto impl = std::make_unique<Impl>(std::move(executor), resolver, std::move(options));
  boost::system::error_code ec;
  SSL_CTX_set_min_proto_version(impl->context.native_handle(), TLS1_2_VERSION);
  // Idle pooled connections give their 2 x 16 KiB record buffers back to the
  // allocator: the pool keeps hundreds of them under load (BENCHMARKS.md, RSS).
  SSL_CTX_set_mode(impl->context.native_handle(), SSL_MODE_RELEASE_BUFFERS);
  if (impl->options.use_system_cas) {
    impl->context.set_default_verify_paths(ec);
    if (ec) return fail(ErrorCode::tls_failure, cat("cannot load the system CA store: ", ec.message()));
  }
  if (impl->options.extra_ca_file) {
    impl->context.load_verify_file(*impl->options.extra_ca_file, ec);
    if (ec) {
      return fail(ErrorCode::tls_failure,
                  cat("cannot load the CA file \"", *impl->options.extra_ca_file, "\": ", ec.message()));
    }
  }
  return std::unique_ptr<HttpClient>(new HttpClient(std::move(impl)));
}

asio::awaitable<core::Result<HttpResponse>> HttpClient::request(HttpTarget target, HttpRequest request,
                                                                RequestOptions options) {
  const std::string what = describe(target, request.method, request.target);
  try {
    co_return co_await impl_->perform(std::move(target), std::move(request), options);
  } catch (const std::exception& error) {
    co_return fail(ErrorCode::bad_response, cat(what, ": ", std::string_view(error.what())));
  }
}

std::size_t HttpClient::idle_connections() const { return impl_->idle.size(); }

void HttpClient::close_idle_connections() { impl_->idle.clear(); }

}  // namespace matrixrtc::net
