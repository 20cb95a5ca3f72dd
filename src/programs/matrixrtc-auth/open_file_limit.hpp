// The service holds one descriptor per client connection (up to
// LIVEKIT_JWT_MAX_CONNECTIONS, 10 000 by default) plus its outgoing ones,
// while many systems start processes with a soft RLIMIT_NOFILE of 1 024. At
// start-up the soft limit is raised to the hard one, which any process may do.
#pragma once

#include <cstdint>
#include <expected>
#include <string>

namespace matrixrtc::auth_program {

struct OpenFileLimit {
  std::uint64_t before = 0;  ///< soft limit found
  std::uint64_t after = 0;   ///< soft limit now
};

/// The soft limit to ask for: the hard limit, or `kernel_max` (fs.nr_open,
/// which setrlimit refuses to exceed) when the hard limit is higher or
/// unlimited; never lower than `soft`.
[[nodiscard]] std::uint64_t wanted_soft_limit(std::uint64_t soft, std::uint64_t hard, std::uint64_t kernel_max);

/// Raises this process's RLIMIT_NOFILE soft limit as wanted_soft_limit() says.
/// Fails with the system's reason when getrlimit or setrlimit does.
[[nodiscard]] std::expected<OpenFileLimit, std::string> raise_open_file_limit();

}  // namespace matrixrtc::auth_program
