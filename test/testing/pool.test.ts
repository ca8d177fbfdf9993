import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Command } from 'commander';
import { loadSpecs, type TestCase } from '../../src/testing/spec.js';
import { exitCodeFor, renderStats, runCases, startOrder, type EngineSource, type WorkerStats } from '../../src/testing/runner.js';
import { PreparedCache, rulesKey } from '../../src/testing/cache.js';
import { unknownRules } from '../../src/testing/execute.js';
import { registerTest, type TestDeps } from '../../src/cli/test.js';
import { configureExits, reportError } from '../../src/cli/run.js';
import type { PreparedRules, RulesRequest, TestEngine } from '../../src/testing/types.js';
import { ALERTS, capture, FAKE_ENGINE, project, RULES, Sink, WORKER_URL } from './helpers.js';

const fake = (await import(FAKE_ENGINE)) as Required<TestEngine> & { prepares: number; calls: number };
const WORKERS: EngineSource = { module: FAKE_ENGINE };
const PROBE_WORKER = resolve(FAKE_ENGINE, '..', 'probe-worker.mjs');

/** A spec of `n` cases over the fixture capture and rules, plus `extra` case text. */
function manyCases(n: number, overrides: string[] = []): string {
  const o = overrides.length ? `\n  overrides: [${overrides.map((x) => JSON.stringify(x)).join(', ')}]` : '';
  const cs = Array.from({ length: n }, (_, i) => `  - name: case ${i}\n    expect: { rules: { Terminal shell in container: 1 } }\n`).join('');
  return `defaults:\n  rules: ../rules/r.yaml\n  captures: ../cap/main.scap${o}\ncases:\n${cs}`;
}

const TYPO_SPEC = `
defaults:
  rules: ../rules/r.yaml
  captures: ../cap/main.scap
cases:
  - name: misspelt rule count
    expect:
      rules:
        Terminal shel in container: none
        Read sensitive file untrusted: 2
  - name: misspelt alert rule
    expect:
      alerts:
        - rule: Debug rul
      snapshot: true
  - name: names that exist
    expect:
      rules: { Debug rule: 1 }
      alerts:
        - rule: Terminal shell in container
  - name: engine that cannot tell
    overrides: [fake.no_names=true]
    expect:
      rules: { No such rule: none }
`;

let p: ReturnType<typeof project>;
const load = (spec: string): readonly TestCase[] => {
  const l = loadSpecs([spec], p.dir);
  expect(l.errors).toEqual([]);
  return l.cases;
};

beforeAll(() => {
  p = project({
    'cap/main.scap': capture(ALERTS, 1234),
    'rules/r.yaml': RULES,
    'rules/other.yaml': RULES,
    'specs/many.test.yaml': manyCases(24),
    'specs/typo.test.yaml': TYPO_SPEC,
  });
});
afterAll(() => p.cleanup());

describe('prepared rules cache', () => {
  const req = (rules: string, overrides: string[] = []): RulesRequest => ({ rulesFiles: [rules], overrides });

  it('prepares once per rules files, config and overrides; evicts the least recently used', async () => {
    const seen: string[] = [];
    const prepared = (n: string): PreparedRules => ({ ruleNames: [n], replay: async () => ({ alerts: [], events: 0 }) });
    const cache = new PreparedCache(async (r) => (seen.push(rulesKey(r)), prepared(r.rulesFiles[0]!)), 2);
    const a1 = await cache.get(req('a'));
    expect(await cache.get(req('a'))).toBe(a1);
    await cache.get(req('a', ['priority=debug']));
    await cache.get(req('a')); // a is now the most recent
    await cache.get(req('b')); // evicts a+priority
    await cache.get(req('a'));
    await cache.get(req('a', ['priority=debug']));
    expect(seen).toEqual([rulesKey(req('a')), rulesKey(req('a', ['priority=debug'])), rulesKey(req('b')), rulesKey(req('a', ['priority=debug']))]);
    expect(cache.misses).toBe(4);
    expect(rulesKey({ ...req('a'), configFile: 'f.yaml' })).not.toBe(rulesKey(req('a')));
  });

  it('keeps a failure: a broken ruleset is compiled once, every case gets its error', async () => {
    let n = 0;
    const cache = new PreparedCache(async () => {
      n++;
      throw new Error('bad rules');
    });
    await expect(cache.get(req('x'))).rejects.toThrow('bad rules');
    await expect(cache.get(req('x'))).rejects.toThrow('bad rules');
    expect(n).toBe(1);
  });

  it('in-process: 24 cases on one ruleset compile it once; results as with the one-shot entry point', async () => {
    const cases = load('specs/many.test.yaml');
    const before = fake.prepares;
    const stats: WorkerStats[][] = [];
    const rs = await runCases(cases, { jobs: 2, engine: { engine: fake }, cwd: p.dir, onStats: (s) => stats.push([...s]) });
    expect(fake.prepares - before).toBe(1);
    expect(rs.every((r) => r.status === 'pass')).toBe(true);
    expect(stats).toEqual([[expect.objectContaining({ cases: 24, compiled: 1 })]]);
    const oneShot = await runCases(cases, { jobs: 2, engine: { replay: fake.replayForTest }, cwd: p.dir });
    expect(oneShot.map((r) => ({ ...r, durationMs: 0 }))).toEqual(rs.map((r) => ({ ...r, durationMs: 0 })));
  });

  it('worker threads: each long-lived worker compiles a ruleset once, and both share the cases', async () => {
    const log = p.path('prepares-2.log');
    p.write('specs/logged.test.yaml', manyCases(24, [`fake.log=${log}`, 'fake.delay_ms=5']));
    const cases = load('specs/logged.test.yaml');
    const stats: WorkerStats[][] = [];
    const rs = await runCases(cases, { jobs: 2, engine: WORKERS, workerUrl: WORKER_URL, cwd: p.dir, workers: 'all', onStats: (s) => stats.push([...s]) });
    expect(rs.map((r) => r.status)).toEqual(cases.map(() => 'pass'));
    expect(readFileSync(log, 'utf8').trim().split('\n')).toHaveLength(2);
    const [w] = stats;
    expect(w).toHaveLength(2);
    expect(w!.map((x) => x.compiled)).toEqual([1, 1]);
    expect(w![0]!.cases + w![1]!.cases).toBe(24);
    // Both workers really took cases (each replay sleeps 5 ms, so neither can take them all).
    expect(Math.min(w![0]!.cases, w![1]!.cases)).toBeGreaterThan(0);
    if (existsSync('/proc/thread-self/schedstat')) expect(w![0]!.cpu?.runMs).toBeGreaterThan(0);

    const log1 = p.path('prepares-1.log');
    p.write('specs/logged1.test.yaml', manyCases(10, [`fake.log=${log1}`]));
    await runCases(load('specs/logged1.test.yaml'), { jobs: 1, engine: WORKERS, workerUrl: WORKER_URL, cwd: p.dir });
    expect(readFileSync(log1, 'utf8').trim().split('\n')).toHaveLength(1);
  });

  it('a worker gets its next case while it runs one, and runs them one at a time, in order', async () => {
    const log = p.path('probe.log');
    const cases = load('specs/many.test.yaml').slice(0, 4);
    const rs = await runCases(cases, { jobs: 1, engine: { module: log }, workerUrl: pathToFileURL(PROBE_WORKER), cwd: p.dir });
    expect(rs.map((r) => [r.case.name, r.status])).toEqual(cases.map((c) => [c.name, 'pass']));
    const lines = readFileSync(log, 'utf8').trim().split('\n');
    // the second case was sent before the first was done: no round trip between them
    expect(lines.slice(0, 3)).toEqual(['recv case 0', 'recv case 1', 'done case 0']);
    expect(lines.filter((l) => l.startsWith('done'))).toEqual(cases.map((c) => `done ${c.name}`));
    expect(lines).toHaveLength(8);
  });

  it('real workers never replay two cases at once, and both share the cases', async () => {
    const trace = p.path('trace.log');
    p.write('specs/traced.test.yaml', manyCases(16, [`fake.trace=${trace}`, 'fake.delay_ms=5']));
    const cases = load('specs/traced.test.yaml');
    const rs = await runCases(cases, { jobs: 2, engine: WORKERS, workerUrl: WORKER_URL, cwd: p.dir, workers: 'all' });
    expect(rs.map((r) => r.status)).toEqual(cases.map(() => 'pass'));
    const byThread = new Map<string, string[]>();
    for (const l of readFileSync(trace, 'utf8').trim().split('\n')) {
      const [what, thread] = l.split(' ');
      byThread.set(thread!, [...(byThread.get(thread!) ?? []), what!]);
    }
    expect(byThread.size).toBe(2);
    for (const seq of byThread.values()) {
      expect(seq.length % 2).toBe(0);
      expect(seq).toEqual(seq.map((_, i) => (i % 2 === 0 ? 'start' : 'end')));
    }
  });

  it('cases queued behind a case that kills its worker run on a fresh worker', async () => {
    const [first, second, third] = load('specs/many.test.yaml');
    const dies = { ...first!, name: 'dies', request: { ...first!.request, overrides: ['fake.fail=exit', 'fake.delay_ms=50'] } };
    const rs = await runCases([dies, second!, third!], { jobs: 1, engine: WORKERS, workerUrl: WORKER_URL, cwd: p.dir });
    expect(rs.map((r) => r.status)).toEqual(['error', 'pass', 'pass']);
    expect(rs[0]!.error?.message).toBe('worker thread exited with code 3 during the replay');
  });

  it('start order: cases far bigger than the median go first, biggest first; the rest keep spec order', () => {
    p.write('cap/small.scap', 'x'.repeat(100));
    p.write('cap/mid.scap', 'x'.repeat(150));
    p.write('cap/big.scap', 'x'.repeat(1000));
    p.write('cap/huge.scap', 'x'.repeat(5000));
    const base = load('specs/many.test.yaml')[0]!;
    const mk = (name: string, caps: string[], skip?: string): TestCase => ({
      ...base,
      name,
      ...(skip !== undefined && { skip }),
      request: { ...base.request, captures: caps.map((c) => p.path(`cap/${c}.scap`)) },
    });
    const cases = [
      mk('s1', ['small']),
      mk('big', ['big']),
      mk('s2', ['small']),
      mk('two mids', ['mid', 'mid']),
      mk('huge', ['huge']),
      mk('s3', ['small']),
      mk('skipped huge', ['huge'], 'not today'),
      mk('missing', ['nope']),
    ];
    // median 100 bytes: big (1000) and huge (5000) are outliers; two mids (300) are not
    expect(startOrder(cases).map((i) => cases[i]!.name)).toEqual(['huge', 'big', 's1', 's2', 'two mids', 's3', 'skipped huge', 'missing']);
    // similar cases: spec order
    expect(startOrder([mk('a', ['small']), mk('b', ['mid']), mk('c', ['small'])])).toEqual([0, 1, 2]);
    expect(startOrder([])).toEqual([]);
  });

  it('with two workers a big case starts first; results still come in spec order', async () => {
    const log = p.path('probe-order.log');
    p.write('cap/large.scap', 'y'.repeat(100_000));
    const small = load('specs/many.test.yaml').slice(0, 5);
    const large: TestCase = { ...small[0]!, name: 'large', request: { ...small[0]!.request, captures: [p.path('cap/large.scap')] } };
    const cases = [...small, large];
    const rs = await runCases(cases, { jobs: 2, engine: { module: log }, workerUrl: pathToFileURL(PROBE_WORKER), cwd: p.dir, workers: 'all' });
    expect(rs.map((r) => r.case.name)).toEqual(cases.map((c) => c.name));
    // in spec order, 'large' would be handed out only after three cases were done
    const lines = readFileSync(log, 'utf8').split('\n');
    expect(lines.indexOf('recv large')).toBeGreaterThanOrEqual(0);
    expect(lines.indexOf('recv large')).toBeLessThan(lines.findIndex((l) => l.startsWith('done')));
  });

  it('renderStats: one line per worker and the main thread', () => {
    const text = renderStats([{ cases: 3, compiled: 1, cpu: { runMs: 1500, waitMs: 250 } }, { cases: 1, compiled: 2 }], undefined);
    expect(text).toBe(
      'falco-scap: stats: worker 1: 3 cases, 1 ruleset compiled, CPU 1.500 s (waited 0.250 s for a CPU)\n' +
        'falco-scap: stats: worker 2: 1 case, 2 rulesets compiled\n' +
        'falco-scap: stats: main thread: CPU time not available\n',
    );
  });
});

describe('expectations naming rules the loaded rules do not define', () => {
  it('are input errors at their place, with a suggestion, before any snapshot is written (jobs 1 and 2 alike)', async () => {
    const cases = load('specs/typo.test.yaml');
    for (const engine of [{ engine: fake } as EngineSource, WORKERS]) {
      for (const jobs of [1, 2]) {
        const rs = await runCases(cases, { jobs, engine, workerUrl: WORKER_URL, cwd: p.dir, update: true });
        expect(rs.map((r) => r.status)).toEqual(['error', 'error', 'pass', 'pass']);
        expect(rs[0]!.error).toEqual({
          input: true,
          message: "specs/typo.test.yaml:9:9: rule 'Terminal shel in container' is not defined in the loaded rules (did you mean 'Terminal shell in container'?)",
        });
        expect(rs[1]!.error).toEqual({
          input: true,
          message: "specs/typo.test.yaml:14:17: rule 'Debug rul' is not defined in the loaded rules (did you mean 'Debug rule'?)",
        });
        expect(exitCodeFor(rs)).toBe(2);
        expect(existsSync(p.path('specs/__snapshots__/typo.test/misspelt-alert-rule.json'))).toBe(false);
      }
    }
  });

  it('lists every unknown name of a case; no suggestion when nothing is close', () => {
    const [c] = load('specs/typo.test.yaml');
    const pos = c!.expect.rules[0]!.pos;
    const e = unknownRules(
      {
        rules: [
          { rule: 'Zzz', count: { min: 0, max: 0 }, pos },
          { rule: 'Known', count: { min: 1 }, pos },
        ],
        priorities: [],
        alerts: [{ rule: 'Yyy', rulePos: { ...pos, line: 20, column: 11 }, pos, tags: [], fields: [], count: { min: 1 } }],
      },
      ['Known'],
    );
    expect(e).toEqual({ input: true, message: "specs/typo.test.yaml:9:9: rule 'Zzz' is not defined in the loaded rules; also 'Yyy' at 20:11" });
    expect(unknownRules(c!.expect, ['Terminal shel in container', 'Read sensitive file untrusted'])).toBeUndefined();
  });

  it('the command exits 2 and names the place', async () => {
    const stdout = new Sink();
    const stderr = new Sink();
    const d: TestDeps = { engine: WORKERS, workerUrl: WORKER_URL, cwd: p.dir, stdout, stderr };
    const program = configureExits(new Command('falco-scap'));
    registerTest(program, d);
    for (const c of program.commands) configureExits(c);
    process.exitCode = 0;
    await program.parseAsync(['node', 'falco-scap', 'test', 'specs/typo.test.yaml', '--filter', 'misspelt rule']).catch(reportError);
    expect(Number(process.exitCode)).toBe(2);
    expect(stdout.text).toMatch(/^ERROR specs\/typo\.test\.yaml › misspelt rule count .*\n {6}specs\/typo\.test\.yaml:9:9: rule 'Terminal shel in container' is not defined/);
  });
  it('FALCO_SCAP_TEST_STATS=1 prints how the work was split, on stderr', async () => {
    const stdout = new Sink();
    const stderr = new Sink();
    const program = configureExits(new Command('falco-scap'));
    registerTest(program, { engine: WORKERS, workerUrl: WORKER_URL, cwd: p.dir, stdout, stderr, workers: 'all' });
    for (const c of program.commands) configureExits(c);
    process.env.FALCO_SCAP_TEST_STATS = '1';
    try {
      await program.parseAsync(['node', 'falco-scap', 'test', 'specs/many.test.yaml', '--jobs', '2']).catch(reportError);
    } finally {
      delete process.env.FALCO_SCAP_TEST_STATS;
    }
    expect(Number(process.exitCode ?? 0)).toBe(0);
    expect(stderr.text).toMatch(/^falco-scap: stats: worker 1: \d+ cases?, 1 ruleset compiled.*\nfalco-scap: stats: worker 2: .*\nfalco-scap: stats: main thread.*\n$/);
  });
  it('a short suite gets one worker whatever --jobs allows, unless FALCO_SCAP_TEST_WORKERS=all', async () => {
    const statsWith = async (env: Record<string, string>): Promise<string> => {
      const stderr = new Sink();
      const program = configureExits(new Command('falco-scap'));
      registerTest(program, { engine: WORKERS, workerUrl: WORKER_URL, cwd: p.dir, stdout: new Sink(), stderr });
      for (const c of program.commands) configureExits(c);
      Object.assign(process.env, { FALCO_SCAP_TEST_STATS: '1', ...env });
      try {
        await program.parseAsync(['node', 'falco-scap', 'test', 'specs/many.test.yaml', '--jobs', '4']).catch(reportError);
      } finally {
        delete process.env.FALCO_SCAP_TEST_STATS;
        delete process.env.FALCO_SCAP_TEST_WORKERS;
      }
      expect(Number(process.exitCode ?? 0)).toBe(0);
      return stderr.text;
    };
    const fitted = await statsWith({});
    expect(fitted).toMatch(/^falco-scap: stats: worker 1: \d+ cases, .*\nfalco-scap: stats: main thread.*\n$/);
    const all = await statsWith({ FALCO_SCAP_TEST_WORKERS: 'all' });
    expect(all.match(/stats: worker \d+:/g)?.length).toBeGreaterThanOrEqual(2);
  });
  afterEach(() => {
    process.exitCode = 0;
  });
});
