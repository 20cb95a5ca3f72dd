// Black-box tests of the OpenID userinfo cache (docs/security.md "Caching"):
// the test homeserver counts its userinfo requests while the same OpenID
// token is presented again, a bad token is retried after the negative
// lifetime, and with the cache off every request asks.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { TestCa } from './support/pki.mjs';
import { TestDnsServer } from './support/dns_server.mjs';
import { TestHomeserver } from './support/homeserver.mjs';
import { TestSfu } from './support/sfu.mjs';
import { startService } from './support/service.mjs';
import { delay } from './support/wait.mjs';

const KEY = 'APIKEY';
const SECRET = 'blackbox-secret-of-decent-length';
const USERINFO = '/_matrix/federation/v1/openid/userinfo';

const ca = new TestCa();
const dns = await new TestDnsServer().start();
const sfu = await new TestSfu({ key: KEY, secret: SECRET }).start();
const hs = await new TestHomeserver(ca, { names: ['IP:127.0.0.1'] }).start();
const SERVER = `127.0.0.1:${hs.port}`;
hs.users.set('alice-token', `@alice:${SERVER}`);

async function serviceFor(t, extra = {}) {
  const service = await startService({
    LIVEKIT_URL: sfu.url,
    LIVEKIT_KEY: KEY,
    LIVEKIT_SECRET: SECRET,
    LIVEKIT_JWT_BIND: '127.0.0.1:0',
    LIVEKIT_JWT_THREADS: '2',   // the cache is shared by every shard
    LIVEKIT_EXTRA_CA_FILE: ca.caFile,
    LIVEKIT_DNS_SERVERS: dns.address,
    LIVEKIT_HOMESERVER_TIMEOUT_SECONDS: '2',
    LIVEKIT_FULL_ACCESS_HOMESERVERS: SERVER,
    ...extra,
  });
  t.after(() => service.stop());
  return service;
}

const getToken = (service, token, user = `@alice:${SERVER}`) => service.post('/get_token', {
  room_id: '!room:example.com', slot_id: 'm.call#ROOM',
  openid_token: { access_token: token, token_type: 'Bearer', matrix_server_name: SERVER, expires_in: 3600 },
  member: { id: 'memberABC', claimed_user_id: user, claimed_device_id: 'DEVICE123' },
});
const lookups = () => hs.requests.filter((r) => r.path === USERINFO).length;

async function counters(service) {
  const text = await (await fetch(`${service.url}/metrics`)).text();
  const value = (result) => Number(text.match(new RegExp(`^matrixrtc_auth_userinfo_cache_total\\{result="${result}"\\} (\\d+)$`, 'm'))[1]);
  return { hit: value('hit'), miss: value('miss'), negative_hit: value('negative_hit') };
}

after(() => { dns.stop(); sfu.stop(); hs.stop(); });

describe('OpenID userinfo cache', () => {
  test('the same token several times: the homeserver is asked once', async (t) => {
    const service = await serviceFor(t);
    const before = lookups();
    // New connections each time, so requests land on either shard.
    for (let i = 0; i < 4; i += 1) assert.equal((await getToken(service, 'alice-token')).status, 200);
    assert.equal(lookups() - before, 1);
    assert.deepEqual(await counters(service), { hit: 3, miss: 1, negative_hit: 0 });
    // The claimed user is still compared on a cached answer.
    const liar = await getToken(service, 'alice-token', `@mallory:${SERVER}`);
    assert.equal(liar.status, 401);
    assert.equal(lookups() - before, 1);
  });

  test('a failing token is remembered for the negative lifetime, then asked again', async (t) => {
    const service = await serviceFor(t, { LIVEKIT_USERINFO_NEGATIVE_CACHE_SECONDS: '1' });
    const before = lookups();
    assert.equal((await getToken(service, 'unknown-token')).status, 401);
    assert.equal((await getToken(service, 'unknown-token')).status, 401);
    assert.equal(lookups() - before, 1, 'the second refusal came from the cache');
    await delay(1200);
    assert.equal((await getToken(service, 'unknown-token')).status, 401);
    assert.equal(lookups() - before, 2, 'asked again once the failure was forgotten');
    assert.deepEqual(await counters(service), { hit: 0, miss: 2, negative_hit: 1 });
  });

  test('a short cap: asked again once it has passed', async (t) => {
    const service = await serviceFor(t, { LIVEKIT_USERINFO_CACHE_SECONDS: '1' });
    const before = lookups();
    assert.equal((await getToken(service, 'alice-token')).status, 200);
    assert.equal((await getToken(service, 'alice-token')).status, 200);
    assert.equal(lookups() - before, 1);
    await delay(1200);
    assert.equal((await getToken(service, 'alice-token')).status, 200);
    assert.equal(lookups() - before, 2);
  });

  test('a burst of identical requests on one thread makes one homeserver request', async (t) => {
    const service = await serviceFor(t, { LIVEKIT_JWT_THREADS: '1' });
    hs.userinfoDelayMs = 300;
    t.after(() => { hs.userinfoDelayMs = 0; });
    const before = lookups();
    const answers = await Promise.all(Array.from({ length: 5 }, () => getToken(service, 'alice-token')));
    assert.deepEqual(answers.map((r) => r.status), [200, 200, 200, 200, 200]);
    assert.equal(lookups() - before, 1);
    assert.deepEqual(await counters(service), { hit: 4, miss: 1, negative_hit: 0 });
  });

  test('cache off: every request asks the homeserver', async (t) => {
    const service = await serviceFor(t, { LIVEKIT_USERINFO_CACHE_SECONDS: '0',
      LIVEKIT_USERINFO_NEGATIVE_CACHE_SECONDS: '0' });
    const before = lookups();
    for (let i = 0; i < 3; i += 1) assert.equal((await getToken(service, 'alice-token')).status, 200);
    for (let i = 0; i < 2; i += 1) assert.equal((await getToken(service, 'unknown-token')).status, 401);
    assert.equal(lookups() - before, 5);
    assert.deepEqual(await counters(service), { hit: 0, miss: 0, negative_hit: 0 });
  });
});
