import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { hasShared, SHARED_RULES, skipNote } from '../helpers/shared.js';

const dir = mkdtempSync(join(tmpdir(), 'cli-validate-'));
const GOOD = join(dir, 'good.yaml');
writeFileSync(GOOD, '- rule: x\n  desc: d\n  condition: evt.type=open\n  output: o %proc.name\n  priority: INFO\n');
const BAD = join(dir, 'bad.yaml');
writeFileSync(BAD, '- rule: x\n  desc: d\n  condition: evt.type=open and\n  output: o\n  priority: INFO\n');
const WARN = join(dir, 'warn.yaml');
writeFileSync(WARN, '- macro: unused_m\n  condition: evt.type=open\n- rule: y\n  desc: d\n  condition: evt.type=close\n  output: o\n  priority: INFO\n');

describe('falco-scap validate', () => {
  it('valid file: "<file>: Ok", exit 0', async () => {
    const r = await runCli(['validate', '-r', GOOD]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${GOOD}: Ok\n`);
  });

  it('warnings: "Ok, with warnings" and the codes, exit 0', async () => {
    const r = await runCli(['validate', '-r', WARN]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${WARN}: Ok, with warnings\n 1 warnings: [LOAD_UNUSED_MACRO (Unused macro)]\n`);
  });

  it('invalid file: summary with the error code, exit 2; every file is reported', async () => {
    const r = await runCli(['validate', '-r', BAD, '-r', GOOD]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe(`${BAD}: Invalid\n 1 errors: [LOAD_ERR_COMPILE_CONDITION (Error compiling condition)]\n${GOOD}: Ok\n`);
  });

  it('--json: Falco result shape', async () => {
    const r = await runCli(['validate', '--json', '-r', BAD, '-r', GOOD]);
    expect(r.code).toBe(2);
    const doc = JSON.parse(r.stdout) as { falco_load_results: Record<string, unknown>[] };
    expect(doc.falco_load_results).toHaveLength(2);
    expect(doc.falco_load_results[0]).toMatchObject({ name: BAD, successful: false });
    expect(doc.falco_load_results[1]).toMatchObject({ name: GOOD, successful: true });
    const errs = doc.falco_load_results[0]!['errors'] as Record<string, unknown>[];
    expect(errs[0]).toMatchObject({ code: 'LOAD_ERR_COMPILE_CONDITION', codedesc: 'Error compiling condition' });
  });

  it('missing rules file: exit 2', async () => {
    const r = await runCli(['validate', '-r', join(dir, 'nope.yaml')]);
    expect(r.code).toBe(2);
  });

  if (!hasShared) skipNote('validate official rules', '../shared rules');
  it.skipIf(!hasShared)('the official rules files: Ok each, together', async () => {
    const files = ['falco_rules.yaml', 'falco-incubating_rules.yaml', 'falco-sandbox_rules.yaml'].map((f) => join(SHARED_RULES, f));
    const r = await runCli(['validate', ...files.flatMap((f) => ['-r', f])], { timeoutMs: 60_000 });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(files.map((f) => `${f}: Ok\n`).join(''));
  });
});

describe('falco-scap list fields / rules', () => {
  it('list fields --json has the syscall fields', async () => {
    const r = await runCli(['list', 'fields', '--json']);
    expect(r.code).toBe(0);
    const fields = JSON.parse(r.stdout) as { name: string; source: string }[];
    expect(fields.map((f) => f.name)).toEqual(expect.arrayContaining(['evt.type', 'proc.name', 'fd.name', 'container.id']));
    expect(new Set(fields.map((f) => f.source))).toEqual(new Set(['syscall']));
  });

  it('list fields text and unknown source', async () => {
    const r = await runCli(['list', 'fields']);
    expect(r.stdout).toMatch(/^Field Class: evt \(Event Sources: syscall\)/);
    expect((await runCli(['list', 'fields', '--source', 'k8s_audit'])).code).toBe(2);
  });

  it('list rules -r FILE --json: name, desc, priority, tags', async () => {
    const r = await runCli(['list', 'rules', '--json', '-r', WARN]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([{ name: 'y', desc: 'd', priority: 'Informational', source: 'syscall', tags: [] }]);
  });
});

describe('deprecated evt.dir (enter events are dropped)', () => {
  it("validate warns LOAD_DEPRECATED_ITEM for evt.dir, as Falco 0.43 does", async () => {
    const f = join(dir, 'dir.yaml');
    writeFileSync(f, '- rule: x\n  desc: d\n  condition: evt.type=open and evt.dir=">"\n  output: o\n  priority: INFO\n');
    const r = await runCli(['validate', '-r', f]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${f}: Ok, with warnings\n 1 warnings: [LOAD_DEPRECATED_ITEM (Used deprecated item: field 'evt.dir')]\n`);
  });
});
