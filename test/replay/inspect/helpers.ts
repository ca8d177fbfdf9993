/**
 * Shared pieces of the inspect tests: running sysdig (the oracle, with an on-disk cache
 * so that the corpus test does not start thousands of sysdig processes on every run),
 * running `falco-scap inspect`, and line-by-line comparison.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, type CliResult } from '../../helpers/cli.js';

export interface SysdigResult {
  /** Exit status (0 = it read the capture). */
  code: number;
  stdout: string;
  stderr: string;
}

const CACHE_DIR = join(tmpdir(), 'falco-scap-inspect-sysdig-cache');

function sysdigStamp(): string {
  try {
    const st = statSync('/usr/bin/sysdig');
    return `${st.size}:${st.mtimeMs}`;
  } catch {
    return 'unknown';
  }
}
const STAMP = sysdigStamp();

/**
 * `sysdig -r capture ...args`. Results are cached by sysdig binary, capture (path, size,
 * mtime) and arguments, in the OS temp directory.
 */
export function runSysdig(capture: string, args: readonly string[]): Promise<SysdigResult> {
  const st = statSync(capture);
  const key = createHash('sha1').update(JSON.stringify([STAMP, capture, st.size, st.mtimeMs, args])).digest('hex');
  const file = join(CACHE_DIR, key + '.json');
  if (existsSync(file)) {
    try {
      return Promise.resolve(JSON.parse(readFileSync(file, 'utf8')) as SysdigResult);
    } catch {
      // a torn cache file: run again
    }
  }
  return new Promise((resolvePromise) => {
    execFile('sysdig', ['-r', capture, ...args], { maxBuffer: 1 << 28, encoding: 'utf8' }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1;
      const r: SysdigResult = { code, stdout, stderr };
      mkdirSync(CACHE_DIR, { recursive: true });
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify(r));
      renameSync(tmp, file);
      resolvePromise(r);
    });
  });
}

/** Runs `fn` over `items` with at most `n` running at once. */
export async function mapLimit<T, R>(items: readonly T[], n: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!, i);
      }
    }),
  );
  return out;
}

/** `falco-scap inspect ...args` through the built CLI. */
export function runInspect(args: readonly string[], timeoutMs = 120_000): Promise<CliResult> {
  return runCli(['inspect', ...args], { timeoutMs });
}

/** Output split into lines (sysdig ends every line with '\n'). */
export function lines(text: string): string[] {
  const l = text.split('\n');
  if (l.length > 0 && l[l.length - 1] === '') l.pop();
  return l;
}

export interface LineComparison {
  /** Lines of sysdig's output. */
  total: number;
  /** Lines equal at the same index. */
  identical: number;
  /** `index: ours | sysdig` for every differing index (either side may be missing). */
  differences: string[];
}

/** Compares two outputs line by line. */
export function compareLines(ours: string, theirs: string): LineComparison {
  const a = lines(ours);
  const b = lines(theirs);
  const differences: string[] = [];
  let identical = 0;
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] === b[i]) identical++;
    else differences.push(`${i + 1}: ours=${JSON.stringify(a[i] ?? null)} sysdig=${JSON.stringify(b[i] ?? null)}`);
  }
  return { total: b.length, identical: Math.min(identical, b.length), differences };
}
