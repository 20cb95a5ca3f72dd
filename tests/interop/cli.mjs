// Runs our `matrixrtc` binary (path from CTest in MATRIXRTC_CLI).
import { spawnSync } from 'node:child_process';

export const CLI = process.env.MATRIXRTC_CLI;
if (!CLI) throw new Error('MATRIXRTC_CLI must name the matrixrtc binary (CTest sets it)');

/** Runs the CLI; returns {status, stdout, stderr}. */
export function matrixrtc(args, { input, env } = {}) {
  const result = spawnSync(CLI, args, { input, encoding: 'utf8', env: { ...process.env, ...env } });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Runs the CLI and returns stdout without the final newline; throws unless it exits 0. */
export function matrixrtcOk(args, options) {
  const result = matrixrtc(args, options);
  if (result.status !== 0) {
    throw new Error(`matrixrtc ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  }
  return result.stdout.replace(/\n$/, '');
}
