// Fault injection with the real redis-server: Redis missing at start-up, lost
// in the middle of a run (SIGKILL) and back again (same port, empty). While
// it is away, tokens keep being issued, delegation requests are still
// accepted (the job runs from memory, docs/delegation.md), /readyz says 503;
// once it is back, /readyz is 200 and every job, those added before and
// during the outage, is in Redis again and still driven.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { TestCa } from './support/pki.mjs';
import { TestDnsServer } from './support/dns_server.mjs';
import { TestHomeserver } from './support/homeserver.mjs';
import { TestSfu } from './support/sfu.mjs';
import { runToExit, startService } from './support/service.mjs';
import { freePort, startRedis } from './support/redis.mjs';
import { waitFor } from './support/wait.mjs';
import { JOBS_KEY, KEY, SECRET, jobField, newCase } from './support/delegation.mjs';

const ca = new TestCa();
const dns = await new TestDnsServer().start();
const sfu = await new TestSfu({ key: KEY, secret: SECRET }).start();
const hs = await new TestHomeserver(ca, { names: ['IP:127.0.0.1'] }).start();
const SERVER = `127.0.0.1:${hs.port}`;
const USER = `@alice:${SERVER}`;
hs.users.set('alice-token', USER);

function baseEnv(redisUrl, extra = {}) {
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
    LIVEKIT_REDIS_URL: redisUrl,
    LIVEKIT_REDIS_LEASE_SECONDS: '1',
    ...extra,
  };
}

const tokenBody = () => ({
  room_id: '!redis-faults:example.com', slot_id: 'm.call#ROOM',
  openid_token: { access_token: 'alice-token', token_type: 'Bearer', matrix_server_name: SERVER, expires_in: 3600 },
  member: { id: 'token-member', claimed_user_id: USER, claimed_device_id: 'DEVICE123' },
});

async function delegate(service, c) {
  const response = await service.post('/delegate_delayed_leave', c.body());
  assert.equal(response.status, 200, await response.clone().text());
  assert.deepEqual(await response.json(), {});
}

async function readyz(service) {
  const response = await fetch(`${service.url}/readyz`);
  return { status: response.status, body: await response.json() };
}

after(() => { dns.stop(); sfu.stop(); hs.stop(); });

describe('Redis faults', () => {
  test('Redis down at start-up: exit 1 with a message naming Redis', async () => {
    const port = await freePort();
    const result = await runToExit(baseEnv(`redis://127.0.0.1:${port}`), [], { timeoutMs: 20000 });
    assert.equal(result.timedOut, false, 'exits by itself');
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr,
      new RegExp(`"cannot start" reason="Redis: cannot connect to Redis at 127\\.0\\.0\\.1 port ${port}: `));
  });

  test('Redis lost mid-run and back empty: tokens keep flowing, no delegation job is lost', async (t) => {
    const redis = await startRedis();
    t.after(() => redis.stop());
    const service = await startService(baseEnv(redis.url));
    t.after(() => service.stop());
    const restarts = (c, since = 0) => hs.delayedCalls(c.delayId, 'restart').filter((call) => call.at >= since);

    // A job added while Redis is up, connected (restarted every 80 % of 3 s).
    const before = newCase({ server: SERVER, user: USER, delayTimeout: 3000 });
    await delegate(service, before);
    sfu.join(before.room, before.identity);
    t.after(() => sfu.leave(before.room, before.identity));
    await waitFor(() => restarts(before).length > 0, 4000, { what: 'the first job restarted' });
    assert.ok(await redis.command('HGET', JOBS_KEY, jobField(before.room, before.identity)));
    assert.equal((await readyz(service)).status, 200);

    await redis.kill();
    const lostAt = Date.now();

    // Tokens without delegation do not need Redis.
    const token = await service.post('/get_token', tokenBody());
    assert.equal(token.status, 200, await token.clone().text());
    assert.ok((await token.json()).jwt);
    // A delegation request is accepted and the job runs from memory.
    const during = newCase({ server: SERVER, user: USER, delayTimeout: 3000 });
    await delegate(service, during);
    sfu.join(during.room, during.identity);
    t.after(() => sfu.leave(during.room, during.identity));
    await waitFor(() => restarts(during).length > 0, 4000, { what: 'the job added during the outage restarted' });
    // Not ready while Redis is away (the check is cached for 2 s).
    const down = await waitFor(async () => {
      const answer = await readyz(service);
      return answer.status === 503 ? answer : null;
    }, 6000, { what: '/readyz 503' });
    assert.equal(down.body.status, 'not_ready');
    assert.equal(down.body.checks.livekit, 'ok');
    assert.notEqual(down.body.checks.redis, 'ok');
    assert.equal((await fetch(`${service.url}/healthz`)).status, 200, 'liveness is unaffected');
    // The first job is still driven while Redis is away.
    await waitFor(() => restarts(before, lostAt).length > 0, 4000, { what: 'a restart of the first job during the outage' });
    // Long enough for every lease (1 s) to lapse.
    const wait = Math.max(0, lostAt + 2000 - Date.now());
    await new Promise((resolve) => { setTimeout(resolve, wait); });

    await redis.start();  // same port, no data
    const backAt = Date.now();
    await waitFor(async () => (await readyz(service)).status === 200, 6000, { what: '/readyz 200 again' });
    const stored = await waitFor(async () => {
      const jobs = await redis.hgetall(JOBS_KEY);
      return jobs[jobField(before.room, before.identity)] && jobs[jobField(during.room, during.identity)] ? jobs : null;
    }, 5000, { what: 'both jobs in Redis again' });
    assert.equal(JSON.parse(stored[jobField(before.room, before.identity)]).Params.DelayId, before.delayId);
    assert.equal(JSON.parse(stored[jobField(during.room, during.identity)]).Params.DelayId, during.delayId);
    for (const c of [before, during]) {
      await waitFor(() => restarts(c, backAt).length > 0, 4000, { what: `a restart of ${c.delayId} after Redis returned` });
      assert.equal(hs.delayedCalls(c.delayId, 'send').length, 0, 'nobody left: no leave event');
    }
    assert.match(service.logs.join('\n'), /delegation job stored again/);
  });
});
