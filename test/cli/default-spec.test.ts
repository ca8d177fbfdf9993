import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

describe('our default rules against our sample captures (tests/spec)', () => {
  it('falco-scap test passes every case and says so', async () => {
    const res = await runCli(['test', 'tests/spec', '--jobs', '2'], { timeoutMs: 120_000 });
    expect(res.stderr).toBe('');
    expect(res.stdout).toMatch(/2 cases: 2 passed/);
    expect(res.code).toBe(0);
  });

  it('the demo capture raises exactly one alert per workload action, in order', async () => {
    const res = await runCli(['replay', '--json', 'samples/captures/workload.scap.gz'], { timeoutMs: 60_000 });
    expect(res.code).toBe(0);
    const alerts = res.stdout.trim().split('\n').map((l) => JSON.parse(l) as { rule: string; output_fields: Record<string, unknown> });
    // samples/workload.sh: shadow read, shell from python, loopback connection from a
    // python one-liner, write below a (chrooted) binary dir, exec from /tmp, uid switch.
    expect(alerts.map((a) => a.rule)).toEqual([
      'Secret Account File Read',
      'Shell Spawned By Interpreter Or Server',
      'Network Connection From Interpreter One-Liner',
      'Binary Directory Modified',
      'Program Run From Temporary Directory',
      'User Id Switched Outside Login Helpers',
    ]);
    expect(alerts[0]!.output_fields['fd.name']).toBe('/etc/shadow');
    expect(String(alerts[2]!.output_fields['fd.name'])).toMatch(/^127\.0\.0\.1:\d+->127\.0\.0\.1:\d+$/);
    expect(alerts[3]!.output_fields['fd.name']).toBe('/usr/local/bin/falco-scap-sample-dropper');
    expect(res.stderr).toMatch(/Events detected: 6/);
  });
});
