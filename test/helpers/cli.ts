import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { PROJECT_ROOT } from './shared.js';

/** The installed command: the launcher that runs the bundled CLI (scripts/bundle-cli.mjs). */
export const CLI = resolve(PROJECT_ROOT, 'dist', 'cli', 'falco-scap.cjs');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Runs the built CLI with a time bound; never throws for a non-zero exit. */
export function runCli(args: string[], options: { timeoutMs?: number; env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<CliResult> {
  return runNodeProcess([CLI, ...args], options);
}

/** Runs node with NODE_ARGS (a script and its arguments, or flags and `-e`) with a time bound. */
export function runNodeProcess(nodeArgs: string[], options: { timeoutMs?: number; env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<CliResult> {
  return runProcess(process.execPath, nodeArgs, options);
}

/**
 * The environment the test processes get. Without NODE_EXTRA_CA_CERTS unless a test sets it,
 * as bin/falco-scap starts Node: Node would parse that certificate bundle at each of the
 * suite's hundreds of starts (none of them uses TLS).
 */
function childEnv(extra: NodeJS.ProcessEnv | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete env.NODE_EXTRA_CA_CERTS;
  return { ...env, ...extra };
}

/** Runs an executable with a time bound; never throws for a non-zero exit. */
export function runProcess(file: string, args: string[], options: { timeoutMs?: number; env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<CliResult> {
  return new Promise((resolvePromise) => {
    const child = spawn(file, args, {
      cwd: options.cwd ?? PROJECT_ROOT,
      env: childEnv(options.env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs ?? 30_000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal, stdout, stderr, timedOut });
    });
  });
}
