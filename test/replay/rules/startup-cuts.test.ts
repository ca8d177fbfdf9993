/**
 * Start-up work the rules loader now skips or shares (issue #4): contexts that link to
 * their parent instead of copying its locations, schema paths spelled out only on failure,
 * compiled predicates shared between rules through their macros' subtrees, memoised field
 * lookups. Each must behave exactly as the work done in full.
 */
import { describe, expect, it } from 'vitest';
import type { Expr } from '../../../src/replay/filter/ast.js';
import { compileCondition, type Predicate } from '../../../src/replay/filter/compile.js';
import { ConditionError } from '../../../src/replay/filter/errors.js';
import { parseCondition } from '../../../src/replay/filter/parser.js';
import { syscallFieldRegistry } from '../../../src/replay/fields/registry.js';
import { SimpleFieldRegistry, type FieldDef } from '../../../src/replay/fields/types.js';
import { filterRuleSource } from '../../../src/replay/rules/filter-source.js';
import { RulesLoader } from '../../../src/replay/rules/loader.js';
import { LoadContext } from '../../../src/replay/rules/result.js';
import { validateRulesSchema } from '../../../src/replay/rules/schema.js';
import { loadAllWithPositions } from '../../../src/replay/rules/yaml.js';

describe('LoadContext chains', () => {
  const root = LoadContext.root('rules.yaml');
  const item = root.child({ offset: 10, line: 1, column: 0 }, 'RULE', 'r1');
  const key = item.child(undefined, 'RULE_OUTPUT', '');
  const cond = item.condition({ idx: 4, line: 1, col: 5 }, 'proc.name = "a long condition text"');
  const inCond = cond.child({ offset: 3, line: 0, column: 3 }, 'EXCEPTION', 'e');

  it('lists every location from the root down, in order, as the copying version did', () => {
    expect(key.locations.map((l) => [l.itemType, l.itemName, l.name])).toEqual([
      ['RULES_CONTENT', '', 'rules.yaml'],
      ['RULE', 'r1', 'rules.yaml'],
      ['RULE_OUTPUT', '', 'rules.yaml'],
    ]);
    // a child without a mark takes its parent's
    expect(key.last.mark).toEqual({ offset: 10, line: 1, column: 0 });
    // the parent's own locations are untouched by its children
    expect(item.locations).toHaveLength(2);
    expect(key.locations[1]).toBe(item.locations[1]);
  });

  it('names every location after the rules content, also below a condition location', () => {
    expect(cond.name).toBe('rules.yaml');
    expect(cond.last.name).toBe('"proc.name = \"a lo..."');
    expect(cond.last.mark).toEqual({ offset: 14, line: 2, column: 5 });
    expect(inCond.name).toBe('rules.yaml');
    expect(inCond.locations.map((l) => l.name)).toEqual(['rules.yaml', 'rules.yaml', '"proc.name = \"a lo..."', 'rules.yaml']);
    expect(inCond.altContent).toBe('proc.name = "a long condition text"');
  });

  it('prints and serialises the same text', () => {
    expect(key.asString()).toBe('In rules content: (rules.yaml:0:0)\n    rule \'r1\': (rules.yaml:1:0)\n    rule output: (rules.yaml:1:0)\n');
    expect(key.toJSON().locations).toHaveLength(3);
  });
});

describe('schema paths', () => {
  const docs = loadAllWithPositions(
    ['- rule: r', '  enabled: maybe', '  exceptions:', '    - name: e', '    - fields: [a]', '  tags: [a, [b]]', '- list: l', '  items: [a, 2]'].join('\n'),
    'x.yaml',
  );

  it('spells out the path of each failure, none for what passes', () => {
    expect(validateRulesSchema(docs)).toEqual([
      "failed for <root>[0][enabled]: Value type not permitted by 'type' constraint (expected boolean).",
      "failed for <root>[0][exceptions][1]: Missing required property 'name'.",
      "failed for <root>[0][tags][1]: Value type not permitted by 'type' constraint (expected string).",
    ]);
    expect(validateRulesSchema(loadAllWithPositions('- list: l\n  items: [a, b]\n', 'y.yaml'))).toEqual(['ok']);
  });
});

interface Ctx {
  readonly v: Record<string, string>;
}

describe('compiled predicates shared through a memo', () => {
  let compiles = 0;
  const def = (name: string): FieldDef<Ctx> => ({
    name,
    type: 'charbuf',
    description: name,
    arg: 'none',
    compile: () => {
      compiles++;
      return (c: Ctx) => c.v[name];
    },
  });
  const registry = new SimpleFieldRegistry<Ctx>([def('proc.name'), def('fd.name'), def('evt.type')]);
  const macro = parseCondition('proc.name in (a, b) and not fd.name startswith /etc');
  const rule = (other: string): Expr => {
    const o = parseCondition(other);
    return { kind: 'and', children: [o, macro], pos: o.pos, end: o.end };
  };
  const events: Ctx[] = [
    { v: { 'proc.name': 'a', 'fd.name': '/tmp/x', 'evt.type': 'open' } },
    { v: { 'proc.name': 'b', 'fd.name': '/etc/x', 'evt.type': 'open' } },
    { v: { 'proc.name': 'c', 'fd.name': '/tmp/x', 'evt.type': 'openat' } },
    { v: { 'proc.name': 'a', 'fd.name': '/tmp/y', 'evt.type': 'openat' } },
  ];
  const outcomes = (p: Predicate<Ctx>): boolean[] => events.map((e) => p(e));

  it('compiles a shared subtree once and gives the predicates compiled without a memo', () => {
    const memo = new WeakMap<Expr, Predicate<Ctx>>();
    const r1 = rule('evt.type = open');
    const r2 = rule('evt.type = openat');
    const plain = [compileCondition(r1, { registry }), compileCondition(r2, { registry })].map(outcomes);
    compiles = 0;
    const shared = [compileCondition(r1, { registry, memo }), compileCondition(r2, { registry, memo })].map(outcomes);
    // evt.type twice, the macro's two fields once
    expect(compiles).toBe(4);
    expect(shared).toEqual(plain);
    expect(plain).toEqual([
      [true, false, false, false],
      [false, false, false, true],
    ]);
  });

  it('keeps no entry for a subtree that failed to compile: the error comes back each time', () => {
    const memo = new WeakMap<Expr, Predicate<Ctx>>();
    const bad = parseCondition('proc.name = a and nope.field = b');
    const tree: Expr = { kind: 'or', children: [parseCondition('evt.type = open'), bad], pos: bad.pos, end: bad.end };
    for (let i = 0; i < 2; i++) {
      expect(() => compileCondition(tree, { registry, memo })).toThrow(ConditionError);
      expect(() => compileCondition(tree, { registry, memo })).toThrow(/unknown field 'nope.field'/);
    }
    expect(memo.has(bad)).toBe(false);
    expect(memo.has(tree)).toBe(false);
  });

  it('rules loaded through the syscall source: the same warnings as before, predicates per rule', () => {
    const content = [
      '- macro: m',
      '  condition: evt.type = open and proc.name = "proc.name"',
      '- rule: r1',
      '  desc: d',
      '  condition: m and fd.name = /etc/passwd',
      '  output: "%proc.name"',
      '  priority: WARNING',
      '- rule: r2',
      '  desc: d',
      '  condition: m or fd.name = /etc/shadow',
      '  output: "%fd.name"',
      '  priority: WARNING',
    ].join('\n');
    const l = new RulesLoader({ sources: [filterRuleSource(syscallFieldRegistry())] });
    const res = l.load(content, 'x.yaml');
    expect(res.successful).toBe(true);
    // the misused-field warning of the macro's value, once per rule using it
    expect(res.warnings.filter((w) => w.code === 'LOAD_COMPILE_CONDITION').map((w) => w.context.locations.find((x) => x.itemType === 'RULE')?.itemName)).toEqual(['r1', 'r2']);
    const rules = [...l.output!.rules];
    expect(rules.map((r) => r.name)).toEqual(['r1', 'r2']);
    expect(rules[0]!.filter).not.toBe(rules[1]!.filter);
  });
});

describe('memoised field lookups', () => {
  const registry = syscallFieldRegistry();

  it('answers repeated lookups with the first answer, including misses and named arguments', () => {
    const a = registry.lookup('proc.name');
    expect(a?.def.name).toBe('proc.name');
    expect(registry.lookup('proc.name')).toBe(a);
    expect(registry.lookup('no.such.field')).toBeUndefined();
    expect(registry.lookup('no.such.field')).toBeUndefined();
    const arg = registry.lookup('evt.arg.fd');
    expect(arg).toEqual({ def: registry.get('evt.arg'), arg: 'fd' });
    expect(registry.lookup('evt.arg.fd')).toBe(arg);
    expect(registry.lookup('evt.arg')?.arg).toBeUndefined();
  });
});
