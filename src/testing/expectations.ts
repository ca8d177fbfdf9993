/**
 * Expectations of a test case and their evaluation against the alerts a replay produced.
 * Evaluation is pure: alerts in, failures (with a place in the spec and a readable diff) out.
 */
import { formatIsoNs } from '../scap/time.js';
import type { TestAlert } from './types.js';
import type { Pos } from './yaml.js';

/** A count range; `exactly n` is min = max = n, `none` is 0..0. */
export interface CountSpec {
  readonly min: number;
  readonly max?: number;
}

export type FieldValue = string | number | boolean | null;

export type ValueMatcher =
  | { readonly kind: 'exact'; readonly value: FieldValue }
  | { readonly kind: 'contains'; readonly value: string }
  | { readonly kind: 'regex'; readonly source: string; readonly flags: string; readonly re: RegExp };

export interface RuleExpectation {
  readonly rule: string;
  readonly count: CountSpec;
  readonly pos: Pos;
}

export interface PriorityExpectation {
  /** Falco's name, e.g. `Warning`. */
  readonly priority: string;
  readonly count: CountSpec;
  readonly pos: Pos;
}

export interface FieldExpectation {
  readonly field: string;
  readonly matcher: ValueMatcher;
  readonly pos: Pos;
}

export interface AlertExpectation {
  readonly pos: Pos;
  readonly rule?: string;
  /** Where `rule` is written, for errors about the name. */
  readonly rulePos?: Pos;
  readonly priority?: string;
  readonly source?: string;
  readonly tags: readonly string[];
  readonly output?: ValueMatcher;
  readonly fields: readonly FieldExpectation[];
  /** How many alerts must match; default at least 1. */
  readonly count: CountSpec;
}

export interface SnapshotExpectation {
  /** Absolute path of the snapshot file. */
  readonly file: string;
  readonly pos: Pos;
}

export interface Expectations {
  readonly rules: readonly RuleExpectation[];
  readonly priorities: readonly PriorityExpectation[];
  readonly total?: { readonly count: CountSpec; readonly pos: Pos };
  readonly alerts: readonly AlertExpectation[];
  /** `only: true` — no alerts other than the expected ones. */
  readonly only?: Pos;
  readonly snapshot?: SnapshotExpectation;
}

/** `-` expected but absent, `+` present but not expected, ` ` context, `~` a changed alert (its field changes follow, indented). */
export interface DiffLine {
  readonly sign: '-' | '+' | ' ' | '~';
  readonly text: string;
}

export type FailureKind = 'rule' | 'priority' | 'total' | 'alert' | 'only' | 'snapshot';

export interface Failure {
  readonly kind: FailureKind;
  readonly pos: Pos;
  readonly message: string;
  readonly diff: readonly DiffLine[];
}

/** Falco priorities, most severe first. */
export const PRIORITIES = ['Emergency', 'Alert', 'Critical', 'Error', 'Warning', 'Notice', 'Informational', 'Debug'] as const;

/** Falco's spelling of a priority name (case-insensitive, `Info` accepted), or undefined. */
export function normalizePriority(p: string): string | undefined {
  const l = p.trim().toLowerCase();
  if (l === 'info') return 'Informational';
  return PRIORITIES.find((x) => x.toLowerCase() === l);
}

export function countMatches(c: CountSpec, n: number): boolean {
  return n >= c.min && (c.max === undefined || n <= c.max);
}

export function describeCount(c: CountSpec): string {
  if (c.max === 0) return 'none';
  if (c.max === c.min) return `exactly ${c.min}`;
  if (c.max === undefined) return `at least ${c.min}`;
  if (c.min === 0) return `at most ${c.max}`;
  return `between ${c.min} and ${c.max}`;
}

export function describeMatcher(m: ValueMatcher): string {
  switch (m.kind) {
    case 'exact':
      return JSON.stringify(m.value);
    case 'contains':
      return `contains ${JSON.stringify(m.value)}`;
    case 'regex':
      return `matches /${m.source}/${m.flags}`;
  }
}

export function valueMatches(m: ValueMatcher, actual: FieldValue | undefined): boolean {
  if (actual === undefined) return false;
  switch (m.kind) {
    case 'exact':
      if (m.value === null || actual === null) return m.value === actual;
      return String(m.value) === String(actual);
    case 'contains':
      return actual !== null && String(actual).includes(m.value);
    case 'regex':
      return actual !== null && m.re.test(String(actual));
  }
}

function fmtValue(v: FieldValue | undefined): string {
  if (v === undefined) return '(absent)';
  if (typeof v === 'string') return /^[\x21-\x7e]+$/.test(v) && !v.includes('"') ? v : JSON.stringify(v);
  return String(v);
}

/** `2024-05-01T10:00:00.000000001Z Warning Rule name  proc.name=bash user.name=root` */
export function formatAlertLine(a: TestAlert, maxFields = 6): string {
  const keys = Object.keys(a.outputFields).sort();
  const shown = keys.slice(0, maxFields).map((k) => `${k}=${fmtValue(a.outputFields[k])}`);
  if (keys.length > maxFields) shown.push(`…+${keys.length - maxFields}`);
  return `${formatIsoNs(a.time)} ${a.priority} ${a.rule}${shown.length ? '  ' + shown.join(' ') : ''}`;
}

/** The matcher as one line, e.g. `rule="X" priority=Warning proc.name="bash" user.name contains "ro"`. */
export function describeAlertExpectation(e: AlertExpectation): string {
  const parts: string[] = [];
  if (e.rule !== undefined) parts.push(`rule=${JSON.stringify(e.rule)}`);
  if (e.priority !== undefined) parts.push(`priority=${e.priority}`);
  if (e.source !== undefined) parts.push(`source=${e.source}`);
  if (e.tags.length) parts.push(`tags⊇[${e.tags.join(',')}]`);
  if (e.output !== undefined) parts.push(`output ${e.output.kind === 'exact' ? '= ' : ''}${describeMatcher(e.output)}`);
  for (const f of e.fields) parts.push(f.matcher.kind === 'exact' ? `${f.field}=${describeMatcher(f.matcher)}` : `${f.field} ${describeMatcher(f.matcher)}`);
  return parts.length ? parts.join(' ') : '(any alert)';
}

interface Criterion {
  readonly label: string;
  readonly expected: string;
  readonly actual: (a: TestAlert) => string;
  readonly test: (a: TestAlert) => boolean;
}

function criteria(e: AlertExpectation): Criterion[] {
  const out: Criterion[] = [];
  if (e.rule !== undefined) {
    const r = e.rule;
    out.push({ label: 'rule', expected: r, actual: (a) => a.rule, test: (a) => a.rule === r });
  }
  if (e.priority !== undefined) {
    const p = e.priority;
    out.push({ label: 'priority', expected: p, actual: (a) => a.priority, test: (a) => normalizePriority(a.priority) === p });
  }
  if (e.source !== undefined) {
    const s = e.source;
    out.push({ label: 'source', expected: s, actual: (a) => a.source, test: (a) => a.source === s });
  }
  for (const t of e.tags) {
    out.push({ label: 'tags', expected: `includes ${t}`, actual: (a) => `[${a.tags.join(', ')}]`, test: (a) => a.tags.includes(t) });
  }
  if (e.output !== undefined) {
    const m = e.output;
    out.push({ label: 'output', expected: describeMatcher(m), actual: (a) => JSON.stringify(a.output), test: (a) => valueMatches(m, a.output) });
  }
  for (const f of e.fields) {
    out.push({
      label: f.field,
      expected: describeMatcher(f.matcher),
      actual: (a) => (Object.hasOwn(a.outputFields, f.field) ? JSON.stringify(a.outputFields[f.field]) : '(not in output fields)'),
      test: (a) => valueMatches(f.matcher, Object.hasOwn(a.outputFields, f.field) ? a.outputFields[f.field] : undefined),
    });
  }
  return out;
}

export function alertMatches(e: AlertExpectation, a: TestAlert): boolean {
  return criteria(e).every((c) => c.test(a));
}

const MAX_LISTED = 10;

function listAlerts(alerts: readonly TestAlert[], sign: DiffLine['sign'], out: DiffLine[], max = MAX_LISTED): void {
  for (const a of alerts.slice(0, max)) out.push({ sign, text: formatAlertLine(a) });
  if (alerts.length > max) out.push({ sign, text: `… ${alerts.length - max} more` });
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** The diff of a count expectation: the actual alerts, the ones beyond the maximum marked `+`, a `-` line for the ones missing. */
function countDiff(matching: readonly TestAlert[], c: CountSpec, what: string): DiffLine[] {
  const out: DiffLine[] = [];
  const keep = c.max === undefined ? matching.length : Math.min(c.max, matching.length);
  listAlerts(matching.slice(0, keep), ' ', out);
  listAlerts(matching.slice(keep), '+', out);
  if (matching.length < c.min) out.push({ sign: '-', text: `${plural(c.min - matching.length, 'more alert')} ${what}` });
  return out;
}

function ruleSummary(alerts: readonly TestAlert[]): string {
  const counts = new Map<string, number>();
  for (const a of alerts) counts.set(a.rule, (counts.get(a.rule) ?? 0) + 1);
  if (counts.size === 0) return 'no alerts at all';
  return 'alerts fired: ' + [...counts].map(([r, n]) => `${JSON.stringify(r)} ×${n}`).join(', ');
}

/** Evaluate every expectation except the snapshot (see snapshot.ts). */
export function evaluate(exp: Expectations, alerts: readonly TestAlert[]): Failure[] {
  const failures: Failure[] = [];
  if (exp.total !== undefined && !countMatches(exp.total.count, alerts.length)) {
    failures.push({
      kind: 'total',
      pos: exp.total.pos,
      message: `total: expected ${describeCount(exp.total.count)} alerts, got ${alerts.length}`,
      diff: countDiff(alerts, exp.total.count, ''),
    });
  }
  for (const r of exp.rules) {
    const m = alerts.filter((a) => a.rule === r.rule);
    if (countMatches(r.count, m.length)) continue;
    const diff = countDiff(m, r.count, `of rule ${JSON.stringify(r.rule)}`);
    if (m.length === 0) diff.push({ sign: ' ', text: `(${ruleSummary(alerts)})` });
    failures.push({ kind: 'rule', pos: r.pos, message: `rule ${JSON.stringify(r.rule)}: expected ${describeCount(r.count)}, got ${m.length}`, diff });
  }
  for (const p of exp.priorities) {
    const m = alerts.filter((a) => normalizePriority(a.priority) === p.priority);
    if (countMatches(p.count, m.length)) continue;
    failures.push({
      kind: 'priority',
      pos: p.pos,
      message: `priority ${p.priority}: expected ${describeCount(p.count)}, got ${m.length}`,
      diff: countDiff(m, p.count, `of priority ${p.priority}`),
    });
  }
  for (const e of exp.alerts) {
    const cs = criteria(e);
    const m = alerts.filter((a) => cs.every((c) => c.test(a)));
    if (countMatches(e.count, m.length)) continue;
    const diff: DiffLine[] = [];
    if (m.length < e.count.min) {
      listAlerts(m, ' ', diff);
      diff.push({ sign: '-', text: describeAlertExpectation(e) });
      // The nearest alert: most criteria met, the rule weighing most.
      let best: TestAlert | undefined;
      let bestScore = -1;
      for (const a of alerts) {
        if (m.includes(a)) continue;
        let score = 0;
        for (const c of cs) if (c.test(a)) score += c.label === 'rule' ? 1000 : 1;
        if (score > bestScore) {
          best = a;
          bestScore = score;
        }
      }
      if (best !== undefined) {
        diff.push({ sign: '~', text: `nearest: ${formatAlertLine(best)}` });
        for (const c of cs) {
          if (c.test(best)) continue;
          diff.push({ sign: '-', text: `    ${c.label}: ${c.expected}` });
          diff.push({ sign: '+', text: `    ${c.label}: ${c.actual(best)}` });
        }
      } else {
        diff.push({ sign: ' ', text: '(no alerts at all)' });
      }
    } else {
      const keep = e.count.max ?? m.length;
      listAlerts(m.slice(0, keep), ' ', diff);
      listAlerts(m.slice(keep), '+', diff);
    }
    failures.push({
      kind: 'alert',
      pos: e.pos,
      message: `alert ${describeAlertExpectation(e)}: expected ${describeCount(e.count)} matching, got ${m.length}`,
      diff,
    });
  }
  if (exp.only !== undefined) {
    const allowedRules = new Set(exp.rules.filter((r) => r.count.max !== 0).map((r) => r.rule));
    const extra = alerts.filter((a) => !allowedRules.has(a.rule) && !exp.alerts.some((e) => e.count.max !== 0 && alertMatches(e, a)));
    if (extra.length > 0) {
      const diff: DiffLine[] = [];
      listAlerts(extra, '+', diff, 20);
      failures.push({ kind: 'only', pos: exp.only, message: `only: ${plural(extra.length, 'unexpected alert')}`, diff });
    }
  }
  return failures;
}
