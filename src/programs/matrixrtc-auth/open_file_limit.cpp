#include "open_file_limit.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>

namespace matrixrtc::auth_program {
namespace {

// Linux's default fs.nr_open; used when /proc cannot tell.
constexpr std::uint64_t kDefaultNrOpen = 1U << 20U;

std::uint64_t kernel_nr_open() {
  std::ifstream file("/proc/sys/fs/nr_open");
  std::uint64_t value = 0;
  if (file >> value && value > 0) return value;
  return kDefaultNrOpen;
}

}  // namespace

std::uint64_t wanted_soft_limit(std::uint64_t soft, std::uint64_t hard, std::uint64_t kernel_max) {
  const std::uint64_t ceiling = hard == RLIM_INFINITY ? kernel_max : std::min(hard, kernel_max);
  return std::max(soft, ceiling);
}

std::expected<OpenFileLimit, std::string> raise_open_file_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return std::unexpected(std::string(std::strerror(errno)));
  OpenFileLimit result{limit.rlim_cur, limit.rlim_cur};
  const std::uint64_t wanted = wanted_soft_limit(limit.rlim_cur, limit.rlim_max, kernel_nr_open());
  if (wanted == limit.rlim_cur) return result;
  limit.rlim_cur = wanted;
  if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) return std::unexpected(std::string(std::strerror(errno)));
  result.after = wanted;
  return result;
}

}  // namespace matrixrtc::auth_program
