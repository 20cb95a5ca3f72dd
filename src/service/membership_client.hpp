// The membership check's HTTP side: asks the configured homeserver's
// client-server API (base URL from CsApiResolver: override or
// .well-known/matrix/client) whether a user is joined to a room, with the
// appservice token as Bearer. Tries MSC4502's stable is_joined, then the
// unstable one, then the user's m.room.member event (core/matrix/
// room_membership decides what each answer means), and remembers which form
// the server has so later checks make one request; the memory is shared by
// every shard and forgotten every ten minutes, so an upgraded server is
// noticed.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "core/matrix/room_membership.hpp"
#include "net/http_client.hpp"
#include "service/backends.hpp"
#include "service/config.hpp"
#include "service/cs_api_resolver.hpp"

namespace matrixrtc::service {

/// Which query form the homeserver answered last; process-wide, lock-free.
class MembershipForm {
 public:
  static constexpr std::int64_t kReprobeAfterMs = 10 * 60 * 1000;

  /// The form learned less than kReprobeAfterMs ago, if any.
  [[nodiscard]] std::optional<core::matrix::MembershipQuery> known(std::int64_t now_ms) const;
  void learn(core::matrix::MembershipQuery query, std::int64_t now_ms);

 private:
  std::atomic<int> form_{-1};  ///< -1: nothing learned yet
  std::atomic<std::int64_t> learned_ms_{0};
};

class MembershipClient : public MembershipChecker {
 public:
  MembershipClient(net::HttpClient& http, CsApiResolver& resolver, const Config& config, MembershipForm& form,
                   std::function<std::int64_t()> now_ms)
      : http_(http), resolver_(resolver), config_(config), form_(form), now_ms_(std::move(now_ms)) {}

  boost::asio::awaitable<core::Result<bool>> is_joined(std::string room_id, std::string user_id) override;

 private:
  struct Answer {
    core::matrix::MembershipAnswer meaning;
    unsigned status;
  };
  boost::asio::awaitable<core::Result<Answer>> ask(UrlTarget base, core::matrix::MembershipQuery query,
                                                   const std::string& room_id, const std::string& user_id);

  net::HttpClient& http_;
  CsApiResolver& resolver_;
  const Config& config_;
  MembershipForm& form_;
  std::function<std::int64_t()> now_ms_;
};

}  // namespace matrixrtc::service
