// The peer for the load benchmark: MatrixRTC's /get_token written in Node.js
// the way a capable admin would, as fast as the platform allows, with the
// official livekit-server-sdk 2.19.2:
// - `cluster`, one worker per core the process may run on
//   (os.availableParallelism() follows taskset), or WORKERS;
// - plain `node:http` server, no framework;
// - the homeserver's OpenID userinfo over a keep-alive `https.Agent`,
//   trusting the system CAs plus EXTRA_CA_FILE (our LIVEKIT_EXTRA_CA_FILE)
//   through NODE_EXTRA_CA_CERTS, set by the primary for its workers. Not
//   through the agent's `ca` option: the agent keys its socket pool by a
//   name that concatenates every CA, so with the ~140 system roots plus one
//   each request spent milliseconds building that key (measured: 10-40 ms
//   per request instead of under 1 ms);
// - the same behaviour as matrixrtc-auth for a homeserver without full access:
//   validate the body (types, Matrix IDs), call userinfo, check that sub is a
//   user of matrix_server_name and equals member.claimed_user_id, derive the
//   alias and identity as unpadded base64 SHA-256 of JSON.stringify([...]),
//   mint the token with AccessToken and the same grants (no CreateRoom: that
//   happens only for full-access homeservers, in both services), answer
//   {url, jwt} with the same CORS headers.
// Simplification in the peer's favour: matrix_server_name must be an IP
// literal with a port or a host name used as is (no .well-known, no SRV).
// Environment: PORT (required), LIVEKIT_URL, LIVEKIT_KEY, LIVEKIT_SECRET,
// EXTRA_CA_FILE, WORKERS. Prints "port P" once every worker listens.
import cluster from 'node:cluster';
import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';

const { AccessToken } = await import(
  new URL('../../tests/interop/node_modules/livekit-server-sdk/dist/index.js', import.meta.url));

const port = Number(process.env.PORT);
const workers = Number(process.env.WORKERS || os.availableParallelism());

if (cluster.isPrimary) {
  if (process.env.EXTRA_CA_FILE) process.env.NODE_EXTRA_CA_CERTS = process.env.EXTRA_CA_FILE;
  let listening = 0;
  for (let i = 0; i < workers; i++) cluster.fork();
  cluster.on('listening', () => {
    if (++listening === workers) console.log(`port ${port}`);
  });
  cluster.on('exit', (worker, code) => {
    console.error(`worker ${worker.process.pid} exited with ${code}`);
    process.exit(1);
  });
  for (const signal of ['SIGTERM', 'SIGINT']) {
    process.on(signal, () => {
      for (const worker of Object.values(cluster.workers)) worker.process.kill('SIGTERM');
      process.exit(0);
    });
  }
} else {
  serve();
}

function serve() {
  const livekitUrl = process.env.LIVEKIT_URL;
  const key = process.env.LIVEKIT_KEY;
  const secret = process.env.LIVEKIT_SECRET;
  const agent = new https.Agent({ keepAlive: true, maxSockets: Infinity });

  const CORS = {
    'content-type': 'application/json',
    'access-control-allow-origin': '*',
    'access-control-allow-methods': 'POST',
    'access-control-allow-headers': 'Accept, Content-Type, Content-Length, Accept-Encoding, X-CSRF-Token',
  };
  const USER_ID = /^@[a-z0-9._=\-/+]+:[A-Za-z0-9.\-:[\]]+$/;
  const ROOM_ID = /^![^:]+:[A-Za-z0-9.\-:[\]]+$/;
  const SERVER_NAME = /^[A-Za-z0-9.\-:[\]]+$/;
  const isString = (v) => typeof v === 'string';
  const hash = (parts) => createHash('sha256').update(JSON.stringify(parts)).digest('base64').replace(/=+$/, '');

  const answer = (res, status, body) => {
    res.writeHead(status, CORS);
    res.end(JSON.stringify(body));
  };
  const error = (res, status, errcode, message) => answer(res, status, { errcode, error: message });

  function userinfo(serverName, accessToken) {
    return new Promise((resolve, reject) => {
      const req = https.get(`https://${serverName}/_matrix/federation/v1/openid/userinfo?access_token=${
        encodeURIComponent(accessToken)}`, { agent, timeout: 10_000 }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => { text += chunk; });
        res.on('end', () => {
          if (res.statusCode !== 200) return reject(new Error(`userinfo status ${res.statusCode}`));
          try {
            const sub = JSON.parse(text).sub;
            return isString(sub) ? resolve(sub) : reject(new Error('no sub'));
          } catch (e) {
            return reject(e);
          }
        });
      });
      req.on('timeout', () => req.destroy(new Error('userinfo timeout')));
      req.on('error', reject);
    });
  }

  async function getToken(body, res) {
    let request;
    try {
      request = JSON.parse(body);
    } catch {
      return error(res, 400, 'M_NOT_JSON', 'The request body was malformed');
    }
    const token = request?.openid_token;
    const member = request?.member;
    if (!isString(request?.room_id) || !isString(request.slot_id) || !isString(token?.access_token)
        || !isString(token.matrix_server_name) || !isString(member?.id) || !isString(member.claimed_user_id)
        || !isString(member.claimed_device_id)) {
      return error(res, 400, 'M_NOT_JSON', 'The request body was malformed');
    }
    if (!ROOM_ID.test(request.room_id) || !SERVER_NAME.test(token.matrix_server_name) || !request.slot_id
        || !member.id || !member.claimed_device_id || !token.access_token) {
      return error(res, 400, 'M_BAD_JSON', 'The request body was invalid');
    }
    let sub;
    try {
      sub = await userinfo(token.matrix_server_name, token.access_token);
    } catch {
      return error(res, 401, 'M_UNAUTHORIZED', 'The request could not be authorised.');
    }
    if (!USER_ID.test(sub) || sub.slice(sub.indexOf(':') + 1) !== token.matrix_server_name
        || sub !== member.claimed_user_id) {
      return error(res, 401, 'M_UNAUTHORIZED', 'The request could not be authorised.');
    }
    const alias = hash([request.room_id, request.slot_id]);
    const identity = hash([sub, member.claimed_device_id, member.id]);
    const at = new AccessToken(key, secret, { identity, ttl: 3600 });
    at.addGrant({ room: alias, roomJoin: true, roomCreate: false, canPublish: false, canSubscribe: true,
      canUpdateOwnMetadata: false, hidden: false });
    return answer(res, 200, { url: livekitUrl, jwt: await at.toJwt() });
  }

  const server = http.createServer((req, res) => {
    if (req.url !== '/get_token') return error(res, 404, 'M_NOT_FOUND', 'Not found');
    if (req.method === 'OPTIONS') return answer(res, 200, {});
    if (req.method !== 'POST') return error(res, 405, 'M_FORBIDDEN', 'Method not allowed');
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => { body += chunk; });
    req.on('end', () => {
      getToken(body, res).catch(() => error(res, 500, 'M_UNKNOWN', 'Internal server error'));
    });
    return undefined;
  });
  server.keepAliveTimeout = 60_000;
  server.listen(port, '127.0.0.1');
}
