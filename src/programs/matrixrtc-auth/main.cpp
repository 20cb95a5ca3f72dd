// matrixrtc-auth: the MatrixRTC Authorization Service (lk-jwt-service
// compatible). Reads its configuration, then serves until SIGTERM/SIGINT.
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "open_file_limit.hpp"
#include "service/config.hpp"
#include "service/logger.hpp"
#include "service/service.hpp"

namespace {

using namespace matrixrtc;

core::Result<std::string> read_file(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return core::fail(core::ErrorCode::invalid_argument, "cannot open file");
  std::ostringstream content;
  content << file.rdbuf();
  return content.str();
}

// One descriptor per client connection: a soft limit of 1 024 would refuse
// connections long before LIVEKIT_JWT_MAX_CONNECTIONS.
void raise_open_file_limit(const service::Config& config, service::Logger& logger) {
  const auto limit = auth_program::raise_open_file_limit();
  if (!limit) {
    logger.warn("open-file limit not raised", {{"reason", limit.error()}});
    return;
  }
  if (limit->after != limit->before) {
    logger.info("raised the open-file limit",
                {{"from", std::to_string(limit->before)}, {"to", std::to_string(limit->after)}});
  }
  // Room for the listening sockets, outgoing connections, DNS and Redis.
  constexpr std::uint64_t kHeadroom = 256;
  if (limit->after < config.max_connections + kHeadroom) {
    logger.warn("the open-file limit is below LIVEKIT_JWT_MAX_CONNECTIONS: connections beyond it will be refused",
                {{"limit", std::to_string(limit->after)}, {"max_connections", std::to_string(config.max_connections)}});
  }
}

void print_dev_banner(const service::Config& config) {
  std::cout << "matrixrtc-auth in development mode\n"
            << "  LiveKit: " << config.livekit_url << " (key " << config.key << ", secret " << config.secret
            << ": start LiveKit with `livekit-server --dev`)\n"
            << "  Listening on http://" << config.bind << ", every homeserver has full access\n\n"
            << "Example request (an OpenID token comes from your homeserver:\n"
            << "  curl -X POST -H 'Authorization: Bearer <access token>' -d '{}' \\\n"
            << "    'https://<homeserver>/_matrix/client/v3/user/<user id>/openid/request_token'):\n\n"
            << "  curl -X POST http://" << config.bind << "/get_token -d '{\n"
            << "    \"room_id\": \"!roomid:example.com\", \"slot_id\": \"m.call#ROOM\",\n"
            << "    \"openid_token\": {\"access_token\": \"<token>\", \"matrix_server_name\": \"example.com\"},\n"
            << "    \"member\": {\"id\": \"memberABC\", \"claimed_user_id\": \"@alice:example.com\",\n"
            << "               \"claimed_device_id\": \"DEVICE123\"}}'\n"
            << std::endl;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  for (const auto& arg : args) {
    if (arg == "--help" || arg == "-h") {
      std::cout << service::help_text();
      return 0;
    }
  }
  service::ConfigSources sources;
  sources.env = [](std::string_view name) -> std::optional<std::string> {
    const char* value = std::getenv(std::string(name).c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
  sources.read_file = read_file;
  sources.args = std::move(args);
  auto config = service::load_config(sources);
  if (!config) {
    std::cerr << "matrixrtc-auth: " << config.error().message << "\nTry \"matrixrtc-auth --help\".\n";
    return 1;
  }
  service::Logger logger(std::cerr, config->log_level, config->log_format);
  for (const auto& warning : config->warnings) logger.warn(warning);
  raise_open_file_limit(*config, logger);
  if (config->insecure_skip_verify_tls) {
    logger.warn(
        "TLS CERTIFICATE VERIFICATION IS OFF (LIVEKIT_INSECURE_SKIP_VERIFY_TLS): anyone on the path can "
        "impersonate homeservers and LiveKit. Use LIVEKIT_EXTRA_CA_FILE for private CAs instead.");
  }
  if (config->dev_mode) print_dev_banner(*config);
  logger.info("starting matrixrtc-auth", {{"config", service::describe(*config)}});
  return service::run_service(*config, logger);
}
