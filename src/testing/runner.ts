/**
 * Runs test cases: replays on a pool of worker threads (each loads its own engine),
 * expectations and snapshots checked on the main thread, results in spec order.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { displayPath, type TestCase } from './spec.js';
import { evaluate, PRIORITIES, type Failure } from './expectations.js';
import { checkSnapshot } from './snapshot.js';
import type { ReplayForTest, ReplayOutcome, ReplayRequest } from './types.js';
import { serializeError, type SerializedError, type WorkerInit, type WorkerReply, type WorkerRequest } from './protocol.js';

/** Where replays come from: a module (loaded in each worker thread) or a function (run in-process). */
export type EngineSource = { readonly module: string } | { readonly replay: ReplayForTest };

/** The real engine, beside this file once built: dist/replay/engine.js. */
export const DEFAULT_ENGINE_MODULE: string = new URL('../replay/replay-for-test.js', import.meta.url).href;

/** The worker entry built beside this file. */
export const DEFAULT_WORKER_URL: URL = new URL('./worker.js', import.meta.url);

export type CaseStatus = 'pass' | 'fail' | 'error' | 'skip';

export interface CaseError {
  readonly message: string;
  /** An InputError (bad rules file, bad capture): exit 2. Otherwise a bug: exit 70, with the stack. */
  readonly input: boolean;
  readonly stack?: string;
}

export interface CaseResult {
  readonly case: TestCase;
  readonly status: CaseStatus;
  /** Replay plus checks, in milliseconds. */
  readonly durationMs: number;
  readonly events?: number;
  readonly alerts?: number;
  readonly failures: readonly Failure[];
  readonly error?: CaseError;
  /** The snapshot was written by --update. */
  readonly snapshot?: 'created' | 'updated';
  /** Reason, for skipped cases. */
  readonly skipReason?: string;
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
}

/** A module path or URL → a URL string `import()` accepts. */
export function moduleUrl(m: string): string {
  if (/^(file|data|node):/.test(m)) return m;
  return pathToFileURL(isAbsolute(m) ? m : resolve(m)).href;
}

class WorkerSlot {
  private worker: Worker | undefined;
  private pending: { id: number; resolve: (r: WorkerReply) => void } | undefined;
  private seq = 0;

  constructor(
    private readonly url: URL,
    private readonly init: WorkerInit,
  ) {}

  private spawn(): Worker {
    const w = new Worker(this.url, { workerData: this.init });
    const fail = (error: SerializedError) => {
      if (this.worker === w) this.worker = undefined;
      const p = this.pending;
      this.pending = undefined;
      p?.resolve({ id: p.id, ok: false, error, ms: 0 });
    };
    w.on('message', (m: WorkerReply) => {
      const p = this.pending;
      if (p === undefined || m.id !== p.id) return;
      this.pending = undefined;
      p.resolve(m);
    });
    w.on('error', (e) => fail({ ...serializeError(e), input: false, message: `worker thread failed: ${e instanceof Error ? e.message : String(e)}` }));
    w.on('exit', (code) => fail({ input: false, name: 'Error', message: `worker thread exited with code ${code} during the replay` }));
    this.worker = w;
    return w;
  }

  call(request: ReplayRequest): Promise<WorkerReply> {
    const w = this.worker ?? this.spawn();
    const id = ++this.seq;
    return new Promise((resolvePromise) => {
      this.pending = { id, resolve: resolvePromise };
      w.postMessage({ id, request } satisfies WorkerRequest);
    });
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    if (w !== undefined) await w.terminate();
  }
}

function plainValue(v: unknown): string | number | boolean | null {
  if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  if (typeof v === 'bigint') return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
  if (v === undefined) return null;
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));
}

/**
 * Defensive: output field values outside the declared type (an engine passing raw bigints
 * or lists through) become numbers/strings, so matching and snapshots never throw.
 */
export function normalizeOutcome(o: ReplayOutcome): ReplayOutcome {
  let clean = true;
  for (const a of o.alerts) {
    for (const v of Object.values(a.outputFields)) {
      if (v !== null && typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') clean = false;
    }
    if (typeof a.priority !== 'string' || typeof a.time !== 'bigint') clean = false;
  }
  if (clean) return o;
  return {
    events: o.events,
    alerts: o.alerts.map((a) => {
      const outputFields: Record<string, string | number | boolean | null> = {};
      for (const [k, v] of Object.entries(a.outputFields)) outputFields[k] = plainValue(v);
      return { ...a, time: BigInt(a.time), priority: typeof a.priority === 'number' ? (PRIORITIES[a.priority] ?? String(a.priority)) : String(a.priority), outputFields };
    }),
  };
}

/** Check a replay outcome against a case's expectations (and snapshot). */
export function judge(c: TestCase, outcome: ReplayOutcome, update: boolean, cwd: string): Pick<CaseResult, 'status' | 'failures' | 'snapshot' | 'error'> {
  const failures = evaluate(c.expect, outcome.alerts);
  let snapshot: CaseResult['snapshot'];
  if (c.expect.snapshot !== undefined) {
    try {
      const s = checkSnapshot(c.expect.snapshot, c.name, outcome.alerts, update, displayPath(c.expect.snapshot.file, cwd));
      if (s.failure) failures.push(s.failure);
      snapshot = s.written;
    } catch (e) {
      return { status: 'error', failures, error: { input: true, message: `snapshot ${displayPath(c.expect.snapshot.file, cwd)}: ${(e as Error).message}` } };
    }
  }
  return { status: failures.length ? 'fail' : 'pass', failures, ...(snapshot && { snapshot }) };
}

/** Run cases with at most `jobs` replays at a time; results in the order of `cases`. */
export async function runCases(cases: readonly TestCase[], opts: RunOptions): Promise<CaseResult[]> {
  const jobs = Math.max(1, Math.floor(opts.jobs));
  const cwd = opts.cwd ?? process.cwd();
  const update = opts.update ?? false;
  const results: (CaseResult | undefined)[] = new Array(cases.length).fill(undefined);
  let emitted = 0;
  const done = (i: number, r: CaseResult) => {
    results[i] = r;
    while (emitted < cases.length && results[emitted] !== undefined) {
      opts.onResult?.(results[emitted]!, emitted);
      emitted++;
    }
  };

  let call: (req: ReplayRequest, slot: number) => Promise<WorkerReply>;
  const slots: WorkerSlot[] = [];
  const runnable = cases.filter((c) => c.skip === undefined).length;
  const width = Math.max(1, Math.min(jobs, runnable));
  if ('replay' in opts.engine) {
    const replay = opts.engine.replay;
    call = async (req) => {
      const t0 = performance.now();
      try {
        const outcome = await replay(req);
        return { id: 0, ok: true, outcome, ms: performance.now() - t0 };
      } catch (e) {
        return { id: 0, ok: false, error: serializeError(e), ms: performance.now() - t0 };
      }
    };
  } else {
    const url = opts.workerUrl ?? DEFAULT_WORKER_URL;
    if (url.protocol === 'file:' && !existsSync(fileURLToPath(url))) {
      throw new Error(`worker entry ${fileURLToPath(url)} not found (build with npm run build)`);
    }
    const init: WorkerInit = { engineModule: moduleUrl(opts.engine.module) };
    for (let i = 0; i < width; i++) slots.push(new WorkerSlot(url, init));
    call = (req, slot) => slots[slot]!.call(req);
  }

  let next = 0;
  const lane = async (slot: number) => {
    while (next < cases.length) {
      const i = next++;
      const c = cases[i]!;
      if (c.skip !== undefined) {
        done(i, { case: c, status: 'skip', durationMs: 0, failures: [], skipReason: c.skip });
        continue;
      }
      const reply = await call(c.request, slot);
      const t0 = performance.now();
      if (!reply.ok) {
        const e = reply.error;
        done(i, {
          case: c,
          status: 'error',
          durationMs: reply.ms,
          failures: [],
          error: { input: e.input, message: e.message, ...(e.stack !== undefined && { stack: e.stack }) },
        });
        continue;
      }
      const outcome = normalizeOutcome(reply.outcome);
      const j = judge(c, outcome, update, cwd);
      done(i, {
        case: c,
        durationMs: reply.ms + (performance.now() - t0),
        events: outcome.events,
        alerts: outcome.alerts.length,
        ...j,
      });
    }
  };
  try {
    await Promise.all(Array.from({ length: width }, (_, s) => lane(s)));
  } finally {
    await Promise.all(slots.map((s) => s.close()));
  }
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
