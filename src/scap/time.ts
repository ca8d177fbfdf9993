import { InputError } from '../errors.js';

/**
 * A point in a capture's timeline: absolute (ns since the epoch) or relative to the
 * first event of the capture.
 */
export type TimePoint = { kind: 'absolute'; ns: bigint } | { kind: 'relative'; ns: bigint };

const UNIT_NS: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

/** Parses "1.5s", "200ms", "2m" into nanoseconds; undefined when it is not a duration. */
export function parseDuration(text: string): bigint | undefined {
  const m = /^(\d+)(?:\.(\d+))?(ns|us|ms|s|m|h)$/.exec(text.trim());
  if (!m) return undefined;
  const unit = UNIT_NS[m[3]!]!;
  const whole = BigInt(m[1]!) * unit;
  if (!m[2]) return whole;
  const frac = m[2];
  return whole + (BigInt(frac) * unit) / 10n ** BigInt(frac.length);
}

/**
 * Accepted forms: a duration from the first event ("+10s", "10s", "1500ms"), nanoseconds
 * since the epoch (as sysdig prints %evt.rawtime), or an ISO 8601 date-time.
 */
export function parseTimePoint(text: string, flag: string): TimePoint {
  const t = text.trim();
  const rel = parseDuration(t.startsWith('+') ? t.slice(1) : t);
  if (rel !== undefined) return { kind: 'relative', ns: rel };
  if (/^\d{10,}$/.test(t)) return { kind: 'absolute', ns: BigInt(t) };
  if (/^\d{4}-\d{2}-\d{2}/.test(t)) {
    const m = /^(.*?)(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?$/.exec(t);
    const ms = Date.parse(m && m[2] ? `${m[1]}${m[3] ?? ''}` : t);
    if (!Number.isNaN(ms)) {
      const fracNs = m && m[2] ? BigInt(m[2].padEnd(9, '0')) : 0n;
      return { kind: 'absolute', ns: BigInt(ms) * 1_000_000n + fracNs };
    }
  }
  throw new InputError(`${flag}: cannot parse time '${text}' (use a duration like 10s or 250ms from the first event, nanoseconds since the epoch, or an ISO 8601 date)`);
}

export function resolveTimePoint(p: TimePoint, firstEventNs: bigint): bigint {
  return p.kind === 'absolute' ? p.ns : firstEventNs + p.ns;
}

/** ns since the epoch as ISO 8601 with nanoseconds, UTC. */
export function formatIsoNs(ns: bigint): string {
  const ms = ns / 1_000_000n;
  const iso = new Date(Number(ms)).toISOString();
  return `${iso.slice(0, 19)}.${(ns % 1_000_000_000n).toString().padStart(9, '0')}Z`;
}
