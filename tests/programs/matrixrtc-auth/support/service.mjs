// Starts the real matrixrtc-auth binary (path from CTest in MATRIXRTC_AUTH),
// waits until it listens, and stops it with SIGTERM.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

export const BINARY = process.env.MATRIXRTC_AUTH;
if (!BINARY) throw new Error('MATRIXRTC_AUTH must name the matrixrtc-auth binary (CTest sets it)');

/**
 * softFdLimit: start the binary with this soft RLIMIT_NOFILE (through the
 * shell's ulimit, which execs it: same pid), e.g. to see it raise the limit.
 */
export async function startService(env, args = [], { softFdLimit } = {}) {
  const [command, argv] = softFdLimit === undefined ? [BINARY, args]
    : ['/bin/sh', ['-c', `ulimit -S -n ${Number(softFdLimit)} && exec "$0" "$@"`, BINARY, ...args]];
  const child = spawn(command, argv, { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const logs = [];
  let stderr = '';
  const listening = new Promise((resolve, reject) => {
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      const lines = stderr.split('\n');
      stderr = lines.pop();
      for (const line of lines) {
        logs.push(line);
        const match = line.match(/listening address=(\S+)/);
        if (match) resolve(match[1]);
      }
    });
    child.on('exit', (code) => reject(new Error(`matrixrtc-auth exited with ${code}:\n${logs.join('\n')}${stderr}`)));
  });
  const address = await listening;
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return {
    url: `http://${address}`,
    pid: child.pid,
    logs,
    /** Resident memory now, in KiB (VmRSS of /proc/<pid>/status). */
    rssKiB() {
      return Number(readFileSync(`/proc/${child.pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB/m)[1]);
    },
    async stop() {
      child.kill('SIGTERM');
      return exited;
    },
    /** Sends a signal (e.g. 'SIGHUP') without waiting for anything. */
    signal(name) {
      child.kill(name);
    },
    post(path, body) {
      return fetch(`http://${address}${path}`, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body) });
    },
  };
}

/**
 * Runs the binary to completion (for start-up errors); returns {code, stderr}.
 * With timeoutMs, a binary still running then is killed (code null, timedOut).
 */
export function runToExit(env, args = [], { timeoutMs } = {}) {
  return new Promise((resolve) => {
    const child = spawn(BINARY, args, { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let stdout = '';
    let timedOut = false;
    const timer = timeoutMs ? setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, timeoutMs) : null;
    child.stderr.on('data', (chunk) => { stderr += chunk; });
    child.stdout.on('data', (chunk) => { stdout += chunk; });
    child.on('exit', (code) => { if (timer) clearTimeout(timer); resolve({ code, stderr, stdout, timedOut }); });
  });
}
