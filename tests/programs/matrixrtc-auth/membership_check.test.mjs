// Black-box tests of the membership check (docs/security.md "Membership
// check"): with LIVEKIT_MEMBERSHIP_CHECK_HOMESERVER and _TOKEN set, users of
// that homeserver get a token only while joined to the room, asked of the
// homeserver's client-server API (MSC4502 is_joined, else the user's
// m.room.member event read as the user by the appservice). The test
// homeserver plays both the federation side (OpenID) and the client-server
// API with scripted memberships, and records every membership request.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { TestCa } from './support/pki.mjs';
import { TestDnsServer } from './support/dns_server.mjs';
import { TestHomeserver } from './support/homeserver.mjs';
import { TestSfu } from './support/sfu.mjs';
import { runToExit, startService } from './support/service.mjs';

const KEY = 'APIKEY';
const SECRET = 'blackbox-secret-of-decent-length';
const AS_TOKEN = 'as-token-with-is-joined-scope';
const NOT_MEMBER = { errcode: 'M_FORBIDDEN', error: 'The requesting user is not a member of the room' };
const UNVERIFIABLE = { errcode: 'M_UNKNOWN', error: 'Unable to verify room membership' };

const ca = new TestCa();
const dns = await new TestDnsServer().start();
const sfu = await new TestSfu({ key: KEY, secret: SECRET }).start();
const hs = await new TestHomeserver(ca, { names: ['IP:127.0.0.1'] }).start();
const remote = await new TestHomeserver(ca, { names: ['IP:127.0.0.1'] }).start();
const SERVER = `127.0.0.1:${hs.port}`;
const REMOTE = `127.0.0.1:${remote.port}`;
const ALICE = `@alice:${SERVER}`;
hs.users.set('alice-token', ALICE);
remote.users.set('bob-token', `@bob:${REMOTE}`);
hs.appserviceToken = AS_TOKEN;

// One room per situation; "unknown" is a room the homeserver has never heard of.
const ROOMS = { joined: `!joined:${SERVER}`, left: `!left:${SERVER}`, banned: `!banned:${SERVER}`,
  never: `!never:${SERVER}`, unknown: `!unknown:${SERVER}` };
hs.setMembership(ROOMS.joined, ALICE, 'join');
hs.setMembership(ROOMS.left, ALICE, 'leave');
hs.setMembership(ROOMS.banned, ALICE, 'ban');
hs.setMembership(ROOMS.never, `@someone-else:${SERVER}`, 'join');

function env(extra = {}) {
  return {
    LIVEKIT_URL: sfu.url,
    LIVEKIT_KEY: KEY,
    LIVEKIT_SECRET: SECRET,
    LIVEKIT_JWT_BIND: '127.0.0.1:0',
    LIVEKIT_JWT_THREADS: '1',
    LIVEKIT_EXTRA_CA_FILE: ca.caFile,
    LIVEKIT_DNS_SERVERS: dns.address,
    LIVEKIT_HOMESERVER_TIMEOUT_SECONDS: '2',
    LIVEKIT_FULL_ACCESS_HOMESERVERS: SERVER,
    LIVEKIT_SSRF_ALLOWED_SERVERS: REMOTE,
    LIVEKIT_MEMBERSHIP_CHECK_HOMESERVER: SERVER,
    LIVEKIT_MEMBERSHIP_CHECK_TOKEN: AS_TOKEN,
    ...extra,
  };
}

async function serviceFor(t, extra) {
  const service = await startService(env(extra));
  t.after(() => service.stop());
  return service;
}

const getToken = (service, roomId, { server = SERVER, token = 'alice-token', user = ALICE } = {}) =>
  service.post('/get_token', {
    room_id: roomId, slot_id: 'm.call#ROOM',
    openid_token: { access_token: token, token_type: 'Bearer', matrix_server_name: server, expires_in: 3600 },
    member: { id: 'memberABC', claimed_user_id: user, claimed_device_id: 'DEVICE123' },
  });
const sfuGet = (service, roomId) => service.post('/sfu/get', {
  room: roomId, device_id: 'DEVICE123',
  openid_token: { access_token: 'alice-token', token_type: 'Bearer', matrix_server_name: SERVER, expires_in: 3600 },
});

/** The status and exact body text, so refusals can be compared byte for byte. */
async function answer(response) {
  return { status: response.status, body: await response.text() };
}

/** Every refusal must be the same 403, whatever the reason (never reveal whether a room exists). */
async function expectSameRefusals(service, send) {
  const refusals = [];
  for (const situation of ['left', 'banned', 'never', 'unknown']) {
    refusals.push({ situation, ...(await answer(await send(service, ROOMS[situation]))) });
  }
  for (const refusal of refusals) {
    assert.equal(refusal.status, 403, refusal.situation);
    assert.deepEqual(JSON.parse(refusal.body), NOT_MEMBER, refusal.situation);
    assert.equal(refusal.body, refusals[0].body, `${refusal.situation}: the same body as ${refusals[0].situation}`);
  }
}

/** RFC 3986 strict: encodeURIComponent leaves !'()* alone, the service encodes them. */
const encode = (text) => encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

const callsSince = (mark) => hs.membershipCalls.slice(mark);

after(() => { dns.stop(); sfu.stop(); hs.stop(); remote.stop(); });

describe('MSC4502 is_joined', () => {
  test('a joined user gets a token on /get_token and /sfu/get; the call is authenticated and encoded', async (t) => {
    const service = await serviceFor(t);
    const mark = hs.membershipCalls.length;
    const rooms = sfu.calls.length;
    assert.equal((await getToken(service, ROOMS.joined)).status, 200);
    assert.equal((await sfuGet(service, ROOMS.joined)).status, 200);
    assert.equal(sfu.calls.length, rooms + 2, 'CreateRoom for both');
    const calls = callsSince(mark);
    assert.equal(calls.length, 2, 'one request per token request');
    for (const call of calls) {
      assert.equal(call.form, 'stable');
      assert.equal(call.authorization, `Bearer ${AS_TOKEN}`);
      assert.equal(call.rawPath, `/_matrix/client/v3/rooms/${encode(ROOMS.joined)}/is_joined`
        + `?mxid=${encode(ALICE)}`);
      assert.match(call.rawPath, /rooms\/%21joined%3A127\.0\.0\.1%3A\d+\/is_joined\?mxid=%40alice%3A/);
    }
  });

  test('left, banned, never joined and unknown room: the same 403, and no room is created', async (t) => {
    const service = await serviceFor(t);
    const rooms = sfu.calls.length;
    await expectSameRefusals(service, getToken);
    await expectSameRefusals(service, sfuGet);
    assert.equal(sfu.calls.length, rooms, 'no CreateRoom for a refused user');
  });

  test('only the unstable endpoint: used after the stable one is missing, then straight away', async (t) => {
    hs.isJoinedForms = new Set(['unstable']);
    t.after(() => { hs.isJoinedForms = new Set(['stable', 'unstable']); });
    const service = await serviceFor(t);
    const mark = hs.membershipCalls.length;
    assert.equal((await getToken(service, ROOMS.joined)).status, 200);
    assert.deepEqual(callsSince(mark).map((c) => c.form), ['stable', 'unstable']);
    await expectSameRefusals(service, getToken);
    assert.deepEqual(callsSince(mark).map((c) => c.form), ['stable', 'unstable', 'unstable', 'unstable', 'unstable',
      'unstable'], 'the service remembers the form the server has');
    assert.match(callsSince(mark)[1].rawPath, /^\/_matrix\/client\/unstable\/io\.element\.msc4502\/rooms\/%21joined/);
  });
});

describe('homeserver without MSC4502', () => {
  for (const missingEndpoint of ['unrecognized', 'plain']) {
    test(`falls back to the m.room.member event (missing endpoints answer ${missingEndpoint} 404)`, async (t) => {
      hs.isJoinedForms = new Set();
      hs.missingEndpoint = missingEndpoint;
      t.after(() => { hs.isJoinedForms = new Set(['stable', 'unstable']); hs.missingEndpoint = 'unrecognized'; });
      const service = await serviceFor(t);
      const mark = hs.membershipCalls.length;
      assert.equal((await getToken(service, ROOMS.joined)).status, 200);
      assert.deepEqual(callsSince(mark).map((c) => c.form), ['stable', 'unstable', 'state']);
      const state = callsSince(mark)[2];
      assert.equal(state.rawPath, `/_matrix/client/v3/rooms/${encode(ROOMS.joined)}/state/m.room.member/`
        + `${encode(ALICE)}?user_id=${encode(ALICE)}`, 'masquerades as the user');
      assert.equal(state.authorization, `Bearer ${AS_TOKEN}`);
      await expectSameRefusals(service, getToken);
      assert.ok(callsSince(mark).slice(3).every((c) => c.form === 'state'), 'no more probing once known');
    });
  }
});

describe('failures and scope', () => {
  test('a homeserver error is 502 M_UNKNOWN, and so is a refused appservice token', async (t) => {
    const service = await serviceFor(t);
    hs.membershipFailure = 500;
    t.after(() => { hs.membershipFailure = null; });
    let response = await getToken(service, ROOMS.joined);
    assert.equal(response.status, 502);
    assert.deepEqual(await response.json(), UNVERIFIABLE);
    hs.membershipFailure = null;
    const wrongToken = await serviceFor(t, { LIVEKIT_MEMBERSHIP_CHECK_TOKEN: 'not-the-as-token' });
    response = await getToken(wrongToken, ROOMS.joined);
    assert.equal(response.status, 502);
    assert.deepEqual(await response.json(), UNVERIFIABLE);
  });

  test('an unreachable client-server API is 502 M_UNKNOWN', async (t) => {
    const service = await serviceFor(t, { LIVEKIT_CS_API_URL_OVERRIDES: `${SERVER}=https://127.0.0.1:1` });
    const response = await getToken(service, ROOMS.joined);
    assert.equal(response.status, 502);
    assert.deepEqual(await response.json(), UNVERIFIABLE);
  });

  test('users of another homeserver are not checked', async (t) => {
    const service = await serviceFor(t);
    const mark = hs.membershipCalls.length;
    const response = await getToken(service, ROOMS.never, { server: REMOTE, token: 'bob-token', user: `@bob:${REMOTE}` });
    assert.equal(response.status, 200, await response.clone().text());
    assert.equal(hs.membershipCalls.length, mark, 'no membership request to the configured homeserver');
    assert.equal(remote.membershipCalls.length, 0, 'none to the remote one either');
  });

  test('off by default: nobody is checked', async (t) => {
    const service = await serviceFor(t, { LIVEKIT_MEMBERSHIP_CHECK_HOMESERVER: '', LIVEKIT_MEMBERSHIP_CHECK_TOKEN: '' });
    const mark = hs.membershipCalls.length;
    assert.equal((await getToken(service, ROOMS.never)).status, 200);
    assert.equal(hs.membershipCalls.length, mark);
  });

  test('/delegate_delayed_leave is not checked (it mints nothing)', async (t) => {
    const service = await serviceFor(t);
    const mark = hs.membershipCalls.length;
    const response = await service.post('/delegate_delayed_leave', {
      room_id: ROOMS.never, slot_id: 'm.call#ROOM',
      openid_token: { access_token: 'alice-token', token_type: 'Bearer', matrix_server_name: SERVER, expires_in: 3600 },
      member: { id: 'memberABC', claimed_user_id: ALICE, claimed_device_id: 'DEVICE123' },
      delay_id: `delay-${process.pid}`, delay_timeout: 60000,
    });
    assert.equal(response.status, 200, await response.clone().text());
    assert.equal(hs.membershipCalls.length, mark);
  });
});

describe('start-up errors', () => {
  const cases = [
    [{ LIVEKIT_MEMBERSHIP_CHECK_HOMESERVER: '' },
      'LIVEKIT_MEMBERSHIP_CHECK_TOKEN is set but LIVEKIT_MEMBERSHIP_CHECK_HOMESERVER is not'],
    [{ LIVEKIT_MEMBERSHIP_CHECK_TOKEN: '' },
      'LIVEKIT_MEMBERSHIP_CHECK_HOMESERVER is set but LIVEKIT_MEMBERSHIP_CHECK_TOKEN is not'],
    [{ LIVEKIT_MEMBERSHIP_CHECK_HOMESERVER: REMOTE },
      `LIVEKIT_MEMBERSHIP_CHECK_HOMESERVER "${REMOTE}" is not one of LIVEKIT_FULL_ACCESS_HOMESERVERS`],
  ];
  for (const [extra, message] of cases) {
    test(message, async () => {
      const result = await runToExit(env(extra));
      assert.equal(result.code, 1);
      assert.equal(result.stderr.split('\n')[0], `matrixrtc-auth: ${message}`);
    });
  }
});
