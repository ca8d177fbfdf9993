import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, runCli } from '../helpers/cli.js';
import { hasShared, SHARED_CAPTURES, skipNote } from '../helpers/shared.js';

const dir = mkdtempSync(join(tmpdir(), 'cli-replay-'));
const CAT = join(SHARED_CAPTURES, 'falco-traces', 'cat_write.scap');
const BIG = join(SHARED_CAPTURES, 'falco-traces', 'run_as_user_0_container.scap');
const rule = (name: string, cond: string, out: string, prio: string, tags: string[] = []) =>
  `- rule: ${name}\n  desc: d\n  condition: ${cond}\n  output: "${out}"\n  priority: ${prio}\n  tags: [${tags.join(', ')}]\n`;
const CAT_RULES = join(dir, 'cat.yaml');
writeFileSync(
  CAT_RULES,
  rule('cat opens', 'evt.type in (open,openat) and proc.name=cat', 'cat opened %fd.name (proc=%proc.name pid=%proc.pid)', 'WARNING', ['files']) +
    rule('cat closes', 'evt.type=close and proc.name=cat', 'cat closed %fd.num', 'NOTICE', ['close']),
);
const ALL_RULES = join(dir, 'all.yaml');
writeFileSync(ALL_RULES, rule('all', 'evt.num > 0', '%evt.num %evt.type %proc.name', 'DEBUG'));
const BAD_RULES = join(dir, 'bad.yaml');
writeFileSync(BAD_RULES, rule('x', 'evt.type=open and', 'o', 'INFO'));
const base = ['replay', '--no-progress'];

if (!hasShared) skipNote('replay CLI tests', '../shared captures');

function sh(cmd: string): { stdout: string; status: number | null; stderr: string } {
  const r = spawnSync('sh', ['-c', cmd], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: 60_000 });
  return { stdout: r.stdout, status: r.status, stderr: r.stderr };
}

describe.skipIf(!hasShared)('falco-scap replay (CLI)', () => {
  it('exit 0 with alerts; text lines with time and priority', async () => {
    const r = await runCli([...base, '-r', CAT_RULES, '-T', 'close', CAT]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^16:17:57\.881785348: Warning cat opened \/etc\/ld\.so\.cache \(proc=cat pid=20072\) container_id=host /);
    expect(r.stderr).toContain('Events detected: 4');
  });

  it('--fail-on-alert exits 1 when an alert fired, 0 otherwise', async () => {
    expect((await runCli([...base, '--fail-on-alert', '-r', CAT_RULES, CAT])).code).toBe(1);
    expect((await runCli([...base, '--fail-on-alert', '-r', CAT_RULES, join(SHARED_CAPTURES, 'falco-traces', 'empty.scap')])).code).toBe(0);
  });

  it('exit 2 for a bad rules file, one line naming file:line:col', async () => {
    const r = await runCli([...base, '-r', BAD_RULES, CAT]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const errLines = r.stderr.trim().split('\n');
    expect(errLines).toHaveLength(1);
    expect(errLines[0]).toMatch(new RegExp(`^falco-scap: ${BAD_RULES.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:3:\\d+: LOAD_ERR_COMPILE_CONDITION: `));
  });

  it('exit 2 for a missing capture and for an unknown flag', async () => {
    const r = await runCli([...base, '-r', CAT_RULES, join(dir, 'nope.scap')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/nope\.scap: cannot open/);
    const garbage = join(dir, 'garbage.scap');
    writeFileSync(garbage, 'this is not a capture at all\n'.repeat(10));
    expect((await runCli([...base, '-r', CAT_RULES, garbage])).code).toBe(2);
    const f = await runCli([...base, '--bogus', CAT]);
    expect(f.code).toBe(2);
    expect(f.stderr).toContain("unknown option '--bogus'");
  });

  it('--json: one Falco JSON object per line', async () => {
    const r = await runCli([...base, '--json', '-r', CAT_RULES, '-t', 'files', CAT]);
    expect(r.code).toBe(0);
    const objs = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(objs).toHaveLength(4);
    expect(Object.keys(objs[0]!).sort()).toEqual(['hostname', 'output', 'output_fields', 'priority', 'rule', 'source', 'tags', 'time']);
    expect(objs[0]).toMatchObject({ rule: 'cat opens', priority: 'Warning', source: 'syscall', tags: ['files'], time: '2016-08-04T16:17:57.881785348Z' });
    expect(objs.map((o) => (o['output_fields'] as Record<string, unknown>)['fd.name'])).toEqual([
      '/etc/ld.so.cache',
      '/lib/x86_64-linux-gnu/libc.so.6',
      '/usr/lib/locale/locale-archive',
      '/dev/null',
    ]);
    // -o json_output=true is the same switch.
    const o = await runCli([...base, '-o', 'json_output=true', '-r', CAT_RULES, '-t', 'files', CAT]);
    expect(o.stdout).toBe(r.stdout);
  });

  it('-t / -T select rules by tag', async () => {
    const both = await runCli([...base, '-r', CAT_RULES, CAT]);
    const closes = both.stdout.split('\n').filter((l) => l.includes('cat closed')).length;
    expect(closes).toBeGreaterThan(0);
    expect(both.stdout.split('\n').filter((l) => l.includes('cat opened'))).toHaveLength(4);
    const onlyClose = await runCli([...base, '-r', CAT_RULES, '-t', 'close', CAT]);
    expect(onlyClose.stdout.trim().split('\n')).toHaveLength(closes);
    expect(onlyClose.stdout).not.toContain('cat opened');
    const noFiles = await runCli([...base, '-r', CAT_RULES, '-T', 'files', CAT]);
    expect(noFiles.stdout).not.toContain('cat opened');
  });

  it('-o overrides: priority threshold and json_include_output_property', async () => {
    const hi = await runCli([...base, '-o', 'priority=warning', '-r', CAT_RULES, CAT]);
    expect(hi.stdout.trim().split('\n')).toHaveLength(4);
    const noOut = await runCli([...base, '--json', '-o', 'json_include_output_property=false', '-r', CAT_RULES, '-t', 'files', CAT]);
    const o = JSON.parse(noOut.stdout.split('\n')[0]!) as Record<string, unknown>;
    expect(o['output']).toBeUndefined();
    expect(o['rule']).toBe('cat opens');
  });

  it('--stats-json records the run', async () => {
    const stats = join(dir, 'stats.json');
    const r = await runCli([...base, '--stats-json', stats, '-r', CAT_RULES, '-t', 'files', CAT, CAT]);
    expect(r.code).toBe(0);
    const s = JSON.parse(readFileSync(stats, 'utf8')) as Record<string, unknown>;
    expect(s).toMatchObject({ captures: 2, events: 690, alerts: 8, byPriority: { Warning: 8 }, byRule: { 'cat opens': 8 }, enabledRules: 1 });
    expect(s['rulesFiles']).toEqual([CAT_RULES]);
  });

  it('several captures in one run: alerts of each in order', async () => {
    const r = await runCli([...base, '-r', CAT_RULES, '-t', 'files', CAT, CAT]);
    expect(r.stdout.trim().split('\n')).toHaveLength(8);
    expect(r.stderr).toContain('from 2 capture(s)');
  });

  it('stdout piped to head -1 ends cleanly (EPIPE handled)', () => {
    const r = sh(`node ${CLI} replay --no-progress -r ${ALL_RULES} ${BIG} ${BIG} ${BIG} 2>${join(dir, 'epipe.err')} | head -1; echo "rc=\${PIPESTATUS:-}"`);
    expect(r.stdout.split('\n')[0]).toMatch(/^22:31:10\.532562000: Debug 1 container /);
    const err = readFileSync(join(dir, 'epipe.err'), 'utf8');
    expect(err).not.toMatch(/internal error|EPIPE|Unhandled/);
  });

  it('output written to a pipe is complete', () => {
    const r = sh(`node ${CLI} replay --no-progress -r ${ALL_RULES} ${BIG} 2>${join(dir, 'wc.err')} | wc -l`);
    const err = readFileSync(join(dir, 'wc.err'), 'utf8');
    const detected = Number(/Events detected: (\d+)/.exec(err)?.[1]);
    expect(detected).toBeGreaterThan(1000);
    expect(Number(r.stdout.trim())).toBe(detected);
  });
});
