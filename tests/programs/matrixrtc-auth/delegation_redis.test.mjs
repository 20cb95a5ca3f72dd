// Black-box scenarios of delegation jobs persisted in Redis (lk-jwt-service §8
// "Persistence"): the real redis-server (with a password) and the real
// matrixrtc-auth binary. The stored format is lk-jwt-service's, so jobs
// survive a switch between the two; several instances share one Redis and
// each job is driven by exactly one of them. Each test has its own Redis.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { TestCa } from './support/pki.mjs';
import { TestDnsServer } from './support/dns_server.mjs';
import { TestHomeserver } from './support/homeserver.mjs';
import { TestSfu, webhookEvent } from './support/sfu.mjs';
import { runToExit, startService } from './support/service.mjs';
import { freePort, startRedis } from './support/redis.mjs';
import { holdsFor, waitFor } from './support/wait.mjs';
import { JOBS_KEY, KEY, SECRET, goJobValue, goTime, jobField, newCase } from './support/delegation.mjs';

const PASSWORD = 'redis-test-password';
const ca = new TestCa();
const dns = await new TestDnsServer().start();
const sfu = await new TestSfu({ key: KEY, secret: SECRET }).start();
const hs = await new TestHomeserver(ca, { names: ['IP:127.0.0.1'] }).start();
const SERVER = `127.0.0.1:${hs.port}`;
const USER = `@alice:${SERVER}`;
hs.users.set('alice-token', USER);

function baseEnv(redis, extra = {}) {
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
    LIVEKIT_REDIS_URL: redis.url,
    LIVEKIT_REDIS_PASSWORD: PASSWORD,
    LIVEKIT_REDIS_LEASE_SECONDS: '1',
    ...extra,
  };
}

async function redisFor(t) {
  const redis = await startRedis({ password: PASSWORD });
  t.after(() => redis.stop());
  return redis;
}

/** A service stopped when the test ends (unless the test stopped it). */
async function serviceFor(t, redis, extra = {}) {
  const service = await startService(baseEnv(redis, extra));
  const stopOnce = service.stop;
  let stopped = null;
  service.stop = () => { stopped ??= stopOnce(); return stopped; };
  t.after(() => service.stop());
  return service;
}

const makeCase = (options) => newCase({ server: SERVER, user: USER, ...options });
const calls = (c, action) => hs.delayedCalls(c.delayId, action);
const nthCall = (c, action, n, timeoutMs) => waitFor(() => calls(c, action)[n - 1], timeoutMs,
  { what: `${action} #${n} for ${c.delayId}` });
const storedJob = async (redis, c) => {
  const value = await redis.command('HGET', JOBS_KEY, jobField(c.room, c.identity));
  return value === null ? null : JSON.parse(value);
};

async function delegate(service, c) {
  const started = Date.now();
  const response = await service.post('/delegate_delayed_leave', c.body());
  assert.equal(response.status, 200, await response.clone().text());
  assert.deepEqual(await response.json(), {});
  return started;
}

async function webhookOk(service, event, room, identity) {
  const result = await sfu.sendWebhook(service.url, webhookEvent(event, room, identity));
  assert.equal(result.status, 200, `webhook ${event}: ${result.body}`);
}

after(() => { dns.stop(); sfu.stop(); hs.stop(); });

describe('jobs in Redis', () => {
  test('a job is stored in the reference format, updated on restart and removed when done', async (t) => {
    const redis = await redisFor(t);
    const service = await serviceFor(t, redis);
    const c = makeCase({ delayTimeout: 10000 });
    const started = await delegate(service, c);
    const stored = await waitFor(() => storedJob(redis, c), 2000, { what: 'the stored job' });
    const fields = Object.keys(await redis.hgetall(JOBS_KEY));
    assert.deepEqual(fields, [`["${c.room}","${c.identity}"]`]);
    const { Params, RestartedAt, ...rest } = stored;
    assert.deepEqual(rest, {});
    // Our own extra field (the /sfu/get identity) is allowed; its shape is ours to choose.
    const { MatrixrtcAlternativeIdentities: _alternatives, ...params } = Params;
    assert.deepEqual(params, { DelayId: c.delayId, DelayTimeout: 10000 * 1e6, ServerName: SERVER,
      LiveKitRoom: c.room, LiveKitIdentity: c.identity });
    assert.match(RestartedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/);
    const storedAt = Date.parse(RestartedAt);
    assert.ok(storedAt >= started - 1000 && storedAt <= Date.now() + 1000, `RestartedAt ${RestartedAt}`);

    // Connects (found by the next poll): the restart is saved.
    sfu.join(c.room, c.identity);
    const restart = await nthCall(c, 'restart', 1, 4000);
    const updated = await waitFor(async () => {
      const job = await storedJob(redis, c);
      return job && Date.parse(job.RestartedAt) > storedAt ? job : null;
    }, 2000, { what: 'RestartedAt moved on' });
    assert.ok(Math.abs(Date.parse(updated.RestartedAt) - restart.at) < 1000);
    assert.equal(updated.Params.DelayId, c.delayId);

    // Leaves: the leave event is sent and the job is gone.
    sfu.leave(c.room, c.identity);
    await webhookOk(service, 'participant_left', c.room, c.identity);
    await nthCall(c, 'send', 1, 2000);
    await waitFor(async () => (await storedJob(redis, c)) === null, 2000, { what: 'the job removed' });
  });

  test('a job survives a restart of the service', async (t) => {
    const redis = await redisFor(t);
    const first = await serviceFor(t, redis);
    const c = makeCase({ delayTimeout: 20000 });
    await delegate(first, c);
    await waitFor(() => storedJob(redis, c), 2000, { what: 'the stored job' });
    await waitFor(() => sfu.polls(c.room, c.identity).length > 0, 1000, { what: 'first poll' });
    await first.stop();
    assert.ok(await storedJob(redis, c), 'a stopped service leaves its jobs in Redis');
    assert.equal(calls(c).length, 0);

    sfu.join(c.room, c.identity);
    const second = await serviceFor(t, redis);
    await nthCall(c, 'restart', 1, 5000);  // restored as waiting, found by polling
    sfu.leave(c.room, c.identity);
    await webhookOk(second, 'participant_left', c.room, c.identity);
    await nthCall(c, 'send', 1, 2000);
    await waitFor(async () => (await storedJob(redis, c)) === null, 2000, { what: 'the job removed' });
    assert.equal(calls(c, 'restart').length, 1);
  });

  test('an expired job is deleted at start-up and never sent', async (t) => {
    const redis = await redisFor(t);
    const c = makeCase({ delayTimeout: 10000 });
    const field = jobField(c.room, c.identity);
    await redis.command('HSET', JOBS_KEY, field, goJobValue({ delayId: c.delayId, delayTimeoutMs: 10000,
      server: SERVER, room: c.room, identity: c.identity, restartedAt: goTime(Date.now() - 3600 * 1000) }));
    sfu.join(c.room, c.identity);
    t.after(() => sfu.leave(c.room, c.identity));
    await serviceFor(t, redis);
    await waitFor(async () => (await redis.command('HEXISTS', JOBS_KEY, field)) === 0, 3000,
      { what: 'the expired job deleted' });
    await holdsFor(() => calls(c).length === 0, 1500, { what: 'nothing sent or restarted' });
  });

  test('a job written by lk-jwt-service (Go format) is picked up; unreadable entries are skipped', async (t) => {
    const redis = await redisFor(t);
    const c = makeCase({ delayTimeout: 30000 });
    const seededAt = Date.now() - 2000;
    const restartedAt = goTime(seededAt);  // e.g. 2026-07-01T13:00:00.123456789+01:00
    await redis.command('HSET', JOBS_KEY, jobField(c.room, c.identity), goJobValue({ delayId: c.delayId,
      delayTimeoutMs: 30000, server: SERVER, room: c.room, identity: c.identity, restartedAt }));
    await redis.command('HSET', JOBS_KEY, '["garbage","entry"]', 'this is not a job');
    sfu.join(c.room, c.identity);
    const service = await serviceFor(t, redis);
    await nthCall(c, 'restart', 1, 3000);
    await waitFor(async () => Date.parse((await storedJob(redis, c)).RestartedAt) > seededAt + 1000, 2000,
      { what: 'RestartedAt updated after the restart' });
    sfu.leave(c.room, c.identity);
    await webhookOk(service, 'participant_left', c.room, c.identity);
    await nthCall(c, 'send', 1, 2000);
    await waitFor(async () => (await storedJob(redis, c)) === null, 2000, { what: 'the job removed' });
  });

  test('two instances on one Redis: one restart sequence and one send in total', async (t) => {
    const redis = await redisFor(t);
    const a = await serviceFor(t, redis, { LIVEKIT_REDIS_LEASE_SECONDS: '2' });
    const b = await serviceFor(t, redis, { LIVEKIT_REDIS_LEASE_SECONDS: '2' });
    const c = makeCase({ delayTimeout: 10000 });
    await delegate(a, c);
    await waitFor(() => storedJob(redis, c), 2000, { what: 'the stored job' });
    await waitFor(() => sfu.polls(c.room, c.identity).length > 0, 1000, { what: 'first poll' });
    // Joined reaches A and left reaches B: whichever instance drives the job,
    // one of the two events has to be forwarded to it.
    await webhookOk(a, 'participant_joined', c.room, c.identity);
    await nthCall(c, 'restart', 1, 2000);
    await holdsFor(() => calls(c, 'restart').length === 1, 1500, { what: 'a single restart' });
    await webhookOk(b, 'participant_left', c.room, c.identity);
    await nthCall(c, 'send', 1, 2000);
    await holdsFor(() => calls(c, 'send').length === 1 && calls(c, 'restart').length === 1, 1500,
      { what: 'a single send' });
    await waitFor(async () => (await storedJob(redis, c)) === null, 2000, { what: 'the job removed' });
  });

  test('the same through B first: joined reaches B, left reaches A', async (t) => {
    const redis = await redisFor(t);
    const a = await serviceFor(t, redis, { LIVEKIT_REDIS_LEASE_SECONDS: '2' });
    const b = await serviceFor(t, redis, { LIVEKIT_REDIS_LEASE_SECONDS: '2' });
    const c = makeCase({ delayTimeout: 10000 });
    await delegate(a, c);
    await waitFor(() => sfu.polls(c.room, c.identity).length > 0, 1000, { what: 'first poll' });
    await webhookOk(b, 'participant_joined', c.room, c.identity);
    await nthCall(c, 'restart', 1, 2000);
    await webhookOk(a, 'participant_left', c.room, c.identity);
    await nthCall(c, 'send', 1, 2000);
    await holdsFor(() => calls(c, 'send').length === 1 && calls(c, 'restart').length === 1, 1500,
      { what: 'a single restart and a single send' });
  });
});

describe('start-up', () => {
  test('an unreachable Redis is fatal (exit code 1)', async () => {
    const port = await freePort();
    const result = await runToExit(baseEnv({ url: `redis://127.0.0.1:${port}` }), [], { timeoutMs: 20000 });
    assert.equal(result.timedOut, false, 'exits by itself');
    assert.equal(result.code, 1, result.stderr);
  });

  test('a wrong Redis password is fatal (exit code 1)', async (t) => {
    const redis = await redisFor(t);
    const result = await runToExit(baseEnv(redis, { LIVEKIT_REDIS_PASSWORD: 'not-the-password' }), [],
      { timeoutMs: 20000 });
    assert.equal(result.timedOut, false, 'exits by itself');
    assert.equal(result.code, 1, result.stderr);
  });
});
