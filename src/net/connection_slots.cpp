#include "net/connection_slots.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace matrixrtc::net {

namespace asio = boost::asio;

struct ConnectionSlots::Slot::State {
  std::size_t per_target = 0;
  struct Waiter {
    asio::steady_timer* timer;
    bool* woken;
  };
  struct Target {
    std::size_t open = 0;
    std::list<Waiter> waiters;  // oldest first
  };
  std::unordered_map<std::string, Target> targets;

  void wake_one(const std::string& key) {
    const auto it = targets.find(key);
    if (it == targets.end() || it->second.waiters.empty()) return;
    const Waiter waiter = it->second.waiters.front();
    it->second.waiters.pop_front();
    // The flag, not the timer's outcome, says who won: the deadline may have
    // fired already with its completion still queued.
    *waiter.woken = true;
    waiter.timer->cancel();
  }
  void forget_if_unused(const std::string& key) {
    const auto it = targets.find(key);
    if (it != targets.end() && it->second.open == 0 && it->second.waiters.empty()) targets.erase(it);
  }
};

ConnectionSlots::Slot::Slot(std::shared_ptr<State> state, std::string key)
    : state_(std::move(state)), key_(std::move(key)) {}

ConnectionSlots::Slot::~Slot() {
  auto& target = state_->targets[key_];
  --target.open;
  state_->wake_one(key_);
  state_->forget_if_unused(key_);
}

ConnectionSlots::ConnectionSlots(asio::any_io_executor executor, std::size_t per_target)
    : executor_(std::move(executor)), state_(std::make_shared<Slot::State>()) {
  state_->per_target = per_target;
}

std::unique_ptr<ConnectionSlots::Slot> ConnectionSlots::try_take(const std::string& key) {
  auto& target = state_->targets[key];
  if (state_->per_target != 0 && target.open >= state_->per_target) return nullptr;
  ++target.open;
  return std::unique_ptr<Slot>(new Slot(state_, key));
}

asio::awaitable<bool> ConnectionSlots::wait(const std::string& key, std::chrono::steady_clock::time_point deadline) {
  asio::steady_timer timer(executor_, deadline);
  bool woken = false;
  auto state = state_;
  auto& waiters = state->targets[key].waiters;
  const auto position = waiters.insert(waiters.end(), Slot::State::Waiter{&timer, &woken});
  co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
  if (woken) co_return true;  // wake_one took us off the queue
  // The deadline passed (or the loop is stopping) before anyone woke us.
  state->targets[key].waiters.erase(position);
  state->forget_if_unused(key);
  co_return false;
}

void ConnectionSlots::wake_one(const std::string& key) { state_->wake_one(key); }

std::size_t ConnectionSlots::open(const std::string& key) const {
  const auto it = state_->targets.find(key);
  return it == state_->targets.end() ? 0 : it->second.open;
}

std::size_t ConnectionSlots::waiting(const std::string& key) const {
  const auto it = state_->targets.find(key);
  return it == state_->targets.end() ? 0 : it->second.waiters.size();
}

}  // namespace matrixrtc::net
