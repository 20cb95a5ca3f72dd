// Runs the authorization service until SIGTERM/SIGINT.
//
// One shard per worker thread: each shard has its own event loop, listening
// socket (SO_REUSEPORT, so the kernel spreads connections), DNS resolver,
// HTTP client pool and discovery cache. Shards share nothing mutable but the
// logger, so there are no locks on the request path and no cross-thread
// hand-offs.
#pragma once

#include "service/config.hpp"
#include "service/logger.hpp"

namespace matrixrtc::service {

/// Returns the process exit status: 0 after a clean shutdown, 1 when the
/// service could not start.
int run_service(const Config& config, Logger& logger);

}  // namespace matrixrtc::service
