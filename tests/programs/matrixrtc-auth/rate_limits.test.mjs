// Black-box tests of the rate limits (docs/security.md, "Rate limits"): per
// client IP (X-Forwarded-For only from trusted proxies), per homeserver
// (before it is contacted) and per Matrix user (after it vouched), answered
// with 429 M_LIMIT_EXCEEDED; shared by two instances through a real
// redis-server, failing open when Redis dies; counted in /metrics.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { TestCa } from './support/pki.mjs';
import { TestDnsServer } from './support/dns_server.mjs';
import { TestHomeserver } from './support/homeserver.mjs';
import { TestSfu } from './support/sfu.mjs';
import { startService } from './support/service.mjs';
import { startRedis } from './support/redis.mjs';

const KEY = 'APIKEY';
const SECRET = 'blackbox-secret-of-decent-length';
const ca = new TestCa();
const dns = await new TestDnsServer().start();
const sfu = await new TestSfu({ key: KEY, secret: SECRET }).start();
const hs = await new TestHomeserver(ca, { names: ['IP:127.0.0.1'] }).start();
const SERVER = `127.0.0.1:${hs.port}`;
hs.users.set('alice-token', `@alice:${SERVER}`);
hs.users.set('bob-token', `@bob:${SERVER}`);
after(() => { dns.stop(); sfu.stop(); hs.stop(); });

const ALL_OFF = {
  LIVEKIT_RATE_LIMIT_IP_PER_MINUTE: '0',
  LIVEKIT_RATE_LIMIT_USER_PER_MINUTE: '0',
  LIVEKIT_RATE_LIMIT_HOMESERVER_PER_MINUTE: '0',
};

function baseEnv(extra = {}) {
  return {
    LIVEKIT_URL: sfu.url,
    LIVEKIT_KEY: KEY,
    LIVEKIT_SECRET: SECRET,
    LIVEKIT_JWT_BIND: '127.0.0.1:0',
    LIVEKIT_JWT_THREADS: '2',
    LIVEKIT_EXTRA_CA_FILE: ca.caFile,
    LIVEKIT_DNS_SERVERS: dns.address,
    LIVEKIT_HOMESERVER_TIMEOUT_SECONDS: '2',
    LIVEKIT_FULL_ACCESS_HOMESERVERS: SERVER,
    // Each request must reach the homeserver, so the tests can see where a limit stops it.
    LIVEKIT_USERINFO_CACHE_SECONDS: '0',
    LIVEKIT_USERINFO_NEGATIVE_CACHE_SECONDS: '0',
    ...ALL_OFF,
    ...extra,
  };
}

async function serviceFor(t, extra) {
  const service = await startService(baseEnv(extra));
  t.after(() => service.stop());
  return service;
}

function getTokenBody(token, user = `@alice:${SERVER}`) {
  return {
    room_id: '!roomid:example.com', slot_id: 'm.call#ROOM',
    openid_token: { access_token: token, token_type: 'Bearer', matrix_server_name: SERVER, expires_in: 3600 },
    member: { id: 'memberABC', claimed_user_id: user, claimed_device_id: 'DEVICE123' },
  };
}

function post(service, path, body, headers = {}) {
  return fetch(service.url + path, { method: 'POST', headers,
    body: typeof body === 'string' ? body : JSON.stringify(body) });
}

async function expectLimited(response) {
  assert.equal(response.status, 429);
  assert.equal(response.headers.get('access-control-allow-origin'), '*');
  assert.equal(response.headers.get('access-control-allow-methods'), 'POST');
  assert.equal(response.headers.get('content-type'), 'application/json');
  const body = await response.json();
  assert.deepEqual(Object.keys(body).sort(), ['errcode', 'error', 'retry_after_ms']);
  assert.equal(body.errcode, 'M_LIMIT_EXCEEDED');
  assert.equal(body.error, 'Too many requests');
  assert.ok(Number.isInteger(body.retry_after_ms) && body.retry_after_ms > 0, `retry_after_ms ${body.retry_after_ms}`);
  assert.equal(response.headers.get('retry-after'), String(Math.ceil(body.retry_after_ms / 1000)));
  return body;
}

async function metric(service, line) {
  const text = await (await fetch(`${service.url}/metrics`)).text();
  const match = text.split('\n').find((l) => l.startsWith(`${line} `));
  return match === undefined ? undefined : Number(match.slice(line.length + 1));
}

const userinfoCalls = () => hs.requests.filter((r) => r.path === '/_matrix/federation/v1/openid/userinfo').length;

describe('in memory', () => {
  test('the IP limit answers 429 with retry_after_ms, Retry-After and CORS on every token endpoint', async (t) => {
    // A minute's refill is far away: burst 3, then one token every 20 s.
    const service = await serviceFor(t, { LIVEKIT_RATE_LIMIT_IP_PER_MINUTE: '3', LIVEKIT_RATE_LIMIT_IP_BURST: '3',
      LIVEKIT_TRUSTED_PROXIES: '' });
    for (let i = 0; i < 3; i++) assert.equal((await post(service, '/get_token', 'not json')).status, 400);
    for (const path of ['/get_token', '/sfu/get', '/delegate_delayed_leave']) {
      const body = await expectLimited(await post(service, path, 'not json'));
      assert.ok(body.retry_after_ms > 10000 && body.retry_after_ms <= 20000, `retry_after_ms ${body.retry_after_ms}`);
    }
    // 127.0.0.1 is not trusted here: its X-Forwarded-For changes nothing.
    await expectLimited(await post(service, '/get_token', 'not json', { 'X-Forwarded-For': '203.0.113.9' }));
    // Not limited: probes, preflights, metrics, webhooks.
    assert.equal((await fetch(`${service.url}/healthz`)).status, 200);
    assert.equal((await fetch(`${service.url}/get_token`, { method: 'OPTIONS' })).status, 200);
    assert.equal((await fetch(`${service.url}/sfu_webhook`, { method: 'POST', body: '{}' })).status, 401);
    assert.equal(await metric(service, 'matrixrtc_auth_rate_limited_total{scope="ip"}'), 4);
    assert.equal(await metric(service,
      'matrixrtc_auth_requests_total{endpoint="/get_token",status="429",errcode="M_LIMIT_EXCEEDED"}'), 2);
    assert.match(service.logs.join('\n'), /status=429 .*result=M_LIMIT_EXCEEDED detail="?rate limited: ip/);
  });

  test('X-Forwarded-For names the client only behind a trusted proxy', async (t) => {
    const service = await serviceFor(t, { LIVEKIT_RATE_LIMIT_IP_PER_MINUTE: '1', LIVEKIT_RATE_LIMIT_IP_BURST: '2' });
    const from = (address) => ({ 'X-Forwarded-For': address });
    for (let i = 0; i < 2; i++) {
      assert.equal((await post(service, '/get_token', '{}', from('203.0.113.1'))).status, 400);
      // The leftmost entry is the client's own claim: the proxy's (rightmost) entry counts.
      assert.equal((await post(service, '/get_token', '{}', from(`198.51.100.${i}, 203.0.113.2`))).status, 400);
    }
    await expectLimited(await post(service, '/get_token', '{}', from('203.0.113.1')));
    await expectLimited(await post(service, '/get_token', '{}', from('6.6.6.6, 203.0.113.2')));
    assert.equal((await post(service, '/get_token', '{}', from('203.0.113.3'))).status, 400);
    // Without the header the proxy itself is the client, with its own bucket.
    assert.equal((await post(service, '/get_token', '{}')).status, 400);
  });

  test('the homeserver limit refuses before the homeserver is contacted', async (t) => {
    const service = await serviceFor(t, { LIVEKIT_RATE_LIMIT_HOMESERVER_PER_MINUTE: '1',
      LIVEKIT_RATE_LIMIT_HOMESERVER_BURST: '2' });
    const before = userinfoCalls();
    assert.equal((await post(service, '/get_token', getTokenBody('wrong-token'))).status, 401);
    assert.equal((await post(service, '/get_token', getTokenBody('alice-token'))).status, 200);
    assert.equal(userinfoCalls(), before + 2);
    await expectLimited(await post(service, '/get_token', getTokenBody('alice-token')));
    await expectLimited(await post(service, '/sfu/get', { room: '!room:example.com', device_id: 'D',
      openid_token: { access_token: 'bob-token', matrix_server_name: SERVER } }));
    assert.equal(userinfoCalls(), before + 2, 'the refused requests never reached the homeserver');
    assert.equal(await metric(service, 'matrixrtc_auth_rate_limited_total{scope="homeserver"}'), 2);
  });

  test('the user limit refuses after the homeserver vouched and before the room is created', async (t) => {
    const service = await serviceFor(t, { LIVEKIT_RATE_LIMIT_USER_PER_MINUTE: '1',
      LIVEKIT_RATE_LIMIT_USER_BURST: '1' });
    const lookups = userinfoCalls();
    const rooms = sfu.calls.length;
    assert.equal((await post(service, '/get_token', getTokenBody('alice-token'))).status, 200);
    await expectLimited(await post(service, '/get_token', getTokenBody('alice-token')));
    assert.equal(userinfoCalls(), lookups + 2, 'the homeserver was asked who the second request came from');
    assert.equal(sfu.calls.length, rooms + 1, 'no room was created for the refused request');
    // Another user of the same server has a bucket of its own.
    assert.equal((await post(service, '/get_token', getTokenBody('bob-token', `@bob:${SERVER}`))).status, 200);
    assert.equal(await metric(service, 'matrixrtc_auth_rate_limited_total{scope="user"}'), 1);
    assert.equal(await metric(service, 'matrixrtc_auth_rate_limited_total{scope="ip"}'), 0);
  });

  test('the defaults let a burst of ordinary use through', async (t) => {
    const service = await startService({ ...baseEnv(), LIVEKIT_RATE_LIMIT_IP_PER_MINUTE: '',
      LIVEKIT_RATE_LIMIT_USER_PER_MINUTE: '', LIVEKIT_RATE_LIMIT_HOMESERVER_PER_MINUTE: '' });
    t.after(() => service.stop());
    const answers = await Promise.all(Array.from({ length: 20 },
      () => post(service, '/get_token', getTokenBody('alice-token'))));
    assert.deepEqual(answers.map((r) => r.status), Array(20).fill(200));
    assert.equal(await metric(service, 'matrixrtc_auth_rate_limited_total{scope="user"}'), 0);
  });
});

describe('shared through Redis', { skip: process.env.REDIS_SERVER ? false : 'redis-server not found' }, () => {
  test('two instances enforce one limit, and fail open when Redis dies', async (t) => {
    const redis = await startRedis();
    t.after(() => redis.stop());
    const env = { LIVEKIT_REDIS_URL: redis.url, LIVEKIT_RATE_LIMIT_IP_PER_MINUTE: '3',
      LIVEKIT_RATE_LIMIT_IP_BURST: '3', LIVEKIT_TRUSTED_PROXIES: '' };
    const a = await serviceFor(t, env);
    const b = await serviceFor(t, env);
    for (let i = 0; i < 3; i++) assert.equal((await post(a, '/get_token', '{}')).status, 400);
    // A's requests used up the burst of 127.0.0.1: B refuses it too.
    await expectLimited(await post(b, '/get_token', '{}'));
    await expectLimited(await post(a, '/sfu/get', '{}'));
    const stored = await redis.command('KEYS', 'lk-jwt:ratelimit:*');
    assert.deepEqual(stored, ['lk-jwt:ratelimit:ip:127.0.0.1']);
    assert.equal(await metric(b, 'matrixrtc_auth_rate_limited_total{scope="ip"}'), 1);

    await redis.stop();
    for (const service of [a, b]) {
      for (let i = 0; i < 3; i++) assert.equal((await post(service, '/get_token', '{}')).status, 400);
      assert.ok(await metric(service, 'matrixrtc_auth_rate_limit_fail_open_total{scope="ip",reason="backend_error"}') >= 1);
      assert.match(service.logs.join('\n'), /rate limits not enforced/);
    }
  });
});
