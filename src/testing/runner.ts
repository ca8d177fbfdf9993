/**
 * Runs test cases on a pool of long-lived worker threads. Each worker loads the engine once
 * and keeps compiled rulesets between cases; it replays a case and judges its alerts
 * itself, so the main thread only hands out cases (the next one to whichever worker is
 * free) and reports verdicts, in spec order.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { TestCase } from './spec.js';
import { CaseExecutor, type CaseStatus, type CaseVerdict } from './execute.js';
import { serializeError, type WorkerInit, type WorkerReply, type WorkerRequest } from './protocol.js';
import { threadCpu, type ThreadCpu } from './thread-cpu.js';
import type { ReplayForTest, TestEngine } from './types.js';

export { judge, normalizeOutcome, unknownRules, type CaseError, type CaseStatus } from './execute.js';

/** Where replays come from: a module (loaded in each worker thread) or an engine run in-process. */
export type EngineSource = { readonly module: string } | { readonly replay: ReplayForTest } | { readonly engine: TestEngine };

/** The real engine adapter, beside this file once built: dist/testing/engine.js. */
export const DEFAULT_ENGINE_MODULE: string = new URL('./engine.js', import.meta.url).href;

/** The worker entry built beside this file. */
export const DEFAULT_WORKER_URL: URL = new URL('./worker.js', import.meta.url);

export interface CaseResult extends CaseVerdict {
  readonly case: TestCase;
}

export interface RunOptions {
  /** Parallel replays (worker threads for a module engine); at least 1. */
  readonly jobs: number;
  readonly engine: EngineSource;
  /** Rewrite snapshots instead of comparing them. */
  readonly update?: boolean;
  /** The worker entry; default dist/testing/worker.js beside this module. */
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

/** One long-lived worker thread, one case at a time; respawned if it dies. */
class WorkerSlot {
  private worker: Worker | undefined;
  private pending: { id: number; resolve: (r: CaseVerdict) => void } | undefined;
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
      if (this.worker === w) this.worker = undefined;
      const p = this.pending;
      this.pending = undefined;
      p?.resolve(v);
    };
    w.on('message', (m: WorkerReply) => {
      const p = this.pending;
      if (p === undefined || m.id !== p.id) return;
      this.pending = undefined;
      this.stats.cases++;
      if (m.stats !== undefined) {
        this.stats.compiled = m.stats.compiled;
        if (m.stats.cpu !== undefined) this.stats.cpu = m.stats.cpu;
      }
      p.resolve(m.verdict);
    });
    w.on('error', (e) => fail(crashed(`worker thread failed: ${e instanceof Error ? e.message : String(e)}`, e)));
    w.on('exit', (code) => fail(crashed(`worker thread exited with code ${code} during the replay`)));
    this.worker = w;
    return w;
  }

  run(c: TestCase): Promise<CaseVerdict> {
    const w = this.worker ?? this.spawn();
    const id = ++this.seq;
    return new Promise((resolvePromise) => {
      this.pending = { id, resolve: resolvePromise };
      w.postMessage({ id, case: c } satisfies WorkerRequest);
    });
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    if (w !== undefined) await w.terminate();
  }
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

  let run: (c: TestCase, slot: number) => Promise<CaseVerdict>;
  let stats: () => WorkerStats[];
  const slots: WorkerSlot[] = [];
  const runnable = cases.filter((c) => c.skip === undefined).length;
  const width = Math.max(1, Math.min(jobs, runnable));
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
    for (let i = 0; i < width; i++) {
      const s = new WorkerSlot(url, init);
      // Started now, all at once: engine loading in the workers overlaps.
      if (runnable > 0) s.spawn();
      slots.push(s);
    }
    run = (c, slot) => slots[slot]!.run(c);
    stats = () => slots.map((s) => ({ cases: s.stats.cases, compiled: s.stats.compiled, ...optionalCpu(s.stats.cpu) }));
  }

  let next = 0;
  const lane = async (slot: number) => {
    while (next < cases.length) {
      const i = next++;
      const c = cases[i]!;
      if (c.skip !== undefined) {
        done(i, { status: 'skip', durationMs: 0, failures: [], skipReason: c.skip });
        continue;
      }
      done(i, await run(c, slot));
    }
  };
  try {
    await Promise.all(Array.from({ length: width }, (_, s) => lane(s)));
  } finally {
    await Promise.all(slots.map((s) => s.close()));
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
