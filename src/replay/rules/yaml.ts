/**
 * YAML with positions. js-yaml (failsafe schema, so every scalar stays the text
 * yaml-cpp would hand Falco) is driven with its `listener` hook; the open/close
 * events of every node are turned into a tree of positioned nodes that behaves like
 * yaml-cpp's YAML::Node for what the rules reader needs (IsDefined/IsNull/IsScalar/
 * IsSequence/IsMap, `node[key]` = first entry with that key, Mark of every node).
 */
import yaml from 'js-yaml';
import type { Mark } from './result.js';

export type YNode = YScalar | YNull | YSeq | YMap;

interface YBase {
  readonly mark: Mark;
}
export interface YScalar extends YBase {
  readonly kind: 'scalar';
  readonly value: string;
}
/** Empty node, or a plain `~`/`null`/`Null`/`NULL` scalar. */
export interface YNull extends YBase {
  readonly kind: 'null';
}
export interface YSeq extends YBase {
  readonly kind: 'seq';
  readonly items: readonly YNode[];
}
export interface YMapEntry {
  readonly key: YNode;
  readonly value: YNode;
}
export interface YMap extends YBase {
  readonly kind: 'map';
  readonly entries: readonly YMapEntry[];
}

/** A YAML syntax error with its 0-based place. */
export class YamlSyntaxError extends Error {
  constructor(
    message: string,
    readonly mark: Mark | undefined,
  ) {
    super(message);
    this.name = 'YamlSyntaxError';
  }
}

/** Scalar text of a key/value node, or undefined when it is not a scalar. */
export function scalarText(n: YNode | undefined): string | undefined {
  if (n === undefined) return undefined;
  if (n.kind === 'scalar') return n.value;
  return undefined;
}

/** `node[key]`: the value of the first entry whose key is the scalar `key`. */
export function getKey(n: YNode | undefined, key: string): YNode | undefined {
  if (n === undefined || n.kind !== 'map') return undefined;
  for (const e of n.entries) {
    if (keyText(e.key) === key) return e.value;
  }
  return undefined;
}

/** Text of a mapping key (yaml-cpp `as<std::string>()`: null keys read as "~"). */
export function keyText(k: YNode): string {
  if (k.kind === 'scalar') return k.value;
  if (k.kind === 'null') return '~';
  return '';
}

/** Convert a yaml node into a plain JS value (for diagnostics). */
export function toPlain(n: YNode): unknown {
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
  children: Frame[];
  kind: string | null;
  result: unknown;
}

class Positions {
  private readonly lineStarts: number[] = [0];
  constructor(private readonly src: string) {
    for (let i = 0; i < src.length; i++) if (src.charCodeAt(i) === 10) this.lineStarts.push(i + 1);
  }
  mark(offset: number): Mark {
    const ls = this.lineStarts;
    let lo = 0;
    let hi = ls.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (ls[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { offset, line: lo, column: offset - ls[lo]! };
  }
  /** Skip blanks, line breaks and comments from where js-yaml opened a node. */
  skip(pos: number): number {
    const s = this.src;
    let p = pos;
    for (;;) {
      const c = s[p];
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\ufeff') {
        p++;
      } else if (c === '#' && (p === 0 || /[\s]/.test(s[p - 1] ?? ' '))) {
        while (p < s.length && s[p] !== '\n') p++;
      } else if ((c === '-' && s.startsWith('---', p) && (p === 0 || s[p - 1] === '\n'))) {
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

function fromPlain(v: unknown, mark: Mark): YNode {
  if (v === null || v === undefined) return { kind: 'null', mark };
  if (Array.isArray(v)) return { kind: 'seq', mark, items: v.map((x) => fromPlain(x, mark)) };
  if (typeof v === 'object') {
    return {
      kind: 'map',
      mark,
      entries: Object.entries(v as Record<string, unknown>).map(([k, x]) => ({
        key: { kind: 'scalar', mark, value: k } as YScalar,
        value: fromPlain(x, mark),
      })),
    };
  }
  const s = String(v);
  return { kind: 'scalar', mark, value: s };
}

function build(f: Frame, pos: Positions): YNode {
  const start = pos.skip(f.start);
  const mark = pos.mark(start);
  const r = f.result;
  if (f.kind === 'mapping' && r !== null && typeof r === 'object' && !Array.isArray(r)) {
    if (f.children.length % 2 === 0) {
      const entries: YMapEntry[] = [];
      for (let i = 0; i < f.children.length; i += 2) {
        entries.push({ key: build(f.children[i]!, pos), value: build(f.children[i + 1]!, pos) });
      }
      return { kind: 'map', mark, entries };
    }
    return fromPlain(r, mark);
  }
  if (f.kind === 'sequence' && Array.isArray(r)) {
    const items: YNode[] = [];
    let ci = 0;
    for (const v of r) {
      const c = f.children[ci];
      if (c !== undefined && c.result === v) {
        items.push(build(c, pos));
        ci++;
      } else {
        items.push(fromPlain(v, mark));
      }
    }
    return { kind: 'seq', mark, items };
  }
  if (typeof r === 'string') {
    const first = pos.char(start);
    const quoted = first === '"' || first === "'";
    if (!quoted && NULL_WORDS.has(r)) return { kind: 'null', mark };
    return { kind: 'scalar', mark, value: r };
  }
  if (r === null || r === undefined) return { kind: 'null', mark };
  return fromPlain(r, mark);
}

/**
 * Parse every document of a YAML stream into positioned trees. Documents that are
 * empty come back as null nodes. Throws YamlSyntaxError.
 */
export function loadAllWithPositions(src: string, filename: string): YNode[] {
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
        schema: yaml.FAILSAFE_SCHEMA,
        json: true,
        listener(this: unknown, ev: 'open' | 'close', state: { position: number; kind: string | null; result: unknown }) {
          if (ev === 'open') {
            const f: Frame = { start: state.position, children: [], kind: null, result: undefined };
            const parent = stack[stack.length - 1];
            if (parent) parent.children.push(f);
            else roots.push(f);
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
      const mark =
        m && typeof m.position === 'number'
          ? { offset: m.position, line: m.line ?? 0, column: m.column ?? 0 }
          : undefined;
      throw new YamlSyntaxError(e.reason || e.message, mark);
    }
    throw e;
  }
  const out: YNode[] = [];
  let ri = 0;
  for (const d of docs) {
    const f = roots[ri];
    if (f !== undefined && f.result === d) {
      out.push(build(f, pos));
      ri++;
    } else {
      out.push(fromPlain(d, pos.mark(0)));
    }
  }
  return out;
}
