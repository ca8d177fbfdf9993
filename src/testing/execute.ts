/**
 * One case from start to verdict: prepared rules (cached), the replay, the check that the
 * expectations name rules that exist, then expectations and snapshot. It runs where the
 * replay runs (in a worker thread, or in-process), so the main thread only hands out cases
 * and prints results; alerts never cross a thread boundary.
 */
import { PRIORITIES, evaluate, type Expectations, type Failure } from './expectations.js';
import { checkSnapshot } from './snapshot.js';
import { didYouMean } from './suggest.js';
import { displayPath, type TestCase } from './spec.js';
import { PreparedCache } from './cache.js';
import { serializeError } from './protocol.js';
import type { ReplayOutcome, TestEngine } from './types.js';
import type { Pos } from './yaml.js';

export type CaseStatus = 'pass' | 'fail' | 'error' | 'skip';

export interface CaseError {
  readonly message: string;
  /** An input error (bad rules file, bad capture, a spec naming an unknown rule): exit 2. Otherwise a bug: exit 70, with the stack. */
  readonly input: boolean;
  readonly stack?: string;
}

/** A case's result without the case itself (what a worker thread sends back). */
export interface CaseVerdict {
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

export interface ExecuteOptions {
  /** Rewrite snapshots instead of comparing them. */
  readonly update: boolean;
  /** For paths in messages. */
  readonly cwd: string;
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

function place(p: Pos): string {
  return `${p.file}:${p.line}:${p.column}`;
}

/**
 * Expectations naming a rule the loaded rules do not define (a typo, a renamed rule) would
 * otherwise pass silently as "0 alerts, as expected": they are spec errors at their place.
 * Undefined when every named rule exists.
 */
export function unknownRules(expect: Expectations, ruleNames: readonly string[]): CaseError | undefined {
  const known = new Set(ruleNames);
  const bad: { rule: string; pos: Pos }[] = [];
  for (const r of expect.rules) if (!known.has(r.rule)) bad.push({ rule: r.rule, pos: r.pos });
  for (const a of expect.alerts) if (a.rule !== undefined && !known.has(a.rule)) bad.push({ rule: a.rule, pos: a.rulePos ?? a.pos });
  if (bad.length === 0) return undefined;
  const [first, ...more] = bad;
  const rest = more.length ? `; also ${more.map((b) => `'${b.rule}' at ${b.pos.line}:${b.pos.column}`).join(', ')}` : '';
  return {
    input: true,
    message: `${place(first!.pos)}: rule '${first!.rule}' is not defined in the loaded rules${didYouMean(first!.rule, known)}${rest}`,
  };
}

/** Check a replay outcome against a case's expectations (and snapshot). */
export function judge(c: TestCase, outcome: ReplayOutcome, update: boolean, cwd: string): Pick<CaseVerdict, 'status' | 'failures' | 'snapshot' | 'error'> {
  const failures = evaluate(c.expect, outcome.alerts);
  let snapshot: CaseVerdict['snapshot'];
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

/** Runs cases on one engine, reusing prepared rules across the cases it is given. */
export class CaseExecutor {
  private readonly cache: PreparedCache | undefined;

  constructor(
    private readonly engine: TestEngine,
    private readonly opts: ExecuteOptions,
  ) {
    if (engine.prepareForTest === undefined && engine.replayForTest === undefined) {
      throw new Error('the engine exports neither prepareForTest nor replayForTest');
    }
    this.cache = engine.prepareForTest !== undefined ? new PreparedCache(engine.prepareForTest) : undefined;
  }

  /** Rulesets compiled so far (0 for a replay-only engine). */
  get compiled(): number {
    return this.cache?.misses ?? 0;
  }

  async run(c: TestCase): Promise<CaseVerdict> {
    if (c.skip !== undefined) return { status: 'skip', durationMs: 0, failures: [], skipReason: c.skip };
    const t0 = performance.now();
    let outcome: ReplayOutcome;
    let ruleNames: readonly string[] | undefined;
    try {
      if (this.cache !== undefined) {
        const prepared = await this.cache.get(c.request);
        ruleNames = prepared.ruleNames;
        // Before the replay: a misnamed rule is a spec error whatever the capture holds.
        const unknown = ruleNames === undefined ? undefined : unknownRules(c.expect, ruleNames);
        if (unknown !== undefined) return { status: 'error', durationMs: performance.now() - t0, failures: [], error: unknown };
        outcome = await prepared.replay(c.request.captures);
      } else {
        outcome = await this.engine.replayForTest!(c.request);
      }
    } catch (e) {
      const s = serializeError(e);
      return { status: 'error', durationMs: performance.now() - t0, failures: [], error: { input: s.input, message: s.message, ...(s.stack !== undefined && { stack: s.stack }) } };
    }
    const o = normalizeOutcome(outcome);
    const j = judge(c, o, this.opts.update, this.opts.cwd);
    return { durationMs: performance.now() - t0, events: o.events, alerts: o.alerts.length, ...j };
  }
}
