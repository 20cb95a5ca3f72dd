// The native TLS listener (LIVEKIT_TLS_CERT_FILE / LIVEKIT_TLS_KEY_FILE):
// HTTPS only, the certificate re-read on SIGHUP (new connections get the new
// one, open ones keep theirs, a bad pair is refused and the old one kept),
// and the start-up errors. Certificates come from a CA made at test time.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { TestCa } from './support/pki.mjs';
import { TestHomeserver } from './support/homeserver.mjs';
import { TestSfu, TokenVerifier } from './support/sfu.mjs';
import { runToExit, startService } from './support/service.mjs';
import { waitFor } from './support/wait.mjs';

const KEY = 'APIKEY';
const SECRET = 'blackbox-secret-of-decent-length';

const ca = new TestCa();
const sfu = await new TestSfu({ key: KEY, secret: SECRET }).start();
const dir = mkdtempSync(join(tmpdir(), 'matrixrtc-tls-'));
const certFile = join(dir, 'chain.pem');
const keyFile = join(dir, 'key.pem');

function baseEnv(extra = {}) {
  return {
    LIVEKIT_URL: sfu.url,
    LIVEKIT_KEY: KEY,
    LIVEKIT_SECRET: SECRET,
    LIVEKIT_JWT_BIND: '127.0.0.1:0',
    LIVEKIT_JWT_THREADS: '2',   // a reload must reach every shard
    LIVEKIT_EXTRA_CA_FILE: ca.caFile,
    LIVEKIT_HOMESERVER_TIMEOUT_SECONDS: '2',
    LIVEKIT_FULL_ACCESS_HOMESERVERS: '*',
    ...extra,
  };
}

const serialOf = (pem) => new X509Certificate(pem).serialNumber.toUpperCase();

function install(leaf) {
  writeFileSync(certFile, leaf.cert);
  writeFileSync(keyFile, leaf.key);
}

/**
 * One HTTPS request verified against the test CA; resolves with the status,
 * body, the server certificate's serial and whether the socket was reused.
 */
function request(address, path, { method = 'GET', body, agent = false } = {}) {
  const [host, port] = address.split(':');
  return new Promise((resolve, reject) => {
    const options = { host, port, path, method, ca: ca.caPem, agent, ALPNProtocols: ['h2', 'http/1.1'] };
    const req = https.request(options, (res) => {
      // Read now: an unpooled socket is gone by the time the body has ended.
      const serial = res.socket.getPeerCertificate().serialNumber?.toUpperCase();
      const protocol = res.socket.alpnProtocol;
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => { text += chunk; });
      res.on('end', () => resolve({
        status: res.statusCode,
        body: text,
        serial,
        protocol,
        reused: req.reusedSocket,
      }));
    });
    req.on('error', reject);
    if (body !== undefined) req.write(JSON.stringify(body));
    req.end();
  });
}

// Plain HTTP bytes to the HTTPS port; resolves with everything the server sent.
function plaintext(address) {
  const [host, port] = address.split(':');
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port: Number(port) }, () => {
      socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    });
    let received = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk) => { received += chunk; });
    socket.on('end', () => resolve(received));
    socket.on('error', reject);
  });
}

describe('HTTPS listener with SIGHUP reload', () => {
  let hs;
  let service;
  let address;
  const leafA = ca.issue(['IP:127.0.0.1']);
  const leafB = ca.issue(['IP:127.0.0.1']);
  const countLines = (text) => service.logs.filter((line) => line.includes(text)).length;

  before(async () => {
    hs = await new TestHomeserver(ca, { names: ['IP:127.0.0.1'] }).start();
    hs.users.set('alice-token', `@alice:127.0.0.1:${hs.port}`);
    install(leafA);
    service = await startService(baseEnv({ LIVEKIT_TLS_CERT_FILE: certFile,
      LIVEKIT_FULL_ACCESS_HOMESERVERS: `127.0.0.1:${hs.port}` }), ['--tls-key-file', keyFile]);
    address = service.url.replace('http://', '');
  });
  after(async () => {
    const exit = await service.stop();
    assert.equal(exit.code, 0, 'clean exit on SIGTERM');
    hs.stop();
  });

  test('serves /healthz and a full /sfu/get over HTTPS with the configured certificate', async () => {
    assert.ok(service.logs.some((line) => line.includes('listening') && line.includes('scheme=https')));
    assert.ok(service.logs.some((line) => line.includes('"TLS certificate loaded"')
      && line.includes(`serial=${serialOf(leafA.cert)}`)));
    const health = await request(address, '/healthz');
    assert.equal(health.status, 200);
    assert.equal(health.serial, serialOf(leafA.cert));
    assert.equal(health.protocol, 'http/1.1', 'offered h2 and http/1.1, ALPN picks http/1.1');

    const server = `127.0.0.1:${hs.port}`;
    const answer = await request(address, '/sfu/get', {
      method: 'POST',
      body: { room: '!room:example.com', device_id: 'DEVICE123',
        openid_token: { access_token: 'alice-token', matrix_server_name: server } },
    });
    assert.equal(answer.status, 200, answer.body);
    const { jwt, url } = JSON.parse(answer.body);
    assert.equal(url, sfu.url);
    const claims = await new TokenVerifier(KEY, SECRET).verify(jwt);
    assert.equal(claims.sub, `@alice:${server}:DEVICE123`);
  });

  test('plain HTTP to the HTTPS port gets a readable 400 and the listener lives on', async () => {
    const answer = await plaintext(address);
    assert.match(answer, /^HTTP\/1\.1 400 Bad Request\r\n/);
    const body = answer.slice(answer.indexOf('\r\n\r\n') + 4);
    assert.deepEqual(JSON.parse(body),
      { errcode: 'M_UNRECOGNIZED', error: 'Client sent an HTTP request to an HTTPS server' });
    assert.equal((await request(address, '/healthz')).status, 200);
  });

  test('SIGHUP swaps in a new certificate for new connections; open ones keep theirs', async () => {
    const agent = new https.Agent({ keepAlive: true, maxSockets: 1 });
    const first = await request(address, '/healthz', { agent });
    assert.equal(first.serial, serialOf(leafA.cert));

    install(leafB);
    const reloads = countLines('"TLS certificate reloaded"');
    service.signal('SIGHUP');
    await waitFor(() => countLines('"TLS certificate reloaded"') > reloads, 5000, { what: 'the reload log line' });
    const line = service.logs.findLast((l) => l.includes('"TLS certificate reloaded"'));
    assert.ok(line.includes(`serial=${serialOf(leafB.cert)}`), line);
    assert.ok(line.includes('subject="CN=leaf'), line);
    assert.match(line, /not_after=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/);

    // Several new connections: with two shards, each shard's listener answers some.
    for (let i = 0; i < 6; i += 1) {
      const fresh = await request(address, '/healthz');
      assert.equal(fresh.status, 200);
      assert.equal(fresh.serial, serialOf(leafB.cert));
    }
    const kept = await request(address, '/healthz', { agent });
    assert.equal(kept.status, 200);
    assert.equal(kept.reused, true, 'the kept-alive connection was used again');
    assert.equal(kept.serial, serialOf(leafA.cert));
    agent.destroy();
  });

  test('a broken pair on SIGHUP is refused: the old certificate stays, the process too', async () => {
    install(leafB);
    writeFileSync(keyFile, 'not a key\n');
    const errors = countLines('"TLS certificate not reloaded; keeping the current one"');
    service.signal('SIGHUP');
    await waitFor(() => countLines('"TLS certificate not reloaded; keeping the current one"') > errors, 5000,
      { what: 'the reload error' });
    const line = service.logs.findLast((l) => l.includes('TLS certificate not reloaded'));
    assert.ok(line.startsWith('ERROR '), line);
    assert.ok(line.includes(JSON.stringify(
      `TLS key file "${keyFile}" holds no PEM private key (encrypted keys are not supported)`)), line);

    // A key that does not match the certificate is refused the same way.
    writeFileSync(keyFile, ca.issue(['IP:127.0.0.1']).key);
    service.signal('SIGHUP');
    await waitFor(() => countLines('"TLS certificate not reloaded; keeping the current one"') > errors + 1, 5000,
      { what: 'the second reload error' });
    assert.ok(service.logs.findLast((l) => l.includes('TLS certificate not reloaded'))
      .includes(JSON.stringify(`TLS key file "${keyFile}" does not match the certificate in "${certFile}"`)));

    const still = await request(address, '/healthz');
    assert.equal(still.status, 200);
    assert.equal(still.serial, serialOf(leafB.cert));
  });
});

describe('SIGHUP without TLS', () => {
  test('is logged and ignored: the plain listener keeps serving', async () => {
    const service = await startService(baseEnv());
    assert.ok(service.logs.some((line) => line.includes('listening') && line.includes('scheme=http')));
    service.signal('SIGHUP');
    await waitFor(() => service.logs.some((line) => line.includes('"SIGHUP ignored: no TLS certificate configured"')),
      5000, { what: 'the SIGHUP log line' });
    assert.equal((await fetch(`${service.url}/healthz`)).status, 200);
    const exit = await service.stop();
    assert.equal(exit.code, 0);
  });
});

describe('start-up errors', () => {
  test('one TLS file without the other', async () => {
    for (const extra of [{ LIVEKIT_TLS_CERT_FILE: certFile }, { LIVEKIT_TLS_KEY_FILE: keyFile }]) {
      const { code, stderr } = await runToExit(baseEnv(extra));
      assert.equal(code, 1);
      assert.equal(stderr, 'matrixrtc-auth: LIVEKIT_TLS_CERT_FILE and LIVEKIT_TLS_KEY_FILE must be set together\n'
        + 'Try "matrixrtc-auth --help".\n');
    }
  });

  test('unreadable, invalid or mismatched files name the file', async () => {
    const leaf = ca.issue(['IP:127.0.0.1']);
    const goodCert = join(dir, 'good.pem');
    const goodKey = join(dir, 'good.key');
    const garbage = join(dir, 'garbage.pem');
    const otherKey = join(dir, 'other.key');
    const missing = join(dir, 'missing.pem');
    writeFileSync(goodCert, leaf.cert);
    writeFileSync(goodKey, leaf.key);
    writeFileSync(garbage, 'garbage\n');
    writeFileSync(otherKey, ca.issue(['IP:127.0.0.1']).key);
    const cases = [
      [missing, goodKey, `cannot read TLS certificate file "${missing}": No such file or directory`],
      [goodCert, missing, `cannot read TLS key file "${missing}": No such file or directory`],
      [garbage, goodKey, `TLS certificate file "${garbage}" holds no PEM certificate`],
      [goodCert, garbage, `TLS key file "${garbage}" holds no PEM private key (encrypted keys are not supported)`],
      [goodCert, otherKey, `TLS key file "${otherKey}" does not match the certificate in "${goodCert}"`],
    ];
    for (const [cert, key, reason] of cases) {
      const { code, stderr } = await runToExit(baseEnv({ LIVEKIT_TLS_CERT_FILE: cert, LIVEKIT_TLS_KEY_FILE: key }),
        [], { timeoutMs: 10000 });
      assert.equal(code, 1, stderr);
      const line = stderr.split('\n').find((l) => l.includes('cannot start'));
      assert.equal(line, `ERROR "cannot start" reason=${JSON.stringify(reason)}`);
    }
  });
});

after(() => {
  sfu.stop();
  rmSync(dir, { recursive: true, force: true });
});
