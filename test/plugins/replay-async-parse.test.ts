/**
 * Plugin async events (PPME_ASYNCEVENT_E) inside captures, and plugins with the parsing
 * capability, through `falco-scap replay`: async events routed by plugin ID like plugin
 * events (ID 0 stays with the syscall rules), evt.is_async / evt.asynctype on them, no
 * plugin extraction on event types the plugin does not declare, and parse_event called on
 * every event of the source, in order, before the event's fields are extracted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeAsyncEvent } from '../../src/plugins/events.js';
import { loadPlugin, type Plugin } from '../../src/plugins/plugin.js';
import { writePluginCapture } from '../../src/replay/plugins/capture.js';
import { ScapWriter } from '../../src/scap/writer.js';
import { runCli } from '../helpers/cli.js';
import { alertLines, makeRecords, pluginSetup, skipMessage, writeJsonl } from './helpers.js';

const setup = pluginSetup();
if (!setup.ok) console.warn(skipMessage(setup));

const lines = alertLines;

describe.skipIf(!setup.ok)('async events of plugins in captures', () => {
  let capture: string;
  let rules: string;

  beforeAll(async () => {
    capture = join(setup.dir, 'async.scap');
    const w = await ScapWriter.create(capture, { force: true });
    w.writeSectionHeader();
    const rec = (user: string, action: string) => Buffer.from(JSON.stringify({ user, action }));
    w.writePluginEvent(999, rec('carol', 'fail'), 1000n); // 1
    w.writeEventBytes(Buffer.from(encodeAsyncEvent(999, 'jaudit_alert', Buffer.from('boom'), 2000n)), 0); // 2
    w.writeEventBytes(Buffer.from(encodeAsyncEvent(999, 'jaudit_alert', Buffer.from('again'), 2500n)), 0); // 3
    w.writePluginEvent(999, rec('dave', 'fail'), 3000n); // 4
    w.writeEventBytes(Buffer.from(encodeAsyncEvent(0, 'sysasync', Buffer.from('x'), 4000n)), 0); // 5: syscall source
    w.writeEventBytes(Buffer.from(encodeAsyncEvent(4242, 'other', Buffer.from('y'), 5000n)), 0); // 6: nobody's
    w.writePluginEvent(999, rec('eve', 'read'), 6000n); // 7
    await w.close();
    rules = join(setup.dir, 'async-rules.yaml');
    writeFileSync(
      rules,
      `- rule: Audit async
  desc: async events of the jsonaudit source
  condition: evt.is_async = true and evt.asynctype = jaudit_alert
  output: "async %evt.asynctype n=%evt.num plugin=%evt.pluginname src=%evt.source user=%jaudit.user info=%evt.plugininfo"
  priority: WARNING
  source: jsonaudit
- rule: Audit event
  desc: plugin events of the jsonaudit source
  condition: evt.is_async = false
  output: "event n=%evt.num user=%jaudit.user async=%evt.is_async type=%evt.asynctype"
  priority: NOTICE
  source: jsonaudit
- rule: Syscall async
  desc: async events of the syscall source
  condition: evt.is_async = true
  output: "syscall async %evt.asynctype n=%evt.num src=%evt.source"
  priority: ERROR
`,
    );
  });

  it('routes them to the plugin source by plugin ID; syscall rules only see ID 0', async () => {
    const r = await runCli(['replay', '--plugin', setup.jsonaudit, '-r', rules, capture, '-o', 'append_output[0].suggested_output=false']);
    expect(r.stderr).not.toMatch(/not a jsonaudit event/);
    expect(r.code).toBe(0);
    expect(lines(r.stdout)).toEqual([
      'Notice event n=1 user=carol async=false type=<NA>',
      'Warning async jaudit_alert n=2 plugin=jsonaudit src=jsonaudit user=<NA> info=<NA>',
      'Warning async jaudit_alert n=3 plugin=jsonaudit src=jsonaudit user=<NA> info=<NA>',
      'Notice event n=4 user=dave async=false type=<NA>',
      'Error syscall async sysasync n=5 src=syscall',
      'Notice event n=7 user=eve async=false type=<NA>',
    ]);
    expect(r.stderr).toContain('warning: 1 plugin event(s) with plugin ID 4242 skipped: no loaded plugin has that ID');
  });

  it('evt.type is not a field of plugin sources (only the generic event fields and evt.asynctype): one line, exit 2', async () => {
    const bad = join(setup.dir, 'async-bad.yaml');
    writeFileSync(bad, '- rule: R\n  desc: d\n  condition: evt.type = nosuchasync\n  output: o\n  priority: INFO\n  source: jsonaudit\n');
    const r = await runCli(['replay', '--plugin', setup.jsonaudit, '-r', bad, capture]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('async-bad.yaml');
    expect(r.stderr).toContain('nonexistent field evt.type');
  });
});

describe.skipIf(!setup.ok)('plugins with the parsing capability', () => {
  const N = 2100; // more than two capture batches (1024)
  let log: string;
  let capture: string;
  let rules: string;
  let plugin: Plugin;

  beforeAll(async () => {
    log = writeJsonl(setup.dir, 'parse-audit.jsonl', makeRecords(N));
    capture = join(setup.dir, 'parse-audit.scap');
    plugin = loadPlugin(setup.jsonauditParse, '');
    expect(plugin.info.capabilities).toEqual(['sourcing', 'extraction', 'parsing']);
    expect(plugin.info.parseEventSources).toEqual(['jsonaudit']);
    expect(await writePluginCapture(capture, plugin, log)).toBe(N);
    rules = join(setup.dir, 'parse-rules.yaml');
    // Every event: parse_event saw exactly the events up to and including this one.
    writeFileSync(
      rules,
      `- rule: Parse state
  desc: the parser's state when the event's fields are extracted
  condition: evt.num > 0
  output: "n=%evt.num parsed=%jaudit.parsed last=%jaudit.lastparsed line=%jaudit.lineno"
  priority: INFO
  source: jsonaudit
`,
    );
  });
  afterAll(() => plugin?.destroy());

  const expected = (n: number): string[] => Array.from({ length: n }, (_, i) => `Informational n=${i + 1} parsed=${i + 1} last=${i + 1} line=${i + 1} jaudit_user=${makeRecords(n)[i]!.user}`);

  it('live (--open-params): parse_event runs on every event, in order, before extraction', async () => {
    const r = await runCli(['replay', '--plugin', setup.jsonauditParse, '--open-params', log, '-r', rules]);
    expect(r.code).toBe(0);
    expect(lines(r.stdout)).toEqual(expected(N));
  });

  it('from a capture: the same', async () => {
    const r = await runCli(['replay', '--plugin', setup.jsonauditParse, '-r', rules, capture]);
    expect(r.code).toBe(0);
    expect(lines(r.stdout)).toEqual(expected(N));
  });

  it('events are parsed even when no rule of the source fires on them', async () => {
    const few = join(setup.dir, 'parse-last.yaml');
    writeFileSync(few, `- rule: Last\n  desc: d\n  condition: evt.num = ${N}\n  output: "parsed=%jaudit.parsed"\n  priority: INFO\n  source: jsonaudit\n`);
    const r = await runCli(['replay', '--plugin', setup.jsonauditParse, '-r', few, capture, '-o', 'append_output[0].suggested_output=false']);
    expect(r.code).toBe(0);
    expect(lines(r.stdout)).toEqual([`Informational parsed=${N}`]);
  });

  it('async events are not given to a parser that does not declare their type', async () => {
    const cap = join(setup.dir, 'parse-async.scap');
    const w = await ScapWriter.create(cap, { force: true });
    w.writeSectionHeader();
    // jsonaudit's jaudit.lineno is (ts - 1700000000000000000) / 1000
    w.writePluginEvent(999, Buffer.from('{"user":"a"}'), 1700000000000001000n);
    w.writeEventBytes(Buffer.from(encodeAsyncEvent(999, 'x', Buffer.from('z'), 1700000000000002000n)), 0);
    w.writePluginEvent(999, Buffer.from('{"user":"b"}'), 1700000000000003000n);
    await w.close();
    const r = await runCli(['replay', '--plugin', setup.jsonauditParse, '-r', rules, cap, '-o', 'append_output[0].suggested_output=false']);
    expect(r.stderr).not.toMatch(/parse: event/);
    expect(r.code).toBe(0);
    expect(lines(r.stdout)).toEqual(['Informational n=1 parsed=1 last=1 line=1', 'Informational n=2 parsed=<NA> last=<NA> line=<NA>', 'Informational n=3 parsed=2 last=3 line=3']);
  });
});
