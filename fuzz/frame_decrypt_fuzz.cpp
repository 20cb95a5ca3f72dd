// libFuzzer target: decryption of untrusted media frames must never read out
// of bounds, crash or hang, whatever the codec rule, trailer or escaping.
// The first input byte picks the codec, key-frame flag and whether a SIF
// trailer is set; the rest is the frame. Half of the time the frame is first
// encrypted with the ring's key so the fuzzer also reaches the code after
// authentication; for Opus, VP8 and VP9 that round trip must give back the
// input frame exactly. Any error outside the set decrypt() documents aborts.
#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "core/e2ee/frame_cryptor.hpp"
#include "core/e2ee/nalu.hpp"

namespace {

using namespace matrixrtc::core::e2ee;
using matrixrtc::core::ErrorCode;
using matrixrtc::core::Result;

ParticipantKeyRing make_ring() {
  KeyProviderOptions options = KeyProviderOptions::element_call();
  options.ratchet_window_size = 1;
  options.failure_tolerance = -1;  // keep trying the key on every input
  auto ring = ParticipantKeyRing::create(options).value();
  for (std::size_t index : {0U, 7U, 255U}) {
    if (!ring.set_key(KeyMaterial{Kdf::hkdf, Bytes(16, static_cast<std::uint8_t>(index))}, index)) __builtin_trap();
  }
  return ring;
}

// The errors FrameCryptor::decrypt documents; anything else (crypto_failure,
// invalid_argument, ...) means untrusted bytes reached a place they should not.
void check_decrypt_error(const Result<DecryptedFrame>& result) {
  if (result) return;
  static constexpr ErrorCode kDocumented[] = {
      ErrorCode::missing_key,     ErrorCode::key_invalidated, ErrorCode::decryption_failed,
      ErrorCode::malformed_frame, ErrorCode::unexpected_sif,  ErrorCode::unsupported_codec,
  };
  if (std::find(std::begin(kDocumented), std::end(kDocumented), result.error().code) == std::end(kDocumented)) {
    __builtin_trap();
  }
}

// Codecs whose clear header depends only on the description, never on the
// (encrypted) bytes, so our own frames always decrypt to the input.
bool round_trip_must_hold(Codec codec) { return codec == Codec::opus || codec == Codec::vp8 || codec == Codec::vp9; }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static ParticipantKeyRing ring = make_ring();
  if (size == 0) return 0;
  const std::uint8_t selector = data[0];
  static constexpr Codec kCodecs[] = {Codec::opus, Codec::vp8,     Codec::vp9, Codec::h264,
                                      Codec::h265, Codec::unknown, Codec::av1, Codec::h264};
  const FrameDescription description{kCodecs[selector & 0x07], (selector & 0x08) != 0};
  // Copy so that any read past the end is caught by the sanitizer.
  const Bytes frame(data + 1, data + size);

  FrameCryptor cryptor(ring);
  if ((selector & 0x10) != 0) cryptor.set_sif_trailer(Bytes{'s', 'i', 'f'});
  if ((selector & 0x20) != 0) {
    auto sealed = cryptor.encrypt(frame, description, 0x01020304, 90000);
    if (sealed) {
      const auto opened = cryptor.decrypt(sealed->data, description);
      check_decrypt_error(opened);
      // Our own frames must come back unless the codec rule reads the
      // ciphertext as H.26x (the same happens in livekit-client).
      if (round_trip_must_hold(description.codec) && (!opened || opened->data != frame)) __builtin_trap();
    }
  } else {
    check_decrypt_error(cryptor.decrypt(frame, description));
  }
  (void)nalu::unescape_rbsp(frame);
  (void)nalu::escape_rbsp(frame);
  (void)nalu::normalize_start_codes(frame);
  return 0;
}
