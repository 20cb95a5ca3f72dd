#include "service/job_store.hpp"

#include <unistd.h>

#include <array>
#include <random>

#include "core/text.hpp"

namespace matrixrtc::service {

using core::cat;
using core::ErrorCode;
using core::fail;
using net::RedisReply;

namespace {

// Deletes the job only if it still holds the value the caller last saw.
constexpr std::string_view kRemoveIfUnchanged =
    "if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then return redis.call('HDEL', KEYS[1], ARGV[1]) end "
    "return 0";
// Takes a free lease, or extends our own.
constexpr std::string_view kClaim =
    "local holder = redis.call('GET', KEYS[1]) "
    "if holder == false then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end "
    "if holder == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end "
    "return 0";
constexpr std::string_view kRenew =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end "
    "return 0";
constexpr std::string_view kRelease =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end "
    "return 0";

std::string lease_key(std::string_view field) { return cat(kLeasePrefix, field); }

core::Result<std::int64_t> expect_integer(const RedisReply& reply, std::string_view what) {
  if (reply.type != RedisReply::Type::integer) {
    return fail(ErrorCode::bad_response, cat("Redis answered ", what, " with something other than an integer"));
  }
  return reply.integer;
}

}  // namespace

// ---- memory ----

boost::asio::awaitable<core::Result<void>> MemoryJobStore::save(std::string field, std::string value) {
  jobs_[std::move(field)] = std::move(value);
  co_return core::Result<void>{};
}

boost::asio::awaitable<core::Result<void>> MemoryJobStore::remove(std::string field, std::string expected_value) {
  if (auto found = jobs_.find(field); found != jobs_.end() && found->second == expected_value) jobs_.erase(found);
  co_return core::Result<void>{};
}

boost::asio::awaitable<core::Result<std::vector<std::pair<std::string, std::string>>>> MemoryJobStore::load_all() {
  std::vector<std::pair<std::string, std::string>> all(jobs_.begin(), jobs_.end());
  co_return all;
}

boost::asio::awaitable<core::Result<bool>> MemoryJobStore::claim(std::string /*field*/, bool /*take_over*/) {
  co_return true;
}

boost::asio::awaitable<core::Result<bool>> MemoryJobStore::renew(std::string /*field*/) { co_return true; }

boost::asio::awaitable<core::Result<void>> MemoryJobStore::release(std::string /*field*/) {
  co_return core::Result<void>{};
}

boost::asio::awaitable<core::Result<void>> MemoryJobStore::publish_webhook(std::string message) {
  const auto handlers = handlers_;  // a handler may add another
  for (const auto& handler : handlers) handler(message);
  co_return core::Result<void>{};
}

void MemoryJobStore::on_webhook(std::function<void(std::string_view message)> handler) {
  handlers_.push_back(std::move(handler));
}

// ---- Redis ----

RedisJobStore::RedisJobStore(net::RedisClient& client, std::string instance_id, std::chrono::milliseconds lease_ttl)
    : client_(client), instance_id_(std::move(instance_id)), lease_ttl_(lease_ttl) {}

// One command; an error reply becomes a failure (bad_response) naming the command.
boost::asio::awaitable<core::Result<RedisReply>> RedisJobStore::run(std::vector<std::string> args) {
  std::string name = args.empty() ? std::string() : args.front();
  auto reply = co_await client_.command(std::move(args));
  if (!reply) co_return std::unexpected(reply.error());
  if (reply->type == RedisReply::Type::error) {
    co_return fail(ErrorCode::bad_response, cat("Redis refused ", name, ": ", reply->text));
  }
  co_return reply;
}

boost::asio::awaitable<core::Result<void>> RedisJobStore::save(std::string field, std::string value) {
  std::vector<std::string> args{"HSET", std::string(kJobsKey), std::move(field), std::move(value)};
  auto reply = co_await run(std::move(args));
  if (!reply) co_return std::unexpected(reply.error());
  co_return core::Result<void>{};
}

boost::asio::awaitable<core::Result<void>> RedisJobStore::remove(std::string field, std::string expected_value) {
  std::vector<std::string> args{"EVAL",           std::string(kRemoveIfUnchanged), "1", std::string(kJobsKey),
                                std::move(field), std::move(expected_value)};
  auto reply = co_await run(std::move(args));
  if (!reply) co_return std::unexpected(reply.error());
  co_return core::Result<void>{};
}

boost::asio::awaitable<core::Result<std::vector<std::pair<std::string, std::string>>>> RedisJobStore::load_all() {
  std::vector<std::string> args{"HGETALL", std::string(kJobsKey)};
  auto reply = co_await run(std::move(args));
  if (!reply) co_return std::unexpected(reply.error());
  if (reply->type != RedisReply::Type::array || reply->elements.size() % 2 != 0) {
    co_return fail(ErrorCode::bad_response, "Redis answered HGETALL with something other than pairs");
  }
  std::vector<std::pair<std::string, std::string>> all;
  all.reserve(reply->elements.size() / 2);
  for (std::size_t i = 0; i < reply->elements.size(); i += 2) {
    all.emplace_back(std::move(reply->elements[i].text), std::move(reply->elements[i + 1].text));
  }
  co_return all;
}

boost::asio::awaitable<core::Result<bool>> RedisJobStore::claim(std::string field, bool take_over) {
  const std::string ttl = std::to_string(lease_ttl_.count());
  if (take_over) {
    std::vector<std::string> args{"SET", lease_key(field), instance_id_, "PX", ttl};
    auto reply = co_await run(std::move(args));
    if (!reply) co_return std::unexpected(reply.error());
    co_return true;
  }
  std::vector<std::string> args{"EVAL", std::string(kClaim), "1", lease_key(field), instance_id_, ttl};
  auto reply = co_await run(std::move(args));
  if (!reply) co_return std::unexpected(reply.error());
  auto value = expect_integer(*reply, "a lease claim");
  if (!value) co_return std::unexpected(value.error());
  co_return *value == 1;
}

boost::asio::awaitable<core::Result<bool>> RedisJobStore::renew(std::string field) {
  std::vector<std::string> args{"EVAL",           std::string(kRenew), "1",
                                lease_key(field), instance_id_,        std::to_string(lease_ttl_.count())};
  auto reply = co_await run(std::move(args));
  if (!reply) co_return std::unexpected(reply.error());
  auto value = expect_integer(*reply, "a lease renewal");
  if (!value) co_return std::unexpected(value.error());
  co_return *value == 1;
}

boost::asio::awaitable<core::Result<void>> RedisJobStore::release(std::string field) {
  std::vector<std::string> args{"EVAL", std::string(kRelease), "1", lease_key(field), instance_id_};
  auto reply = co_await run(std::move(args));
  if (!reply) co_return std::unexpected(reply.error());
  co_return core::Result<void>{};
}

boost::asio::awaitable<core::Result<void>> RedisJobStore::publish_webhook(std::string message) {
  std::vector<std::string> args{"PUBLISH", std::string(kWebhookChannel), std::move(message)};
  auto reply = co_await run(std::move(args));
  if (!reply) co_return std::unexpected(reply.error());
  co_return core::Result<void>{};
}

void RedisJobStore::on_webhook(std::function<void(std::string_view message)> handler) {
  client_.subscribe(std::string(kWebhookChannel), std::move(handler));
}

std::string make_instance_id() {
  std::array<char, 256> host{};
  if (::gethostname(host.data(), host.size() - 1) != 0 || host[0] == '\0') {
    host = {};
    host[0] = 'h';
  }
  std::random_device device;
  const std::uint64_t bits = (std::uint64_t{device()} << 32) ^ std::uint64_t{device()};
  static constexpr std::string_view kDigits = "0123456789abcdef";
  std::string hex(16, '0');
  for (std::size_t i = 0; i < 16; ++i) hex[15 - i] = kDigits[(bits >> (4 * i)) & 0xF];
  return cat(std::string_view(host.data()), '-', static_cast<long long>(::getpid()), '-', hex);
}

}  // namespace matrixrtc::service
