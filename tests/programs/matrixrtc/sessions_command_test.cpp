#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <filesystem>
#include <fstream>

#include "programs/matrixrtc/run_cli.hpp"

namespace matrixrtc::cli {
namespace {

using testing::run_binary;
using testing::run_cli;

constexpr std::string_view kRoom = R"([
 {"type":"m.room.member","state_key":"@a:x","sender":"@a:x","content":{"membership":"join"},"origin_server_ts":1,"event_id":"$m1"},
 {"type":"m.room.member","state_key":"@b:x","sender":"@b:x","content":{"membership":"join"},"origin_server_ts":1,"event_id":"$m2"},
 {"type":"org.matrix.msc3401.call.member","state_key":"_@a:x_DEV_m.call","sender":"@a:x","origin_server_ts":1000,"event_id":"$l1",
  "content":{"application":"m.call","call_id":"","scope":"m.room","device_id":"DEV","expires":14400000,
   "focus_active":{"type":"livekit","focus_selection":"oldest_membership"},
   "foci_preferred":[{"type":"livekit","livekit_service_url":"https://a","livekit_alias":"!r:x"}]}},
 {"type":"org.matrix.msc4143.rtc.member","sender":"@b:x","origin_server_ts":2000,"event_id":"$s1","msc4354_sticky":{"duration_ms":3600000},
  "content":{"slot_id":"m.call#ROOM","application":{"type":"m.call"},"member":{"user_id":"@b:x","device_id":"BD","id":"mem"},
  "transports":{"published":[{"type":"livekit","livekit_service_url":"https://b"}],"can_subscribe":["livekit"]},"versions":[],"msc4354_sticky_key":"mem"}},
 {"type":"org.matrix.msc4143.rtc.member","sender":"@b:x","origin_server_ts":2000,"event_id":"$s2","msc4354_sticky":{"duration_ms":3600000},
  "content":{"slot_id":"m.call#ROOM","application":{"type":"m.call"},"member":{"user_id":"@c:x","device_id":"BD","id":"mem2"},
  "transports":{"published":[]},"versions":[],"msc4354_sticky_key":"mem2"}},
 {"type":1}
])";

class SessionsCommand : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = std::filesystem::temp_directory_path() /
            ("matrixrtc-sessions-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".json");
  }
  void TearDown() override { std::filesystem::remove(path_); }
  std::string write(std::string_view text) {
    std::ofstream(path_) << text;
    return path_.string();
  }
  std::filesystem::path path_;
};

TEST_F(SessionsCommand, PrintsTheContractShape) {
  const auto run = run_cli({"sessions", "--now", "3000", write(kRoom)});
  ASSERT_EQ(run.status, kOk) << run.err;
  const auto out = boost::json::parse(run.out).as_object();
  const auto& session = out.at("sessions").at(0).as_object();
  EXPECT_EQ(session.at("application"), "m.call");
  EXPECT_EQ(session.at("slot_id"), "m.call#ROOM");
  EXPECT_EQ(session.at("auth_service_url"), "https://a");
  EXPECT_EQ(session.at("active_transport").at("livekit_service_url"), "https://a");
  const auto& members = session.at("members").as_array();
  ASSERT_EQ(members.size(), 2U);
  const auto& legacy = members[0].as_object();
  for (const char* key : {"event_type", "state_key", "user_id", "device_id", "member_id", "livekit_identity",
                          "created_ts", "expires_ts", "transports", "selected_transport"}) {
    EXPECT_TRUE(legacy.contains(key)) << key;
  }
  EXPECT_EQ(legacy.at("livekit_identity"), "@a:x:DEV");
  EXPECT_EQ(legacy.at("created_ts"), 1000);
  EXPECT_EQ(legacy.at("expires_ts"), 1000 + 14'400'000);
  EXPECT_EQ(members[1].at("state_key"), nullptr);
  EXPECT_EQ(members[1].at("livekit_identity"), "qCFO+gzOZH191dMT6D1Np5aXqVMPtrlROepXuq3gxMo");
  EXPECT_EQ(members[1].at("selected_transport").at("livekit_service_url"), "https://b");
  const auto& rejected = out.at("rejected").as_array();
  ASSERT_EQ(rejected.size(), 2U);
  EXPECT_EQ(rejected[0].at("code"), "malformed_event");
  EXPECT_EQ(rejected[0].at("reason"), "event 5: event type must be a string");
  EXPECT_EQ(rejected[1].at("event_type"), "org.matrix.msc4143.rtc.member");
  EXPECT_EQ(rejected[1].at("sender"), "@b:x");
  EXPECT_EQ(rejected[1].at("reason"),
            "member.user_id must match the sender; transports.can_subscribe must be an array of strings");
}

TEST_F(SessionsCommand, SlotOptionAndExpiry) {
  const auto path = write(kRoom);
  const auto empty = boost::json::parse(run_cli({"sessions", "--now", "3000", "--slot", "m.call#other", path}).out);
  EXPECT_EQ(
      boost::json::serialize(empty.at("sessions")),
      R"([{"application":"m.call","slot_id":"m.call#other","members":[],"active_transport":null,"auth_service_url":null}])");
  // Four hours later the legacy member has expired and the sticky one is no longer sticky.
  const auto later = boost::json::parse(run_cli({"sessions", "--now", "14401000", path}).out);
  EXPECT_TRUE(later.at("sessions").as_array().empty());
}

TEST_F(SessionsCommand, UsageAndInputErrors) {
  EXPECT_EQ(run_cli({"sessions", "--help"}).status, kOk);
  EXPECT_NE(run_cli({"sessions", "--help"}).out.find("--slot SLOT_ID"), std::string::npos);
  EXPECT_EQ(run_cli({"sessions", "--now", "soon", write("[]")}).status, kUsage);
  EXPECT_EQ(run_cli({"sessions", "a", "b"}).status, kUsage);
  EXPECT_EQ(run_cli({"sessions", "--bogus"}).status, kUsage);
  EXPECT_EQ(run_cli({"sessions", write("{}")}).status, kFailed);
  EXPECT_EQ(run_cli({"sessions", write(R"([{"a":1,"a":2}])")}).status, kFailed);
  EXPECT_EQ(run_cli({"sessions", "/nonexistent/file.json"}).status, kFailed);
}

TEST_F(SessionsCommand, ReadsStandardInputInTheBinary) {
  const auto run = run_binary(std::string("echo '[]' | ") + MATRIXRTC_BINARY + " sessions -");
  EXPECT_EQ(run.status, 0);
  EXPECT_EQ(run.out, "{\"sessions\":[],\"rejected\":[]}\n");
}

TEST_F(SessionsCommand, HistoryOfATimeline) {
  const auto path = write(R"([
 {"type":"org.matrix.msc3401.call.member","state_key":"k","sender":"@a:x","origin_server_ts":1000,"event_id":"$j",
  "content":{"application":"m.call","call_id":"","device_id":"D","focus_active":{"type":"livekit"},"expires":100000}},
 {"type":"org.matrix.msc3401.call.member","state_key":"k","sender":"@a:x","origin_server_ts":5000,"event_id":"$l",
  "content":{"leave_reason":"lost_connection"},"unsigned":{"prev_content":{}}}
])");
  const auto run = run_cli({"history", path});
  ASSERT_EQ(run.status, kOk) << run.err;
  EXPECT_EQ(run.out,
            R"({"records":[{"ts":1000,"action":"join","event_id":"$j","event_type":"org.matrix.msc3401.call.member",)"
            R"("slot_id":"m.call#ROOM","user_id":"@a:x","device_id":"D","member_id":"@a:x:D","reason":null},)"
            R"({"ts":5000,"action":"leave","event_id":"$l","event_type":"org.matrix.msc3401.call.member",)"
            R"("slot_id":"m.call#ROOM","user_id":"@a:x","device_id":"D","member_id":"@a:x:D",)"
            R"("reason":{"code":"lost_connection","text":""}}],)"
            R"("calls":[{"slot_id":"m.call#ROOM","start_ts":1000,"end_ts":5000,"participants":["@a:x"]}]})"
            "\n");
  EXPECT_EQ(run_cli({"history", "--help"}).status, kOk);
  EXPECT_EQ(run_cli({"history", "--now", "x", path}).status, kUsage);
  EXPECT_EQ(run_cli({"history", write("3")}).status, kFailed);
  const auto expired =
      boost::json::parse(run_cli({"history", "--now", "200000",
                                  write(R"([{"type":"org.matrix.msc3401.call.member","state_key":"k",)"
                                        R"("sender":"@a:x","origin_server_ts":1000,"event_id":"$j","content":)"
                                        R"({"application":"m.call","call_id":"","device_id":"D",)"
                                        R"("focus_active":{"type":"livekit"},"expires":100000}}])")})
                             .out);
  EXPECT_EQ(expired.at("calls").at(0).at("end_ts"), 101000);
}

}  // namespace
}  // namespace matrixrtc::cli
