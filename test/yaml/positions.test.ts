import { describe, expect, it } from 'vitest';
import { getKey, keyText, loadAllTypedWithPositions, loadAllWithPositions, toPlain, YamlSyntaxError, type YMap, type YNode } from '../../src/yaml/positions.js';
import { parseYamlWithPositions, type PMap } from '../../src/testing/yaml.js';

const SRC = `# comment
a: 1.0
b: ~
c: "null"
d:
e: yes
f: [x, 2]
g:
  - h: true
    i: 'text'
`;

describe('shared YAML parser with positions', () => {
  it('failsafe (rules): every scalar is text, unquoted null words and empty values are null', () => {
    const [doc] = loadAllWithPositions(SRC, 'f');
    expect(toPlain(doc!)).toEqual({ a: '1.0', b: null, c: 'null', d: null, e: 'yes', f: ['x', '2'], g: [{ h: 'true', i: 'text' }] });
    expect(getKey(doc, 'b')).toEqual({ kind: 'null', mark: { offset: 20, line: 2, column: 3 } });
    expect(getKey(doc, 'd')).toMatchObject({ kind: 'null', empty: true });
  });

  it('core (specs): numbers, booleans and nulls are typed; quoted text stays text', () => {
    const [doc] = loadAllTypedWithPositions(SRC, 'f');
    expect(toPlain(doc!)).toEqual({ a: 1, b: null, c: 'null', d: null, e: 'yes', f: ['x', 2], g: [{ h: true, i: 'text' }] });
    expect(getKey(doc, 'b')).toEqual({ kind: 'null', mark: { offset: 20, line: 2, column: 3 } });
    expect(getKey(doc, 'd')).toMatchObject({ kind: 'null', empty: true });
  });

  it('marks every node and key at its first character (0-based), past comments and `- `', () => {
    for (const load of [loadAllWithPositions, loadAllTypedWithPositions]) {
      const [doc] = load(SRC, 'f') as [YMap<string | number | boolean>];
      expect(doc.mark).toMatchObject({ line: 1, column: 0 });
      const g = doc.entries.find((e) => keyText(e.key) === 'g')!;
      expect(g.key.mark).toMatchObject({ line: 7, column: 0 });
      const item = g.value.kind === 'seq' ? g.value.items[0]! : undefined;
      expect(item?.mark).toMatchObject({ line: 8, column: 4 });
      const i = getKey(item, 'i')!;
      expect(i.mark).toMatchObject({ line: 9, column: 7 });
      const f = getKey(doc, 'f')!;
      expect(f.kind === 'seq' && f.items.map((x) => x.mark.column)).toEqual([4, 7]);
    }
  });

  it('several documents; duplicate keys allowed in failsafe (first wins), an error in core', () => {
    const docs = loadAllWithPositions('a: 1\na: 2\n---\nb: 3\n', 'f');
    expect(docs.map((d) => toPlain(d))).toEqual([{ a: '1' }, { b: '3' }]);
    expect(getKey(docs[0], 'a')).toMatchObject({ value: '1' });
    expect(docs[1]!.mark).toMatchObject({ line: 3, column: 0 });
    // A document ended by '---' keeps its positions.
    expect(getKey(docs[0], 'a')!.mark).toMatchObject({ line: 0, column: 3 });
    expect(getKey(loadAllWithPositions('x: 1\n---\ny: 2\n', 'f')[0], 'x')!.mark).toMatchObject({ line: 0, column: 3 });
    expect(() => loadAllTypedWithPositions('a: 1\na: 2\n', 'f')).toThrow(/duplicated mapping key/);
  });

  it('neither schema merges `<<` keys: a plain key, with its place; aliases resolve', () => {
    const [doc] = loadAllTypedWithPositions('base: &b { x: 1 }\nuse:\n  <<: *b\n  y: 2\n', 'f');
    expect(toPlain(getKey(doc, 'use')!)).toEqual({ '<<': { x: 1 }, y: 2 });
    expect(getKey(getKey(doc, 'use'), 'y')!.mark).toMatchObject({ line: 3, column: 5 });
  });

  it('syntax errors carry their 0-based place', () => {
    let err: unknown;
    try {
      loadAllWithPositions('a: 1\nb: [1, 2\n', 'f');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(YamlSyntaxError);
    expect((err as YamlSyntaxError).mark).toMatchObject({ line: 2, column: 0 });
  });
});

describe('lookups and marks', () => {
  /** Every node with its mark, in tree order. */
  const nodes = (n: YNode): YNode[] => [n, ...(n.kind === 'seq' ? n.items.flatMap(nodes) : n.kind === 'map' ? n.entries.flatMap((e) => [...nodes(e.key), ...nodes(e.value)]) : [])];

  it('getKey: the first of duplicate keys, in small and in large (indexed) mappings alike', () => {
    const small = loadAllWithPositions('a: 1\nb: 2\na: 3\n', 'f')[0]!;
    const large = loadAllWithPositions('a: 1\nb: 2\nc: 3\nd: 4\ne: 5\nf: 6\na: 7\n~: n\n', 'f')[0]!;
    expect(getKey(small, 'a')).toMatchObject({ value: '1' });
    expect(getKey(large, 'a')).toMatchObject({ value: '1', mark: { line: 0, column: 3 } });
    expect(getKey(large, 'f')).toMatchObject({ value: '6' });
    expect(getKey(large, '~')).toMatchObject({ value: 'n' });
    expect(getKey(large, 'g')).toBeUndefined();
    expect(getKey(large, 'g')).toBeUndefined();
    expect(getKey(loadAllWithPositions('[a, b]', 'f')[0], 'a')).toBeUndefined();
  });

  it('every mark agrees with the line and column counted from its offset, whatever order nodes are met in', () => {
    const src = 'x: &A\n  - one\n  - two\n\n\n\n\n\n\ny: *A\nz: {p: 1,\n  q: [r,\n\n   s]}\n---\n- "t"\n- >\n  folded\n  text\n- end\n';
    const count = (offset: number) => {
      const before = src.slice(0, offset);
      return { line: before.split('\n').length - 1, column: offset - (before.lastIndexOf('\n') + 1) };
    };
    const all = loadAllWithPositions(src, 'f').flatMap(nodes);
    expect(all.length).toBeGreaterThan(15);
    for (const n of all) expect({ line: n.mark.line, column: n.mark.column }).toEqual(count(n.mark.offset));
    // a second parse starts its line search afresh
    const again = loadAllWithPositions(src, 'f').flatMap(nodes);
    expect(again.map((n) => n.mark)).toEqual(all.map((n) => n.mark));
  });
});

describe('the test specs view (src/testing/yaml.ts)', () => {
  it('1-based places with the file name; an empty value takes its key place', () => {
    const root = parseYamlWithPositions('a:\n  b:\n  c: 3\n', 'x.yaml') as PMap;
    const a = root.entries[0]!.value as PMap;
    expect(a.entries.map((e) => [e.key, e.keyPos.line, e.keyPos.column, e.value.pos.line, e.value.pos.column])).toEqual([
      ['b', 2, 3, 2, 3],
      ['c', 3, 3, 3, 6],
    ]);
    expect(a.entries[0]!.value).toMatchObject({ kind: 'scalar', value: null, pos: { file: 'x.yaml' } });
  });

  it('one document only; an empty file is a null scalar', () => {
    expect(() => parseYamlWithPositions('a: 1\n---\nb: 2\n', 'two.yaml')).toThrow(/^two\.yaml:3:1: a spec is one YAML document/);
    expect(parseYamlWithPositions('# nothing\n', 'e.yaml')).toEqual({ kind: 'scalar', pos: { file: 'e.yaml', line: 1, column: 1 }, value: null });
  });
});

describe('empty and childless nodes (start-up work)', () => {
  it('a key with nothing written is an empty null, a written null is not; comments and `---` are skipped for marks', () => {
    const [doc, second] = loadAllWithPositions('a:\nb: ~\nc:   # note\n  - x\nd: []\n---\n# c\n  - y\n', 'f') as [YMap, YNode];
    expect(getKey(doc, 'a')).toMatchObject({ kind: 'null', empty: true });
    expect(getKey(doc, 'b')).toEqual({ kind: 'null', mark: { offset: 6, line: 1, column: 3 } });
    expect(getKey(doc, 'c')).toMatchObject({ kind: 'seq', mark: { line: 3, column: 2 } });
    expect(getKey(doc, 'd')).toMatchObject({ kind: 'seq', items: [] });
    expect(second).toMatchObject({ kind: 'seq', mark: { line: 7, column: 2 }, items: [{ kind: 'scalar', value: 'y' }] });
  });
});
