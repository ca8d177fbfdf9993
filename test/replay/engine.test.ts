/**
 * The replay loop hands rules the event as the state engine left it: here, whether the
 * event renamed its fd (fd.name_changed), on the connect exits of a real capture.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/replay/config/config.js';
import { buildRuleset, DEFAULT_RULES_DIR, loadRules, ReplayEngine } from '../../src/replay/engine.js';
import { HostState } from '../../src/replay/state/index.js';
import { ScapReader } from '../../src/scap/reader.js';
import type { EventView } from '../../src/scap/event.js';
import { ppmeCode } from '../../src/scap/event-table.js';
import { hasShared, SHARED_CAPTURES, skipNote } from '../helpers/shared.js';

if (!hasShared) skipNote('replay engine fd.name_changed', '../shared (captures)');

const dir = mkdtempSync(join(tmpdir(), 'replay-engine-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the state engine (default options) over CAPTURE, calling AFTER once each event is applied. */
async function withState(capture: string, after: (st: HostState, ev: EventView) => void): Promise<void> {
  const st = new HostState();
  const reader = await ScapReader.open(capture);
  try {
    await reader.read({
      onBlock: (b) => st.applyRawBlock(b),
      onEvent: (ev) => {
        st.applyEvent(ev);
        after(st, ev);
      },
    });
  } finally {
    await reader.source.close();
  }
}

describe.skipIf(!hasShared)('replay engine', () => {
  it('fd.name_changed is the state engine flag of the event', async () => {
    const capture = join(SHARED_CAPTURES, 'libs/curl_google.scap');
    // The reference: every connect exit and whether HostState saw it rename its fd.
    const connectX = ppmeCode('SOCKET_CONNECT_X')!;
    const renamed: number[] = [];
    const kept: number[] = [];
    await withState(capture, (st, ev) => {
      if (ev.type === connectX) (st.fdNameChanged ? renamed : kept).push(st.eventCount);
    });
    expect(renamed.length).toBeGreaterThan(0);

    const rules = join(dir, 'rules.yaml');
    writeFileSync(
      rules,
      [
        '- rule: renamed',
        '  desc: connect that named its socket',
        '  condition: evt.type=connect and fd.name_changed=true',
        '  output: "%evt.num"',
        '  priority: WARNING',
        '- rule: kept',
        '  desc: connect that left the name alone',
        '  condition: evt.type=connect and fd.name_changed=false',
        '  output: "%evt.num"',
        '  priority: WARNING',
        '',
      ].join('\n'),
    );
    const config = loadConfig({});
    const engine = new ReplayEngine(buildRuleset(loadRules([rules], config), config), config);
    const got: Record<string, number[]> = { renamed: [], kept: [] };
    await engine.replay(capture, { onAlert: (a) => void got[a.rule]!.push(Number(a.outputFields['evt.num'])) });
    expect(got['renamed']).toEqual(renamed);
    expect(got['kept']).toEqual(kept);
  });
});

describe('replay engine: memory counters only when a rule reads them', () => {
  const engineFor = (lines: string[]): ReplayEngine => {
    const rules = join(dir, `mc-${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(rules, [...lines, ''].join('\n'));
    const config = loadConfig({});
    return new ReplayEngine(buildRuleset(loadRules([rules], config), config), config);
  };
  const rule = (condition: string, output: string): string[] => [
    '- rule: r',
    '  desc: d',
    `  condition: ${condition}`,
    `  output: "${output}"`,
    '  priority: WARNING',
  ];

  it('keeps them off for the project default rules, and on when a condition, a transformer or an output reads one', () => {
    const config = loadConfig({});
    expect(new ReplayEngine(buildRuleset(loadRules([DEFAULT_RULES_DIR], config), config), config).memoryCounters).toBe(false);
    expect(engineFor(rule('evt.type=open', '%proc.name')).memoryCounters).toBe(false);
    expect(engineFor(rule('evt.type=open and thread.vmrss > 10', '%proc.name')).memoryCounters).toBe(true);
    expect(engineFor(rule('evt.type=open and thread.vmsize < val(proc.vmswap)', '%proc.name')).memoryCounters).toBe(true);
    expect(engineFor(rule('evt.type=open', '%proc.name %thread.pfminor')).memoryCounters).toBe(true);
    expect(engineFor(['- macro: m', '  condition: proc.vmsize > 0', ...rule('evt.type=open and m', '%proc.name')]).memoryCounters).toBe(true);
  });

  it.skipIf(!hasShared)('reports the counters the full state has when an output reads them', async () => {
    const capture = join(SHARED_CAPTURES, 'libs/sample.scap');
    // The reference: each event's process memory as the state engine (counters on) has it.
    const want = new Map<number, number>();
    await withState(capture, (st) => {
      const t = st.thread;
      const m = t === undefined ? undefined : st.threads.main(t);
      if (m !== undefined) want.set(st.eventCount, m.vmsizeKb);
    });
    const engine = engineFor(rule('proc.pid > 0', '%evt.num %proc.vmsize'));
    expect(engine.memoryCounters).toBe(true);
    const got: [number, number][] = [];
    await engine.replay(capture, { onAlert: (a) => void got.push([Number(a.outputFields['evt.num']), Number(a.outputFields['proc.vmsize'])]) });
    expect(got.length).toBeGreaterThan(10);
    expect(got.filter(([, v]) => v > 0).length).toBeGreaterThan(0);
    for (const [num, v] of got) expect(v, `event ${num}`).toBe(want.get(num));
  });
});

