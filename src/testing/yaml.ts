/**
 * The test specs' view of YAML: the shared positioned parser (src/yaml/positions.ts) with
 * the core schema (strings, numbers, booleans, null; no dates; duplicate keys rejected),
 * with 1-based places that carry the spec's name and mapping keys as text.
 */
import { SourceError } from '../errors.js';
import { keyText, loadAllTypedWithPositions, YamlSyntaxError, type CoreScalar, type YamlMark, type YNode } from '../yaml/positions.js';

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

function convert(n: YNode<CoreScalar>, file: string): PNode {
  const pos = at(n.mark, file);
  switch (n.kind) {
    case 'scalar':
      return { kind: 'scalar', pos, value: n.value };
    case 'null':
      return { kind: 'scalar', pos, value: null };
    case 'seq':
      return { kind: 'seq', pos, items: n.items.map((x) => convert(x, file)) };
    case 'map':
      return {
        kind: 'map',
        pos,
        entries: n.entries.map((e) => {
          const keyPos = at(e.key.mark, file);
          const value = convert(e.value, file);
          // An empty value has no place of its own: use its key's.
          return { key: keyText(e.key), keyPos, value: e.value.kind === 'null' && e.value.empty ? { ...value, pos: keyPos } : value };
        }),
      };
  }
}

function at(m: YamlMark, file: string): Pos {
  return { file, line: m.line + 1, column: m.column + 1 };
}

/** Parse one YAML document with positions. Syntax errors become SourceErrors at their place. */
export function parseYamlWithPositions(src: string, file: string): PNode {
  let docs: YNode<CoreScalar>[];
  try {
    docs = loadAllTypedWithPositions(src, file);
  } catch (e) {
    if (e instanceof YamlSyntaxError) {
      throw new SourceError(file, e.mark !== undefined ? e.mark.line + 1 : undefined, e.mark !== undefined ? e.mark.column + 1 : undefined, `YAML syntax error: ${e.message}`);
    }
    throw e;
  }
  if (docs.length > 1) {
    const second = docs[1]!.mark;
    throw new SourceError(file, second.line + 1, second.column + 1, 'a spec is one YAML document; found another here');
  }
  const doc = docs[0];
  // An empty spec (nothing, or only comments) is placed at its start.
  return doc === undefined || doc.kind === 'null' ? { kind: 'scalar', pos: { file, line: 1, column: 1 }, value: null } : convert(doc, file);
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
