/**
 * YAML with positions for test specs: js-yaml (core schema: strings, numbers, booleans,
 * null — no dates) driven through its `listener` hook, turned into a tree where every
 * node and every mapping key knows its 1-based line and column.
 */
import yaml from 'js-yaml';
import { SourceError } from '../errors.js';

export interface Pos {
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  /** 1-based. */
  readonly column: number;
}

export type PNode = PScalar | PSeq | PMap;
export interface PScalar {
  readonly kind: 'scalar';
  readonly pos: Pos;
  readonly value: string | number | boolean | null;
}
export interface PSeq {
  readonly kind: 'seq';
  readonly pos: Pos;
  readonly items: readonly PNode[];
}
export interface PEntry {
  readonly key: string;
  readonly keyPos: Pos;
  readonly value: PNode;
}
export interface PMap {
  readonly kind: 'map';
  readonly pos: Pos;
  readonly entries: readonly PEntry[];
}

interface Frame {
  start: number;
  children: Frame[];
  kind: string | null;
  result: unknown;
}

class Lines {
  private readonly starts: number[] = [0];
  constructor(
    private readonly src: string,
    private readonly file: string,
  ) {
    for (let i = 0; i < src.length; i++) if (src.charCodeAt(i) === 10) this.starts.push(i + 1);
  }
  pos(offset: number): Pos {
    const ls = this.starts;
    let lo = 0;
    let hi = ls.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (ls[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { file: this.file, line: lo + 1, column: offset - ls[lo]! + 1 };
  }
  /** From where js-yaml opened a node, skip blanks, comments, `- ` of compact items and `---`. */
  skip(from: number): number {
    const s = this.src;
    let p = from;
    for (;;) {
      const c = s[p];
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\ufeff') p++;
      else if (c === '#' && (p === 0 || /\s/.test(s[p - 1] ?? ' '))) {
        while (p < s.length && s[p] !== '\n') p++;
      } else if (c === '-' && s.startsWith('---', p) && (p === 0 || s[p - 1] === '\n')) p += 3;
      else return p;
    }
  }
}

function plainToNode(v: unknown, pos: Pos): PNode {
  if (Array.isArray(v)) return { kind: 'seq', pos, items: v.map((x) => plainToNode(x, pos)) };
  if (v !== null && typeof v === 'object') {
    return {
      kind: 'map',
      pos,
      entries: Object.entries(v as Record<string, unknown>).map(([key, x]) => ({ key, keyPos: pos, value: plainToNode(x, pos) })),
    };
  }
  if (v === undefined || v === null) return { kind: 'scalar', pos, value: null };
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return { kind: 'scalar', pos, value: v };
  return { kind: 'scalar', pos, value: String(v) };
}

function build(f: Frame, lines: Lines): PNode {
  const pos = lines.pos(lines.skip(f.start));
  const r = f.result;
  if (f.kind === 'mapping' && r !== null && typeof r === 'object' && !Array.isArray(r)) {
    const keys = Object.keys(r);
    // js-yaml composes key, value, key, value… for every pair (an empty value still opens a node).
    if (f.children.length === keys.length * 2) {
      const entries: PEntry[] = [];
      for (let i = 0; i < f.children.length; i += 2) {
        const k = f.children[i]!;
        const v = f.children[i + 1]!;
        const key = String(k.result);
        const keyPos = lines.pos(lines.skip(k.start));
        const value = build(v, lines);
        // An empty value has no place of its own: use its key's.
        entries.push({ key, keyPos, value: value.kind === 'scalar' && value.value === null && v.children.length === 0 ? { ...value, pos: keyPos } : value });
      }
      return { kind: 'map', pos, entries };
    }
    return plainToNode(r, pos);
  }
  if (f.kind === 'sequence' && Array.isArray(r)) {
    const items: PNode[] = [];
    let ci = 0;
    for (const v of r) {
      const c = f.children[ci];
      if (c !== undefined && c.result === v) {
        items.push(build(c, lines));
        ci++;
      } else {
        items.push(plainToNode(v, pos));
      }
    }
    return { kind: 'seq', pos, items };
  }
  // A plain scalar inside a block context is composed by a nested frame; the outer one holds the result.
  return plainToNode(r, pos);
}

/** Parse one YAML document with positions. Syntax errors become SourceErrors at their place. */
export function parseYamlWithPositions(src: string, file: string): PNode {
  const lines = new Lines(src, file);
  const roots: Frame[] = [];
  const stack: Frame[] = [];
  let doc: unknown;
  try {
    doc = yaml.load(src, {
      filename: file,
      schema: yaml.CORE_SCHEMA,
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
    });
  } catch (e) {
    if (e instanceof yaml.YAMLException) {
      const m = e.mark as { line?: number; column?: number } | undefined;
      throw new SourceError(file, m?.line !== undefined ? m.line + 1 : undefined, m?.column !== undefined ? m.column + 1 : undefined, `YAML syntax error: ${e.reason || e.message}`);
    }
    throw e;
  }
  const root = roots.find((f) => f.result === doc);
  if (root === undefined) return plainToNode(doc, lines.pos(0));
  return build(root, lines);
}

/** Plain JS value of a node (for diagnostics and free-form values). */
export function toPlain(n: PNode): unknown {
  switch (n.kind) {
    case 'scalar':
      return n.value;
    case 'seq':
      return n.items.map(toPlain);
    case 'map': {
      const o: Record<string, unknown> = {};
      for (const e of n.entries) o[e.key] = toPlain(e.value);
      return o;
    }
  }
}
