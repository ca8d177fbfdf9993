/**
 * Text the CLI writes straight to stdout (commander's help) when the reader has gone away
 * or the output cannot be written: a quiet stop or one line, never an unhandled 'error'
 * event with a stack trace.
 */
import { spawn } from 'node:child_process';
import { existsSync, openSync, closeSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CLI, runCli } from '../helpers/cli.js';

/** Runs the CLI with its stdout pipe closed by the reader before anything is written. */
function withClosedStdout(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

describe('stdout errors', () => {
  for (const args of [['replay', '--help'], ['test', '--help'], ['--help']]) {
    it(`\`${args.join(' ')}\` into a closed pipe ends quietly`, async () => {
      const res = await withClosedStdout(args);
      expect(res.stderr).toBe('');
      expect(res.code).toBe(0);
    });
  }

  it.skipIf(!existsSync('/dev/full'))('help into a full device is one line and exit 2', async () => {
    const fd = openSync('/dev/full', 'w');
    try {
      const res = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [CLI, 'replay', '--help'], { stdio: ['ignore', fd, 'pipe'] });
        let stderr = '';
        child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
        child.on('close', (code) => resolve({ code, stderr }));
      });
      expect(res.code).toBe(2);
      expect(res.stderr).toMatch(/^falco-scap: cannot write to standard output: ENOSPC[^\n]*\n$/);
    } finally {
      closeSync(fd);
    }
  });

  it('help to a working pipe is unchanged', async () => {
    const res = await runCli(['replay', '--help']);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('Usage: falco-scap replay');
  });
});
