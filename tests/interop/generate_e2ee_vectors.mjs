// Regenerates tests/core/e2ee/vectors/*.json from livekit-client 2.23 itself
// (its key derivation, ratchet and E2EE worker), so the C++ unit tests can
// check byte equality without Node. Run from this folder:
//   node generate_e2ee_vectors.mjs          writes the files
//   node generate_e2ee_vectors.mjs --check  fails if they differ from what livekit-client produces now
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as cases from './e2ee_cases.mjs';
import * as lk from './livekit_e2ee.mjs';

const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'core', 'e2ee', 'vectors');
const { LK, hex } = lk;

// Key derivation: chain keys of livekit-client's ratchet(), and proof that
// deriveKeys() gives their prefix: AES-GCM of a fixed probe under the
// (non-extractable) derived key.
const probe = { iv: new Uint8Array(12), aad: new Uint8Array(0), plaintext: Uint8Array.from({ length: 17 }, (_, i) => i) };
async function keyChain(kdf, secret, steps, keySize) {
  let material = await lk.keyMaterial(kdf, secret);
  const chain = [];
  for (let step = 0; step <= steps; step++) {
    const { encryptionKey } = await LK.deriveKeys(material, { ratchetSalt: 'LKFrameEncryptionKey', keySize });
    const sealed = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv: probe.iv, additionalData: probe.aad }, encryptionKey, probe.plaintext));
    const next = new Uint8Array(await LK.ratchet(material, 'LKFrameEncryptionKey'));
    chain.push({ chain_key: hex(next), probe: hex(sealed) });
    material = await LK.importKey(next, material.algorithm.name, 'derive');
  }
  return { kdf, secret: hex(secret), key_size: keySize, steps: chain };
}

async function keyVectors() {
  const list = [];
  for (const password of ['password', 'pw', '', 'correct horse', 'pässwörd 🔑']) {
    list.push(await keyChain('pbkdf2', [...Buffer.from(password)], password === 'password' ? 3 : 1, 128));
  }
  for (const length of [0, 1, 16, 32, 100]) {
    list.push(await keyChain('hkdf', Array.from({ length }, (_, i) => i), 3, 128));
  }
  list.push(await keyChain('hkdf', Array.from({ length: 32 }, () => 1), 2, 128));
  list.push(await keyChain('hkdf', Array.from({ length: 16 }, (_, i) => i), 2, 256));
  list.push(await keyChain('pbkdf2', [...Buffer.from('password')], 1, 256));
  return { probe: { iv: hex(probe.iv), aad: hex(probe.aad), plaintext: hex(probe.plaintext) }, chains: list };
}

async function frameVectors() {
  lk.init();
  const list = [];
  for (const key of cases.keys) {
    for (const keyIndex of cases.keyIndexes) {
      for (const ratchets of cases.ratchetCounts) {
        const identity = await lk.participant({ ...key, keyIndex, ratchets });
        for (const frame of cases.frames) {
          const [encrypted] = await lk.encrypt(identity, [frame]);
          list.push({
            name: frame.name, kdf: key.kdf, secret: hex(key.secret), key_index: keyIndex, ratchets,
            codec: frame.codec, keyframe: !!frame.keyframe, ssrc: frame.ssrc, rtp_timestamp: frame.timestamp, send_count: 0,
            plain: hex(frame.data), encrypted: hex(encrypted),
          });
        }
      }
    }
  }
  const identity = await lk.participant({ ...cases.keys[1], keyIndex: 2 });
  const encrypted = await lk.encrypt(identity, cases.sequence);
  cases.sequence.forEach((frame, i) => list.push({
    name: `opus-sequence-${i}`, kdf: cases.keys[1].kdf, secret: hex(cases.keys[1].secret), key_index: 2, ratchets: 0,
    codec: frame.codec, keyframe: false, ssrc: frame.ssrc, rtp_timestamp: frame.timestamp, send_count: i,
    plain: hex(frame.data), encrypted: hex(encrypted[i]),
  }));
  return { generator: 'livekit-client 2.23.0 e2ee worker', frames: list };
}

const files = { 'keys.json': await keyVectors(), 'frames.json': await frameVectors() };
let stale = false;
for (const [name, value] of Object.entries(files)) {
  const text = `${JSON.stringify(value, null, 1)}\n`;
  if (process.argv.includes('--check')) {
    if (readFileSync(join(out, name), 'utf8') !== text) {
      console.error(`${name} differs from what livekit-client produces`);
      stale = true;
    }
  } else {
    writeFileSync(join(out, name), text);
  }
}
process.exit(stale ? 1 : 0);
