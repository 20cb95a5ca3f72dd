// The real redis-server on a free loopback port (no persistence), and a tiny
// RESP client for the tests' own checks and seeding (one connection per
// command; AUTH first when a password is set).
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { delay } from './wait.mjs';

export const REDIS_SERVER = process.env.REDIS_SERVER ?? '/usr/bin/redis-server';

/** A loopback port that was free a moment ago. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function encode(args) {
  const parts = [`*${args.length}\r\n`];
  for (const arg of args) {
    const buffer = Buffer.from(String(arg));
    parts.push(`$${buffer.length}\r\n`, buffer, '\r\n');
  }
  return Buffer.concat(parts.map((p) => (Buffer.isBuffer(p) ? p : Buffer.from(p))));
}

class RedisError extends Error {}

/** Parses one RESP value at offset; returns {value, end} or null when incomplete. */
function parse(buffer, offset = 0) {
  const lineEnd = buffer.indexOf('\r\n', offset);
  if (lineEnd < 0) return null;
  const type = String.fromCharCode(buffer[offset]);
  const line = buffer.toString('utf8', offset + 1, lineEnd);
  const next = lineEnd + 2;
  switch (type) {
    case '+': return { value: line, end: next };
    case '-': return { value: new RedisError(line), end: next };
    case ':': return { value: Number(line), end: next };
    case '$': {
      const length = Number(line);
      if (length < 0) return { value: null, end: next };
      if (buffer.length < next + length + 2) return null;
      return { value: buffer.toString('utf8', next, next + length), end: next + length + 2 };
    }
    case '*': {
      const count = Number(line);
      if (count < 0) return { value: null, end: next };
      const values = [];
      let at = next;
      for (let i = 0; i < count; i++) {
        const item = parse(buffer, at);
        if (!item) return null;
        values.push(item.value);
        at = item.end;
      }
      return { value: values, end: at };
    }
    default: throw new Error(`bad RESP type ${JSON.stringify(type)}`);
  }
}

/** Sends the commands on one connection and resolves with their replies. */
export function resp(port, commands, { timeoutMs = 2000 } = {}) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let buffer = Buffer.alloc(0);
    const replies = [];
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error('redis timeout')));
    socket.on('connect', () => socket.write(Buffer.concat(commands.map(encode))));
    socket.on('data', (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      let item;
      while (replies.length < commands.length && (item = parse(buffer))) {
        replies.push(item.value);
        buffer = buffer.subarray(item.end);
      }
      if (replies.length === commands.length) {
        socket.end();
        resolve(replies);
      }
    });
    socket.on('error', reject);
    socket.on('close', () => reject(new Error('redis connection closed early')));
  });
}

export async function startRedis({ password } = {}) {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'matrixrtc-redis-'));
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir];
  if (password) args.push('--requirepass', password);
  let child;
  let output = '';

  async function command(...args_) {
    const commands = password ? [['AUTH', password], args_] : [args_];
    const replies = await resp(port, commands);
    const reply = replies.at(-1);
    if (reply instanceof RedisError) throw reply;
    if (password && replies[0] instanceof RedisError) throw replies[0];
    return reply;
  }

  async function launch() {
    child = spawn(REDIS_SERVER, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (chunk) => { output += chunk; });
    child.stderr.on('data', (chunk) => { output += chunk; });
    const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    child.exited = exited;
    const deadline = Date.now() + 10000;
    for (;;) {
      try {
        if ((await command('PING')) === 'PONG') return;
      } catch {
        // not up yet
      }
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`redis-server did not start:\n${output}`);
      await delay(20);
    }
  }

  async function stop(signal = 'SIGTERM') {
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill(signal);
    await child.exited;
  }

  await launch();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    password,
    command,
    stop,
    /** Kills it outright (SIGKILL), as a crash or a lost host would. */
    kill: () => stop('SIGKILL'),
    /** Starts it again on the same port after kill() (empty: nothing was saved). */
    start: launch,
    /** Stops and starts it again on the same port (empty: nothing is saved). */
    async restart() { await stop(); await launch(); },
    /** HGETALL as a plain object. */
    async hgetall(key) {
      const flat = (await command('HGETALL', key)) ?? [];
      const out = {};
      for (let i = 0; i < flat.length; i += 2) out[flat[i]] = flat[i + 1];
      return out;
    },
  };
}
