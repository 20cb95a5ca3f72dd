#include "service/logger.hpp"

#include <gtest/gtest.h>

#include <sstream>

namespace matrixrtc::service {
namespace {

TEST(Logger, TextLinesQuoteOnlyWhatNeedsIt) {
  EXPECT_EQ(format_log_line(LogFormat::text, LogLevel::info, "request",
                            {{"path", "/get_token"}, {"detail", "a b"}, {"e", ""}}),
            R"(INFO request path=/get_token detail="a b" e="")");
}

TEST(Logger, JsonLinesAreValidJsonEvenForHostileText) {
  EXPECT_EQ(format_log_line(LogFormat::json, LogLevel::warn, "m", {{"k", "line\nbreak \"q\" \xff"}}),
            R"({"level":"warn","msg":"m","k":"<invalid UTF-8>"})");
  EXPECT_EQ(format_log_line(LogFormat::json, LogLevel::error, "m", {{"k", "line\nbreak"}}),
            R"({"level":"error","msg":"m","k":"line\nbreak"})");
}

TEST(Logger, LevelsFilter) {
  std::ostringstream out;
  Logger logger(out, LogLevel::warn, LogFormat::text);
  logger.info("hidden");
  logger.warn("shown");
  logger.error("also");
  EXPECT_EQ(out.str(), "WARN shown\nERROR also\n");
}

}  // namespace
}  // namespace matrixrtc::service
