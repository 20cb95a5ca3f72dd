#include "open_file_limit.hpp"

#include <gtest/gtest.h>
#include <sys/resource.h>

namespace matrixrtc::auth_program {
namespace {

TEST(WantedSoftLimit, IsTheHardLimit) {
  EXPECT_EQ(wanted_soft_limit(1024, 524288, 1048576), 524288U);
  EXPECT_EQ(wanted_soft_limit(20000, 20000, 1048576), 20000U);
}

TEST(WantedSoftLimit, UnlimitedOrHugeHardLimitsStopAtTheKernelMaximum) {
  EXPECT_EQ(wanted_soft_limit(1024, RLIM_INFINITY, 1048576), 1048576U);
  EXPECT_EQ(wanted_soft_limit(1024, 1U << 30U, 1048576), 1048576U);
}

TEST(WantedSoftLimit, NeverLowersTheSoftLimit) { EXPECT_EQ(wanted_soft_limit(4096, 2048, 1048576), 4096U); }

// Lowers this process's soft limit, raises it back through the function under
// test, and checks the limit really moved (restoring it either way).
TEST(RaiseOpenFileLimit, RaisesTheSoftLimitToTheHardOne) {
  rlimit original{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &original), 0);
  if (original.rlim_max != RLIM_INFINITY && original.rlim_max <= 256) GTEST_SKIP() << "hard limit too low to lower";
  rlimit lowered = original;
  lowered.rlim_cur = 256;
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &lowered), 0);

  const auto raised = raise_open_file_limit();
  rlimit now{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &now), 0);
  ::setrlimit(RLIMIT_NOFILE, &original);

  ASSERT_TRUE(raised) << raised.error();
  EXPECT_EQ(raised->before, 256U);
  EXPECT_GT(raised->after, 256U);
  EXPECT_EQ(now.rlim_cur, raised->after);
  if (original.rlim_max != RLIM_INFINITY) {
    EXPECT_EQ(raised->after, std::min<std::uint64_t>(original.rlim_max, raised->after));
  }
  // A second call finds nothing to do.
  lowered.rlim_cur = raised->after;
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &lowered), 0);
  const auto again = raise_open_file_limit();
  ::setrlimit(RLIMIT_NOFILE, &original);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->before, again->after);
}

}  // namespace
}  // namespace matrixrtc::auth_program
