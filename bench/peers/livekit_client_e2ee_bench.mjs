// livekit-client 2.23's frame encryption throughput in Node (its shipped E2EE
// worker with Node's WebCrypto), for the same frames as bench/e2ee_bench.cpp:
// 1 200-byte VP8 video and 160-byte Opus audio, HKDF key, ring of 256.
// Prints JSON. Needs `npm ci` in tests/interop. Usage:
//   node bench/peers/livekit_client_e2ee_bench.mjs [frames per run, default 20000]
import * as lk from '../../tests/interop/livekit_e2ee.mjs';

const count = Number(process.argv[2] ?? 20000);
const frame = (codec, size) => {
  const data = Uint8Array.from({ length: size }, (_, i) => (i * 31 + 7) & 0xff);
  data[0] = 0x31;
  return { codec, data, ssrc: 0x1234 };
};
const cases = [
  { name: 'video_vp8_1200', ...frame('vp8', 1200) },
  { name: 'audio_opus_160', ...frame('opus', 160) },
];

lk.init({ ratchetWindowSize: 10, keyringSize: 256 });
const identity = await lk.participant({ kdf: 'hkdf', secret: Array(16).fill(0x5a), keyIndex: 3 });

const results = [];
for (const c of cases) {
  const frames = Array.from({ length: count }, (_, i) => ({ ...c, timestamp: (i + 1) * 3000 }));
  await lk.encrypt(identity, frames.slice(0, 1000));  // warm up
  let start = process.hrtime.bigint();
  const sealed = await lk.encrypt(identity, frames);
  let seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (sealed.length !== count) throw new Error('livekit-client dropped frames while encrypting');
  results.push(summary(`encrypt/${c.name}`, c.data.length, seconds));
  start = process.hrtime.bigint();
  const plain = await lk.decryptAll(identity, sealed.map((data, i) => ({ ...frames[i], data })));
  seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (plain.length !== count) throw new Error('livekit-client dropped frames while decrypting');
  results.push(summary(`decrypt/${c.name}`, c.data.length, seconds));
}

function summary(name, size, seconds) {
  return {
    name, frames: count, frame_bytes: size, seconds,
    frames_per_second: Math.round(count / seconds),
    mb_per_second: Number(((count * size) / seconds / 1e6).toFixed(1)),
  };
}

console.log(JSON.stringify({ implementation: 'livekit-client 2.23.0 e2ee worker', node: process.version, results }, null, 1));
process.exit(0);
