import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSpecs } from '../../src/testing/spec.js';
import { runCases } from '../../src/testing/runner.js';
import { runNodeProcess } from '../helpers/cli.js';
import { PROJECT_ROOT } from '../helpers/shared.js';
import { capture, FAKE_ENGINE, project, rulesFile } from './helpers.js';

// `falco-scap test` starts its workers through dist/testing/worker-launch.cjs, which runs the
// bundled worker (dist/testing/worker-bundle.cjs) with a V8 code cache it makes itself. These
// tests run a private copy of dist/ so the checkout's caches are left alone.
const work = mkdtempSync(join(tmpdir(), 'falco-scap-worker-bundle-'));
const dist = join(work, 'dist');
cpSync(join(PROJECT_ROOT, 'dist'), dist, { recursive: true });
cpSync(join(PROJECT_ROOT, 'rules'), join(work, 'rules'), { recursive: true });
symlinkSync(join(PROJECT_ROOT, 'node_modules'), join(work, 'node_modules'));
const testingDir = join(dist, 'testing');
const launcher = join(dist, 'cli', 'falco-scap.cjs');
const bundle = join(testingDir, 'worker-bundle.cjs');
const samples = join(PROJECT_ROOT, 'samples', 'captures');

const spec = join(work, 'suite.test.yaml');
writeFileSync(
  spec,
  [
    'defaults:',
    `  rules: ${join(work, 'rules', 'falco-scap_rules.yaml')}`,
    'cases:',
    ...[1, 2, 3].flatMap((i) => [
      `  - name: workload ${i}`,
      `    captures: ${join(samples, 'workload.scap.gz')}`,
      '    expect: { rules: { Secret Account File Read: 1, Binary Directory Modified: 1 } }',
      `  - name: ls ${i}`,
      `    captures: ${join(samples, 'ls-etc.scap.gz')}`,
      '    expect: { total: 0 }',
    ]),
    '',
  ].join('\n'),
);

const caches = (): string[] => readdirSync(testingDir).filter((f) => f.endsWith('.v8cache'));
const clearCaches = (): void => {
  for (const f of caches()) rmSync(join(testingDir, f));
};
const buildId = (): string => /^\/\/build:([0-9a-f]{16})\n/.exec(readFileSync(bundle, 'utf8'))![1]!;

let runs = 0;
/** Runs the suite with two workers; the JSON report's cases without their durations. */
async function suite(env: NodeJS.ProcessEnv = {}): Promise<unknown[]> {
  const out = join(work, `report${runs++}.json`);
  // Both workers, though six cases alone would get one: they write the cache side by side.
  const res = await runNodeProcess([launcher, 'test', spec, '--jobs', '2', '--reporter', 'json', '--output', out], { env: { FALCO_SCAP_TEST_WORKERS: 'all', ...env }, timeoutMs: 60_000 });
  expect(res.stderr).toBe('');
  expect(res.code).toBe(0);
  const cases = (JSON.parse(readFileSync(out, 'utf8')) as { cases: { duration_ms?: number }[] }).cases;
  expect(cases).toHaveLength(6);
  return cases.map(({ duration_ms: _, ...c }) => c);
}

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the bundled test worker', () => {
  it('names its build on the first line and is ASCII only (the launcher reads it as latin1)', () => {
    expect(buildId()).toMatch(/^[0-9a-f]{16}$/);
    expect(readFileSync(bundle).findIndex((b) => b > 0x7f)).toBe(-1);
  });

  it('makes its code cache on a run without one, then uses it; the same verdicts as the plain module worker', async () => {
    clearCaches();
    const plain = await suite({ FALCO_SCAP_WORKER_BUNDLE: '0' });
    expect(caches()).toEqual([]); // the bundle did not run
    const first = await suite();
    expect(caches()).toEqual([`worker-bundle.${buildId()}.v8cache`]);
    const cachePath = join(testingDir, caches()[0]!);
    const made = statSync(cachePath).mtimeMs;
    const second = await suite();
    expect(statSync(cachePath).mtimeMs).toBe(made); // accepted, not rewritten
    expect(first).toEqual(plain);
    expect(second).toEqual(plain);
    expect(plain[0]).toMatchObject({ name: 'workload 1', status: 'pass', alerts: 6, events: 6183 });
    expect(plain[1]).toMatchObject({ name: 'ls 1', status: 'pass', alerts: 0 });
  });

  it('runs from a corrupt cache (V8 rejects it) and replaces it', async () => {
    await suite();
    const cachePath = join(testingDir, caches()[0]!);
    const junk = Buffer.alloc(4096, 0x5a);
    writeFileSync(cachePath, junk);
    const res = await suite();
    expect(res).toEqual(await suite({ FALCO_SCAP_WORKER_BUNDLE: '0' }));
    expect(readFileSync(cachePath).equals(junk)).toBe(false);
    expect(caches()).toHaveLength(1);
  });

  it('is not needed: without it (a build by tsc alone) the workers load the plain modules', async () => {
    const withBundle = await suite();
    rmSync(bundle);
    clearCaches();
    expect(await suite()).toEqual(withBundle);
    expect(caches()).toEqual([]);
  });
});

describe('the worker launcher with another engine module', () => {
  it('runs the plain module worker, which loads that module (a fake engine here)', async () => {
    const p = project({ 'rules/r.yaml': rulesFile('Debug rule'), 'cap/a.scap': capture([{ time: '1', rule: 'Debug rule', priority: 'Warning' }]) });
    try {
      p.write('s.test.yaml', 'cases:\n  - name: one\n    rules: rules/r.yaml\n    captures: cap/a.scap\n    expect: { rules: { Debug rule: 1 } }\n  - name: two\n    rules: rules/r.yaml\n    captures: cap/a.scap\n    expect: { rules: { Debug rule: 2 } }\n');
      const loaded = loadSpecs([p.path('s.test.yaml')], p.dir);
      expect(loaded.errors).toEqual([]);
      const url = pathToFileURL(resolve(PROJECT_ROOT, 'dist', 'testing', 'worker-launch.cjs'));
      const rs = await runCases(loaded.cases, { jobs: 2, engine: { module: FAKE_ENGINE }, workerUrl: url, cwd: p.dir });
      expect(rs.map((r) => r.status)).toEqual(['pass', 'fail']);
    } finally {
      p.cleanup();
    }
  });
});
