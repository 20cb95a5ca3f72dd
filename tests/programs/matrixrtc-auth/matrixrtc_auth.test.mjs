// Black-box tests of the matrixrtc-auth binary against a test homeserver
// (federation over TLS signed by a CA made at test time, well-known, SRV via a
// test DNS responder) and a test SFU (Twirp CreateRoom, token verified with
// livekit-server-sdk). Everything listens on loopback only.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { TestCa } from './support/pki.mjs';
import { TestDnsServer } from './support/dns_server.mjs';
import { TestHomeserver } from './support/homeserver.mjs';
import { TestSfu, TokenVerifier, webhookEvent } from './support/sfu.mjs';
import { runToExit, startService } from './support/service.mjs';

const KEY = 'APIKEY';
const SECRET = 'blackbox-secret-of-decent-length';
const ROOM_ID = '!roomid:example.com';

// [room_id, "m.call#ROOM"] hashed as the MSC says (checked against Node in names.test.mjs).
const ALIAS_SLOT_ROOM = 'F4oOprKFBq6JHqy2qYpq6UQQmR7hCvxkQQoUrd0+SbI';

const ca = new TestCa();
const dns = await new TestDnsServer().start();
const sfu = await new TestSfu({ key: KEY, secret: SECRET }).start();

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
    ...extra,
  };
}

function getTokenBody(serverName, token, user, extra = {}) {
  return {
    room_id: ROOM_ID, slot_id: 'm.call#ROOM',
    openid_token: { access_token: token, token_type: 'Bearer', matrix_server_name: serverName, expires_in: 3600 },
    member: { id: 'memberABC', claimed_user_id: user, claimed_device_id: 'DEVICE123' },
    ...extra,
  };
}

async function expectError(response, status, errcode, error) {
  assert.equal(response.status, status);
  assert.equal(response.headers.get('access-control-allow-origin'), '*');
  const body = await response.json();
  assert.deepEqual(body, { errcode, error });
}

describe('IP-literal homeserver with full access', () => {
  let hs;
  let service;
  before(async () => {
    hs = await new TestHomeserver(ca, { names: ['IP:127.0.0.1'] }).start();
    hs.users.set('alice-token', `@alice:127.0.0.1:${hs.port}`);
    hs.users.set('liar-token', '@alice:example.com');
    service = await startService(baseEnv({ LIVEKIT_FULL_ACCESS_HOMESERVERS: `127.0.0.1:${hs.port}` }));
  });
  after(async () => {
    const exit = await service.stop();
    assert.equal(exit.code, 0, 'clean exit on SIGTERM');
    hs.stop();
  });

  test('/get_token mints the expected token and creates the room', async () => {
    const server = `127.0.0.1:${hs.port}`;
    const user = `@alice:${server}`;
    sfu.calls.length = 0;
    const response = await service.post('/get_token', getTokenBody(server, 'alice-token', user));
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('access-control-allow-origin'), '*');
    const { url, jwt } = await response.json();
    assert.equal(url, sfu.url);
    const claims = await new TokenVerifier(KEY, SECRET).verify(jwt);
    const expectedIdentity = (await import('node:crypto')).createHash('sha256')
      .update(JSON.stringify([user, 'DEVICE123', 'memberABC'])).digest('base64').replace(/=+$/, '');
    assert.equal(claims.sub, expectedIdentity);
    assert.equal(claims.video.room, ALIAS_SLOT_ROOM);
    assert.equal(claims.video.roomJoin, true);
    assert.equal(claims.video.roomCreate, false);
    assert.equal(claims.video.canPublish, true);
    assert.equal(claims.video.canSubscribe, true);
    assert.equal(claims.video.canUpdateOwnMetadata, false);
    assert.equal(claims.video.hidden, false);
    assert.equal(claims.exp - claims.nbf, 3600);
    assert.equal(sfu.calls.length, 1);
    assert.deepEqual(sfu.calls[0].request,
      { name: ALIAS_SLOT_ROOM, emptyTimeout: 300, departureTimeout: 20, maxParticipants: 0 });
    assert.equal(sfu.calls[0].claims.video.roomCreate, true);
    // Discovery: an IP literal with a port is dialled directly, TLS name and Host are the literal.
    const last = hs.requests.at(-1);
    assert.equal(last.path, '/_matrix/federation/v1/openid/userinfo');
    assert.equal(last.host, server);
  });

  test('/sfu/get uses the legacy identity and the m.call#ROOM slot', async () => {
    const server = `127.0.0.1:${hs.port}`;
    const response = await service.post('/sfu/get', {
      room: '!room:example.com', device_id: 'DEVICE123',
      openid_token: { access_token: 'alice-token', matrix_server_name: server },
    });
    assert.equal(response.status, 200);
    const { jwt } = await response.json();
    const claims = await new TokenVerifier(KEY, SECRET).verify(jwt);
    assert.equal(claims.sub, `@alice:${server}:DEVICE123`);
    assert.equal(claims.video.room, 'krj2dgxw2K6EOm9he4GfQJ6JsSVWfJ8a7BkyjZcSmxs');
  });

  test('every request error has the reference status, errcode and text', async () => {
    const server = `127.0.0.1:${hs.port}`;
    await expectError(await service.post('/get_token', 'not json'), 400, 'M_NOT_JSON', 'Error reading request');
    await expectError(await service.post('/get_token', {}), 400, 'M_BAD_JSON',
      'The request body is missing `room_id` or `slot_id`');
    await expectError(await service.post('/get_token', { room_id: ROOM_ID, slot_id: 's', member: { id: 'm' } }),
      400, 'M_BAD_JSON', 'The request body `member` is missing a `id`, `claimed_user_id` or `claimed_device_id`');
    await expectError(await service.post('/get_token', getTokenBody('', 'x', '@a:b')), 400, 'M_BAD_JSON',
      'The request body `openid_token` is missing a `access_token` or `matrix_server_name`');
    await expectError(await service.post('/get_token', getTokenBody(server, 'alice-token', `@alice:${server}`,
      { delay_id: 'd' })), 400, 'M_BAD_JSON', 'The request body is missing `delay_id` or `delay_timeout`');
    await expectError(await service.post('/sfu/get', {}), 400, 'M_BAD_JSON', 'Missing room parameter');
    await expectError(await service.post('/sfu/get', { room: ROOM_ID }), 400, 'M_BAD_JSON',
      'Missing OpenID token parameters');
    await expectError(await service.post('/get_token', getTokenBody(server, 'wrong-token', `@alice:${server}`)),
      401, 'M_UNAUTHORIZED', 'The request could not be authorised.');
    await expectError(await service.post('/get_token', getTokenBody(server, 'alice-token', `@bob:${server}`)),
      401, 'M_UNAUTHORIZED', 'The request could not be authorised.');
    // The homeserver vouches for a user of another server.
    await expectError(await service.post('/get_token', getTokenBody(server, 'liar-token', '@alice:example.com')),
      401, 'M_UNAUTHORIZED', 'The request could not be authorised.');
  });

  test('methods, CORS preflight, healthz and unknown paths', async () => {
    for (const path of ['/get_token', '/sfu/get']) {
      const options = await fetch(service.url + path, { method: 'OPTIONS' });
      assert.equal(options.status, 200);
      assert.equal(options.headers.get('access-control-allow-methods'), 'POST');
      assert.equal(options.headers.get('access-control-allow-headers'),
        'Accept, Content-Type, Content-Length, Accept-Encoding, X-CSRF-Token');
      const get = await fetch(service.url + path);
      assert.equal(get.status, 405);
      assert.equal(await get.text(), '');
      assert.equal(get.headers.get('access-control-allow-origin'), '*');
    }
    assert.equal((await fetch(`${service.url}/healthz`)).status, 200);
    assert.equal((await fetch(`${service.url}/healthz`, { method: 'HEAD' })).status, 200);
    assert.equal((await fetch(`${service.url}/nope`)).status, 404);
  });

  test('no access token or JWT ever reaches the log', () => {
    const text = service.logs.join('\n');
    assert.doesNotMatch(text, /alice-token|liar-token|wrong-token/);
    assert.doesNotMatch(text, /eyJ/);
    assert.match(text, /path=\/get_token status=200/);
  });
});

describe('homeserver failures', () => {
  let hs;
  let service;
  before(async () => {
    hs = await new TestHomeserver(ca, { names: ['IP:127.0.0.1'] }).start();
    hs.users.set('t', `@u:127.0.0.1:${hs.port}`);
    // Restricted servers on loopback: only reachable with the SSRF guard off.
    // The same token meets every failure mode in turn: the OpenID cache is off
    // so each request really asks (userinfo_cache.test.mjs tests the cache).
    service = await startService(baseEnv({ LIVEKIT_FULL_ACCESS_HOMESERVERS: 'other.example',
      LIVEKIT_SSRF_PROTECTION: 'false', LIVEKIT_USERINFO_CACHE_SECONDS: '0',
      LIVEKIT_USERINFO_NEGATIVE_CACHE_SECONDS: '0' }));
  });
  after(async () => { await service.stop(); hs.stop(); });

  for (const mode of ['status500', 'garbage', 'hang', 'huge']) {
    test(`homeserver answering ${mode} gives 401`, async () => {
      hs.mode = mode;
      const server = `127.0.0.1:${hs.port}`;
      const started = Date.now();
      await expectError(await service.post('/get_token', getTokenBody(server, 't', `@u:${server}`)),
        401, 'M_UNAUTHORIZED', 'The request could not be authorised.');
      assert.ok(Date.now() - started < 5000, 'bounded by the homeserver timeout');
      hs.mode = 'ok';
    });
  }

  test('remote (restricted) users get subscribe-only tokens and no room', async () => {
    const server = `127.0.0.1:${hs.port}`;
    sfu.calls.length = 0;
    const response = await service.post('/get_token', getTokenBody(server, 't', `@u:${server}`));
    assert.equal(response.status, 200);
    const claims = await new TokenVerifier(KEY, SECRET).verify((await response.json()).jwt);
    assert.equal(claims.video.canPublish, false);
    assert.equal(sfu.calls.length, 0);
    await expectError(await service.post('/get_token', getTokenBody(server, 't', `@u:${server}`,
      { delay_id: 'd', delay_timeout: 1000 })), 400, 'M_BAD_JSON',
    'Delegation of delayed events is only supported for full access users');
  });

  test('an unreachable homeserver gives 401', async () => {
    await expectError(await service.post('/get_token', getTokenBody('127.0.0.1:1', 't', '@u:127.0.0.1:1')),
      401, 'M_UNAUTHORIZED', 'The request could not be authorised.');
  });
});

describe('LiveKit down', () => {
  test('room creation failure is 500 Unable to create room on SFU', async () => {
    const hs = await new TestHomeserver(ca, { names: ['IP:127.0.0.1'] }).start();
    hs.users.set('t', `@u:127.0.0.1:${hs.port}`);
    const service = await startService(baseEnv({
      LIVEKIT_URL: 'ws://127.0.0.1:1/livekit', LIVEKIT_FULL_ACCESS_HOMESERVERS: `127.0.0.1:${hs.port}` }));
    const server = `127.0.0.1:${hs.port}`;
    await expectError(await service.post('/get_token', getTokenBody(server, 't', `@u:${server}`)),
      500, 'M_UNKNOWN', 'Unable to create room on SFU');
    await service.stop();
    hs.stop();
  });
});

describe('observability', () => {
  let hs;
  let service;
  before(async () => {
    hs = await new TestHomeserver(ca, { names: ['IP:127.0.0.1'] }).start();
    hs.users.set('obs-token', `@obs:127.0.0.1:${hs.port}`);
    service = await startService(baseEnv({ LIVEKIT_FULL_ACCESS_HOMESERVERS: `127.0.0.1:${hs.port}` }));
  });
  after(async () => { await service.stop(); hs.stop(); });

  const counter = (text, name, labels) => {
    const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(',');
    const line = text.split('\n').find((l) => l.startsWith(`${name}{${wanted}} `));
    return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
  };
  const scrape = async () => {
    const response = await fetch(`${service.url}/metrics`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
    assert.equal(response.headers.get('access-control-allow-origin'), null);
    return response.text();
  };

  test('/metrics counters move with requests', async () => {
    const server = `127.0.0.1:${hs.port}`;
    const before = await scrape();
    const ok = { endpoint: '/get_token', status: '200', errcode: '' };
    const bad = { endpoint: '/get_token', status: '401', errcode: 'M_UNAUTHORIZED' };
    const lost = { endpoint: 'other', status: '404', errcode: 'M_UNRECOGNIZED' };
    const created = { method: 'CreateRoom', result: 'ok' };
    assert.equal((await service.post('/get_token', getTokenBody(server, 'obs-token', `@obs:${server}`))).status, 200);
    assert.equal((await service.post('/get_token', getTokenBody(server, 'nobody', `@obs:${server}`))).status, 401);
    assert.equal((await fetch(`${service.url}/not/a/route`)).status, 404);
    const joined = webhookEvent('participant_joined', 'ROOM', 'someone');
    assert.equal((await sfu.sendWebhook(service.url, joined)).status, 200);
    assert.equal((await sfu.sendWebhook(service.url, joined, { tamper: 'secret' })).status, 401);
    const after = await scrape();
    for (const result of ['ok', 'unauthorized']) {
      assert.equal(counter(after, 'matrixrtc_auth_webhooks_total', { result }),
        counter(before, 'matrixrtc_auth_webhooks_total', { result }) + 1, result);
    }
    assert.equal(counter(after, 'matrixrtc_auth_requests_total', ok), counter(before, 'matrixrtc_auth_requests_total', ok) + 1);
    assert.equal(counter(after, 'matrixrtc_auth_requests_total', bad), counter(before, 'matrixrtc_auth_requests_total', bad) + 1);
    assert.equal(counter(after, 'matrixrtc_auth_requests_total', lost), counter(before, 'matrixrtc_auth_requests_total', lost) + 1);
    assert.equal(counter(after, 'matrixrtc_auth_livekit_requests_total', created),
      counter(before, 'matrixrtc_auth_livekit_requests_total', created) + 1);
    assert.equal(counter(after, 'matrixrtc_auth_homeserver_lookup_failures_total', { reason: 'http_status' }),
      counter(before, 'matrixrtc_auth_homeserver_lookup_failures_total', { reason: 'http_status' }) + 1);
    assert.match(after, /^matrixrtc_auth_homeserver_lookup_duration_seconds_count [1-9]/m);
    assert.match(after, /^matrixrtc_auth_request_duration_seconds_bucket\{endpoint="\/get_token",le="\+Inf"\} [1-9]/m);
    assert.match(after, /^matrixrtc_auth_delegation_jobs\{state="connected"\} 0$/m);
    assert.match(after, /^matrixrtc_auth_open_connections [1-9]/m);
    assert.match(after, /^matrixrtc_auth_build_info\{version="[^"]+"\} 1$/m);
    assert.doesNotMatch(after, /not\/a\/route/);
    assert.equal((await fetch(`${service.url}/metrics`, { method: 'POST' })).status, 405);
  });

  test('request ids are echoed, replaced when not sane, and logged', async () => {
    const echoed = await fetch(`${service.url}/nope`, { headers: { 'x-request-id': 'probe-42.A_b' } });
    assert.equal(echoed.status, 404);
    assert.equal(echoed.headers.get('x-request-id'), 'probe-42.A_b');
    const replaced = await fetch(`${service.url}/nope`, { headers: { 'x-request-id': 'bad id!' } });
    assert.match(replaced.headers.get('x-request-id'), /^[0-9a-f]{16}$/);
    assert.match(service.logs.join('\n'), /request_id=probe-42\.A_b method=GET path=\/nope status=404/);
  });

  test('/readyz is 200 against the test SFU', async () => {
    const response = await fetch(`${service.url}/readyz`);
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { status: 'ready', checks: { livekit: 'ok', redis: 'off' } });
    // The check is a GetParticipant on a room nobody uses: Twirp not_found.
    assert.ok(sfu.polls('matrixrtc-auth-readyz').some((call) => call.status === 404));
    assert.ok(counter(await scrape(), 'matrixrtc_auth_livekit_requests_total',
      { method: 'GetParticipant', result: 'not_found' }) >= 1);
  });

  test('/readyz is 503 once the SFU stops, and with a wrong secret', async () => {
    const own = await new TestSfu({ key: KEY, secret: SECRET }).start();
    const started = [];
    try {
      const ownService = await startService(baseEnv({ LIVEKIT_URL: own.url, LIVEKIT_FULL_ACCESS_HOMESERVERS: '*' }));
      started.push(ownService);
      const wrong = await startService(baseEnv({ LIVEKIT_SECRET: 'not-the-secret-the-sfu-knows',
        LIVEKIT_FULL_ACCESS_HOMESERVERS: '*' }));
      started.push(wrong);
      assert.equal((await fetch(`${ownService.url}/readyz`)).status, 200);
      own.stop();
      await new Promise((resolve) => { setTimeout(resolve, 2100); });  // past the 2 s cache
      const down = await fetch(`${ownService.url}/readyz`);
      assert.equal(down.status, 503);
      const body = await down.json();
      assert.equal(body.status, 'not_ready');
      assert.equal(body.checks.redis, 'off');
      assert.notEqual(body.checks.livekit, 'ok');
      assert.equal((await fetch(`${ownService.url}/healthz`)).status, 200, 'liveness is unaffected');
      const refused = await fetch(`${wrong.url}/readyz`);
      assert.equal(refused.status, 503);
      assert.deepEqual(await refused.json(), { status: 'not_ready',
        checks: { livekit: 'unauthorized: LiveKit refused the API key or secret', redis: 'off' } });
      assert.doesNotMatch(wrong.logs.join('\n'), /not-the-secret/);
    } finally {
      for (const service of started) await service.stop();
      own.stop();
    }
  });
});

describe('server discovery', () => {
  test('hostname with explicit port: direct, TLS name and Host are the hostname', async () => {
    const hs = await new TestHomeserver(ca, { names: ['DNS:explicit.test'] }).start();
    dns.add('explicit.test', 'A', '127.0.0.1');
    hs.users.set('t', `@u:explicit.test:${hs.port}`);
    const server = `explicit.test:${hs.port}`;
    const service = await startService(baseEnv({ LIVEKIT_FULL_ACCESS_HOMESERVERS: 'none.example',
      LIVEKIT_SSRF_ALLOWED_SERVERS: server }));
    const response = await service.post('/get_token', getTokenBody(server, 't', `@u:${server}`));
    assert.equal(response.status, 200);
    assert.equal(hs.requests.at(-1).sni, 'explicit.test');
    assert.equal(hs.requests.at(-1).host, server);
    await service.stop();
    hs.stop();
  });

  test('SRV _matrix-fed._tcp: dial the target, TLS name and Host are the server name', async () => {
    const hs = await new TestHomeserver(ca, { names: ['DNS:srv.test'] }).start();
    dns.add('_matrix-fed._tcp.srv.test', 'SRV', { port: hs.port, target: 'backend.srv.test' });
    dns.add('backend.srv.test', 'A', '127.0.0.1');
    dns.add('srv.test', 'A', '127.0.0.9');  // nothing listens there: no well-known
    hs.users.set('t', '@u:srv.test');
    const service = await startService(baseEnv({ LIVEKIT_FULL_ACCESS_HOMESERVERS: 'none.example',
      LIVEKIT_SSRF_ALLOWED_SERVERS: 'srv.test' }));
    const response = await service.post('/get_token', getTokenBody('srv.test', 't', '@u:srv.test'));
    assert.equal(response.status, 200);
    assert.equal(hs.requests.at(-1).sni, 'srv.test');
    assert.equal(hs.requests.at(-1).host, 'srv.test');
    await service.stop();
    hs.stop();
  });

  // The override is the admin's own configuration: not filtered, even on loopback.
  test('federation URL override skips discovery', async () => {
    const hs = await new TestHomeserver(ca, { names: ['DNS:internal.test'] }).start();
    dns.add('internal.test', 'A', '127.0.0.1');
    hs.users.set('t', '@u:public.example');
    const service = await startService(baseEnv({ LIVEKIT_FULL_ACCESS_HOMESERVERS: 'none.example',
      LIVEKIT_FEDERATION_URL_OVERRIDES: `public.example=https://internal.test:${hs.port}` }));
    const response = await service.post('/get_token', getTokenBody('public.example', 't', '@u:public.example'));
    assert.equal(response.status, 200);
    assert.equal(hs.requests.at(-1).sni, 'internal.test');
    await service.stop();
    hs.stop();
  });

  // Well-known and the 8448 fallback use the spec's fixed ports 443 and 8448,
  // on loopback addresses of their own; binding them needs root (as CI runs).
  async function onPrivilegedPort(ca_, names, host, port) {
    try {
      return await new TestHomeserver(ca_, { names, host, port }).start();
    } catch (error) {
      if (error.code === 'EACCES') return null;
      throw error;
    }
  }

  test('/.well-known/matrix/server delegation', async (t) => {
    const wellKnown = await onPrivilegedPort(ca, ['DNS:wk.test'], '127.0.0.2', 443);
    if (!wellKnown) return t.skip('binding port 443 needs root');
    const hs = await new TestHomeserver(ca, { names: ['DNS:matrix.wk.test'] }).start();
    dns.add('wk.test', 'A', '127.0.0.2');
    dns.add('matrix.wk.test', 'A', '127.0.0.1');
    wellKnown.wellKnown = { 'm.server': `matrix.wk.test:${hs.port}` };
    hs.users.set('t', '@u:wk.test');
    const service = await startService(baseEnv({ LIVEKIT_FULL_ACCESS_HOMESERVERS: 'none.example',
      LIVEKIT_SSRF_ALLOWED_SERVERS: 'wk.test' }));
    const response = await service.post('/get_token', getTokenBody('wk.test', 't', '@u:wk.test'));
    assert.equal(response.status, 200);
    assert.equal(wellKnown.requests[0].path, '/.well-known/matrix/server');
    assert.equal(hs.requests.at(-1).sni, 'matrix.wk.test');
    assert.equal(hs.requests.at(-1).host, `matrix.wk.test:${hs.port}`);
    await service.stop();
    hs.stop();
    wellKnown.stop();
  });

  test('fallback to port 8448', async (t) => {
    const hs = await onPrivilegedPort(ca, ['DNS:fallback.test'], '127.0.0.3', 8448);
    if (!hs) return t.skip('binding port 8448 needs root');
    dns.add('fallback.test', 'A', '127.0.0.3');
    hs.users.set('t', '@u:fallback.test');
    const service = await startService(baseEnv({ LIVEKIT_FULL_ACCESS_HOMESERVERS: 'none.example',
      LIVEKIT_SSRF_ALLOWED_SERVERS: 'fallback.test' }));
    const response = await service.post('/get_token', getTokenBody('fallback.test', 't', '@u:fallback.test'));
    assert.equal(response.status, 200);
    assert.equal(hs.requests.at(-1).sni, 'fallback.test');
    assert.equal(hs.requests.at(-1).host, 'fallback.test');
    await service.stop();
    hs.stop();
  });
});

// The SSRF guard is on by default: a server named by a client must not make
// the service connect to loopback (or any other non-public address), however
// the name resolves. Full access for everyone (`*`) exempts nobody.
describe('SSRF guard', () => {
  let hs;
  let service;
  before(async () => {
    hs = await new TestHomeserver(ca, { names: ['IP:127.0.0.1', 'DNS:guarded.test', 'DNS:exempt.test'] }).start();
    dns.add('guarded.test', 'A', '127.0.0.1');
    dns.add('guarded6.test', 'AAAA', '::ffff:7f00:1');  // ::ffff:127.0.0.1
    dns.add('exempt.test', 'A', '127.0.0.1');
    dns.add('_matrix-fed._tcp.srvguard.test', 'SRV', { port: hs.port, target: 'guarded.test' });
    dns.add('srvguard.test', 'A', '127.0.0.9');
    for (const name of [`guarded.test:${hs.port}`, `guarded6.test:${hs.port}`, 'srvguard.test',
      `exempt.test:${hs.port}`, `127.0.0.1:${hs.port}`, `[::ffff:127.0.0.1]:${hs.port}`, `0.0.0.0:${hs.port}`,
      `[::1]:${hs.port}`, `[::ffff:7f00:1]:${hs.port}`, `[64:ff9b::7f00:1]:${hs.port}`, `[2002:7f00:1::]:${hs.port}`]) {
      hs.users.set(`token-${name}`, `@u:${name}`);
    }
    service = await startService(baseEnv({ LIVEKIT_FULL_ACCESS_HOMESERVERS: '*',
      LIVEKIT_SSRF_ALLOWED_SERVERS: `exempt.test:${hs.port}` }));
  });
  after(async () => { await service.stop(); hs.stop(); });

  async function expectRefused(server) {
    const requests = hs.requests.length;
    const connections = hs.connections;
    await expectError(await service.post('/get_token', getTokenBody(server, `token-${server}`, `@u:${server}`)),
      401, 'M_UNAUTHORIZED', 'The request could not be authorised.');
    assert.equal(hs.requests.length, requests, `${server}: the homeserver saw no request`);
    assert.equal(hs.connections, connections, `${server}: the homeserver saw no connection`);
  }

  test('a restricted name resolving to 127.0.0.1 is refused before connecting', async () => {
    await expectRefused(`guarded.test:${hs.port}`);
    assert.match(service.logs.join('\n'), /refused to connect: 127\.0\.0\.1 is loopback/);
  });

  test('a name whose AAAA is IPv4-mapped loopback is refused', async () => {
    await expectRefused(`guarded6.test:${hs.port}`);
    assert.match(service.logs.join('\n'), /::ffff:127\.0\.0\.1 is IPv4-mapped/);
  });

  test('an SRV target resolving to loopback is refused', async () => {
    await expectRefused('srvguard.test');
  });

  test('loopback, IPv4-mapped, unspecified and embedded literals are refused', async () => {
    for (const server of [`127.0.0.1:${hs.port}`, `[::ffff:127.0.0.1]:${hs.port}`, `0.0.0.0:${hs.port}`,
      `[::1]:${hs.port}`, `[::ffff:7f00:1]:${hs.port}`, `[64:ff9b::7f00:1]:${hs.port}`,
      `[2002:7f00:1::]:${hs.port}`]) {
      await expectRefused(server);
    }
  });

  test('a server in LIVEKIT_SSRF_ALLOWED_SERVERS reaches the same homeserver', async () => {
    const server = `exempt.test:${hs.port}`;
    const response = await service.post('/get_token', getTokenBody(server, `token-${server}`, `@u:${server}`));
    assert.equal(response.status, 200);
    assert.equal(hs.requests.at(-1).sni, 'exempt.test');
  });
});

describe('homeserver allowlist and blocklist', () => {
  let hs;
  let service;
  const names = ['ok.allowed.test', 'blocked.allowed.test', 'other.test'];
  before(async () => {
    hs = await new TestHomeserver(ca, { names: names.map((name) => `DNS:${name}`) }).start();
    for (const name of names) {
      dns.add(name, 'A', '127.0.0.1');
      hs.users.set(`token-${name}`, `@u:${name}:${hs.port}`);
    }
    // All exempt from the SSRF guard, so only the lists can refuse them.
    service = await startService(baseEnv({ LIVEKIT_FULL_ACCESS_HOMESERVERS: 'none.example',
      LIVEKIT_SSRF_ALLOWED_SERVERS: names.map((name) => `${name}:${hs.port}`).join(','),
      LIVEKIT_HOMESERVER_ALLOWLIST: '*.allowed.test',
      LIVEKIT_HOMESERVER_BLOCKLIST: 'blocked.allowed.test' }));
  });
  after(async () => { await service.stop(); hs.stop(); });

  const body = (name, port) => getTokenBody(`${name}:${port}`, `token-${name}`, `@u:${name}:${port}`);

  test('an allowlisted server is accepted', async () => {
    const response = await service.post('/get_token', body('ok.allowed.test', hs.port));
    assert.equal(response.status, 200);
  });

  for (const [name, reason] of [['blocked.allowed.test', /LIVEKIT_HOMESERVER_BLOCKLIST/],
    ['other.test', /not on LIVEKIT_HOMESERVER_ALLOWLIST/]]) {
    test(`${name} is refused like an invalid token, without any request`, async () => {
      const requests = hs.requests.length;
      const connections = hs.connections;
      const queries = dns.queries?.length;
      await expectError(await service.post('/get_token', body(name, hs.port)),
        401, 'M_UNAUTHORIZED', 'The request could not be authorised.');
      await expectError(await service.post('/sfu/get', { room: '!room:example.com', device_id: 'D',
        openid_token: { access_token: `token-${name}`, matrix_server_name: `${name}:${hs.port}` } }),
      401, 'M_UNAUTHORIZED', 'The request could not be authorised.');
      assert.equal(hs.requests.length, requests);
      assert.equal(hs.connections, connections);
      if (queries !== undefined) assert.equal(dns.queries.length, queries);
      assert.match(service.logs.join('\n'), reason);
    });
  }
});

describe('start-up', () => {
  test('missing configuration is fatal with the reference message', async () => {
    const result = await runToExit({ LIVEKIT_FULL_ACCESS_HOMESERVERS: '*' });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /LIVEKIT_KEY\* \/ LIVEKIT_SECRET\* and LIVEKIT_URL must be set/);
  });

  test('--help lists every environment variable', async () => {
    const result = await runToExit({}, ['--help']);
    assert.equal(result.code, 0);
    for (const name of ['LIVEKIT_URL', 'LIVEKIT_FULL_ACCESS_HOMESERVERS', 'LIVEKIT_JWT_BIND', 'LIVEKIT_KEY_FILE']) {
      assert.match(result.stdout, new RegExp(name));
    }
  });
});

after(() => { dns.stop(); sfu.stop(); });
