import { describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { errorOf, load, loader, rule, warningCodes } from './helpers.js';
import { expandRulesPaths, readRulesFiles, WARNING_APPEND, WARNING_ENABLED, ERROR_OVERRIDE_APPEND } from '../../../src/replay/rules/reader.js';
import { parsePriority, formatPriority } from '../../../src/replay/rules/types.js';
import { loadAllWithPositions, getKey } from '../../../src/replay/rules/yaml.js';
import { falcoJSONString } from '../../../src/replay/rules/result.js';

describe('yaml positions', () => {
  it('gives 0-based line/column of every key and value', () => {
    const src = '# c\n- list: a\n  items: [x, "y z"]\n- macro: m\n  condition: >\n    x and\n    y\n';
    const [doc] = loadAllWithPositions(src, 'f');
    expect(doc!.kind).toBe('seq');
    if (doc!.kind !== 'seq') return;
    const list = doc.items[0]!;
    expect(list.mark).toEqual({ offset: 6, line: 1, column: 2 });
    const items = getKey(list, 'items')!;
    expect(items.mark).toEqual({ offset: 23, line: 2, column: 9 });
    if (items.kind !== 'seq') throw new Error('seq');
    expect(items.items[1]!.mark.column).toBe(13);
    expect(items.items[1]).toMatchObject({ kind: 'scalar', value: 'y z' });
    const cond = getKey(doc.items[1]!, 'condition')!;
    expect(cond).toMatchObject({ kind: 'scalar', value: 'x and y\n', mark: { line: 4, column: 13 } });
  });

  it('keeps scalars as text and recognises plain nulls only', () => {
    const [doc] = loadAllWithPositions('a: 1.0\nb: ~\nc: "null"\nd:\ne: yes\n', 'f');
    expect(getKey(doc, 'a')).toMatchObject({ kind: 'scalar', value: '1.0' });
    expect(getKey(doc, 'b')!.kind).toBe('null');
    expect(getKey(doc, 'c')).toMatchObject({ kind: 'scalar', value: 'null' });
    expect(getKey(doc, 'd')!.kind).toBe('null');
    expect(getKey(doc, 'e')).toMatchObject({ kind: 'scalar', value: 'yes' });
  });

  it('keeps the first of duplicate keys, like yaml-cpp', () => {
    const [doc] = loadAllWithPositions('a: 1\na: 2\n', 'f');
    expect(getKey(doc, 'a')).toMatchObject({ value: '1' });
  });
});

describe('reader: documents and items', () => {
  it('reads several documents of one file', () => {
    const { res, L } = load(`- list: a\n  items: [x]\n---\n- macro: m\n  condition: proc.name in (a)\n---\n${rule('r', '', 'evt.type = open and m')}`);
    expect(errorOf(res)).toBe('');
    expect(L.output!.rules.get('r')).toBeDefined();
  });

  it('ignores empty documents and null items', () => {
    const { res } = load(`---\n---\n-\n${rule('r')}`);
    expect(res.successful).toBe(true);
  });

  it('rejects content that is not a sequence', () => {
    expect(errorOf(load('a: 1\n').res)).toBe('LOAD_ERR_YAML_VALIDATE: Rules content is not yaml array of objects');
    expect(errorOf(load('hello\n').res)).toBe('LOAD_ERR_YAML_VALIDATE: Rules content is not yaml');
  });

  it('rejects items that are not mappings', () => {
    const { res } = load('- foo\n');
    expect(errorOf(res)).toBe(
      'LOAD_ERR_YAML_VALIDATE: Unexpected element type. Each element should be a yaml associative array.',
    );
    expect(res.errors[0]!.context.toJSON().locations.map((l) => l.item_type)).toEqual(['rules content', 'rules content item']);
  });

  it('reports YAML syntax errors as LOAD_ERR_YAML_PARSE with a position', () => {
    const { res } = load('- rule: x\n  desc: [a\n');
    expect(res.errors[0]!.code).toBe('LOAD_ERR_YAML_PARSE');
    expect(res.errors[0]!.context.last.mark.line).toBeGreaterThan(0);
  });

  it('warns about unknown top-level items and unknown keys', () => {
    const { res } = load(`- foo: bar\n${rule('r', '  colour: red\n')}`);
    expect(res.successful).toBe(true);
    expect(res.warnings.map((w) => `${w.code}: ${w.message}`)).toEqual([
      'LOAD_UNKNOWN_ITEM: Unknown top level item',
      "LOAD_UNKNOWN_KEY: Unknown key 'colour'. The key will be ignored.",
    ]);
  });

  it('gives positions of items in Falco’s 0-based form', () => {
    const { res } = load(`- list: a\n  items: [x]\n- list: b\n  items: [y]\n  bogus: 1\n`);
    const w = res.warnings.find((x) => x.code === 'LOAD_UNKNOWN_KEY')!;
    expect(w.context.toJSON()).toEqual({
      locations: [
        { item_type: 'rules content', item_name: '', position: { name: 'rules0.yaml', line: 0, column: 0, offset: 0 } },
        { item_type: 'list', item_name: 'b', position: { name: 'rules0.yaml', line: 2, column: 2, offset: 25 } },
      ],
    });
    expect(w.context.asString()).toBe("In rules content: (rules0.yaml:0:0)\n    list 'b': (rules0.yaml:2:2)\n");
    expect(w.context.toSourceError('x').message).toBe('rules0.yaml:3:3: x');
  });
});

describe('reader: required versions', () => {
  it('accepts a number (0.N.0) and a semver string', () => {
    const { L, res } = load('- required_engine_version: 10\n- required_engine_version: 0.31.0\n');
    expect(res.successful).toBe(true);
    expect(L.collector.requiredEngineVersion.toString()).toBe('0.31.0');
  });

  it('rejects versions newer than the engine or of another major', () => {
    expect(errorOf(load('- required_engine_version: 0.99.0\n').res)).toBe(
      'LOAD_ERR_VALIDATE: Rules require engine version 0.99.0, but engine version is 0.63.0',
    );
    expect(errorOf(load('- required_engine_version: 1.0.0\n').res)).toBe(
      'LOAD_ERR_VALIDATE: Rules require engine version 1.0.0, but engine version is 0.63.0',
    );
    expect(errorOf(load('- required_engine_version: 999\n').res)).toBe(
      'LOAD_ERR_VALIDATE: Rules require engine version 0.999.0, but engine version is 0.63.0',
    );
  });

  it('rejects unparsable versions', () => {
    expect(errorOf(load('- required_engine_version: abc\n').res)).toBe(
      `LOAD_ERR_YAML_VALIDATE: Unable to parse engine version 'abc' as a semver string. Expected "x.y.z" semver format.`,
    );
    expect(errorOf(load('- required_engine_version:\n').res)).toBe(
      "LOAD_ERR_YAML_VALIDATE: Mapping for key 'required_engine_version' is empty",
    );
  });

  it('reads plugin requirements with alternatives', () => {
    const { L, res } = load(`- required_plugin_versions:
  - name: k8saudit
    version: 0.7.0
    alternatives:
      - name: k8saudit-eks
        version: 0.4.0
  - name: json
    version: 0.7.0
`);
    expect(res.successful).toBe(true);
    expect(L.collector.requiredPluginVersions).toEqual([
      [
        { name: 'k8saudit', version: '0.7.0' },
        { name: 'k8saudit-eks', version: '0.4.0' },
      ],
      [{ name: 'json', version: '0.7.0' }],
    ]);
  });

  it('reports plugin requirement errors', () => {
    expect(errorOf(load('- required_plugin_versions: x\n').res)).toBe(
      'LOAD_ERR_YAML_VALIDATE: Value of required_plugin_versions must be a sequence',
    );
    expect(errorOf(load('- required_plugin_versions: [x]\n').res)).toBe(
      'LOAD_ERR_YAML_VALIDATE: Plugin version must be a mapping',
    );
    expect(errorOf(load('- required_plugin_versions: [{name: a}]\n').res)).toBe(
      "LOAD_ERR_YAML_VALIDATE: Item has no mapping for key 'version'",
    );
    expect(errorOf(load('- required_plugin_versions: [{name: a, version: x}]\n').res)).toBe(
      "LOAD_ERR_VALIDATE: Invalid required version 'x' for plugin 'a'",
    );
    expect(errorOf(load('- required_plugin_versions: [{name: a, version: 1.0.0, alternatives: x}]\n').res)).toBe(
      'LOAD_ERR_YAML_VALIDATE: Value of plugin version alternatives must be a sequence',
    );
    expect(errorOf(load('- required_plugin_versions: [{name: a, version: 1.0.0, alternatives: [x]}]\n').res)).toBe(
      'LOAD_ERR_YAML_VALIDATE: Plugin version alternative must be a mapping',
    );
    expect(
      errorOf(load('- required_plugin_versions: [{name: a, version: 1.0.0, alternatives: [{name: a, version: 1.0.0}]}]\n').res),
    ).toBe("LOAD_ERR_VALIDATE: Defined multiple alternative version requirements for plugin 'a'");
  });
});

describe('reader: lists and macros', () => {
  it('checks items', () => {
    expect(errorOf(load('- list: a\n').res)).toBe("LOAD_ERR_YAML_VALIDATE: Item has no mapping for key 'items'");
    expect(errorOf(load('- list: a\n  items: x\n').res)).toBe('LOAD_ERR_YAML_VALIDATE: Value is not a sequence');
    expect(errorOf(load('- list: a\n  items: [[x]]\n').res)).toBe('LOAD_ERR_YAML_VALIDATE: sequence value is not scalar');
    expect(errorOf(load('- list:\n  items: []\n').res)).toBe("LOAD_ERR_YAML_VALIDATE: Mapping for key 'list' is empty");
    expect(errorOf(load('- list: [a]\n  items: []\n').res)).toBe('LOAD_ERR_YAML_VALIDATE: Value is not a scalar value');
    expect(errorOf(load('- list: ""\n  items: []\n').res)).toBe('LOAD_ERR_YAML_VALIDATE: Value must be non-empty');
  });

  it('warns about invalid list and macro names', () => {
    const { res } = load('- list: "a b"\n  items: []\n- macro: 1m\n  condition: proc.name = x\n');
    expect(res.warnings.slice(0, 2).map((w) => `${w.code}: ${w.message}`)).toEqual([
      `LOAD_INVALID_LIST_NAME: List has an invalid name. List names should match a regular expression: ([^()"'[:space:]=,]+)`,
      'LOAD_INVALID_MACRO_NAME: Macro has an invalid name. Macro names should match a regular expression: ([a-zA-Z]+[a-zA-Z0-9_]*)',
    ]);
  });

  it('requires a macro condition', () => {
    expect(errorOf(load('- macro: m\n').res)).toBe("LOAD_ERR_YAML_VALIDATE: Item has no mapping for key 'condition'");
  });

  it('warns that append is deprecated and refuses append together with override', () => {
    const { res } = load('- list: a\n  items: [x]\n- list: a\n  items: [y]\n  append: true\n- macro: m\n  condition: proc.name in (a)\n');
    expect(res.warnings[0]).toMatchObject({ code: 'LOAD_DEPRECATED_ITEM', message: WARNING_APPEND });
    expect(errorOf(load('- list: a\n  items: [x]\n- list: a\n  items: [y]\n  append: true\n  override:\n    items: append\n').res)).toBe(
      `LOAD_ERR_YAML_VALIDATE: ${ERROR_OVERRIDE_APPEND}`,
    );
    expect(errorOf(load('- list: a\n  items: [x]\n  append: maybe\n').res)).toBe(
      "LOAD_ERR_YAML_VALIDATE: Can't decode YAML scalar value",
    );
  });

  it('checks override operations', () => {
    expect(errorOf(load('- list: a\n  items: [x]\n  override:\n    items: merge\n').res)).toBe(
      "LOAD_ERR_YAML_VALIDATE: Invalid override operation for key 'items': 'merge'. Allowed values are: append replace ",
    );
    expect(errorOf(load('- list: a\n  items: [x]\n  override:\n    list: append\n').res)).toBe(
      "LOAD_ERR_YAML_VALIDATE: Key 'list' cannot be appended to, use 'replace' instead",
    );
    expect(errorOf(load('- macro: a\n  condition: x\n  override:\n    foo: replace\n').res)).toBe(
      "LOAD_ERR_YAML_VALIDATE: Key 'foo' cannot be replaced",
    );
  });
});

describe('reader: rules', () => {
  it('requires condition, output, desc and priority once any is given', () => {
    expect(errorOf(load('- rule: r\n  condition: evt.type=open\n').res)).toBe(
      "LOAD_ERR_YAML_VALIDATE: Item has no mapping for key 'output'",
    );
    expect(errorOf(load('- rule: r\n  condition: evt.type=open\n  output: o\n  desc:\n').res)).toBe(
      "LOAD_ERR_YAML_VALIDATE: Mapping for key 'desc' is empty",
    );
    expect(errorOf(load('- rule: r\n  condition: evt.type=open\n  output: o\n  desc: d\n').res)).toBe(
      "LOAD_ERR_YAML_VALIDATE: Item has no mapping for key 'priority'",
    );
    expect(errorOf(load('- rule:\n  condition: x\n').res)).toBe("LOAD_ERR_YAML_VALIDATE: Mapping for key 'rule' is empty");
  });

  it('parses priorities case-insensitively with "info" as the only alias', () => {
    expect(parsePriority('WARNING')).toBe(4);
    expect(parsePriority('warning')).toBe(4);
    expect(parsePriority('Info')).toBe(6);
    expect(parsePriority('INFORMATIONAL')).toBe(6);
    expect(parsePriority('emergency')).toBe(0);
    expect(parsePriority('debug')).toBe(7);
    expect(parsePriority('WARN')).toBeUndefined();
    expect(parsePriority('err')).toBeUndefined();
    expect(parsePriority('CRIT')).toBeUndefined();
    expect(parsePriority('4')).toBeUndefined();
    expect(formatPriority(6)).toBe('Informational');
    expect(formatPriority(6, true)).toBe('Info');
    const { res } = load(rule('r').replace('WARNING', 'warn'));
    expect(errorOf(res)).toBe('LOAD_ERR_YAML_VALIDATE: Invalid priority');
    expect(res.errors[0]!.context.last).toMatchObject({ itemType: 'RULE_PRIORITY', mark: { line: 4, column: 12 } });
  });

  it('reads every rule key', () => {
    const { L, res } = load(
      rule(
        'r',
        '  enabled: false\n  tags: [b, a, b]\n  source: syscall\n  warn_evttypes: False\n  skip-if-unknown-filter: yes\n  capture: true\n  capture_duration: 5\n',
      ),
    );
    expect(errorOf(res)).toBe('');
    const info = L.collector.rules.get('r')!;
    expect(info).toMatchObject({
      enabled: false,
      tags: ['a', 'b'],
      source: 'syscall',
      warnEvttypes: false,
      skipIfUnknownFilter: true,
      capture: true,
      captureDuration: 5,
      priority: 4,
      output: '%proc.name',
    });
  });

  it('trims the output', () => {
    const { L } = load(rule('r').replace('"%proc.name"', '"  %proc.name  "'));
    expect(L.collector.rules.get('r')!.output).toBe('%proc.name');
  });

  it('rejects an empty source only when the rule is a full definition', () => {
    expect(errorOf(load(rule('r', '  source: ""\n')).res)).toBe('LOAD_ERR_YAML_VALIDATE: Value must be non-empty');
  });

  it('checks tags', () => {
    expect(errorOf(load(rule('r', '  tags: x\n')).res)).toBe('LOAD_ERR_YAML_VALIDATE: Value is not a sequence');
    expect(errorOf(load(rule('r', '  tags: [[x]]\n')).res)).toBe('LOAD_ERR_YAML_VALIDATE: sequence value is not scalar');
  });

  it('handles enabled-only items with a deprecation warning', () => {
    const { L, res } = load(rule('r'), '- rule: r\n  enabled: false\n');
    expect(res.warnings.map((w) => w.message)).toEqual([WARNING_ENABLED]);
    expect(L.collector.rules.get('r')!.enabled).toBe(false);
    expect(errorOf(load('- rule: nope\n  enabled: false\n').res)).toBe(
      "LOAD_ERR_VALIDATE: Rule has 'enabled' key but no rule by that name already exists",
    );
    expect(errorOf(load(rule('r'), '- rule: r\n').res)).toBe("LOAD_ERR_YAML_VALIDATE: Item has no mapping for key 'enabled'");
  });

  it('checks exceptions structure', () => {
    expect(errorOf(load(rule('r', '  exceptions: x\n')).res)).toBe('LOAD_ERR_YAML_VALIDATE: Rule exceptions must be a sequence');
    expect(errorOf(load(rule('r', '  exceptions: [x]\n')).res)).toBe('LOAD_ERR_YAML_VALIDATE: Rule exception must be a mapping');
    expect(errorOf(load(rule('r', '  exceptions: [{fields: proc.name}]\n')).res)).toBe(
      "LOAD_ERR_YAML_VALIDATE: Item has no mapping for key 'name'",
    );
    expect(errorOf(load(rule('r', '  exceptions: [{name: e, fields: proc.name, values: x}]\n')).res)).toBe(
      'LOAD_ERR_YAML_VALIDATE: Rule exception values must be a sequence',
    );
    expect(errorOf(load(rule('r', '  exceptions: [{name: e, fields: ""}]\n')).res)).toBe(
      'LOAD_ERR_YAML_VALIDATE: Value must be non-empty',
    );
    const { res } = load(rule('r', '  exceptions:\n  - {name: e, fields: proc.name, values: [a]}\n  - {name: e, fields: proc.name, values: [b]}\n'));
    expect(res.warnings.map((w) => `${w.code}: ${w.message}`)).toEqual([
      "LOAD_EXCEPTION_NAME_NOT_UNIQUE: Multiple definitions of exception 'e' in the same rule",
    ]);
  });

  it('accepts exceptions: with no value', () => {
    expect(load(rule('r', '  exceptions:\n')).res.successful).toBe(true);
  });
});

describe('reader: rule overrides', () => {
  it('checks override keys against the item', () => {
    expect(errorOf(load(rule('r'), '- rule: r\n  override:\n    output: append\n').res)).toBe(
      "LOAD_ERR_YAML_VALIDATE: An append override for 'output' was specified but 'output' is not defined",
    );
    expect(errorOf(load(rule('r'), '- rule: r\n  condition: x\n  desc: y\n  override:\n    condition: append\n').res)).toBe(
      "LOAD_ERR_YAML_VALIDATE: Unexpected key 'desc': no corresponding entry under 'override' is defined.",
    );
    expect(errorOf(load(rule('r'), '- rule: r\n  priority: INFO\n  override:\n    priority: append\n').res)).toBe(
      "LOAD_ERR_YAML_VALIDATE: Key 'priority' cannot be appended to, use 'replace' instead",
    );
    expect(errorOf(load(rule('r'), '- rule: r\n  source: x\n  override:\n    source: replace\n').res)).toBe(
      "LOAD_ERR_YAML_VALIDATE: Key 'source' cannot be replaced",
    );
    expect(errorOf(load(rule('r'), '- rule: r\n  enabled: true\n  override:\n    enabled: append\n').res)).toBe(
      "LOAD_ERR_YAML_VALIDATE: Key 'enabled' cannot be appended to, use 'replace' instead",
    );
    expect(errorOf(load(rule('r'), '- rule: r\n  tags: [x]\n  override:\n    tags: add\n').res)).toBe(
      "LOAD_ERR_YAML_VALIDATE: Invalid override operation for key 'tags': 'add'. Allowed values are: append replace ",
    );
    expect(errorOf(load(rule('r'), '- rule: r\n  enabled: true\n  override:\n    enabled: bogus\n').res)).toBe(
      "LOAD_ERR_YAML_VALIDATE: Invalid override operation for key 'enabled': 'bogus'. Allowed values are: replace ",
    );
    expect(
      errorOf(load(rule('r'), '- rule: r\n  condition: x\n  append: true\n  override:\n    condition: append\n').res),
    ).toBe(`LOAD_ERR_YAML_VALIDATE: ${ERROR_OVERRIDE_APPEND}`);
  });

  it('checks replaced priority values', () => {
    expect(errorOf(load(rule('r'), '- rule: r\n  priority: LOUD\n  override:\n    priority: replace\n').res)).toBe(
      'LOAD_ERR_YAML_VALIDATE: Invalid priority',
    );
  });
});

describe('reader: files and directories', () => {
  it('expands directories to sorted *.yaml/*.yml files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rules-'));
    try {
      mkdirSync(join(dir, 'sub.yaml'));
      for (const f of ['b.yaml', 'a.yml', 'c.txt', 'd.yaml.bak', 'e.yaml.yaml']) writeFileSync(join(dir, f), '[]\n');
      expect(expandRulesPaths([dir]).map((p) => p.slice(dir.length + 1))).toEqual(['a.yml', 'b.yaml']);
      expect(expandRulesPaths([join(dir, 'b.yaml'), join(dir, 'c.txt'), join(dir, 'a.yml')]).map((p) => p.slice(dir.length + 1))).toEqual([
        'b.yaml',
        'a.yml',
      ]);
      expect(readRulesFiles([dir]).map((c) => c.content)).toEqual(['[]\n', '[]\n']);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  it('reads the fixtures directory in order', () => {
    const files = readRulesFiles([join(import.meta.dirname, '../../fixtures/rules/ordered')]);
    expect(files.map((f) => f.name.split('/').pop())).toEqual(['01-base.yaml', '02-override.yml']);
    const L = loader();
    const results = L.loadAll(files);
    expect(results.map((r) => r.successful)).toEqual([true, true]);
    expect(L.output!.lists.get('shells')!.items).toEqual(['bash', 'sh', 'zsh']);
    expect(L.output!.rules.get('Shell spawned')!.priority).toBe(3);
  });

  it('loads multiple files in order into one collector', () => {
    const { L, all } = load('- list: l\n  items: [cat]\n', rule('r', '', 'evt.type = open and proc.name in (l)'), '- list: l\n  items: [dog]\n  override:\n    items: append\n');
    expect(all.every((r) => r.successful)).toBe(true);
    expect(L.output!.lists.get('l')!.items).toEqual(['cat', 'dog']);
  });
});

describe('reader: warnings texts', () => {
  it('lists warnings in codes order of appearance', () => {
    const { res } = load(rule('r', '  append: false\n  foo: 1\n'));
    expect(warningCodes(res)).toEqual(['LOAD_UNKNOWN_KEY']);
  });
});

describe('reader: schema validation status', () => {
  it('is ok for well-formed content and reports problems as schema warnings only', () => {
    const ok = load(rule('r'));
    expect(ok.res.schemaValidation).toEqual(['ok']);
    expect(ok.L.validationJSON(ok.all).falco_load_results[0]).toMatchObject({ schema_valid: true, schema_warnings: [] });
    const bad = load(rule('r').replace('WARNING', 'Warning') + '  enabled: maybe\n');
    expect(bad.res.successful).toBe(false);
    expect(bad.res.schemaValidation).toEqual([
      'failed for <root>[0][priority]: Failed to match against any enum values.',
      "failed for <root>[0][enabled]: Value type not permitted by 'type' constraint (expected boolean).",
    ]);
    const j = bad.L.validationJSON(bad.all).falco_load_results[0]!;
    expect(j.schema_valid).toBe(false);
    expect(j.schema_warnings).toHaveLength(2);
    const warnOnly = load(rule('r').replace('WARNING', 'warning'));
    expect(warnOnly.res.successful).toBe(true);
    expect(warnOnly.res.summary()).toBe(
      'rules0.yaml: Ok\n 1 schema warnings: [failed for <root>[0][priority]: Failed to match against any enum values.]',
    );
  });

  it('serializes validation JSON with sorted keys like Falco', () => {
    const ok = load('- list: l\n  items: []\n  override:\n    items: replace\n');
    const s = falcoJSONString(ok.L.validationJSON(ok.all));
    expect(s.startsWith('{"falco_load_results":[{"errors":[],"name":"rules0.yaml","schema_valid":true,"schema_warnings":[],"successful":true,"warnings":[{"code":"LOAD_UNUSED_LIST"')).toBe(true);
  });
});
