// A homeserver's federation side over TLS: /.well-known/matrix/server and
// /_matrix/federation/v1/openid/userinfo with scripted answers. Records every
// request with its SNI and Host header so tests can check discovery.
import https from 'node:https';

export class TestHomeserver {
  /** names: certificate subjectAltNames, e.g. ["DNS:hs.test", "IP:127.0.0.1"]. */
  constructor(ca, { names, host = '127.0.0.1', port = 0 }) {
    this.tls = ca.issue(names);
    this.host = host;
    this.wantedPort = port;
    this.users = new Map();     // access token -> sub
    this.mode = 'ok';           // ok | status500 | garbage | hang | huge
    this.wellKnown = null;      // object served at /.well-known/matrix/server, or null for 404
    this.requests = [];
    this.connections = 0;       // TCP connections accepted (the SSRF guard must leave this at 0)
  }

  async start() {
    this.server = https.createServer({ key: this.tls.key, cert: this.tls.cert }, (req, res) => this.#handle(req, res));
    this.hanging = [];
    this.server.on('connection', () => { this.connections += 1; });
    await new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.wantedPort, this.host, resolve);
    });
    this.port = this.server.address().port;
    return this;
  }

  stop() {
    for (const res of this.hanging) res.destroy();
    this.server?.closeAllConnections?.();
    this.server?.close();
  }

  #handle(req, res) {
    const url = new URL(req.url, 'https://x');
    this.requests.push({ path: url.pathname, host: req.headers.host, sni: req.socket.servername,
      hasToken: url.searchParams.has('access_token') });
    if (url.pathname === '/.well-known/matrix/server') {
      if (!this.wellKnown) return res.writeHead(404).end('{}');
      return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(this.wellKnown));
    }
    if (url.pathname !== '/_matrix/federation/v1/openid/userinfo') return res.writeHead(404).end('{}');
    switch (this.mode) {
      case 'status500': return res.writeHead(500).end('{"errcode":"M_UNKNOWN"}');
      case 'garbage': return res.writeHead(200, { 'content-type': 'application/json' }).end('<html>not json');
      case 'huge': return res.writeHead(200).end('{"sub":"' + 'x'.repeat(4 * 1024 * 1024) + '"}');
      case 'hang': this.hanging.push(res); return undefined;
      default: break;
    }
    const sub = this.users.get(url.searchParams.get('access_token'));
    if (!sub) return res.writeHead(401).end('{"errcode":"M_UNKNOWN_TOKEN","error":"Access token unknown"}');
    return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ sub }));
  }
}
