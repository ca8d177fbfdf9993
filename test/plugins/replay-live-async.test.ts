/**
 * Live plugin sources through `falco-scap replay`: async events of plugins with the async
 * capability merged into the live source's stream (libsinsp's ordering by timestamp, plugin
 * ID set to the source's, thread IDs refused, leftovers at EOF not delivered, nothing in
 * capture mode), and several live sources read concurrently.
 */
import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadPlugin } from '../../src/plugins/plugin.js';
import { writePluginCapture } from '../../src/replay/plugins/capture.js';
import { runCli } from '../helpers/cli.js';
import { alertLines, pluginSetup, skipMessage, writeJsonl } from './helpers.js';

const setup = pluginSetup();
if (!setup.ok) console.warn(skipMessage(setup));

const lines = alertLines;

/** jsonaudit's timestamp of line n (test/plugins/c/jsonaudit.c). */
const lineTs = (n: number): string => (1700000000000000000n + BigInt(n) * 1000n).toString();

describe.skipIf(!setup.ok)('async events delivered live', () => {
  const users = ['u1', 'u2', 'u3', 'u4', 'u5'];
  const rulesText = (withAgen: boolean) => `- rule: Async
  desc: async events of the jsonaudit source
  condition: evt.is_async = true
  output: "async %evt.asynctype n=%evt.num${withAgen ? ' data=%agen.data name=%agen.name' : ''} plugin=%evt.pluginname src=%evt.source user=%jaudit.user"
  priority: WARNING
  source: jsonaudit
- rule: Event
  desc: plugin events of the jsonaudit source
  condition: evt.is_async = false
  output: "event n=%evt.num user=%jaudit.user${withAgen ? ' data=%agen.data' : ''}"
  priority: NOTICE
  source: jsonaudit
`;
  // ts -1: before the next event; explicit ts: before the first event not older; a thread
  // ID: refused; an undeclared name: dropped; after the last event: never delivered.
  const asyncConfig = [
    `alarm,first,-`,
    `alarm,late,${lineTs(9)}`,
    `alarm,mid,${(1700000000000000000n + 2500n).toString()}`,
    `alarm,same,${lineTs(4)}`,
    `bogus,x,-`,
    `alarm,thr,-,1234`,
  ].join(';');
  const expected = [
    'Warning async alarm n=1 data=first name=alarm plugin=jsonaudit src=jsonaudit user=<NA>',
    'Notice event n=2 user=u1 data=<NA>',
    'Notice event n=3 user=u2 data=<NA>',
    'Warning async alarm n=4 data=mid name=alarm plugin=jsonaudit src=jsonaudit user=<NA>',
    'Notice event n=5 user=u3 data=<NA>',
    'Warning async alarm n=6 data=same name=alarm plugin=jsonaudit src=jsonaudit user=<NA>',
    'Notice event n=7 user=u4 data=<NA>',
    'Notice event n=8 user=u5 data=<NA>',
  ];

  it('merges them into the live stream by timestamp, with the source plugin as evt.pluginname', async () => {
    const log = writeJsonl(setup.dir, 'live-async.jsonl', users.map((user) => ({ user, action: 'read' })));
    const rules = join(setup.dir, 'live-async-rules.yaml');
    writeFileSync(rules, rulesText(true));
    for (const batch of [512, 1, 2]) {
      const r = await runCli([
        'replay',
        '--plugin', `${setup.jsonaudit}:{"batchSize":${batch}}`,
        '--plugin', `${setup.asyncgen}:${asyncConfig}`,
        '--open-params', log,
        '-r', rules,
        '-o', 'append_output[0].suggested_output=false',
      ]);
      expect(r.stderr).not.toMatch(/Error|at /);
      expect(r.code).toBe(0);
      expect(lines(r.stdout), `batchSize ${batch}`).toEqual(expected);
      expect(r.stderr).toContain('Events processed: 8 ');
      expect(r.stderr).toContain("warning: 1 async event(s) of plugin 'asyncgen' refused: async events of a plugin source may not have a thread ID");
      expect(r.stderr).toContain("warning: 1 async event(s) for source 'jsonaudit' still queued when the source ended were not delivered");
    }
  });

  it('delivers events a plugin thread keeps sending while the source is read', async () => {
    const log = writeJsonl(setup.dir, 'live-stream.jsonl', users.map((user) => ({ user, action: 'read' })));
    const rules = join(setup.dir, 'live-stream-rules.yaml');
    writeFileSync(rules, rulesText(true));
    const r = await runCli([
      'replay',
      '--plugin', `${setup.jsonaudit}:{"batchSize":1,"delayMs":60}`,
      '--plugin', `${setup.asyncgen}:stream=10`,
      '--open-params', log,
      '-r', rules,
      '-o', 'append_output[0].suggested_output=false',
    ]);
    expect(r.code).toBe(0);
    const out = lines(r.stdout);
    const events = out.filter((l) => l.startsWith('Notice'));
    const ticks = out.filter((l) => l.startsWith('Warning'));
    expect(events.map((l) => / user=(\S+)/.exec(l)![1])).toEqual(users);
    // ~60 ms per batch, a tick every 10 ms: ticks arrive between the batches, in order.
    expect(ticks.length).toBeGreaterThanOrEqual(4);
    for (const t of ticks) expect(t).toMatch(/^Warning async tick n=\d+ data=\d+ name=tick plugin=jsonaudit src=jsonaudit user=<NA>$/);
    const data = ticks.map((l) => Number(/ data=(\d+)/.exec(l)![1]));
    expect(data).toEqual(data.map((_, i) => i + 1));
    // evt.num counts plugin and async events together, from 1, in output order.
    expect(out.map((l) => Number(/ n=(\d+)/.exec(l)![1]))).toEqual(out.map((_, i) => i + 1));
    expect(r.stderr).toContain(`Events processed: ${out.length} `);
  });

  it('are not produced when reading a capture (as libsinsp: only live inspectors get a handler)', async () => {
    const log = writeJsonl(setup.dir, 'cap-async.jsonl', users.map((user) => ({ user, action: 'read' })));
    const cap = join(setup.dir, 'cap-async.scap');
    const p = loadPlugin(setup.jsonaudit);
    try {
      await writePluginCapture(cap, p, log);
    } finally {
      p.destroy();
    }
    const rules = join(setup.dir, 'cap-async-rules.yaml');
    writeFileSync(rules, rulesText(true));
    const r = await runCli(['replay', '--plugin', setup.jsonaudit, '--plugin', `${setup.asyncgen}:${asyncConfig}`, '-r', rules, cap, '-o', 'append_output[0].suggested_output=false']);
    expect(r.code).toBe(0);
    expect(lines(r.stdout)).toEqual(users.map((u, i) => `Notice event n=${i + 1} user=${u} data=<NA>`));
    expect(r.stderr).not.toContain('async event(s)');
  });

  it('come from one instance of the plugin per compatible live source, as Falco inits one per inspector', async () => {
    const a = writeJsonl(setup.dir, 'two-a.jsonl', [{ user: 'a1' }]);
    const b = writeJsonl(setup.dir, 'two-b.jsonl', [{ user: 'b1' }]);
    const cfg = join(setup.dir, 'two-async.yaml');
    const rules = join(setup.dir, 'two-async-rules.yaml');
    writeFileSync(
      rules,
      ['jsonaudit', 'jsonaudit2']
        .map(
          (s) => `- rule: Any ${s}
  desc: every event of ${s}
  condition: evt.num > 0
  output: "${s} n=%evt.num async=%evt.is_async type=%evt.asynctype data=%agen.data"
  priority: NOTICE
  source: ${s}
`,
        )
        .join(''),
    );
    writeFileSync(
      cfg,
      `rules_files: [${rules}]\nplugins:\n  - name: jsonaudit\n    library_path: ${setup.jsonaudit}\n    open_params: ${a}\n  - name: jsonaudit2\n    library_path: ${setup.jsonaudit2}\n    open_params: ${b}\n  - name: asyncgen\n    library_path: ${setup.asyncgenAll}\n    init_config: "alarm,one,-;alarm,two,-"\n`,
    );
    const r = await runCli(['replay', '-c', cfg, '-o', 'append_output[0].suggested_output=false']);
    expect(r.code).toBe(0);
    const out = lines(r.stdout);
    for (const s of ['jsonaudit', 'jsonaudit2']) {
      expect(out.filter((l) => l.startsWith(`Notice ${s} `))).toEqual([
        `Notice ${s} n=1 async=true type=alarm data=one`,
        `Notice ${s} n=2 async=true type=alarm data=two`,
        `Notice ${s} n=3 async=false type=<NA> data=<NA>`,
      ]);
    }
    expect(out).toHaveLength(6);
    expect(r.stderr).toContain('Events processed: 6 ');
    expect(r.stderr).not.toContain('warning');
  });
});

describe.skipIf(!setup.ok)('several live sources', () => {
  it('are read concurrently: a slow source does not hold back the other; both are counted', async () => {
    const slow = writeJsonl(setup.dir, 'slow.jsonl', ['s1', 's2', 's3'].map((user) => ({ user, action: 'read' })));
    const fastUsers = Array.from({ length: 20 }, (_, i) => `f${i + 1}`);
    const fast = writeJsonl(setup.dir, 'fast.jsonl', fastUsers.map((user) => ({ user, action: 'write' })));
    const rules = join(setup.dir, 'par-rules.yaml');
    writeFileSync(
      rules,
      ['jsonaudit', 'jsonaudit2']
        .map(
          (s) => `- rule: Audit ${s}
  desc: every event of ${s}
  condition: jaudit.action in (read, write)
  output: "src=%evt.source plugin=%evt.pluginname n=%evt.num user=%jaudit.user"
  priority: NOTICE
  source: ${s}
`,
        )
        .join(''),
    );
    const cfg = join(setup.dir, 'par.yaml');
    // The slow source is loaded (and, read one after the other, would be read) first.
    writeFileSync(
      cfg,
      `rules_files: [${rules}]\nplugins:\n  - name: jsonaudit\n    library_path: ${setup.jsonaudit}\n    init_config:\n      batchSize: 1\n      delayMs: 300\n    open_params: ${slow}\n  - name: jsonaudit2\n    library_path: ${setup.jsonaudit2}\n    open_params: ${fast}\n`,
    );
    const r = await runCli(['replay', '-c', cfg, '-o', 'append_output[0].suggested_output=false']);
    expect(r.code).toBe(0);
    const out = lines(r.stdout);
    const a = out.filter((l) => l.includes('src=jsonaudit '));
    const b = out.filter((l) => l.includes('src=jsonaudit2 '));
    expect(a).toEqual(['s1', 's2', 's3'].map((u, i) => `Notice src=jsonaudit plugin=jsonaudit n=${i + 1} user=${u}`));
    expect(b).toEqual(fastUsers.map((u, i) => `Notice src=jsonaudit2 plugin=jsonaudit2 n=${i + 1} user=${u}`));
    expect(out).toHaveLength(23);
    // Every fast alert comes before the slow source's first (300 ms into its first batch).
    expect(out.indexOf(b[b.length - 1]!)).toBeLessThan(out.indexOf(a[0]!));
    expect(r.stderr).toMatch(/Events processed: 23 in [\d.]+ s \(\d+ events\/s\) from 2 capture\(s\)/);
    expect(r.stderr).toContain('Audit jsonaudit: 3');
    expect(r.stderr).toContain('Audit jsonaudit2: 20');
  });

  it('stops every source and reports the failing plugin when one fails', async () => {
    const slow = writeJsonl(setup.dir, 'slow-ok.jsonl', ['s1', 's2'].map((user) => ({ user, action: 'read' })));
    const rules = join(setup.dir, 'par-fail-rules.yaml');
    writeFileSync(rules, '- rule: A\n  desc: a\n  condition: evt.num > 0\n  output: "n=%evt.num"\n  priority: NOTICE\n  source: jsonaudit\n');
    const cfg = join(setup.dir, 'par-fail.yaml');
    writeFileSync(
      cfg,
      `rules_files: [${rules}]\nplugins:\n  - name: jsonaudit\n    library_path: ${setup.jsonaudit}\n    init_config:\n      batchSize: 1\n      delayMs: 50\n    open_params: ${slow}\n  - name: jsonaudit2\n    library_path: ${setup.jsonaudit2}\n    open_params: ${join(setup.dir, 'does-not-exist.jsonl')}\n`,
    );
    const r = await runCli(['replay', '-c', cfg]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n').at(-1)).toMatch(/plugin 'jsonaudit2'.*open failed: open: cannot open .*does-not-exist\.jsonl/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
