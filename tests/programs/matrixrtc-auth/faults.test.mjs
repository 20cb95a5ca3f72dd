// Fault injection, black-box: one homeserver misbehaves (slow, resetting
// connections, 5xx, 10 MiB answers, hanging) or LiveKit is down or slow,
// while the service (one thread) must keep answering everybody else at once,
// give the faulty path the documented error within the configured timeout,
// and keep its memory bounded. Also DNS rebinding: a name whose answer turns
// to loopback between lookups never gets a connection to loopback.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { TestCa } from './support/pki.mjs';
import { TestDnsServer } from './support/dns_server.mjs';
import { TestHomeserver } from './support/homeserver.mjs';
import { TestSfu } from './support/sfu.mjs';
import { startService } from './support/service.mjs';
import { waitFor } from './support/wait.mjs';

const KEY = 'APIKEY';
const SECRET = 'blackbox-secret-of-decent-length';
const TIMEOUT_SECONDS = 2;           // LIVEKIT_HOMESERVER_TIMEOUT_SECONDS for these tests
const HEALTHY_BOUND_MS = 1500;       // "promptly", with slack for a busy machine and ASan
const LIVEKIT_TIMEOUT_MS = 10_000;   // RoomService calls (fixed in twirp_room_client)

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
    LIVEKIT_HOMESERVER_TIMEOUT_SECONDS: String(TIMEOUT_SECONDS),
    // Every request must reach the faulty homeserver, not a remembered answer.
    LIVEKIT_USERINFO_CACHE_SECONDS: '0',
    LIVEKIT_USERINFO_NEGATIVE_CACHE_SECONDS: '0',
    ...extra,
  };
}

async function homeserver(token, name) {
  const hs = await new TestHomeserver(ca, { names: ['IP:127.0.0.1'] }).start();
  const server = `127.0.0.1:${hs.port}`;
  hs.users.set(token, `@${name}:${server}`);
  hs.server_name = server;
  hs.body = () => ({
    room_id: '!faults:example.com', slot_id: 'm.call#ROOM',
    openid_token: { access_token: token, token_type: 'Bearer', matrix_server_name: server, expires_in: 3600 },
    member: { id: 'member', claimed_user_id: `@${name}:${server}`, claimed_device_id: 'DEVICE' },
  });
  return hs;
}

/** Sends and times one request; resolves with {status, body, ms}. */
async function timed(service, path, body) {
  const started = Date.now();
  const response = await service.post(path, body);
  const text = await response.text();
  return { status: response.status, body: text, ms: Date.now() - started,
    cors: response.headers.get('access-control-allow-origin') };
}

function expectUnauthorized(answer, what) {
  assert.equal(answer.status, 401, `${what}: ${answer.body}`);
  assert.equal(answer.cors, '*');
  assert.deepEqual(JSON.parse(answer.body), { errcode: 'M_UNAUTHORIZED', error: 'The request could not be authorised.' },
    what);
}

describe('homeserver faults', () => {
  let faulty;
  let healthy;
  let service;
  before(async () => {
    faulty = await homeserver('faulty-token', 'mallory');
    healthy = await homeserver('healthy-token', 'alice');
    service = await startService(baseEnv({
      LIVEKIT_FULL_ACCESS_HOMESERVERS: `${faulty.server_name},${healthy.server_name}`,
      // Under ASan, freed memory waits in a quarantine (256 MiB by default) and
      // would count as growth in the memory check; a plain build ignores this.
      ASAN_OPTIONS: 'quarantine_size_mb=4' }));
  });
  after(async () => {
    const exit = await service.stop();
    assert.equal(exit.code, 0, 'clean exit on SIGTERM after the faults');
    faulty.stop();
    healthy.stop();
  });

  /**
   * Puts the faulty homeserver in `mode`, sends `count` requests for it and,
   * once the first has reached it, a request for the healthy homeserver:
   * that one must be answered 200 at once, the faulty ones 401 within the
   * timeout. Returns the faulty answers.
   */
  async function whileFaulty(mode, { count = 3, slowMs } = {}) {
    faulty.mode = mode;
    if (slowMs !== undefined) faulty.slowMs = slowMs;
    const seen = faulty.requests.length;
    try {
      const pending = Array.from({ length: count }, () => timed(service, '/get_token', faulty.body()));
      await waitFor(() => faulty.requests.length > seen, TIMEOUT_SECONDS * 1000, { what: `the ${mode} homeserver asked` });
      const ok = await timed(service, '/get_token', healthy.body());
      assert.equal(ok.status, 200, `healthy homeserver during ${mode}: ${ok.body}`);
      assert.ok(JSON.parse(ok.body).jwt);
      assert.ok(ok.ms < HEALTHY_BOUND_MS, `healthy request took ${ok.ms} ms during ${mode}`);
      const answers = await Promise.all(pending);
      for (const answer of answers) {
        expectUnauthorized(answer, mode);
        assert.ok(answer.ms <= TIMEOUT_SECONDS * 1000 + 1500, `${mode}: answered after ${answer.ms} ms`);
      }
      console.log(`${mode}: healthy ${ok.ms} ms; faulty ${answers.map((a) => a.ms).join(', ')} ms`);
      return { ok, answers };
    } finally {
      faulty.mode = 'ok';
    }
  }

  test('a homeserver slower than the timeout: 401 at the timeout, others served meanwhile', async () => {
    const { ok, answers } = await whileFaulty('slow', { slowMs: (TIMEOUT_SECONDS + 2) * 1000 });
    for (const answer of answers) assert.ok(answer.ms >= TIMEOUT_SECONDS * 1000 - 200, `gave up early: ${answer.ms} ms`);
    assert.ok(ok.ms < Math.min(...answers.map((a) => a.ms)), 'the healthy request did not wait for the slow ones');
  });

  test('a homeserver slower than usual but within the timeout still succeeds', async () => {
    faulty.mode = 'slow';
    faulty.slowMs = 700;
    try {
      const answer = await timed(service, '/get_token', faulty.body());
      assert.equal(answer.status, 200, answer.body);
      assert.ok(answer.ms >= 650, `answered after ${answer.ms} ms`);
    } finally {
      faulty.mode = 'ok';
    }
  });

  test('a homeserver that never answers: 401 at the timeout', async () => {
    const { ok, answers } = await whileFaulty('hang');
    assert.ok(ok.ms < Math.min(...answers.map((a) => a.ms)), 'the healthy request did not wait for the hanging ones');
  });

  test('a homeserver resetting connections: 401 at once', async () => {
    const { answers } = await whileFaulty('reset');
    for (const answer of answers) assert.ok(answer.ms < HEALTHY_BOUND_MS, `reset took ${answer.ms} ms`);
  });

  for (const status of [500, 502, 503, 504]) {
    test(`a homeserver answering ${status}: 401`, async () => {
      await whileFaulty(`status${status}`);
    });
  }

  test('a homeserver answering 10 MiB: 401, and memory stays bounded over 50 requests', async () => {
    await whileFaulty('huge10mib');
    faulty.mode = 'huge10mib';
    try {
      const rssBefore = service.rssKiB();
      for (let batch = 0; batch < 5; batch++) {
        const answers = await Promise.all(Array.from({ length: 10 }, () => timed(service, '/get_token', faulty.body())));
        for (const answer of answers) expectUnauthorized(answer, 'huge10mib');
      }
      const rssAfter = service.rssKiB();
      console.log(`10 MiB answers: VmRSS ${rssBefore} KiB before 50 requests, ${rssAfter} KiB after`);
      // Keeping the bodies would cost 500 MiB; the userinfo limit is 64 KiB.
      assert.ok(rssAfter - rssBefore < 32 * 1024, `RSS grew by ${rssAfter - rssBefore} KiB`);
    } finally {
      faulty.mode = 'ok';
    }
    const ok = await timed(service, '/get_token', faulty.body());
    assert.equal(ok.status, 200, 'the homeserver is fine again, and so is the service');
  });
});

describe('LiveKit faults', () => {
  let full;
  let restricted;
  before(async () => {
    full = await homeserver('full-token', 'alice');
    restricted = await homeserver('restricted-token', 'bob');
  });
  after(() => { full.stop(); restricted.stop(); });

  /** A service whose full-access users need `livekitUrl`; restricted users never call LiveKit. */
  const serviceFor = (livekitUrl) => startService(baseEnv({ LIVEKIT_URL: livekitUrl,
    LIVEKIT_FULL_ACCESS_HOMESERVERS: full.server_name, LIVEKIT_SSRF_PROTECTION: 'false' }));

  async function expectRoomFailure(service, boundMs) {
    const answer = await timed(service, '/get_token', full.body());
    assert.equal(answer.status, 500, answer.body);
    assert.equal(answer.cors, '*');
    assert.deepEqual(JSON.parse(answer.body), { errcode: 'M_UNKNOWN', error: 'Unable to create room on SFU' });
    assert.ok(answer.ms <= boundMs, `answered after ${answer.ms} ms`);
    return answer;
  }

  async function expectServed(service) {
    const ok = await timed(service, '/get_token', restricted.body());
    assert.equal(ok.status, 200, ok.body);
    assert.ok(ok.ms < HEALTHY_BOUND_MS, `restricted user's token took ${ok.ms} ms`);
    const health = await fetch(`${service.url}/healthz`);
    assert.equal(health.status, 200);
    return ok;
  }

  test('LiveKit down (port closed): 500 Unable to create room on SFU at once; others served', async () => {
    const gone = await new TestSfu({ key: KEY, secret: SECRET }).start();
    gone.stop();
    const service = await serviceFor(gone.url);
    try {
      const [failure, ok] = await Promise.all([expectRoomFailure(service, HEALTHY_BOUND_MS), expectServed(service)]);
      console.log(`LiveKit down: room failure ${failure.ms} ms, other request ${ok.ms} ms`);
      await expectRoomFailure(service, HEALTHY_BOUND_MS);  // and again: nothing got stuck
    } finally {
      await service.stop();
    }
  });

  test('LiveKit slower than the RoomService timeout: 500 at the timeout; others served meanwhile', async () => {
    const slow = await new TestSfu({ key: KEY, secret: SECRET }).start();
    slow.delayMs = LIVEKIT_TIMEOUT_MS + 3000;
    const service = await serviceFor(slow.url);
    try {
      const failure = expectRoomFailure(service, LIVEKIT_TIMEOUT_MS + 2000);
      await waitFor(() => slow.received > 0, 3000, { what: 'CreateRoom reaching the slow SFU' });
      const served = [];
      for (let i = 0; i < 3; i++) served.push(await expectServed(service));
      const answer = await failure;
      assert.ok(answer.ms >= LIVEKIT_TIMEOUT_MS - 500, `gave up early: ${answer.ms} ms`);
      console.log(`LiveKit slow: room failure ${answer.ms} ms, others ${served.map((s) => s.ms).join(', ')} ms`);
    } finally {
      await service.stop();
      slow.stop();
    }
  });
});

// The SSRF guard checks the addresses handed to connect(), after the lookup
// made for that very connection, so a name that first resolves to a public
// address and then to loopback cannot reach loopback. The public address is
// 3ffe::1 (global unicast, routed nowhere: the attempt fails or times out).
describe('DNS rebinding', () => {
  let service;
  before(async () => {
    service = await startService(baseEnv({ LIVEKIT_FULL_ACCESS_HOMESERVERS: 'none.example' }));
  });
  after(() => service.stop());

  const bodyFor = (server) => ({
    room_id: '!faults:example.com', slot_id: 'm.call#ROOM',
    openid_token: { access_token: 'rebind-token', token_type: 'Bearer', matrix_server_name: server, expires_in: 3600 },
    member: { id: 'member', claimed_user_id: `@u:${server}`, claimed_device_id: 'DEVICE' },
  });
  const servedLoopback = (name) => dns.answered(name, 'A').some((answers) => answers.some((a) => a.startsWith('127.')));

  test('a name answering public, then 127.0.0.1: every request refused, loopback never connected', async () => {
    const hs = await new TestHomeserver(ca, { names: ['DNS:rebind.test'] }).start();
    try {
      const server = `rebind.test:${hs.port}`;
      hs.users.set('rebind-token', `@u:${server}`);
      dns.sequence('rebind.test', 'AAAA', [['3ffe::1'], []]);
      dns.sequence('rebind.test', 'A', [[], ['127.0.0.1']]);
      for (let i = 0; i < 3; i++) {
        const answer = await timed(service, '/get_token', bodyFor(server));
        expectUnauthorized(answer, `rebinding request ${i + 1}`);
        assert.ok(answer.ms <= TIMEOUT_SECONDS * 1000 + 1500, `answered after ${answer.ms} ms`);
      }
      assert.ok(servedLoopback('rebind.test'), 'the responder did hand out 127.0.0.1');
      assert.equal(hs.connections, 0, 'the loopback homeserver saw no connection');
      assert.equal(hs.requests.length, 0);
      assert.match(service.logs.join('\n'), /refused to connect: 127\.0\.0\.1 is loopback/);
    } finally {
      hs.stop();
    }
  });

  // Within one request: the well-known lookup gets the public address, the
  // port 8448 fallback's lookup gets loopback (binding 8448 needs root).
  test('within one request: well-known lookup public, fallback lookup loopback', async (t) => {
    let hs;
    try {
      hs = await new TestHomeserver(ca, { names: ['DNS:rebind2.test'], host: '127.0.0.6', port: 8448 }).start();
    } catch (error) {
      if (error.code === 'EACCES') return t.skip('binding port 8448 needs root');
      throw error;
    }
    try {
      hs.users.set('rebind-token', '@u:rebind2.test');
      dns.sequence('rebind2.test', 'AAAA', [['3ffe::1'], []]);
      dns.sequence('rebind2.test', 'A', [[], ['127.0.0.6']]);
      const answer = await timed(service, '/get_token', bodyFor('rebind2.test'));
      expectUnauthorized(answer, 'rebinding within one request');
      assert.ok(servedLoopback('rebind2.test'), 'the fallback lookup got 127.0.0.6');
      assert.equal(hs.connections, 0, 'the loopback homeserver saw no connection');
      assert.match(service.logs.join('\n'), /refused to connect: 127\.0\.0\.6 is loopback/);
    } finally {
      hs.stop();
    }
    return undefined;
  });
});

after(() => { dns.stop(); sfu.stop(); });
