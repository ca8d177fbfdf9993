import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { evaluate, type AlertExpectation, type Expectations, type ValueMatcher } from '../../src/testing/expectations.js';
import { checkSnapshot, diffSnapshot, parseSnapshot, renderSnapshot, toSnapshotAlert } from '../../src/testing/snapshot.js';
import type { TestAlert } from '../../src/testing/types.js';
import { ALERTS, project } from './helpers.js';

const pos = { file: 'x.test.yaml', line: 3, column: 5 };
const alerts: TestAlert[] = ALERTS.map((a) => ({
  time: BigInt(a.time),
  rule: a.rule,
  priority: a.priority,
  source: a.source ?? 'syscall',
  tags: a.tags ?? [],
  output: `${a.rule} by ${String(a.fields?.['proc.name'] ?? '?')}`,
  outputFields: a.fields ?? {},
}));

const exp = (e: Partial<Expectations>): Expectations => ({ rules: [], priorities: [], alerts: [], ...e });
const alertExp = (e: Partial<AlertExpectation>): AlertExpectation => ({ pos, tags: [], fields: [], count: { min: 1 }, ...e });
const exact = (value: string | number | boolean | null): ValueMatcher => ({ kind: 'exact', value });
const contains = (value: string): ValueMatcher => ({ kind: 'contains', value });
const regex = (source: string, flags = ''): ValueMatcher => ({ kind: 'regex', source, flags, re: new RegExp(source, flags) });

const SHELL = 'Terminal shell in container';
const READ = 'Read sensitive file untrusted';

describe('rule counts', () => {
  it('exact count passes and fails with the alerts listed', () => {
    expect(evaluate(exp({ rules: [{ rule: READ, count: { min: 2, max: 2 }, pos }] }), alerts)).toEqual([]);
    const [f, ...rest] = evaluate(exp({ rules: [{ rule: READ, count: { min: 1, max: 1 }, pos }] }), alerts);
    expect(rest).toEqual([]);
    expect(f!.kind).toBe('rule');
    expect(f!.pos).toBe(pos);
    expect(f!.message).toBe(`rule "${READ}": expected exactly 1, got 2`);
    expect(f!.diff.map((d) => d.sign)).toEqual([' ', '+']);
    expect(f!.diff[1]!.text).toBe(`2023-11-14T22:13:20.000000003Z Warning ${READ}  fd.name=/etc/sudoers proc.name=less user.name=bob`);
  });

  it('at least: a - line for the missing alerts', () => {
    expect(evaluate(exp({ rules: [{ rule: SHELL, count: { min: 1 }, pos }] }), alerts)).toEqual([]);
    const [f] = evaluate(exp({ rules: [{ rule: SHELL, count: { min: 3 }, pos }] }), alerts);
    expect(f!.message).toBe(`rule "${SHELL}": expected at least 3, got 1`);
    expect(f!.diff.map((d) => `${d.sign} ${d.text}`)).toEqual([
      expect.stringMatching(/^ {2}2023-11-14T22:13:20\.000000001Z Notice Terminal shell/),
      `- 2 more alerts of rule "${SHELL}"`,
    ]);
  });

  it('at most and none', () => {
    expect(evaluate(exp({ rules: [{ rule: READ, count: { min: 0, max: 2 }, pos }, { rule: 'Nope', count: { min: 0, max: 0 }, pos }] }), alerts)).toEqual([]);
    const fs = evaluate(exp({ rules: [{ rule: READ, count: { min: 0, max: 1 }, pos }, { rule: SHELL, count: { min: 0, max: 0 }, pos }] }), alerts);
    expect(fs.map((f) => f.message)).toEqual([`rule "${READ}": expected at most 1, got 2`, `rule "${SHELL}": expected none, got 1`]);
    expect(fs[1]!.diff.map((d) => d.sign)).toEqual(['+']);
  });

  it('a rule that never fired names the rules that did', () => {
    const [f] = evaluate(exp({ rules: [{ rule: 'Missing', count: { min: 1 }, pos }] }), alerts);
    expect(f!.diff.at(-1)!.text).toBe(`(alerts fired: "${SHELL}" ×1, "${READ}" ×2, "Debug rule" ×1)`);
  });
});

describe('priority and total counts', () => {
  it('pass and fail', () => {
    expect(evaluate(exp({ priorities: [{ priority: 'Warning', count: { min: 2, max: 2 }, pos }, { priority: 'Critical', count: { min: 0, max: 0 }, pos }] }), alerts)).toEqual([]);
    const [f] = evaluate(exp({ priorities: [{ priority: 'Notice', count: { min: 2 }, pos }] }), alerts);
    expect(f!.message).toBe('priority Notice: expected at least 2, got 1');
    expect(evaluate(exp({ total: { count: { min: 4, max: 4 }, pos } }), alerts)).toEqual([]);
    const [t] = evaluate(exp({ total: { count: { min: 0, max: 3 }, pos } }), alerts);
    expect(t!.message).toBe('total: expected at most 3 alerts, got 4');
    expect(t!.diff.map((d) => d.sign)).toEqual([' ', ' ', ' ', '+']);
  });

  it('priority names compare case-insensitively on the alert side', () => {
    const lower = alerts.map((a) => ({ ...a, priority: a.priority.toLowerCase() }));
    expect(evaluate(exp({ priorities: [{ priority: 'Warning', count: { min: 2, max: 2 }, pos }] }), lower)).toEqual([]);
  });
});

describe('alert matchers', () => {
  it('exact, contains and regex on fields pass', () => {
    const e = alertExp({ rule: READ, fields: [
      { field: 'proc.name', matcher: exact('cat'), pos },
      { field: 'fd.name', matcher: contains('shadow'), pos },
      { field: 'user.name', matcher: regex('^RO', 'i'), pos },
    ] });
    expect(evaluate(exp({ alerts: [e] }), alerts)).toEqual([]);
    expect(evaluate(exp({ alerts: [alertExp({ fields: [{ field: 'proc.pid', matcher: exact(42), pos }] })] }), alerts)).toEqual([]);
    expect(evaluate(exp({ alerts: [alertExp({ fields: [{ field: 'proc.pid', matcher: exact('42'), pos }] })] }), alerts)).toEqual([]);
  });

  it('priority, source, tags and output pass', () => {
    const e = alertExp({ priority: 'Notice', source: 'syscall', tags: ['shell', 'container'], output: contains('by bash') });
    expect(evaluate(exp({ alerts: [e] }), alerts)).toEqual([]);
    expect(evaluate(exp({ alerts: [alertExp({ output: exact(`${SHELL} by bash`) })] }), alerts)).toEqual([]);
    expect(evaluate(exp({ alerts: [alertExp({ output: regex('^Read .* by (cat|less)$'), count: { min: 2, max: 2 } })] }), alerts)).toEqual([]);
  });

  it('a failing field shows the nearest alert with expected (-) and actual (+) values', () => {
    const e = alertExp({ rule: READ, fields: [
      { field: 'proc.name', matcher: exact('vim'), pos },
      { field: 'fd.name', matcher: contains('shadow'), pos },
      { field: 'user.name', matcher: regex('^admin$'), pos },
    ] });
    const [f] = evaluate(exp({ alerts: [e] }), alerts);
    expect(f!.kind).toBe('alert');
    expect(f!.message).toBe(`alert rule="${READ}" proc.name="vim" fd.name contains "shadow" user.name matches /^admin$/: expected at least 1 matching, got 0`);
    expect(f!.diff.map((d) => `${d.sign} ${d.text}`)).toEqual([
      `- rule="${READ}" proc.name="vim" fd.name contains "shadow" user.name matches /^admin$/`,
      `~ nearest: 2023-11-14T22:13:20.000000002Z Warning ${READ}  fd.name=/etc/shadow proc.name=cat user.name=root`,
      '-     proc.name: "vim"',
      '+     proc.name: "cat"',
      '-     user.name: matches /^admin$/',
      '+     user.name: "root"',
    ]);
  });

  it('contains, regex, priority, tags and a missing field fail', () => {
    const fails = (e: AlertExpectation) => evaluate(exp({ alerts: [e] }), alerts);
    expect(fails(alertExp({ rule: SHELL, fields: [{ field: 'user.name', matcher: contains('bob'), pos }] }))).toHaveLength(1);
    expect(fails(alertExp({ rule: SHELL, fields: [{ field: 'container.id', matcher: regex('^[0-9]+$'), pos }] }))).toHaveLength(1);
    expect(fails(alertExp({ rule: SHELL, priority: 'Critical' }))).toHaveLength(1);
    expect(fails(alertExp({ rule: SHELL, tags: ['network'] }))[0]!.diff).toContainEqual({ sign: '+', text: '    tags: [container, shell]' });
    expect(fails(alertExp({ rule: SHELL, fields: [{ field: 'k8s.pod.name', matcher: exact('x'), pos }] }))[0]!.diff).toContainEqual({ sign: '+', text: '    k8s.pod.name: (not in output fields)' });
    expect(fails(alertExp({ output: contains('zsh') }))).toHaveLength(1);
    expect(fails(alertExp({ fields: [{ field: 'proc.pid', matcher: exact(null), pos }] }))).toHaveLength(1);
  });

  it('count on a matcher: too many matching alerts are marked +', () => {
    const [f] = evaluate(exp({ alerts: [alertExp({ rule: READ, count: { min: 1, max: 1 } })] }), alerts);
    expect(f!.message).toMatch(/expected exactly 1 matching, got 2$/);
    expect(f!.diff.map((d) => d.sign)).toEqual([' ', '+']);
    expect(evaluate(exp({ alerts: [alertExp({ rule: 'Nope', count: { min: 0, max: 0 } })] }), alerts)).toEqual([]);
  });

  it('no alerts at all', () => {
    const [f] = evaluate(exp({ alerts: [alertExp({ rule: SHELL })] }), []);
    expect(f!.diff.at(-1)).toEqual({ sign: ' ', text: '(no alerts at all)' });
  });
});

describe('only', () => {
  it('passes when every alert is expected by a rule count or a matcher', () => {
    const e = exp({ only: pos, rules: [{ rule: READ, count: { min: 2, max: 2 }, pos }], alerts: [alertExp({ rule: SHELL }), alertExp({ fields: [{ field: 'proc.pid', matcher: exact(42), pos }] })] });
    expect(evaluate(e, alerts)).toEqual([]);
  });

  it('fails listing the unexpected alerts; a none rule does not count as expected', () => {
    const e = exp({ only: pos, rules: [{ rule: READ, count: { min: 1 }, pos }, { rule: SHELL, count: { min: 0, max: 0 }, pos }] });
    const fs = evaluate(e, alerts);
    expect(fs.map((f) => f.kind)).toEqual(['rule', 'only']);
    const only = fs[1]!;
    expect(only.message).toBe('only: 2 unexpected alerts');
    expect(only.diff.map((d) => d.sign)).toEqual(['+', '+']);
    expect(only.diff.map((d) => d.text.split(' ').slice(2, 4).join(' '))).toEqual(['Terminal shell', 'Debug rule']);
    expect(evaluate(exp({ only: pos }), [])).toEqual([]);
  });
});

describe('snapshots', () => {
  let cleanup: (() => void) | undefined;
  afterEach(() => cleanup?.());

  it('renders one alert per line, with ns times and sorted fields, and parses back', () => {
    const snap = alerts.map(toSnapshotAlert);
    expect(snap[0]).toEqual({ time: '2023-11-14T22:13:20.000000001Z', rule: SHELL, priority: 'Notice', fields: { 'container.id': 'abcdef012345', 'proc.name': 'bash', 'user.name': 'root' } });
    const text = renderSnapshot('case', snap);
    expect(text.split('\n')).toHaveLength(4 + 4 + 3);
    expect(parseSnapshot(text, 'f').alerts).toEqual(snap);
    expect(renderSnapshot('empty', [])).toBe('{\n  "version": 1,\n  "case": "empty",\n  "alerts": []\n}\n');
    expect(() => parseSnapshot('{', 'f.json')).toThrow(/f\.json: not valid JSON/);
  });

  it('missing → failure; --update creates; compare passes; a change fails with a diff; --update rewrites', () => {
    const p = project({});
    cleanup = p.cleanup;
    const file = p.path('__snapshots__/s/case.json');
    const se = { file, pos };
    const missing = checkSnapshot(se, 'case', alerts, false, 'case.json');
    expect(missing.failure?.message).toBe('snapshot case.json does not exist; run with --update to create it (4 alerts)');
    expect(existsSync(file)).toBe(false);

    expect(checkSnapshot(se, 'case', alerts, true, 'case.json')).toEqual({ written: 'created' });
    expect(readFileSync(file, 'utf8')).toBe(renderSnapshot('case', alerts.map(toSnapshotAlert)));
    expect(checkSnapshot(se, 'case', alerts, false, 'case.json')).toEqual({});
    const mtime = statSync(file).mtimeMs;
    expect(checkSnapshot(se, 'case', alerts, true, 'case.json')).toEqual({});
    expect(statSync(file).mtimeMs).toBe(mtime);

    const changed = alerts.map((a, i) => (i === 1 ? { ...a, outputFields: { ...a.outputFields, 'proc.name': 'tac' } } : a)).filter((_, i) => i !== 3);
    changed.push({ ...alerts[0]!, time: 1700000000000000009n, rule: 'New rule' });
    const r = checkSnapshot(se, 'case', changed, false, 'case.json');
    expect(r.failure?.kind).toBe('snapshot');
    expect(r.failure?.message).toBe('snapshot case.json: 4 alerts stored, 4 now (- snapshot, + this run; --update to accept)');
    expect(r.failure?.diff.map((d) => `${d.sign} ${d.text}`)).toEqual([
      '  … 1 unchanged alert',
      `~ 2023-11-14T22:13:20.000000002Z ${READ}`,
      '-     proc.name: "cat"',
      '+     proc.name: "tac"',
      '  … 1 unchanged alert',
      '- 2023-11-14T22:13:20.000000004Z Debug Debug rule  proc.pid=42',
      '+ 2023-11-14T22:13:20.000000009Z Notice New rule  container.id=abcdef012345 proc.name=bash user.name=root',
    ]);
    expect(checkSnapshot(se, 'case', changed, true, 'case.json')).toEqual({ written: 'updated' });
    expect(checkSnapshot(se, 'case', changed, false, 'case.json')).toEqual({});

    writeFileSync(file, 'garbage');
    expect(checkSnapshot(se, 'case', changed, false, 'case.json').failure?.message).toMatch(/not valid JSON.*--update/);
  });

  it('a diff of long lists stays bounded', () => {
    const many = (n: number, off: number) => Array.from({ length: n }, (_, i) => ({ time: String(i + off), rule: 'R', priority: 'Notice', fields: {} }));
    const d = diffSnapshot(many(500, 0), many(500, 1000));
    expect(d.length).toBeLessThanOrEqual(81);
    expect(d.at(-1)!.text).toMatch(/more diff lines/);
  });
});
