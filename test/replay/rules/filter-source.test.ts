import { describe, expect, it } from 'vitest';
import { SimpleFieldRegistry, type FieldDef, type FieldType } from '../../../src/replay/fields/types.js';
import { filterRuleSource, checkOutputFormat } from '../../../src/replay/rules/filter-source.js';
import { RulesLoader } from '../../../src/replay/rules/loader.js';
import { rule } from './helpers.js';

interface Ctx {
  readonly evt: Record<string, string | number>;
}

function def(name: string, type: FieldType, arg: FieldDef<Ctx>['arg'] = 'none'): FieldDef<Ctx> {
  return {
    name,
    type,
    description: name,
    arg,
    compile: (a) => (ctx: Ctx) => ctx.evt[a === undefined ? name : `${name}[${a}]`],
  };
}

const registry = new SimpleFieldRegistry<Ctx>([
  def('evt.type', 'charbuf'),
  def('evt.num', 'uint64'),
  def('proc.name', 'charbuf'),
  def('proc.aname', 'charbuf', 'optional-index'),
  def('evt.arg', 'charbuf', 'index-or-key'),
  def('fd.name', 'fspath'),
]);

describe('filterRuleSource', () => {
  const src = filterRuleSource(registry);

  it('compiles resolved conditions to predicates', () => {
    const L = new RulesLoader({ sources: [src] });
    const res = L.load(
      `- macro: m\n  condition: proc.name in (cat, "my app")\n${rule('r', '', 'evt.type = open and m')}`,
      'r.yaml',
    );
    expect(res.errors).toEqual([]);
    const f = L.output!.rules.get('r')!.filter;
    expect(f({ evt: { 'evt.type': 'open', 'proc.name': 'my app' } })).toBe(true);
    expect(f({ evt: { 'evt.type': 'open', 'proc.name': 'dog' } })).toBe(false);
  });

  it('maps unknown fields and event types to Falco’s texts', () => {
    const L = new RulesLoader({ sources: [src] });
    const res = L.load(rule('r', '', 'evt.type = open and proc.nmae = x'), 'r.yaml');
    expect(res.errors[0]!.message).toBe('filter_check called with nonexistent field proc.nmae');
    const L2 = new RulesLoader({ sources: [src] });
    const r2 = L2.load(rule('r', '  skip-if-unknown-filter: true\n', 'evt.type = opne'), 'r.yaml');
    expect(r2.successful).toBe(true);
    expect(r2.warnings.map((w) => `${w.code}: ${w.message}`)).toEqual(['LOAD_UNKNOWN_FILTER: unknown event type opne']);
  });

  it('checks exception fields', () => {
    expect(src.isValidLhsField('proc.name')).toBe(true);
    expect(src.isValidLhsField('proc.aname[2]')).toBe(true);
    expect(src.isValidLhsField('proc.nmae')).toBe(false);
  });

  it('validates output formats the way libsinsp splits them', () => {
    expect(src.checkOutput('%proc.name opened %fd.name (%evt.arg.flags) %proc.aname[2]')).toBeUndefined();
    expect(src.checkOutput('*%proc.name')).toBeUndefined();
    expect(src.checkOutput('%12proc.name')).toBeUndefined();
    expect(src.checkOutput('x=%proc.name.')).toBeUndefined();
    expect(src.checkOutput('')).toBe('empty formatting token');
    expect(src.checkOutput('bad %')).toBe('invalid formatting syntax: formatting cannot end with a %');
    expect(src.checkOutput('bad %12')).toBe('invalid formatting syntax: formatting cannot end with a number');
    expect(src.checkOutput('%proc.nmae')).toMatch(/^unknown filter: /);
    expect(checkOutputFormat('%a.b', (t) => (t === 'a.b' ? {} : { error: 'x' }))).toBeUndefined();
  });
});
