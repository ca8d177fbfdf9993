/**
 * Snapshots: the full list of a case's alerts (time, priority, rule, output fields) in a
 * JSON file beside the spec, compared on every run and rewritten by `--update`.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { formatIsoNs } from '../scap/time.js';
import type { DiffLine, Failure, FieldValue, SnapshotExpectation } from './expectations.js';
import type { TestAlert } from './types.js';

export const SNAPSHOT_VERSION = 1;

export interface SnapshotAlert {
  /** ISO 8601 with nanoseconds, UTC. */
  readonly time: string;
  readonly rule: string;
  readonly priority: string;
  /** Sorted by name. */
  readonly fields: Readonly<Record<string, FieldValue>>;
}

export interface SnapshotFile {
  readonly version: number;
  readonly case: string;
  readonly alerts: readonly SnapshotAlert[];
}

export function toSnapshotAlert(a: TestAlert): SnapshotAlert {
  const fields: Record<string, FieldValue> = {};
  for (const k of Object.keys(a.outputFields).sort()) fields[k] = a.outputFields[k] ?? null;
  return { time: formatIsoNs(a.time), rule: a.rule, priority: a.priority, fields };
}

/** The file text: one alert per line, so a reviewed change reads as a line diff. */
export function renderSnapshot(caseName: string, alerts: readonly SnapshotAlert[]): string {
  const lines = alerts.map((a) => `    ${JSON.stringify(a)}`);
  return `{\n  "version": ${SNAPSHOT_VERSION},\n  "case": ${JSON.stringify(caseName)},\n  "alerts": [${lines.length ? `\n${lines.join(',\n')}\n  ` : ''}]\n}\n`;
}

export class SnapshotReadError extends Error {}

export function parseSnapshot(text: string, file: string): SnapshotFile {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new SnapshotReadError(`${file}: not valid JSON (${(e as Error).message}); rewrite it with --update`);
  }
  const o = v as Partial<SnapshotFile> | null;
  if (o === null || typeof o !== 'object' || !Array.isArray(o.alerts)) throw new SnapshotReadError(`${file}: not a falco-scap snapshot; rewrite it with --update`);
  const alerts: SnapshotAlert[] = [];
  for (const a of o.alerts as unknown[]) {
    const x = a as Partial<SnapshotAlert> | null;
    if (x === null || typeof x !== 'object' || typeof x.time !== 'string' || typeof x.rule !== 'string' || typeof x.priority !== 'string' || typeof x.fields !== 'object' || x.fields === null) {
      throw new SnapshotReadError(`${file}: malformed alert entry ${JSON.stringify(a)}; rewrite it with --update`);
    }
    const src = x.fields as Record<string, FieldValue>;
    const fields: Record<string, FieldValue> = {};
    for (const k of Object.keys(src).sort()) fields[k] = src[k] ?? null;
    alerts.push({ time: x.time, rule: x.rule, priority: x.priority, fields });
  }
  return { version: typeof o.version === 'number' ? o.version : SNAPSHOT_VERSION, case: typeof o.case === 'string' ? o.case : '', alerts };
}

function key(a: SnapshotAlert): string {
  return JSON.stringify([a.time, a.rule, a.priority, a.fields]);
}

function line(a: SnapshotAlert): string {
  const f = Object.entries(a.fields).map(([k, v]) => `${k}=${typeof v === 'string' && /^[\x21-\x7e]+$/.test(v) && !v.includes('"') ? v : JSON.stringify(v)}`);
  return `${a.time} ${a.priority} ${a.rule}${f.length ? '  ' + f.join(' ') : ''}`;
}

type Op = { op: '=' | '-' | '+'; a: SnapshotAlert };

/** Edit script from `from` to `to`: common prefix/suffix, then an LCS of the middle (bounded). */
function editScript(from: readonly SnapshotAlert[], to: readonly SnapshotAlert[]): Op[] {
  const fk = from.map(key);
  const tk = to.map(key);
  let pre = 0;
  while (pre < fk.length && pre < tk.length && fk[pre] === tk[pre]) pre++;
  let suf = 0;
  while (suf < fk.length - pre && suf < tk.length - pre && fk[fk.length - 1 - suf] === tk[tk.length - 1 - suf]) suf++;
  const ops: Op[] = from.slice(0, pre).map((a) => ({ op: '=', a }));
  const n = fk.length - pre - suf;
  const m = tk.length - pre - suf;
  if (n * m > 4_000_000) {
    for (let i = 0; i < n; i++) ops.push({ op: '-', a: from[pre + i]! });
    for (let j = 0; j < m; j++) ops.push({ op: '+', a: to[pre + j]! });
  } else {
    // lcs[i][j] = LCS length of from[pre+i..] and to[pre+j..]
    const w = m + 1;
    const lcs = new Uint32Array((n + 1) * w);
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        lcs[i * w + j] = fk[pre + i] === tk[pre + j] ? lcs[(i + 1) * w + j + 1]! + 1 : Math.max(lcs[(i + 1) * w + j]!, lcs[i * w + j + 1]!);
      }
    }
    let i = 0;
    let j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && fk[pre + i] === tk[pre + j]) {
        ops.push({ op: '=', a: from[pre + i]! });
        i++;
        j++;
      } else if (j < m && (i >= n || lcs[i * w + j + 1]! >= lcs[(i + 1) * w + j]!)) {
        ops.push({ op: '+', a: to[pre + j]! });
        j++;
      } else {
        ops.push({ op: '-', a: from[pre + i]! });
        i++;
      }
    }
  }
  for (const a of from.slice(from.length - suf)) ops.push({ op: '=', a });
  return ops;
}

const MAX_DIFF_LINES = 80;

/** A readable diff: `-` only in the snapshot, `+` only in this run, `~` the same event and rule with changed fields. */
export function diffSnapshot(expected: readonly SnapshotAlert[], actual: readonly SnapshotAlert[]): DiffLine[] {
  const ops = editScript(expected, actual);
  const out: DiffLine[] = [];
  let same = 0;
  const flushSame = () => {
    if (same > 0) out.push({ sign: ' ', text: `… ${same} unchanged alert${same === 1 ? '' : 's'}` });
    same = 0;
  };
  for (let i = 0; i < ops.length; ) {
    if (ops[i]!.op === '=') {
      same++;
      i++;
      continue;
    }
    flushSame();
    const removed: SnapshotAlert[] = [];
    const added: SnapshotAlert[] = [];
    while (i < ops.length && ops[i]!.op !== '=') {
      const o = ops[i++]!;
      (o.op === '-' ? removed : added).push(o.a);
    }
    const usedAdded = new Set<number>();
    for (const r of removed) {
      const k = added.findIndex((a, idx) => !usedAdded.has(idx) && a.time === r.time && a.rule === r.rule);
      if (k < 0) {
        out.push({ sign: '-', text: line(r) });
        continue;
      }
      usedAdded.add(k);
      const a = added[k]!;
      out.push({ sign: '~', text: `${r.time} ${r.rule}` });
      if (a.priority !== r.priority) {
        out.push({ sign: '-', text: `    priority: ${r.priority}` });
        out.push({ sign: '+', text: `    priority: ${a.priority}` });
      }
      const names = [...new Set([...Object.keys(r.fields), ...Object.keys(a.fields)])].sort();
      for (const n of names) {
        const rv = Object.hasOwn(r.fields, n) ? JSON.stringify(r.fields[n]) : undefined;
        const av = Object.hasOwn(a.fields, n) ? JSON.stringify(a.fields[n]) : undefined;
        if (rv === av) continue;
        if (rv !== undefined) out.push({ sign: '-', text: `    ${n}: ${rv}` });
        if (av !== undefined) out.push({ sign: '+', text: `    ${n}: ${av}` });
      }
    }
    added.forEach((a, idx) => {
      if (!usedAdded.has(idx)) out.push({ sign: '+', text: line(a) });
    });
  }
  flushSame();
  if (out.length > MAX_DIFF_LINES) {
    const more = out.length - MAX_DIFF_LINES;
    out.length = MAX_DIFF_LINES;
    out.push({ sign: ' ', text: `… ${more} more diff lines` });
  }
  return out;
}

export interface SnapshotResult {
  readonly failure?: Failure;
  /** Set when the file was written: created or changed. */
  readonly written?: 'created' | 'updated';
}

function readIfExists(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

function writeAtomically(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

/**
 * Compare a case's alerts with its snapshot, or (update) rewrite the snapshot when it
 * differs or is missing. A missing snapshot without `update` is a failure, so CI never
 * passes on a snapshot nobody reviewed.
 */
export function checkSnapshot(exp: SnapshotExpectation, caseName: string, alerts: readonly TestAlert[], update: boolean, displayPath: string): SnapshotResult {
  const actual = alerts.map(toSnapshotAlert);
  const text = renderSnapshot(caseName, actual);
  const current = readIfExists(exp.file);
  if (update) {
    if (current === text) return {};
    writeAtomically(exp.file, text);
    return { written: current === undefined ? 'created' : 'updated' };
  }
  if (current === undefined) {
    return {
      failure: {
        kind: 'snapshot',
        pos: exp.pos,
        message: `snapshot ${displayPath} does not exist; run with --update to create it (${actual.length} alert${actual.length === 1 ? '' : 's'})`,
        diff: [],
      },
    };
  }
  let stored: SnapshotFile;
  try {
    stored = parseSnapshot(current, displayPath);
  } catch (e) {
    if (e instanceof SnapshotReadError) return { failure: { kind: 'snapshot', pos: exp.pos, message: e.message, diff: [] } };
    throw e;
  }
  const diff = diffSnapshot(stored.alerts, actual);
  if (stored.alerts.length === actual.length && stored.alerts.every((a, i) => key(a) === key(actual[i]!))) return {};
  return {
    failure: {
      kind: 'snapshot',
      pos: exp.pos,
      message: `snapshot ${displayPath}: ${stored.alerts.length} alert${stored.alerts.length === 1 ? '' : 's'} stored, ${actual.length} now (- snapshot, + this run; --update to accept)`,
      diff,
    },
  };
}
