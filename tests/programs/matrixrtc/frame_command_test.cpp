#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "programs/matrixrtc/run_cli.hpp"

namespace matrixrtc::cli::testing {
namespace {

// HKDF material 00..1f (base64); the expected frames come from livekit-client 2.23.
constexpr const char* kKey = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
constexpr const char* kVp8Plain = "1002009d012a08000800deadbeef";
constexpr const char* kVp8Sealed =
    "1002009d012a080008000640cb3e6402e6fbfb3ee26d94bcecc87e83051a010203040a0b0c0d0a0b0c0d0c07";

std::vector<std::string> encrypt_vp8(std::vector<std::string> extra = {}) {
  std::vector<std::string> args{
      "frame", "encrypt",    "--kdf",  "hkdf",     "--key-b64",       kKey,        "--key-index", "7",      "--codec",
      "vp8",   "--keyframe", "--ssrc", "16909060", "--rtp-timestamp", "168496141", "--hex",       kVp8Plain};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

std::vector<std::string> decrypt(std::string hex, std::vector<std::string> extra = {}) {
  std::vector<std::string> args{"frame", "decrypt", "--kdf", "hkdf",       "--key-b64", kKey,          "--key-index",
                                "7",     "--codec", "vp8",   "--keyframe", "--hex",     std::move(hex)};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

TEST(FrameCommand, EncryptsAsLivekitClient) {
  const auto run = run_cli(encrypt_vp8());
  EXPECT_EQ(run.status, kOk) << run.err;
  EXPECT_EQ(run.out, std::string(kVp8Sealed) + "\n");
}

TEST(FrameCommand, EncryptJson) {
  const auto run = run_cli(encrypt_vp8({"--json"}));
  EXPECT_EQ(run.out, std::string(R"({"hex":")") + kVp8Sealed +
                         R"(","key_index":7,"iv":"010203040a0b0c0d0a0b0c0d","header_length":10})" + "\n");
}

TEST(FrameCommand, SendCountEntersTheIv) {
  const auto run =
      run_cli({"frame", "encrypt", "--kdf", "hkdf", "--key-b64", kKey, "--key-index", "7", "--codec", "opus", "--ssrc",
               "3405691582", "--rtp-timestamp", "1920", "--send-count", "1", "--hex", "f8010203"});
  EXPECT_EQ(run.out, "f8bb5cf079fb35362dd6025ac8248a0c3933c1e5cafebabe000007800000077f0c07\n");
}

TEST(FrameCommand, DecryptsAndReportsTheTrailer) {
  EXPECT_EQ(run_cli(decrypt(kVp8Sealed)).out, std::string(kVp8Plain) + "\n");
  const auto run = run_cli(decrypt(kVp8Sealed, {"--json"}));
  EXPECT_EQ(run.out, std::string(R"({"hex":")") + kVp8Plain +
                         R"(","key_index":7,"iv":"010203040a0b0c0d0a0b0c0d","header_length":10,)"
                         R"("outcome":"decrypted","ratchets":0})" +
                         "\n");
}

TEST(FrameCommand, RefusedFramesExitOne) {
  // Each refusal exits 1 with nothing on stdout and exactly this line on stderr.
  const auto expect_refused = [](const std::vector<std::string>& args, std::string_view message) {
    const auto run = run_cli(args);
    EXPECT_EQ(run.status, kFailed) << message;
    EXPECT_TRUE(run.out.empty()) << message;
    EXPECT_EQ(run.err, "matrixrtc frame: " + std::string(message) + "\n");
  };
  const std::string_view wrong_key =
      "decryption failed with the key at index 7 (wrong key or tampered frame) (decryption_failed)";
  std::string tampered = kVp8Sealed;
  tampered[30] = tampered[30] == '0' ? '1' : '0';
  expect_refused(decrypt(tampered), wrong_key);
  // Another key index: no key there.
  std::string other_index = kVp8Sealed;
  other_index.replace(other_index.size() - 2, 2, "08");
  expect_refused(decrypt(other_index), "missing key at index 8 (missing_key)");
  // Cut short, the last byte left names a slot with no key.
  expect_refused(decrypt(std::string(kVp8Sealed).substr(0, 30)), "missing key at index 100 (missing_key)");
  // Cut short with the trailer kept: no room for the IV and tag.
  expect_refused(decrypt(std::string(kVp8Sealed).substr(0, 30) + "0c07"),
                 "IV length 12 is out of bounds for a frame body of 7 bytes (needs IV, trailer and a 16-byte tag) "
                 "(malformed_frame)");
  // IV length byte 0, too long for the frame, and above what AES-GCM accepts.
  const auto with_iv_length = [](std::string_view length) {
    std::string frame = kVp8Sealed;
    frame.replace(frame.size() - 4, 2, length);
    return frame;
  };
  expect_refused(decrypt(with_iv_length("00")), "IV length byte is 0 (malformed_frame)");
  expect_refused(decrypt(with_iv_length("40")),
                 "IV length 64 is out of bounds for a frame body of 34 bytes (needs IV, trailer and a 16-byte tag) "
                 "(malformed_frame)");
  expect_refused(decrypt(with_iv_length("ff")), "IV length 255 is above the maximum of 128 (malformed_frame)");
  // Wrong key (ratcheted once), wrong key frame flag (other AAD).
  expect_refused(decrypt(kVp8Sealed, {"--ratchet", "1"}), wrong_key);
  auto delta = decrypt(kVp8Sealed);
  std::erase(delta, "--keyframe");
  expect_refused(delta, wrong_key);
}

TEST(FrameCommand, Av1IsRefused) {
  const auto run = run_cli(
      {"frame", "encrypt", "--kdf", "hkdf", "--key-b64", kKey, "--codec", "av1", "--keyframe", "--hex", "0a0b0c0d"});
  EXPECT_EQ(run.status, kFailed);
  EXPECT_NE(run.err.find("av1 is not supported"), std::string::npos) << run.err;
}

TEST(FrameCommand, RatchetAndRatchetWindow) {
  const auto ahead = run_cli(encrypt_vp8({"--ratchet", "2"}));
  ASSERT_EQ(ahead.status, kOk);
  const std::string frame = ahead.out.substr(0, ahead.out.size() - 1);
  EXPECT_EQ(run_cli(decrypt(frame)).err,
            "matrixrtc frame: decryption failed with the key at index 7 (wrong key or tampered frame) "
            "(decryption_failed)\n");
  const auto behind = run_cli(decrypt(frame, {"--ratchet-window", "1"}));
  EXPECT_EQ(behind.status, kFailed);
  EXPECT_EQ(behind.err,
            "matrixrtc frame: decryption failed with the key at index 7 and 1 ratchets of it (wrong key or "
            "tampered frame) (decryption_failed)\n");
  EXPECT_EQ(run_cli(decrypt(frame, {"--ratchet", "2"})).out, std::string(kVp8Plain) + "\n");
  const auto caught_up = run_cli(decrypt(frame, {"--ratchet-window", "2", "--json"}));
  EXPECT_EQ(caught_up.status, kOk);
  EXPECT_NE(caught_up.out.find(R"("ratchets":2)"), std::string::npos) << caught_up.out;
}

TEST(FrameCommand, EmptyFramesPassThrough) {
  EXPECT_EQ(run_cli({"frame", "encrypt", "--kdf", "hkdf", "--key-b64", kKey, "--codec", "opus", "--hex", ""}).out,
            "\n");
  EXPECT_EQ(
      run_cli({"frame", "decrypt", "--kdf", "hkdf", "--key-b64", kKey, "--codec", "opus", "--hex", "", "--json"}).out,
      R"({"hex":"","key_index":0,"iv":"","header_length":0,"outcome":"empty","ratchets":0})"
      "\n");
}

TEST(FrameCommand, ReadsTheFrameFromAFile) {
  const std::string path = ::testing::TempDir() + "frame_command_test.bin";
  {
    std::ofstream file(path, std::ios::binary);
    const unsigned char bytes[] = {0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x08, 0x00, 0x08, 0x00, 0xde, 0xad, 0xbe, 0xef};
    file.write(reinterpret_cast<const char*>(bytes), sizeof bytes);
  }
  auto args = encrypt_vp8();
  args.resize(args.size() - 2);
  args.push_back(path);
  EXPECT_EQ(run_cli(args).out, std::string(kVp8Sealed) + "\n");
  std::remove(path.c_str());
}

TEST(FrameCommand, SifTrailer) {
  // livekit-client's Opus silence SIF payload, then the room trailer "abc".
  std::string silence = "f8fffe" + std::string(154, '0');
  const auto run = run_cli({"frame", "decrypt", "--kdf", "hkdf", "--key-b64", kKey, "--codec", "opus", "--sif-trailer",
                            "abc", "--json", "--hex", silence + "616263"});
  EXPECT_EQ(run.status, kOk) << run.err;
  EXPECT_NE(run.out.find(R"("outcome":"server_injected")"), std::string::npos);
  EXPECT_NE(run.out.find(silence), std::string::npos);
}

TEST(FrameCommand, KeysPrintsTheChain) {
  const auto run = run_cli({"frame", "keys", "--kdf", "pbkdf2", "--key-b64", "cGFzc3dvcmQ=", "--json"});
  EXPECT_EQ(run.out,
            R"({"kdf":"pbkdf2","salt":"LKFrameEncryptionKey","steps":[{"ratchet":0,"material":"70617373776f7264",)"
            R"("chain_key":"421890b1557504a8ea1a90c253b419e4e1a3a43283f7115909d6fce6926e5e5f",)"
            R"("encryption_key":"421890b1557504a8ea1a90c253b419e4"}]})"
            "\n");
  const auto text = run_cli({"frame", "keys", "--kdf", "hkdf", "--key-b64",
                             "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE", "--ratchet", "1", "--key-size", "256"});
  EXPECT_EQ(text.status, kOk);
  EXPECT_NE(text.out.find("chain_key      a39c6222ab110265a5d9ed5d005333d28c0abf4c22f4bfebc36c3ee963b377b5"),
            std::string::npos);
  EXPECT_NE(text.out.find("ratchet 1"), std::string::npos);
}

TEST(FrameCommand, UsageErrorsExitTwo) {
  const std::vector<std::vector<std::string>> cases{
      {"frame"},
      {"frame", "scramble"},
      {"frame", "encrypt", "--key-b64", kKey, "--codec", "vp8", "--hex", "00"},
      {"frame", "encrypt", "--kdf", "scrypt", "--key-b64", kKey, "--codec", "vp8", "--hex", "00"},
      {"frame", "encrypt", "--kdf", "hkdf", "--codec", "vp8", "--hex", "00"},
      {"frame", "encrypt", "--kdf", "hkdf", "--key-b64", "!!", "--codec", "vp8", "--hex", "00"},
      {"frame", "encrypt", "--kdf", "hkdf", "--key-b64", kKey, "--hex", "00"},
      {"frame", "encrypt", "--kdf", "hkdf", "--key-b64", kKey, "--codec", "mp3", "--hex", "00"},
      {"frame", "encrypt", "--kdf", "hkdf", "--key-b64", kKey, "--codec", "vp8", "--hex", "0"},
      {"frame", "encrypt", "--kdf", "hkdf", "--key-b64", kKey, "--codec", "vp8"},
      {"frame", "encrypt", "--kdf", "hkdf", "--key-b64", kKey, "--codec", "vp8", "--hex", "00", "file"},
      {"frame", "encrypt", "--kdf", "hkdf", "--key-b64", kKey, "--codec", "vp8", "--key-index", "256", "--hex", "00"},
      {"frame", "encrypt", "--kdf", "hkdf", "--key-b64", kKey, "--codec", "vp8", "--key-index", "16", "--keyring-size",
       "16", "--hex", "00"},
      {"frame", "encrypt", "--kdf", "hkdf", "--key-b64", kKey, "--codec", "vp8", "--keyring-size", "0", "--hex", "00"},
      {"frame", "encrypt", "--kdf", "hkdf", "--key-b64", kKey, "--codec", "vp8", "--ssrc", "4294967296", "--hex", "00"},
      {"frame", "encrypt", "--kdf", "hkdf", "--key-b64", kKey, "--codec", "vp8", "--ssrc", "-1", "--hex", "00"},
      {"frame", "encrypt", "--kdf", "hkdf", "--key-b64", kKey, "--codec", "vp8", "--ratchet-window", "1", "--hex",
       "00"},
      {"frame", "encrypt", "--kdf", "hkdf", "--key-b64", kKey, "--codec", "opus", "--keyframe", "--hex", "00"},
      {"frame", "encrypt", "--kdf", "hkdf", "--key-b64", kKey, "--codec", "vp8", "--key-size", "192", "--hex", "00"},
      {"frame", "decrypt", "--kdf", "hkdf", "--key-b64", kKey, "--codec", "vp8", "--ssrc", "1", "--hex", "00"},
      {"frame", "decrypt", "--kdf", "hkdf", "--key-b64", kKey, "--codec", "vp8", "--send-count", "1", "--hex", "00"},
      {"frame", "keys", "--kdf", "hkdf", "--key-b64", kKey, "--codec", "vp8"},
      {"frame", "keys", "--kdf", "hkdf", "--key-b64", kKey, "extra"},
  };
  for (const auto& args : cases) {
    const auto run = run_cli(args);
    EXPECT_EQ(run.status, kUsage) << ::testing::PrintToString(args) << run.err;
    EXPECT_TRUE(run.out.empty());
    EXPECT_NE(run.err.find("--help"), std::string::npos) << run.err;
  }
}

TEST(FrameCommand, Pbkdf2PasswordsMustBeUtf8) {
  // 0xff; C0 80 (overlong NUL); ED A0 80 (a surrogate); F4 90 80 80 (above U+10FFFF); C3 (cut short).
  for (const char* key : {"/w==", "wIA=", "7aCA", "9JCAgA==", "ww=="}) {
    for (const char* command : {"encrypt", "decrypt", "keys"}) {
      std::vector<std::string> args{"frame", command, "--kdf", "pbkdf2", "--key-b64", key};
      if (std::string_view(command) != "keys") args.insert(args.end(), {"--codec", "opus", "--hex", "f801"});
      const auto run = run_cli(args);
      EXPECT_EQ(run.status, kUsage) << key << ' ' << command;
      EXPECT_TRUE(run.out.empty());
      EXPECT_NE(run.err.find("--key-b64: with --kdf pbkdf2 the key is a password and must be UTF-8"), std::string::npos)
          << run.err;
    }
    // The same bytes are a fine raw HKDF key.
    EXPECT_EQ(run_cli({"frame", "keys", "--kdf", "hkdf", "--key-b64", key}).status, kOk) << key;
  }
  // "é" and U+10FFFF (F4 8F BF BF) are UTF-8.
  EXPECT_EQ(run_cli({"frame", "keys", "--kdf", "pbkdf2", "--key-b64", "w6k="}).status, kOk);
  EXPECT_EQ(run_cli({"frame", "keys", "--kdf", "pbkdf2", "--key-b64", "9I+/vw=="}).status, kOk);
}

TEST(FrameCommand, HelpDocumentsEveryFlag) {
  const auto run = run_cli({"frame", "--help"});
  EXPECT_EQ(run.status, kOk);
  for (const char* flag : {"--kdf", "--key-b64", "--key-index", "--ratchet ", "--ratchet-window", "--codec",
                           "--keyframe", "--ssrc", "--rtp-timestamp", "--send-count", "--keyring-size", "--key-size",
                           "--sif-trailer", "--hex", "--json", "\"salt\"", "Exit status"}) {
    EXPECT_NE(run.out.find(flag), std::string::npos) << flag;
  }
  EXPECT_NE(run_cli({"--help"}).out.find("frame encrypt|decrypt|keys"), std::string::npos);
}

TEST(FrameCommand, TheBinaryReadsStdin) {
  const auto run = run_binary("printf '\\370\\001\\002' | " + std::string(MATRIXRTC_BINARY) +
                              " frame encrypt --kdf hkdf --key-b64 " + kKey + " --codec opus --ssrc 1 -");
  EXPECT_EQ(run.status, 0);
  EXPECT_EQ(run.out.size(), 2 * (3 + 16 + 12 + 2) + 1);
  EXPECT_EQ(run.out.substr(0, 2), "f8");
}

}  // namespace
}  // namespace matrixrtc::cli::testing
