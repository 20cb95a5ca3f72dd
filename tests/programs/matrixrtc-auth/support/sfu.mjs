// LiveKit's RoomService as the service sees it: Twirp CreateRoom and
// GetParticipant (JSON) under a path prefix, bearer token verified with
// livekit-server-sdk's own TokenVerifier. Records each call's body. Also
// plays LiveKit's webhook sender: events signed as LiveKit signs them.
import { createHash } from 'node:crypto';
import http from 'node:http';

const { AccessToken, TokenVerifier, WebhookReceiver } = await import(
  new URL('../../../interop/node_modules/livekit-server-sdk/dist/index.js', import.meta.url));

const presenceKey = (room, identity) => `${room}\n${identity}`;
let eventSerial = 0;

/**
 * A LiveKit WebhookEvent as LiveKit posts it (protobuf JSON). `event` is e.g.
 * 'participant_joined'; participant events need an identity. participant_left
 * carries disconnectReason CLIENT_INITIATED unless told otherwise.
 */
export function webhookEvent(event, room, identity, { disconnectReason } = {}) {
  const body = { event, room: { sid: 'RM_test', name: room } };
  if (identity !== undefined) {
    const left = event === 'participant_left' || event === 'participant_connection_aborted';
    body.participant = { sid: 'PA_test', identity, state: left ? 'DISCONNECTED' : 'ACTIVE' };
    const reason = disconnectReason ?? (event === 'participant_left' ? 'CLIENT_INITIATED' : undefined);
    if (reason) body.participant.disconnectReason = reason;
  }
  body.id = `EV_${process.pid}_${++eventSerial}`;
  body.createdAt = String(Math.floor(Date.now() / 1000));
  return body;
}

/** LiveKit's webhook Authorization token for `body`: HS256, sha256 = padded base64 of SHA-256(body). */
export async function signWebhook(body, key, secret) {
  const token = new AccessToken(key, secret, { ttl: '5m' });
  token.sha256 = createHash('sha256').update(body).digest('base64');
  return token.toJwt();
}

export class TestSfu {
  constructor({ key, secret, prefix = '/livekit/sfu' }) {
    this.key = key;
    this.secret = secret;
    this.verifier = new TokenVerifier(key, secret);
    this.prefix = prefix;
    this.calls = [];               // CreateRoom
    this.rejections = [];
    this.present = new Set();      // "room\nidentity" of connected participants
    this.participantCalls = [];    // GetParticipant: {room, identity, at, status}
    this.getParticipantMode = 'ok';   // ok | unavailable (503, a transport error for the service)
    this.delayMs = 0;              // a slow LiveKit: every Twirp answer waits this long
    this.received = 0;             // requests of any kind, counted on arrival
  }

  join(room, identity) { this.present.add(presenceKey(room, identity)); }
  leave(room, identity) { this.present.delete(presenceKey(room, identity)); }
  isPresent(room, identity) { return this.present.has(presenceKey(room, identity)); }

  /** GetParticipant calls for (room, identity), either optional. */
  polls(room, identity) {
    return this.participantCalls.filter((c) => (room === undefined || c.room === room)
      && (identity === undefined || c.identity === identity));
  }

  /**
   * POSTs a webhook to `${serviceUrl}/sfu_webhook`. `event` is an object
   * (see webhookEvent) or a string body sent verbatim. tamper: 'secret'
   * (signed with another secret), 'body' (body changed after signing),
   * 'missing' (no Authorization header); bearer: prefix "Bearer ".
   * Returns {status, body}.
   */
  async sendWebhook(serviceUrl, event, { key = this.key, secret = this.secret, tamper, bearer = false } = {}) {
    let body = typeof event === 'string' ? event : JSON.stringify(event);
    let token = await signWebhook(body, key, tamper === 'secret' ? `${secret}-but-wrong` : secret);
    // Changed after signing in a way that keeps the event's meaning (so a
    // service that skipped the hash check would act on it).
    if (tamper === 'body') body = body.includes('"id":"EV_') ? body.replace('"id":"EV_', '"id":"EVX_') : `${body} `;
    if (bearer) token = `Bearer ${token}`;
    const headers = { 'content-type': 'application/webhook+json' };
    if (tamper !== 'missing') headers.authorization = token;
    const response = await fetch(`${serviceUrl}/sfu_webhook`, { method: 'POST', headers, body });
    return { status: response.status, body: await response.text() };
  }

  async start() {
    this.server = http.createServer((req, res) => this.#handle(req, res));
    await new Promise((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = this.server.address().port;
    this.url = `ws://127.0.0.1:${this.port}${this.prefix}`;
    return this;
  }

  stop() {
    this.server?.closeAllConnections?.();
    this.server?.close();
  }

  async #handle(req, res) {
    this.received += 1;
    let body = '';
    for await (const chunk of req) body += chunk;
    if (this.delayMs > 0) {
      await new Promise((resolve) => { setTimeout(resolve, this.delayMs); });
      if (res.destroyed) return undefined;
    }
    const twirp = (status, code, msg) => res.writeHead(status, { 'content-type': 'application/json' })
      .end(JSON.stringify({ code, msg }));
    const getParticipant = req.url === `${this.prefix}/twirp/livekit.RoomService/GetParticipant`;
    if (req.method !== 'POST'
        || (req.url !== `${this.prefix}/twirp/livekit.RoomService/CreateRoom` && !getParticipant)) {
      return twirp(404, 'bad_route', `no handler for ${req.method} ${req.url}`);
    }
    const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
    let claims;
    try {
      claims = await this.verifier.verify(token);
    } catch (error) {
      this.rejections.push(String(error));
      return twirp(401, 'unauthenticated', 'invalid token');
    }
    if (getParticipant) return this.#getParticipant(body, claims, twirp, res);
    if (!claims.video?.roomCreate) return twirp(403, 'permission_denied', 'needs roomCreate');
    const request = JSON.parse(body);
    this.calls.push({ request, claims, contentType: req.headers['content-type'] });
    return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({
      sid: 'RM_test', name: request.name, empty_timeout: request.emptyTimeout,
      departure_timeout: request.departureTimeout, creation_time: String(Math.floor(Date.now() / 1000)),
    }));
  }

  #getParticipant(body, claims, twirp, res) {
    let request;
    try {
      request = JSON.parse(body);
    } catch {
      return twirp(400, 'malformed', 'body is not JSON');
    }
    const call = { room: request.room, identity: request.identity, at: Date.now(), claims };
    this.participantCalls.push(call);
    const answer = (status, ...rest) => { call.status = status; return twirp(status, ...rest); };
    if (claims.video?.roomAdmin !== true || claims.video?.room !== request.room) {
      return answer(403, 'permission_denied', 'needs roomAdmin for the room');
    }
    if (this.getParticipantMode === 'unavailable') return answer(503, 'unavailable', 'SFU unavailable');
    if (!this.present.has(presenceKey(request.room, request.identity))) {
      return answer(404, 'not_found', 'participant not found');
    }
    call.status = 200;
    return res.writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ sid: 'PA_test', identity: request.identity, state: 'ACTIVE' }));
  }
}

export { TokenVerifier, WebhookReceiver };
