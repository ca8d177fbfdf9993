/**
 * The replay loop hands rules the event as the state engine left it: here, whether the
 * event renamed its fd (fd.name_changed), on the connect exits of a real capture.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/replay/config/config.js';
import { buildRuleset, loadRules, ReplayEngine } from '../../src/replay/engine.js';
import { HostState } from '../../src/replay/state/index.js';
import { ScapReader } from '../../src/scap/reader.js';
import { ppmeCode } from '../../src/scap/event-table.js';
import { hasShared, SHARED_CAPTURES, skipNote } from '../helpers/shared.js';

if (!hasShared) skipNote('replay engine fd.name_changed', '../shared (captures)');

const dir = mkdtempSync(join(tmpdir(), 'replay-engine-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!hasShared)('replay engine', () => {
  it('fd.name_changed is the state engine flag of the event', async () => {
    const capture = join(SHARED_CAPTURES, 'libs/curl_google.scap');
    // The reference: every connect exit and whether HostState saw it rename its fd.
    const connectX = ppmeCode('SOCKET_CONNECT_X')!;
    const renamed: number[] = [];
    const kept: number[] = [];
    const st = new HostState();
    const reader = await ScapReader.open(capture);
    try {
      await reader.read({
        onBlock: (b) => st.applyRawBlock(b),
        onEvent: (ev) => {
          st.applyEvent(ev);
          if (ev.type === connectX) (st.fdNameChanged ? renamed : kept).push(st.eventCount);
        },
      });
    } finally {
      await reader.source.close();
    }
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
