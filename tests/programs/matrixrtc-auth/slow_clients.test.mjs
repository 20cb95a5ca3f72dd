// Slow clients, black-box: 1 000 connections sending a request one header
// byte a second ("slowloris") must not stop normal requests from being
// served, and each is closed by the header timeout (10 s from its first
// byte). The service starts with a soft open-file limit of 512, below the
// 1 000 connections, and must raise it itself.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { TestCa } from './support/pki.mjs';
import { TestDnsServer } from './support/dns_server.mjs';
import { TestHomeserver } from './support/homeserver.mjs';
import { TestSfu } from './support/sfu.mjs';
import { startService } from './support/service.mjs';
import { delay, waitFor } from './support/wait.mjs';

const KEY = 'APIKEY';
const SECRET = 'blackbox-secret-of-decent-length';
const SLOW_CONNECTIONS = 1000;
const HEADER_TIMEOUT_MS = 10_000;   // net::HttpServerOptions::header_timeout
const LATENCY_BOUND_MS = 2000;
const REQUEST = 'GET /healthz HTTP/1.1\r\nHost: slow.example\r\nX-Padding: ' + 'p'.repeat(64) + '\r\n\r\n';

// The hard limit bounds what both sides can open: 1 000 sockets here, as many
// in the service, plus slack.
const hardLimit = execFileSync('/bin/sh', ['-c', 'ulimit -H -n'], { encoding: 'utf8' }).trim();
const enoughDescriptors = hardLimit === 'unlimited' || Number(hardLimit) >= 2 * SLOW_CONNECTIONS + 512;

/**
 * One request on a connection of its own (no keep-alive pool), so that every
 * normal request needs the server to accept a new connection next to the
 * slow ones. Resolves with {status, body, ms}.
 */
function freshRequest(url, { method = 'GET', body } = {}) {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method, agent: false, headers: { connection: 'close' } }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => { text += chunk; });
      response.on('end', () => resolve({ status: response.statusCode, body: text, ms: Date.now() - started }));
    });
    request.setTimeout(10_000, () => request.destroy(new Error(`${method} ${url} timed out`)));
    request.on('error', reject);
    request.end(body);
  });
}

describe('slow clients', { skip: enoughDescriptors ? false : `ulimit -Hn is ${hardLimit}: too low for ${SLOW_CONNECTIONS} connections` }, () => {
  const ca = new TestCa();
  let dns;
  let sfu;
  let hs;
  let service;
  before(async () => {
    dns = await new TestDnsServer().start();
    sfu = await new TestSfu({ key: KEY, secret: SECRET }).start();
    hs = await new TestHomeserver(ca, { names: ['IP:127.0.0.1'] }).start();
    hs.users.set('alice-token', `@alice:127.0.0.1:${hs.port}`);
    service = await startService({
      LIVEKIT_URL: sfu.url,
      LIVEKIT_KEY: KEY,
      LIVEKIT_SECRET: SECRET,
      LIVEKIT_JWT_BIND: '127.0.0.1:0',
      LIVEKIT_JWT_THREADS: '1',
      LIVEKIT_EXTRA_CA_FILE: ca.caFile,
      LIVEKIT_DNS_SERVERS: dns.address,
      LIVEKIT_HOMESERVER_TIMEOUT_SECONDS: '2',
      LIVEKIT_FULL_ACCESS_HOMESERVERS: `127.0.0.1:${hs.port}`,
      // One user asks again and again from one address: limits are not the subject here.
      LIVEKIT_RATE_LIMIT_IP_PER_MINUTE: '0',
      LIVEKIT_RATE_LIMIT_USER_PER_MINUTE: '0',
      LIVEKIT_RATE_LIMIT_HOMESERVER_PER_MINUTE: '0',
    }, [], { softFdLimit: 512 });
  });
  after(async () => {
    await service?.stop();
    hs?.stop();
    sfu?.stop();
    dns?.stop();
  });

  test('the service raised its open-file limit from 512', () => {
    assert.match(service.logs.join('\n'), /"raised the open-file limit" from=512 to=\d+/);
  });

  test(`${SLOW_CONNECTIONS} one-byte-a-second connections do not stop /healthz and /sfu/get`, async () => {
    const { port, hostname } = new URL(service.url);
    const sockets = [];
    const closedAt = new Map();
    let sent = 0;
    await Promise.all(Array.from({ length: SLOW_CONNECTIONS }, () => new Promise((resolve, reject) => {
      const socket = net.connect(Number(port), hostname, resolve);
      socket.once('error', (error) => { if (!closedAt.has(socket)) reject(error); });
      socket.on('data', () => {});
      socket.on('close', () => closedAt.set(socket, Date.now()));
      sockets.push(socket);
    })));
    const firstByteAt = Date.now();
    const drip = () => {
      for (const socket of sockets) if (!socket.destroyed) socket.write(REQUEST[sent % REQUEST.length]);
      sent += 1;
    };
    drip();
    const dripper = setInterval(drip, 1000);

    const latencies = [];
    const sfuBody = JSON.stringify({ room: '!slow:example.com', device_id: 'DEVICE',
      openid_token: { access_token: 'alice-token', matrix_server_name: `127.0.0.1:${hs.port}` } });
    try {
      // Normal traffic for longer than the header timeout.
      while (Date.now() - firstByteAt < HEADER_TIMEOUT_MS + 1500) {
        const health = await freshRequest(`${service.url}/healthz`);
        assert.equal(health.status, 200);
        latencies.push(health.ms);
        const token = await freshRequest(`${service.url}/sfu/get`, { method: 'POST', body: sfuBody });
        assert.equal(token.status, 200, token.body);
        assert.ok(JSON.parse(token.body).jwt);
        latencies.push(token.ms);
        await delay(200);
      }
      // Every slow connection is closed by the server's header timeout.
      await waitFor(() => closedAt.size === SLOW_CONNECTIONS, 6000,
        { what: `all slow connections closed (${closedAt.size} so far)` });
    } finally {
      clearInterval(dripper);
      for (const socket of sockets) socket.destroy();
    }
    const lifetimes = [...closedAt.values()].map((at) => at - firstByteAt);
    const max = Math.max(...latencies);
    console.log(`slow clients: ${latencies.length} normal requests, max latency ${max} ms; `
      + `slow connections closed after ${Math.min(...lifetimes)}–${Math.max(...lifetimes)} ms`);
    assert.ok(max < LATENCY_BOUND_MS, `a normal request took ${max} ms`);
    assert.ok(Math.min(...lifetimes) >= HEADER_TIMEOUT_MS - 1500, 'closed by the header timeout, not before');
    assert.ok(sent < REQUEST.length, 'no slow request was ever complete');
  });
});
