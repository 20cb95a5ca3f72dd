// Entry point of the `matrixrtc` tool, separate from main() so tests can run
// it in-process with their own streams, clock and environment.
#pragma once

#include <span>
#include <string>

#include "programs/matrixrtc/commands.hpp"

namespace matrixrtc::cli {

/// `args` excludes the program name.
int run(std::span<const std::string> args, Io& io);

}  // namespace matrixrtc::cli
