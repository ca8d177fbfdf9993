/**
 * The progress of a live plugin source replay comes from the plugin's get_progress: one
 * report per next_batch, the plugin's own percentage (jsonaudit: bytes of the file read,
 * in hundredths of a percent) and text, with the running event count — what the CLI's
 * progress bar shows (src/cli/replay.ts scales pct to 0..10000).
 */
import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PluginProgress } from '../../src/plugins/plugin.js';
import { loadConfig } from '../../src/replay/config/config.js';
import { buildRuleset, ReplayEngine } from '../../src/replay/engine.js';
import { PluginReplaySession } from '../../src/replay/plugins/session.js';
import { makeRecords, pluginSetup, skipMessage, writeJsonl } from './helpers.js';

const setup = pluginSetup();
if (!setup.ok) console.warn(skipMessage(setup));

describe.skipIf(!setup.ok)('live plugin source progress (get_progress)', () => {
  it('reports the plugin progress after every batch, ending at 100%', async () => {
    const N = 1000;
    const BATCH = 128;
    const log = writeJsonl(setup.dir, 'progress.jsonl', makeRecords(N));
    const rules = join(setup.dir, 'progress-rules.yaml');
    writeFileSync(rules, '- rule: R\n  desc: d\n  condition: jaudit.user = alice\n  output: "%jaudit.user"\n  priority: INFO\n  source: jsonaudit\n');
    const config = loadConfig({ env: { FALCO_HOSTNAME: 'h' } });
    const session = PluginReplaySession.open([rules], config, { pluginArgs: [`${setup.jsonaudit}:{"batchSize":${BATCH}}`], openParams: log, tags: {} });
    try {
      const engine = new ReplayEngine(buildRuleset(session.rules, config, {}), config);
      session.attach(engine);
      const [input] = session.liveInputs();
      const reports: { p: PluginProgress; events: number }[] = [];
      let alerts = 0;
      await session.replayLive(input!, engine.stats, { onAlert: () => void alerts++, onProgress: (p, events) => reports.push({ p, events }) });

      // Expected: after batch k the plugin has read the first min(k*BATCH, N) lines.
      const text = readFileSync(log);
      const size = text.byteLength;
      const lineEnds: number[] = [];
      for (let i = 0; i < size; i++) if (text[i] === 0x0a) lineEnds.push(i + 1);
      const batches = Math.ceil(N / BATCH);
      expect(reports).toHaveLength(batches);
      reports.forEach(({ p, events }, k) => {
        const lines = Math.min((k + 1) * BATCH, N);
        const pct = Math.floor((lineEnds[lines - 1]! * 10000) / size);
        expect(events).toBe(lines);
        expect(p.pct).toBeCloseTo(pct / 100, 6);
        expect(p.text).toBe(`${Math.floor(pct / 100)}.${String(pct % 100).padStart(2, '0')}% (line ${lines})`);
      });
      expect(reports.at(-1)!.p.pct).toBe(100);
      expect(engine.stats.events).toBe(N);
      expect(alerts).toBe(makeRecords(N).filter((r) => r.user === 'alice').length);
    } finally {
      session.destroy();
    }
  });
});
