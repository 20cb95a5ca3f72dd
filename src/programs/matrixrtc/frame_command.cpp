// matrixrtc frame encrypt|decrypt|keys: one media frame through
// livekit-client-compatible end-to-end encryption, for checking interop by
// hand and from scripts.
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <fstream>
#include <iostream>
#include <iterator>
#include <ostream>
#include <span>

#include "core/e2ee/frame_cryptor.hpp"
#include "core/e2ee/key_events.hpp"
#include "core/encoding/hex.hpp"
#include "core/text.hpp"
#include "programs/matrixrtc/command_line.hpp"
#include "programs/matrixrtc/commands.hpp"

namespace matrixrtc::cli {
namespace {

namespace e2ee = core::e2ee;

constexpr std::string_view kFrameHelp = R"(Usage:
  matrixrtc frame encrypt --kdf hkdf|pbkdf2 --key-b64 KEY --codec CODEC [--key-index N]
                          [--ratchet COUNT] [--ssrc N] [--rtp-timestamp N] [--send-count N]
                          [--keyframe] [--keyring-size N] [--key-size 128|256] [--json]
                          [--hex HEX | FILE]
  matrixrtc frame decrypt --kdf hkdf|pbkdf2 --key-b64 KEY --codec CODEC [--key-index N]
                          [--ratchet COUNT] [--ratchet-window N] [--keyframe]
                          [--keyring-size N] [--key-size 128|256] [--sif-trailer TEXT]
                          [--json] [--hex HEX | FILE]
  matrixrtc frame keys --kdf hkdf|pbkdf2 --key-b64 KEY [--ratchet COUNT]
                       [--key-size 128|256] [--json]

Encrypts or decrypts one media frame exactly as livekit-client 2.23 (the web
SDK Element Call uses) does, and prints the result as hex; or prints the key
material a key derives, for debugging interop.

Encrypted frame: clear header | AES-GCM ciphertext and tag | IV | IV length | key index.

  --kdf hkdf|pbkdf2    how the key material becomes the AES key: hkdf for raw
                       per-participant keys (MSC4195, Element Call), pbkdf2 for
                       a shared password
  --key-b64 KEY        the key material, base64 (standard or URL alphabet,
                       padding optional): for pbkdf2 the password's UTF-8
                       bytes (anything else is a usage error), for hkdf the
                       raw key bytes
  --key-index N        key ring slot, 0-255 (default 0); written into the
                       trailer as is on encrypt, and the slot the key is in on
                       decrypt: a frame naming another slot is refused
  --ratchet COUNT      ratchet the material COUNT times before use (default 0)
  --ratchet-window N   decrypt: on failure try up to N further ratchets of the
                       key, as Element Call's receivers do (default 0)
  --codec CODEC        opus (any audio: 1 clear byte), vp8 (10 clear bytes on
                       key frames, 3 on delta frames), vp9 (none), h264, h265
                       (NAL unit headers up to the first slice stay clear),
                       unknown (H.26x rules if the bytes parse, else VP8's);
                       av1 is refused: livekit-client cannot encrypt it either
  --keyframe           the frame is a video key frame (matters on decrypt too)
  --ssrc N             encrypt: RTP SSRC for the IV (default 4294967295, what
                       livekit-client uses when the SSRC is unknown)
  --rtp-timestamp N    encrypt: RTP timestamp for the IV (default 0)
  --send-count N       encrypt: the per-SSRC frame counter livekit-client mixes
                       into the IV; it starts at a random value there, here at
                       N (default 0) so output is reproducible
  --keyring-size N     slots in the key ring, 1-256 (default 256, as Element
                       Call and MSC4195 use)
  --key-size 128|256   AES key size in bits (default 128)
  --sif-trailer TEXT   decrypt: the room's server-injected-frame trailer; a
                       frame ending with it must be a known SIF payload
  --hex HEX            the frame as hex; otherwise read from FILE ("-": stdin)
  --json               encrypt/decrypt: {"hex", "key_index", "iv",
                       "header_length"} (decrypt adds "outcome", "ratchets");
                       keys: {"kdf", "salt", "steps": [{"ratchet",
                       "material", "chain_key", "encryption_key"}]}
  --help               show this text

Empty frames pass through unchanged, as in livekit-client.
Exit status: 0 ok, 1 the frame was refused (wrong key, tampered, truncated,
IV length out of bounds, missing key, unsupported codec), 2 bad usage.
)";

struct UsageError {
  std::string message;
};

template <class T>
using Parsed = std::expected<T, UsageError>;

Parsed<std::int64_t> integer_option(const CommandLine& line, std::string_view name, std::int64_t fallback,
                                    std::int64_t min, std::int64_t max) {
  const auto text = line.value(name);
  if (!text) return fallback;
  auto value = parse_integer(*text, core::cat("--", name));
  if (!value) return std::unexpected(UsageError{value.error().message});
  if (*value < min || *value > max) {
    return std::unexpected(UsageError{core::cat("--", name, " must be between ", min, " and ", max)});
  }
  return *value;
}

// Well-formed UTF-8 (RFC 3629): no overlong forms, surrogates or code points
// above U+10FFFF, as WebCrypto's TextEncoder would produce.
bool is_utf8(std::span<const std::uint8_t> bytes) {
  std::size_t i = 0;
  while (i < bytes.size()) {
    const std::uint8_t lead = bytes[i];
    std::size_t extra = 0;
    std::uint8_t low = 0x80;
    std::uint8_t high = 0xBF;
    if (lead < 0x80) {
      ++i;
      continue;
    } else if (lead >= 0xC2 && lead <= 0xDF) {
      extra = 1;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      extra = 2;
      if (lead == 0xE0) low = 0xA0;   // overlong
      if (lead == 0xED) high = 0x9F;  // surrogates
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      extra = 3;
      if (lead == 0xF0) low = 0x90;   // overlong
      if (lead == 0xF4) high = 0x8F;  // above U+10FFFF
    } else {
      return false;
    }
    if (bytes.size() - i <= extra) return false;
    for (std::size_t k = 1; k <= extra; ++k) {
      const std::uint8_t next = bytes[i + k];
      if (next < (k == 1 ? low : 0x80) || next > (k == 1 ? high : 0xBF)) return false;
    }
    i += extra + 1;
  }
  return true;
}

struct KeyOptions {
  e2ee::KeyMaterial material;
  e2ee::KeySize key_size = e2ee::KeySize::aes128;
  unsigned ratchet = 0;
};

Parsed<KeyOptions> read_key_options(const CommandLine& line) {
  KeyOptions out;
  const auto kdf = line.value("kdf");
  if (!kdf) return std::unexpected(UsageError{"--kdf hkdf|pbkdf2 is required"});
  if (*kdf == "hkdf") {
    out.material.kdf = e2ee::Kdf::hkdf;
  } else if (*kdf == "pbkdf2") {
    out.material.kdf = e2ee::Kdf::pbkdf2;
  } else {
    return std::unexpected(UsageError{"--kdf must be hkdf or pbkdf2, got \"" + *kdf + "\""});
  }
  const auto key = line.value("key-b64");
  if (!key) return std::unexpected(UsageError{"--key-b64 KEY is required"});
  auto bytes = e2ee::decode_key_base64(*key);
  if (!bytes) return std::unexpected(UsageError{"--key-b64: " + bytes.error().message});
  if (out.material.kdf == e2ee::Kdf::pbkdf2 && !is_utf8(*bytes)) {
    return std::unexpected(UsageError{"--key-b64: with --kdf pbkdf2 the key is a password and must be UTF-8"});
  }
  out.material.secret = std::move(*bytes);
  if (const auto size = line.value("key-size")) {
    if (*size == "128") {
      out.key_size = e2ee::KeySize::aes128;
    } else if (*size == "256") {
      out.key_size = e2ee::KeySize::aes256;
    } else {
      return std::unexpected(UsageError{"--key-size must be 128 or 256"});
    }
  }
  // PBKDF2 costs 100 000 iterations per step; keep a runaway count bounded.
  auto ratchet = integer_option(line, "ratchet", 0, 0, 10'000);
  if (!ratchet) return std::unexpected(ratchet.error());
  out.ratchet = static_cast<unsigned>(*ratchet);
  return out;
}

Parsed<e2ee::Bytes> read_frame(const CommandLine& line, std::size_t first_positional) {
  const auto& pos = line.positionals;
  const auto hex = line.value("hex");
  if (pos.size() > first_positional + 1) return std::unexpected(UsageError{"give at most one FILE"});
  const bool has_file = pos.size() == first_positional + 1;
  if (hex && has_file) return std::unexpected(UsageError{"give either --hex or FILE, not both"});
  if (hex) {
    auto bytes = core::hex::decode(*hex);
    if (!bytes) return std::unexpected(UsageError{"--hex: " + bytes.error().message});
    return std::move(*bytes);
  }
  if (!has_file) return std::unexpected(UsageError{"missing the frame: give --hex HEX or FILE (\"-\" for stdin)"});
  const std::string& path = pos[first_positional];
  if (path == "-") {
    return e2ee::Bytes(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  }
  std::ifstream file(path, std::ios::binary);
  if (!file) return std::unexpected(UsageError{"cannot read " + path});
  return e2ee::Bytes(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
}

int refused(Io& io, const core::Error& error) {
  io.err << "matrixrtc frame: " << error.message << " (" << core::to_string(error.code) << ")\n";
  return kFailed;
}

int run_keys(const CommandLine& line, Io& io) {
  for (const std::string_view name : {"codec", "key-index", "keyframe", "ssrc", "rtp-timestamp", "send-count",
                                      "keyring-size", "ratchet-window", "sif-trailer", "hex"}) {
    if (line.has(name)) return usage_error(io, "frame", core::cat("keys takes no --", name));
  }
  if (line.positionals.size() != 1) return usage_error(io, "frame", "keys takes no FILE");
  auto options = read_key_options(line);
  if (!options) return usage_error(io, "frame", options.error().message);
  boost::json::array steps;
  e2ee::KeyMaterial material = options->material;
  for (unsigned step = 0; step <= options->ratchet; ++step) {
    auto chain = e2ee::derive_chain_key(material);
    if (!chain) return refused(io, chain.error());
    const std::size_t key_length = static_cast<std::size_t>(options->key_size);
    const std::string material_hex = core::hex::encode(material.secret);
    const std::string chain_hex = core::hex::encode(*chain);
    const std::string key_hex = core::hex::encode(std::span(*chain).first(key_length));
    if (line.has("json")) {
      steps.push_back(boost::json::object{
          {"ratchet", step}, {"material", material_hex}, {"chain_key", chain_hex}, {"encryption_key", key_hex}});
    } else {
      io.out << "ratchet " << step << "\n  material       " << material_hex << "\n  chain_key      " << chain_hex
             << "\n  encryption_key " << key_hex << '\n';
    }
    material.secret.assign(chain->begin(), chain->end());
  }
  if (line.has("json")) {
    io.out << boost::json::serialize(
                  boost::json::object{{"kdf", options->material.kdf == e2ee::Kdf::hkdf ? "hkdf" : "pbkdf2"},
                                      {"salt", e2ee::kDefaultRatchetSalt},
                                      {"steps", std::move(steps)}})
           << '\n';
  }
  return kOk;
}

}  // namespace

int run_frame(std::span<const std::string> args, Io& io) {
  static constexpr OptionSpec kSpecs[] = {
      {"kdf", true, false},
      {"key-b64", true, false},
      {"key-index", true, false},
      {"ratchet", true, false},
      {"ratchet-window", true, false},
      {"codec", true, false},
      {"ssrc", true, false},
      {"rtp-timestamp", true, false},
      {"send-count", true, false},
      {"keyframe", false, false},
      {"keyring-size", true, false},
      {"key-size", true, false},
      {"sif-trailer", true, false},
      {"hex", true, false},
  };
  auto parsed = parse_command_line(args, kSpecs);
  if (!parsed) return usage_error(io, "frame", parsed.error().message);
  const CommandLine& line = *parsed;
  if (line.has("help")) {
    io.out << kFrameHelp;
    return kOk;
  }
  if (line.positionals.empty()) return usage_error(io, "frame", "missing what to do: encrypt, decrypt or keys");
  const std::string& action = line.positionals[0];
  if (action == "keys") return run_keys(line, io);
  if (action != "encrypt" && action != "decrypt") {
    return usage_error(io, "frame", "unknown action \"" + action + "\" (expected encrypt, decrypt or keys)");
  }
  const bool encrypting = action == "encrypt";
  const auto only_for = [&](std::string_view name, bool allowed) { return !allowed && line.has(name); };
  for (const std::string_view name : {"ssrc", "rtp-timestamp", "send-count"}) {
    if (only_for(name, encrypting)) return usage_error(io, "frame", core::cat("--", name, " applies to encrypt only"));
  }
  for (const std::string_view name : {"ratchet-window", "sif-trailer"}) {
    if (only_for(name, !encrypting)) return usage_error(io, "frame", core::cat("--", name, " applies to decrypt only"));
  }

  auto key_options = read_key_options(line);
  if (!key_options) return usage_error(io, "frame", key_options.error().message);
  const auto codec_name = line.value("codec");
  if (!codec_name) return usage_error(io, "frame", "--codec is required");
  auto codec = e2ee::parse_codec(*codec_name);
  if (!codec) return usage_error(io, "frame", codec.error().message);
  const e2ee::FrameDescription description{*codec, line.has("keyframe")};
  if (description.audio() && description.keyframe) {
    return usage_error(io, "frame", "--keyframe applies to video codecs only");
  }
  constexpr std::int64_t kU32Max = 0xFFFF'FFFF;
  auto ring_size = integer_option(line, "keyring-size", 256, 1, 256);
  auto key_index = integer_option(line, "key-index", 0, 0, 255);
  auto window = integer_option(line, "ratchet-window", 0, 0, 10'000);
  auto ssrc = integer_option(line, "ssrc", kU32Max, 0, kU32Max);
  auto timestamp = integer_option(line, "rtp-timestamp", 0, 0, kU32Max);
  auto send_count = integer_option(line, "send-count", 0, 0, std::numeric_limits<std::int64_t>::max());
  for (const auto* value : {&ring_size, &key_index, &window, &ssrc, &timestamp, &send_count}) {
    if (!*value) return usage_error(io, "frame", value->error().message);
  }
  if (*key_index >= *ring_size) {
    return usage_error(io, "frame",
                       core::cat("--key-index ", *key_index, " does not fit a key ring of ", *ring_size,
                                 " slots (the trailer would name another slot)"));
  }
  auto frame = read_frame(line, 1);
  if (!frame) return usage_error(io, "frame", frame.error().message);

  e2ee::KeyProviderOptions options;
  options.keyring_size = static_cast<std::size_t>(*ring_size);
  options.key_size = key_options->key_size;
  options.ratchet_window_size = static_cast<unsigned>(*window);
  auto ring = e2ee::ParticipantKeyRing::create(options);
  if (!ring) return usage_error(io, "frame", ring.error().message);
  auto material = e2ee::ratchet(key_options->material, key_options->ratchet);
  if (!material) return refused(io, material.error());
  if (auto set = ring->set_key(std::move(*material), static_cast<std::size_t>(*key_index)); !set) {
    return refused(io, set.error());
  }
  e2ee::FrameCryptor cryptor(*ring);

  boost::json::object json;
  std::string hex;
  if (encrypting) {
    const auto ssrc32 = static_cast<std::uint32_t>(*ssrc);
    cryptor.set_send_count(ssrc32, static_cast<std::uint64_t>(*send_count));
    auto out = cryptor.encrypt(*frame, description, ssrc32, static_cast<std::uint32_t>(*timestamp));
    if (!out) return refused(io, out.error());
    hex = core::hex::encode(out->data);
    json = {{"hex", hex},
            {"key_index", frame->empty() ? *key_index : out->key_index},
            {"iv", frame->empty() ? std::string() : core::hex::encode(out->iv)},
            {"header_length", out->header_length}};
  } else {
    if (const auto trailer = line.value("sif-trailer"))
      cryptor.set_sif_trailer(e2ee::Bytes(trailer->begin(), trailer->end()));
    auto out = cryptor.decrypt(*frame, description);
    if (!out) return refused(io, out.error());
    hex = core::hex::encode(out->data);
    const char* outcome = out->outcome == e2ee::DecryptOutcome::decrypted ? "decrypted"
                          : out->outcome == e2ee::DecryptOutcome::empty   ? "empty"
                                                                          : "server_injected";
    json = {{"hex", hex},
            {"key_index", out->key_index},
            {"iv", core::hex::encode(out->iv)},
            {"header_length", out->header_length},
            {"outcome", outcome},
            {"ratchets", out->ratchets}};
  }
  if (line.has("json")) {
    io.out << boost::json::serialize(json) << '\n';
  } else {
    io.out << hex << '\n';
  }
  return kOk;
}

}  // namespace matrixrtc::cli
