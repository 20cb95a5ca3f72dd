// LiveKit's RoomService as the service sees it: Twirp CreateRoom (JSON) under
// a path prefix, bearer token verified with livekit-server-sdk's own
// TokenVerifier. Records each call's body.
import http from 'node:http';

const { TokenVerifier } = await import(
  new URL('../../../interop/node_modules/livekit-server-sdk/dist/index.js', import.meta.url));

export class TestSfu {
  constructor({ key, secret, prefix = '/livekit/sfu' }) {
    this.verifier = new TokenVerifier(key, secret);
    this.prefix = prefix;
    this.calls = [];
    this.rejections = [];
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
    let body = '';
    for await (const chunk of req) body += chunk;
    const twirp = (status, code, msg) => res.writeHead(status, { 'content-type': 'application/json' })
      .end(JSON.stringify({ code, msg }));
    if (req.method !== 'POST' || req.url !== `${this.prefix}/twirp/livekit.RoomService/CreateRoom`) {
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
    if (!claims.video?.roomCreate) return twirp(403, 'permission_denied', 'needs roomCreate');
    const request = JSON.parse(body);
    this.calls.push({ request, claims, contentType: req.headers['content-type'] });
    return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({
      sid: 'RM_test', name: request.name, empty_timeout: request.emptyTimeout,
      departure_timeout: request.departureTimeout, creation_time: String(Math.floor(Date.now() / 1000)),
    }));
  }
}

export { TokenVerifier };
