#include "core/rtc/slot.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace matrixrtc::core::rtc {
namespace {

TEST(Slot, SplitsLikeJsSdk) {
  EXPECT_EQ(split_slot_id("m.call#ROOM").value(), (SlotDescription{"m.call", "ROOM"}));
  EXPECT_EQ(split_slot_id("m.call#").value(), (SlotDescription{"m.call", ""}));
  EXPECT_EQ(split_slot_id("a").value(), (SlotDescription{"a", ""}));
  EXPECT_EQ(split_slot_id("m.call#a#b").error().message,
            "MatrixRTC Slot IDs *must* only contain two components seperated by one '#'. Additional '#' characters "
            "detected.");
}

TEST(Slot, LegacyRoomHack) {
  EXPECT_EQ(legacy_slot_id("m.call", ""), "m.call#ROOM");
  EXPECT_EQ(legacy_slot_id("m.call", "ROOM"), "m.call#ROOM");
  EXPECT_EQ(legacy_slot_id("m.call", "standup"), "m.call#standup");
  EXPECT_EQ(legacy_slot_id("io.other", ""), "io.other#");  // the hack is for m.call only
  EXPECT_EQ(make_slot_id("a", "b"), "a#b");
}

TEST(Slot, State) {
  const auto state = [](std::string_view json, std::string_view slot = "m.call#ROOM") {
    return slot_state_from_content(boost::json::parse(json), slot);
  };
  EXPECT_EQ(state(R"({"status":"open","application":{"type":"m.call"}})"), SlotState::open);
  EXPECT_EQ(state(R"({"status":"closed","application":{"type":"m.call"}})"), SlotState::closed);
  EXPECT_EQ(state("{}"), SlotState::closed);
  EXPECT_EQ(state(R"({"application":{"type":"m.call"}})"), SlotState::closed);
  EXPECT_EQ(state(R"({"status":"open","application":{"type":"io.other"}})"), SlotState::closed);
  EXPECT_EQ(state(R"({"status":"open","application":"m.call"})"), SlotState::closed);
  EXPECT_EQ(state(R"({"status":"open","application":{"type":"m.call"}})", "m.call#a#b"), SlotState::closed);
  EXPECT_EQ(state("[]"), SlotState::closed);
}

}  // namespace
}  // namespace matrixrtc::core::rtc
