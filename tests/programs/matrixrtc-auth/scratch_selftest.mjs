import assert from 'node:assert/strict';
import https from 'node:https';
import http from 'node:http';
import { TestCa } from './support/pki.mjs';
import { TestHomeserver } from './support/homeserver.mjs';
import { TestSfu, WebhookReceiver, webhookEvent, signWebhook } from './support/sfu.mjs';
import { startRedis } from './support/redis.mjs';
import { waitFor, holdsFor } from './support/wait.mjs';

const KEY = 'APIKEY', SECRET = 'blackbox-secret-of-decent-length';
// webhook signing
const body = JSON.stringify(webhookEvent('participant_joined', 'room1', '@a:b:DEV'));
const token = await signWebhook(body, KEY, SECRET);
const ev = await new WebhookReceiver(KEY, SECRET).receive(body, token);
assert.equal(ev.event, 'participant_joined'); assert.equal(ev.participant.identity, '@a:b:DEV');
assert.equal(ev.participant.disconnectReason, 1, 'CLIENT_INITIATED enum');
await assert.rejects(new WebhookReceiver(KEY, SECRET).receive(body + ' ', token));
await assert.rejects(new WebhookReceiver(KEY, SECRET + 'x').receive(body, token));
console.log('webhook ok', JSON.parse(Buffer.from(token.split('.')[1], 'base64url')));

// sfu webhook sending to a fake service
const sfu = await new TestSfu({ key: KEY, secret: SECRET }).start();
const got = [];
const fake = http.createServer(async (req, res) => { let b=''; for await (const c of req) b+=c;
  try { await new WebhookReceiver(KEY, SECRET).receive(b, (req.headers.authorization ?? '').replace(/^Bearer /, '')); res.writeHead(200).end(); got.push('ok'); }
  catch (e) { res.writeHead(401).end(String(e)); got.push('bad'); } });
await new Promise(r => fake.listen(0, '127.0.0.1', r));
const furl = `http://127.0.0.1:${fake.address().port}`;
for (const tamper of [undefined, 'secret', 'body', 'missing']) console.log('tamper', tamper, (await sfu.sendWebhook(furl, webhookEvent('participant_left','r','i'), { tamper })).status);
console.log('bearer', (await sfu.sendWebhook(furl, webhookEvent('room_started','r'), { bearer: true })).status);
console.log('tamper body room_started', (await sfu.sendWebhook(furl, webhookEvent('room_started','r'), { tamper: 'body' })).status);
fake.close();

// GetParticipant
const { AccessToken } = await import(new URL('../../interop/node_modules/livekit-server-sdk/dist/index.js', import.meta.url));
async function gp(room, identity, grant) {
  const t = new AccessToken(KEY, SECRET); t.addGrant(grant);
  const r = await fetch(`http://127.0.0.1:${sfu.port}/livekit/sfu/twirp/livekit.RoomService/GetParticipant`, { method: 'POST', headers: { authorization: `Bearer ${await t.toJwt()}`, 'content-type': 'application/json' }, body: JSON.stringify({ room, identity }) });
  return [r.status, await r.text()];
}
console.log(await gp('R', 'I', { roomAdmin: true, room: 'R' }));
sfu.join('R', 'I');
console.log(await gp('R', 'I', { roomAdmin: true, room: 'R' }));
console.log(await gp('R', 'I', { roomAdmin: true, room: 'X' }));
sfu.getParticipantMode = 'unavailable';
console.log(await gp('R', 'I', { roomAdmin: true, room: 'R' }));
console.log(sfu.participantCalls.map(c => c.status));
sfu.stop();

// homeserver
const ca = new TestCa();
const hs = await new TestHomeserver(ca, { names: ['IP:127.0.0.1'] }).start();
const agent = new https.Agent({ ca: ca.caPem });
function req(path, method = 'POST', data = '{}') {
  return new Promise((resolve, reject) => { const r = https.request({ host: '127.0.0.1', port: hs.port, path, method, agent, headers: { 'content-type': 'application/json' } }, (res) => { let b=''; res.on('data', c => b+=c); res.on('end', () => resolve([res.statusCode, res.headers['retry-after'], b])); }); r.on('error', reject); r.end(data); });
}
console.log(await req('/.well-known/matrix/client', 'GET'));
hs.clientBaseUrl = null; console.log(await req('/.well-known/matrix/client', 'GET'));
const P = '/_matrix/client/unstable/org.matrix.msc4140/delayed_events/';
hs.scriptDelayed('restart', [{ status: 429, headers: { 'retry-after': '1' } }, { status: 200 }]);
hs.scriptDelayed('restart', [{ status: 500 }], 'special');
hs.scriptDelayed('send', [{ status: 429, headers: () => ({ 'retry-after': new Date(Date.now() + 2000).toUTCString() }) }]);
console.log(await req(P + 'special/restart'));
console.log(await req(P + 'abc/restart'));
console.log(await req(P + 'abc/restart'));
console.log(await req(P + 'abc/restart'));
console.log(await req(P + '..%2F..%2Fadmin/send'));
hs.delayedDefault.send = 404;
console.log(await req(P + 'x/send'));
console.log(hs.delayed);
hs.stop();

// redis
const redis = await startRedis({ password: 'pw' });
console.log(await redis.command('PING'), await redis.command('HSET', 'h', 'f', '{"a":"ü"}'), await redis.hgetall('h'), await redis.command('DEL', 'h'), await redis.hgetall('h'));
await redis.command('SET', 'k', 'v'); await redis.restart(); console.log('after restart', await redis.command('GET', 'k'));
await assert.rejects(import('./support/redis.mjs').then(m => m.resp(redis.port, [['GET', 'k']]).then(r => { if (r[0] instanceof Error) throw r[0]; })));
await redis.stop();
await waitFor(() => true); await holdsFor(() => true, 100);
console.log('ALL OK');
