// End-to-end media encryption against livekit-client 2.23's own E2EE worker
// (see livekit_e2ee.mjs), both ways: its frames decrypt with our CLI to the
// same bytes, ours decrypt with it, and our encryption is byte-identical.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import * as cases from './e2ee_cases.mjs';
import { matrixrtc } from './cli.mjs';
import * as lk from './livekit_e2ee.mjs';

const { hex, unhex } = lk;
const b64 = (bytes) => Buffer.from(Uint8Array.from(bytes)).toString('base64');

function keyArgs({ kdf, secret, keyIndex = 0, ratchets = 0 }) {
  return ['--kdf', kdf, '--key-b64', b64(secret), '--key-index', String(keyIndex), '--ratchet', String(ratchets)];
}
function frameArgs(frame) {
  return ['--codec', frame.codec, ...(frame.keyframe ? ['--keyframe'] : [])];
}
function cliEncrypt(key, frame, sendCount = 0) {
  return matrixrtc(['frame', 'encrypt', ...keyArgs(key), ...frameArgs(frame), '--ssrc', String(frame.ssrc),
    '--rtp-timestamp', String(frame.timestamp), '--send-count', String(sendCount), '--hex', hex(frame.data)]);
}
function cliDecrypt(key, frame, data, extra = []) {
  return matrixrtc(['frame', 'decrypt', ...keyArgs(key), ...frameArgs(frame), ...extra, '--hex', hex(data)]);
}
// 00 00 01 not preceded by 00 becomes 00 00 00 01 (in these frames the
// whole clear header precedes the first non-start-code 00 00 01).
const normalised = (data) => unhex(hex(data).replace(/(^|[^0]0|[1-9a-f]{2})000001/g, (m, p) => `${p}00000001`));
const out = (run, what = '') => { assert.equal(run.status, 0, `${what} ${run.stderr}`); return run.stdout.trim(); };

lk.init();

// Key index and ratchet count combinations (PBKDF2 costs 100 000 iterations
// per step in every CLI call, so fewer of those).
const combinations = [
  ['hkdf', 0, 0], ['hkdf', 1, 1], ['hkdf', 255, 3], ['pbkdf2', 0, 0], ['pbkdf2', 255, 1],
].map(([name, keyIndex, ratchets]) => ({ ...cases.keys.find((k) => k.name === name), keyIndex, ratchets }));

test('every codec rule, key index and ratchet count: identical bytes, and each side decrypts the other', async () => {
  let decrypted = 0;
  for (const k of combinations) {
    const identity = await lk.participant(k);
    for (const frame of cases.frames) {
      const what = `${frame.name} ${k.kdf} index ${k.keyIndex} ratchets ${k.ratchets}`;
      const [theirs] = await lk.encrypt(identity, [frame]);
      const ours = out(cliEncrypt(k, frame), what);
      assert.equal(ours, hex(theirs), `encrypt ${what}`);
      // What livekit-client makes of its own frame is the reference: H.26x
      // headers come back with 4-byte start codes, and a fallback frame whose
      // ciphertext happens to complete a start code can fail for it.
      const reference = await lk.decrypt(identity, { ...frame, data: theirs });
      if (reference === null) {
        assert.ok(frame.unstable, `livekit-client cannot decrypt its own ${what}`);
      } else {
        const plain = frame.name.endsWith('3byte') ? normalised(frame.data) : frame.data;
        assert.equal(hex(reference), hex(plain), `livekit-client round trip ${what}`);
        decrypted++;
      }
      const mine = cliDecrypt(k, frame, theirs);
      assert.equal(mine.status, reference === null ? 1 : 0, `we decrypt theirs: ${what} ${mine.stderr}`);
      if (reference !== null) assert.equal(mine.stdout.trim(), hex(reference), `we decrypt theirs: ${what}`);
      const back = await lk.decrypt(identity, { ...frame, data: unhex(ours) });
      assert.equal(back && hex(back), reference && hex(reference), `they decrypt ours: ${what}`);
    }
  }
  assert.ok(decrypted >= combinations.length * (cases.frames.length - 1));
});

test('the send counter enters the IV as in livekit-client', async () => {
  const key = { ...cases.keys[1], keyIndex: 4 };
  const theirs = await lk.encrypt(await lk.participant(key), cases.sequence);
  cases.sequence.forEach((frame, i) => assert.equal(out(cliEncrypt(key, frame, i)), hex(theirs[i]), `frame ${i}`));
});

test('a wrong key is refused by both', async () => {
  const right = { ...cases.keys[1], keyIndex: 3 };
  for (const wrong of [{ ...right, secret: [...right.secret].reverse() }, { ...cases.keys[0], keyIndex: 3 }, { ...right, ratchets: 1 }]) {
    const theirIdentity = await lk.participant(right);
    const wrongIdentity = await lk.participant(wrong);
    for (const frame of cases.frames.filter((f) => ['opus', 'vp8-key', 'h264-4byte', 'h265'].includes(f.name))) {
      const [theirs] = await lk.encrypt(theirIdentity, [frame]);
      const refused = cliDecrypt(wrong, frame, theirs);
      assert.equal(refused.status, 1, `${frame.name}: ${refused.stdout}`);
      assert.match(refused.stderr, /decryption_failed/);
      const from = lk.messageCount();
      assert.equal(await lk.decrypt(wrongIdentity, { ...frame, data: unhex(out(cliEncrypt(right, frame))) }), null, frame.name);
      assert.ok(lk.errorsSince(from).some((e) => /InvalidKey/.test(e)), frame.name);
    }
  }
});

test('tampered frames, a bad IV length and a key index without a key are refused by both', async () => {
  const key = { ...cases.keys[1], keyIndex: 6 };
  const identity = await lk.participant(key);
  const frame = cases.frames.find((f) => f.name === 'vp8-key');
  const good = unhex(out(cliEncrypt(key, frame)));
  const variants = {
    'flipped ciphertext bit': (d) => { d[12] ^= 1; },
    'flipped header bit': (d) => { d[2] ^= 0x80; },
    'flipped IV bit': (d) => { d[d.length - 5] ^= 1; },
    'IV length 200': (d) => { d[d.length - 2] = 200; },
    'IV length 0': (d) => { d[d.length - 2] = 0; },
    'key index without a key': (d) => { d[d.length - 1] = 9; },
  };
  for (const [name, change] of Object.entries(variants)) {
    const data = Uint8Array.from(good);
    change(data);
    assert.equal(cliDecrypt(key, frame, data).status, 1, `we refuse: ${name}`);
    assert.equal(await lk.decrypt(identity, { ...frame, data }), null, `livekit-client refuses: ${name}`);
  }
  for (const length of [1, 2, 11, 20, good.length - 1]) {
    const data = good.slice(0, length);
    assert.equal(cliDecrypt(key, frame, data).status, 1, `we refuse a frame cut to ${length} bytes`);
    assert.equal(await lk.decrypt(identity, { ...frame, data }), null, `livekit-client refuses ${length} bytes`);
  }
});

test('AV1 is refused by both', async () => {
  const key = { ...cases.keys[1] };
  const frame = { codec: 'av1', keyframe: true, data: unhex('0a0b0000000000001234'), ssrc: 1, timestamp: 1 };
  const from = lk.messageCount();
  assert.deepEqual(await lk.encrypt(await lk.participant(key), [frame]), []);
  assert.ok(lk.errorsSince(from).some((e) => /av1 is not yet supported/.test(e)));
  const run = cliEncrypt(key, frame);
  assert.equal(run.status, 1);
  assert.match(run.stderr, /av1/);
});

test('receivers catch up with a sender that ratcheted once (both), and several times (only we)', async () => {
  lk.init({ ratchetWindowSize: 10 });
  const base = { ...cases.keys[1], keyIndex: 0 };
  const frame = cases.frames.find((f) => f.name === 'vp8-delta');
  for (const ratchets of [1, 3]) {
    const sender = await lk.participant({ ...base, ratchets });
    const [theirs] = await lk.encrypt(sender, [frame]);
    assert.equal(cliDecrypt(base, frame, theirs).status, 1, 'no window, no catch-up');
    const run = cliDecrypt(base, frame, theirs, ['--ratchet-window', '10', '--json']);
    assert.equal(JSON.parse(out(run)).hex, hex(frame.data));
    assert.equal(JSON.parse(out(run)).ratchets, ratchets);
    assert.equal(cliDecrypt(base, frame, theirs, ['--ratchet-window', String(ratchets - 1)]).status, 1, 'window too small');

    const receiver = await lk.participant(base);
    const ours = unhex(out(cliEncrypt({ ...base, ratchets }, frame)));
    const back = await lk.decrypt(receiver, { ...frame, data: ours });
    if (ratchets === 1) {
      assert.equal(hex(back), hex(frame.data));
    } else {
      // livekit-client 2.23 re-derives the same first ratchet on every retry
      // (ParticipantKeyHandler.ratchetKey(i, false) starts from the stored
      // key), so one frame can only catch up one step. docs/e2ee.md.
      assert.equal(back, null, 'livekit-client now catches up several steps: update docs/e2ee.md and this test');
    }
  }
  lk.init();
});

test('server-injected frames pass with the room trailer only when the payload is known', async () => {
  const trailer = [...Buffer.from('Zm9vYmFyYmF6cXV4cXV1eHF1dXpxdXV4')];
  lk.setSifTrailer(trailer);
  const identity = await lk.participant({ ...cases.keys[1] });
  // livekit-client's sifPayload.ts VP8KeyFrame8x8 (the LiveKit server's).
  const sif = unhex('1002009d012a080008000047088585888584880202000c0d6000feffab5080');
  const frame = { codec: 'vp8', keyframe: true };
  const key = { ...cases.keys[1] };
  const withTrailer = (payload) => Uint8Array.from([...payload, ...trailer]);
  const theirs = await lk.decrypt(identity, { ...frame, data: withTrailer(sif) });
  assert.equal(hex(theirs), hex(sif));
  assert.equal(out(cliDecrypt(key, frame, withTrailer(sif), ['--sif-trailer', Buffer.from(trailer).toString()])), hex(sif));
  const bogus = Uint8Array.from(sif);
  bogus[20] ^= 1;
  assert.equal(await lk.decrypt(identity, { ...frame, data: withTrailer(bogus) }), null);
  const run = cliDecrypt(key, frame, withTrailer(bogus), ['--sif-trailer', Buffer.from(trailer).toString()]);
  assert.equal(run.status, 1);
  assert.match(run.stderr, /unexpected_sif/);
  lk.setSifTrailer([]);
});

test('the pinned known-answer vectors still match livekit-client', async () => {
  const pinned = JSON.parse(readFileSync(new URL('../core/e2ee/vectors/frames.json', import.meta.url), 'utf8'));
  assert.ok(pinned.frames.length > 100);
  const identities = new Map();
  for (const v of pinned.frames.filter((f) => f.send_count === 0 && f.ratchets < 3)) {
    const id = `${v.kdf}/${v.secret}/${v.key_index}/${v.ratchets}`;
    if (!identities.has(id)) identities.set(id, await lk.participant({ kdf: v.kdf, secret: [...unhex(v.secret)], keyIndex: v.key_index, ratchets: v.ratchets }));
    const [theirs] = await lk.encrypt(identities.get(id), [{ codec: v.codec, keyframe: v.keyframe, data: unhex(v.plain), ssrc: v.ssrc, timestamp: v.rtp_timestamp }]);
    assert.equal(hex(theirs), v.encrypted, v.name);
  }
});

test('key text decodes as matrix-js-sdk 43 decodes it', async () => {
  const { decodeBase64 } = await import('matrix-js-sdk/lib/base64.js');
  const keys = [Uint8Array.from([0xfb, 0xff, 0xbf]), Uint8Array.from({ length: 16 }, (_, i) => i * 17), Uint8Array.from([0xfe, 0xff])];
  for (const key of keys) {
    const standard = Buffer.from(key).toString('base64');
    const forms = [standard, standard.replace(/=+$/, ''), Buffer.from(key).toString('base64url'), standard.replace(/\+/g, '-').replace(/\//g, '_')];
    for (const text of forms) {
      const theirs = hex(decodeBase64(text));
      assert.equal(theirs, hex(key), text);
      const ours = JSON.parse(out(matrixrtc(['frame', 'keys', '--kdf', 'hkdf', '--key-b64', text, '--json']))).steps[0].material;
      assert.equal(ours, theirs, text);
    }
  }
  // Deliberately stricter (docs/e2ee.md): whitespace inside and non-zero unused bits.
  for (const text of ['AAEC AwQF', 'AB==']) {
    assert.ok(decodeBase64(text).length > 0, text);
    assert.equal(matrixrtc(['frame', 'keys', '--kdf', 'hkdf', '--key-b64', text]).status, 2, text);
  }
});

test('empty frames pass through both unchanged', async () => {
  const key = { ...cases.keys[1] };
  const identity = await lk.participant(key);
  for (const codec of ['opus', 'vp8']) {
    const frame = { codec, data: new Uint8Array(0), ssrc: 1, timestamp: 1 };
    assert.deepEqual((await lk.encrypt(identity, [frame])).map(hex), ['']);
    assert.equal(hex(await lk.decrypt(identity, frame)), '');
    assert.equal(out(cliEncrypt(key, frame)), '');
    assert.equal(out(cliDecrypt(key, frame, frame.data)), '');
  }
});
