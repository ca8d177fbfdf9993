import { describe, expect, it } from 'vitest';
import { errorOf, load, rule, warningCodes } from './helpers.js';
import { buildExceptionCondition, conditionWarnings, quoteItem, resolveListText, resolveMacros } from '../../../src/replay/rules/compiler.js';
import { toConditionString } from '../../../src/replay/filter/ast.js';
import { parseCondition } from '../../../src/replay/filter/parser.js';
import type { RuleExceptionInfo } from '../../../src/replay/rules/types.js';
import { LoadContext } from '../../../src/replay/rules/result.js';

const cond = (L: ReturnType<typeof load>['L'], name: string): string => toConditionString(L.output!.rules.get(name)!.condition);

describe('compiler: lists', () => {
  it('substitutes list names textually, quoting items with spaces', () => {
    expect(resolveListText('proc.name in (shells)', 'shells', ['bash', 'a b'])).toEqual({
      text: 'proc.name in ( bash, "a b" )',
      used: true,
    });
    expect(resolveListText('proc.name in (myshells)', 'shells', ['bash']).used).toBe(false);
    expect(resolveListText('proc.name in (x, shells)', 'shells', []).text).toBe('proc.name in (x  )');
    expect(resolveListText('proc.name in (shells, x)', 'shells', []).text).toBe('proc.name in (   x)');
    expect(quoteItem('a b')).toBe('"a b"');
    expect(quoteItem('"a b"')).toBe('"a b"');
    expect(quoteItem("'a b'")).toBe("'a b'");
    expect(quoteItem('a(b')).toBe('a(b');
  });

  it('expands lists inside lists defined before, one level', () => {
    const { L, res } = load(`- list: a
  items: [x, "y z"]
- list: b
  items: [a, w]
- list: c
  items: [b]
${rule('r', '', 'evt.type = open and proc.name in (c)')}`);
    expect(errorOf(res)).toBe('');
    expect(L.output!.lists.get('b')!.items).toEqual(['x', 'y z', 'w']);
    expect(L.output!.lists.get('c')!.items).toEqual(['a', 'w']);
    // Falco substitutes lists in definition order, so the "a" that c brings in stays literal
    expect(cond(L, 'r')).toBe('(evt.type = open and proc.name in (a, w))');
    expect(res.warnings).toEqual([]);
  });

  it('does not expand lists defined later inside a list', () => {
    const { L } = load('- list: b\n  items: [a]\n- list: a\n  items: [x]\n' + rule('r', '', 'evt.type = open and proc.name in (b)'));
    expect(L.output!.lists.get('b')!.items).toEqual(['a']);
    // the condition still gets "a" expanded textually, since lists are substituted in order
    expect(cond(L, 'r')).toBe('(evt.type = open and proc.name in (x))');
  });

  it('warns about unused lists and macros', () => {
    const { res } = load('- list: l\n  items: [x]\n- macro: m\n  condition: proc.name = x\n' + rule('r'));
    expect(res.warnings.map((w) => `${w.code}: ${w.message} @${w.context.last.itemName}`)).toEqual([
      'LOAD_UNUSED_MACRO: Macro not referred to by any other rule/macro @m',
      'LOAD_UNUSED_LIST: List not referred to by any other rule/macro @l',
    ]);
  });
});

describe('compiler: macros', () => {
  it('substitutes macros on the tree', () => {
    const { L } = load('- macro: a\n  condition: proc.name = x\n- macro: b\n  condition: a or fd.name = y\n' + rule('r', '', 'evt.type = open and not b'));
    expect(cond(L, 'r')).toBe('(evt.type = open and not (proc.name = x or fd.name = y))');
  });

  it('lets macros use only macros defined before them', () => {
    const { res } = load('- macro: b\n  condition: a\n- macro: a\n  condition: proc.name = x\n' + rule('r', '', 'evt.type = open and b'));
    expect(errorOf(res)).toBe("LOAD_ERR_VALIDATE: Undefined macro 'a' used in filter.");
    expect(res.errors[0]!.context.locations.map((l) => l.itemType)).toEqual(['RULES_CONTENT', 'MACRO', 'CONDITION_EXPRESSION']);
  });

  it('lets rules use macros defined after them', () => {
    const { res } = load(rule('r', '', 'evt.type = open and later') + '- macro: later\n  condition: proc.name = x\n');
    expect(errorOf(res)).toBe('');
  });

  it('a redefined macro sees macros defined before its redefinition', () => {
    const { res } = load(
      '- macro: b\n  condition: proc.name = x\n- macro: a\n  condition: fd.name = y\n- macro: b\n  condition: a\n' + rule('r', '', 'evt.type = open and b'),
    );
    expect(errorOf(res)).toBe('');
  });

  it('detects reference loops', () => {
    const { res } = load(
      '- macro: a\n  condition: proc.name = x\n- macro: b\n  condition: a\n- macro: a\n  condition: b\n' + rule('r', '', 'evt.type = open and a'),
    );
    // a -> b -> (a's own, unresolved body) b: Falco reports the inner name
    expect(errorOf(res)).toBe("LOAD_ERR_VALIDATE: reference loop in macro 'b'");
    const self = load('- macro: a\n  condition: proc.name = x\n- macro: a\n  condition: or a\n  override:\n    condition: append\n');
    expect(errorOf(self.res)).toBe("LOAD_ERR_VALIDATE: reference loop in macro 'a'");
  });

  it('reports undefined macros in rules', () => {
    const { res } = load(rule('r', '', 'evt.type = open and nope'));
    expect(errorOf(res)).toBe("LOAD_ERR_VALIDATE: Undefined macro 'nope' used in filter.");
    const loc = res.errors[0]!.context.last;
    expect(loc.itemType).toBe('CONDITION_EXPRESSION');
    expect(loc.name).toBe('"evt.type = open a..."');
  });

  it('resolveMacros reports unknown names and resolved ones', () => {
    const r = resolveMacros(parseCondition('a and not b'), new Map([['a', parseCondition('x.y = 1')]]));
    expect(r.resolved).toEqual(['a']);
    expect(r.unknown.map((u) => u.name)).toEqual(['b']);
  });
});

describe('compiler: exceptions', () => {
  const ctx = LoadContext.root('t');
  const e = (o: Partial<RuleExceptionInfo> & Pick<RuleExceptionInfo, 'fields' | 'comps' | 'values'>): RuleExceptionInfo => ({
    context: ctx,
    name: 'e',
    ...o,
  });
  const s = (item: string) => ({ isList: false, item, items: [] });
  const l = (...items: ReturnType<typeof s>[] | { isList: boolean; item: string; items: ReturnType<typeof s>[] }[]) => ({
    isList: true,
    item: '',
    items: items as ReturnType<typeof s>[],
  });

  it('builds single-field exceptions', () => {
    const f = new Set<string>();
    expect(buildExceptionCondition([e({ fields: s('proc.name'), comps: s('in'), values: [s('a'), s('b c')] })], 'C', f)).toBe(
      '(C) and not (proc.name in (a, "b c"))',
    );
    expect([...f]).toEqual(['proc.name']);
    expect(buildExceptionCondition([e({ fields: s('proc.name'), comps: s('in'), values: [] })], 'C', f)).toBe('(C)');
  });

  it('builds multi-field exceptions with default and list comps', () => {
    const f = new Set<string>();
    expect(
      buildExceptionCondition(
        [
          e({
            fields: l(s('proc.name'), s('fd.name')),
            comps: l(s('='), s('=')),
            values: [l(s('cat'), s('/etc/x')), l(s('dog'), s('/a b'))],
          }),
        ],
        'C',
        f,
      ),
    ).toBe('(C) and not (( proc.name = cat and  fd.name = /etc/x) or ( proc.name = dog and  fd.name = "/a b"))');
    expect(
      buildExceptionCondition(
        [e({ fields: l(s('proc.name'), s('fd.name')), comps: l(s('in'), s('pmatch')), values: [l(l(s('a'), s('b')), s('/tmp'))] })],
        'C',
        f,
      ),
    ).toBe('(C) and not (( proc.name in (a, b) and  fd.name pmatch (/tmp)))');
    expect(
      buildExceptionCondition([e({ fields: l(s('proc.name')), comps: l(s('startswith oneof')), values: [l(s('(a, b)'))] })], 'C', f),
    ).toBe('(C) and not (( proc.name startswith oneof (a, b)))');
    expect(buildExceptionCondition([e({ fields: l(s('proc.name')), comps: l(s('=')), values: [] })], 'C', f)).toBe('(C)');
  });

  it('reports mismatched values', () => {
    expect(() =>
      buildExceptionCondition([e({ fields: l(s('proc.name'), s('fd.name')), comps: l(s('='), s('=')), values: [l(s('x'))] })], 'C', new Set()),
    ).toThrow('Fields and values lists must have equal length');
    expect(() => buildExceptionCondition([e({ fields: s('proc.name'), comps: s('in'), values: [l(s('x'))] })], 'C', new Set())).toThrow(
      'Expected values array to contain a list of strings',
    );
  });

  it('compiles rules with exceptions, list references in values, and appended values', () => {
    const { L, res } = load(
      `- list: trusted
  items: [cat, "my app"]
${rule(
  'r',
  `  exceptions:
  - name: by_proc
    fields: [proc.name, fd.directory]
    comps: [in, =]
    values:
      - [trusted, /etc]
  - name: by_name
    fields: proc.pname
    values: [sudo]
`,
)}`,
      `- rule: r
  exceptions:
  - name: by_proc
    values:
      - [[vi, vim], /tmp]
  - name: by_name
    values: [su]
  override:
    exceptions: append
`,
    );
    expect(errorOf(res)).toBe('');
    const r = L.output!.rules.get('r')!;
    expect(r.conditionText).toBe(
      '(evt.type = open and proc.name = cat) and not (( proc.name in (trusted) and  fd.directory = /etc) or ( proc.name in (vi, vim) and  fd.directory = /tmp)) and not (proc.pname in (sudo, su))',
    );
    expect(toConditionString(r.condition)).toBe(
      '((evt.type = open and proc.name = cat) and not ((proc.name in (cat, "my app") and fd.directory = /etc) or (proc.name in (vi, vim) and fd.directory = /tmp)) and not proc.pname in (sudo, su))',
    );
    expect(r.exceptionFields).toEqual(['fd.directory', 'proc.name', 'proc.pname']);
    expect(res.warnings).toEqual([]);
  });
});

describe('compiler: conditions and outputs', () => {
  it('reports parse errors at the condition position', () => {
    const { res } = load(rule('r', '', 'evt.type = open and ('));
    expect(res.errors[0]!.code).toBe('LOAD_ERR_COMPILE_CONDITION');
    expect(res.errors[0]!.context.last.itemType).toBe('CONDITION_EXPRESSION');
    const m = load('- macro: m\n  condition: proc.name ===\n');
    expect(m.res.errors[0]!.code).toBe('LOAD_ERR_COMPILE_CONDITION');
  });

  it('reports unknown fields, or skips the rule with skip-if-unknown-filter', () => {
    expect(errorOf(load(rule('r', '', 'evt.type = open and proc.nmae = x')).res)).toBe(
      'LOAD_ERR_COMPILE_CONDITION: filter_check called with nonexistent field proc.nmae',
    );
    const { L, res } = load(rule('r', '  skip-if-unknown-filter: true\n', 'evt.type = open and proc.nmae = x'));
    expect(res.successful).toBe(true);
    expect(res.warnings.map((w) => `${w.code}: ${w.message}`)).toEqual([
      'LOAD_UNKNOWN_FILTER: filter_check called with nonexistent field proc.nmae',
    ]);
    expect(L.output!.rules.size).toBe(0);
  });

  it('checks outputs', () => {
    const bad = rule('r').replace('"%proc.name"', '"%proc.nmae"');
    expect(errorOf(load(bad).res)).toBe('LOAD_ERR_COMPILE_OUTPUT: unknown filter: invalid formatting token proc.nmae');
    const { res } = load(bad.replace('priority: WARNING', 'priority: WARNING\n  skip-if-unknown-filter: true'));
    expect(warningCodes(res)).toEqual(['LOAD_UNKNOWN_FILTER']);
    expect(res.warnings[0]!.context.last.itemType).toBe('RULE_OUTPUT');
  });

  it('warns about %container.info and drops it', () => {
    const { L, res } = load(rule('r').replace('"%proc.name"', '"%proc.name %container.info"'));
    expect(res.warnings[0]!.code).toBe('LOAD_DEPRECATED_ITEM');
    expect(res.warnings[0]!.message).toMatch(/^%container.info is deprecated/);
    expect(L.output!.rules.get('r')!.output).toBe('%proc.name ');
  });

  it('warns about deprecated fields in conditions and outputs', () => {
    const { res } = load(rule('r', '', 'evt.type = open and evt.dir = <').replace('"%proc.name"', '"%evt.latency"'));
    expect(res.warnings.map((w) => [w.code, w.deprecatedField, w.context.last.itemType])).toEqual([
      ['LOAD_DEPRECATED_ITEM', 'evt.latency', 'RULE_OUTPUT'],
      ['LOAD_DEPRECATED_ITEM', 'evt.dir', 'CONDITION_EXPRESSION'],
    ]);
    expect(res.warnings[0]!.message).toBe("usage of deprecated field 'evt.latency' has been detected in the rule output");
    expect(res.summary()).toContain("LOAD_DEPRECATED_ITEM (Used deprecated item: field 'evt.dir')");
  });

  it('warns about unsafe <NA> comparisons', () => {
    const { res } = load(rule('r', '', 'evt.type = open and ka.user.name = "<NA>"'));
    expect(warningCodes(res)).toEqual(['LOAD_UNSAFE_NA_CHECK']);
    expect(warningCodes(load(rule('r', '', 'evt.type = open and proc.name = "<NA>"')).res)).toEqual([]);
  });

  it('warns about rules matching too many event types unless warn_evttypes is false', () => {
    const { res } = load(rule('r', '', 'proc.name = cat'));
    expect(res.warnings.map((w) => `${w.code}: ${w.message}`)).toEqual([
      'LOAD_NO_EVTTYPE: Rule matches too many evt.type values. This has a significant performance penalty.',
    ]);
    expect(warningCodes(load(rule('r', '', 'evt.type != open')).res)).toEqual(['LOAD_NO_EVTTYPE']);
    expect(warningCodes(load(rule('r', '  warn_evttypes: false\n', 'proc.name = cat')).res)).toEqual([]);
    // an unsatisfiable condition is not "too many"
    expect(warningCodes(load(rule('r', '', 'evt.num = 0')).res)).toEqual([]);
  });

  it('produces Falco’s validation JSON', () => {
    const { L, all } = load(rule('r', '', 'proc.name = cat'));
    const j = L.validationJSON(all);
    expect(j.falco_load_results).toHaveLength(1);
    const r = j.falco_load_results[0]!;
    expect(r).toMatchObject({ name: 'rules0.yaml', successful: true, errors: [] });
    expect(r.warnings[0]).toEqual({
      context: {
        locations: [
          { item_type: 'rules content', item_name: '', position: { name: 'rules0.yaml', line: 0, column: 0, offset: 0 } },
          { item_type: 'rule', item_name: 'r', position: { name: 'rules0.yaml', line: 0, column: 2, offset: 2 } },
        ],
        snippet: '- rule: r\n  ^\n',
      },
      code: 'LOAD_NO_EVTTYPE',
      codedesc:
        'A rule condition matches too many evt.type values. This has a significant performance penalty. Make the condition more specific by adding an evt.type field or further restricting the number of evt.type values in the condition.',
      message: 'Rule matches too many evt.type values. This has a significant performance penalty.',
    });
    const bad = load('- rule: r\n  desc: x\n');
    const e = bad.L.validationJSON(bad.all).falco_load_results[0]!;
    expect(e.successful).toBe(false);
    expect(e.errors[0]).toMatchObject({
      code: 'LOAD_ERR_YAML_VALIDATE',
      codedesc: 'Error validating internal structure of YAML file',
      message: "Item has no mapping for key 'condition'",
    });
    expect(bad.res.verbose(bad.L.contents)).toContain("LOAD_ERR_YAML_VALIDATE (Error validating internal structure of YAML file): Item has no mapping for key 'condition'");
    expect(bad.res.firstError()!.message).toBe("rules0.yaml:1:3: LOAD_ERR_YAML_VALIDATE: Item has no mapping for key 'condition'");
  });
});

describe('compiler: positions in conditions', () => {
  it('adds the parser position to the YAML position like Falco, with a condition snippet', () => {
    const { res, L } = load(`- rule: r
  desc: d
  condition: >
    evt.type = open and
    proc.nmae = x
  output: "%proc.name"
  priority: INFO
`);
    const e = res.errors[0]!;
    expect(e.message).toBe('filter_check called with nonexistent field proc.nmae');
    // YAML mark of the condition (line 2, column 13: the '>' indicator) plus the parser's
    // 1-based position of the field in the folded text "evt.type = open and proc.nmae = x\n"
    expect(e.context.last).toMatchObject({ itemType: 'CONDITION_EXPRESSION', mark: { line: 3, column: 34 } });
    // Falco's snippet offset is the parser offset plus the file offset, so for a condition
    // snippet it lands past the text and the caret goes to its last character
    expect(e.context.snippet(L.contents)).toBe(`evt.type = open and proc.nmae = x\n${' '.repeat(32)}^\n`);
    expect(res.firstError()!.message).toBe('rules0.yaml:3:14: LOAD_ERR_COMPILE_CONDITION: filter_check called with nonexistent field proc.nmae');
  });
});

describe('compiler: condition warning resolver', () => {
  const warns = (c: string): boolean => {
    const w = conditionWarnings(parseCondition(c));
    return w.unsafeNa || w.deprecated.length > 0;
  };
  it('flags <NA> equality checks on ka./jevt. fields and deprecated fields', () => {
    expect(warns('ka.field exists')).toBe(false);
    expect(warns('some.field = <NA>')).toBe(false);
    expect(warns('ka.field contains <NA>')).toBe(false);
    for (const c of [
      'jevt.field = <NA>',
      'ka.field == <NA>',
      'ka.field != <NA>',
      'ka.field in (x, <NA>)',
      'ka.field intersects (<NA>)',
      'ka.field pmatch (x, <NA>)',
      'evt.dir = <',
      'proc.name = test and evt.dir = >',
      'tolower(evt.latency) = 1',
    ]) {
      expect(warns(c), c).toBe(true);
    }
  });
});
