// The frames and keys the E2EE known-answer vectors and interop tests use:
// one case per codec rule of livekit-client 2.23's FrameCryptor.
const bytes = (...parts) => Uint8Array.from(parts.flatMap((p) => (typeof p === 'string' ? [...Buffer.from(p.replace(/ /g, ''), 'hex')] : p)));
const counting = (n, from = 0) => Array.from({ length: n }, (_, i) => (from + i * 7) & 0xff);

export const keys = [
  { name: 'pbkdf2', kdf: 'pbkdf2', secret: [...Buffer.from('correct horse')] },
  { name: 'hkdf', kdf: 'hkdf', secret: Array.from({ length: 16 }, (_, i) => 0xa0 + i) },
];
export const keyIndexes = [0, 1, 255];
export const ratchetCounts = [0, 1, 3];

// ssrc/timestamp: a small SSRC (1, 0x300) puts 00 00 0x in the IV, which forces RBSP
// escaping of the H.26x trailer; a large one avoids it.
export const frames = [
  { name: 'opus', codec: 'opus', data: bytes('f8 010203'), ssrc: 0xcafebabe, timestamp: 960 },
  { name: 'opus-toc-only', codec: 'opus', data: bytes('fc'), ssrc: 0xcafebabe, timestamp: 1920 },
  { name: 'vp8-key', codec: 'vp8', keyframe: true, data: bytes('1002009d012a08000800', counting(40)), ssrc: 0x01020304, timestamp: 0x0a0b0c0d },
  { name: 'vp8-delta', codec: 'vp8', data: bytes('310100', counting(30, 3)), ssrc: 0x01020304, timestamp: 0x0a0b0c0e },
  { name: 'vp8-header-only', codec: 'vp8', data: bytes('310100'), ssrc: 7, timestamp: 9 },
  { name: 'vp9', codec: 'vp9', keyframe: true, data: bytes('82498342', counting(50, 1)), ssrc: 0xdeadbeef, timestamp: 3000 },
  { name: 'h264-4byte', codec: 'h264', keyframe: true, data: bytes('00000001 6742c01f 00000001 68ce3c80 00000001 6588 840000000102 03'), ssrc: 1, timestamp: 90000 },
  { name: 'h264-3byte', codec: 'h264', keyframe: true, data: bytes('000001 6742c01f 000001 68ce3c80 000001 6588 84', counting(20, 5)), ssrc: 0xdeadbeef, timestamp: 0x12345678 },
  { name: 'h264-escaped', codec: 'h264', data: bytes('00000001 4188 0000000000000300', counting(16)), ssrc: 1, timestamp: 3 },
  { name: 'h264-aud-first', codec: 'h264', data: bytes('00000001 09f0 00000001 4188 7766', counting(12)), ssrc: 0xdeadbeef, timestamp: 0xfffffff0 },
  // No slice: the VP8 rule. The receiver re-parses the frame, and if the
  // ciphertext after the 10-byte header completes a start code followed by a
  // slice type, livekit-client (and we, to match) cannot decrypt it.
  { name: 'h264-no-slice', unstable: true, codec: 'h264', keyframe: true, data: bytes('00000001 6742c01f 00000001 68ce3c80', counting(12)), ssrc: 0xdeadbeef, timestamp: 5 },
  { name: 'h264-leading-data', codec: 'h264', data: bytes('ff00000001 6588', counting(12)), ssrc: 0xdeadbeef, timestamp: 5 },
  { name: 'h265', codec: 'h265', keyframe: true, data: bytes('00000001 40010c01 00000001 42010101 00000001 4401c173 00000001 2601 af', counting(24)), ssrc: 2, timestamp: 180000 },
  { name: 'h265-3byte', codec: 'h265', data: bytes('000001 0201 d0', counting(24)), ssrc: 0x300, timestamp: 7 },
  { name: 'unknown-h264-bytes', codec: 'unknown', keyframe: true, data: bytes('00000001 6742c01f 00000001 6588 99', counting(10)), ssrc: 0xdeadbeef, timestamp: 11 },
  { name: 'unknown-key', codec: 'unknown', keyframe: true, data: bytes(counting(32, 9)), ssrc: 0xdeadbeef, timestamp: 12 },
  { name: 'unknown-delta', codec: 'unknown', data: bytes(counting(32, 9)), ssrc: 0xdeadbeef, timestamp: 13 },
];

/** Frames encrypted one after another in one track: send counts 0, 1, 2. */
export const sequence = [
  { codec: 'opus', data: bytes('f8 010203'), ssrc: 0xcafebabe, timestamp: 960 },
  { codec: 'opus', data: bytes('f8 040506'), ssrc: 0xcafebabe, timestamp: 1920 },
  { codec: 'opus', data: bytes('f8 070809'), ssrc: 0xcafebabe, timestamp: 2880 },
];
