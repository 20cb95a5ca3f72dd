// matrixrtc derive alias|identity: the LiveKit names MSC4195 derives.
#include <array>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <ostream>

#include "core/json/canonical_json.hpp"
#include "core/livekit/names.hpp"
#include "programs/matrixrtc/command_line.hpp"
#include "programs/matrixrtc/commands.hpp"

namespace matrixrtc::cli {
namespace {

constexpr std::string_view kDeriveHelp = R"(Usage:
  matrixrtc derive alias ROOM_ID SLOT_ID [--json]
  matrixrtc derive identity USER_ID MEMBER_ID [--device DEVICE_ID] [--json]
  matrixrtc derive identity --legacy USER_ID DEVICE_ID [--json]

Derives the pseudonymous LiveKit names of MSC4195: unpadded base64 of SHA-256
over the canonical JSON array of the inputs.

  alias                  room name for [ROOM_ID, SLOT_ID]; the legacy /sfu/get
                         endpoint uses SLOT_ID "m.call#ROOM"
  identity               participant identity for [USER_ID, MEMBER_ID] (current
                         MSC4195 text)
  identity --device D    [USER_ID, D, MEMBER_ID], as standalone /get_token,
                         /delegate_delayed_leave and matrix-js-sdk 43 compute it
  identity --legacy      "USER_ID:DEVICE_ID", unhashed, as /sfu/get tokens use

Options:
  --json   print {"alias"|"identity", "scheme", "hash_input"} as JSON
  --help   show this text

Exit status: 0 ok, 1 the inputs cannot be hashed (invalid UTF-8), 2 bad usage.
)";

int print_name(Io& io, const CommandLine& line, std::string_view field, const core::Result<std::string>& name,
               std::string_view scheme, std::span<const std::string_view> inputs) {
  if (!name) {
    io.err << "matrixrtc derive: " << name.error().message << '\n';
    return kFailed;
  }
  if (!line.has("json")) {
    io.out << *name << '\n';
    return kOk;
  }
  boost::json::object result;
  result[field] = *name;
  result["scheme"] = scheme;
  if (!inputs.empty()) {
    // Inputs were valid for hashing, so they serialise too.
    result["hash_input"] = core::json::canonical_string_array(inputs).value_or("");
  }
  io.out << boost::json::serialize(result) << '\n';
  return kOk;
}

}  // namespace

int run_derive(std::span<const std::string> args, Io& io) {
  static constexpr OptionSpec kSpecs[] = {{"device", true, false}, {"legacy", false, false}};
  auto parsed = parse_command_line(args, kSpecs);
  if (!parsed) return usage_error(io, "derive", parsed.error().message);
  const CommandLine& line = *parsed;
  if (line.has("help")) {
    io.out << kDeriveHelp;
    return kOk;
  }
  const auto& pos = line.positionals;
  if (pos.empty()) return usage_error(io, "derive", "missing what to derive: alias or identity");
  const std::string& what = pos[0];
  if (what == "alias") {
    if (line.has("device") || line.has("legacy"))
      return usage_error(io, "derive", "alias takes no --device or --legacy");
    if (pos.size() != 3) return usage_error(io, "derive", "alias needs ROOM_ID and SLOT_ID");
    const std::array<std::string_view, 2> inputs{pos[1], pos[2]};
    return print_name(io, line, "alias", core::livekit::room_alias(pos[1], pos[2]), "room_slot", inputs);
  }
  if (what == "identity") {
    if (pos.size() != 3) {
      return usage_error(io, "derive",
                         line.has("legacy") ? "identity --legacy needs USER_ID and DEVICE_ID"
                                            : "identity needs USER_ID and MEMBER_ID");
    }
    if (line.has("legacy")) {
      if (line.has("device")) return usage_error(io, "derive", "--legacy and --device exclude each other");
      return print_name(io, line, "identity", core::livekit::legacy_identity(pos[1], pos[2]), "legacy_user_device", {});
    }
    if (const auto device = line.value("device")) {
      const std::array<std::string_view, 3> inputs{pos[1], *device, pos[2]};
      return print_name(io, line, "identity", core::livekit::identity_with_device(pos[1], *device, pos[2]),
                        "user_device_member", inputs);
    }
    const std::array<std::string_view, 2> inputs{pos[1], pos[2]};
    return print_name(io, line, "identity", core::livekit::identity(pos[1], pos[2]), "user_member", inputs);
  }
  return usage_error(io, "derive", "unknown name to derive \"" + what + "\" (expected alias or identity)");
}

}  // namespace matrixrtc::cli
