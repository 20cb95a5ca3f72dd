// The soak test behind bench/soak: matrixrtc-auth (release build) under wrk
// for a long run with a mix of valid and invalid requests against the fast
// TLS homeserver, sampling the service's resident memory every 10 s. Fails
// (exit 1) on any status outside the expected set, on a status whose share
// differs from the mix, or on socket errors.
// Usage: node bench/soak.mjs [--seconds N] [--connections N]
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { spawn } from 'node:child_process';
import { cpuPlan, root, startTargets, stopAll } from './load/harness.mjs';

const option = (name, fallback) => {
  const at = process.argv.indexOf(name);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
};
const seconds = option('--seconds', 600);
const connections = option('--connections', 256);
const started = Date.now();
const log = (...a) => console.error(`[soak ${((Date.now() - started) / 1000).toFixed(0)} s]`, ...a);
const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const rssKiB = (pid) => Number(readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB/m)[1]);

// A DNS responder that knows no names: "unknown homeservers" fail their
// discovery with NXDOMAIN here instead of loading the machine's resolver.
const { TestDnsServer } = await import(`${root}tests/programs/matrixrtc-auth/support/dns_server.mjs`);
const dns = await new TestDnsServer().start();
process.env.LIVEKIT_DNS_SERVERS = dns.address;
// Rate limits (added separately) would turn part of the load into 429s: off.
for (const scope of ['IP', 'USER', 'HOMESERVER']) process.env[`LIVEKIT_RATE_LIMIT_${scope}_PER_MINUTE`] = '0';

const plan = cpuPlan();
log('CPU plan', JSON.stringify(plan), 'load average', loadavg());
const { targets, server, sub } = await startTargets(plan, ['ours']);
const service = targets.ours;

const token = (name, user = sub, extra = {}) => JSON.stringify({
  room_id: '!soak:example.com', slot_id: 'm.call#ROOM',
  openid_token: { access_token: 'soak-token', matrix_server_name: name },
  member: { id: 'm', claimed_user_id: user, claimed_device_id: 'D' }, ...extra,
});
// Each kind of request and the one status it must get.
const mix = [
  ['POST', '/get_token', token(server), 200],
  ['POST', '/sfu/get', JSON.stringify({ room: '!soak:example.com', device_id: 'D',
    openid_token: { access_token: 'soak-token', matrix_server_name: server } }), 200],
  ['POST', '/get_token', '{"room_id": "!r:e", nope', 400],                         // not JSON
  ['POST', '/get_token', JSON.stringify({ room_id: '!soak:example.com' }), 400],   // fields missing
  ['GET', '/get_token', '', 405],                                                  // wrong method
  ['GET', '/no/such/path', '', 404],
  ['POST', '/get_token', token('unknown-homeserver.invalid', '@u:unknown-homeserver.invalid'), 401],
  ['POST', '/get_token', token('127.0.0.1:1', '@u:127.0.0.1:1'), 401],           // refused by the SSRF guard
  ['POST', '/get_token', token(server, '@someone-else:example.com'), 401],          // sub ≠ claimed user
];
const expectedShare = new Map();
for (const [, , , status] of mix) expectedShare.set(status, (expectedShare.get(status) ?? 0) + 1 / mix.length);
const requests = mix.map(([method, path, body]) => `${method}\t${path}\t${body}`).join('\n');

const base = service.url.replace(/\/get_token$/, '');
const samples = [{ at: 0, rss: rssKiB(service.pid) }];
log(`matrixrtc-auth pid ${service.pid}, RSS ${samples[0].rss} KiB; wrk ${connections} connections for ${seconds} s`);
const sampler = setInterval(() => {
  const sample = { at: Math.round((Date.now() - wrkStarted) / 1000), rss: rssKiB(service.pid) };
  samples.push(sample);
  dns.queries.length = 0;  // the responder records every query; nobody reads them here
  log(`RSS ${sample.rss} KiB, load average ${loadavg()}`);
}, 10_000);

const wrkStarted = Date.now();
const wrkArgs = [`-t${Math.min(plan.loadCount, connections)}`, `-c${connections}`, `-d${seconds}s`, '--timeout', '10s',
  '-s', `${root}bench/load/soak.lua`, `${base}/`];
const command = plan.load === null ? ['wrk', wrkArgs] : ['taskset', ['-c', plan.load, 'wrk', ...wrkArgs]];
const child = spawn(command[0], command[1], { env: { ...process.env, REQUESTS: requests }, stdio: ['ignore', 'pipe', 'pipe'] });
let output = '';
child.stdout.on('data', (d) => { output += d; });
child.stderr.on('data', (d) => { output += d; });
const code = await new Promise((resolve) => child.on('exit', resolve));
clearInterval(sampler);
samples.push({ at: Math.round((Date.now() - wrkStarted) / 1000), rss: rssKiB(service.pid) });
const line = output.split('\n').find((l) => l.startsWith('SOAK '));
stopAll();
dns.stop();
if (code !== 0 || !line) {
  console.error(`wrk failed (${code}):\n${output}`);
  process.exit(1);
}
const result = JSON.parse(line.slice(5));

const problems = [];
const total = Object.values(result.statuses).reduce((a, b) => a + b, 0);
for (const [status, count] of Object.entries(result.statuses)) {
  if (!expectedShare.has(Number(status))) problems.push(`unexpected status ${status}: ${count} answers`);
}
for (const [status, share] of expectedShare) {
  const count = result.statuses[status] ?? 0;
  // Every connection cycles through the mix: each share is exact up to the
  // requests in flight when wrk stopped, and the random starting points.
  const slack = connections + total * 0.002;
  if (Math.abs(count - share * total) > slack) {
    problems.push(`status ${status}: ${count} answers, expected ${(share * total).toFixed(0)} ± ${slack.toFixed(0)}`);
  }
}
for (const key of ['connect_errors', 'read_errors', 'write_errors', 'timeouts']) {
  if (result[key] > 0) problems.push(`${key}: ${result[key]}`);
}

const rss = samples.map((s) => s.rss);
const mib = (kib) => `${(kib / 1024).toFixed(1)} MiB`;
const wall = result.duration_us / 1e6;
console.log(`Soak: ${os.availableParallelism()} CPUs, load average now ${loadavg()}`);
console.log(`  ${connections} connections for ${wall.toFixed(0)} s: ${result.requests} requests (${(result.requests / wall).toFixed(0)}/s), p50 ${(result.p50_us / 1000).toFixed(1)} ms, p99 ${(result.p99_us / 1000).toFixed(1)} ms, max ${(result.max_us / 1000).toFixed(0)} ms`);
console.log(`  statuses: ${Object.entries(result.statuses).map(([s, n]) => `${s}: ${n}`).join(', ')}`);
console.log(`  socket errors: connect ${result.connect_errors}, read ${result.read_errors}, write ${result.write_errors}, timeouts ${result.timeouts}`);
// The first sample is the idle service; the second, after 10 s of load, is
// where "flat" starts (pools and buffers sized to 256 connections by then).
console.log(`  RSS: idle ${mib(rss[0])}, after 10 s ${mib(rss[1] ?? rss[0])}, max ${mib(Math.max(...rss))}, `
  + `end ${mib(rss.at(-1))} (${samples.length} samples, every 10 s)`);
console.log(`  RSS samples (s:KiB): ${samples.map((s) => `${s.at}:${s.rss}`).join(' ')}`);
if (problems.length) {
  console.log(`FAILED:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log('OK: no unexpected status');
