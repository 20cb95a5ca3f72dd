#include "net/connection_slots.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <vector>

namespace matrixrtc::net {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;

TEST(ConnectionSlots, TakesUpToTheCapPerTarget) {
  asio::io_context io;
  ConnectionSlots slots(io.get_executor(), 2);
  auto a = slots.try_take("a");
  auto b = slots.try_take("a");
  ASSERT_TRUE(a && b);
  EXPECT_EQ(slots.try_take("a"), nullptr);
  EXPECT_EQ(slots.open("a"), 2u);
  auto other = slots.try_take("b");  // another target has its own cap
  EXPECT_NE(other, nullptr);
  a.reset();
  EXPECT_EQ(slots.open("a"), 1u);
  EXPECT_NE(slots.try_take("a"), nullptr);
}

TEST(ConnectionSlots, NoCapWhenZero) {
  asio::io_context io;
  ConnectionSlots slots(io.get_executor(), 0);
  std::vector<std::unique_ptr<ConnectionSlots::Slot>> held;
  for (int i = 0; i < 1000; ++i) held.push_back(slots.try_take("a"));
  EXPECT_EQ(slots.open("a"), 1000u);
}

// Waiters are woken one at a time, oldest first, by a freed slot or a
// connection given back; a waiter whose deadline passes leaves the queue.
TEST(ConnectionSlots, WakesWaitersInOrderAndDropsExpiredOnes) {
  asio::io_context io;
  ConnectionSlots slots(io.get_executor(), 1);
  auto held = slots.try_take("a");
  std::vector<std::string> order;
  const auto far = std::chrono::steady_clock::now() + 10s;
  auto waiter = [&](std::string name, std::chrono::steady_clock::time_point deadline) -> asio::awaitable<void> {
    const bool woken = co_await slots.wait("a", deadline);
    order.push_back(name + (woken ? ":woken" : ":expired"));
  };
  asio::co_spawn(io, waiter("first", far), asio::detached);
  asio::co_spawn(io, waiter("impatient", std::chrono::steady_clock::now() + 20ms), asio::detached);
  asio::co_spawn(io, waiter("second", far), asio::detached);
  io.run_for(100ms);
  EXPECT_EQ(order, std::vector<std::string>{"impatient:expired"});
  EXPECT_EQ(slots.waiting("a"), 2u);

  held.reset();  // a closed connection wakes exactly one waiter
  io.restart();
  io.run_for(20ms);
  EXPECT_EQ(order, (std::vector<std::string>{"impatient:expired", "first:woken"}));
  slots.wake_one("a");  // a connection given back wakes the next
  io.restart();
  io.run_for(20ms);
  EXPECT_EQ(order, (std::vector<std::string>{"impatient:expired", "first:woken", "second:woken"}));
  EXPECT_EQ(slots.waiting("a"), 0u);
  slots.wake_one("a");  // nobody waiting: nothing happens
  slots.wake_one("unknown");
}

}  // namespace
}  // namespace matrixrtc::net
