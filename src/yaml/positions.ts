/**
 * YAML with positions, shared by the rules and config readers and the test specs. js-yaml
 * is driven with its `listener` hook; the open/close events of every node become a tree of
 * positioned nodes (every node and every mapping key knows its 0-based line and column).
 *
 * Two schemas:
 * - `failsafe` (rules, config): every scalar stays the text yaml-cpp would hand Falco, and
 *   an unquoted `~`/`null`/`Null`/`NULL` is a null node; duplicate keys are allowed (the
 *   readers look up the first, as yaml-cpp's `node[key]` does).
 * - `core` (test specs): numbers, booleans and nulls are typed; duplicate keys are
 *   syntax errors.
 */
import yaml from 'js-yaml';

/** A place: 0-based line and column, and the character offset. */
export interface YamlMark {
  readonly offset: number;
  readonly line: number;
  readonly column: number;
}

/** Scalar values: all text with the failsafe schema; typed with the core schema. */
export type CoreScalar = string | number | boolean;

export type YNode<V extends CoreScalar = string> = YScalar<V> | YNull | YSeq<V> | YMap<V>;

interface YBase {
  readonly mark: YamlMark;
}
export interface YScalar<V extends CoreScalar = string> extends YBase {
  readonly kind: 'scalar';
  readonly value: V;
}
/** An empty node, or a null scalar. */
export interface YNull extends YBase {
  readonly kind: 'null';
  /**
   * Nothing was written (`key:` alone): the mark is then where the parser went on looking,
   * often the next line, so users of the mark may prefer the key's.
   */
  readonly empty?: true;
}
export interface YSeq<V extends CoreScalar = string> extends YBase {
  readonly kind: 'seq';
  readonly items: readonly YNode<V>[];
}
export interface YMapEntry<V extends CoreScalar = string> {
  readonly key: YNode<V>;
  readonly value: YNode<V>;
}
export interface YMap<V extends CoreScalar = string> extends YBase {
  readonly kind: 'map';
  readonly entries: readonly YMapEntry<V>[];
}

/** A YAML syntax error with its 0-based place. */
export class YamlSyntaxError extends Error {
  constructor(
    message: string,
    readonly mark: YamlMark | undefined,
  ) {
    super(message);
    this.name = 'YamlSyntaxError';
  }
}

/** Text of a mapping key (yaml-cpp `as<std::string>()`: null keys read as "~"). */
export function keyText(k: YNode<CoreScalar>): string {
  if (k.kind === 'scalar') return String(k.value);
  if (k.kind === 'null') return '~';
  return '';
}

/** Key text → first value, for mappings looked up often (see getKey). */
const keyIndexes = new WeakMap<YMap<CoreScalar>, Map<string, YNode<CoreScalar>>>();

/** Mappings this small are searched in place: building an index would cost more. */
const INDEX_MIN_ENTRIES = 5;

/** `node[key]`: the value of the first entry whose key is the scalar `key`. */
export function getKey<V extends CoreScalar>(n: YNode<V> | undefined, key: string): YNode<V> | undefined {
  if (n === undefined || n.kind !== 'map') return undefined;
  if (n.entries.length < INDEX_MIN_ENTRIES) {
    for (const e of n.entries) {
      if (keyText(e.key) === key) return e.value;
    }
    return undefined;
  }
  // The readers ask a rule item for each of its ~20 possible keys: one pass builds the index.
  let index = keyIndexes.get(n);
  if (index === undefined) {
    index = new Map();
    for (const e of n.entries) {
      const k = keyText(e.key);
      if (!index.has(k)) index.set(k, e.value);
    }
    keyIndexes.set(n, index);
  }
  return index.get(key) as YNode<V> | undefined;
}

/** A node as a plain JS value (for diagnostics and free-form values); the first of duplicate keys wins. */
export function toPlain(n: YNode<CoreScalar>): unknown {
  switch (n.kind) {
    case 'scalar':
      return n.value;
    case 'null':
      return null;
    case 'seq':
      return n.items.map(toPlain);
    case 'map': {
      const o: Record<string, unknown> = {};
      for (const e of n.entries) if (!(keyText(e.key) in o)) o[keyText(e.key)] = toPlain(e.value);
      return o;
    }
  }
}

interface Frame {
  start: number;
  /** Made when the first child opens: most nodes are scalars and have none. */
  children: Frame[] | undefined;
  kind: string | null;
  result: unknown;
}

const NO_FRAMES: readonly Frame[] = [];

class Positions {
  private readonly lineStarts: number[] = [0];
  /** The line of the last mark: nodes are mostly visited in text order, so the next is near. */
  private lastLine = 0;
  constructor(private readonly src: string) {
    for (let i = src.indexOf('\n'); i >= 0; i = src.indexOf('\n', i + 1)) this.lineStarts.push(i + 1);
  }
  mark(offset: number): YamlMark {
    const ls = this.lineStarts;
    let line = this.lastLine;
    // the same line or one of the next few: found without the binary search
    if (ls[line]! <= offset) {
      for (let k = 0; k < 4 && line + 1 < ls.length && ls[line + 1]! <= offset; k++) line++;
      if (line + 1 >= ls.length || ls[line + 1]! > offset) {
        this.lastLine = line;
        return { offset, line, column: offset - ls[line]! };
      }
    }
    let lo = 0;
    let hi = ls.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (ls[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    this.lastLine = lo;
    return { offset, line: lo, column: offset - ls[lo]! };
  }
  /** From where js-yaml opened a node, skip blanks, line breaks, comments and `---`. */
  skip(pos: number): number {
    const s = this.src;
    let p = pos;
    for (;;) {
      const c = s.charCodeAt(p); // NaN past the end: no case below
      if (c === 32 || c === 9 || c === 10 || c === 13 || c === 0xfeff) {
        p++;
      } else if (c === 35 /* # */ && (p === 0 || /\s/.test(s[p - 1]!))) {
        const eol = s.indexOf('\n', p);
        p = eol < 0 ? s.length : eol;
      } else if (c === 45 /* - */ && s.startsWith('---', p) && (p === 0 || s.charCodeAt(p - 1) === 10)) {
        p += 3;
      } else {
        return p;
      }
    }
  }
  char(p: number): string {
    return this.src[p] ?? '';
  }
}

const NULL_WORDS = new Set(['~', 'null', 'Null', 'NULL']);

type Schema = 'failsafe' | 'core';

class TreeBuilder {
  constructor(
    private readonly pos: Positions,
    private readonly schema: Schema,
  ) {}

  /** A value js-yaml composed without a frame of its own (aliases inside sequences, say): the parent's mark. */
  fromPlain(v: unknown, mark: YamlMark): YNode<CoreScalar> {
    if (v === null || v === undefined) return { kind: 'null', mark };
    if (Array.isArray(v)) return { kind: 'seq', mark, items: v.map((x) => this.fromPlain(x, mark)) };
    if (typeof v === 'object') {
      return {
        kind: 'map',
        mark,
        entries: Object.entries(v as Record<string, unknown>).map(([k, x]) => ({
          key: { kind: 'scalar', mark, value: k },
          value: this.fromPlain(x, mark),
        })),
      };
    }
    if (this.schema === 'core' && (typeof v === 'number' || typeof v === 'boolean')) return { kind: 'scalar', mark, value: v };
    return { kind: 'scalar', mark, value: String(v) };
  }

  build(f: Frame): YNode<CoreScalar> {
    const start = this.pos.skip(f.start);
    const mark = this.pos.mark(start);
    const r = f.result;
    if (f.kind === 'mapping' && r !== null && typeof r === 'object' && !Array.isArray(r)) {
      // js-yaml composes key, value, key, value… for every pair (an empty value still opens
      // a node). A mapping ended by `---` gets one more, empty, node: not a key.
      const children = f.children ?? NO_FRAMES;
      let n = children.length;
      const last = children[n - 1];
      if (n % 2 === 1 && last !== undefined && last.children === undefined && (last.result === null || last.result === undefined)) n--;
      if (n % 2 === 0) {
        const entries: YMapEntry<CoreScalar>[] = [];
        for (let i = 0; i < n; i += 2) {
          entries.push({ key: this.build(children[i]!), value: this.build(children[i + 1]!) });
        }
        return { kind: 'map', mark, entries };
      }
      return this.fromPlain(r, mark);
    }
    if (f.kind === 'sequence' && Array.isArray(r)) {
      const items: YNode<CoreScalar>[] = [];
      const children = f.children ?? NO_FRAMES;
      let ci = 0;
      for (const v of r) {
        const c = children[ci];
        if (c !== undefined && c.result === v) {
          items.push(this.build(c));
          ci++;
        } else {
          items.push(this.fromPlain(v, mark));
        }
      }
      return { kind: 'seq', mark, items };
    }
    if (r === null || r === undefined) {
      // A written scalar in block context is composed by a nested frame; none means nothing was written.
      return f.children === undefined && f.kind !== 'scalar' ? { kind: 'null', mark, empty: true } : { kind: 'null', mark };
    }
    if (typeof r === 'string' && this.schema === 'failsafe') {
      const first = this.pos.char(start);
      const quoted = first === '"' || first === "'";
      if (!quoted && NULL_WORDS.has(r)) return { kind: 'null', mark };
      return { kind: 'scalar', mark, value: r };
    }
    return this.fromPlain(r, mark);
  }
}

function parse(src: string, filename: string, schema: Schema): YNode<CoreScalar>[] {
  const pos = new Positions(src);
  const roots: Frame[] = [];
  const stack: Frame[] = [];
  const docs: unknown[] = [];
  try {
    yaml.loadAll(
      src,
      (d) => {
        docs.push(d);
      },
      {
        filename,
        schema: schema === 'core' ? yaml.CORE_SCHEMA : yaml.FAILSAFE_SCHEMA,
        // yaml-cpp accepts duplicate keys; a test spec should not.
        json: schema === 'failsafe',
        listener(this: unknown, ev: 'open' | 'close', state: { position: number; kind: string | null; result: unknown }) {
          if (ev === 'open') {
            const f: Frame = { start: state.position, children: undefined, kind: null, result: undefined };
            const parent = stack[stack.length - 1];
            if (parent === undefined) roots.push(f);
            else if (parent.children === undefined) parent.children = [f];
            else parent.children.push(f);
            stack.push(f);
          } else {
            const f = stack.pop();
            if (f) {
              f.kind = state.kind;
              f.result = state.result;
            }
          }
        },
      },
    );
  } catch (e) {
    if (e instanceof yaml.YAMLException) {
      const m = e.mark as { position?: number; line?: number; column?: number } | undefined;
      const mark = m && typeof m.position === 'number' ? { offset: m.position, line: m.line ?? 0, column: m.column ?? 0 } : undefined;
      throw new YamlSyntaxError(e.reason || e.message, mark);
    }
    throw e;
  }
  const b = new TreeBuilder(pos, schema);
  const out: YNode<CoreScalar>[] = [];
  let ri = 0;
  for (const d of docs) {
    const f = roots[ri];
    if (f !== undefined && f.result === d) {
      out.push(b.build(f));
      ri++;
    } else {
      out.push(b.fromPlain(d, pos.mark(0)));
    }
  }
  return out;
}

/**
 * Parse every document of a YAML stream into positioned trees (failsafe schema: all
 * scalars are text). Empty documents come back as null nodes. Throws YamlSyntaxError.
 */
export function loadAllWithPositions(src: string, filename: string): YNode[] {
  // The failsafe builder only ever makes string scalars.
  return parse(src, filename, 'failsafe') as YNode[];
}

/** Like loadAllWithPositions, with the core schema: typed scalars, duplicate keys rejected. */
export function loadAllTypedWithPositions(src: string, filename: string): YNode<CoreScalar>[] {
  return parse(src, filename, 'core');
}
