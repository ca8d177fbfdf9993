import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/replay/config/config.js';
import { buildRuleset, ReplayEngine } from '../../src/replay/engine.js';
import type { Alert } from '../../src/replay/output/alert.js';
import { BUILTIN_CONTAINER_PLUGIN, PluginSet, parsePluginArg } from '../../src/replay/plugins/host.js';
import { CaptureRouter, loadRulesWithPlugins, sourceEvaluators, type RoutingStats } from '../../src/replay/plugins/replay.js';
import { BatchColumns, genEventFields } from '../../src/replay/plugins/fields.js';
import { PluginFieldBinder, parsePluginFields } from '../../src/plugins/fields.js';
import type { NativeExtractField, NativeValue } from '../../src/plugins/native.js';
import { ScapWriter } from '../../src/scap/writer.js';
import { eventBytes, p } from '../helpers/event-builder.js';
import { SHARED_RULES } from '../helpers/shared.js';
import { pluginSetup, skipMessage } from './helpers.js';

const setup = pluginSetup();
if (!setup.ok) console.warn(skipMessage(setup));

const dir = mkdtempSync(join(tmpdir(), 'falco-scap-plugin-rules-'));
const config = loadConfig({ env: { FALCO_HOSTNAME: 'h' } });

function rulesFile(name: string, text: string): string {
  const f = join(dir, name);
  writeFileSync(f, text);
  return f;
}

const REQ = (name: string, version: string, alts = '') => `- required_plugin_versions:\n    - name: ${name}\n      version: ${version}\n${alts}`;

describe('required_plugin_versions (Falco check_plugin_requirements)', () => {
  it('the official rules need container >= 0.4.0, met by the built-in container support', () => {
    expect(BUILTIN_CONTAINER_PLUGIN.name).toBe('container');
    expect(() => loadRulesWithPlugins([join(SHARED_RULES, 'falco_rules.yaml')], config, PluginSet.empty())).not.toThrow();
  });

  it('an unknown plugin: Falco error text, one line', () => {
    const f = rulesFile('k8s.yaml', REQ('k8saudit', '0.1.0'));
    expect(() => loadRulesWithPlugins([f], config, PluginSet.empty())).toThrow(/^Plugin requirement not satisfied, must load one of: k8saudit \(>= 0\.1\.0\)$/);
  });

  it('alternatives are listed in the error, and any of them satisfies', () => {
    const alts = '      alternatives:\n        - name: k8saudit-eks\n          version: 0.2.0\n        - name: container\n          version: 0.5.0\n';
    expect(() => loadRulesWithPlugins([rulesFile('alt.yaml', REQ('k8saudit', '0.1.0', alts))], config, PluginSet.empty())).not.toThrow();
    const alts2 = '      alternatives:\n        - name: k8saudit-eks\n          version: 0.2.0\n';
    expect(() => loadRulesWithPlugins([rulesFile('alt2.yaml', REQ('k8saudit', '0.1.0', alts2))], config, PluginSet.empty())).toThrow(
      'Plugin requirement not satisfied, must load one of: k8saudit (>= 0.1.0), k8saudit-eks (>= 0.2.0)',
    );
  });

  it('a newer or other-major requirement of a loaded plugin is refused', () => {
    expect(() => loadRulesWithPlugins([rulesFile('c1.yaml', REQ('container', '0.99.0'))], config, PluginSet.empty())).toThrow(
      `Plugin 'container' version '${BUILTIN_CONTAINER_PLUGIN.version}' is not compatible with required plugin version '0.99.0'`,
    );
    expect(() => loadRulesWithPlugins([rulesFile('c2.yaml', REQ('container', '1.0.0'))], config, PluginSet.empty())).toThrow(/is not compatible with required plugin version '1\.0\.0'/);
  });

  it('rules of a source no plugin provides are skipped with LOAD_UNKNOWN_SOURCE, not an error', () => {
    const f = rulesFile('src.yaml', '- rule: r\n  desc: d\n  condition: jaudit.user = x\n  output: o\n  priority: INFO\n  source: jsonaudit\n');
    const r = loadRulesWithPlugins([f], config, PluginSet.empty());
    expect(r.results[0]!.warnings.map((w) => w.code)).toContain('LOAD_UNKNOWN_SOURCE');
  });
});

describe('plugin source fields', () => {
  it('are the generic event fields libsinsp gives plugin sources', () => {
    expect(genEventFields().map((f) => f.name)).toEqual([
      'evt.num',
      'evt.time',
      'evt.time.s',
      'evt.time.iso8601',
      'evt.datetime',
      'evt.datetime.s',
      'evt.rawtime',
      'evt.rawtime.s',
      'evt.rawtime.ns',
      'evt.reltime',
      'evt.reltime.s',
      'evt.reltime.ns',
      'evt.pluginname',
      'evt.plugininfo',
      'evt.source',
      'evt.is_async',
      'evt.asynctype',
      'evt.hostname',
    ]);
  });
});

describe('lazy batched extraction (BatchColumns)', () => {
  const FIELDS = parsePluginFields('fake', JSON.stringify(['a', 'b', 'c'].map((n) => ({ name: `f.${n}`, type: 'uint64', desc: n }))));
  /** A fake plugin: value of field id k for event number e is e * 10 + k; records every native call. */
  function fake() {
    const calls: { fields: number[]; events: number }[] = [];
    const binder = new PluginFieldBinder({
      name: 'fake',
      fields: () => FIELDS,
      prepare: (reqs: readonly NativeExtractField[]) => (events: Uint8Array, first: number): NativeValue[] => {
        const n = events[0]!; // the test's "batch": its first byte is the event count
        calls.push({ fields: reqs.map((r) => r.id), events: n });
        const out: NativeValue[] = [];
        for (let e = 0; e < n; e++) for (const r of reqs) out.push((first + e) * 10 + r.id);
        return out;
      },
    });
    return { binder, calls, slot: (f: string) => binder.register({ field: f }) };
  }

  it('extracts a slot for the whole batch on first use, then with the other hot slots in one call', () => {
    const { binder, calls, slot } = fake();
    const [a, b, c] = [slot('f.a'), slot('f.b'), slot('f.c')];
    const cols = new BatchColumns(binder);
    cols.begin(Uint8Array.of(3), 3, 1);
    const read = (s: number) => [0, 1, 2].map((i) => ((cols.i = i), cols.get(s)));
    expect(read(b)).toEqual([11, 21, 31]);
    expect(read(a)).toEqual([10, 20, 30]);
    expect(calls).toEqual([
      { fields: [1], events: 3 },
      { fields: [0], events: 3 },
    ]);
    calls.length = 0;
    cols.begin(Uint8Array.of(2), 2, 4);
    expect(calls).toEqual([{ fields: [1, 0], events: 2 }]);
    expect(read(a).slice(0, 2)).toEqual([40, 50]);
    expect(read(b).slice(0, 2)).toEqual([41, 51]);
    // c was never read: never extracted; reading it now costs one call for this batch.
    expect(calls).toHaveLength(1);
    expect(read(c).slice(0, 2)).toEqual([42, 52]);
    expect(calls).toEqual([
      { fields: [1, 0], events: 2 },
      { fields: [2], events: 2 },
    ]);
  });
});

const RULES = `- required_plugin_versions:
    - name: jsonaudit
      version: 0.3.0
- rule: Failed action
  desc: d
  condition: jaudit.failed = true
  output: "fail %jaudit.user n=%evt.num p=%evt.pluginname s=%evt.source"
  priority: WARNING
  source: jsonaudit
- rule: Close
  desc: d
  condition: evt.type = close
  output: "close n=%evt.num s=%evt.source"
  priority: NOTICE
`;

function rec(user: string, action: string): Buffer {
  return Buffer.from(JSON.stringify({ user, action, count: 1, tags: [] }));
}

describe.skipIf(!setup.ok)('plugin events in captures: routing by plugin ID', () => {
  let set: PluginSet;
  beforeAll(() => {
    set = PluginSet.load([parsePluginArg(setup.jsonaudit)]);
  });
  afterAll(() => set?.destroy());

  it('jsonaudit adds its source after syscall and owns its ID', () => {
    expect(set.sources).toEqual(['syscall', 'jsonaudit']);
    expect(set.byPluginId(999)?.plugin.name).toBe('jsonaudit');
    expect(set.byPluginId(1)).toBeUndefined();
    expect(set.extractorsFor('jsonaudit').map((p) => p.name)).toEqual(['jsonaudit']);
    expect(set.extractorsFor('syscall')).toEqual([]);
  });

  it('plugin fields are unknown to syscall rules (the plugin extracts from its source only)', () => {
    const f = rulesFile('bad-src.yaml', '- rule: r\n  desc: d\n  condition: jaudit.user = x\n  output: o\n  priority: INFO\n');
    expect(() => loadRulesWithPlugins([f], config, set)).toThrow(/nonexistent field jaudit\.user/);
  });

  it('routes plugin events to their source, keeps capture order with syscall alerts, skips unknown IDs', async () => {
    const cap = join(dir, 'mixed.scap');
    const w = await ScapWriter.create(cap, { force: true });
    w.writeSectionHeader();
    w.writePluginEvent(999, rec('bob', 'fail'), 1000n);
    w.writeEventBytes(eventBytes({ type: 'SYSCALL_CLOSE_X', tid: 7, ts: 2000n, params: [p.i64(0), p.i64(3)] }), 0);
    w.writePluginEvent(4242, rec('eve', 'fail'), 3000n);
    w.writePluginEvent(999, rec('alice', 'read'), 4000n);
    w.writePluginEvent(999, rec('carol', 'fail'), 5000n);
    await w.close();

    const rules = loadRulesWithPlugins([rulesFile('mixed.yaml', RULES)], config, set);
    const engine = new ReplayEngine(buildRuleset(rules, config), config);
    const routing: RoutingStats = { bySource: {}, unknownIds: {} };
    const evaluators = sourceEvaluators(rules, config, {}, engine.stats);
    engine.foreignEvents = () => new CaptureRouter(set, evaluators, routing);
    const alerts: Alert[] = [];
    await engine.replay(cap, { onAlert: (a) => void alerts.push(a) });
    expect(alerts.map((a) => [a.source, a.output])).toEqual([
      // jaudit.user is flagged addOutput: Falco's suggested_output appends it.
      ['jsonaudit', 'fail bob n=1 p=jsonaudit s=jsonaudit jaudit_user=bob'],
      ['syscall', expect.stringMatching(/^close n=2 s=syscall container_id=host /)],
      ['jsonaudit', 'fail carol n=5 p=jsonaudit s=jsonaudit jaudit_user=carol'],
    ]);
    expect(alerts.map((a) => a.time)).toEqual([1000n, 2000n, 5000n]);
    expect(routing).toEqual({ bySource: { jsonaudit: 3 }, unknownIds: { 4242: 1 } });
    expect(engine.stats.events).toBe(5);
  });

  it('numbers plugin events by their place in the capture, whatever lies between them', async () => {
    const cap = join(dir, 'gaps.scap');
    const w = await ScapWriter.create(cap, { force: true });
    w.writeSectionHeader();
    w.writePluginEvent(999, rec('bob', 'fail'), 1000n);
    w.writePluginEvent(4242, rec('eve', 'fail'), 1500n);
    w.writePluginEvent(999, rec('carol', 'fail'), 2000n);
    // a syscall event no rule looks at
    w.writeEventBytes(eventBytes({ type: 'SYSCALL_OPEN_X', tid: 7, ts: 2500n, params: [p.i64(3), p.str('/etc/x'), p.u32(0), p.u32(0), p.u32(0), p.u64(0)] }), 0);
    w.writePluginEvent(999, rec('dave', 'fail'), 3000n);
    await w.close();
    const rules = loadRulesWithPlugins([rulesFile('gaps.yaml', RULES)], config, set);
    const engine = new ReplayEngine(buildRuleset(rules, config), config);
    const evaluators = sourceEvaluators(rules, config, {}, engine.stats);
    engine.foreignEvents = () => new CaptureRouter(set, evaluators, { bySource: {}, unknownIds: {} });
    const alerts: Alert[] = [];
    await engine.replay(cap, { onAlert: (a) => void alerts.push(a) });
    expect(alerts.map((a) => a.output)).toEqual([
      'fail bob n=1 p=jsonaudit s=jsonaudit jaudit_user=bob',
      'fail carol n=3 p=jsonaudit s=jsonaudit jaudit_user=carol',
      'fail dave n=5 p=jsonaudit s=jsonaudit jaudit_user=dave',
    ]);
  });
});
