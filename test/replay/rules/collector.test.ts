import { describe, expect, it } from 'vitest';
import { errorOf, load, rule } from './helpers.js';
import {
  ERROR_NO_PREVIOUS_LIST,
  ERROR_NO_PREVIOUS_MACRO,
  ERROR_NO_PREVIOUS_RULE_APPEND,
  ERROR_NO_PREVIOUS_RULE_REPLACE,
  isStrOperatorWithModifier,
} from '../../../src/replay/rules/collector.js';

describe('collector: lists and macros', () => {
  it('appends list items (override and deprecated append) and redefines', () => {
    const { L } = load(
      '- list: l\n  items: [a]\n- list: l\n  items: [b]\n  override:\n    items: append\n- list: l\n  items: [c]\n  append: true\n',
    );
    expect(L.collector.lists.get('l')!.items).toEqual(['a', 'b', 'c']);
    const r = load('- list: l\n  items: [a]\n- list: l\n  items: [z]\n  override:\n    items: replace\n');
    expect(r.L.collector.lists.get('l')!.items).toEqual(['z']);
    const d = load('- list: l\n  items: [a]\n- list: l\n  items: [y]\n');
    expect(d.L.collector.lists.get('l')!.items).toEqual(['y']);
  });

  it('keeps the original index and moves visibility on redefinition', () => {
    const { L } = load('- list: a\n  items: []\n- list: b\n  items: []\n- list: a\n  items: []\n');
    expect(L.collector.lists.get('a')).toMatchObject({ index: 0, visibility: 2 });
    expect([...L.collector.lists].map((l) => l.name)).toEqual(['a', 'b']);
  });

  it('appends macro conditions with a space', () => {
    const { L } = load('- macro: m\n  condition: proc.name = a\n- macro: m\n  condition: or proc.name = b\n  override:\n    condition: append\n');
    expect(L.collector.macros.get('m')!.cond).toBe('proc.name = a or proc.name = b');
  });

  it('refuses appends to undefined items', () => {
    expect(errorOf(load('- list: l\n  items: [a]\n  append: true\n').res)).toBe(`LOAD_ERR_VALIDATE: ${ERROR_NO_PREVIOUS_LIST}`);
    expect(errorOf(load('- list: l\n  items: [a]\n  override:\n    items: append\n').res)).toBe(
      `LOAD_ERR_VALIDATE: ${ERROR_NO_PREVIOUS_LIST}`,
    );
    expect(errorOf(load('- macro: m\n  condition: x\n  override:\n    condition: append\n').res)).toBe(
      `LOAD_ERR_VALIDATE: ${ERROR_NO_PREVIOUS_MACRO}`,
    );
    expect(errorOf(load('- rule: r\n  condition: x\n  append: true\n').res)).toBe(
      `LOAD_ERR_VALIDATE: ${ERROR_NO_PREVIOUS_RULE_APPEND}`,
    );
    expect(errorOf(load('- rule: r\n  condition: x\n  override:\n    condition: append\n').res)).toBe(
      `LOAD_ERR_VALIDATE: ${ERROR_NO_PREVIOUS_RULE_APPEND}`,
    );
    expect(errorOf(load('- rule: r\n  priority: INFO\n  override:\n    priority: replace\n').res)).toBe(
      `LOAD_ERR_VALIDATE: ${ERROR_NO_PREVIOUS_RULE_REPLACE}`,
    );
  });
});

describe('collector: rules', () => {
  it('appends condition, output, desc, tags', () => {
    const { L, res } = load(
      rule('r', '  tags: [z]\n'),
      `- rule: r
  condition: and proc.pname = sh
  output: extra=%fd.name
  desc: more
  tags: [a]
  override:
    condition: append
    output: append
    desc: append
    tags: append
`,
    );
    expect(errorOf(res)).toBe('');
    expect(L.collector.rules.get('r')).toMatchObject({
      cond: 'evt.type = open and proc.name = cat and proc.pname = sh',
      output: '%proc.name extra=%fd.name',
      desc: 'd more',
      tags: ['a', 'z'],
    });
  });

  it('replaces every replaceable key', () => {
    const { L, res } = load(
      rule('r', '  tags: [z]\n  exceptions: [{name: e, fields: proc.name, values: [a]}]\n'),
      `- rule: r
  condition: evt.type = close
  output: o=%fd.name
  desc: nd
  tags: [n]
  priority: info
  enabled: false
  warn_evttypes: false
  skip-if-unknown-filter: true
  capture: true
  capture_duration: 9
  exceptions: []
  override:
    condition: replace
    output: replace
    desc: replace
    tags: replace
    priority: replace
    enabled: replace
    warn_evttypes: replace
    skip-if-unknown-filter: replace
    capture: replace
    capture_duration: replace
    exceptions: replace
`,
    );
    expect(errorOf(res)).toBe('');
    expect(L.collector.rules.get('r')).toMatchObject({
      cond: 'evt.type = close',
      output: 'o=%fd.name',
      desc: 'nd',
      tags: ['n'],
      priority: 6,
      enabled: false,
      warnEvttypes: false,
      skipIfUnknownFilter: true,
      capture: true,
      captureDuration: 9,
      exceptions: [],
    });
  });

  it('allows append and replace of different keys in one item', () => {
    const { L, res } = load(
      rule('r'),
      '- rule: r\n  condition: and fd.name = x\n  priority: ERROR\n  override:\n    condition: append\n    priority: replace\n',
    );
    expect(errorOf(res)).toBe('');
    expect(L.collector.rules.get('r')).toMatchObject({ cond: 'evt.type = open and proc.name = cat and fd.name = x', priority: 3 });
  });

  it('refuses the same key under append and replace', () => {
    // yaml-cpp keeps both entries of the override mapping; the key is consumed by the append
    const { res } = load(rule('r'), '- rule: r\n  condition: and fd.name = x\n  override:\n    condition: append\n    condition: replace\n');
    expect(errorOf(res)).toBe(
      "LOAD_ERR_YAML_VALIDATE: An replace override for 'condition' was specified but 'condition' is not defined",
    );
  });

  it('supports the deprecated append: true on rules (condition and exceptions)', () => {
    const { L, res } = load(rule('r'), '- rule: r\n  condition: and fd.name = x\n  append: true\n');
    expect(res.warnings.map((w) => w.code)).toContain('LOAD_DEPRECATED_ITEM');
    expect(L.collector.rules.get('r')!.cond).toBe('evt.type = open and proc.name = cat and fd.name = x');
    expect(errorOf(load(rule('r'), '- rule: r\n  append: true\n').res)).toBe(
      'LOAD_ERR_VALIDATE: Appended rule must have exceptions or condition property',
    );
  });

  it('refuses redefinition with a different source', () => {
    expect(errorOf(load(rule('r'), rule('r', '  source: k8s_audit\n')).res)).toBe(
      'LOAD_ERR_VALIDATE: Rule has been re-defined with a different source',
    );
  });

  it('redefines rules in place', () => {
    const { L } = load(rule('a'), rule('b'), rule('a', '', 'evt.type = close'));
    expect([...L.output!.rules].map((r) => r.name)).toEqual(['a', 'b']);
    expect(L.output!.rules.get('a')!.conditionText).toBe('evt.type = close');
  });

  it('skips rules of unknown sources with a warning', () => {
    const { L, res } = load(rule('r', '  source: aws_cloudtrail\n'));
    expect(res.successful).toBe(true);
    expect(res.warnings.map((w) => `${w.code}: ${w.message}`)).toEqual([
      'LOAD_UNKNOWN_SOURCE: Unknown source aws_cloudtrail, skipping',
    ]);
    expect(L.output!.rules.size).toBe(0);
    // overriding a rule of an unknown source is still fine
    const r2 = load(rule('r', '  source: aws_cloudtrail\n'), '- rule: r\n  desc: x\n  override:\n    desc: replace\n');
    expect(r2.res.successful).toBe(true);
  });
});

describe('collector: exceptions', () => {
  it('validates fields and comps', () => {
    const ex = (e: string): string => errorOf(load(rule('r', `  exceptions:\n  - ${e}\n`)).res);
    expect(ex('{name: e}')).toBe("LOAD_ERR_YAML_VALIDATE: Item has no mapping for key 'fields'");
    expect(ex('{name: e, fields: []}')).toBe('LOAD_ERR_VALIDATE: Rule exception item must have fields property with a list of fields');
    expect(ex('{name: e, fields: }')).toBe('LOAD_ERR_VALIDATE: Rule exception item must have fields property with a list of fields');
    expect(ex('{name: e, fields: [proc.name, fd.name], comps: [=]}')).toBe(
      'LOAD_ERR_VALIDATE: Fields and comps lists must have equal length',
    );
    expect(ex('{name: e, fields: [proc.name], comps: [like]}')).toBe(
      "LOAD_ERR_VALIDATE: 'like' is not a supported comparison operator",
    );
    expect(ex('{name: e, fields: proc.name, comps: [in]}')).toBe('LOAD_ERR_VALIDATE: Fields and comps must both be strings');
    expect(ex('{name: e, fields: proc.name, comps: "="}')).toBe(
      'LOAD_ERR_VALIDATE: When fields is a single value, comps must be one of (in, pmatch, intersects) or a modifier operator (e.g. startswith oneof)',
    );
    expect(ex('{name: e, fields: proc.nmae}')).toBe("LOAD_ERR_VALIDATE: 'proc.nmae' is not a supported filter field");
    expect(ex('{name: e, fields: [proc.nmae]}')).toBe("LOAD_ERR_VALIDATE: 'proc.nmae' is not a supported filter field");
    expect(ex('{name: e, fields: [proc.name], comps: [" startswith "], values: [[a]]}')).toBe('');
    expect(ex('{name: e, fields: proc.name, comps: startswith oneof, values: [a]}')).toBe('');
  });

  it('knows operators with modifiers', () => {
    expect(isStrOperatorWithModifier('startswith oneof')).toBe(true);
    expect(isStrOperatorWithModifier('contains allof')).toBe(true);
    expect(isStrOperatorWithModifier('in oneof')).toBe(false);
    expect(isStrOperatorWithModifier('>= oneof')).toBe(false);
    expect(isStrOperatorWithModifier('startswith')).toBe(false);
  });

  it('fills default comps', () => {
    const { L } = load(rule('r', '  exceptions:\n  - {name: a, fields: [proc.name, fd.name]}\n  - {name: b, fields: proc.name}\n'));
    const [a, b] = L.collector.rules.get('r')!.exceptions;
    expect(a!.comps.items.map((c) => c.item)).toEqual(['=', '=']);
    expect(b!.comps).toMatchObject({ isList: false, item: 'in' });
  });

  it('appends values to an existing exception and adds new exceptions', () => {
    const { L, res } = load(
      rule('r', '  exceptions:\n  - {name: a, fields: [proc.name], values: [[x]]}\n'),
      '- rule: r\n  exceptions:\n  - {name: a, values: [[y]]}\n  - {name: b, fields: fd.name, values: [/tmp]}\n  override:\n    exceptions: append\n',
    );
    expect(errorOf(res)).toBe('');
    const exs = L.collector.rules.get('r')!.exceptions;
    expect(exs.map((e) => e.name)).toEqual(['a', 'b']);
    expect(exs[0]!.values.map((v) => v.items.map((i) => i.item))).toEqual([['x'], ['y']]);
  });

  it('refuses bad exception appends', () => {
    const base = rule('r', '  exceptions:\n  - {name: a, fields: [proc.name], values: [[x]]}\n');
    const app = (e: string): string => errorOf(load(base, `- rule: r\n  exceptions:\n  - ${e}\n  override:\n    exceptions: append\n`).res);
    expect(app('{name: a, fields: [proc.name], values: [[y]]}')).toBe(
      'LOAD_ERR_VALIDATE: Can not append exception fields to existing exception, only values',
    );
    expect(app('{name: a, comps: [=], values: [[y]]}')).toBe(
      'LOAD_ERR_VALIDATE: Can not append exception comps to existing exception, only values',
    );
    expect(app('{name: n, values: [[y]]}')).toBe(
      'LOAD_ERR_VALIDATE: Rule exception must have fields property with a list of fields',
    );
    expect(app('{name: n, fields: [proc.name]}')).toBe(
      'LOAD_ERR_VALIDATE: Rule exception must have values property with a list of values',
    );
    const r = load(base, '- rule: r\n  exceptions:\n  - {name: a}\n  override:\n    exceptions: append\n');
    expect(r.res.warnings.map((w) => `${w.code}: ${w.message}`)).toContain(
      'LOAD_APPEND_NO_VALUES: Overriding/appending exception with no values',
    );
  });
});

describe('plugin requirements', () => {
  it('checks loaded plugins against required_plugin_versions like Falco', () => {
    const { L } = load(`- required_plugin_versions:
  - name: k8saudit
    version: 0.7.0
    alternatives:
      - name: k8saudit-eks
        version: 0.4.0
`);
    expect(L.checkPluginRequirements([])).toBe(
      'Plugin requirement not satisfied, must load one of: k8saudit (>= 0.7.0), k8saudit-eks (>= 0.4.0)',
    );
    expect(L.checkPluginRequirements([{ name: 'k8saudit', version: '0.8.1' }])).toBeUndefined();
    expect(L.checkPluginRequirements([{ name: 'k8saudit-eks', version: '0.5.0' }])).toBeUndefined();
    expect(L.checkPluginRequirements([{ name: 'k8saudit', version: '0.6.0' }])).toBe(
      "Plugin 'k8saudit' version '0.6.0' is not compatible with required plugin version '0.7.0'",
    );
    expect(L.checkPluginRequirements([{ name: 'k8saudit', version: '1.0.0' }])).toBe(
      "Plugin 'k8saudit' version '1.0.0' is not compatible with required plugin version '0.7.0'",
    );
    expect(L.checkPluginRequirements([{ name: 'k8saudit', version: 'x' }])).toBe("Plugin 'k8saudit' has invalid version string 'x'");
  });
});
