// livekit-client's own E2EE code run in plain Node: the shipped E2EE worker
// bundle (its FrameCryptor, ParticipantKeyHandler, key derivation and codec
// rules) fed with RTCEncoded*Frame-shaped objects through web streams, with
// Node's WebCrypto. No timers: every call resolves when its pipe has closed.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), 'node_modules', 'livekit-client');

export const LK = await import(join(root, 'dist/livekit-client.esm.mjs'));

const messages = [];
// The send counter starts at Math.random() * 0xffff; 0 makes it start at 0,
// like the CLI's default --send-count 0.
Math.random = () => 0;
globalThis.self = globalThis;
globalThis.onmessage = null;
globalThis.postMessage = (message) => messages.push(message);
globalThis.RTCEncodedAudioFrame = class {};
await import(join(root, 'dist/livekit-client.e2ee.worker.mjs'));
const send = (kind, data) => globalThis.onmessage({ data: { kind, data } });

export const mimeTypes = { vp8: 'video/VP8', vp9: 'video/VP9', h264: 'video/H264', h265: 'video/H265', av1: 'video/AV1' };

/** Worker messages of kind 'error' posted since `from`. */
export function errorsSince(from) {
  return messages.slice(from).filter((m) => m.kind === 'error').map((m) => String(m.data.error?.message ?? m.data.error));
}
export const messageCount = () => messages.length;

/**
 * Sets the key-provider options for identities created from now on (the
 * worker copies them into each key handler and cryptor when it creates them).
 */
export function init(options = {}) {
  send('init', {
    keyProviderOptions: {
      sharedKey: false, ratchetSalt: 'LKFrameEncryptionKey', ratchetWindowSize: 0, failureTolerance: 10,
      keyringSize: 256, keySize: 128, ...options,
    },
    loglevel: 'silent',
  });
}

/** Key material as livekit-client makes it: PBKDF2 from a string, HKDF from bytes. */
export async function keyMaterial(kdf, secret) {
  if (kdf === 'pbkdf2') return LK.createKeyMaterialFromString(new TextDecoder().decode(Uint8Array.from(secret)));
  return LK.createKeyMaterialFromBuffer(Uint8Array.from(secret).buffer);
}

let nextId = 0;

/**
 * A new participant whose ring holds `secret` at `keyIndex` (made current),
 * ratcheted `ratchets` times with the worker's own ratchetRequest.
 */
export async function participant({ kdf, secret, keyIndex = 0, ratchets = 0 }) {
  const identity = `participant-${nextId++}`;
  send('enable', { participantIdentity: identity, enabled: true });
  send('setKey', {
    participantIdentity: identity, isPublisher: true, key: await keyMaterial(kdf, secret), keyIndex,
    updateCurrentKeyIndex: true,
  });
  for (let i = 0; i < ratchets; i++) {
    // The worker does not await ratchet requests, and concurrent requests
    // for one index share a single ratchet: wait for each to report back.
    const from = messages.length;
    send('ratchetRequest', { participantIdentity: identity, keyIndex });
    await until(() => messages.slice(from).some((m) => m.kind === 'ratchetKey' && m.data.participantIdentity === identity));
  }
  return identity;
}

/** Lets the event loop run until `condition` holds (no timers involved). */
async function until(condition, turns = 100000) {
  for (let i = 0; i < turns; i++) {
    if (condition()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error('livekit-client worker did not answer');
}

function frameObject({ data, codec, keyframe = false, ssrc, timestamp = 0 }) {
  const bytes = Uint8Array.from(data);
  const metadata = { synchronizationSource: ssrc, payloadType: 96 };
  if (codec !== 'opus' && mimeTypes[codec]) metadata.mimeType = mimeTypes[codec];
  const frame = { data: bytes.buffer, timestamp, getMetadata: () => metadata };
  if (codec !== 'opus') frame.type = keyframe ? 'key' : 'delta';
  return frame;
}

async function pipe(kind, identity, frames) {
  const output = [];
  let done;
  const finished = new Promise((resolve) => { done = resolve; });
  const readable = new ReadableStream({
    start(controller) {
      for (const frame of frames) controller.enqueue(frameObject(frame));
      controller.close();
    },
  });
  const writable = new WritableStream({
    write(frame) { output.push(new Uint8Array(frame.data)); },
    close() { done(); },
    abort() { done(); },
  });
  send(kind, { participantIdentity: identity, readableStream: readable, writableStream: writable,
    trackId: `track-${nextId++}`, hasPacketTrailer: false });
  await finished;
  // Errors are posted after the pipe ends; give them one event-loop turn.
  await new Promise((resolve) => setImmediate(resolve));
  return output;
}

/** Encrypts frames in one track (so the per-SSRC send counter advances). */
export const encrypt = (identity, frames) => pipe('encode', identity, frames);

/** Decrypts frames in one track; dropped frames are missing from the result. */
export const decryptAll = (identity, frames) => pipe('decode', identity, frames);

/** Decrypts one frame; returns its bytes, or null when livekit-client dropped it. */
export async function decrypt(identity, frame) {
  const out = await pipe('decode', identity, [frame]);
  return out.length === 1 ? out[0] : null;
}

/** Sets the room's server-injected-frame trailer for all cryptors. */
export const setSifTrailer = (trailer) => send('setSifTrailer', { trailer: Uint8Array.from(trailer) });

export const hex = (bytes) => Buffer.from(bytes).toString('hex');
export const unhex = (text) => Uint8Array.from(Buffer.from(text, 'hex'));
