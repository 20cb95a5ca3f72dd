#include "programs/matrixrtc/command_line.hpp"

#include <gtest/gtest.h>

namespace matrixrtc::cli {
namespace {

constexpr OptionSpec kSpecs[] = {{"device", true, false}, {"grant", true, true}, {"legacy", false, false}};

core::Result<CommandLine> parse(std::vector<std::string> args) { return parse_command_line(args, kSpecs); }

TEST(CommandLine, SeparatesOptionsAndPositionals) {
  const auto line = parse({"a", "--device", "D", "b", "--legacy", "--grant=x=1", "--grant", "y=2", "--json"});
  ASSERT_TRUE(line);
  EXPECT_EQ(line->positionals, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(line->value("device"), "D");
  EXPECT_TRUE(line->has("legacy"));
  EXPECT_TRUE(line->has("json"));
  EXPECT_EQ(line->values("grant"), (std::vector<std::string>{"x=1", "y=2"}));
}

TEST(CommandLine, DoubleDashEndsOptions) {
  const auto line = parse({"--", "--device", "-"});
  ASSERT_TRUE(line);
  EXPECT_EQ(line->positionals, (std::vector<std::string>{"--device", "-"}));
}

TEST(CommandLine, RefusesBadOptions) {
  EXPECT_EQ(parse({"--nope"}).error().message, "unknown option --nope");
  EXPECT_EQ(parse({"--device"}).error().message, "option --device needs a value");
  EXPECT_EQ(parse({"--device", "a", "--device", "b"}).error().message, "option --device given twice");
  EXPECT_EQ(parse({"--legacy=yes"}).error().message, "option --legacy takes no value");
}

TEST(CommandLine, ParsesIntegersStrictly) {
  EXPECT_EQ(parse_integer("3600", "--ttl").value(), 3600);
  EXPECT_EQ(parse_integer("-5", "--now").value(), -5);
  EXPECT_EQ(parse_integer("12s", "--ttl").error().message, "--ttl must be an integer, got \"12s\"");
  EXPECT_FALSE(parse_integer("", "--ttl"));
  EXPECT_FALSE(parse_integer("99999999999999999999", "--ttl"));
}

}  // namespace
}  // namespace matrixrtc::cli
