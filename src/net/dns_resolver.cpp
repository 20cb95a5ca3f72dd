#include "net/dns_resolver.hpp"

#include <ares.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstring>
#include <map>
#include <mutex>
#include <optional>

#include "core/text.hpp"
#include "net/srv_answer.hpp"

namespace matrixrtc::net {

using core::cat;
using core::ErrorCode;
using core::fail;

namespace {

void initialise_library_once() {
  static std::once_flag once;
  std::call_once(once, [] { ares_library_init(ARES_LIB_INIT_ALL); });
}

// One outstanding query: the c-ares callback stores the answer and wakes the
// coroutine by cancelling a timer that never expires on its own.
template <class T>
struct Query {
  explicit Query(const asio::any_io_executor& executor) : wake(executor, asio::steady_timer::time_point::max()) {}
  asio::steady_timer wake;
  std::optional<core::Result<T>> result;
  void finish(core::Result<T> value) {
    result = std::move(value);
    wake.cancel();
  }
};

}  // namespace

struct DnsResolver::Impl : std::enable_shared_from_this<Impl> {
  // A socket c-ares opened, watched for readiness without taking ownership.
  struct Watch {
    Watch(const asio::any_io_executor& ex, ares_socket_t socket) : descriptor(ex, socket), fd(socket) {}
    asio::posix::stream_descriptor descriptor;
    ares_socket_t fd;
    bool want_read = false;
    bool want_write = false;
    bool reading = false;
    bool writing = false;
    bool closed = false;
  };

  explicit Impl(asio::any_io_executor ex) : executor(std::move(ex)), timer(executor) {}

  ~Impl() {
    if (channel != nullptr) ares_destroy(channel);  // fails pending queries, closes sockets
    for (auto& [fd, watch] : watches) release(*watch);
  }

  static void release(Watch& watch) {
    watch.closed = true;
    boost::system::error_code ignored;
    watch.descriptor.cancel(ignored);
    (void)watch.descriptor.release();  // c-ares closes the socket itself
  }

  static void on_socket_state(void* data, ares_socket_t fd, int readable, int writable) {
    static_cast<Impl*>(data)->socket_state(fd, readable != 0, writable != 0);
  }

  void socket_state(ares_socket_t fd, bool readable, bool writable) {
    auto found = watches.find(fd);
    if (!readable && !writable) {
      if (found != watches.end()) {
        release(*found->second);
        watches.erase(found);
      }
      return;
    }
    if (found == watches.end()) found = watches.emplace(fd, std::make_shared<Watch>(executor, fd)).first;
    const std::shared_ptr<Watch>& watch = found->second;
    watch->want_read = readable;
    watch->want_write = writable;
    arm(watch);
  }

  void arm(const std::shared_ptr<Watch>& watch) {
    if (watch->closed) return;
    std::weak_ptr<Impl> self = weak_from_this();
    if (watch->want_read && !watch->reading) {
      watch->reading = true;
      watch->descriptor.async_wait(asio::posix::descriptor_base::wait_read,
                                   [self, watch](const boost::system::error_code& ec) {
                                     watch->reading = false;
                                     auto impl = self.lock();
                                     if (ec || watch->closed || !impl) return;
                                     ares_process_fd(impl->channel, watch->fd, ARES_SOCKET_BAD);
                                     impl->arm(watch);
                                     impl->schedule_timeout();
                                   });
    }
    if (watch->want_write && !watch->writing) {
      watch->writing = true;
      watch->descriptor.async_wait(asio::posix::descriptor_base::wait_write,
                                   [self, watch](const boost::system::error_code& ec) {
                                     watch->writing = false;
                                     auto impl = self.lock();
                                     if (ec || watch->closed || !impl) return;
                                     ares_process_fd(impl->channel, ARES_SOCKET_BAD, watch->fd);
                                     impl->arm(watch);
                                     impl->schedule_timeout();
                                   });
    }
  }

  // c-ares retries and gives up on its own clock; we only have to call it
  // back when its next deadline passes.
  void schedule_timeout() {
    timeval tv{};
    if (ares_timeout(channel, nullptr, &tv) == nullptr) {
      timer.cancel();
      return;
    }
    const auto delay = std::chrono::seconds(tv.tv_sec) + std::chrono::microseconds(tv.tv_usec);
    timer.expires_after(std::chrono::duration_cast<asio::steady_timer::duration>(delay));
    std::weak_ptr<Impl> self = weak_from_this();
    timer.async_wait([self](const boost::system::error_code& ec) {
      auto impl = self.lock();
      if (ec || !impl) return;
      ares_process_fd(impl->channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
      impl->schedule_timeout();
    });
  }

  asio::any_io_executor executor;
  asio::steady_timer timer;
  ares_channel channel = nullptr;
  std::map<ares_socket_t, std::shared_ptr<Watch>> watches;
};

DnsResolver::DnsResolver(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
DnsResolver::~DnsResolver() = default;

core::Result<std::unique_ptr<DnsResolver>> DnsResolver::create(asio::any_io_executor executor,
                                                               DnsResolverOptions options) {
  initialise_library_once();
  auto impl = std::make_shared<Impl>(std::move(executor));
  ares_options ares{};
  ares.sock_state_cb = &Impl::on_socket_state;
  ares.sock_state_cb_data = impl.get();
  ares.timeout = static_cast<int>(options.timeout.count());
  ares.tries = options.tries;
  const int mask = ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES;
  if (const int status = ares_init_options(&impl->channel, &ares, mask); status != ARES_SUCCESS) {
    impl->channel = nullptr;
    return fail(ErrorCode::dns_failure, cat("cannot start the DNS resolver: ", ares_strerror(status)));
  }
  if (!options.servers.empty()) {
    if (const int status = ares_set_servers_ports_csv(impl->channel, options.servers.c_str()); status != ARES_SUCCESS) {
      return fail(ErrorCode::dns_failure,
                  cat("invalid DNS server list \"", options.servers, "\": ", ares_strerror(status)));
    }
  }
  return std::unique_ptr<DnsResolver>(new DnsResolver(std::move(impl)));
}

asio::awaitable<core::Result<std::vector<SrvRecord>>> DnsResolver::lookup_srv(std::string name) {
  using Answer = std::vector<SrvRecord>;
  auto query = std::make_shared<Query<Answer>>(impl_->executor);
  // c-ares owns one reference until it calls back (it always does, even on shutdown).
  auto* handle = new std::shared_ptr<Query<Answer>>(query);
  ares_query(
      impl_->channel, name.c_str(), 1 /* C_IN */, 33 /* T_SRV */,
      [](void* arg, int status, int /*timeouts*/, unsigned char* abuf, int alen) {
        std::unique_ptr<std::shared_ptr<Query<Answer>>> owner(static_cast<std::shared_ptr<Query<Answer>>*>(arg));
        Query<Answer>& q = **owner;
        if (status == ARES_ENOTFOUND || status == ARES_ENODATA) return q.finish(Answer{});
        if (status != ARES_SUCCESS) {
          return q.finish(std::unexpected(core::Error(ErrorCode::dns_failure, ares_strerror(status))));
        }
        q.finish(parse_srv_answer(abuf, alen));
      },
      handle);
  impl_->schedule_timeout();
  if (!query->result) {
    boost::system::error_code ec;
    co_await query->wake.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  if (!query->result) co_return fail(ErrorCode::timed_out, cat("SRV lookup for ", name, " was cancelled"));
  if (!query->result->has_value()) {
    co_return fail(ErrorCode::dns_failure, cat("SRV lookup for ", name, " failed: ", query->result->error().message));
  }
  co_return std::move(*query->result);
}

asio::awaitable<core::Result<std::vector<asio::ip::address>>> DnsResolver::lookup_addresses(std::string host) {
  using Answer = std::vector<asio::ip::address>;
  boost::system::error_code literal_error;
  if (auto literal = asio::ip::make_address(host, literal_error); !literal_error) co_return Answer{literal};

  auto query = std::make_shared<Query<Answer>>(impl_->executor);
  auto* handle = new std::shared_ptr<Query<Answer>>(query);
  ares_addrinfo_hints hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = ARES_AI_NOSORT;  // sorting would open probe sockets to every address
  ares_getaddrinfo(
      impl_->channel, host.c_str(), nullptr, &hints,
      [](void* arg, int status, int /*timeouts*/, ares_addrinfo* info) {
        std::unique_ptr<std::shared_ptr<Query<Answer>>> owner(static_cast<std::shared_ptr<Query<Answer>>*>(arg));
        Query<Answer>& q = **owner;
        if (status != ARES_SUCCESS) {
          if (info != nullptr) ares_freeaddrinfo(info);
          return q.finish(std::unexpected(core::Error(ErrorCode::dns_failure, ares_strerror(status))));
        }
        Answer answer;
        for (const ares_addrinfo_node* node = info->nodes; node != nullptr; node = node->ai_next) {
          if (node->ai_family == AF_INET) {
            sockaddr_in address{};
            std::memcpy(&address, node->ai_addr, sizeof address);
            asio::ip::address_v4::bytes_type bytes{};
            std::memcpy(bytes.data(), &address.sin_addr, bytes.size());
            answer.emplace_back(asio::ip::address_v4(bytes));
          } else if (node->ai_family == AF_INET6) {
            sockaddr_in6 address{};
            std::memcpy(&address, node->ai_addr, sizeof address);
            asio::ip::address_v6::bytes_type bytes{};
            std::memcpy(bytes.data(), &address.sin6_addr, bytes.size());
            answer.emplace_back(asio::ip::address_v6(bytes, address.sin6_scope_id));
          }
        }
        ares_freeaddrinfo(info);
        q.finish(std::move(answer));
      },
      handle);
  impl_->schedule_timeout();
  if (!query->result) {
    boost::system::error_code ec;
    co_await query->wake.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  if (!query->result) co_return fail(ErrorCode::timed_out, cat("address lookup for ", host, " was cancelled"));
  if (!query->result->has_value()) {
    co_return fail(ErrorCode::dns_failure,
                   cat("address lookup for ", host, " failed: ", query->result->error().message));
  }
  if (query->result->value().empty()) co_return fail(ErrorCode::dns_failure, cat("no address for ", host));
  co_return std::move(*query->result);
}

}  // namespace matrixrtc::net
