import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { parseYamlWithPositions, type PMap } from '../../src/testing/yaml.js';
import { discoverSpecFiles, loadSpecFile, loadSpecs } from '../../src/testing/spec.js';
import { glob } from '../../src/testing/glob.js';
import { capture, project, RULES, ALERTS } from './helpers.js';

let cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups) c();
  cleanups = [];
});

function proj(files: Record<string, string>) {
  const p = project({ 'cap/a.scap': capture(ALERTS), 'cap/b.scap': capture([]), 'rules/r.yaml': RULES, 'falco.yaml': 'priority: debug\n', ...files });
  cleanups.push(p.cleanup);
  return p;
}

/** Errors of a spec, as "line:col: message" (the file part checked separately). */
function errorsOf(spec: string): string[] {
  const p = proj({ 'a.test.yaml': spec });
  const s = loadSpecFile('a.test.yaml', p.dir);
  for (const e of s.errors) expect(e.message.startsWith('a.test.yaml:')).toBe(true);
  return s.errors.map((e) => e.message.slice('a.test.yaml:'.length));
}

describe('yaml with positions', () => {
  it('gives keys and values their 1-based line and column', () => {
    const src = '# comment\ncases:\n  - name: one\n    expect:\n      rules: { A: 1 }\n    empty:\n  - name: "two"\n';
    const root = parseYamlWithPositions(src, 'x.yaml') as PMap;
    expect(root.kind).toBe('map');
    const cases = root.entries[0]!;
    expect(cases.keyPos).toEqual({ file: 'x.yaml', line: 2, column: 1 });
    if (cases.value.kind !== 'seq') throw new Error('seq expected');
    const one = cases.value.items[0] as PMap;
    expect(one.pos.line).toBe(3);
    expect(one.entries.map((e) => [e.key, e.keyPos.line, e.keyPos.column])).toEqual([
      ['name', 3, 5],
      ['expect', 4, 5],
      ['empty', 6, 5],
    ]);
    expect(one.entries[0]!.value).toMatchObject({ kind: 'scalar', value: 'one', pos: { line: 3, column: 11 } });
    const rules = (one.entries[1]!.value as PMap).entries[0]!;
    expect(rules.keyPos).toMatchObject({ line: 5, column: 7 });
    expect((rules.value as PMap).entries[0]).toMatchObject({ key: 'A', keyPos: { line: 5, column: 16 }, value: { value: 1 } });
    expect(one.entries[2]!.value).toMatchObject({ kind: 'scalar', value: null, pos: { line: 6 } });
    const two = cases.value.items[1] as PMap;
    expect(two.entries[0]!.value).toMatchObject({ value: 'two', pos: { line: 7, column: 11 } });
  });

  it('reports syntax errors with their place', () => {
    expect(() => parseYamlWithPositions('a: 1\nb: [1, 2\n', 'bad.yaml')).toThrow(/^bad\.yaml:3:1: YAML syntax error/);
    expect(() => parseYamlWithPositions('a: 1\na: 2\n', 'dup.yaml')).toThrow(/^dup\.yaml:2:\d+: YAML syntax error: duplicated mapping key/);
  });
});

describe('glob', () => {
  it('expands *, ?, **, [..] and {a,b} relative to a directory', () => {
    const p = proj({ 'cap/sub/c.scap': '{}', 'cap/sub/deep/d.scap.gz': '{}', 'cap/.hidden.scap': '{}' });
    const rel = (xs: string[]) => xs.map((x) => x.slice(p.dir.length + 1));
    expect(rel(glob('cap/*.scap', p.dir))).toEqual(['cap/a.scap', 'cap/b.scap']);
    expect(rel(glob('cap/?.scap', p.dir))).toEqual(['cap/a.scap', 'cap/b.scap']);
    expect(rel(glob('cap/[a].scap', p.dir))).toEqual(['cap/a.scap']);
    expect(rel(glob('cap/[!a].scap', p.dir))).toEqual(['cap/b.scap']);
    expect(rel(glob('cap/**/*.scap*', p.dir))).toEqual(['cap/a.scap', 'cap/b.scap', 'cap/sub/c.scap', 'cap/sub/deep/d.scap.gz']);
    expect(rel(glob('cap/{a,sub/c}.scap', p.dir))).toEqual(['cap/a.scap', 'cap/sub/c.scap']);
    expect(rel(glob('rules/../cap/a.scap', p.dir))).toEqual(['cap/a.scap']);
    expect(glob('cap/none-*.scap', p.dir)).toEqual([]);
    expect(glob(join(p.dir, 'cap', 'a.*'), '/')).toEqual([join(p.dir, 'cap', 'a.scap')]);
  });
});

describe('spec files', () => {
  it('parses cases with defaults, globs, overrides and every expectation kind', () => {
    const p = proj({
      'specs/a.test.yaml': `
defaults:
  rules: ../rules/r.yaml
  overrides: [priority=debug]
cases:
  - name: first case
    description: all the kinds
    captures: ../cap/*.scap
    config: ../falco.yaml
    overrides: { fake.delay_ms: 5 }
    expect:
      rules:
        Terminal shell in container: 1
        Read sensitive file untrusted: { at_least: 1, at_most: 3 }
        Never: none
      priorities: { warning: { exactly: 2 }, INFO: 0 }
      total: { at_most: 10 }
      alerts:
        - rule: Terminal shell in container
          priority: notice
          tags: [shell]
          output: { contains: shell }
          fields:
            proc.name: bash
            user.name: { contains: ro }
            container.id: { regex: '^[0-9a-f]{12}$', flags: i }
          count: 1
      only: true
      snapshot: true
  - name: second
    skip: not ready
    captures: [../cap/not-recorded-yet.scap]
    rules: [../rules/r.yaml]
    expect: { snapshot: snaps/second.json }
`,
    });
    const s = loadSpecFile('specs/a.test.yaml', p.dir);
    expect(s.errors.map((e) => e.message)).toEqual([]);
    expect(s.display).toBe('specs/a.test.yaml');
    const [a, b] = s.cases;
    expect(a!.name).toBe('first case');
    expect(a!.fullName).toBe('specs/a.test.yaml › first case');
    expect(a!.pos.line).toBe(6);
    expect(a!.request).toEqual({
      captures: [p.path('cap/a.scap'), p.path('cap/b.scap')],
      rulesFiles: [p.path('rules/r.yaml')],
      configFile: p.path('falco.yaml'),
      overrides: ['priority=debug', 'fake.delay_ms=5'],
    });
    const e = a!.expect;
    expect(e.rules.map((r) => [r.rule, r.count, r.pos.line])).toEqual([
      ['Terminal shell in container', { min: 1, max: 1 }, 13],
      ['Read sensitive file untrusted', { min: 1, max: 3 }, 14],
      ['Never', { min: 0, max: 0 }, 15],
    ]);
    expect(e.priorities.map((x) => [x.priority, x.count])).toEqual([
      ['Warning', { min: 2, max: 2 }],
      ['Informational', { min: 0, max: 0 }],
    ]);
    expect(e.total?.count).toEqual({ min: 0, max: 10 });
    expect(e.alerts).toHaveLength(1);
    const al = e.alerts[0]!;
    expect(al).toMatchObject({ rule: 'Terminal shell in container', priority: 'Notice', tags: ['shell'], count: { min: 1, max: 1 }, output: { kind: 'contains', value: 'shell' } });
    expect(al.fields.map((f) => [f.field, f.matcher.kind, f.pos.line])).toEqual([
      ['proc.name', 'exact', 24],
      ['user.name', 'contains', 25],
      ['container.id', 'regex', 26],
    ]);
    expect(e.only?.line).toBe(28);
    expect(e.snapshot?.file).toBe(p.path('specs/__snapshots__/a.test/first-case.json'));
    expect(b!.skip).toBe('not ready');
    expect(b!.request.captures).toEqual([p.path('cap/not-recorded-yet.scap')]);
    expect(b!.request.overrides).toEqual(['priority=debug']);
    expect(b!.expect.snapshot?.file).toBe(p.path('specs/snaps/second.json'));
  });

  it('accepts a plain list of cases', () => {
    const p = proj({ 'l.test.yaml': '- name: x\n  captures: cap/a.scap\n  rules: rules/r.yaml\n  expect: { total: 4 }\n' });
    const s = loadSpecFile('l.test.yaml', p.dir);
    expect(s.errors).toEqual([]);
    expect(s.cases.map((c) => c.name)).toEqual(['x']);
  });

  const base = (expectBlock: string, extra = '') => `cases:\n  - name: c\n    captures: cap/a.scap\n    rules: rules/r.yaml\n${extra}    expect:\n${expectBlock}`;

  it('reports an unknown key with file:line:col and a suggestion', () => {
    expect(errorsOf(base('      rules: { A: 1 }\n', '    overides: [a=b]\n'))).toEqual([
      "5:5: unknown key 'overides' in a case (did you mean 'overrides'?); expected one of: name, description, skip, captures, rules, config, overrides, plugins, expect",
    ]);
    expect(errorsOf(base('      rule: { A: 1 }\n'))[0]).toMatch(/^6:7: unknown key 'rule' in expect \(did you mean 'rules'\?\)/);
    expect(errorsOf('cases: []\nextra: 1\n')).toEqual(expect.arrayContaining([expect.stringMatching(/^2:1: unknown key 'extra' in the spec/)]));
    expect(errorsOf(base('      alerts:\n        - rule: A\n          feilds: { a: b }\n'))[0]).toMatch(/^8:11: unknown key 'feilds' in an alerts entry \(did you mean 'fields'\?\)/);
    expect(errorsOf(base('      rules: { A: { atleast: 1 } }\n'))[0]).toMatch(/^6:21: unknown key 'atleast' in rule 'A' count \(did you mean 'at_least'\?\)/);
  });

  it('reports a missing capture, an empty glob, a missing rules file and config', () => {
    const spec = 'cases:\n  - name: c\n    captures: [cap/a.scap, cap/missing.scap, cap/*.pcap]\n    rules: [rules/r.yaml, rules/nope.yaml]\n    config: nope.yaml\n    expect: { total: 0 }\n';
    const errs = errorsOf(spec);
    expect(errs).toHaveLength(4);
    expect(errs[0]).toMatch(/^3:28: capture not found: 'cap\/missing\.scap'/);
    expect(errs[1]).toMatch(/^3:46: no capture matches 'cap\/\*\.pcap'/);
    expect(errs[2]).toMatch(/^4:27: rules file not found: 'rules\/nope\.yaml'/);
    expect(errs[3]).toMatch(/^5:13: config file not found: 'nope\.yaml'/);
  });

  it('reports bad values: counts, regexes, priorities, overrides, kinds', () => {
    expect(errorsOf(base('      rules: { A: -1 }\n'))[0]).toMatch(/^6:19: rule 'A': expected a count/);
    expect(errorsOf(base('      rules: { A: { exactly: 1, at_least: 1 } }\n'))[0]).toMatch(/^6:19: rule 'A': 'exactly' cannot be combined/);
    expect(errorsOf(base('      total: { at_least: 3, at_most: 1 }\n'))[0]).toMatch(/^6:14: total: at_least 3 is more than at_most 1/);
    expect(errorsOf(base('      alerts:\n        - fields: { a: { regex: "(" } }\n'))[0]).toMatch(/^7:33: invalid regex/);
    expect(errorsOf(base('      alerts:\n        - fields: { a: { contains: x, regex: y } }\n'))[0]).toMatch(/^7:24: field a: give exactly one of exact, contains, regex/);
    expect(errorsOf(base('      priorities: { Severe: 1 }\n'))[0]).toMatch(/^6:21: unknown priority 'Severe'/);
    expect(errorsOf(base('      alerts:\n        - priority: loud\n'))[0]).toMatch(/^7:21: unknown priority 'loud'/);
    expect(errorsOf(base('      total: 1\n', '    overrides: [novalue]\n'))[0]).toMatch(/^5:17: override 'novalue' is not of the form key=value/);
    expect(errorsOf(base('      only: yes\n'))[0]).toMatch(/^6:13: only must be true or false/);
    expect(errorsOf(base('      alerts:\n        - {}\n'))[0]).toMatch(/^7:11: an alerts entry needs at least one of/);
    expect(errorsOf(base('      alerts: { rule: x }\n'))[0]).toMatch(/^6:15: expect.alerts must be a list/);
  });

  it('reports structural problems: no name, duplicates, no expectations, no rules, YAML syntax', () => {
    expect(errorsOf('cases:\n  - captures: cap/a.scap\n    rules: rules/r.yaml\n    expect: { total: 1 }\n')).toEqual(["2:5: a case needs a 'name'"]);
    const dup = 'cases:\n  - name: x\n    captures: cap/a.scap\n    rules: rules/r.yaml\n    expect: { total: 1 }\n  - name: x\n    captures: cap/a.scap\n    rules: rules/r.yaml\n    expect: { total: 1 }\n';
    expect(errorsOf(dup)).toEqual(["6:11: duplicate case name 'x' (first at line 2)"]);
    expect(errorsOf('cases:\n  - name: x\n    captures: cap/a.scap\n    rules: rules/r.yaml\n    expect: {}\n')[0]).toMatch(/^5:13: case 'x' expects nothing/);
    expect(errorsOf('cases:\n  - name: x\n    captures: cap/a.scap\n    expect: { total: 1 }\n')[0]).toMatch(/^2:5: case 'x' has no rules files/);
    expect(errorsOf('cases:\n  - name: x\n    captures: [cap/a.scap\n')[0]).toMatch(/^4:1: YAML syntax error/);
    expect(errorsOf('just text\n')[0]).toMatch(/^1:1: a spec must be a mapping/);
  });

  it('collects every problem of a file, and none of its cases run', () => {
    const p = proj({
      'a.test.yaml': 'cases:\n  - name: ok\n    captures: cap/a.scap\n    rules: rules/r.yaml\n    expect: { total: 4 }\n  - name: bad\n    captures: cap/zzz.scap\n    rules: rules/r.yaml\n    expect: { totl: 4 }\n',
    });
    const s = loadSpecFile('a.test.yaml', p.dir);
    expect(s.errors.map((e) => `${e.file}:${e.line}`)).toEqual(['a.test.yaml:7', 'a.test.yaml:9']);
    expect(s.cases).toEqual([]);
  });

  it('finds *.test.yaml files in directories and rejects a missing path', () => {
    const good = 'cases:\n  - name: n\n    captures: ../cap/a.scap\n    rules: ../rules/r.yaml\n    expect: { total: 4 }\n';
    const p = proj({ 'specs/b.test.yaml': good, 'specs/a.test.yml': good, 'specs/sub/c.test.yaml': good.replaceAll('../', '../../'), 'specs/rules.yaml': 'not a spec', 'specs/node_modules/x.test.yaml': 'x' });
    const files = discoverSpecFiles(['specs'], p.dir).map((f) => f.slice(p.dir.length + 1));
    expect(files).toEqual(['specs/a.test.yml', 'specs/b.test.yaml', 'specs/sub/c.test.yaml']);
    expect(() => discoverSpecFiles(['nope'], p.dir)).toThrow(/nope: no such spec file or directory/);
    expect(() => discoverSpecFiles(['cap'], p.dir)).toThrow(/no spec files/);
    const loaded = loadSpecs(['specs'], p.dir);
    expect(loaded.errors).toEqual([]);
    expect(loaded.cases.map((c) => c.fullName)).toEqual(['specs/a.test.yml › n', 'specs/b.test.yaml › n', 'specs/sub/c.test.yaml › n']);
  });

  it('rejects two cases writing one snapshot file', () => {
    const one = (n: string) => `  - name: ${n}\n    captures: cap/a.scap\n    rules: rules/r.yaml\n    expect: { snapshot: shared.json }\n`;
    const p = proj({ 'a.test.yaml': `cases:\n${one('x')}${one('y')}` });
    const loaded = loadSpecs(['a.test.yaml'], p.dir);
    expect(loaded.errors.map((e) => e.message)).toEqual(["a.test.yaml:9:15: snapshot file shared.json is also used by 'a.test.yaml › x'"]);
  });
});
