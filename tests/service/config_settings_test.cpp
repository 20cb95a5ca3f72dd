#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "core/text.hpp"
#include "service/config.hpp"

namespace matrixrtc::service {
namespace {

using core::cat;

TEST(ConfigSettings, ReadmeDocumentsEverySetting) {
  std::ifstream file(MATRIXRTC_README);
  std::stringstream readme;
  readme << file.rdbuf();
  ASSERT_FALSE(readme.str().empty());
  for (const auto& setting : settings()) {
    if (!setting.env.empty()) {
      EXPECT_NE(readme.str().find(cat("`", setting.env, "`")), std::string::npos) << setting.env;
    }
    EXPECT_NE(readme.str().find(cat("`--", setting.flag, "`")), std::string::npos) << setting.flag;
  }
}

TEST(ConfigSettings, NamesAreUniqueAndHelpListsEveryFlag) {
  std::set<std::string_view> envs;
  std::set<std::string_view> flags;
  for (const auto& setting : settings()) {
    if (!setting.env.empty()) {
      EXPECT_TRUE(envs.insert(setting.env).second) << setting.env;
    }
    EXPECT_TRUE(flags.insert(setting.flag).second) << setting.flag;
    EXPECT_FALSE(setting.description.empty()) << setting.flag;
  }
  const auto help = help_text();
  for (const auto& setting : settings()) {
    EXPECT_NE(help.find(cat("  --", setting.flag, setting.is_switch ? "" : " VALUE")), std::string::npos)
        << setting.flag;
    if (!setting.env.empty()) {
      EXPECT_NE(help.find(cat("(", setting.env, ")")), std::string::npos) << setting.env;
    }
  }
  EXPECT_NE(help.find("  --help\n"), std::string::npos);
}

}  // namespace
}  // namespace matrixrtc::service
