/**
 * POSIX extended regular expressions, as libsinsp evaluates `regex` (RE2 in POSIX mode,
 * whole-string match), translated to a JavaScript `RegExp`.
 *
 * The translation parses the pattern itself and emits an equivalent JS pattern built only
 * from escaped literals, classes and non-capturing groups, so no JS-only syntax can leak
 * through. Accepted syntax (RE2's POSIX profile):
 *
 * - literals; `.` (any character except newline); `^` / `$` (at a line boundary, since
 *   RE2's POSIX mode is not one-line);
 * - `[...]` / `[^...]` with ranges, `]` first as a literal, `[:alpha:]`-style classes
 *   (`[:^alpha:]` negated), and backslash escapes inside brackets;
 * - groups `(...)`, alternation `|` (empty alternatives allowed);
 * - repetition `*`, `+`, `?`, `{n}`, `{n,}`, `{n,m}` (at most 1000); a `{` that does not
 *   start a valid repetition is a literal; stacked repetitions such as `a**` are errors;
 * - escapes: `\` + punctuation, `\a \f \n \r \t \v`, octal `\0`, `\012`, hex `\x41`,
 *   `\x{263a}`.
 *
 * Rejected with an error: backreferences (`\1`), Perl classes (`\d \s \w`), word
 * boundaries (`\b`), Unicode classes (`\p{..}`), `(?...)` groups, lazy quantifiers.
 *
 * Matching: simple patterns run as a JS `RegExp`. Patterns whose backtracking could blow up
 * on hostile input (a repetition of something that itself repeats or alternates, or more
 * than two unbounded repetitions) run on a Thompson NFA simulation instead, which is
 * linear in the input like RE2.
 */

export class RegexSyntaxError extends Error {}

const MAX_REPEAT = 1000;
const MAX_CP = 0x10ffff;

type Ranges = readonly (readonly [number, number])[];

/** Parsed pattern. */
type Re =
  | { readonly k: 'empty' }
  | { readonly k: 'set'; readonly ranges: Ranges } // one code point from sorted, disjoint ranges
  | { readonly k: 'bol' }
  | { readonly k: 'eol' }
  | { readonly k: 'cat'; readonly items: readonly Re[] }
  | { readonly k: 'alt'; readonly items: readonly Re[] }
  | { readonly k: 'rep'; readonly item: Re; readonly min: number; readonly max: number | undefined };

const POSIX_CLASSES: Readonly<Record<string, Ranges>> = {
  alnum: [[48, 57], [65, 90], [97, 122]],
  alpha: [[65, 90], [97, 122]],
  ascii: [[0, 0x7f]],
  blank: [[9, 9], [32, 32]],
  cntrl: [[0, 0x1f], [0x7f, 0x7f]],
  digit: [[48, 57]],
  graph: [[0x21, 0x7e]],
  lower: [[97, 122]],
  print: [[0x20, 0x7e]],
  punct: [[0x21, 0x2f], [0x3a, 0x40], [0x5b, 0x60], [0x7b, 0x7e]],
  space: [[9, 13], [32, 32]],
  upper: [[65, 90]],
  word: [[48, 57], [65, 90], [95, 95], [97, 122]],
  xdigit: [[48, 57], [65, 70], [97, 102]],
};

function normalize(ranges: Ranges): [number, number][] {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const [lo, hi] of sorted) {
    const last = out[out.length - 1];
    if (last && lo <= last[1] + 1) last[1] = Math.max(last[1], hi);
    else out.push([lo, hi]);
  }
  return out;
}

function complement(ranges: Ranges): [number, number][] {
  const out: [number, number][] = [];
  let next = 0;
  for (const [lo, hi] of normalize(ranges)) {
    if (lo > next) out.push([next, lo - 1]);
    next = hi + 1;
  }
  if (next <= MAX_CP) out.push([next, MAX_CP]);
  return out;
}

const NOT_NEWLINE: Ranges = [
  [0, 9],
  [11, MAX_CP],
];

class EreParser {
  private i = 0;
  private readonly cps: number[];

  constructor(private readonly src: string) {
    this.cps = [];
    for (const ch of src) this.cps.push(ch.codePointAt(0)!);
  }

  private fail(msg: string): never {
    throw new RegexSyntaxError(msg);
  }

  private peek(n = 0): number | undefined {
    return this.cps[this.i + n];
  }

  private ch(n = 0): string {
    const c = this.peek(n);
    return c === undefined ? '' : String.fromCodePoint(c);
  }

  parse(): Re {
    const re = this.alternation(0);
    // only an unmatched ')' can stop the top level
    if (this.i < this.cps.length) this.fail("unexpected ')'");
    return re;
  }

  private alternation(depth: number): Re {
    const branches = [this.sequence(depth)];
    while (this.ch() === '|') {
      this.i++;
      branches.push(this.sequence(depth));
    }
    return branches.length === 1 ? branches[0]! : { k: 'alt', items: branches };
  }

  private sequence(depth: number): Re {
    const items: Re[] = [];
    for (;;) {
      const c = this.ch();
      if (c === '' || c === '|' || (c === ')' && depth > 0)) break;
      if (c === ')') this.fail("unexpected ')'");
      if (c === '*' || c === '+' || c === '?') this.fail(`missing argument to repetition operator: ${c}`);
      if (c === '{' && this.repeatAt() !== undefined) this.fail('missing argument to repetition operator: {');
      let atom = this.atom(depth);
      let repeated = false;
      for (;;) {
        const q = this.quantifier();
        if (q === undefined) break;
        if (repeated) this.fail(`bad repetition operator: ${q.text}`);
        atom = { k: 'rep', item: atom, min: q.min, max: q.max };
        repeated = true;
      }
      items.push(atom);
    }
    if (items.length === 0) return { k: 'empty' };
    return items.length === 1 ? items[0]! : { k: 'cat', items };
  }

  /** If a valid `{n}`, `{n,}`, `{n,m}` starts at the cursor, its parts and length. */
  private repeatAt(): { min: number; max: number | undefined; len: number } | undefined {
    const rest = this.src.slice(this.offsetOf(this.i));
    const m = /^\{([0-9]+)(,([0-9]*))?\}/.exec(rest);
    if (!m) return undefined;
    const min = Number(m[1]);
    const max = m[2] === undefined ? min : m[3] === '' ? undefined : Number(m[3]);
    return { min, max, len: m[0].length };
  }

  private offsetOf(cpIndex: number): number {
    let off = 0;
    for (let k = 0; k < cpIndex; k++) off += this.cps[k]! > 0xffff ? 2 : 1;
    return off;
  }

  private quantifier(): { min: number; max: number | undefined; text: string } | undefined {
    const c = this.ch();
    if (c === '*' || c === '+' || c === '?') {
      this.i++;
      const next = this.ch();
      if (next === '*' || next === '+' || next === '?') this.fail(`bad repetition operator: ${c}${next}`);
      return { min: c === '+' ? 1 : 0, max: c === '?' ? 1 : undefined, text: c };
    }
    if (c === '{') {
      const r = this.repeatAt();
      if (!r) return undefined;
      const text = this.src.slice(this.offsetOf(this.i), this.offsetOf(this.i) + r.len);
      if (r.min > MAX_REPEAT || (r.max !== undefined && (r.max > MAX_REPEAT || r.max < r.min))) {
        this.fail(`bad repetition operator: ${text}`);
      }
      this.i += r.len; // all ASCII
      return { min: r.min, max: r.max, text };
    }
    return undefined;
  }

  private atom(depth: number): Re {
    const c = this.ch();
    this.i++;
    switch (c) {
      case '(': {
        if (this.ch() === '?') this.fail('missing argument to repetition operator: ? (group flags and (?...) are not POSIX)');
        const inner = this.alternation(depth + 1);
        if (this.ch() !== ')') this.fail("missing ')'");
        this.i++;
        return inner;
      }
      case '[':
        return { k: 'set', ranges: this.bracket() };
      case '.':
        return { k: 'set', ranges: NOT_NEWLINE };
      case '^':
        return { k: 'bol' };
      case '$':
        return { k: 'eol' };
      case '\\': {
        const e = this.escape(false);
        return { k: 'set', ranges: [[e, e]] };
      }
      default: {
        const cp = this.peek(-1)!;
        return { k: 'set', ranges: [[cp, cp]] };
      }
    }
  }

  /** After a backslash: the escaped code point. */
  private escape(inClass: boolean): number {
    const c = this.peek();
    if (c === undefined) this.fail('trailing \\');
    const ch = String.fromCodePoint(c);
    this.i++;
    if (ch >= '1' && ch <= '7') {
      const n = this.ch();
      if (!(n >= '0' && n <= '7')) this.fail(`backreferences are not supported: \\${ch}`);
    }
    if (ch >= '0' && ch <= '7') {
      // octal: up to two more digits
      let v = c - 48;
      for (let k = 0; k < 2 && this.ch() >= '0' && this.ch() <= '7' && this.ch() !== ''; k++) {
        v = v * 8 + (this.peek()! - 48);
        this.i++;
      }
      return v;
    }
    if (ch === '8' || ch === '9') this.fail(`backreferences are not supported: \\${ch}`);
    switch (ch) {
      case 'a':
        return 7;
      case 'f':
        return 12;
      case 'n':
        return 10;
      case 'r':
        return 13;
      case 't':
        return 9;
      case 'v':
        return 11;
      case 'x': {
        if (this.ch() === '{') {
          const rest = this.src.slice(this.offsetOf(this.i));
          const m = /^\{([0-9a-fA-F]+)\}/.exec(rest);
          if (!m) this.fail('invalid escape sequence: \\x{');
          const v = parseInt(m[1]!, 16);
          if (v > MAX_CP) this.fail(`invalid escape sequence: \\x${m[0]}`);
          this.i += m[0].length;
          return v;
        }
        const h = this.ch() + this.ch(1);
        if (!/^[0-9a-fA-F]{2}$/.test(h)) this.fail(`invalid escape sequence: \\x${h}`);
        this.i += 2;
        return parseInt(h, 16);
      }
      default:
        break;
    }
    if (c < 0x80 && !/[0-9A-Za-z_]/.test(ch)) return c;
    if (ch === 'b' && inClass) this.fail('invalid escape sequence: \\b');
    this.fail(`invalid escape sequence: \\${ch}`);
  }

  /** After `[`: a bracket expression, as ranges. */
  private bracket(): [number, number][] {
    let neg = false;
    if (this.ch() === '^') {
      neg = true;
      this.i++;
    }
    const ranges: [number, number][] = [];
    let first = true;
    for (;;) {
      const c = this.ch();
      if (c === '') this.fail('missing ]');
      if (c === ']' && !first) {
        this.i++;
        break;
      }
      first = false;
      if (c === '[' && this.ch(1) === ':') {
        const rest = this.src.slice(this.offsetOf(this.i));
        const m = /^\[:(\^?)([a-z]+):\]/.exec(rest);
        if (m) {
          const cls = POSIX_CLASSES[m[2]!];
          if (!cls) this.fail(`invalid character class range: ${m[0]}`);
          ranges.push(...(m[1] === '^' ? complement(cls) : cls.map(([a, b]) => [a, b] as [number, number])));
          this.i += m[0].length;
          continue;
        }
      }
      const lo = this.classChar();
      if (this.ch() === '-' && this.ch(1) !== ']' && this.ch(1) !== '') {
        this.i++;
        const hi = this.classChar();
        if (hi < lo) this.fail(`invalid character class range: ${String.fromCodePoint(lo)}-${String.fromCodePoint(hi)}`);
        ranges.push([lo, hi]);
      } else {
        ranges.push([lo, lo]);
      }
    }
    return neg ? complement(ranges) : normalize(ranges);
  }

  private classChar(): number {
    const c = this.peek()!;
    this.i++;
    if (c === 92 /* \ */) return this.escape(true);
    return c;
  }
}

// ---- JS RegExp emission -------------------------------------------------------------------

/** A code point as a JS pattern literal, usable inside and outside classes (u mode). */
function lit(cp: number): string {
  if ((cp >= 48 && cp <= 57) || (cp >= 65 && cp <= 90) || (cp >= 97 && cp <= 122)) return String.fromCodePoint(cp);
  return `\\u{${cp.toString(16)}}`;
}

function toJs(re: Re): string {
  switch (re.k) {
    case 'empty':
      return '';
    case 'set': {
      const r = re.ranges;
      if (r.length === 1 && r[0]![0] === r[0]![1]) return lit(r[0]![0]);
      if (r.length === 0) return '[^\\u{0}-\\u{10ffff}]';
      return '[' + r.map(([a, b]) => (a === b ? lit(a) : `${lit(a)}-${lit(b)}`)).join('') + ']';
    }
    case 'bol':
      return '(?:(?<![^\\n]))';
    case 'eol':
      return '(?:(?![^\\n]))';
    case 'cat':
      return re.items.map(toJs).join('');
    case 'alt':
      return '(?:' + re.items.map(toJs).join('|') + ')';
    case 'rep': {
      const q = re.max === undefined ? `{${re.min},}` : re.max === re.min ? `{${re.min}}` : `{${re.min},${re.max}}`;
      return `(?:${toJs(re.item)})${q}`;
    }
  }
}

// ---- backtracking risk ----------------------------------------------------------------------

function iterates(re: Re): boolean {
  return re.k === 'rep' && (re.max === undefined || re.max > 1);
}

function containsRisk(re: Re): boolean {
  switch (re.k) {
    case 'rep':
      return iterates(re) || containsRisk(re.item);
    case 'alt':
      return true;
    case 'cat':
      return re.items.some(containsRisk);
    default:
      return false;
  }
}

function countUnbounded(re: Re): number {
  switch (re.k) {
    case 'rep':
      return (re.max === undefined ? 1 : 0) + countUnbounded(re.item);
    case 'alt':
    case 'cat':
      return re.items.reduce((n, r) => n + countUnbounded(r), 0);
    default:
      return 0;
  }
}

/** True when a backtracking engine could take more than polynomial-of-low-degree time. */
function backtrackingRisk(re: Re): boolean {
  const nested = (r: Re): boolean => {
    switch (r.k) {
      case 'rep':
        return (iterates(r) && containsRisk(r.item)) || nested(r.item);
      case 'alt':
      case 'cat':
        return r.items.some(nested);
      default:
        return false;
    }
  };
  return nested(re) || countUnbounded(re) > 2;
}

// ---- Thompson NFA ---------------------------------------------------------------------------

type State =
  | { t: 'set'; ranges: Ranges; out: number }
  | { t: 'split'; a: number; b: number }
  | { t: 'bol'; out: number }
  | { t: 'eol'; out: number }
  | { t: 'match' };

const MAX_STATES = 200_000;

class NfaBuilder {
  readonly states: State[] = [];

  add(s: State): number {
    if (this.states.length >= MAX_STATES) throw new RegexSyntaxError('pattern too large');
    this.states.push(s);
    return this.states.length - 1;
  }

  /** Builds `re` so that it continues to `next`; returns its entry state. */
  build(re: Re, next: number): number {
    switch (re.k) {
      case 'empty':
        return next;
      case 'set':
        return this.add({ t: 'set', ranges: re.ranges, out: next });
      case 'bol':
        return this.add({ t: 'bol', out: next });
      case 'eol':
        return this.add({ t: 'eol', out: next });
      case 'cat': {
        let entry = next;
        for (let i = re.items.length - 1; i >= 0; i--) entry = this.build(re.items[i]!, entry);
        return entry;
      }
      case 'alt': {
        const entries = re.items.map((r) => this.build(r, next));
        let entry = entries[entries.length - 1]!;
        for (let i = entries.length - 2; i >= 0; i--) entry = this.add({ t: 'split', a: entries[i]!, b: entry });
        return entry;
      }
      case 'rep': {
        let entry: number;
        if (re.max === undefined) {
          // loop: split -> item -> back to split; exit to next
          const split = this.add({ t: 'split', a: -1, b: next });
          const body = this.build(re.item, split);
          (this.states[split] as { a: number }).a = body;
          entry = split;
        } else {
          // optional copies nest: x{0,3} is (x(x(x)?)?)?
          entry = next;
          for (let i = re.max; i > re.min; i--) {
            const body = this.build(re.item, entry);
            entry = this.add({ t: 'split', a: body, b: next });
          }
        }
        for (let i = 0; i < re.min; i++) entry = this.build(re.item, entry);
        return entry;
      }
    }
  }
}

function inRanges(ranges: Ranges, cp: number): boolean {
  let lo = 0;
  let hi = ranges.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const r = ranges[mid]!;
    if (cp < r[0]) hi = mid - 1;
    else if (cp > r[1]) lo = mid + 1;
    else return true;
  }
  return false;
}

function nfaMatcher(re: Re): (s: string) => boolean {
  const b = new NfaBuilder();
  const accept = b.add({ t: 'match' });
  const start = b.build(re, accept);
  const states = b.states;
  const n = states.length;
  const mark = new Int32Array(n).fill(-1);
  return (s: string): boolean => {
    const cps: number[] = [];
    for (const ch of s) cps.push(ch.codePointAt(0)!);
    const len = cps.length;
    let gen = 0;
    mark.fill(-1);
    let cur: number[] = [];
    const stack: number[] = [];
    const closure = (list: number[], entry: number, pos: number): void => {
      stack.push(entry);
      while (stack.length > 0) {
        const id = stack.pop()!;
        if (mark[id] === gen) continue;
        mark[id] = gen;
        const st = states[id]!;
        switch (st.t) {
          case 'split':
            stack.push(st.b, st.a);
            break;
          case 'bol':
            if (pos === 0 || cps[pos - 1] === 10) stack.push(st.out);
            break;
          case 'eol':
            if (pos === len || cps[pos] === 10) stack.push(st.out);
            break;
          default:
            list.push(id);
        }
      }
    };
    closure(cur, start, 0);
    for (let pos = 0; pos < len && cur.length > 0; pos++) {
      const cp = cps[pos]!;
      gen++;
      const next: number[] = [];
      for (const id of cur) {
        const st = states[id]!;
        if (st.t === 'set' && inRanges(st.ranges, cp)) closure(next, st.out, pos + 1);
      }
      cur = next;
    }
    for (const id of cur) if (states[id]!.t === 'match') return true;
    return false;
  };
}

// ---- API --------------------------------------------------------------------------------------

/** A compiled pattern: `test` is true when the whole string matches. */
export interface EreMatcher {
  readonly source: string;
  /** Which engine runs it: a JS RegExp, or the linear-time NFA. */
  readonly engine: 'regexp' | 'nfa';
  test(s: string): boolean;
}

/** Translates a POSIX ERE to the body of an equivalent JS pattern (for the `u` flag). */
export function translateEre(pattern: string): string {
  return toJs(new EreParser(pattern).parse());
}

/**
 * Compiles a POSIX ERE for whole-string matching. Throws `RegexSyntaxError` with a message
 * when the pattern is invalid or uses unsupported syntax.
 */
export function compileEre(pattern: string, options: { engine?: 'regexp' | 'nfa' } = {}): EreMatcher {
  const re = new EreParser(pattern).parse();
  const engine = options.engine ?? (backtrackingRisk(re) ? 'nfa' : 'regexp');
  if (engine === 'nfa') {
    const m = nfaMatcher(re);
    return { source: pattern, engine, test: m };
  }
  let rx: RegExp;
  try {
    rx = new RegExp(`^(?:${toJs(re)})$`, 'u');
  } catch (e) {
    throw new RegexSyntaxError(`invalid regular expression: ${(e as Error).message}`);
  }
  return { source: pattern, engine, test: (s) => rx.test(s) };
}
