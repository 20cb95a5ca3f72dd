// The whole comparison behind BENCHMARKS.md; run it through bench/compare,
// which installs and builds what this needs. Writes bench/results/compare.md,
// compare.dat and compare.png (gnuplot), and replaces the part of
// BENCHMARKS.md between the "compare:begin" and "compare:end" markers.
// Environment: RUNS (default 3), SECONDS_PER_RUN (default 3), LEVELS
// (default "1,16,64,256").
import { execFileSync, execSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import {
  busy, cpuPlan, cpuSeconds, cpuTimes, peakRssKiB, release, root, startTargets, stopAll, wrk,
} from './load/harness.mjs';

const runs = Number(process.env.RUNS ?? 3);
const seconds = Number(process.env.SECONDS_PER_RUN ?? 3);
const levels = (process.env.LEVELS ?? '1,16,64,256').split(',').map(Number);
const started = new Date();
const loadBefore = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const log = (...a) => console.error(`[compare ${((Date.now() - started) / 1000).toFixed(0)} s]`, ...a);

// ---------------------------------------------------------------- load test
const plan = cpuPlan();
log('CPU plan', JSON.stringify(plan));
const { targets, body } = await startTargets(plan);
const cases = [
  { id: 'ours-new', system: 'matrixrtc-auth', workload: 'new token', target: 'ours', script: 'new_token.lua', body: body('@TOKEN@') },
  { id: 'ours-repeat', system: 'matrixrtc-auth', workload: 'repeated token', target: 'ours', script: 'get_token.lua', body: body('bench-token') },
  { id: 'node-new', system: 'Node peer', workload: 'new token', target: 'node', script: 'new_token.lua', body: body('@TOKEN@') },
  { id: 'node-repeat', system: 'Node peer', workload: 'repeated token', target: 'node', script: 'get_token.lua', body: body('bench-token') },
  { id: 'limit', system: 'limit (minimal Beast server)', workload: 'fixed answer', target: 'limit', script: 'get_token.lua', body: body('bench-token') },
  { id: 'hs', system: 'homeserver alone (HTTPS)', workload: 'userinfo GET', target: 'hs', script: 'report_only.lua' },
];

async function measure(c, connections, secs) {
  const t = targets[c.target];
  const before = { cpu: cpuSeconds(t.pid), hs: cpuSeconds(targets.hs.pid), times: cpuTimes() };
  const w = await wrk({ cpus: plan.load, threads: plan.loadCount, connections, seconds: secs, script: c.script, url: t.url, body: c.body });
  const after = { cpu: cpuSeconds(t.pid), hs: cpuSeconds(targets.hs.pid), times: cpuTimes() };
  const wall = w.duration_us / 1e6;
  return {
    rps: w.requests / wall, p50: w.p50_us, p99: w.p99_us, p999: w.p999_us,
    errors: w.non_2xx + w.connect_errors + w.read_errors + w.write_errors + w.timeouts,
    cpuPer10k: w.requests ? ((after.cpu - before.cpu) / w.requests) * 10_000 : NaN,
    sutBusy: busy(before.times, after.times, plan.sut), loadBusy: busy(before.times, after.times, plan.load),
    hsCore: c.target === 'hs' ? NaN : (after.hs - before.hs) / wall,
  };
}

log('warm-up: 2 s per system at 64 connections');
for (const c of cases) await measure(c, 64, 2);
const results = new Map(cases.map((c) => [c.id, new Map(levels.map((l) => [l, []]))]));
for (let r = 1; r <= runs; r++) {
  for (const c of cases) {
    for (const level of levels) {
      const m = await measure(c, level, seconds);
      results.get(c.id).get(level).push(m);
      log(`run ${r}/${runs} ${c.id} c=${level}: ${m.rps.toFixed(0)} req/s p99 ${m.p99} µs errors ${m.errors}`);
    }
  }
}
const peaks = Object.fromEntries(Object.entries(targets).map(([name, t]) => [name, peakRssKiB(t.pid)]));
stopAll();
const loadAfter = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

// ---------------------------------------------------------------- statistics
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const n = s.length; return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2; };
const stat = (id, level, key) => median(results.get(id).get(level).map((m) => m[key]));
const range = (id, level, key) => { const v = results.get(id).get(level).map((m) => m[key]); return [Math.min(...v), Math.max(...v)]; };
const int = (x) => Math.round(x).toLocaleString('en-US').replace(/,/g, ' ');
const ms = (us) => (us >= 10_000 ? `${(us / 1000).toFixed(0)} ms` : us >= 1000 ? `${(us / 1000).toFixed(1)} ms` : `${(us / 1000).toFixed(2)} ms`);
const pct = (x) => `${(x * 100).toFixed(0)} %`;
const x = (a) => `${a.toFixed(a >= 10 ? 0 : 1)}×`;

// ---------------------------------------------------------------- versions
const sh = (cmd) => { try { return execSync(cmd, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim(); } catch { return '?'; } };
const cpuModel = (readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.*)$/m) ?? [])[1] ?? '?';
const sdkVersion = JSON.parse(readFileSync(`${root}tests/interop/node_modules/livekit-server-sdk/package.json`, 'utf8')).version;
const boostVersion = (readFileSync('/usr/include/boost/version.hpp', 'utf8').match(/BOOST_LIB_VERSION "([^"]+)"/) ?? [])[1];
const versions = [
  `GCC ${sh('g++ -dumpfullversion')}`, `Boost ${boostVersion?.replace('_', '.')}`, sh('openssl version').split(' ').slice(0, 2).join(' '),
  `Node ${process.version}`, `livekit-server-sdk ${sdkVersion}`, sh('wrk -v 2>&1 | head -1').split(' ').slice(0, 2).join(' '),
  `Linux ${os.release()}`,
].join(', ');

// ---------------------------------------------------------------- micro-benchmarks
log('micro-benchmarks: names and tokens (bench/run)');
const microRuns = Math.max(2, runs);  // Google Benchmark reports medians from 2 repetitions on
const namesTable = execFileSync(`${root}bench/run`, [`${microRuns}`], { encoding: 'utf8' }).trim();
const mintUs = Number((namesTable.match(/\| mint access token \| ([\d.]+) µs/) ?? [])[1]);
const mintPeerUs = Number((namesTable.match(/\| mint access token \|[^|]*\| ([\d.]+) µs/) ?? [])[1]);

log('micro-benchmarks: frame encryption');
const gb = (binary, extra = []) => JSON.parse(execFileSync(`${release}/bench/${binary}`, [
  `--benchmark_repetitions=${microRuns}`, '--benchmark_report_aggregates_only=true', '--benchmark_format=json', ...extra,
], { encoding: 'utf8', maxBuffer: 1 << 26, stdio: ['ignore', 'pipe', 'ignore'] }));
const e2ee = gb('e2ee_bench');
const e2eePeer = JSON.parse(execFileSync(process.execPath, [`${root}bench/peers/livekit_client_e2ee_bench.mjs`, '10000'],
  { encoding: 'utf8', maxBuffer: 1 << 24 }));
const e2eeRows = [];
let e2eeMinRatio = Infinity;
for (const [name, label] of [['encrypt/video_vp8_1200', 'video 1 200 B, encrypt'], ['decrypt/video_vp8_1200', 'video 1 200 B, decrypt'],
  ['encrypt/audio_opus_160', 'audio 160 B, encrypt'], ['decrypt/audio_opus_160', 'audio 160 B, decrypt']]) {
  const [op, frame] = name.split('/');
  const runName = `BM_${op[0].toUpperCase()}${op.slice(1)}/${frame}`;
  const m = e2ee.benchmarks.find((b) => b.run_name === runName && (b.aggregate_name === 'median'));
  const peer = e2eePeer.results.find((p) => p.name === name);
  const ratio = m.items_per_second / peer.frames_per_second;
  if (op === 'encrypt') e2eeMinRatio = Math.min(e2eeMinRatio, ratio);
  e2eeRows.push(`| ${label} | ${int(m.items_per_second)} frames/s | ${int(peer.frames_per_second)} frames/s | ${x(ratio)} |`);
}

log('micro-benchmarks: sessions');
const sessions = gb('sessions_bench', ['--benchmark_filter=BM_ComputeSessions/']);
const sessionRows = sessions.benchmarks.filter((b) => b.aggregate_name === 'median').map((b) => {
  const n = Number(b.run_name.split('/')[1]);
  const sd = sessions.benchmarks.find((s) => s.run_name === b.run_name && s.aggregate_name === 'stddev');
  const t = b.cpu_time;  // microseconds (the benchmark's unit)
  const fmt = (us) => (us >= 1e6 ? `${(us / 1e6).toFixed(2)} s` : us >= 1000 ? `${(us / 1000).toFixed(2)} ms` : `${us.toFixed(1)} µs`);
  return `| ${int(n)} | ${fmt(t)} ± ${fmt(sd?.cpu_time ?? 0)} |`;
});

// ---------------------------------------------------------------- report
const S = { run: [], load: [], names: [], e2ee: [], sessions: [] };
let L = S.run;
const sut = plan.sut === null ? 'not pinned (1 CPU)' : `CPU ${plan.sut}`;
const load = plan.load === null ? 'not pinned' : `CPU ${plan.load}`;
L.push(`Run of \`bench/compare\` on ${started.toISOString().replace(/\.\d+Z$/, 'Z')}: ${os.availableParallelism()} × ${cpuModel}; ${versions}.`);
L.push(`Load average (1, 5, 15 min) ${loadBefore} before, ${loadAfter} after; ${runs} runs of ${seconds} s per cell after a 2 s warm-up, interleaved (every system and level once per run); medians, and min–max across runs for requests/s.`);
L.push(`Pinning: each system under test on ${sut} (matrixrtc-auth with ${plan.sutCount} thread(s), the Node peer with ${plan.sutCount} cluster worker(s) plus its primary, the limit server with ${plan.sutCount} thread(s)); wrk (${plan.loadCount} thread(s)) and the fast homeserver (${plan.loadCount} thread(s)) on ${load}.`);
L = S.load;
L.push('| system | workload | connections | requests/s (min–max) | p50 | p99 | p99.9 | CPU s / 10 000 req | SUT CPU busy | load CPU busy | homeserver CPU | errors |');
L.push('|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const c of cases) {
  for (const level of levels) {
    const [lo, hi] = range(c.id, level, 'rps');
    const errors = results.get(c.id).get(level).reduce((a, m) => a + m.errors, 0);
    const hsCore = stat(c.id, level, 'hsCore');
    L.push(`| ${c.system} | ${c.workload} | ${level} | ${int(stat(c.id, level, 'rps'))} (${int(lo)}–${int(hi)}) | ${ms(stat(c.id, level, 'p50'))} | ${ms(stat(c.id, level, 'p99'))} | ${ms(stat(c.id, level, 'p999'))} | ${stat(c.id, level, 'cpuPer10k').toFixed(2)} | ${pct(stat(c.id, level, 'sutBusy'))} | ${pct(stat(c.id, level, 'loadBusy'))} | ${Number.isNaN(hsCore) ? '–' : pct(hsCore)} | ${errors} |`);
  }
}
L.push('');
L.push('"SUT CPU busy" and "load CPU busy" are the busy fractions of the two CPU sets from /proc/stat during the run; "homeserver CPU" is the fast homeserver\'s own CPU time per second of wall time. For the homeserver-alone rows the system under test is the homeserver itself, on the load CPUs, sharing them with wrk. CPU seconds are utime + stime from /proc/<pid>/stat of the whole process tree.');
L.push('');
L.push('| system | peak RSS (VmHWM after the whole run, 256 connections included) |');
L.push('|---|---|');
const mib = (kib) => `${(kib / 1024).toFixed(1)} MiB`;
L.push(`| matrixrtc-auth | ${mib(peaks.ours)} |`);
L.push(`| Node peer (primary + workers, sum of each process's peak) | ${mib(peaks.node)} |`);
L.push(`| limit server | ${mib(peaks.limit)} |`);
L.push(`| fast homeserver | ${mib(peaks.hs)} |`);
L.push('');
L.push('![requests/s by connections](bench/results/compare.png)');
L.push('');

// targets
const ratioRows = [];
for (const level of levels) {
  const t = (a, b) => stat(a, level, 'rps') / stat(b, level, 'rps');
  ratioRows.push(`| ${level} | ${x(t('ours-new', 'node-new'))} | ${x(t('ours-repeat', 'node-repeat'))} | ${x(stat('node-new', level, 'p99') / stat('ours-new', level, 'p99'))} | ${x(stat('node-repeat', level, 'p99') / stat('ours-repeat', level, 'p99'))} | ${pct(t('ours-repeat', 'limit'))} | ${pct(t('ours-new', 'hs'))} |`);
}
L.push('| connections | throughput vs Node, new token | vs Node, repeated | p99 Node ÷ ours, new | p99 Node ÷ ours, repeated | ours ÷ limit (repeated) | ours ÷ homeserver alone |');
L.push('|---|---|---|---|---|---|---|');
L.push(...ratioRows);
L.push('');
const ref = levels.includes(64) ? 64 : levels[levels.length - 1];  // the issue's reference level
const at64 = {
  thr: Math.min(stat('ours-new', ref, 'rps') / stat('node-new', ref, 'rps'), stat('ours-repeat', ref, 'rps') / stat('node-repeat', ref, 'rps')),
  p99: Math.min(stat('node-new', ref, 'p99') / stat('ours-new', ref, 'p99'), stat('node-repeat', ref, 'p99') / stat('ours-repeat', ref, 'p99')),
};
const best = (id) => Math.max(...levels.map((l) => stat(id, l, 'rps')));
const thrMin = Math.min(...levels.flatMap((l) => [stat('ours-new', l, 'rps') / stat('node-new', l, 'rps'), stat('ours-repeat', l, 'rps') / stat('node-repeat', l, 'rps')]));
const limitShare = best('ours-repeat') / best('limit');
const met = (ok) => (ok ? '**met**' : '**missed**');
L.push('| target | measured | |');
L.push('|---|---|---|');
L.push(`| throughput ≥ 10× the Node peer | ${x(thrMin)} at worst (any level, either workload), ${x(at64.thr)} at ${ref} connections | ${met(thrMin >= 10)} |`);
L.push(`| p99 ≥ 5× lower at 64 connections | ${x(at64.p99)} lower at ${ref} connections (worse of the two workloads) | ${met(at64.p99 >= 5)} |`);
L.push(`| ≥ 50 % of the limit, repeated token | ${pct(limitShare)} (best level each: ${int(best('ours-repeat'))} vs ${int(best('limit'))} req/s) | ${met(limitShare >= 0.5)} |`);
L.push(`| peak RSS < 30 MiB at 256 connections | ${mib(peaks.ours)} | ${met(peaks.ours < 30 * 1024)} |`);
L.push(`| token minting < 5 µs | ${Number.isNaN(mintUs) ? '?' : `${mintUs.toFixed(2)} µs`} (peer ${mintPeerUs} µs) | ${met(mintUs < 5)} |`);
L.push(`| frame encryption ≥ 5× livekit-client | ${x(e2eeMinRatio)} at worst | ${met(e2eeMinRatio >= 5)} |`);
L.push('');
L = S.names;
L.push(namesTable);
L.push('');
L = S.e2ee;
L.push('| Frame | ours (median) | livekit-client in Node | ours is faster by |');
L.push('|---|---|---|---|');
L.push(...e2eeRows);
L.push('');
L = S.sessions;
L.push('| Membership events | CPU time |');
L.push('|---|---|');
L.push(...sessionRows);
S.run.push(`Whole run: ${((Date.now() - started) / 1000).toFixed(0)} s.`);
const text = (name) => S[name].join('\n').trim();
const report = [
  text('run'), '### Load: `POST /get_token` on loopback', text('load'), '### Names and tokens (`bench/run`)', text('names'),
  `### Frame encryption (\`e2ee_bench\` vs livekit-client ${e2eePeer.implementation.split(' ')[1]} in Node)`, text('e2ee'),
  '### Session computation (`sessions_bench`, CPU time, median ± sd)', text('sessions'),
].join('\n\n');

// ---------------------------------------------------------------- files and chart
const out = `${root}bench/results`;
mkdirSync(out, { recursive: true });
writeFileSync(`${out}/compare.md`, `${report}\n`);
const series = cases.map((c) => c.id);
writeFileSync(`${out}/compare.dat`, `# connections ${series.join(' ')} (median requests/s)\n${
  levels.map((l) => [l, ...series.map((id) => stat(id, l, 'rps').toFixed(0))].join(' ')).join('\n')}\n`);
const titles = cases.map((c) => `${c.system}, ${c.workload}`);
const gp = [
  'set terminal pngcairo size 900,600 font "sans,10" noenhanced',
  'set output "compare.png"',
  `set title "POST /get_token on loopback, ${sut} for the server, ${started.toISOString().slice(0, 10)}"`,
  'set xlabel "connections"', 'set ylabel "requests/s (median)"', 'set logscale y', 'set grid ytics',
  'set key below', 'set style data linespoints',
  `plot ${series.map((_, i) => `"compare.dat" using ${i + 2}:xtic(1) title "${titles[i]}" lw 2`).join(', ')}`,
].join('\n');
writeFileSync(`${out}/compare.gp`, `${gp}\n`);
try {
  execFileSync('gnuplot', ['compare.gp'], { cwd: out });
} catch (e) {
  log('gnuplot failed:', e.message);
}
const doc = `${root}BENCHMARKS.md`;
if (existsSync(doc)) {
  let updated = readFileSync(doc, 'utf8');
  for (const name of Object.keys(S)) {
    // The section may be empty (markers on adjacent lines): match up to the end marker itself.
    const re = new RegExp(`(<!-- compare:${name}:begin -->\\n)[\\s\\S]*?(<!-- compare:${name}:end -->)`);
    updated = updated.replace(re, (_, a, b) => `${a}${text(name)}\n${b}`);
  }
  writeFileSync(doc, updated);
}
console.log(report);
