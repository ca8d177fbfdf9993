import { describe, expect, it } from 'vitest';
import { syscallFieldRegistry } from '../../../src/replay/fields/index.js';
import { filterRuleSource } from '../../../src/replay/rules/filter-source.js';
import { RulesLoader } from '../../../src/replay/rules/loader.js';
import { rule } from './helpers.js';
import { toConditionString } from '../../../src/replay/filter/ast.js';

describe('rules over the syscall field registry', () => {
  const src = filterRuleSource(syscallFieldRegistry());
  const load = (text: string) => {
    const L = new RulesLoader({ sources: [src] });
    return { L, res: L.load(text, 'r.yaml') };
  };

  it('accepts Falco output syntax', () => {
    expect(src.checkOutput('%proc.name %evt.arg.flags %proc.aname[2] %proc.env[HOME] %tolower(proc.name) %12fd.name *x')).toBeUndefined();
    expect(src.checkOutput('*%proc.name')).toBeUndefined();
    expect(src.checkOutput('%proc.nmae')).toMatch(/^unknown filter: /);
    expect(src.checkOutput('%(proc.name)')).toMatch(/^unknown filter: /);
  });

  it('checks exception fields against the registry', () => {
    expect(src.isValidLhsField('proc.name')).toBe(true);
    expect(src.isValidLhsField('proc.aname[2]')).toBe(true);
    expect(src.isValidLhsField('tolower(proc.name)')).toBe(true);
    expect(src.isValidLhsField('proc.nmae')).toBe(false);
    const { res } = load(rule('r', '  exceptions:\n  - {name: e, fields: proc.nmae, values: [x]}\n'));
    expect(res.errors.map((e) => e.message)).toEqual(["'proc.nmae' is not a supported filter field"]);
  });

  it('compiles a rule with macros, lists and exceptions into a working filter', () => {
    const { L, res } = load(`- list: shells
  items: [bash, sh]
- macro: spawned
  condition: evt.type = execve and evt.dir = <
${rule('r', '  exceptions:\n  - {name: e, fields: proc.pname, values: [sshd]}\n', 'spawned and proc.name in (shells)')}`);
    expect(res.errors).toEqual([]);
    const r = L.output!.rules.get('r')!;
    expect(typeof r.filter).toBe('function');
    expect(res.warnings.map((w) => `${w.code}:${w.deprecatedField ?? ''}`)).toEqual(['LOAD_DEPRECATED_ITEM:evt.dir']);
  });

  it('skips rules with unknown fields when asked', () => {
    const { res, L } = load(rule('r', '  skip-if-unknown-filter: true\n', 'evt.type = open and k8s.pod.nmae = x'));
    expect(res.successful).toBe(true);
    expect(res.warnings.map((w) => w.code)).toEqual(['LOAD_UNKNOWN_FILTER']);
    expect(L.output!.rules.size).toBe(0);
  });

  it('reports libsinsp value warnings as LOAD_COMPILE_CONDITION', () => {
    const { L, res } = load(
      rule('r', '  exceptions:\n  - {name: e, fields: [proc.name], comps: [=], values: [[proc.pname]]}\n', 'evt.type = open'),
    );
    expect(res.successful).toBe(true);
    expect(toConditionString(L.output!.rules.get('r')!.condition)).toBe('(evt.type = open and not proc.name = proc.pname)');
    expect(res.warnings.map((w) => `${w.code}: ${w.message}`)).toEqual([
      "LOAD_COMPILE_CONDITION: 'proc.pname' may be a valid field misused as a const string value",
    ]);
    const rx = load(rule('r', '', 'evt.type = open and proc.name regex "^cat$" and fd.name regex "a.*b"'));
    expect(rx.res.warnings.map((w) => w.message)).toEqual([
      "regex check with '^cat$' may be optimized with simpler operators such as '=', 'contains', 'startswith', 'endswith'",
    ]);
    const tr = load(rule('r', '', 'evt.type = open and proc.name = "tolower( proc.name )"'));
    expect(tr.res.warnings.map((w) => w.message)).toEqual([
      "'tolower( proc.name )' may be a valid field transformer misused as a const string value",
    ]);
  });
});
