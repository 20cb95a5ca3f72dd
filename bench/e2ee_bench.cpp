// Frame encryption throughput: frames per second and MB/s for a 1 200-byte
// VP8 video frame and a 160-byte Opus audio frame, encrypt and decrypt, with
// Element Call's settings (HKDF key, ring of 256). Compare with
// bench/peers/livekit_client_e2ee_bench.mjs (livekit-client in Node).
#include <benchmark/benchmark.h>

#include "core/e2ee/frame_cryptor.hpp"

namespace {

using namespace matrixrtc::core::e2ee;

constexpr std::size_t kVideoBytes = 1200;
constexpr std::size_t kAudioBytes = 160;

ParticipantKeyRing make_ring() {
  auto ring = ParticipantKeyRing::create(KeyProviderOptions::element_call()).value();
  if (!ring.set_key(KeyMaterial{Kdf::hkdf, Bytes(16, 0x5a)}, 3)) std::abort();
  return ring;
}

Bytes make_frame(std::size_t size) {
  Bytes frame(size);
  for (std::size_t i = 0; i < size; ++i) frame[i] = static_cast<std::uint8_t>(i * 31 + 7);
  frame[0] = 0x31;  // VP8 delta frame / Opus TOC, whichever applies
  return frame;
}

void report(benchmark::State& state, std::size_t frame_size) {
  const auto frames = static_cast<std::int64_t>(state.iterations());
  state.SetItemsProcessed(frames);
  state.SetBytesProcessed(frames * static_cast<std::int64_t>(frame_size));
}

void BM_Encrypt(benchmark::State& state, FrameDescription description, std::size_t size) {
  auto ring = make_ring();
  FrameCryptor cryptor(ring);
  const Bytes frame = make_frame(size);
  std::uint32_t timestamp = 0;
  for (auto _ : state) {
    auto sealed = cryptor.encrypt(frame, description, 0x1234, timestamp += 3000);
    benchmark::DoNotOptimize(sealed);
  }
  report(state, size);
}

void BM_Decrypt(benchmark::State& state, FrameDescription description, std::size_t size) {
  auto ring = make_ring();
  FrameCryptor cryptor(ring);
  const Bytes sealed = cryptor.encrypt(make_frame(size), description, 0x1234, 3000).value().data;
  for (auto _ : state) {
    auto plain = cryptor.decrypt(sealed, description);
    if (!plain) state.SkipWithError("decryption failed");
    benchmark::DoNotOptimize(plain);
  }
  report(state, size);
}

BENCHMARK_CAPTURE(BM_Encrypt, video_vp8_1200, FrameDescription{Codec::vp8, false}, kVideoBytes);
BENCHMARK_CAPTURE(BM_Decrypt, video_vp8_1200, FrameDescription{Codec::vp8, false}, kVideoBytes);
BENCHMARK_CAPTURE(BM_Encrypt, audio_opus_160, FrameDescription{Codec::opus, false}, kAudioBytes);
BENCHMARK_CAPTURE(BM_Decrypt, audio_opus_160, FrameDescription{Codec::opus, false}, kAudioBytes);

}  // namespace

BENCHMARK_MAIN();
