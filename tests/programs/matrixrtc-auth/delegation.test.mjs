// Black-box scenarios of delayed-leave delegation (MSC4140 "leave on
// disconnect", lk-jwt-service §3.4, §3.5, §8): the real matrixrtc-auth binary
// against a test homeserver (OpenID over federation and the client-server API
// receiving restart/send, TLS by a CA made at test time) and a test SFU
// (GetParticipant, signed webhooks). Every timing check polls the recorded
// requests; delay timeouts are a few seconds so the waits stay short.
// Each test starts its own service, so no job outlives its test.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { TestCa } from './support/pki.mjs';
import { TestDnsServer } from './support/dns_server.mjs';
import { TestHomeserver } from './support/homeserver.mjs';
import { TestSfu, TokenVerifier, WebhookReceiver, signWebhook, webhookEvent } from './support/sfu.mjs';
import { startService } from './support/service.mjs';
import { holdsFor, waitFor } from './support/wait.mjs';
import { DEVICE, KEY, SECRET, expectError, hashOf, newCase } from './support/delegation.mjs';

const ca = new TestCa();
const dns = await new TestDnsServer().start();
const sfu = await new TestSfu({ key: KEY, secret: SECRET }).start();
const hs = await new TestHomeserver(ca, { names: ['IP:127.0.0.1'] }).start();
const SERVER = `127.0.0.1:${hs.port}`;
const USER = `@alice:${SERVER}`;
hs.users.set('alice-token', USER);
hs.users.set('bob-token', `@bob:${SERVER}`);

const DELAYED_PREFIX = '/_matrix/client/unstable/org.matrix.msc4140/delayed_events/';

function baseEnv(extra = {}) {
  return {
    LIVEKIT_URL: sfu.url,
    LIVEKIT_KEY: KEY,
    LIVEKIT_SECRET: SECRET,
    LIVEKIT_JWT_BIND: '127.0.0.1:0',
    LIVEKIT_JWT_THREADS: '1',
    LIVEKIT_EXTRA_CA_FILE: ca.caFile,
    LIVEKIT_DNS_SERVERS: dns.address,
    LIVEKIT_HOMESERVER_TIMEOUT_SECONDS: '1',
    LIVEKIT_FULL_ACCESS_HOMESERVERS: SERVER,
    ...extra,
  };
}

/** A service for this test only, stopped when the test ends. */
async function serviceFor(t, extra = {}) {
  const service = await startService(baseEnv(extra));
  t.after(() => service.stop());
  return service;
}

const makeCase = (options) => newCase({ server: SERVER, user: USER, ...options });
const calls = (c, action) => hs.delayedCalls(c.delayId, action);
const polled = (c, identity = c.identity) => sfu.polls(c.room, identity).length > 0;

/** POSTs /delegate_delayed_leave for c and checks the 200 {}. Returns the time just before. */
async function delegate(service, c, extra) {
  const started = Date.now();
  const response = await service.post('/delegate_delayed_leave', c.body(extra));
  assert.equal(response.status, 200, await response.clone().text());
  assert.equal(response.headers.get('access-control-allow-origin'), '*');
  assert.deepEqual(await response.json(), {});
  return started;
}

async function webhook(service, event, room, identity, options = {}) {
  const { disconnectReason, ...sendOptions } = options;
  const result = await sfu.sendWebhook(service.url, webhookEvent(event, room, identity, { disconnectReason }),
    sendOptions);
  return result;
}

async function webhookOk(service, event, room, identity, options) {
  const result = await webhook(service, event, room, identity, options);
  assert.equal(result.status, 200, `webhook ${event}: ${result.body}`);
}

/** Waits for the n-th (1-based) call of action for c. */
const nthCall = (c, action, n, timeoutMs) => waitFor(() => calls(c, action)[n - 1], timeoutMs,
  { what: `${action} #${n} for ${c.delayId}` });

function assertHomeserverCall(call, c, action) {
  assert.equal(call.action, action);
  assert.equal(call.rawPath, `${DELAYED_PREFIX}${encodeURIComponent(c.delayId)}/${action}`);
  assert.equal(call.body, '{}');
  assert.match(call.contentType ?? '', /^application\/json/);
  assert.equal(call.authorization, undefined, 'standalone mode calls the homeserver unauthenticated');
}

after(() => { dns.stop(); sfu.stop(); hs.stop(); });

describe('job lifecycle', () => {
  test('never connected: the leave event is sent once the waiting time is over', async (t) => {
    const service = await serviceFor(t);
    const c = makeCase({ delayTimeout: 2000 });
    const started = await delegate(service, c);
    // "At once" to the millisecond is the core's unit tests' job (fake clock);
    // here it only has to come well before the waiting timeout, even on a busy CI box.
    const firstPoll = await waitFor(() => sfu.polls(c.room, c.identity)[0], 2000, { what: 'first poll' });
    assert.ok(firstPoll.at - started < 1500, 'polls at once');
    assert.equal(firstPoll.status, 404, 'GetParticipant token has roomAdmin for the room');
    const send = await nthCall(c, 'send', 1, 5000);
    assert.ok(send.at - started >= 2000 - 100, `sent after ${send.at - started} ms, not before delay_timeout`);
    assertHomeserverCall(send, c, 'send');
    assert.equal(calls(c, 'restart').length, 0);
    assert.ok(sfu.polls(c.room, c.identity).length >= 2, 'polled again with backoff while waiting');
    await holdsFor(() => calls(c).length === 1, 1000, { what: 'exactly one call' });
  });

  test('connected via polling: restart at once, again at 80 % of delay_timeout', async (t) => {
    const service = await serviceFor(t);
    const c = makeCase({ delayTimeout: 5000 });
    sfu.join(c.room, c.identity);
    t.after(() => sfu.leave(c.room, c.identity));
    const started = await delegate(service, c);
    const first = await nthCall(c, 'restart', 1, 3000);
    assert.ok(first.at - started < 1500, `first restart after ${first.at - started} ms`);
    assertHomeserverCall(first, c, 'restart');
    const second = await nthCall(c, 'restart', 2, 7000);
    const gap = second.at - first.at;
    // 80 % is 4000 ms; 90 % (4500) or 100 % fall outside. The window leaves a
    // busy machine some slack; the exact rule is unit-tested with a fake clock.
    assert.ok(gap >= 4000 - 400 && gap <= 4000 + 450, `second restart ${gap} ms after the first (80 % = 4000)`);
    assert.equal(calls(c, 'send').length, 0);
  });

  test('connected via webhook: restart', async (t) => {
    const service = await serviceFor(t);
    const c = makeCase({ delayTimeout: 10000 });
    await delegate(service, c);
    await waitFor(() => polled(c), 1500, { what: 'first poll' });
    assert.equal(calls(c).length, 0);
    const joined = Date.now();
    await webhookOk(service, 'participant_joined', c.room, c.identity);
    const restart = await nthCall(c, 'restart', 1, 2000);
    assert.ok(restart.at - joined < 1500);
    await holdsFor(() => calls(c).length === 1, 1000, { what: 'one restart, no send' });
  });

  test('leaving intentionally (participant_left, CLIENT_INITIATED) sends', async (t) => {
    const service = await serviceFor(t);
    const c = makeCase({ delayTimeout: 10000 });
    sfu.join(c.room, c.identity);
    await delegate(service, c);
    await nthCall(c, 'restart', 1, 3000);
    sfu.leave(c.room, c.identity);
    const left = Date.now();
    await webhookOk(service, 'participant_left', c.room, c.identity, { disconnectReason: 'CLIENT_INITIATED' });
    const send = await nthCall(c, 'send', 1, 2000);
    assert.ok(send.at - left < 1500);
    assertHomeserverCall(send, c, 'send');
    await holdsFor(() => calls(c, 'send').length === 1 && calls(c, 'restart').length === 1, 1000,
      { what: 'one send, no more restarts' });
  });

  test('connection aborted after connecting sends', async (t) => {
    const service = await serviceFor(t);
    const c = makeCase({ delayTimeout: 10000 });
    await delegate(service, c);
    await waitFor(() => polled(c), 1500, { what: 'first poll' });
    await webhookOk(service, 'participant_joined', c.room, c.identity);
    await nthCall(c, 'restart', 1, 2000);
    await webhookOk(service, 'participant_connection_aborted', c.room, c.identity,
      { disconnectReason: 'JOIN_FAILURE' });
    await nthCall(c, 'send', 1, 2000);
    await holdsFor(() => calls(c, 'send').length === 1, 500, { what: 'one send' });
  });

  test('participant_left for another reason while connected counts as aborted: sends', async (t) => {
    const service = await serviceFor(t);
    const c = makeCase({ delayTimeout: 10000 });
    sfu.join(c.room, c.identity);
    await delegate(service, c);
    await nthCall(c, 'restart', 1, 3000);
    sfu.leave(c.room, c.identity);
    await webhookOk(service, 'participant_left', c.room, c.identity, { disconnectReason: 'SIGNAL_CLOSE' });
    await nthCall(c, 'send', 1, 2000);
  });

  test('connection aborted before ever connecting: nothing is sent', async (t) => {
    const service = await serviceFor(t);
    const c = makeCase({ delayTimeout: 1500 });
    await delegate(service, c);
    await waitFor(() => polled(c), 1000, { what: 'first poll' });
    await webhookOk(service, 'participant_connection_aborted', c.room, c.identity,
      { disconnectReason: 'JOIN_FAILURE' });
    // Without the abort, the waiting time (1.5 s) would end inside this window and send.
    await holdsFor(() => calls(c).length === 0, 2000, { what: 'no homeserver call' });
  });

  test('participant_left while waiting is ignored: the job keeps waiting', async (t) => {
    const service = await serviceFor(t);
    const c = makeCase({ delayTimeout: 2000 });
    const started = await delegate(service, c);
    await waitFor(() => polled(c), 1000, { what: 'first poll' });
    await webhookOk(service, 'participant_left', c.room, c.identity, { disconnectReason: 'CLIENT_INITIATED' });
    const send = await nthCall(c, 'send', 1, 5000);
    assert.ok(send.at - started >= 2000 - 100, `sent after ${send.at - started} ms: only at the waiting timeout`);
    assert.equal(calls(c, 'restart').length, 0);
  });

  test('GetParticipant transport errors are retried until the participant is found', async (t) => {
    const service = await serviceFor(t);
    const c = makeCase({ delayTimeout: 10000 });
    sfu.join(c.room, c.identity);
    sfu.getParticipantMode = 'unavailable';
    t.after(() => { sfu.getParticipantMode = 'ok'; });
    await delegate(service, c);
    await waitFor(() => sfu.polls(c.room, c.identity).filter((p) => p.status === 503).length >= 2, 4000,
      { what: 'two failed polls' });
    assert.equal(calls(c).length, 0);
    sfu.getParticipantMode = 'ok';
    await nthCall(c, 'restart', 1, 5000);
  });

  test('sanity check notices a participant gone without a webhook: sends', async (t) => {
    const service = await serviceFor(t, { LIVEKIT_SANITY_CHECK_INTERVAL_SECONDS: '1' });
    const c = makeCase({ delayTimeout: 10000 });
    sfu.join(c.room, c.identity);
    await delegate(service, c);
    await nthCall(c, 'restart', 1, 3000);
    await waitFor(() => sfu.polls(c.room, c.identity).filter((p) => p.status === 200).length >= 2, 3000,
      { what: 'a sanity poll that finds the participant' });
    assert.equal(calls(c, 'send').length, 0);
    sfu.leave(c.room, c.identity);
    const left = Date.now();
    const send = await nthCall(c, 'send', 1, 4000);
    assert.ok(send.at - left < 3000, `noticed after ${send.at - left} ms`);
  });

  test('without the sanity check, a silent departure sends nothing', async (t) => {
    const service = await serviceFor(t);
    const c = makeCase({ delayTimeout: 10000 });
    sfu.join(c.room, c.identity);
    await delegate(service, c);
    await nthCall(c, 'restart', 1, 3000);
    sfu.leave(c.room, c.identity);
    await holdsFor(() => calls(c, 'send').length === 0, 2000, { what: 'no send' });
  });
});

describe('homeserver answers', () => {
  test('restart answered 404: the job stops, no more calls, no send', async (t) => {
    const service = await serviceFor(t);
    const c = makeCase({ delayTimeout: 10000 });
    hs.scriptDelayed('restart', [{ status: 404 }], c.delayId);
    sfu.join(c.room, c.identity);
    await delegate(service, c);
    await nthCall(c, 'restart', 1, 3000);
    sfu.leave(c.room, c.identity);
    await webhookOk(service, 'participant_left', c.room, c.identity, { disconnectReason: 'CLIENT_INITIATED' });
    await holdsFor(() => calls(c).length === 1, 1500, { what: 'only the one restart' });
  });

  test('send answered 404: done, exactly one send', async (t) => {
    const service = await serviceFor(t);
    const c = makeCase({ delayTimeout: 1500 });
    hs.scriptDelayed('send', [{ status: 404 }], c.delayId);
    await delegate(service, c);
    await nthCall(c, 'send', 1, 4000);
    await holdsFor(() => calls(c).length === 1, 2000, { what: 'exactly one send' });
  });

  // Retry-After values of 2 s: the plain backoff's first retry comes within
  // 0.5–1.5 s, so a retry at ≥ 1.9 s shows the hint was honoured.
  const rateLimits = [
    ['Retry-After in seconds', { status: 429, headers: { 'retry-after': '2' } }, 1900, 4500],
    // An HTTP date has whole seconds: now + 3 s truncated is at least 2 s ahead.
    ['Retry-After as an HTTP date', { status: 429, headers: () => ({ 'retry-after': new Date(Date.now() + 3000).toUTCString() }) },
      1900, 5000],
    ['retry_after_ms in the body', { status: 429, body: { errcode: 'M_LIMIT_EXCEEDED', error: 'Too many requests',
      retry_after_ms: 2000 } }, 1900, 4500],
  ];
  for (const [name, answer, min, max] of rateLimits) {
    test(`429 with ${name}: the restart is retried no sooner than asked`, async (t) => {
      const service = await serviceFor(t);
      const c = makeCase({ delayTimeout: 10000 });
      hs.scriptDelayed('restart', [answer], c.delayId);
      sfu.join(c.room, c.identity);
      t.after(() => sfu.leave(c.room, c.identity));
      await delegate(service, c);
      const first = await nthCall(c, 'restart', 1, 3000);
      assert.equal(first.status, 429);
      const second = await nthCall(c, 'restart', 2, max + 1000);
      const gap = second.at - first.at;
      assert.ok(gap >= min && gap <= max, `retried after ${gap} ms`);
      assert.equal(second.status, 200);
      assert.equal(calls(c, 'send').length, 0);
    });
  }

  test('5xx on restart is retried until it succeeds', async (t) => {
    const service = await serviceFor(t);
    const c = makeCase({ delayTimeout: 10000 });
    hs.scriptDelayed('restart', [{ status: 500 }, { status: 502 }], c.delayId);
    sfu.join(c.room, c.identity);
    t.after(() => sfu.leave(c.room, c.identity));
    await delegate(service, c);
    const third = await nthCall(c, 'restart', 3, 6000);
    const [first, second] = calls(c, 'restart');
    assert.deepEqual([first.status, second.status, third.status], [500, 502, 200]);
    assert.ok(second.at - first.at >= 400 && third.at - second.at >= 400, 'retried with backoff, not at once');
    await holdsFor(() => calls(c).length === 3, 1000, { what: 'no more calls after the success' });
  });

  test('5xx on send is retried until it succeeds', async (t) => {
    const service = await serviceFor(t);
    const c = makeCase({ delayTimeout: 10000 });
    hs.scriptDelayed('send', [{ status: 503 }], c.delayId);
    sfu.join(c.room, c.identity);
    await delegate(service, c);
    await nthCall(c, 'restart', 1, 3000);
    sfu.leave(c.room, c.identity);
    await webhookOk(service, 'participant_left', c.room, c.identity, { disconnectReason: 'CLIENT_INITIATED' });
    const second = await nthCall(c, 'send', 2, 4000);
    assert.equal(calls(c, 'send')[0].status, 503);
    assert.equal(second.status, 200);
    await holdsFor(() => calls(c, 'send').length === 2, 1000, { what: 'no send after the success' });
  });

  test('delay_id is one escaped path segment', async (t) => {
    const service = await serviceFor(t);
    const c = makeCase({ delayTimeout: 1500, delayId: '../../admin' });
    await delegate(service, c);
    const send = await waitFor(() => hs.delayed.find((d) => d.delayId === '../../admin' && d.action === 'send'),
      4000, { what: 'the send' });
    assert.ok(send.rawPath.includes('..%2F..%2Fadmin'), send.rawPath);
    assert.ok(hs.requests.every((r) => !r.rawPath.includes('../')), 'no request with a raw ../');
  });
});

describe('replacement', () => {
  test('a newer job for the same member replaces a waiting one: the old delay_id is never sent', async (t) => {
    const service = await serviceFor(t);
    const old = makeCase({ delayTimeout: 2000 });
    const newer = makeCase({ delayTimeout: 4000, roomId: old.roomId, memberId: old.memberId });
    await delegate(service, old);
    await waitFor(() => polled(old), 1000, { what: 'first poll' });
    const replaced = await delegate(service, newer);
    const send = await nthCall(newer, 'send', 1, 7000);
    assert.ok(send.at - replaced >= 4000 - 100, 'the newer job waits its own delay_timeout');
    assert.equal(calls(old).length, 0, 'the old job sent nothing (its waiting time ended long ago)');
    await holdsFor(() => calls(old).length === 0, 500, { what: 'nothing for the old delay_id' });
  });

  test('a newer job replaces a connected one: only the new delay_id is restarted and sent', async (t) => {
    const service = await serviceFor(t);
    const old = makeCase({ delayTimeout: 2000 });
    const newer = makeCase({ delayTimeout: 10000, roomId: old.roomId, memberId: old.memberId });
    sfu.join(old.room, old.identity);
    await delegate(service, old);
    await nthCall(old, 'restart', 1, 3000);
    await delegate(service, newer);
    await nthCall(newer, 'restart', 1, 3000);
    sfu.leave(old.room, old.identity);
    await webhookOk(service, 'participant_left', old.room, old.identity, { disconnectReason: 'CLIENT_INITIATED' });
    await nthCall(newer, 'send', 1, 2000);
    // The old job would have restarted again 1.6 s after its first restart; watch past that.
    await holdsFor(() => calls(old).length === 1, 2000, { what: 'the old job stays silent' });
  });
});

describe('webhooks', () => {
  test('(test support) webhooks are signed as LiveKit signs them', async () => {
    const body = JSON.stringify(webhookEvent('participant_left', 'room', '@u:s:D'));
    const token = await signWebhook(body, KEY, SECRET);
    const event = await new WebhookReceiver(KEY, SECRET).receive(body, token);
    assert.equal(event.participant.identity, '@u:s:D');
    assert.equal(event.participant.disconnectReason, 1, 'CLIENT_INITIATED');
    await assert.rejects(new WebhookReceiver(KEY, SECRET).receive(`${body} `, token), /sha256/);
  });

  test('bad signature, tampered body, other key or no Authorization: 401 and the job keeps waiting', async (t) => {
    const service = await serviceFor(t);
    const c = makeCase({ delayTimeout: 10000 });
    await delegate(service, c);
    await waitFor(() => polled(c), 1000, { what: 'first poll' });
    const variants = [{ tamper: 'secret' }, { tamper: 'body' }, { tamper: 'missing' }, { key: 'OTHERKEY' }];
    for (const options of variants) {
      const result = await webhook(service, 'participant_joined', c.room, c.identity, options);
      assert.equal(result.status, 401, JSON.stringify(options));
      assert.equal(JSON.parse(result.body).errcode, 'M_UNAUTHORIZED');
    }
    await holdsFor(() => calls(c).length === 0, 1000, { what: 'no restart' });
    // The job was still waiting: a valid event (with "Bearer ") connects it.
    await webhookOk(service, 'participant_joined', c.room, c.identity, { bearer: true });
    await nthCall(c, 'restart', 1, 2000);
  });

  test('irrelevant events are accepted and change nothing', async (t) => {
    const service = await serviceFor(t);
    const c = makeCase({ delayTimeout: 10000 });
    await delegate(service, c);
    await waitFor(() => polled(c), 1000, { what: 'first poll' });
    await webhookOk(service, 'room_started', c.room);
    await webhookOk(service, 'track_published', c.room, c.identity);
    await webhookOk(service, 'participant_joined', c.room, 'someone-else');
    await webhookOk(service, 'participant_joined', hashOf(['!other:example.com', 'm.call#ROOM']), c.identity);
    await holdsFor(() => calls(c).length === 0, 1000, { what: 'no restart' });
  });

  test('a /sfu/get client is found by polling for a /delegate_delayed_leave job (element-call #4209)', async (t) => {
    const service = await serviceFor(t);
    const c = makeCase({ delayTimeout: 10000 });
    sfu.join(c.room, c.legacyIdentity);
    t.after(() => sfu.leave(c.room, c.legacyIdentity));
    await delegate(service, c);
    await nthCall(c, 'restart', 1, 3000);
  });

  test('a /sfu/get client is followed by webhooks for a /delegate_delayed_leave job (element-call #4209)',
    async (t) => {
      const service = await serviceFor(t);
      const c = makeCase({ delayTimeout: 10000 });
      await delegate(service, c);
      await waitFor(() => polled(c), 1000, { what: 'first poll' });
      await webhookOk(service, 'participant_joined', c.room, c.legacyIdentity);
      await nthCall(c, 'restart', 1, 2000);
      await webhookOk(service, 'participant_left', c.room, c.legacyIdentity, { disconnectReason: 'CLIENT_INITIATED' });
      await nthCall(c, 'send', 1, 2000);
    });
});

describe('token endpoints with delay parameters', () => {
  test('/get_token with delay_id and delay_timeout starts a job for its identity', async (t) => {
    const service = await serviceFor(t);
    const c = makeCase({ delayTimeout: 10000 });
    sfu.join(c.room, c.identity);
    t.after(() => sfu.leave(c.room, c.identity));
    const response = await service.post('/get_token', c.body());
    assert.equal(response.status, 200);
    const claims = await new TokenVerifier(KEY, SECRET).verify((await response.json()).jwt);
    assert.equal(claims.sub, c.identity);
    assert.equal(claims.video.room, c.room);
    await nthCall(c, 'restart', 1, 3000);
  });

  test('/sfu/get with delay_id and delay_timeout starts a job for the legacy identity', async (t) => {
    const service = await serviceFor(t);
    const c = makeCase({ delayTimeout: 10000 });
    const room = hashOf([c.roomId, 'm.call#ROOM']);
    const identity = `${USER}:${DEVICE}`;
    const response = await service.post('/sfu/get', {
      room: c.roomId, device_id: DEVICE, delay_id: c.delayId, delay_timeout: c.delayTimeout,
      openid_token: { access_token: 'alice-token', token_type: 'Bearer', matrix_server_name: SERVER, expires_in: 3600 },
    });
    assert.equal(response.status, 200);
    const claims = await new TokenVerifier(KEY, SECRET).verify((await response.json()).jwt);
    assert.equal(claims.sub, identity);
    assert.equal(claims.video.room, room);
    await waitFor(() => sfu.polls(room, identity).length > 0, 1000, { what: 'first poll' });
    await webhookOk(service, 'participant_joined', room, identity);
    await nthCall(c, 'restart', 1, 2000);
    await webhookOk(service, 'participant_left', room, identity, { disconnectReason: 'CLIENT_INITIATED' });
    await nthCall(c, 'send', 1, 2000);
  });
});

describe('request validation', () => {
  let service;
  before(async () => { service = await startService(baseEnv()); });
  after(async () => {
    const exit = await service.stop();
    assert.equal(exit.code, 0, 'clean exit on SIGTERM');
  });

  test('every error has the contract status, errcode and text', async () => {
    const c = makeCase({ delayTimeout: 3000 });
    const post = (body) => service.post('/delegate_delayed_leave', body);
    const full = c.body();
    const without = (object, key) => Object.fromEntries(Object.entries(object).filter(([k]) => k !== key));

    await expectError(await post('not json'), 400, 'M_NOT_JSON', 'Error reading request');
    await expectError(await post(''), 400, 'M_NOT_JSON', 'Error reading request');
    await expectError(await post({ ...full, room_id: 42 }), 400, 'M_NOT_JSON', 'Error reading request');
    await expectError(await post({ ...full, delay_timeout: 'soon' }), 400, 'M_NOT_JSON', 'Error reading request');
    await expectError(await post({}), 400, 'M_BAD_JSON', 'The request body is missing `room_id` or `slot_id`');
    await expectError(await post(without(full, 'slot_id')), 400, 'M_BAD_JSON',
      'The request body is missing `room_id` or `slot_id`');
    for (const key of ['id', 'claimed_user_id', 'claimed_device_id']) {
      await expectError(await post({ ...full, member: without(full.member, key) }), 400, 'M_BAD_JSON',
        'The request body `member` is missing `id`, `claimed_user_id` or `claimed_device_id`');
    }
    for (const key of ['access_token', 'matrix_server_name']) {
      await expectError(await post({ ...full, openid_token: without(full.openid_token, key) }), 400, 'M_BAD_JSON',
        'The request body `openid_token` is missing `access_token` or `matrix_server_name`');
    }
    const delayText = 'The request body is missing `delay_id` or `delay_timeout`';
    await expectError(await post(without(full, 'delay_id')), 400, 'M_BAD_JSON', delayText);
    await expectError(await post(without(full, 'delay_timeout')), 400, 'M_BAD_JSON', delayText);
    await expectError(await post({ ...full, delay_timeout: 0 }), 400, 'M_BAD_JSON', delayText);
    await expectError(await post(without(without(full, 'delay_id'), 'delay_timeout')), 400, 'M_BAD_JSON', delayText);

    await expectError(await post(c.body({ openid_token: { ...full.openid_token, access_token: 'wrong-token' } })),
      401, 'M_UNAUTHORIZED', 'The request could not be authorised.');
    await expectError(await post(c.body({ openid_token: { ...full.openid_token, access_token: 'bob-token' } })),
      401, 'M_UNAUTHORIZED', 'The request could not be authorised.');
    // None of these started a job.
    await holdsFor(() => calls(c).length === 0 && sfu.polls(c.room).length === 0, 500, { what: 'no job' });
  });

  test('an empty POST is a 400, never a 404 (clients probe support with it)', async () => {
    const response = await fetch(`${service.url}/delegate_delayed_leave`, { method: 'POST' });
    assert.notEqual(response.status, 404);
    await expectError(response, 400, 'M_NOT_JSON', 'Error reading request');
  });

  test('methods and CORS preflight', async () => {
    const path = '/delegate_delayed_leave';
    const options = await fetch(service.url + path, { method: 'OPTIONS' });
    assert.equal(options.status, 200);
    assert.equal(options.headers.get('access-control-allow-origin'), '*');
    assert.equal(options.headers.get('access-control-allow-methods'), 'POST');
    const get = await fetch(service.url + path);
    assert.equal(get.status, 405);
    assert.equal(get.headers.get('access-control-allow-origin'), '*');
  });

  test('token endpoints want both delay parameters or neither', async () => {
    const c = makeCase({ delayTimeout: 3000 });
    const delayText = 'The request body is missing `delay_id` or `delay_timeout`';
    const body = c.body();
    delete body.delay_id;
    await expectError(await service.post('/get_token', body), 400, 'M_BAD_JSON', delayText);
    const openid = { access_token: 'alice-token', matrix_server_name: SERVER };
    await expectError(await service.post('/sfu/get', { room: c.roomId, device_id: DEVICE, openid_token: openid,
      delay_timeout: 3000 }), 400, 'M_BAD_JSON', delayText);
    await expectError(await service.post('/sfu/get', { room: c.roomId, device_id: DEVICE, openid_token: openid,
      delay_id: 'd' }), 400, 'M_BAD_JSON', delayText);
  });

  test('no access token or JWT ever reaches the log', () => {
    const text = service.logs.join('\n');
    assert.doesNotMatch(text, /alice-token|bob-token|wrong-token/);
    assert.doesNotMatch(text, /eyJ/);
  });
});

describe('who may delegate, and where the client-server API is', () => {
  test('restricted (not full-access) users: 403 on delegate, 400 on the token endpoints', async (t) => {
    // Not full access, so not exempt from the SSRF guard: the loopback test
    // homeserver must be allowed explicitly.
    const service = await serviceFor(t, { LIVEKIT_FULL_ACCESS_HOMESERVERS: 'other.example',
      LIVEKIT_SSRF_ALLOWED_SERVERS: SERVER });
    const c = makeCase({ delayTimeout: 3000 });
    const text = 'Delegation of delayed events is only supported for full access users';
    await expectError(await service.post('/delegate_delayed_leave', c.body()), 403, 'M_FORBIDDEN', text);
    await expectError(await service.post('/get_token', c.body()), 400, 'M_BAD_JSON', text);
    await expectError(await service.post('/sfu/get', { room: c.roomId, device_id: DEVICE, delay_id: c.delayId,
      delay_timeout: 3000, openid_token: { access_token: 'alice-token', matrix_server_name: SERVER } }),
    400, 'M_BAD_JSON', text);
    await holdsFor(() => calls(c).length === 0 && sfu.polls(c.room).length === 0, 500, { what: 'no job' });
  });

  const unresolvable = [
    ['no /.well-known/matrix/client', null, {}],
    ['a base_url that is not a URL', 'not a url', {}],
    ['an http:// base_url without LIVEKIT_CS_API_ALLOW_HTTP', 'http://127.0.0.1:1', {}],
  ];
  for (const [name, baseUrl, env] of unresolvable) {
    test(`${name}: 400 Unable to resolve client-server API`, async (t) => {
      hs.clientBaseUrl = baseUrl;
      t.after(() => { hs.clientBaseUrl = undefined; });
      const service = await serviceFor(t, env);
      const c = makeCase({ delayTimeout: 3000 });
      await expectError(await service.post('/delegate_delayed_leave', c.body()), 400, 'M_BAD_JSON',
        'Unable to resolve client-server API');
    });
  }

  test('LIVEKIT_CS_API_URL_OVERRIDES replaces discovery', async (t) => {
    const other = await new TestHomeserver(ca, { names: ['IP:127.0.0.1'] }).start();
    t.after(() => other.stop());
    hs.clientBaseUrl = null;
    t.after(() => { hs.clientBaseUrl = undefined; });
    const service = await serviceFor(t, { LIVEKIT_CS_API_URL_OVERRIDES: `${SERVER}=https://127.0.0.1:${other.port}` });
    const seen = hs.requests.length;
    const c = makeCase({ delayTimeout: 1500 });
    await delegate(service, c);
    const send = await waitFor(() => other.delayedCalls(c.delayId, 'send')[0], 4000, { what: 'send at the override' });
    assertHomeserverCall(send, c, 'send');
    assert.equal(calls(c).length, 0, 'nothing went to the discovered homeserver');
    assert.ok(hs.requests.slice(seen).every((r) => r.path !== '/.well-known/matrix/client'), 'no discovery');
  });

  test('an http:// base_url is used when LIVEKIT_CS_API_ALLOW_HTTP=true', async (t) => {
    const plain = await new TestHomeserver(null, { plain: true }).start();
    t.after(() => plain.stop());
    hs.clientBaseUrl = `http://127.0.0.1:${plain.port}`;
    t.after(() => { hs.clientBaseUrl = undefined; });
    const service = await serviceFor(t, { LIVEKIT_CS_API_ALLOW_HTTP: 'true' });
    const c = makeCase({ delayTimeout: 1500 });
    await delegate(service, c);
    const send = await waitFor(() => plain.delayedCalls(c.delayId, 'send')[0], 4000, { what: 'send over http' });
    assertHomeserverCall(send, c, 'send');
  });
});
