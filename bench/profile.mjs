// Where matrixrtc-auth spends its CPU under load: the same setup as
// bench/compare (fast homeserver, service pinned, wrk), a new OpenID token
// every request at 64 connections, and `perf record` on the service's process
// meanwhile. Prints self time by category, by library and the top symbols.
// Run it through bench/profile. Environment: SECONDS_PER_RUN (default 10),
// CONNECTIONS (default 64), WORKLOAD (new, the default, or repeated: the
// same token every request, answered from the userinfo cache).
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpuPlan, startTargets, stopAll, wrk } from './load/harness.mjs';

const seconds = Number(process.env.SECONDS_PER_RUN ?? 10);
const connections = Number(process.env.CONNECTIONS ?? 64);
const repeated = process.env.WORKLOAD === 'repeated';
const script = repeated ? 'get_token.lua' : 'new_token.lua';
const token = repeated ? 'bench-token' : '@TOKEN@';
const plan = cpuPlan();
const { targets, body } = await startTargets(plan, ['ours']);
const ours = targets.ours;
await wrk({ cpus: plan.load, threads: plan.loadCount, connections, seconds: 2, script, url: ours.url, body: body(token) });

const data = join(mkdtempSync(join(tmpdir(), 'matrixrtc-perf-')), 'perf.data');
const perf = spawn('perf', ['record', '-F', '499', '--call-graph', 'dwarf,16384', '-p', `${ours.pid}`, '-o', data, '--', 'sleep', `${seconds - 1}`],
  { stdio: ['ignore', 'ignore', 'inherit'] });
const load = wrk({ cpus: plan.load, threads: plan.loadCount, connections, seconds, script, url: ours.url, body: body(token) });
await new Promise((resolve) => perf.on('exit', resolve));
const w = await load;
stopAll();

const report = (...args) => execFileSync('perf', ['report', '-i', data, '--stdio', '--no-children', '--percent-limit', '0.01', ...args],
  { encoding: 'utf8', maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'ignore'] });
const rows = [];
for (const line of report('--sort', 'dso,symbol', '-g', 'none').split('\n')) {
  const m = line.match(/^\s+([\d.]+)%\s+(\S+)\s+\[[.k]\]\s+(.*)$/);
  if (m) rows.push({ pct: Number(m[1]), dso: m[2], symbol: m[3].split(/\s{2,}/)[0].trim() });
}
const categories = [
  ['kernel: syscalls, TCP on loopback, scheduling', (r) => r.dso.includes('kernel')],
  ['TLS record crypto (AES-GCM, GHASH)', (r) => /aes|gcm|ghash|chacha|poly1305/i.test(r.symbol)],
  ['SHA-256 (HMAC of the token, names, TLS)', (r) => /sha256|sha2|SHA256/i.test(r.symbol)],
  ['TLS handshakes (EC and bignum arithmetic, X.509, ASN.1, key decoding)', (r) => /libssl|libcrypto/.test(r.dso)
    && /ecp_|^ec_|EC_|bn_|BN_|x509|X509|asn1|ASN1|ecdsa|ECDSA|PKEY|DECODER|ENCODER|pem|PEM|OBJ_|ossl_ec|ossl_bn|p256|nistz/.test(r.symbol)],
  ['other OpenSSL (libcrypto\'s static functions have no symbols here: EC arithmetic, records, EVP)', (r) => /libssl|libcrypto/.test(r.dso)],
  ['allocation (malloc/free/new/delete)', (r) => /malloc|free|_int_|cfree|operator new|operator delete|tcache|arena|sysmalloc|realloc/.test(r.symbol)],
  ['JSON (Boost.JSON, our parser and writers)', (r) => /json/i.test(r.symbol)],
  ['HTTP parsing and writing (Beast)', (r) => /beast/.test(r.symbol)],
  ['Asio (event loop, coroutines, timers)', (r) => /asio/.test(r.symbol)],
  ['libc string and memory functions', (r) => /libc/.test(r.dso)],
  ['matrixrtc-auth: everything else', (r) => /matrixrtc-auth/.test(r.dso)],
  ['other', () => true],
];
const byCategory = new Map(categories.map(([name]) => [name, 0]));
const byDso = new Map();
for (const r of rows) {
  byCategory.set(categories.find(([, test]) => test(r))[0], byCategory.get(categories.find(([, test]) => test(r))[0]) + r.pct);
  byDso.set(r.dso, (byDso.get(r.dso) ?? 0) + r.pct);
}
console.log(`perf record -F 499 --call-graph dwarf on matrixrtc-auth for ${seconds - 1} s: ${connections} connections, ${repeated ? 'the same token every request' : 'new token each request'}, ${Math.round(w.requests / (w.duration_us / 1e6))} req/s under perf\n`);
console.log('| category (self time) | share |\n|---|---|');
for (const [name, p] of [...byCategory].sort((a, b) => b[1] - a[1])) if (p >= 0.05) console.log(`| ${name} | ${p.toFixed(1)} % |`);
console.log('\n| library | share |\n|---|---|');
for (const [name, p] of [...byDso].sort((a, b) => b[1] - a[1]).slice(0, 10)) console.log(`| ${name} | ${p.toFixed(1)} % |`);
console.log('\n| top symbols | library | share |\n|---|---|---|');
for (const r of rows.slice(0, 30)) console.log(`| \`${r.symbol.slice(0, 110).replace(/\|/g, '\\|')}\` | ${r.dso} | ${r.pct.toFixed(2)} % |`);

// Inclusive time (a function and everything it calls), from DWARF call
// graphs: what each phase of a request costs, handshakes included.
const inclusive = [];
for (const line of report('--children', '--sort', 'symbol', '-g', 'none').split('\n')) {
  const m = line.match(/^\s+([\d.]+)%\s+([\d.]+)%\s+\[[.k]\]\s+(.*)$/);
  if (m) inclusive.push({ pct: Number(m[1]), symbol: m[3].split(/\s{2,}/)[0].trim() });
}
const phases = [
  ['TLS handshakes with the homeserver (`ssl::detail::engine::handshake`)', /ssl::detail::engine::handshake/],
  ['… of which public-key decoding (`OSSL_DECODER_CTX_new_for_pkey`)', /^OSSL_DECODER_CTX_new_for_pkey/],
  ['… of which certificate verification (`X509_verify_cert`)', /^X509_verify_cert/],
  ['TCP connects to the homeserver (`range_connect_op`)', /range_connect_op/],
  ['TLS record reads and writes (`engine::read`, `engine::write`)', /ssl::detail::engine::(read|write)\b/],
  ['`sendmsg` (kernel included)', /^__libc_sendmsg/],
  ['`recvmsg`/`recv` (kernel included)', /^(__libc_recvmsg|__libc_recv|recvmsg|__recv)/],
  ['`epoll_wait`', /epoll_wait/],
  ['HTTP client exchange with the homeserver (`HttpClient::Impl::exchange_once`)', /HttpClient::Impl::exchange_once/],
  ['request body parsing (`parse_strict`, `parse_get_token`)', /parse_strict|parse_get_token/],
  ['room alias and identity (SHA-256, base64)', /livekit::(room_alias|identity_with_device)/],
  ['token minting (`mint_access_token`)', /mint_access_token/],
  ['malloc (callers everywhere)', /^(__GI___libc_malloc|malloc)\b/],
  ['free (callers everywhere)', /^(__GI___libc_free|cfree|free)\b/],
];
console.log('\n| inclusive time (the function and its callees), DWARF call graphs | share |\n|---|---|');
for (const [label, re] of phases) {
  const hits = inclusive.filter((r) => re.test(r.symbol));
  if (hits.length) console.log(`| ${label} | ${Math.max(...hits.map((r) => r.pct)).toFixed(1)} % |`);
}
console.error(`perf data kept in ${data}`);
