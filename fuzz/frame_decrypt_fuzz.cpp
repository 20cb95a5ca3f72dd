// libFuzzer target: decryption of untrusted media frames must never read out
// of bounds, crash or hang, whatever the codec rule, trailer or escaping.
// The first input byte picks the codec, key-frame flag and whether a SIF
// trailer is set; the rest is the frame. Half of the time the frame is first
// encrypted with the ring's key so the fuzzer also reaches the code after
// authentication.
#include <cstddef>
#include <cstdint>

#include "core/e2ee/frame_cryptor.hpp"
#include "core/e2ee/nalu.hpp"

namespace {

using namespace matrixrtc::core::e2ee;

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
      auto opened = cryptor.decrypt(sealed->data, description);
      // Our own frames must come back unless the codec rule reads the
      // ciphertext as H.26x (the same happens in livekit-client).
      (void)opened;
    }
  } else {
    (void)cryptor.decrypt(frame, description);
  }
  (void)nalu::unescape_rbsp(frame);
  (void)nalu::escape_rbsp(frame);
  (void)nalu::normalize_start_codes(frame);
  return 0;
}
