// LiveKit names: our derivation against matrix-js-sdk's recipe (JSON.stringify
// of the array, SHA-256, unpadded standard base64), on adversarial inputs.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { matrixrtcOk } from './cli.mjs';

const hash = (parts) => createHash('sha256').update(JSON.stringify(parts)).digest('base64').replace(/=+$/, '');

// Strings a command line can carry (no NUL, no lone surrogates: those cannot
// be UTF-8; the unit tests cover them).
const awkward = [
  '!roomid:example.com', 'm.call#ROOM', '', ' ', '"quoted"', 'back\\slash', 'slash/', '<script>&amp;',
  'tab\there', 'new\nline', 'bell\u0007', 'esc\u001b', 'del\u007f', 'sep\u2028\u2029', 'é', '日本語', '😀👩‍👩‍👧',
  '\uFEFFbom', 'a'.repeat(2000), '@alice:example.com', 'DEVICE123', 'memberABC', '~?>',
];

test('room aliases equal the JS recipe', () => {
  for (const room of awkward) {
    for (const slot of ['m.call#ROOM', 'slot1234', awkward[(room.length * 7) % awkward.length]]) {
      assert.equal(matrixrtcOk(['derive', 'alias', '--', room, slot]), hash([room, slot]), JSON.stringify([room, slot]));
    }
  }
});

test('identities equal the JS recipe in both hashed schemes', () => {
  for (const [i, user] of awkward.entries()) {
    const member = awkward[(i + 5) % awkward.length];
    const device = awkward[(i + 11) % awkward.length];
    assert.equal(matrixrtcOk(['derive', 'identity', '--', user, member]), hash([user, member]));
    assert.equal(matrixrtcOk(['derive', 'identity', '--device', device, '--', user, member]),
      hash([user, device, member]));
  }
});

test('matrix-js-sdk 43 computes the same three-part identity', async () => {
  const { computeRtcIdentityRaw } = await import('matrix-js-sdk/lib/matrixrtc/membershipData/rtc.js');
  for (const [i, user] of awkward.entries()) {
    const device = awkward[(i + 3) % awkward.length];
    const member = awkward[(i + 8) % awkward.length];
    assert.equal(matrixrtcOk(['derive', 'identity', '--device', device, '--', user, member]),
      await computeRtcIdentityRaw(user, device, member));
  }
});
