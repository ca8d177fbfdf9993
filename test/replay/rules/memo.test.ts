/**
 * The rules loader reuses work on macro trees shared between rules (event-code search,
 * event-type checks, value warnings, output checks) and skips lists a condition cannot
 * name. Each reuse must give exactly what the work done from scratch gives.
 */
import { describe, expect, it } from 'vitest';
import type { Expr } from '../../../src/replay/filter/ast.js';
import { parseCondition } from '../../../src/replay/filter/parser.js';
import { SimpleFieldRegistry, type FieldDef } from '../../../src/replay/fields/types.js';
import { defaultEventCodes, eventCodesOf, type EventCodeResolver } from '../../../src/replay/rules/evttypes.js';
import { checkEventTypeNames, filterRuleSource, valueWarnings, type SubtreeMemo } from '../../../src/replay/rules/filter-source.js';
import { toConditionString } from '../../../src/replay/filter/ast.js';
import { RulesLoader } from '../../../src/replay/rules/loader.js';
import type { CompileWarning } from '../../../src/replay/rules/source.js';
import { load, rule } from './helpers.js';

/** A structurally equal tree sharing no node with the original (so no memo entry applies). */
const fresh = (e: Expr): Expr => JSON.parse(JSON.stringify(e)) as Expr;

/** `and`/`or` with a shared child, as macro substitution builds them. */
function share(kind: 'and' | 'or', ...children: Expr[]): Expr {
  return { kind, children, pos: children[0]!.pos, end: children[children.length - 1]!.end };
}
function not(child: Expr): Expr {
  return { kind: 'not', child, pos: child.pos, end: child.end };
}

describe('event-code search on shared subtrees', () => {
  const macro = parseCondition('evt.type in (open, openat) and proc.name = cat');
  const neutral = parseCondition('(proc.name = a or fd.name = b)');

  it('gives the from-scratch codes whether the shared subtree is met outside or inside a negation first', () => {
    const trees: Expr[] = [
      not(macro),
      macro,
      share('and', macro, neutral),
      share('or', not(macro), parseCondition('evt.type = close')),
      not(share('and', neutral, not(macro))),
      share('or', macro, not(neutral)),
    ];
    for (const t of trees) expect(eventCodesOf(t)).toEqual(eventCodesOf(fresh(t)));
    // again, now with every subtree in the memo
    for (const t of trees) expect(eventCodesOf(t)).toEqual(eventCodesOf(fresh(t)));
    expect(eventCodesOf(not(macro)).length).toBeGreaterThan(eventCodesOf(macro).length);
  });

  it('keeps outcomes per resolver: a resolver with other codes is not answered from the default one', () => {
    const tree = share('and', macro, neutral);
    const before = eventCodesOf(tree);
    const tiny: EventCodeResolver = {
      allCodes: () => new Set([1, 2, 3]),
      namesToCodes: (names) => new Set([...names].map((n) => (n === 'open' ? 2 : 3))),
    };
    expect(eventCodesOf(tree, tiny)).toEqual([2, 3]);
    expect(eventCodesOf(tree, defaultEventCodes)).toEqual(before);
  });

  it('does not remember a subtree whose search failed', () => {
    const bad = parseCondition('evt.type = val(proc.name)');
    const tree = share('and', bad, neutral);
    expect(() => eventCodesOf(tree)).toThrow(/right-hand field comparisons/);
    expect(() => eventCodesOf(tree)).toThrow(/right-hand field comparisons/);
  });
});

interface Ctx {
  readonly v: Record<string, string>;
}
const def = (name: string): FieldDef<Ctx> => ({ name, type: 'charbuf', description: name, arg: 'none', compile: () => (c: Ctx) => c.v[name] });
const registry = new SimpleFieldRegistry<Ctx>([def('evt.type'), def('proc.name'), def('fd.name')]);
const isField = (f: string): boolean => registry.lookup(f) !== undefined;

describe('event-type checks and value warnings on shared subtrees', () => {
  it('value warnings: the same list, in the same order, from the memo as from scratch', () => {
    const macro = parseCondition('proc.name regex "abc" and fd.name in (proc.name, "tolower(x)")');
    const memo: SubtreeMemo<readonly CompileWarning[]> = new WeakMap();
    const r1 = share('and', parseCondition('evt.type = open'), macro);
    const r2 = share('or', macro, not(macro), parseCondition('fd.name = proc.name'));
    const expected1 = valueWarnings(fresh(r1), isField);
    const expected2 = valueWarnings(fresh(r2), isField);
    expect(expected1.map((w) => w.message)).toEqual([
      "regex check with 'abc' may be optimized with simpler operators such as '=', 'contains', 'startswith', 'endswith'",
      "'proc.name' may be a valid field misused as a const string value",
      "'tolower(x)' may be a valid field transformer misused as a const string value",
    ]);
    expect(valueWarnings(r1, isField, memo)).toEqual(expected1);
    expect(valueWarnings(r2, isField, memo)).toEqual(expected2);
    expect(valueWarnings(r2, isField, memo)).toEqual(expected2);
    expect(expected2).toHaveLength(7);
  });

  it('event-type check: a subtree that passed is skipped; one that failed fails every time, at the same place', () => {
    const memo: SubtreeMemo<true> = new WeakMap();
    const good = parseCondition('evt.type in (open, openat) and proc.name = x');
    const bad = parseCondition('proc.name = y and evt.type = nosuchevent');
    checkEventTypeNames(share('and', good, neutralOf()), new Set(), memo);
    expect(memo.has(good)).toBe(true);
    const tree = share('or', good, bad);
    for (let i = 0; i < 2; i++) {
      let err: unknown;
      try {
        checkEventTypeNames(tree, new Set(), memo);
      } catch (e) {
        err = e;
      }
      expect(err).toMatchObject({ message: 'unknown event type nosuchevent', pos: { offset: 29 } });
    }
    expect(memo.has(bad)).toBe(false);
    expect(memo.has(tree)).toBe(false);
    // the names a source accepts are part of the check: async event names pass
    checkEventTypeNames(bad, new Set(['nosuchevent']));
  });

  it('a source checks each output format once and gives the same answer again (errors included)', () => {
    const src = filterRuleSource(registry);
    expect(src.checkOutput('a %proc.name b %fd.name')).toBeUndefined();
    expect(src.checkOutput('a %proc.name b %fd.name')).toBeUndefined();
    const err = src.checkOutput('x %proc.nope');
    expect(err).toMatch(/^unknown filter: /);
    expect(src.checkOutput('x %proc.nope')).toBe(err);
    // a known token met first in another format is still checked in full here
    expect(src.checkOutput('%proc.name%')).toBe('invalid formatting syntax: formatting cannot end with a %');
  });

  it('rules sharing a macro each get its warnings, as Falco reports them per rule', () => {
    const L = new RulesLoader({ sources: [filterRuleSource(registry)] });
    const text =
      '- macro: m\n  condition: proc.name regex "abc"\n' +
      rule('r1', '', 'evt.type = open and m') +
      rule('r2', '', 'evt.type = close and m') +
      rule('r3', '', 'evt.type = open and not m');
    const res = L.load(text, 'rules.yaml');
    expect(res.successful).toBe(true);
    const warned = res.warnings.filter((w) => w.code === 'LOAD_COMPILE_CONDITION').map((w) => w.context.locations.find((l) => l.itemType === 'RULE')?.itemName);
    expect(warned).toEqual(['r1', 'r2', 'r3']);
  });
});

function neutralOf(): Expr {
  return parseCondition('proc.name = z');
}

describe('list expansion skips lists a condition cannot name', () => {
  const cond = (L: ReturnType<typeof load>['L'], name: string): string => toConditionString(L.output!.rules.get(name)!.condition);

  it('expands a list named only by the items of an earlier one, and leaves names inside longer words alone', () => {
    const { L } = load(
      '- list: first\n  items: [second, "a b"]\n- list: second\n  items: [x, y]\n- list: sh\n  items: [zsh]\n' +
        rule('r', '', 'evt.type = open and proc.name in (first) and fd.name in (shx, sh_x, x.sh)'),
    );
    expect(cond(L, 'r')).toBe('(evt.type = open and proc.name in (x, y, "a b") and fd.name in (shx, sh_x, x.sh))');
    expect(L.output!.lists.get('sh')!.used).toBe(false);
    expect(L.output!.lists.get('second')!.used).toBe(true);
  });

  it('substitutes in definition order whatever order the condition names them in; names with blanks are searched too', () => {
    const { L } = load(
      '- list: two words\n  items: [v, "w x"]\n- list: early\n  items: [late, z]\n- list: late\n  items: [q]\n' +
        rule('r', '', 'evt.type = open and fd.name in (two words) and proc.name in (late, early)'),
    );
    // early (defined first) brings "late" in, and late is substituted after it: both become q
    expect(cond(L, 'r')).toBe('(evt.type = open and fd.name in (v, "w x") and proc.name in (q, q, z))');
  });

  it('still finds list names between any of the delimiters (blanks, parentheses, commas, =)', () => {
    const { L } = load('- list: l\n  items: [v]\n' + rule('r', '', 'evt.type = open and (proc.name=l or fd.name in (a,l)) and proc.name =\tl'));
    expect(cond(L, 'r')).toBe('(evt.type = open and (proc.name = v or fd.name in (a, v)) and proc.name = v)');
  });
});
