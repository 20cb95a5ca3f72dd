// The CLI's top level, and black-box runs of the built `matrixrtc` binary.
#include "programs/matrixrtc/cli.hpp"

#include <gtest/gtest.h>

#include "programs/matrixrtc/run_cli.hpp"

namespace matrixrtc::cli::testing {
namespace {

const std::string kBinary = MATRIXRTC_BINARY;

TEST(Cli, HelpAndVersion) {
  EXPECT_EQ(run_cli({"--help"}).status, kOk);
  EXPECT_NE(run_cli({"--help"}).out.find("derive alias ROOM_ID SLOT_ID"), std::string::npos);
  EXPECT_EQ(run_cli({"--version"}).out.rfind("matrixrtc ", 0), 0U);
  EXPECT_EQ(run_cli({"token", "--help"}).status, kOk);
}

TEST(Cli, UnknownOrMissingCommandIsUsageError) {
  EXPECT_EQ(run_cli({}).status, kUsage);
  const auto run = run_cli({"frobnicate"});
  EXPECT_EQ(run.status, kUsage);
  EXPECT_EQ(run.err, "matrixrtc: unknown command \"frobnicate\"\nTry \"matrixrtc --help\".\n");
}

TEST(CliBinary, DerivesTheReferenceVectors) {
  const auto run = run_binary(kBinary + " derive alias '!roomid:example.com' slot1234");
  EXPECT_EQ(run.status, 0);
  EXPECT_EQ(run.out, "O8437W3+jmzMVjoIP3tNwbm+XxHQk2iKpOA7aqw3qSc\n");
}

TEST(CliBinary, ExitStatusesAreZeroOneTwo) {
  EXPECT_EQ(run_binary(kBinary + " derive identity @a:b m").status, 0);
  EXPECT_EQ(run_binary(kBinary + " token verify --key K --secret S not.a.token").status, 1);
  EXPECT_EQ(run_binary(kBinary + " derive").status, 2);
  EXPECT_EQ(run_binary(kBinary).status, 2);
}

TEST(CliBinary, MintThenVerifyThroughTheEnvironment) {
  const auto minted = run_binary("LIVEKIT_KEY=K LIVEKIT_SECRET=S " + kBinary + " token mint --identity i --room r");
  ASSERT_EQ(minted.status, 0);
  const std::string jwt = minted.out.substr(0, minted.out.find('\n'));
  const auto verified = run_binary("LIVEKIT_KEY=K LIVEKIT_SECRET=S " + kBinary + " token verify --json " + jwt);
  EXPECT_EQ(verified.status, 0);
  EXPECT_NE(verified.out.find("\"valid\":true"), std::string::npos);
}

}  // namespace
}  // namespace matrixrtc::cli::testing
