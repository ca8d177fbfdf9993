/**
 * How many worker threads a `falco-scap test` run starts: no more than `--jobs`, and no more
 * than the suite gains from.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { detectCompression } from '../pcapng/source.js';
import type { TestCase } from './spec.js';

/**
 * A worker thread beyond the first is started for every this many runnable cases (or for
 * every WORKER_CAPTURE_BYTES of capture, whichever gives more). Each worker pays a start-up
 * of its own: its rulesets compiled, and its JIT warmed up over its first few dozen cases,
 * while V8 compiles on the core the other worker runs on. On 2 cores, with small captures
 * of 1–2 ms each once warm, two workers were slower than one below about 320 cases (13
 * cases 0.34 s against 0.28 s, 104 cases 0.66 s against 0.53 s, 256 cases 0.84 s against
 * 0.81 s), even at 320 (0.91 s both) and faster beyond (384 cases 0.97 s against 1.03 s,
 * 832 cases 1.51 s against 1.92 s).
 */
export const CASES_PER_WORKER = 320;

/**
 * Capture bytes (uncompressed, estimated) that make another worker worth starting whatever
 * the number of cases: about 0.2 s of replay (a raw capture replays at ≈600 MB/s).
 */
export const WORKER_CAPTURE_BYTES = 128 << 20;

/** Compressed captures count this many times their size (scap captures inflate 5–10×). */
const COMPRESSED_WEIGHT = 6;

function captureWeight(path: string, size: number): number {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const head = Buffer.alloc(4);
    const n = readSync(fd, head, 0, 4, 0);
    return detectCompression(head.subarray(0, n)) === 'none' ? size : size * COMPRESSED_WEIGHT;
  } catch {
    return size;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** A capture's size on disk, stat-ed once per path (0 when it cannot be read). */
export type CaptureSize = (path: string) => number;

/** A fresh CaptureSize with its own memo: one per run, shared by its decisions. */
export function captureSizes(): CaptureSize {
  const sizes = new Map<string, number>();
  return (p) => {
    let n = sizes.get(p);
    if (n === undefined) {
      try {
        n = statSync(p).size;
      } catch {
        n = 0; // an unreadable capture fails its case quickly
      }
      sizes.set(p, n);
    }
    return n;
  };
}

/**
 * How many workers a run starts with `jobs` allowed: one, plus one for every
 * CASES_PER_WORKER runnable cases or for every WORKER_CAPTURE_BYTES of captures, whichever
 * is more, at most `jobs` and one per runnable case.
 */
export function workersFor(cases: readonly TestCase[], jobs: number, sizeOf: CaptureSize = captureSizes()): number {
  const runnable = cases.filter((c) => c.skip === undefined);
  const most = Math.max(1, Math.min(jobs, runnable.length));
  const byCases = 1 + Math.floor(runnable.length / CASES_PER_WORKER);
  if (byCases >= most) return most;
  const weights = new Map<string, number>();
  let bytes = 0;
  for (const c of runnable) {
    for (const p of c.request.captures) {
      let w = weights.get(p);
      if (w === undefined) {
        const size = sizeOf(p);
        w = size > 0 ? captureWeight(p, size) : 0;
        weights.set(p, w);
      }
      bytes += w;
    }
  }
  return Math.min(most, Math.max(byCases, Math.ceil(bytes / WORKER_CAPTURE_BYTES)));
}
