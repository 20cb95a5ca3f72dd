// What bench/compare and bench/profile share: starting the systems under test
// and the fast homeserver pinned to CPUs, running wrk, and reading a process's
// CPU time and peak memory from /proc.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import net from 'node:net';
import os from 'node:os';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../../', import.meta.url));
export const release = `${root}build/release`;
const TICKS_PER_SECOND = 100;  // USER_HZ: /proc reports CPU time in these on every Linux we run

/**
 * CPU split on this machine: the systems under test get the first half of the
 * CPUs, wrk and the homeserver the rest. One CPU: nothing is pinned.
 */
export function cpuPlan() {
  const n = os.availableParallelism();
  if (n < 2) return { sut: null, load: null, sutCount: 1, loadCount: 1 };
  const half = Math.floor(n / 2);
  const range = (from, to) => (from === to ? `${from}` : `${from}-${to}`);
  return { sut: range(0, half - 1), load: range(half, n - 1), sutCount: half, loadCount: n - half };
}

const pinned = (cpus, command, args) => (cpus === null ? [command, args] : ['taskset', ['-c', cpus, command, ...args]]);

export async function freePort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const children = new Set();
export function stopAll() {
  for (const child of children) child.kill('SIGTERM');
  children.clear();
}
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => { stopAll(); process.exit(130); });
process.on('exit', stopAll);

/** Starts a long-running process pinned to `cpus`; resolves once `port` accepts connections. */
export async function startServer(name, cpus, command, args, { env = {}, port, readyLine }) {
  const [cmd, argv] = pinned(cpus, command, args);
  const child = spawn(cmd, argv, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let output = '';
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { output += d; });
  let exited = false;
  child.on('exit', () => { exited = true; children.delete(child); });
  for (let i = 0; i < 200; i++) {
    if (exited) throw new Error(`${name} exited while starting:\n${output}`);
    if ((!readyLine || output.includes(readyLine)) && await accepts(port)) return { name, pid: child.pid, port, child, output: () => output };
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${name} did not listen on ${port} within 10 s:\n${output}`);
}

function accepts(port) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}

/** Pids of a process and its descendants (the Node peer's cluster workers). */
export function processTree(pid) {
  const parents = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parents.set(Number(entry), Number(fields[1]));
    } catch { /* gone */ }
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) {
    for (const [child, parent] of parents) if (parent === tree[i]) tree.push(child);
  }
  return tree;
}

/** utime + stime in seconds, all threads, summed over the process tree. */
export function cpuSeconds(pid) {
  let ticks = 0;
  for (const p of processTree(pid)) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);  // fields 14 and 15 of proc(5)
    } catch { /* gone */ }
  }
  return ticks / TICKS_PER_SECOND;
}

/** VmHWM (peak resident set) in KiB, summed over the process tree. */
export function peakRssKiB(pid) {
  let kib = 0;
  for (const p of processTree(pid)) {
    try {
      const match = readFileSync(`/proc/${p}/status`, 'utf8').match(/^VmHWM:\s+(\d+) kB/m);
      if (match) kib += Number(match[1]);
    } catch { /* gone */ }
  }
  return kib;
}

/** Busy and total jiffies per CPU, from /proc/stat. */
export function cpuTimes() {
  const out = {};
  for (const line of readFileSync('/proc/stat', 'utf8').split('\n')) {
    const m = line.match(/^cpu(\d+) (.*)$/);
    if (!m) continue;
    const v = m[2].trim().split(/\s+/).map(Number);
    const total = v.slice(0, 8).reduce((a, b) => a + b, 0);  // guest time is already in user
    out[m[1]] = { busy: total - v[3] - v[4], total };
  }
  return out;
}

/** Busy fraction of a set of CPUs ("0", "1-3", null = all) between two cpuTimes(). */
export function busy(before, after, cpus) {
  let ids = Object.keys(after);
  if (cpus !== null) {
    const [from, to = from] = cpus.split('-').map(Number);
    ids = ids.filter((id) => Number(id) >= from && Number(id) <= to);
  }
  let b = 0, t = 0;
  for (const id of ids) { b += after[id].busy - before[id].busy; t += after[id].total - before[id].total; }
  return t ? b / t : 0;
}

/**
 * Runs wrk pinned to `cpus` with a script from bench/load and returns the
 * JSON its done() hook prints (report.lua) plus the wall time.
 */
export async function wrk({ cpus, threads, connections, seconds, script, url, body }) {
  const args = [`-t${Math.min(threads, connections)}`, `-c${connections}`, `-d${seconds}s`, '--latency',
    '-s', `${root}bench/load/${script}`, url];
  const [cmd, argv] = pinned(cpus, 'wrk', args);
  const env = { ...process.env, WRK_REPORT: `${root}bench/load/report.lua`, BODY: body ?? '' };
  const child = spawn(cmd, argv, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { output += d; });
  const code = await new Promise((resolve) => child.on('exit', resolve));
  const line = output.split('\n').find((l) => l.startsWith('WRK '));
  if (code !== 0 || !line) throw new Error(`wrk failed (${code}):\n${output}`);
  return JSON.parse(line.slice(4));
}

/** One request with fetch, for checking a target answers as expected before loading it. */
export async function probe(url, body) {
  const response = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
  return { status: response.status, text: await response.text() };
}

/**
 * The load test's servers: the fast TLS homeserver (bench/servers, on the
 * load CPUs, certificate from a test CA made now), matrixrtc-auth and the Node
 * peer (on the SUT CPUs, as many threads / workers as SUT CPUs), and the limit
 * server with a body as large as our real answer. `which` picks a subset.
 */
export async function startTargets(plan, which = ['ours', 'node', 'limit']) {
  const { TestCa } = await import(`${root}tests/programs/matrixrtc-auth/support/pki.mjs`);
  const ca = new TestCa();
  const leaf = ca.issue(['IP:127.0.0.1']);
  writeFileSync(join(ca.dir, 'hs.pem'), leaf.cert);
  writeFileSync(join(ca.dir, 'hs.key'), leaf.key);
  const hsPort = await freePort();
  const server = `127.0.0.1:${hsPort}`;
  const sub = `@bench:${server}`;
  const targets = {};
  targets.hs = await startServer('fast_homeserver', plan.load, `${release}/bench/fast_homeserver`,
    ['--port', `${hsPort}`, '--threads', `${plan.loadCount}`, '--cert', join(ca.dir, 'hs.pem'),
      '--key', join(ca.dir, 'hs.key'), '--sub', sub], { port: hsPort });
  targets.hs.url = `https://${server}/_matrix/federation/v1/openid/userinfo?access_token=bench-token`;
  const body = (token) => JSON.stringify({
    room_id: '!roomid:example.com', slot_id: 'm.call#ROOM',
    openid_token: { access_token: token, matrix_server_name: server },
    member: { id: 'm', claimed_user_id: sub, claimed_device_id: 'D' },
  });
  const livekit = { LIVEKIT_URL: 'ws://127.0.0.1:7880', LIVEKIT_KEY: 'APIKEY', LIVEKIT_SECRET: 'bench-secret' };
  if (which.includes('ours')) {
    const port = await freePort();
    // OURS_BINARY: another build of the service to measure instead (e.g. a patched one).
    const binary = process.env.OURS_BINARY || `${release}/src/programs/matrixrtc-auth/matrixrtc-auth`;
    // wrk sends everything from 127.0.0.1 as one user of one homeserver: with
    // the rate limits on, nearly every request would be a 429. The Node peer
    // has no limits either, so both are measured doing the same work.
    const noRateLimits = { LIVEKIT_RATE_LIMIT_IP_PER_MINUTE: '0', LIVEKIT_RATE_LIMIT_USER_PER_MINUTE: '0',
      LIVEKIT_RATE_LIMIT_HOMESERVER_PER_MINUTE: '0' };
    targets.ours = await startServer('matrixrtc-auth', plan.sut, binary,
      // The fast homeserver is on loopback, which the SSRF guard refuses unless exempted.
      [], { port, env: { ...livekit, ...noRateLimits, LIVEKIT_EXTRA_CA_FILE: ca.caFile,
        LIVEKIT_FULL_ACCESS_HOMESERVERS: 'none.example', LIVEKIT_SSRF_ALLOWED_SERVERS: server,
        LIVEKIT_JWT_BIND: `127.0.0.1:${port}`, LIVEKIT_LOG_LEVEL: 'warn', LIVEKIT_JWT_THREADS: `${plan.sutCount}` } });
    targets.ours.url = `http://127.0.0.1:${port}/get_token`;
  }
  if (which.includes('node')) {
    const port = await freePort();
    targets.node = await startServer('node peer', plan.sut, process.execPath,
      [`${root}bench/peers/node_auth_service.mjs`],
      { port, readyLine: `port ${port}`, env: { ...livekit, PORT: `${port}`, EXTRA_CA_FILE: ca.caFile, WORKERS: `${plan.sutCount}` } });
    targets.node.url = `http://127.0.0.1:${port}/get_token`;
  }
  for (const name of ['ours', 'node']) {
    if (!targets[name]) continue;
    const answer = await probe(targets[name].url, body('bench-token'));
    if (answer.status !== 200 || !JSON.parse(answer.text).jwt) {
      throw new Error(`${name} answered ${answer.status} ${answer.text}`);
    }
    targets[name].answerBytes = Buffer.byteLength(answer.text);
  }
  if (which.includes('limit')) {
    const port = await freePort();
    const bytes = targets.ours?.answerBytes ?? 512;
    targets.limit = await startServer('limit_server', plan.sut, `${release}/bench/limit_server`,
      ['--port', `${port}`, '--threads', `${plan.sutCount}`, '--body-bytes', `${bytes}`], { port });
    targets.limit.url = `http://127.0.0.1:${port}/get_token`;
    targets.limit.answerBytes = Buffer.byteLength((await probe(targets.limit.url, body('x'))).text);
  }
  return { targets, body, server, sub };
}
