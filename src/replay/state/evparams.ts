/**
 * Allocation-free readers for event parameters, for the state engine's hot path. They read
 * from an EventView or from a stored enter event and treat a missing or empty parameter
 * as absent (libsinsp's `param->empty()`).
 */
import { readInt64 } from '../../scap/event.js';
import type { EventView } from '../../scap/event.js';
import { EVENT_TABLE } from '../../scap/event-table.js';
import type { StoredEnterEvent } from './model.js';

/** Something parameters can be read from: the live event or a stored enter event. */
export interface ParamSource {
  readonly buf: Buffer;
  readonly le: boolean;
  readonly nparams: number;
  /** Offset of parameter `i`, -1 when absent. */
  off(i: number): number;
  len(i: number): number;
}

/** Adapts the reader's reused EventView (one instance per HostState, rebound per event). */
export class ViewSource implements ParamSource {
  ev: EventView | undefined;
  buf: Buffer = Buffer.alloc(0);
  le = true;
  nparams = 0;
  /** Points the source at the current event (the view's buffer, byte order and count). */
  bind(ev: EventView): void {
    this.ev = ev;
    this.buf = ev.buf;
    this.le = ev.le;
    this.nparams = ev.nparams;
  }
  off(i: number): number {
    return this.ev!.paramOffset(i);
  }
  len(i: number): number {
    return i < 0 || i >= this.nparams ? 0 : this.ev!.paramLen(i);
  }
}

export class StoredSource implements ParamSource {
  st: StoredEnterEvent | undefined;
  get buf(): Buffer {
    return this.st!.buf;
  }
  get le(): boolean {
    return this.st!.le;
  }
  get nparams(): number {
    return this.st!.nparams;
  }
  off(i: number): number {
    return i < 0 || i >= this.st!.nparams ? -1 : this.st!.offsets[i]!;
  }
  len(i: number): number {
    return i < 0 || i >= this.st!.nparams ? 0 : this.st!.lengths[i]!;
  }
}

/** True when parameter `i` is present with a non-empty value. */
export function has(s: ParamSource, i: number): boolean {
  return i >= 0 && i < s.nparams && s.len(i) > 0;
}

/** Signed integer of `n` (1, 2, 4, 8) bytes at `o`; `dflt` for any other width. */
function intAt(b: Buffer, o: number, n: number, le: boolean, dflt: number): number {
  if (le) {
    // Little-endian (every current capture): plain byte arithmetic, no method calls.
    switch (n) {
      case 8: {
        const lo = (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16)) + b[o + 3]! * 16777216;
        const hi = b[o + 4]! | (b[o + 5]! << 8) | (b[o + 6]! << 16) | (b[o + 7]! << 24);
        return hi === 0 ? lo : hi * 4294967296 + lo;
      }
      case 4:
        return b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24);
      case 2:
        return ((b[o]! | (b[o + 1]! << 8)) << 16) >> 16;
      case 1:
        return (b[o]! << 24) >> 24;
      default:
        return dflt;
    }
  }
  switch (n) {
    case 8:
      return readInt64(b, o, false);
    case 4:
      return b.readInt32BE(o);
    case 2:
      return b.readInt16BE(o);
    case 1:
      return b.readInt8(o);
    default:
      return dflt;
  }
}

/** Unsigned integer of up to 4 bytes at `o` (8-byte values: their low 32 bits); `dflt` for other widths. */
function uintAt(b: Buffer, o: number, n: number, le: boolean, dflt: number): number {
  if (le) {
    switch (n) {
      case 8:
      case 4:
        return (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16)) + b[o + 3]! * 16777216;
      case 2:
        return b[o]! | (b[o + 1]! << 8);
      case 1:
        return b[o]!;
      default:
        return dflt;
    }
  }
  switch (n) {
    case 8:
      return b.readUInt32BE(o + 4);
    case 4:
      return b.readUInt32BE(o);
    case 2:
      return b.readUInt16BE(o);
    case 1:
      return b[o]!;
    default:
      return dflt;
  }
}

/** Signed integer of any width (1, 2, 4, 8 bytes); `dflt` when absent. */
export function int(s: ParamSource, i: number, dflt = 0): number {
  if (i < 0 || i >= s.nparams) return dflt;
  return intAt(s.buf, s.off(i), s.len(i), s.le, dflt);
}

/** Unsigned integer of up to 4 bytes (8-byte values are read as their low 32 bits); `dflt` when absent. */
export function uint(s: ParamSource, i: number, dflt = 0): number {
  if (i < 0 || i >= s.nparams) return dflt;
  return uintAt(s.buf, s.off(i), s.len(i), s.le, dflt);
}

/** `int` straight from the live event view (for the hottest parsers). */
export function viewInt(ev: EventView, i: number, dflt = 0): number {
  if (i < 0 || i >= ev.nparams) return dflt;
  return intAt(ev.buf, ev.paramOffset(i), ev.paramLen(i), ev.le, dflt);
}

/** `uint` straight from the live event view. */
export function viewUint(ev: EventView, i: number, dflt = 0): number {
  if (i < 0 || i >= ev.nparams) return dflt;
  return uintAt(ev.buf, ev.paramOffset(i), ev.paramLen(i), ev.le, dflt);
}

/** Unsigned 64-bit value as a bigint; `dflt` when absent. */
export function u64(s: ParamSource, i: number, dflt = 0n): bigint {
  if (i < 0 || i >= s.nparams) return dflt;
  const n = s.len(i);
  const o = s.off(i);
  if (n === 8) return s.le ? s.buf.readBigUInt64LE(o) : s.buf.readBigUInt64BE(o);
  if (n === 4) return BigInt(s.le ? s.buf.readUInt32LE(o) : s.buf.readUInt32BE(o));
  return dflt;
}

/** A string parameter: the bytes before the first NUL. `dflt` when absent. */
export function str(s: ParamSource, i: number, dflt = ''): string {
  if (i < 0 || i >= s.nparams) return dflt;
  const n = s.len(i);
  if (n === 0) return dflt;
  const o = s.off(i);
  const b = s.buf;
  let e = o;
  const end = o + n;
  while (e < end && b[e] !== 0) e++;
  return b.toString('utf8', o, e);
}

/** NUL-separated list (args, env, cgroups): a trailing NUL does not add an empty item. */
export function strList(s: ParamSource, i: number): string[] {
  const out: string[] = [];
  if (i < 0 || i >= s.nparams) return out;
  let n = s.len(i);
  if (n === 0) return out;
  const o = s.off(i);
  const b = s.buf;
  if (b[o + n - 1] === 0) n--;
  let start = o;
  const end = o + n;
  for (let p = o; p <= end; p++) {
    if (p === end || b[p] === 0) {
      out.push(b.toString('utf8', start, p));
      start = p + 1;
    }
  }
  return out;
}

/**
 * A parameter decoded once per distinct byte content, from a small ring of recent ones:
 * execve and clone carry the same environment and cgroups over and over, container events
 * the same JSON, and decoding them was most of what those parsers cost. A hit returns the
 * same value as before, so values are shared (lists between threads) and must never be
 * changed in place (the state engine only ever replaces them). Absent or empty parameters
 * are not remembered: `decode` gets them every time.
 */
export class BytesMemo<T> {
  private readonly keys: Buffer[] = [];
  private readonly values: T[] = [];
  private next = 0;
  constructor(
    private readonly decode: (s: ParamSource, i: number) => T,
    private readonly size = 8,
  ) {}

  get(s: ParamSource, i: number): T {
    if (i < 0 || i >= s.nparams) return this.decode(s, i);
    const n = s.len(i);
    if (n === 0) return this.decode(s, i);
    const o = s.off(i);
    const b = s.buf;
    const keys = this.keys;
    for (let k = 0; k < keys.length; k++) {
      const key = keys[k]!;
      if (key.length === n && b.compare(key, 0, n, o, o + n) === 0) return this.values[k]!;
    }
    const value = this.decode(s, i);
    const key = Buffer.allocUnsafe(n);
    b.copy(key, 0, o, o + n);
    const slot = this.next;
    this.next = (slot + 1) % this.size;
    keys[slot] = key;
    this.values[slot] = value;
    return value;
  }
}

/** Raw bytes of a parameter (a view), or undefined when absent/empty. */
export function bytes(s: ParamSource, i: number): Buffer | undefined {
  if (!has(s, i)) return undefined;
  const o = s.off(i);
  return s.buf.subarray(o, o + s.len(i));
}

const indexTables: Map<string, Int16Array> = new Map();
/** For each parameter name, (code, position) pairs of its first occurrence in each schema. */
let positionsByName: Map<string, number[]> | undefined;

function namePositions(): Map<string, number[]> {
  // One pass over the event table for every name: parsers ask for ~60 tables at start-up,
  // and a scan of the table per name was a visible part of a short run.
  const m = new Map<string, number[]>();
  for (let code = 0; code < EVENT_TABLE.length; code++) {
    const params = EVENT_TABLE[code]?.params;
    if (params === undefined) continue;
    for (let i = 0; i < params.length; i++) {
      const name = params[i]!.name;
      let list = m.get(name);
      if (list === undefined) m.set(name, (list = []));
      // Only the first parameter of that name in this schema.
      if (list.length === 0 || list[list.length - 2] !== code) list.push(code, i);
    }
  }
  return m;
}

/**
 * Positions of the parameter called `name` by event code (-1 where a schema has none),
 * built once per name: parsers hold these tables, so finding a parameter by name costs
 * one typed-array read per event instead of map lookups.
 */
export function paramIndexTable(name: string): Int16Array {
  let t = indexTables.get(name);
  if (t === undefined) {
    t = new Int16Array(EVENT_TABLE.length).fill(-1);
    const pairs = (positionsByName ??= namePositions()).get(name);
    if (pairs !== undefined) for (let k = 0; k < pairs.length; k += 2) t[pairs[k]!] = pairs[k + 1]!;
    indexTables.set(name, t);
  }
  return t;
}

/** Index of the parameter called `name` in event `code`'s schema, -1 when it has none. */
export function paramIndex(code: number, name: string): number {
  return paramIndexTable(name)[code] ?? -1;
}

/** Copies an enter event into `into` (reusing its buffers when large enough). */
export function storeEnter(ev: EventView, into: StoredEnterEvent | undefined): StoredEnterEvent {
  const n = ev.nparams;
  let st = into;
  if (st === undefined) {
    st = { type: 0, buf: Buffer.allocUnsafe(Math.max(256, ev.len)), len: 0, le: ev.le, nparams: 0, offsets: new Int32Array(Math.max(8, n)), lengths: new Int32Array(Math.max(8, n)) };
  }
  if (st.buf.length < ev.len) st.buf = Buffer.allocUnsafe(ev.len * 2);
  if (st.offsets.length < n) {
    st.offsets = new Int32Array(n * 2);
    st.lengths = new Int32Array(n * 2);
  }
  st.type = ev.type;
  st.le = ev.le;
  st.nparams = n;
  // Copy the parameter values only (the header is never read back).
  let w = 0;
  for (let k = 0; k < n; k++) {
    const o = ev.paramOffset(k);
    const l = ev.paramLen(k);
    ev.buf.copy(st.buf, w, o, o + l);
    st.offsets[k] = w;
    st.lengths[k] = l;
    w += l;
  }
  st.len = w;
  return st;
}
