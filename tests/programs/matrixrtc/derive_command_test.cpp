#include <gtest/gtest.h>

#include "programs/matrixrtc/run_cli.hpp"

namespace matrixrtc::cli::testing {
namespace {

TEST(DeriveCommand, Alias) {
  const auto run = run_cli({"derive", "alias", "!roomid:example.com", "slot1234"});
  EXPECT_EQ(run.status, kOk);
  EXPECT_EQ(run.out, "O8437W3+jmzMVjoIP3tNwbm+XxHQk2iKpOA7aqw3qSc\n");
}

TEST(DeriveCommand, AliasJson) {
  const auto run = run_cli({"derive", "alias", "!room:example.com", "m.call#ROOM", "--json"});
  EXPECT_EQ(run.status, kOk);
  EXPECT_EQ(run.out, R"({"alias":"krj2dgxw2K6EOm9he4GfQJ6JsSVWfJ8a7BkyjZcSmxs","scheme":"room_slot",)"
                     R"("hash_input":"[\"!room:example.com\",\"m.call#ROOM\"]"})"
                     "\n");
}

TEST(DeriveCommand, IdentitySchemes) {
  EXPECT_EQ(run_cli({"derive", "identity", "@alice:example.com", "memberABC"}).out,
            "M3VnsLXrkbxIDINXO64u8PZzFyD9ZYFiQULR2dshWYs\n");
  EXPECT_EQ(run_cli({"derive", "identity", "@alice:example.com", "memberABC", "--device", "DEVICE123"}).out,
            "J+T45tGruxc+HrUOqJJlyQSV33m728Cme4+vt8/SWrU\n");
  EXPECT_EQ(run_cli({"derive", "identity", "--legacy", "@alice:example.com", "DEVICE123"}).out,
            "@alice:example.com:DEVICE123\n");
  EXPECT_EQ(run_cli({"derive", "identity", "--legacy", "@a:b", "D", "--json"}).out,
            R"({"identity":"@a:b:D","scheme":"legacy_user_device"})"
            "\n");
}

TEST(DeriveCommand, UsageErrors) {
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"derive"},
           {"derive", "alias", "!r:s"},
           {"derive", "alias", "!r:s", "slot", "extra"},
           {"derive", "alias", "!r:s", "slot", "--device", "D"},
           {"derive", "identity", "@u:s"},
           {"derive", "identity", "--legacy", "--device", "D", "@u:s", "X"},
           {"derive", "room", "a", "b"},
           {"derive", "alias", "a", "b", "--bogus"},
       }) {
    const auto run = run_cli(args);
    EXPECT_EQ(run.status, kUsage) << args.back();
    EXPECT_TRUE(run.out.empty());
    EXPECT_NE(run.err.find("--help"), std::string::npos) << run.err;
  }
}

TEST(DeriveCommand, InvalidUtf8Fails) {
  const auto run = run_cli({"derive", "alias", "!r:s", "\xff"});
  EXPECT_EQ(run.status, kFailed);
  EXPECT_EQ(run.err, "matrixrtc derive: invalid UTF-8 in string at byte 0\n");
}

TEST(DeriveCommand, Help) {
  const auto run = run_cli({"derive", "--help"});
  EXPECT_EQ(run.status, kOk);
  EXPECT_NE(run.out.find("matrixrtc derive alias ROOM_ID SLOT_ID"), std::string::npos);
}

}  // namespace
}  // namespace matrixrtc::cli::testing
