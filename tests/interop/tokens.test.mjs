// Our LiveKit tokens against livekit-server-sdk 2.19.2, both directions.
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { AccessToken, TokenVerifier, TrackSource, WebhookReceiver } from 'livekit-server-sdk';
import { matrixrtc, matrixrtcOk } from './cli.mjs';

const KEY = 'APIKEY';
const SECRET = 'interop-secret-with-enough-length';
const keys = ['--key', KEY, '--secret', SECRET];
const ROOM = 'O8437W3+jmzMVjoIP3tNwbm+XxHQk2iKpOA7aqw3qSc';
const IDENTITY = 'J+T45tGruxc+HrUOqJJlyQSV33m728Cme4+vt8/SWrU';
const now = () => Math.floor(Date.now() / 1000);

test('our token is accepted by TokenVerifier with the same claims', async () => {
  const jwt = matrixrtcOk(['token', 'mint', ...keys, '--identity', IDENTITY, '--room', ROOM, '--ttl', '600']);
  const claims = await new TokenVerifier(KEY, SECRET).verify(jwt);
  assert.equal(claims.iss, KEY);
  assert.equal(claims.sub, IDENTITY);
  assert.ok(Math.abs(claims.nbf - now()) <= 5);
  assert.equal(claims.exp - claims.nbf, 600);
  assert.deepEqual(claims.video, {
    room: ROOM, roomJoin: true, roomCreate: false, canPublish: true, canSubscribe: true,
    canUpdateOwnMetadata: false, hidden: false,
  });
});

test('every grant, name, metadata and attribute survives the trip', async () => {
  const name = 'Zoë ~ "quoted" ? > < & / \u2028 😀';
  const jwt = matrixrtcOk(['token', 'mint', ...keys, '--identity', 'a>b?c~', '--room', ROOM,
    '--grant', 'canPublish=false', '--grant', 'canPublishData=true', '--grant', 'roomAdmin=true',
    '--grant', 'canPublishSources=camera,screen_share', '--grant', `name=${name}`,
    '--grant', 'metadata={"x":1}', '--grant', 'attributes.role=speaker', '--grant', 'attributes.ü=?']);
  const claims = await new TokenVerifier(KEY, SECRET).verify(jwt);
  assert.equal(claims.sub, 'a>b?c~');
  assert.equal(claims.name, name);
  assert.equal(claims.metadata, '{"x":1}');
  assert.deepEqual(claims.attributes, { role: 'speaker', 'ü': '?' });
  assert.equal(claims.video.canPublish, false);
  assert.equal(claims.video.canPublishData, true);
  assert.equal(claims.video.roomAdmin, true);
  assert.deepEqual(claims.video.canPublishSources, ['camera', 'screen_share']);
});

test('our payload decodes with atob, as Element Call reads it', () => {
  // Characters that put '-' or '_' into base64url at each of the three offsets.
  for (const pad of ['', 'a', 'aa']) {
    const jwt = matrixrtcOk(['token', 'mint', ...keys, '--identity', `${pad}>>>???~~~é😀`, '--room', ROOM,
      '--grant', `name=${pad}~?>`]);
    const payload = jwt.split('.')[1];
    assert.doesNotMatch(payload, /[-_]/);
    const claims = JSON.parse(atob(payload));
    assert.equal(claims.sub, `${pad}>>>???~~~é😀`);
  }
});

test('TokenVerifier refuses our token under another secret or key', async () => {
  const jwt = matrixrtcOk(['token', 'mint', ...keys, '--identity', 'i', '--room', ROOM]);
  await assert.rejects(new TokenVerifier(KEY, 'wrong-secret').verify(jwt));
  await assert.rejects(new TokenVerifier('OTHERKEY', SECRET).verify(jwt));
});

test('TokenVerifier refuses our expired token', async () => {
  const jwt = matrixrtcOk(['token', 'mint', ...keys, '--identity', 'i', '--room', ROOM, '--ttl', '60',
    '--now', String(now() - 3600)]);
  await assert.rejects(new TokenVerifier(KEY, SECRET).verify(jwt), /exp/);
});

test('AccessToken from livekit-server-sdk is accepted by our verifier with the same claims', async () => {
  const at = new AccessToken(KEY, SECRET, { identity: IDENTITY, name: 'Alice', metadata: '{"x":1}',
    attributes: { k: 'v' }, ttl: 3600 });
  at.addGrant({ roomJoin: true, room: ROOM, canPublish: true, canSubscribe: true, canUpdateOwnMetadata: false,
    canPublishSources: [TrackSource.MICROPHONE] });
  const jwt = await at.toJwt();
  const out = JSON.parse(matrixrtcOk(['token', 'verify', ...keys, '--json', jwt]));
  assert.equal(out.valid, true);
  const theirs = JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8'));
  assert.deepEqual(out.claims, theirs);
  assert.equal(out.claims.sub, IDENTITY);
  assert.equal(out.claims.video.room, ROOM);
});

test('our verifier refuses livekit-server-sdk tokens that are wrong', async () => {
  const good = await new AccessToken(KEY, SECRET, { identity: 'i' }).toJwt();
  const wrongSecret = matrixrtc(['token', 'verify', '--key', KEY, '--secret', 'nope', '--json', good]);
  assert.equal(wrongSecret.status, 1);
  assert.equal(JSON.parse(wrongSecret.stdout).error, 'bad_signature');

  const wrongKey = await new AccessToken('OTHERKEY', SECRET, { identity: 'i' }).toJwt();
  assert.equal(JSON.parse(matrixrtc(['token', 'verify', ...keys, '--json', wrongKey]).stdout).error, 'wrong_issuer');

  const expired = await new AccessToken(KEY, SECRET, { identity: 'i', ttl: 1 }).toJwt();
  const later = String(now() + 120);
  assert.equal(JSON.parse(matrixrtc(['token', 'verify', ...keys, '--now', later, '--json', expired]).stdout).error,
    'token_expired');
});

test('webhook tokens interoperate both ways', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'matrixrtc-webhook-'));
  const bodyPath = join(dir, 'body.json');
  const body = JSON.stringify({ event: 'participant_joined', room: { name: ROOM },
    participant: { identity: IDENTITY, disconnectReason: 'CLIENT_INITIATED' }, id: 'EV_1', createdAt: '1' });
  writeFileSync(bodyPath, body);

  // Ours -> WebhookReceiver.
  const ours = matrixrtcOk(['token', 'mint-webhook', ...keys, '--body', bodyPath]);
  const event = await new WebhookReceiver(KEY, SECRET).receive(body, ours);
  assert.equal(event.event, 'participant_joined');
  await assert.rejects(new WebhookReceiver(KEY, SECRET).receive(body + ' ', ours), /sha256/);

  // livekit-server-sdk (as LiveKit signs webhooks) -> ours.
  const at = new AccessToken(KEY, SECRET, { ttl: 600 });
  at.sha256 = Buffer.from(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(body))).toString('base64');
  const theirs = await at.toJwt();
  const verified = JSON.parse(matrixrtcOk(['token', 'verify-webhook', ...keys, '--body', bodyPath, '--json', theirs]));
  assert.equal(verified.claims.sha256, at.sha256);
  writeFileSync(bodyPath, body.replace('joined', 'left'));
  const tampered = matrixrtc(['token', 'verify-webhook', ...keys, '--body', bodyPath, '--json', theirs]);
  assert.equal(tampered.status, 1);
  assert.equal(JSON.parse(tampered.stdout).error, 'body_hash_mismatch');
});
