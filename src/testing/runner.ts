/**
 * Runs test cases on a pool of long-lived worker threads. Each worker loads the engine once
 * and keeps compiled rulesets between cases; it replays a case and judges its alerts
 * itself, so the main thread only hands out cases (the next one to whichever worker has
 * room in its short queue, big outliers first) and reports verdicts, in spec order.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { TestCase } from './spec.js';
import { CaseExecutor, type CaseStatus, type CaseVerdict } from './execute.js';
import { serializeError, type WorkerInit, type WorkerReply, type WorkerRequest } from './protocol.js';
import { threadCpu, type ThreadCpu } from './thread-cpu.js';
import { compileInWorkers, setConcurrentRecompilation } from './compile-threads.js';
import { captureSizes, workersFor, type CaptureSize } from './workers-for.js';
import type { ReplayForTest, TestEngine } from './types.js';

export { judge, normalizeOutcome, unknownRules, type CaseError, type CaseStatus } from './execute.js';
export { CASES_PER_WORKER, WORKER_CAPTURE_BYTES, workersFor } from './workers-for.js';

/** Where replays come from: a module (loaded in each worker thread) or an engine run in-process. */
export type EngineSource = { readonly module: string } | { readonly replay: ReplayForTest } | { readonly engine: TestEngine };

// Through `../testing/`: the same file from dist/testing/ and from the CLI bundle in
// dist/cli/, where this module's URL is the bundle's (see scripts/bundle-cli.mjs).
/** The real engine adapter, beside this file once built: dist/testing/engine.js. */
export const DEFAULT_ENGINE_MODULE: string = new URL('../testing/engine.js', import.meta.url).href;

/**
 * The worker entry built beside this file: dist/testing/worker-launch.cjs, which runs the
 * bundled worker from a code cache for the real engine and worker.js for any other.
 */
export const DEFAULT_WORKER_URL: URL = new URL('../testing/worker-launch.cjs', import.meta.url);

export interface CaseResult extends CaseVerdict {
  readonly case: TestCase;
}

export interface RunOptions {
  /** Parallel replays (worker threads for a module engine); at least 1. */
  readonly jobs: number;
  /**
   * Worker threads to start for a module engine: 'as-needed' (default) starts no more than
   * the suite gains from (see workersFor), 'all' starts `jobs` of them (up to one per case).
   */
  readonly workers?: 'as-needed' | 'all';
  readonly engine: EngineSource;
  /** Rewrite snapshots instead of comparing them. */
  readonly update?: boolean;
  /** The worker entry; default dist/testing/worker-launch.cjs beside this module. */
  readonly workerUrl?: URL;
  /** For paths in messages. */
  readonly cwd?: string;
  /** Called once per case, in spec order, as soon as it and every case before it are done. */
  readonly onResult?: (r: CaseResult, index: number) => void;
  /** Given: called once at the end with what each worker (or the in-process engine) did. */
  readonly onStats?: (workers: readonly WorkerStats[]) => void;
}

export interface WorkerStats {
  readonly cases: number;
  /** Rulesets compiled (cache misses). */
  readonly compiled: number;
  /** The thread's CPU time (Linux). */
  readonly cpu?: ThreadCpu;
}

/** A module path or URL → a URL string `import()` accepts. */
export function moduleUrl(m: string): string {
  if (/^(file|data|node):/.test(m)) return m;
  return pathToFileURL(isAbsolute(m) ? m : resolve(m)).href;
}

function optionalCpu(cpu: ThreadCpu | undefined): { cpu?: ThreadCpu } {
  return cpu === undefined ? {} : { cpu };
}

function crashed(message: string, e?: unknown): CaseVerdict {
  const s = e === undefined ? undefined : serializeError(e);
  return { status: 'error', durationMs: 0, failures: [], error: { input: false, message, ...(s?.stack !== undefined && { stack: s.stack }) } };
}

/**
 * Cases queued per worker thread. The worker runs them one at a time, in order; the second
 * is already in its queue when the first ends, so the worker goes straight on instead of
 * idling for a round trip through the main thread (which, on a busy machine, may wait
 * milliseconds for a CPU) between every two small cases. Two keeps the tail short: a
 * worker can hold at most one case that another, idle worker could have taken.
 */
export const WORKER_QUEUE_DEPTH = 2;

interface Pending {
  readonly id: number;
  readonly c: TestCase;
  readonly resolve: (r: CaseVerdict) => void;
}

/** One long-lived worker thread running the cases sent to it in order; respawned if it dies. */
class WorkerSlot {
  private worker: Worker | undefined;
  /** Sent and not answered, oldest first: the first is the one running. */
  private pending: Pending[] = [];
  private seq = 0;
  /** Cases answered, and the worker's last reported totals (a respawned worker starts again). */
  readonly stats: { cases: number; compiled: number; cpu?: ThreadCpu } = { cases: 0, compiled: 0 };

  constructor(
    private readonly url: URL,
    private readonly init: WorkerInit,
  ) {}

  spawn(): Worker {
    const w = new Worker(this.url, { workerData: this.init });
    const fail = (v: CaseVerdict) => {
      if (this.worker !== w) return; // an old worker's second event (error, then exit), or closed
      this.worker = undefined;
      // The worker died on its oldest case; the ones queued behind it never started and go
      // to a fresh worker, as they would have without the queue.
      const [running, ...queued] = this.pending;
      this.pending = [];
      running?.resolve(v);
      for (const q of queued) this.send(q.c, q.resolve);
    };
    w.on('message', (m: WorkerReply) => {
      if (this.worker !== w) return;
      const i = this.pending.findIndex((p) => p.id === m.id);
      if (i < 0) return;
      const [p] = this.pending.splice(i, 1);
      this.stats.cases++;
      if (m.stats !== undefined) {
        this.stats.compiled = m.stats.compiled;
        if (m.stats.cpu !== undefined) this.stats.cpu = m.stats.cpu;
      }
      p!.resolve(m.verdict);
    });
    w.on('error', (e) => fail(crashed(`worker thread failed: ${e instanceof Error ? e.message : String(e)}`, e)));
    w.on('exit', (code) => fail(crashed(`worker thread exited with code ${code} during the replay`)));
    this.worker = w;
    return w;
  }

  private send(c: TestCase, resolve: (r: CaseVerdict) => void): void {
    const w = this.worker ?? this.spawn();
    const id = ++this.seq;
    this.pending.push({ id, c, resolve });
    w.postMessage({ id, case: c } satisfies WorkerRequest);
  }

  run(c: TestCase): Promise<CaseVerdict> {
    return new Promise((resolvePromise) => this.send(c, resolvePromise));
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    if (w !== undefined) await w.terminate();
  }
}

/** A case counts as big when its captures take this many times the median case's bytes. */
export const BIG_CASE_FACTOR = 4;

/**
 * The order cases start in with several lanes: cases much bigger than the median (their
 * captures' bytes on disk) first, biggest first, then the rest in spec order. A big case
 * started last would keep one worker busy long after the others ran out of work; started
 * first, it runs alongside the small ones. Only outliers move, so results still stream
 * out (in spec order) early for a suite of similar cases. Unreadable captures weigh 0.
 */
export function startOrder(cases: readonly TestCase[], sizeOf: CaptureSize = captureSizes()): number[] {
  const weights = cases.map((c) => (c.skip !== undefined ? 0 : c.request.captures.reduce((sum, p) => sum + sizeOf(p), 0)));
  const sorted = [...weights].sort((a, b) => a - b);
  const median = sorted[Math.floor((sorted.length - 1) / 2)] ?? 0;
  const big: number[] = [];
  const rest: number[] = [];
  weights.forEach((w, i) => (median > 0 && w > BIG_CASE_FACTOR * median ? big : rest).push(i));
  big.sort((a, b) => weights[b]! - weights[a]! || a - b);
  return [...big, ...rest];
}

/** Run cases with at most `jobs` replays at a time; results in the order of `cases`. */
export async function runCases(cases: readonly TestCase[], opts: RunOptions): Promise<CaseResult[]> {
  const jobs = Math.max(1, Math.floor(opts.jobs));
  const cwd = opts.cwd ?? process.cwd();
  const update = opts.update ?? false;
  const results: (CaseResult | undefined)[] = new Array(cases.length).fill(undefined);
  let emitted = 0;
  const done = (i: number, v: CaseVerdict) => {
    results[i] = { case: cases[i]!, ...v };
    while (emitted < cases.length && results[emitted] !== undefined) {
      opts.onResult?.(results[emitted]!, emitted);
      emitted++;
    }
  };

  let run: (c: TestCase, lane: number) => Promise<CaseVerdict>;
  let stats: () => WorkerStats[];
  const slots: WorkerSlot[] = [];
  const runnable = cases.filter((c) => c.skip === undefined).length;
  const fit = 'module' in opts.engine && (opts.workers ?? 'as-needed') === 'as-needed';
  // One stat per capture for both decisions below (how many workers; which cases first).
  const sizeOf = captureSizes();
  const width = fit ? workersFor(cases, jobs, sizeOf) : Math.max(1, Math.min(jobs, runnable));
  let lanes = width;
  let restoreFlags: (() => void) | undefined;
  if (!('module' in opts.engine)) {
    // In-process: one executor, so lanes share its cache of prepared rules.
    const executor = new CaseExecutor('engine' in opts.engine ? opts.engine.engine : { replayForTest: opts.engine.replay }, { update, cwd });
    run = (c) => executor.run(c);
    stats = () => [{ cases: runnable, compiled: executor.compiled, ...optionalCpu(threadCpu()) }];
  } else {
    const url = opts.workerUrl ?? DEFAULT_WORKER_URL;
    if (url.protocol === 'file:' && !existsSync(fileURLToPath(url))) {
      throw new Error(`worker entry ${fileURLToPath(url)} not found (build with npm run build)`);
    }
    const init: WorkerInit = { engineModule: moduleUrl(opts.engine.module), update, cwd, stats: opts.onStats !== undefined };
    if (runnable > 0 && compileInWorkers(width)) {
      setConcurrentRecompilation(false);
      restoreFlags = () => setConcurrentRecompilation(true);
    }
    for (let i = 0; i < width; i++) {
      const s = new WorkerSlot(url, init);
      // Started now, all at once: engine loading in the workers overlaps.
      if (runnable > 0) s.spawn();
      slots.push(s);
    }
    // WORKER_QUEUE_DEPTH lanes per worker, each taking the next case when its own is done.
    lanes = Math.min(width * WORKER_QUEUE_DEPTH, runnable);
    run = (c, lane) => slots[lane % width]!.run(c);
    stats = () => slots.map((s) => ({ cases: s.stats.cases, compiled: s.stats.compiled, ...optionalCpu(s.stats.cpu) }));
  }

  // One worker: spec order. Several: big cases first (see startOrder).
  const order = width > 1 ? startOrder(cases, sizeOf) : cases.map((_, i) => i);
  let next = 0;
  const lane = async (l: number) => {
    while (next < cases.length) {
      const i = order[next++]!;
      const c = cases[i]!;
      if (c.skip !== undefined) {
        done(i, { status: 'skip', durationMs: 0, failures: [], skipReason: c.skip });
        continue;
      }
      done(i, await run(c, l));
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, lanes) }, (_, l) => lane(l)));
  } finally {
    await Promise.all(slots.map((s) => s.close()));
    restoreFlags?.();
  }
  opts.onStats?.(stats());
  return results as CaseResult[];
}

export interface Summary {
  readonly total: number;
  readonly passed: number;
  readonly failed: number;
  readonly errors: number;
  readonly skipped: number;
}

export function summarize(results: readonly CaseResult[]): Summary {
  const n = (s: CaseStatus) => results.filter((r) => r.status === s).length;
  return { total: results.length, passed: n('pass'), failed: n('fail'), errors: n('error'), skipped: n('skip') };
}

/** 0 all passed, 1 an expectation failed, 2 a case could not run (input error), 70 a bug. */
export function exitCodeFor(results: readonly CaseResult[]): number {
  if (results.some((r) => r.status === 'error' && r.error !== undefined && !r.error.input)) return 70;
  if (results.some((r) => r.status === 'error')) return 2;
  if (results.some((r) => r.status === 'fail')) return 1;
  return 0;
}

/** `FALCO_SCAP_TEST_STATS` lines: each worker's cases, compilations and CPU, then the main thread's. */
export function renderStats(workers: readonly WorkerStats[], main: ThreadCpu | undefined): string {
  const cpu = (c: ThreadCpu | undefined) => (c === undefined ? '' : `, CPU ${(c.runMs / 1000).toFixed(3)} s (waited ${(c.waitMs / 1000).toFixed(3)} s for a CPU)`);
  const lines = workers.map((w, i) => `falco-scap: stats: worker ${i + 1}: ${w.cases} case${w.cases === 1 ? '' : 's'}, ${w.compiled} ruleset${w.compiled === 1 ? '' : 's'} compiled${cpu(w.cpu)}\n`);
  lines.push(`falco-scap: stats: main thread${cpu(main) || ': CPU time not available'}\n`);
  return lines.join('');
}
