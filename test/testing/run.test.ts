import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { Command } from 'commander';
import yaml from 'js-yaml';
import { loadSpecs, type TestCase } from '../../src/testing/spec.js';
import { exitCodeFor, runCases, type CaseResult, type EngineSource } from '../../src/testing/runner.js';
import { renderJunit } from '../../src/testing/reporters/junit.js';
import { renderTap } from '../../src/testing/reporters/tap.js';
import { renderJson, type JsonReport } from '../../src/testing/reporters/json.js';
import { renderHuman } from '../../src/testing/reporters/human.js';
import type { Report } from '../../src/testing/reporters/report.js';
import { registerTest, runTestCommand, type TestDeps } from '../../src/cli/test.js';
import { configureExits, reportError } from '../../src/cli/run.js';
import type { ReplayForTest } from '../../src/testing/types.js';
import { Chalk } from 'chalk';
import { ALERTS, capture, FAKE_ENGINE, project, RULES, Sink, WORKER_URL } from './helpers.js';
import { parseXml, type XmlElement } from './xml.js';

const fake = (await import(FAKE_ENGINE)) as { replayForTest: ReplayForTest };
const INLINE: EngineSource = { replay: fake.replayForTest };
const WORKERS: EngineSource = { module: FAKE_ENGINE };

const SPEC = `
defaults:
  rules: ../rules/r.yaml
  captures: ../cap/main.scap
cases:
  - name: passes
    expect:
      rules: { Terminal shell in container: 1, Read sensitive file untrusted: 2 }
      alerts:
        - rule: Read sensitive file untrusted
          fields: { fd.name: /etc/shadow, user.name: { regex: '^r' } }
  - name: fails <&> "quoted"
    expect:
      rules: { Terminal shell in container: 2 }
      priorities: { Warning: 2 }
  - name: broken rules
    rules: ../rules/broken.yaml
    expect: { total: 0 }
  - name: skipped
    skip: waiting for a capture
    expect: { total: 0 }
  - name: overrides reach the engine
    overrides: { priority: warning }
    expect: { total: 2, only: true, rules: { Read sensitive file untrusted: 2 } }
`;

let p: ReturnType<typeof project>;
let cases: readonly TestCase[];

beforeAll(() => {
  p = project({
    'cap/main.scap': capture(ALERTS, 1234),
    'rules/r.yaml': RULES,
    'rules/broken.yaml': '- rule: x\n  condition: BROKEN\n',
    'specs/main.test.yaml': SPEC,
  });
  const loaded = loadSpecs(['specs'], p.dir);
  expect(loaded.errors).toEqual([]);
  cases = loaded.cases;
});
afterAll(() => p.cleanup());

/** Results without timings, for comparing runs. */
const stable = (rs: readonly CaseResult[]) => rs.map((r) => ({ ...r, durationMs: 0 }));

describe('runner', () => {
  it('runs cases in-process and classifies pass, fail, error, skip', async () => {
    const order: number[] = [];
    const rs = await runCases(cases, { jobs: 2, engine: INLINE, cwd: p.dir, onResult: (_, i) => order.push(i) });
    expect(order).toEqual([0, 1, 2, 3, 4]);
    expect(rs.map((r) => r.status)).toEqual(['pass', 'fail', 'error', 'skip', 'pass']);
    expect(rs[0]).toMatchObject({ events: 1234, alerts: 4, failures: [] });
    expect(rs[1]!.failures.map((f) => `${f.pos.line}: ${f.message}`)).toEqual(['14: rule "Terminal shell in container": expected exactly 2, got 1']);
    expect(rs[2]!.error).toEqual({ input: true, message: expect.stringMatching(/rules\/broken\.yaml:2:14: rules syntax error$/) });
    expect(rs[3]).toMatchObject({ status: 'skip', skipReason: 'waiting for a capture' });
    expect(exitCodeFor(rs)).toBe(2);
    expect(exitCodeFor(rs.filter((r) => r.status !== 'error'))).toBe(1);
    expect(exitCodeFor([rs[0]!, rs[3]!])).toBe(0);
  });

  it('worker threads (jobs 2 and jobs 1) give the same results as each other and as in-process', async () => {
    // Many small cases, each replay delayed, so jobs 2 really overlaps them.
    const many = Array.from({ length: 12 }, (_, i) => ({
      ...cases[i % 2 === 0 ? 0 : 1]!,
      name: `case ${i}`,
      index: i,
      request: { ...cases[0]!.request, overrides: [`fake.delay_ms=${(i * 7) % 30}`] },
    }));
    const serial = await runCases(many, { jobs: 1, engine: WORKERS, workerUrl: WORKER_URL, cwd: p.dir });
    const parallel = await runCases(many, { jobs: 2, engine: WORKERS, workerUrl: WORKER_URL, cwd: p.dir, workers: 'all' });
    const inline = await runCases(many, { jobs: 1, engine: INLINE, cwd: p.dir });
    expect(serial.map((r) => r.case.name)).toEqual(many.map((c) => c.name));
    expect(stable(parallel)).toEqual(stable(serial));
    expect(stable(inline)).toEqual(stable(serial));
    const all = await runCases(cases, { jobs: 3, engine: WORKERS, workerUrl: WORKER_URL, cwd: p.dir, workers: 'all' });
    expect(stable(all)).toEqual(stable(await runCases(cases, { jobs: 1, engine: INLINE, cwd: p.dir })));
  });

  it('an InputError in a worker is an input error; a bug or a dead worker is internal, and later cases still run', async () => {
    const mk = (name: string, overrides: string[]): TestCase => ({ ...cases[0]!, name, request: { ...cases[0]!.request, overrides } });
    const rs = await runCases([mk('bug', ['fake.fail=internal']), mk('dies', ['fake.fail=exit']), mk('after', []), cases[2]!], {
      jobs: 1,
      engine: WORKERS,
      workerUrl: WORKER_URL,
      cwd: p.dir,
    });
    expect(rs.map((r) => r.status)).toEqual(['error', 'error', 'pass', 'error']);
    expect(rs[0]!.error).toMatchObject({ input: false, message: 'fake engine bug', stack: expect.stringContaining('fake-engine.mjs') });
    expect(rs[1]!.error).toMatchObject({ input: false, message: 'worker thread exited with code 3 during the replay' });
    expect(rs[3]!.error).toMatchObject({ input: true });
    expect(exitCodeFor(rs)).toBe(70);
  });

  it('an engine module that cannot be loaded makes every case an internal error', async () => {
    const rs = await runCases(cases.slice(0, 2), { jobs: 2, engine: { module: p.path('no-engine.mjs') }, workerUrl: WORKER_URL, cwd: p.dir });
    expect(rs.map((r) => r.status)).toEqual(['error', 'error']);
    expect(rs[0]!.error?.message).toMatch(/Cannot find module|ERR_MODULE_NOT_FOUND/);
  });
});

describe('reporters', () => {
  let report: Report;
  beforeAll(async () => {
    report = { results: await runCases(cases, { jobs: 1, engine: INLINE, cwd: p.dir }), durationMs: 1234.5, startedAt: new Date('2026-01-02T03:04:05.678Z') };
  });

  const kids = (e: XmlElement, name: string) => e.children.filter((c) => c.name === name);

  it('JUnit XML parses and has the elements and attributes the JUnit schema requires', () => {
    const xml = renderJunit(report);
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n')).toBe(true);
    const root = parseXml(xml);
    expect(root.name).toBe('testsuites');
    expect(root.attrs).toMatchObject({ tests: '5', failures: '1', errors: '1', skipped: '1', time: '1.234' });
    const suites = kids(root, 'testsuite');
    expect(suites).toHaveLength(1);
    const s = suites[0]!;
    for (const a of ['name', 'tests', 'failures', 'errors', 'time', 'timestamp', 'hostname']) expect(s.attrs[a], a).toBeDefined();
    expect(s.attrs).toMatchObject({ name: 'specs/main.test.yaml', tests: '5', failures: '1', errors: '1', skipped: '1', timestamp: '2026-01-02T03:04:05' });
    expect(s.children.map((c) => c.name)).toEqual(['properties', 'testcase', 'testcase', 'testcase', 'testcase', 'testcase', 'system-out', 'system-err']);
    const tcs = kids(s, 'testcase');
    for (const tc of tcs) {
      expect(tc.attrs.name).toBeTruthy();
      expect(tc.attrs.classname).toBe('specs.main');
      expect(Number(tc.attrs.time)).toBeGreaterThanOrEqual(0);
    }
    expect(tcs.map((t) => t.attrs.name)).toEqual(cases.map((c) => c.name));
    expect(tcs[1]!.attrs.name).toBe('fails <&> "quoted"');
    expect(tcs[1]!.attrs).toMatchObject({ file: 'specs/main.test.yaml', line: '12' });
    expect(tcs[0]!.children).toEqual([]);
    const failure = kids(tcs[1]!, 'failure')[0]!;
    expect(failure.attrs.message).toBe('rule "Terminal shell in container": expected exactly 2, got 1');
    expect(failure.text).toContain('specs/main.test.yaml:14:16: rule "Terminal shell in container"');
    expect(failure.text).toContain('- 1 more alert of rule "Terminal shell in container"');
    const error = kids(tcs[2]!, 'error')[0]!;
    expect(error.attrs.message).toMatch(/rules syntax error/);
    expect(error.attrs.type).toBe('InputError');
    expect(kids(tcs[3]!, 'skipped')[0]!.attrs.message).toBe('waiting for a capture');
  });

  it('JUnit escapes control characters and markup so the XML stays well-formed', () => {
    const r0 = report.results[1]!;
    const weird = { ...r0, case: { ...r0.case, name: 'a\u0001b]]>' }, failures: [{ ...r0.failures[0]!, message: 'x\u0000y <tag attr="v"> & \'q\'\nline2' }] };
    const root = parseXml(renderJunit({ ...report, results: [weird] }));
    const tc = root.children[0]!.children[1]!;
    expect(tc.attrs.name).toBe('a\uFFFDb]]>');
    expect(tc.children[0]!.attrs.message).toBe('x\uFFFDy <tag attr="v"> & \'q\'\nline2');
  });

  it('TAP 13: version, plan, one test point per case, YAML diagnostics for failures', () => {
    const tap = renderTap(report);
    const lines = tap.trimEnd().split('\n');
    expect(lines[0]).toBe('TAP version 13');
    expect(lines[1]).toBe('1..5');
    const points = lines.filter((l) => /^(not )?ok \d+ /.test(l));
    expect(points).toEqual([
      'ok 1 - specs/main.test.yaml › passes',
      'not ok 2 - specs/main.test.yaml › fails <&> "quoted"',
      'not ok 3 - specs/main.test.yaml › broken rules',
      'ok 4 - specs/main.test.yaml › skipped # SKIP waiting for a capture',
      'ok 5 - specs/main.test.yaml › overrides reach the engine',
    ]);
    // Every line is a test point, or inside an indented YAML block.
    const start = lines.indexOf('  ---');
    const end = lines.indexOf('  ...');
    expect(start).toBe(lines.indexOf(points[1]!) + 1);
    const diag = yaml.load(lines.slice(start + 1, end).map((l) => l.slice(2)).join('\n')) as Record<string, unknown>;
    expect(diag).toMatchObject({ severity: 'fail', at: 'specs/main.test.yaml:12:5', message: 'rule "Terminal shell in container": expected exactly 2, got 1' });
    expect((diag['failures'] as { diff: string }[])[0]!.diff).toContain('- 1 more alert');
    for (const l of lines.slice(2)) expect(l).toMatch(/^(ok|not ok) \d+ - |^ {2}/);
    expect(renderTap({ ...report, results: [] })).toBe('TAP version 13\n1..0\n');
  });

  it('JSON: summary and cases in spec order', () => {
    const j = JSON.parse(renderJson(report)) as JsonReport;
    expect(j.version).toBe(1);
    expect(j.summary).toEqual({ total: 5, passed: 2, failed: 1, errors: 1, skipped: 1 });
    expect(j.cases.map((c) => [c.name, c.status])).toEqual(cases.map((c, i) => [c.name, ['pass', 'fail', 'error', 'skip', 'pass'][i]]));
    expect(j.cases[1]!.failures[0]).toMatchObject({ kind: 'rule', at: { file: 'specs/main.test.yaml', line: 14, column: 16 } });
    expect(j.cases[2]!.error).toMatchObject({ input: true });
    expect(j.started_at).toBe('2026-01-02T03:04:05.678Z');
  });

  it('human: one line per case, failures with place and diff, a summary; colors only when asked', () => {
    const plain = renderHuman(report, new Chalk({ level: 0 }));
    expect(plain).not.toMatch(/\x1b\[/);
    const lines = plain.split('\n');
    expect(lines[0]).toMatch(/^PASS  specs\/main\.test\.yaml › passes {2}\(4 alerts, 1234 events, \d+ ms\)$/);
    expect(lines[1]).toMatch(/^FAIL  specs\/main\.test\.yaml › fails <&> "quoted"/);
    expect(lines[2]).toBe('      specs/main.test.yaml:14:16  rule "Terminal shell in container": expected exactly 2, got 1');
    expect(lines[3]).toMatch(/^ {10} {2}2023-11-14T22:13:20\.000000001Z Notice Terminal shell in container/);
    expect(lines[4]).toBe('          - 1 more alert of rule "Terminal shell in container"');
    expect(plain).toMatch(/\nERROR specs\/main\.test\.yaml › broken rules.*\n {6}.*rules\/broken\.yaml:2:14: rules syntax error\n/);
    expect(plain).toMatch(/\nSKIP  specs\/main\.test\.yaml › skipped {2}\(waiting for a capture\)\n/);
    expect(plain).toMatch(/\n5 cases: 2 passed, 1 failed, 1 error, 1 skipped {2}\(1\.23 s\)\n$/);
    expect(renderHuman(report, new Chalk({ level: 1 }))).toMatch(/\x1b\[31m- 1 more alert/);
  });
});

describe('CLI', () => {
  const deps = (extra: Omit<TestDeps, 'stdout' | 'stderr'> = {}): TestDeps & { stdout: Sink; stderr: Sink } => ({
    engine: WORKERS,
    workerUrl: WORKER_URL,
    cwd: p.dir,
    stdout: new Sink(),
    stderr: new Sink(),
    ...extra,
  });

  /** A fresh program with only `test`, run like main.ts does. */
  async function cli(args: string[], d: TestDeps): Promise<number> {
    const program = configureExits(new Command('falco-scap'));
    registerTest(program, d);
    for (const c of program.commands) configureExits(c);
    process.exitCode = 0;
    await program.parseAsync(['node', 'falco-scap', 'test', ...args]).catch(reportError);
    const code = Number(process.exitCode ?? 0);
    process.exitCode = 0;
    return code;
  }
  afterEach(() => {
    process.exitCode = 0;
  });

  it('exit 0 when all pass, human lines on stdout', async () => {
    const d = deps();
    expect(await cli(['specs', '--filter', 'passes', '--filter', '/overrides/', '--jobs', '2'], d)).toBe(0);
    expect(d.stdout.text).toMatch(/^PASS  specs\/main\.test\.yaml › passes .*\nPASS  specs\/main\.test\.yaml › overrides reach the engine .*\n\n2 cases: 2 passed/);
    expect(d.stderr.text).toBe('');
  });

  it('exit 1 when an expectation fails', async () => {
    const d = deps();
    expect(await cli(['specs/main.test.yaml', '--filter', 'FAILS'], d)).toBe(1);
    expect(d.stdout.text).toContain('FAIL  specs/main.test.yaml › fails');
  });

  it('exit 2 when a case cannot run (bad rules file), even with other failures', async () => {
    const d = deps();
    expect(await cli(['specs', '-j', '1'], d)).toBe(2);
    expect(d.stdout.text).toMatch(/ERROR specs\/main\.test\.yaml › broken rules/);
    expect(d.stdout.text).toMatch(/5 cases: 2 passed, 1 failed, 1 error, 1 skipped/);
  });

  it('exit 2 for spec errors, each reported with file:line:col, and nothing runs', async () => {
    p.write('bad/x.test.yaml', 'cases:\n  - name: a\n    captures: ../cap/nope.scap\n    rules: ../rules/r.yaml\n    expect: { totl: 1 }\n');
    const d = deps();
    expect(await cli(['bad'], d)).toBe(2);
    expect(d.stderr.text.split('\n')).toEqual([
      expect.stringMatching(/^falco-scap: bad\/x\.test\.yaml:3:15: capture not found: '\.\.\/cap\/nope\.scap'/),
      expect.stringMatching(/^falco-scap: bad\/x\.test\.yaml:5:15: unknown key 'totl' in expect \(did you mean 'total'\?\)/),
      'falco-scap: 2 spec errors; no cases were run',
      '',
    ]);
    expect(d.stdout.text).toBe('');
  });

  it('exit 2 for bad usage: missing path, bad --jobs, bad --reporter, filter matching nothing', async () => {
    const stderr = process.stderr.write;
    const seen: string[] = [];
    process.stderr.write = ((s: string) => (seen.push(String(s)), true)) as typeof process.stderr.write;
    try {
      expect(await cli(['nope'], deps())).toBe(2);
      expect(await cli(['specs', '--jobs', '0'], deps())).toBe(2);
      expect(await cli(['specs', '--reporter', 'xml'], deps())).toBe(2);
      expect(await cli(['specs', '--filter', 'zzz'], deps())).toBe(2);
    } finally {
      process.stderr.write = stderr;
    }
    expect(seen.join('')).toMatch(/nope: no such spec file or directory/);
    expect(seen.join('')).toMatch(/--jobs.*expected a whole number/);
    expect(seen.join('')).toMatch(/expected one of: human, junit, tap, json/);
    expect(seen.join('')).toMatch(/no cases match --filter zzz \(5 cases in the specs\)/);
  });

  it('--reporter junit --output writes the file; the human summary still goes to stdout', async () => {
    const d = deps();
    expect(await cli(['specs', '--reporter', 'junit', '--output', 'out/report.xml'], d)).toBe(2);
    const root = parseXml(readFileSync(p.path('out/report.xml'), 'utf8'));
    expect(root.attrs).toMatchObject({ tests: '5', failures: '1', errors: '1' });
    expect(d.stdout.text).toMatch(/5 cases: 2 passed/);
  });

  it('--reporter tap / json without --output: only the report on stdout', async () => {
    const t = deps();
    await cli(['specs', '--reporter', 'tap'], t);
    expect(t.stdout.text.startsWith('TAP version 13\n1..5\n')).toBe(true);
    const j = deps();
    await cli(['specs', '--reporter', 'json', '--filter', 'passes'], j);
    expect((JSON.parse(j.stdout.text) as JsonReport).summary).toMatchObject({ total: 1, passed: 1 });
  });

  it('snapshots: missing fails (1), --update writes (0), then compare passes, a change fails with a diff', async () => {
    p.write('snap/s.test.yaml', 'cases:\n  - name: Snap Case\n    captures: ../cap/s.scap\n    rules: ../rules/r.yaml\n    expect: { snapshot: true }\n');
    p.write('cap/s.scap', capture(ALERTS.slice(0, 2)));
    const file = p.path('snap/__snapshots__/s.test/snap-case.json');
    let d = deps();
    expect(await cli(['snap'], d)).toBe(1);
    expect(d.stdout.text).toContain('snapshot snap/__snapshots__/s.test/snap-case.json does not exist; run with --update');
    expect(existsSync(file)).toBe(false);
    d = deps();
    expect(await cli(['snap', '--update'], d)).toBe(0);
    expect(d.stdout.text).toMatch(/PASS {2}snap\/s\.test\.yaml › Snap Case {2}\(2 alerts, 100 events, \d+ ms, snapshot created\)/);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ case: 'Snap Case', alerts: [{ rule: 'Terminal shell in container' }, { rule: 'Read sensitive file untrusted' }] });
    expect(await cli(['snap'], deps())).toBe(0);
    p.write('cap/s.scap', capture([ALERTS[0]!, { ...ALERTS[1]!, fields: { ...ALERTS[1]!.fields, 'proc.name': 'tac' } }]));
    d = deps();
    expect(await cli(['snap'], d)).toBe(1);
    expect(d.stdout.text).toContain('~ 2023-11-14T22:13:20.000000002Z Read sensitive file untrusted');
    expect(d.stdout.text).toContain('-     proc.name: "cat"');
    expect(d.stdout.text).toContain('+     proc.name: "tac"');
    d = deps();
    expect(await cli(['snap', '-u'], d)).toBe(0);
    expect(d.stdout.text).toContain('snapshot updated');
    expect(await cli(['snap'], deps())).toBe(0);
  });

  it('runTestCommand can be called directly with an in-process engine', async () => {
    const d = deps({ engine: INLINE });
    expect(await runTestCommand(['specs'], { filter: ['passes'], reporter: 'human' }, d)).toBe(0);
  });
});

describe('a real process (test/testing/cli-entry.mjs: the command on a fresh program, fake engine)', () => {
  const ENTRY = FAKE_ENGINE.replace(/fake-engine\.mjs$/, 'cli-entry.mjs');
  function spawnCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolvePromise) => {
      const child = spawn(process.execPath, [ENTRY, 'test', ...args], { cwd: p.dir, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolvePromise({ code, stdout, stderr });
      });
    });
  }

  it('exits 0, 1 and 2 on its own once the worker threads are done', async () => {
    p.write('bad/x.test.yaml', 'cases:\n  - name: a\n    captures: ../cap/nope.scap\n    rules: ../rules/r.yaml\n    expect: { total: 1 }\n');
    const [ok, fail, err, spec] = await Promise.all([
      spawnCli(['specs', '--filter', 'passes', '--jobs', '2']),
      spawnCli(['specs', '--filter', 'fails']),
      spawnCli(['specs']),
      spawnCli(['bad']),
    ]);
    expect([ok.code, fail.code, err.code, spec.code]).toEqual([0, 1, 2, 2]);
    expect(ok.stdout).toMatch(/^PASS {2}specs\/main\.test\.yaml › passes/);
    expect(ok.stdout).not.toMatch(/\x1b\[/);
    expect(spec.stderr).toMatch(/^falco-scap: bad\/x\.test\.yaml:3:15: /);
  });
});

describe('engine outcomes outside the declared types', () => {
  it('bigint and list field values and numeric priorities are normalized, not fatal', async () => {
    const odd: ReplayForTest = async () => ({
      events: 1,
      alerts: [
        {
          time: 1700000000000000001n,
          rule: 'Terminal shell in container',
          priority: 5 as unknown as string,
          source: 'syscall',
          tags: [],
          output: 'x',
          outputFields: { 'proc.pid': 42n, 'evt.rawtime': 1700000000000000001n, 'proc.aname': ['a', 'b'] } as unknown as Record<string, string>,
        },
      ],
    });
    const c: TestCase = {
      ...cases[0]!,
      expect: { rules: [], priorities: [{ priority: 'Notice', count: { min: 1, max: 1 }, pos: cases[0]!.pos }], alerts: [{ pos: cases[0]!.pos, tags: [], count: { min: 1 }, fields: [
        { field: 'proc.pid', matcher: { kind: 'exact', value: 42 }, pos: cases[0]!.pos },
        { field: 'evt.rawtime', matcher: { kind: 'exact', value: '1700000000000000001' }, pos: cases[0]!.pos },
        { field: 'proc.aname', matcher: { kind: 'exact', value: '["a","b"]' }, pos: cases[0]!.pos },
      ] }] },
    };
    const [r] = await runCases([c], { jobs: 1, engine: { replay: odd }, cwd: p.dir });
    expect(r!.failures).toEqual([]);
    expect(r!.status).toBe('pass');
  });
});
