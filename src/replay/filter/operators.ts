/**
 * Comparison operators: which types accept which operator, how constants are parsed for
 * them, and the per-value tests (libsinsp semantics: `flt_is_comparable`, `flt_compare`).
 */
import type { BinaryOperator, OperatorModifier } from './ast.js';
import type { FieldType, IpAddr, ScalarValue, ValueMode } from '../fields/types.js';
import { isNetType, isNumericType, isStringType } from '../fields/types.js';
import { compileEre, type EreMatcher } from './ere.js';
import { compileGlob } from './glob.js';
import {
  ValueError,
  ipEqual,
  ipInNet,
  ipKey,
  normalizeInt,
  parseBool,
  parseIpAddr,
  parseIpNet,
  parseNumeric,
  toBytes,
  unhex,
  type IpNet,
} from './values.js';

/** Operators after folding `==` into `=`. */
export type Op = Exclude<BinaryOperator, '=='> | 'exists';

export function normalizeOp(op: BinaryOperator | 'exists'): Op {
  return op === '==' ? '=' : op;
}

type Family = 'numeric' | 'bool' | 'string' | 'bytes' | 'ip' | 'other';

export function familyOf(t: FieldType): Family {
  if (isNumericType(t)) return 'numeric';
  if (t === 'bool') return 'bool';
  if (isStringType(t)) return 'string';
  if (t === 'bytebuf') return 'bytes';
  if (t === 'ipaddr' || t === 'ipv4addr' || t === 'ipv6addr' || isNetType(t)) return 'ip';
  return 'other';
}

const ALLOWED: Readonly<Record<Family, readonly Op[]>> = {
  numeric: ['=', '!=', '<', '<=', '>', '>=', 'in', 'intersects', 'exists'],
  bool: ['=', '!=', 'in', 'intersects', 'exists'],
  string: [
    '=',
    '!=',
    '<',
    '<=',
    '>',
    '>=',
    'contains',
    'icontains',
    'startswith',
    'endswith',
    'glob',
    'iglob',
    'pmatch',
    'regex',
    'in',
    'intersects',
    'exists',
  ],
  bytes: ['=', '!=', 'contains', 'bcontains', 'startswith', 'bstartswith', 'endswith', 'in', 'intersects', 'exists'],
  ip: ['=', '!=', 'in', 'intersects', 'exists'],
  other: ['exists'],
};

const LIST_TYPES: readonly FieldType[] = ['charbuf', 'uint64', 'reltime', 'abstime', 'bool', 'ipaddr', 'ipnet'];

/** An error message when `op` cannot be applied to a value of `type`/`mode`, else undefined. */
export function checkOperator(op: Op, type: FieldType, mode: ValueMode, modifier: OperatorModifier | undefined): string | undefined {
  if (op === 'exists') return undefined;
  if (mode === 'list') {
    if (!LIST_TYPES.includes(type)) return `list fields of type ${type} cannot be compared`;
    if (op !== 'in' && op !== 'intersects') return `only 'exists', 'in' and 'intersects' can be used with list fields`;
    return undefined;
  }
  const fam = familyOf(type);
  if (!ALLOWED[fam].includes(op)) {
    const what =
      fam === 'numeric'
        ? 'numeric'
        : fam === 'bool'
          ? 'boolean'
          : fam === 'string'
            ? 'string'
            : fam === 'bytes'
              ? 'byte buffer'
              : fam === 'ip'
                ? 'IP address and network'
                : type;
    return `operator '${op}' is not supported for ${what} fields`;
  }
  if (modifier !== undefined && fam === 'ip' && op !== '=' && op !== '!=') {
    return `operator '${op} ${modifier}' is not supported for IP address and network fields`;
  }
  return undefined;
}

// ---- constants ----------------------------------------------------------------------------

/** A parsed right-hand constant. */
export type Constant =
  | { readonly k: 'num'; readonly v: number | bigint }
  | { readonly k: 'bool'; readonly v: boolean }
  | { readonly k: 'str'; readonly v: string }
  | { readonly k: 'bytes'; readonly v: Uint8Array }
  | { readonly k: 'ip'; readonly v: IpAddr }
  | { readonly k: 'net'; readonly v: IpNet }
  | { readonly k: 'regex'; readonly v: EreMatcher };

function ipFamily(t: FieldType): 4 | 6 | undefined {
  return t === 'ipv4addr' || t === 'ipv4net' ? 4 : t === 'ipv6addr' || t === 'ipv6net' ? 6 : undefined;
}

/**
 * Parses one constant for `op` on a field of `type`. Throws `ValueError` or
 * `RegexSyntaxError` with a message (no position).
 */
export function parseConstant(op: Op, type: FieldType, raw: string): Constant {
  if (raw.includes('\0')) throw new ValueError('values cannot contain a NUL character');
  if (op === 'bcontains' || op === 'bstartswith') {
    const b = unhex(raw);
    if (!b) throw new ValueError(`'${op}' needs a hex string (an even number of hex digits), got '${raw}'`);
    return { k: 'bytes', v: b };
  }
  switch (familyOf(type)) {
    case 'numeric':
      return { k: 'num', v: parseNumeric(raw, type) };
    case 'bool':
      return { k: 'bool', v: parseBool(raw) };
    case 'string':
      if (op === 'regex') return { k: 'regex', v: compileEre(raw) };
      return { k: 'str', v: raw };
    case 'bytes':
      return { k: 'bytes', v: toBytes(raw) };
    case 'ip': {
      const fam = ipFamily(type);
      if (isNetType(type) || raw.includes('/')) {
        try {
          return { k: 'net', v: parseIpNet(raw, fam) };
        } catch (e) {
          if (fam === undefined && e instanceof ValueError && !raw.includes('/')) {
            throw new ValueError(`'${raw}' is not a valid IP network (expected address/prefix-length)`);
          }
          throw e;
        }
      }
      try {
        return { k: 'ip', v: parseIpAddr(raw, fam) };
      } catch (e) {
        if (fam === undefined && e instanceof ValueError) throw new ValueError(`'${raw}' is not a valid IP address`);
        throw e;
      }
    }
    case 'other':
      return { k: 'str', v: raw };
  }
}

// ---- per-value tests ----------------------------------------------------------------------

/** Compares strings by code point, which is the byte order of their UTF-8 forms (strcmp). */
export function compareStrings(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // surrogates (astral code points) sort after every BMP character in UTF-8
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs !== ys) return xs ? 1 : -1;
    return x < y ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

function asciiLower(s: string): string {
  return /[A-Z]/.test(s) ? s.replace(/[A-Z]+/g, (m) => m.toLowerCase()) : s;
}

function bytesOf(v: ScalarValue): Uint8Array {
  return v instanceof Uint8Array ? v : toBytes(String(v));
}

function bytesIndexOf(h: Uint8Array, n: Uint8Array): number {
  if (n.length === 0) return 0;
  const first = n[0]!;
  const last = h.length - n.length;
  outer: for (let i = h.indexOf(first); i !== -1 && i <= last; i = h.indexOf(first, i + 1)) {
    for (let j = 1; j < n.length; j++) if (h[i + j] !== n[j]) continue outer;
    return i;
  }
  return -1;
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function bytesStartsWith(a: Uint8Array, p: Uint8Array): boolean {
  if (p.length > a.length) return false;
  for (let i = 0; i < p.length; i++) if (a[i] !== p[i]) return false;
  return true;
}

function bytesEndsWith(a: Uint8Array, p: Uint8Array): boolean {
  if (p.length > a.length) return false;
  const off = a.length - p.length;
  for (let i = 0; i < p.length; i++) if (a[off + i] !== p[i]) return false;
  return true;
}

function toNum(v: ScalarValue): number | bigint {
  if (typeof v === 'number' || typeof v === 'bigint') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return Number(v);
}

function toBool(v: ScalarValue): boolean {
  return v === true || v === 1 || v === 1n;
}

function numKey(v: number | bigint): number | bigint {
  return typeof v === 'bigint' ? normalizeInt(v) : v;
}

/** Path-prefix matching (`pmatch`): `/usr` matches `/usr` and `/usr/bin/x`, not `/usrx`. */
export function compilePmatch(paths: readonly string[]): (path: string) => boolean {
  const split = (p: string): string[] => p.split('/').filter((c) => c !== '');
  const patterns = paths.map((p) =>
    split(p).map((c) => (/[?*[]/.test(c) ? { glob: compileGlob(c) } : { lit: c })),
  );
  if (patterns.some((p) => p.length === 0)) return () => true; // `/` is a prefix of everything
  const allLiteral = patterns.every((p) => p.every((c) => 'lit' in c));
  // Fast path for literal patterns and canonical absolute paths: plain prefix tests.
  const prefixes = allLiteral ? patterns.map((p) => '/' + p.map((c) => (c as { lit: string }).lit).join('/')) : [];
  const slow = (path: string): boolean => {
    const comps = split(path);
    outer: for (const pat of patterns) {
      if (pat.length > comps.length) continue;
      for (let i = 0; i < pat.length; i++) {
        const pc = pat[i]!;
        const c = comps[i]!;
        if ('lit' in pc ? pc.lit !== c : !pc.glob(c)) continue outer;
      }
      return true;
    }
    return false;
  };
  if (!allLiteral) return slow;
  return (path) => {
    if (path.charCodeAt(0) !== 47 /* / */ || path.includes('//')) return slow(path);
    for (const pre of prefixes) {
      if (path.startsWith(pre) && (path.length === pre.length || path.charCodeAt(pre.length) === 47)) return true;
    }
    return false;
  };
}

/** Tests a value against one constant with `op` (not `in`/`intersects`/`pmatch`). */
export function constantTest(op: Op, c: Constant): (v: ScalarValue) => boolean {
  switch (c.k) {
    case 'num': {
      const k = c.v;
      switch (op) {
        case '=':
        case 'in':
        case 'intersects':
          return (v) => toNum(v) == k;
        case '!=':
          return (v) => toNum(v) != k;
        case '<':
          return (v) => toNum(v) < k;
        case '<=':
          return (v) => toNum(v) <= k;
        case '>':
          return (v) => toNum(v) > k;
        case '>=':
          return (v) => toNum(v) >= k;
        default:
          return () => false;
      }
    }
    case 'bool': {
      const k = c.v;
      return op === '!=' ? (v) => toBool(v) !== k : (v) => toBool(v) === k;
    }
    case 'ip': {
      const k = c.v;
      return op === '!=' ? (v) => !ipEqual(v as IpAddr, k) : (v) => ipEqual(v as IpAddr, k);
    }
    case 'net': {
      const k = c.v;
      return op === '!=' ? (v) => !ipInNet(v as IpAddr, k) : (v) => ipInNet(v as IpAddr, k);
    }
    case 'regex': {
      const re = c.v;
      return (v) => re.test(String(v));
    }
    case 'bytes': {
      const k = c.v;
      switch (op) {
        case '=':
        case 'in':
        case 'intersects':
          return (v) => bytesEqual(bytesOf(v), k);
        case '!=':
          return (v) => !bytesEqual(bytesOf(v), k);
        case 'contains':
        case 'bcontains':
          return (v) => bytesIndexOf(bytesOf(v), k) !== -1;
        case 'startswith':
        case 'bstartswith':
          return (v) => bytesStartsWith(bytesOf(v), k);
        case 'endswith':
          return (v) => bytesEndsWith(bytesOf(v), k);
        default:
          return () => false;
      }
    }
    case 'str': {
      const k = c.v;
      switch (op) {
        case '=':
        case 'in':
        case 'intersects':
          return (v) => v === k;
        case '!=':
          return (v) => v !== k;
        case 'contains':
          return (v) => String(v).includes(k);
        case 'icontains': {
          const lk = asciiLower(k);
          return (v) => asciiLower(String(v)).includes(lk);
        }
        case 'startswith':
          return (v) => String(v).startsWith(k);
        case 'endswith':
          return (v) => String(v).endsWith(k);
        case 'glob': {
          const g = compileGlob(k);
          return (v) => g(String(v));
        }
        case 'iglob': {
          const g = compileGlob(k, true);
          return (v) => g(String(v));
        }
        case 'pmatch': {
          const m = compilePmatch([k]);
          return (v) => m(String(v));
        }
        case '<':
          return (v) => compareStrings(String(v), k) < 0;
        case '<=':
          return (v) => compareStrings(String(v), k) <= 0;
        case '>':
          return (v) => compareStrings(String(v), k) > 0;
        case '>=':
          return (v) => compareStrings(String(v), k) >= 0;
        default:
          return () => false;
      }
    }
  }
}

/** A membership test for `in`/`intersects` over constants. */
export function setTest(constants: readonly Constant[]): (v: ScalarValue) => boolean {
  if (constants.length === 0) return () => false;
  const kinds = new Set(constants.map((c) => c.k));
  if (kinds.size === 1 && kinds.has('str')) {
    const set = new Set(constants.map((c) => c.v as string));
    return (v) => set.has(v as string);
  }
  if (kinds.size === 1 && kinds.has('num')) {
    const set = new Set(constants.map((c) => numKey(c.v as number | bigint)));
    return (v) => {
      const n = toNum(v);
      return set.has(numKey(n));
    };
  }
  if (kinds.size === 1 && kinds.has('ip')) {
    const set = new Set(constants.map((c) => ipKey(c.v as IpAddr)));
    return (v) => set.has(ipKey(v as IpAddr));
  }
  const tests = constants.map((c) => constantTest('=', c));
  return (v) => {
    for (const t of tests) if (t(v)) return true;
    return false;
  };
}

/** A test against a right-hand field value extracted for the same event (`val(...)`). */
export function fieldPairTest(op: Op, type: FieldType): (a: ScalarValue, b: ScalarValue) => boolean {
  const fam = familyOf(type);
  if (fam === 'numeric') {
    switch (op) {
      case '=':
      case 'in':
      case 'intersects':
        return (a, b) => toNum(a) == toNum(b);
      case '!=':
        return (a, b) => toNum(a) != toNum(b);
      case '<':
        return (a, b) => toNum(a) < toNum(b);
      case '<=':
        return (a, b) => toNum(a) <= toNum(b);
      case '>':
        return (a, b) => toNum(a) > toNum(b);
      case '>=':
        return (a, b) => toNum(a) >= toNum(b);
      default:
        return () => false;
    }
  }
  if (fam === 'bool') return op === '!=' ? (a, b) => toBool(a) !== toBool(b) : (a, b) => toBool(a) === toBool(b);
  if (fam === 'ip') return op === '!=' ? (a, b) => !ipEqual(a as IpAddr, b as IpAddr) : (a, b) => ipEqual(a as IpAddr, b as IpAddr);
  if (fam === 'bytes') {
    return (a, b) => constantTest(op, { k: 'bytes', v: bytesOf(b) })(a);
  }
  // strings: constant tests built per pair (glob needs compiling; acceptable for val())
  switch (op) {
    case '=':
    case 'in':
    case 'intersects':
      return (a, b) => a === b;
    case '!=':
      return (a, b) => a !== b;
    case 'contains':
      return (a, b) => String(a).includes(String(b));
    case 'icontains':
      return (a, b) => asciiLower(String(a)).includes(asciiLower(String(b)));
    case 'startswith':
      return (a, b) => String(a).startsWith(String(b));
    case 'endswith':
      return (a, b) => String(a).endsWith(String(b));
    case 'glob':
    case 'iglob': {
      // the pattern comes from the event: keep the last compiled one
      const ci = op === 'iglob';
      let lastPattern: string | undefined;
      let lastMatcher: (s: string) => boolean = () => false;
      return (a, b) => {
        const pat = String(b);
        if (pat !== lastPattern) {
          lastPattern = pat;
          lastMatcher = compileGlob(pat, ci);
        }
        return lastMatcher(String(a));
      };
    }
    case '<':
      return (a, b) => compareStrings(String(a), String(b)) < 0;
    case '<=':
      return (a, b) => compareStrings(String(a), String(b)) <= 0;
    case '>':
      return (a, b) => compareStrings(String(a), String(b)) > 0;
    case '>=':
      return (a, b) => compareStrings(String(a), String(b)) >= 0;
    default:
      return () => false;
  }
}
