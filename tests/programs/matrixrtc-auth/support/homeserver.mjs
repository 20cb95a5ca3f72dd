// A homeserver's federation side over TLS: /.well-known/matrix/server and
// /_matrix/federation/v1/openid/userinfo with scripted answers. Records every
// request with its SNI and Host header so tests can check discovery.
// The same server also plays the client-server API for delayed-leave
// delegation: /.well-known/matrix/client and MSC4140's
// POST …/delayed_events/{delay_id}/{restart|send}, with scripted answers,
// and for the membership check: MSC4502 is_joined (stable and unstable) and
// GET …/state/m.room.member/{userId} from scripted room memberships.
import http from 'node:http';
import https from 'node:https';

const DELAYED_PATH = /^\/_matrix\/client\/unstable\/org\.matrix\.msc4140\/delayed_events\/([^/]+)\/(restart|send)$/;

// 10 MiB of JSON, made once: tests send it many times.
const TEN_MIB = Buffer.from(`{"sub":"${'x'.repeat(10 * 1024 * 1024)}"}`);

/**
 * Sends `buffer` in 64 KiB writes that wait for the socket to drain, so a
 * client that stops reading (as the service does past its limit) does not
 * make us encrypt the rest.
 */
function streamed(res, buffer) {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': buffer.length });
  let offset = 0;
  const pump = () => {
    while (offset < buffer.length && !res.destroyed) {
      const chunk = buffer.subarray(offset, offset + 64 * 1024);
      offset += chunk.length;
      if (!res.write(chunk)) return void res.once('drain', pump);
    }
    if (!res.destroyed) res.end();
    return undefined;
  };
  pump();
}

const IS_JOINED_STABLE = /^\/_matrix\/client\/v3\/rooms\/([^/]+)\/is_joined$/;
const IS_JOINED_UNSTABLE = /^\/_matrix\/client\/unstable\/io\.element\.msc4502\/rooms\/([^/]+)\/is_joined$/;
const MEMBER_STATE = /^\/_matrix\/client\/v3\/rooms\/([^/]+)\/state\/m\.room\.member\/([^/]+)$/;

const DEFAULT_BODIES = {
  200: {},
  404: { errcode: 'M_NOT_FOUND', error: 'Delayed event not found' },
  429: { errcode: 'M_LIMIT_EXCEEDED', error: 'Too many requests' },
};

export class TestHomeserver {
  /** names: certificate subjectAltNames, e.g. ["DNS:hs.test", "IP:127.0.0.1"]. */
  /** plain: serve HTTP without TLS (a client-server API at an http:// base_url). */
  constructor(ca, { names, host = '127.0.0.1', port = 0, plain = false }) {
    this.tls = plain ? null : ca.issue(names);
    this.host = host;
    this.wantedPort = port;
    this.users = new Map();     // access token -> sub
    // ok | status<NNN> (e.g. status500, status502, status503, status504) | garbage | hang | huge (4 MiB)
    // | huge10mib | slow (answers after slowMs) | reset (connection dropped once the request is read)
    this.mode = 'ok';
    this.slowMs = 0;
    this.connections = 0;       // TCP connections accepted (the SSRF guard must leave this at 0)
    this.userinfoDelayMs = 0;   // how long userinfo answers take (to make requests overlap)
    this.wellKnown = null;      // object served at /.well-known/matrix/server, or null for 404
    this.requests = [];
    // Client-server side. clientBaseUrl: undefined → https://127.0.0.1:<port>,
    // a string → served as is, null → /.well-known/matrix/client is 404.
    this.clientBaseUrl = undefined;
    this.delayed = [];          // {action, delayId, rawPath, at, body, contentType, authorization, status}
    this.delayedScripts = new Map();   // "action" or "action\ndelayId" -> [responses]
    this.delayedDefault = { restart: 200, send: 200 };   // status once the scripts are used up
    // Membership check: "roomId\nuserId" -> membership ('join', 'leave', 'ban', 'invite', …).
    this.memberships = new Map();
    this.isJoinedForms = new Set(['stable', 'unstable']);   // which MSC4502 endpoints exist
    this.missingEndpoint = 'unrecognized';   // how a missing one answers: 'unrecognized' (404 M_UNRECOGNIZED) | 'plain' (bare 404)
    this.membershipFailure = null;   // a status every membership endpoint answers with (e.g. 500)
    this.appserviceToken = null;     // when set, any other Bearer token gets 401 M_UNKNOWN_TOKEN
    this.membershipCalls = [];       // {form, roomId, userId, mxid, userIdQuery, authorization, rawPath}
  }

  /** Sets `userId`'s membership of `roomId` ('join', 'leave', 'ban', …). */
  setMembership(roomId, userId, membership) {
    this.memberships.set(`${roomId}\n${userId}`, membership);
  }

  /**
   * Queues answers for the next `action` calls ('restart' | 'send'), for one
   * delay_id only when given (these go first), else for any. A response is
   * {status, headers, body}; headers may be a function (evaluated when
   * answering, e.g. for HTTP dates); body an object or a string.
   */
  scriptDelayed(action, responses, delayId) {
    const key = delayId === undefined ? action : `${action}\n${delayId}`;
    this.delayedScripts.set(key, [...(this.delayedScripts.get(key) ?? []), ...responses]);
  }

  /** The recorded delayed-event calls, optionally only those for one delay_id and/or action. */
  delayedCalls(delayId, action) {
    return this.delayed.filter((c) => (delayId === undefined || c.delayId === delayId)
      && (action === undefined || c.action === action));
  }

  async start() {
    const handler = (req, res) => this.#handle(req, res);
    this.server = this.tls ? https.createServer({ key: this.tls.key, cert: this.tls.cert }, handler)
      : http.createServer(handler);
    this.hanging = [];
    this.timers = new Set();
    this.server.on('connection', () => { this.connections += 1; });
    await new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.wantedPort, this.host, resolve);
    });
    this.port = this.server.address().port;
    return this;
  }

  stop() {
    for (const timer of this.timers) clearTimeout(timer);
    for (const res of this.hanging) res.destroy();
    this.server?.closeAllConnections?.();
    this.server?.close();
  }

  async #handle(req, res) {
    const url = new URL(req.url, 'https://x');
    this.requests.push({ path: url.pathname, rawPath: req.url, method: req.method, host: req.headers.host,
      sni: req.socket.servername, hasToken: url.searchParams.has('access_token') });
    const rawPath = req.url.split('?')[0];
    const delayed = rawPath.match(DELAYED_PATH);
    if (delayed) {
      let body = '';
      for await (const chunk of req) body += chunk;
      return this.#delayed(req, res, delayed, body);
    }
    const membership = this.#membership(req, res, url, rawPath);
    if (membership !== undefined) return membership;
    if (url.pathname === '/.well-known/matrix/client') {
      if (this.clientBaseUrl === null) return res.writeHead(404).end('{}');
      const baseUrl = this.clientBaseUrl ?? `${this.tls ? 'https' : 'http'}://127.0.0.1:${this.port}`;
      return res.writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ 'm.homeserver': { base_url: baseUrl } }));
    }
    if (url.pathname === '/.well-known/matrix/server') {
      if (!this.wellKnown) return res.writeHead(404).end('{}');
      return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(this.wellKnown));
    }
    if (url.pathname !== '/_matrix/federation/v1/openid/userinfo') return res.writeHead(404).end('{}');
    if (this.userinfoDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.userinfoDelayMs));
    const failing = this.mode.match(/^status(\d{3})$/);
    if (failing) return res.writeHead(Number(failing[1])).end('{"errcode":"M_UNKNOWN"}');
    switch (this.mode) {
      case 'garbage': return res.writeHead(200, { 'content-type': 'application/json' }).end('<html>not json');
      case 'huge': return res.writeHead(200).end('{"sub":"' + 'x'.repeat(4 * 1024 * 1024) + '"}');
      case 'huge10mib': return streamed(res, TEN_MIB);
      case 'hang': this.hanging.push(res); return undefined;
      case 'reset': return req.socket.destroy();  // (resetAndDestroy() does not work on TLS sockets)
      case 'slow': {
        const timer = setTimeout(() => { this.timers.delete(timer); this.#userinfo(url, res); }, this.slowMs);
        this.timers.add(timer);
        return undefined;
      }
      default: break;
    }
    return this.#userinfo(url, res);
  }

  #userinfo(url, res) {
    if (res.destroyed) return undefined;
    const sub = this.users.get(url.searchParams.get('access_token'));
    if (!sub) return res.writeHead(401).end('{"errcode":"M_UNKNOWN_TOKEN","error":"Access token unknown"}');
    return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ sub }));
  }

  // The membership endpoints; undefined when the path is none of them.
  #membership(req, res, url, rawPath) {
    const decode = (text) => { try { return decodeURIComponent(text); } catch { return text; } };
    let form;
    let match;
    if ((match = rawPath.match(IS_JOINED_STABLE))) form = 'stable';
    else if ((match = rawPath.match(IS_JOINED_UNSTABLE))) form = 'unstable';
    else if ((match = rawPath.match(MEMBER_STATE))) form = 'state';
    else return undefined;
    const roomId = decode(match[1]);
    const call = { form, roomId, userId: match[2] === undefined ? undefined : decode(match[2]),
      mxid: url.searchParams.get('mxid'), userIdQuery: url.searchParams.get('user_id'),
      authorization: req.headers.authorization, rawPath: req.url };
    this.membershipCalls.push(call);
    const answer = (status, body) => res.writeHead(status, { 'content-type': 'application/json' })
      .end(typeof body === 'string' ? body : JSON.stringify(body));
    if (form !== 'state' && !this.isJoinedForms.has(form)) {
      if (this.missingEndpoint === 'plain') return res.writeHead(404, { 'content-type': 'text/html' }).end('<h1>Not Found</h1>');
      return answer(404, { errcode: 'M_UNRECOGNIZED', error: 'Unrecognized request' });
    }
    if (this.membershipFailure) return answer(this.membershipFailure, { errcode: 'M_UNKNOWN', error: 'Internal error' });
    if (this.appserviceToken && req.headers.authorization !== `Bearer ${this.appserviceToken}`) {
      return answer(401, { errcode: 'M_UNKNOWN_TOKEN', error: 'Unknown token' });
    }
    const user = form === 'state' ? call.userId : call.mxid;
    const state = this.memberships.get(`${roomId}\n${user}`);
    if (form !== 'state') return answer(200, { joined: state === 'join' });
    // As Synapse: a room the server knows but the user was never in is 403; an unknown room 404.
    if (state === undefined) {
      const known = [...this.memberships.keys()].some((key) => key.startsWith(`${roomId}\n`));
      return known ? answer(403, { errcode: 'M_FORBIDDEN', error: `User ${user} not in room ${roomId}` })
        : answer(404, { errcode: 'M_NOT_FOUND', error: 'Room not found' });
    }
    return answer(200, { membership: state, displayname: 'someone' });
  }

  #delayed(req, res, [, encodedId, action], body) {
    if (req.method !== 'POST') return res.writeHead(405).end('{"errcode":"M_UNRECOGNIZED"}');
    let delayId;
    try {
      delayId = decodeURIComponent(encodedId);
    } catch {
      delayId = encodedId;
    }
    const queue = this.delayedScripts.get(`${action}\n${delayId}`)?.length
      ? this.delayedScripts.get(`${action}\n${delayId}`) : this.delayedScripts.get(action);
    const scripted = queue?.shift() ?? { status: this.delayedDefault[action] ?? 200 };
    const status = scripted.status ?? 200;
    const headers = typeof scripted.headers === 'function' ? scripted.headers() : (scripted.headers ?? {});
    const answer = scripted.body ?? DEFAULT_BODIES[status] ?? { errcode: 'M_UNKNOWN', error: `status ${status}` };
    this.delayed.push({ action, delayId, rawPath: req.url, at: Date.now(), body, status,
      contentType: req.headers['content-type'], authorization: req.headers.authorization });
    return res.writeHead(status, { 'content-type': 'application/json', ...headers })
      .end(typeof answer === 'string' ? answer : JSON.stringify(answer));
  }
}
