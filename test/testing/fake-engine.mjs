// A fake replay engine for `falco-scap test` tests. It satisfies src/testing/types.ts:
//   prepareForTest({ rulesFiles, configFile?, overrides }) → { ruleNames, replay(captures) }
//   replayForTest({ captures, rulesFiles, configFile?, overrides }) → { alerts, events }
// "Captures" are JSON files: { "events": N, "alerts": [{ time (ns, string), rule, priority,
// source?, tags?, output?, fields? }] }. An alert is emitted only if its rule is named by a
// `- rule: NAME` line in one of the rules files. A rules file containing BROKEN fails with a
// SourceError at that line. Overrides: priority=<name> drops less severe alerts (as Falco's
// `priority` setting); fake.delay_ms=N sleeps per replay; fake.fail=internal throws a plain
// Error; fake.fail=exit ends the worker thread; fake.log=FILE appends a line per prepare
// (rules compiled), so tests can count compilations inside worker threads; fake.trace=FILE
// appends `start THREAD` and `end THREAD` around each replay (fake.delay_ms between them);
// fake.no_names=true leaves ruleNames undefined (an engine that cannot tell).
import { appendFileSync, readFileSync } from 'node:fs';
import { threadId } from 'node:worker_threads';
import { InputError, SourceError } from '../../dist/errors.js';

const ORDER = ['emergency', 'alert', 'critical', 'error', 'warning', 'notice', 'informational', 'debug'];

export let calls = 0;
export let prepares = 0;

export async function prepareForTest(req) {
  prepares++;
  const opts = new Map(req.overrides.map((o) => [o.slice(0, o.indexOf('=')), o.slice(o.indexOf('=') + 1)]));
  if (opts.has('fake.log')) appendFileSync(opts.get('fake.log'), `prepare ${req.rulesFiles.join(',')}\n`);
  const rules = new Set();
  for (const f of req.rulesFiles) {
    let text;
    try {
      text = readFileSync(f, 'utf8');
    } catch {
      throw new InputError(`${f}: cannot read rules file`);
    }
    text.split('\n').forEach((line, i) => {
      if (line.includes('BROKEN')) throw new SourceError(f, i + 1, line.indexOf('BROKEN') + 1, 'rules syntax error');
      const m = /^- rule:\s*(.+?)\s*$/.exec(line);
      if (m) rules.add(m[1]);
    });
  }
  const min = opts.has('priority') ? ORDER.indexOf(opts.get('priority').toLowerCase()) : ORDER.length - 1;
  return {
    ...(opts.get('fake.no_names') !== 'true' && { ruleNames: [...rules] }),
    async replay(captures) {
      calls++;
      const trace = opts.get('fake.trace');
      if (trace !== undefined) appendFileSync(trace, `start ${threadId}\n`);
      if (opts.has('fake.delay_ms')) await new Promise((r) => setTimeout(r, Number(opts.get('fake.delay_ms'))));
      if (trace !== undefined) appendFileSync(trace, `end ${threadId}\n`);
      if (opts.get('fake.fail') === 'internal') throw new Error('fake engine bug');
      if (opts.get('fake.fail') === 'exit') process.exit(3);
      let events = 0;
      const alerts = [];
      for (const c of captures) {
        let doc;
        try {
          doc = JSON.parse(readFileSync(c, 'utf8'));
        } catch (e) {
          throw new InputError(`${c}: not a capture (${e.message})`);
        }
        events += doc.events ?? 0;
        for (const a of doc.alerts ?? []) {
          if (!rules.has(a.rule)) continue;
          if (ORDER.indexOf(a.priority.toLowerCase()) > min) continue;
          alerts.push({
            time: BigInt(a.time),
            rule: a.rule,
            priority: a.priority,
            source: a.source ?? 'syscall',
            tags: a.tags ?? [],
            output: a.output ?? `${a.rule} ${Object.entries(a.fields ?? {}).map(([k, v]) => `${k}=${v}`).join(' ')}`,
            outputFields: a.fields ?? {},
          });
        }
      }
      alerts.sort((x, y) => (x.time < y.time ? -1 : x.time > y.time ? 1 : 0));
      return { alerts, events };
    },
  };
}

export async function replayForTest(req) {
  return (await prepareForTest(req)).replay(req.captures);
}
