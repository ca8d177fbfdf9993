/**
 * Shell wildcard matching with the semantics of POSIX `fnmatch(pattern, string, flags)`
 * as libsinsp calls it for `glob`/`iglob`/`pmatch`: flags 0 (or FNM_CASEFOLD), so
 *
 * - `*` matches any run of characters, `/` and leading `.` included;
 * - `?` matches any one character;
 * - `[...]` is a bracket expression: `!` or `^` first negates, `]` first is literal,
 *   `a-z` ranges, `[:alpha:]`-style classes; a `[` with no closing `]` is a literal `[`;
 * - `\x` matches `x` literally.
 *
 * Case folding (iglob) is ASCII only, like the C locale.
 */

type Atom =
  | { readonly k: 'lit'; readonly c: number }
  | { readonly k: 'any' }
  | { readonly k: 'star' }
  | { readonly k: 'set'; readonly neg: boolean; readonly test: (c: number) => boolean };

const CLASSES: Readonly<Record<string, (c: number) => boolean>> = {
  alnum: (c) => isAlpha(c) || isDigit(c),
  alpha: (c) => isAlpha(c),
  blank: (c) => c === 32 || c === 9,
  cntrl: (c) => c < 32 || c === 127,
  digit: (c) => isDigit(c),
  graph: (c) => c > 32 && c < 127,
  lower: (c) => c >= 97 && c <= 122,
  print: (c) => c >= 32 && c < 127,
  punct: (c) => c > 32 && c < 127 && !isAlpha(c) && !isDigit(c),
  space: (c) => c === 32 || (c >= 9 && c <= 13),
  upper: (c) => c >= 65 && c <= 90,
  xdigit: (c) => isDigit(c) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102),
};

function isAlpha(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function foldCase(c: number): number {
  return c >= 65 && c <= 90 ? c + 32 : c;
}

/** Parses a bracket expression at `i` (just after `[`). Returns the atom and the index after `]`, or undefined. */
function parseBracket(p: readonly number[], i: number, fold: boolean): { atom: Atom; next: number } | undefined {
  let neg = false;
  if (p[i] === 33 /* ! */ || p[i] === 94 /* ^ */) {
    neg = true;
    i++;
  }
  const tests: ((c: number) => boolean)[] = [];
  let first = true;
  for (;;) {
    if (i >= p.length) return undefined;
    let c = p[i]!;
    if (c === 93 /* ] */ && !first) {
      i++;
      break;
    }
    first = false;
    if (c === 91 /* [ */ && p[i + 1] === 58 /* : */) {
      // [:name:]
      let j = i + 2;
      let name = '';
      while (j < p.length && p[j] !== 58) name += String.fromCodePoint(p[j++]!);
      if (j + 1 < p.length && p[j] === 58 && p[j + 1] === 93) {
        const cls = CLASSES[name];
        if (!cls) return undefined; // invalid class: fnmatch fails the whole pattern
        tests.push(fold && (name === 'upper' || name === 'lower') ? (x) => isAlpha(x) : cls);
        i = j + 2;
        continue;
      }
    }
    if (c === 92 /* \ */ && i + 1 < p.length) {
      i++;
      c = p[i]!;
    }
    i++;
    if (p[i] === 45 /* - */ && i + 1 < p.length && p[i + 1] !== 93) {
      let hi = p[i + 1]!;
      i += 2;
      if (hi === 92 && i < p.length) hi = p[i++]!;
      const lo = c;
      if (fold) {
        const inRange = (x: number): boolean => x >= lo && x <= hi;
        tests.push((x) => inRange(x) || inRange(foldCase(x)) || inRange(upper(x)));
      } else {
        tests.push((x) => x >= lo && x <= hi);
      }
      continue;
    }
    const lit = fold ? foldCase(c) : c;
    tests.push(fold ? (x) => foldCase(x) === lit : (x) => x === lit);
  }
  const test = (c: number): boolean => {
    for (const t of tests) if (t(c)) return true;
    return false;
  };
  return { atom: { k: 'set', neg, test }, next: i };
}

function upper(c: number): number {
  return c >= 97 && c <= 122 ? c - 32 : c;
}

function codePoints(s: string): number[] {
  const out: number[] = [];
  for (const ch of s) out.push(ch.codePointAt(0)!);
  return out;
}

/** Compiles a pattern into a matcher. */
export function compileGlob(pattern: string, caseInsensitive = false): (s: string) => boolean {
  const p = codePoints(pattern);
  const atoms: Atom[] = [];
  let invalid = false;
  for (let i = 0; i < p.length; ) {
    const c = p[i]!;
    if (c === 42 /* * */) {
      if (atoms[atoms.length - 1]?.k !== 'star') atoms.push({ k: 'star' });
      i++;
    } else if (c === 63 /* ? */) {
      atoms.push({ k: 'any' });
      i++;
    } else if (c === 91 /* [ */) {
      const b = parseBracket(p, i + 1, caseInsensitive);
      if (b) {
        atoms.push(b.atom);
        i = b.next;
      } else if (hasInvalidClass(p, i + 1)) {
        invalid = true;
        break;
      } else {
        atoms.push({ k: 'lit', c: caseInsensitive ? foldCase(c) : c });
        i++;
      }
    } else if (c === 92 /* \ */) {
      const n = i + 1 < p.length ? p[i + 1]! : 92;
      atoms.push({ k: 'lit', c: caseInsensitive ? foldCase(n) : n });
      i += i + 1 < p.length ? 2 : 1;
    } else {
      atoms.push({ k: 'lit', c: caseInsensitive ? foldCase(c) : c });
      i++;
    }
  }
  if (invalid) return () => false;

  // Fast paths for the common shapes.
  if (!caseInsensitive && atoms.every((a) => a.k === 'lit' || a.k === 'star')) {
    const parts: string[] = [];
    let cur = '';
    for (const a of atoms) {
      if (a.k === 'star') {
        parts.push(cur);
        cur = '';
      } else cur += String.fromCodePoint((a as { c: number }).c);
    }
    parts.push(cur);
    if (parts.length === 1) {
      const lit = parts[0]!;
      return (s) => s === lit;
    }
    return (s) => matchStars(s, parts);
  }

  return (s) => matchAtoms(codePoints(s), atoms, caseInsensitive);
}

function hasInvalidClass(p: readonly number[], i: number): boolean {
  // a closing bracket exists but contains an unknown [:class:]
  const s = String.fromCodePoint(...p.slice(i));
  const m = /^(?:[!^])?\]?[^\]]*?\[:([^:\]]*):\]/.exec(s);
  return m !== null && CLASSES[m[1]!] === undefined;
}

/** Literal parts separated by `*`. */
function matchStars(s: string, parts: readonly string[]): boolean {
  const first = parts[0]!;
  const last = parts[parts.length - 1]!;
  if (s.length < first.length + last.length) return false;
  if (!s.startsWith(first) || !s.endsWith(last)) return false;
  let pos = first.length;
  const limit = s.length - last.length;
  for (let i = 1; i < parts.length - 1; i++) {
    const part = parts[i]!;
    const at = s.indexOf(part, pos);
    if (at === -1 || at + part.length > limit) return false;
    pos = at + part.length;
  }
  return true;
}

/** Wildcard matching with single-star backtracking (linear in practice, O(n·m) worst case). */
function matchAtoms(s: readonly number[], atoms: readonly Atom[], fold: boolean): boolean {
  let si = 0;
  let ai = 0;
  let starAi = -1;
  let starSi = 0;
  while (si < s.length) {
    const a = atoms[ai];
    if (a !== undefined && a.k !== 'star' && matchOne(a, s[si]!, fold)) {
      si++;
      ai++;
      continue;
    }
    if (a !== undefined && a.k === 'star') {
      starAi = ai++;
      starSi = si;
      continue;
    }
    if (starAi !== -1) {
      ai = starAi + 1;
      si = ++starSi;
      continue;
    }
    return false;
  }
  while (ai < atoms.length && atoms[ai]!.k === 'star') ai++;
  return ai === atoms.length;
}

function matchOne(a: Atom, c: number, fold: boolean): boolean {
  switch (a.k) {
    case 'lit':
      return (fold ? foldCase(c) : c) === a.c;
    case 'any':
      return true;
    case 'set':
      return a.test(c) !== a.neg;
    case 'star':
      return false;
  }
}
