// Test doubles for the service's backends, and a helper to run a coroutine.
#pragma once

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <map>
#include <vector>

#include "service/backends.hpp"

namespace matrixrtc::service::testing {

class FakeUserInfo : public UserInfoClient {
 public:
  /// access token -> sub it resolves to; anything else fails.
  std::map<std::string, std::string> subs;
  std::vector<std::pair<std::string, std::string>> calls;  // (server, token)

  boost::asio::awaitable<core::Result<std::string>> lookup_user(std::string server_name,
                                                                std::string access_token) override {
    calls.emplace_back(server_name, access_token);
    const auto it = subs.find(access_token);
    if (it == subs.end()) co_return core::fail(core::ErrorCode::bad_response, "HTTP 401 from homeserver");
    co_return it->second;
  }
};

class FakeRooms : public RoomServiceClient {
 public:
  bool fail = false;
  std::vector<CreateRoomParams> calls;

  boost::asio::awaitable<core::Result<void>> create_room(CreateRoomParams params) override {
    calls.push_back(params);
    if (fail) co_return core::fail(core::ErrorCode::connect_failed, "LiveKit unreachable");
    co_return core::Result<void>{};
  }
};

template <class T>
T run(boost::asio::awaitable<T> task) {
  boost::asio::io_context io;
  auto future = boost::asio::co_spawn(io, std::move(task), boost::asio::use_future);
  io.run();
  return future.get();
}

}  // namespace matrixrtc::service::testing
