#include "programs/matrixrtc/cli.hpp"

#include <ostream>

namespace matrixrtc::cli {
namespace {

constexpr std::string_view kMainHelp = R"(Usage: matrixrtc COMMAND [ARGS...] [--json] [--help]

MatrixRTC with the LiveKit backend, from the command line.

Commands:
  derive alias ROOM_ID SLOT_ID              LiveKit room name of a MatrixRTC slot
  derive identity USER_ID MEMBER_ID         LiveKit participant identity
         [--device DEVICE_ID | --legacy]
  token mint|verify                         LiveKit access tokens
  token mint-webhook|verify-webhook         LiveKit webhook tokens
  frame encrypt|decrypt|keys                end-to-end encryption of one media
                                            frame, as livekit-client does it
  sessions [--now UNIX_MS] [--slot SLOT_ID] [FILE|-]
                                            MatrixRTC sessions of a room's events
  history [--now UNIX_MS] [FILE|-]          call history of a timeline of events

Run "matrixrtc COMMAND --help" for the details of a command.
Every command accepts --json for output meant for scripts.
Exit status: 0 ok, 1 failed (invalid input or token), 2 bad usage.
)";

}  // namespace

int usage_error(Io& io, std::string_view command, std::string_view message) {
  io.err << "matrixrtc " << command << ": " << message << "\n"
         << "Try \"matrixrtc " << command << " --help\".\n";
  return kUsage;
}

int run(std::span<const std::string> args, Io& io) {
  if (args.empty()) {
    io.err << kMainHelp;
    return kUsage;
  }
  const std::string& command = args[0];
  if (command == "--help" || command == "help" || command == "-h") {
    io.out << kMainHelp;
    return kOk;
  }
  if (command == "--version") {
    io.out << "matrixrtc " << MATRIXRTC_VERSION << '\n';
    return kOk;
  }
  const auto rest = args.subspan(1);
  if (command == "derive") return run_derive(rest, io);
  if (command == "token") return run_token(rest, io);
  if (command == "frame") return run_frame(rest, io);
  if (command == "sessions") return run_sessions(rest, io);
  if (command == "history") return run_history(rest, io);
  io.err << "matrixrtc: unknown command \"" << command << "\"\n"
         << "Try \"matrixrtc --help\".\n";
  return kUsage;
}

}  // namespace matrixrtc::cli
