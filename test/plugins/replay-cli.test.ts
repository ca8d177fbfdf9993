/**
 * `falco-scap replay` / `list plugins` / `plugin-info` with the test plugins, through the
 * built CLI: a sourcing plugin read live, the same events from a capture we wrote, the
 * falco.yaml plugin keys, and the error paths (exit 2, one line).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadPlugin, type Plugin } from '../../src/plugins/plugin.js';
import { writePluginCapture } from '../../src/replay/plugins/capture.js';
import { ScapWriter } from '../../src/scap/writer.js';
import { runCli } from '../helpers/cli.js';
import { makeRecords, pluginSetup, skipMessage, writeJsonl } from './helpers.js';

const setup = pluginSetup();
if (!setup.ok) console.warn(skipMessage(setup));

const RULES = `- required_engine_version: 0.31.0
- required_plugin_versions:
    - name: jsonaudit
      version: 0.3.0
- rule: Failed action
  desc: an audit record with action fail
  condition: jaudit.failed = true and jaudit.user in (carol, dave)
  output: "failed %jaudit.action by %jaudit.user count=%jaudit.count tags=%jaudit.tags n=%evt.num plugin=%evt.pluginname source=%evt.source"
  priority: WARNING
  source: jsonaudit
  tags: [audit]
- rule: Tagged read
  desc: reads with a second tag
  condition: jaudit.action = read and jaudit.tag[1] exists and jaudit.field[count] startswith 1
  output: "read by %jaudit.user tag1=%jaudit.tag[1] ip=%jaudit.ip"
  priority: NOTICE
  source: jsonaudit
- rule: Syscall rule
  desc: never matches here
  condition: evt.type = open and proc.name = nothing
  output: "x %proc.name"
  priority: ERROR
`;

/** What the rules above must report for makeRecords(n), computed from the records. */
function expectedAlerts(n: number): string[] {
  const out: string[] = [];
  makeRecords(n).forEach((r, i) => {
    const num = i + 1;
    if (r.action === 'fail' && (r.user === 'carol' || r.user === 'dave')) {
      const tags = r.tags.length ? `(${r.tags.join(',')})` : '<NA>';
      out.push(`Warning failed fail by ${r.user} count=${r.count} tags=${tags} n=${num} plugin=jsonaudit source=jsonaudit jaudit_user=${r.user}`);
    } else if (r.action === 'read' && r.tags.length >= 2 && String(r.count).startsWith('1')) {
      out.push(`Notice read by ${r.user} tag1=${r.tags[1]} ip=${r.ip ?? '<NA>'} jaudit_user=${r.user}`);
    }
  });
  return out;
}

/** Alert lines without the time prefix. */
function alertLines(stdout: string): string[] {
  return stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.replace(/^\S+: /, ''));
}

// More than one capture batch (CAPTURE_BATCH = 1024) and several plugin batches.
const N = 2500;

describe.skipIf(!setup.ok)('falco-scap replay with plugins (CLI)', () => {
  let log: string;
  let rules: string;
  let capture: string;
  let plugin: Plugin;

  beforeAll(async () => {
    log = writeJsonl(setup.dir, 'cli-audit.jsonl', makeRecords(N));
    rules = join(setup.dir, 'cli-rules.yaml');
    writeFileSync(rules, RULES);
    capture = join(setup.dir, 'cli-audit.scap');
    plugin = loadPlugin(setup.jsonaudit, '');
    expect(await writePluginCapture(capture, plugin, log)).toBe(N);
  });
  afterAll(() => plugin?.destroy());

  it('reads the sourcing plugin live (--open-params) and evaluates its source rules', async () => {
    const r = await runCli(['replay', '--plugin', setup.jsonaudit, '--open-params', log, '-r', rules]);
    expect(r.stderr).toContain(`Events processed: ${N} `);
    expect(r.code).toBe(0);
    const want = expectedAlerts(N);
    expect(want.filter((a) => a.startsWith('Warning')).length).toBeGreaterThan(20);
    expect(want.filter((a) => a.startsWith('Notice')).length).toBeGreaterThan(5);
    expect(alertLines(r.stdout)).toEqual(want);
  });

  it('replays the same events from a capture written with our writer (PPME_PLUGINEVENT_E routed by plugin ID)', async () => {
    const r = await runCli(['replay', '--plugin', setup.jsonaudit, '-r', rules, capture]);
    expect(r.code).toBe(0);
    expect(alertLines(r.stdout)).toEqual(expectedAlerts(N));
    expect(r.stderr).not.toContain('warning');
  });

  it('reads plugins from a falco.yaml (plugins:, load_plugins:, init_config map, open_params)', async () => {
    const cfg = join(setup.dir, 'cli-falco.yaml');
    writeFileSync(
      cfg,
      `rules_files: [${rules}]\nplugins:\n  - name: jsonaudit\n    library_path: ${setup.jsonaudit}\n    init_config:\n      batchSize: 7\n    open_params: ${log}\n  - name: unused\n    library_path: /nonexistent/libunused.so\nload_plugins: [jsonaudit]\n`,
    );
    const r = await runCli(['replay', '-c', cfg]);
    expect(r.stderr).toContain(`Events processed: ${N} `);
    expect(alertLines(r.stdout)).toEqual(expectedAlerts(N));
  });

  it('JSON alerts carry the plugin source and plugin fields', async () => {
    const r = await runCli(['replay', '--plugin', setup.jsonaudit, '--open-params', log, '-r', rules, '--json', '-t', 'audit']);
    expect(r.code).toBe(0);
    const first = JSON.parse(r.stdout.split('\n')[0]!) as Record<string, unknown>;
    expect(first.source).toBe('jsonaudit');
    expect(first.rule).toBe('Failed action');
    expect(first.output_fields).toMatchObject({ 'jaudit.user': expect.any(String), 'evt.pluginname': 'jsonaudit', 'evt.source': 'jsonaudit' });
    const lines = r.stdout.split('\n').filter((l) => l !== '');
    expect(lines.length).toBe(expectedAlerts(N).filter((a) => a.startsWith('Warning')).length);
  });

  it('evt.plugininfo renders the event with the plugin (event_to_string)', async () => {
    const r2 = join(setup.dir, 'cli-info.yaml');
    writeFileSync(r2, '- rule: First\n  desc: d\n  condition: jaudit.lineno = 1\n  output: "info=%evt.plugininfo"\n  priority: INFO\n  source: jsonaudit\n');
    const r = await runCli(['replay', '--plugin', setup.jsonaudit, '-r', r2, capture, '-o', 'append_output[0].suggested_output=false']);
    expect(r.code).toBe(0);
    expect(alertLines(r.stdout)).toHaveLength(1);
    expect(alertLines(r.stdout)[0]).toContain(`"user`);
    expect(alertLines(r.stdout)[0]).toContain('alice');
  });

  it('a capture whose plugin events belong to no loaded plugin: skipped with a warning', async () => {
    const cap = join(setup.dir, 'cli-unknown.scap');
    const w = await ScapWriter.create(cap, { force: true });
    w.writeSectionHeader();
    w.writePluginEvent(31337, Buffer.from('{"user":"carol","action":"fail"}'), 1n);
    w.writePluginEvent(999, Buffer.from('{"user":"carol","action":"fail"}'), 2n);
    await w.close();
    const r = await runCli(['replay', '--plugin', setup.jsonaudit, '-r', rules, cap]);
    expect(r.code).toBe(0);
    expect(alertLines(r.stdout)).toEqual(['Warning failed fail by carol count=<NA> tags=<NA> n=2 plugin=jsonaudit source=jsonaudit jaudit_user=carol']);
    expect(r.stderr).toContain('warning: 1 plugin event(s) with plugin ID 31337 skipped: no loaded plugin has that ID');
  });

  describe('bad input: one line, exit 2', () => {
    const oneLine = (s: string) => s.trim().split('\n');

    it('a missing plugin library', async () => {
      const r = await runCli(['replay', '--plugin', '/nonexistent/libnope.so', '--open-params', log, '-r', rules]);
      expect(r.code).toBe(2);
      expect(oneLine(r.stderr)).toEqual([expect.stringMatching(/^falco-scap: .*cannot load plugin \/nonexistent\/libnope\.so: .*No such file or directory$/)]);
    });

    it('an init config that breaks the plugin schema', async () => {
      const r = await runCli(['replay', '--plugin', `${setup.jsonaudit}:{"batchSize":"many"}`, '--open-params', log, '-r', rules]);
      expect(r.code).toBe(2);
      expect(oneLine(r.stderr)).toEqual([expect.stringMatching(/^falco-scap: plugin jsonaudit: the init config does not match the plugin's schema: .*batchSize/)]);
    });

    it('a rules file requiring a plugin that is not loaded', async () => {
      const r2 = join(setup.dir, 'cli-req.yaml');
      writeFileSync(r2, RULES.replace('name: jsonaudit', 'name: k8saudit'));
      const r = await runCli(['replay', '--plugin', setup.jsonaudit, '--open-params', log, '-r', r2]);
      expect(r.code).toBe(2);
      expect(oneLine(r.stderr)).toEqual(['falco-scap: Plugin requirement not satisfied, must load one of: k8saudit (>= 0.3.0)']);
    });

    it('a required version newer than the loaded plugin', async () => {
      const r2 = join(setup.dir, 'cli-req2.yaml');
      writeFileSync(r2, RULES.replace('version: 0.3.0', 'version: 0.4.0'));
      const r = await runCli(['replay', '--plugin', setup.jsonaudit, capture, '-r', r2]);
      expect(r.code).toBe(2);
      expect(oneLine(r.stderr)).toEqual(["falco-scap: Plugin 'jsonaudit' version '0.3.1' is not compatible with required plugin version '0.4.0'"]);
    });

    it('the same plugin twice', async () => {
      const r = await runCli(['replay', '--plugin', setup.jsonaudit, '--plugin', setup.jsonaudit, '-r', rules, capture]);
      expect(r.code).toBe(2);
      expect(oneLine(r.stderr)).toEqual([expect.stringMatching(/^falco-scap: --plugin .*: found another plugin with name 'jsonaudit'/)]);
    });

    it('a plugin requiring an incompatible API version', async () => {
      const r = await runCli(['replay', '--plugin', setup.bad.apiMajor, '-r', rules, capture]);
      expect(r.code).toBe(2);
      expect(oneLine(r.stderr)).toHaveLength(1);
      expect(r.stderr).toMatch(/required api version/i);
    });

    it('--open-params with captures, or neither a capture nor a sourcing plugin', async () => {
      const a = await runCli(['replay', '--plugin', setup.jsonaudit, '--open-params', log, '-r', rules, capture]);
      expect(a.code).toBe(2);
      expect(oneLine(a.stderr)).toEqual(['falco-scap: --open-params reads a plugin source instead of captures; give one or the other']);
      const b = await runCli(['replay', '-r', join(setup.dir, 'cli-info.yaml')]);
      expect(b.code).toBe(2);
      expect(oneLine(b.stderr)[0]).toMatch(/^falco-scap: (no capture given and no sourcing plugin loaded|.*LOAD_UNKNOWN_SOURCE)/);
    });

    it('--enable-source / --disable-source select the live plugin sources', async () => {
      const a = await runCli(['replay', '--plugin', setup.jsonaudit, '--open-params', log, '-r', rules, '--enable-source', 'okta']);
      expect(a.code).toBe(2);
      expect(a.stderr.trim()).toBe('falco-scap: Attempted enabling an unknown event source: okta');
      const b = await runCli(['replay', '--plugin', setup.jsonaudit, '--open-params', log, '-r', rules, '--disable-source', 'jsonaudit']);
      expect(b.code).toBe(2);
      expect(b.stderr.trim()).toMatch(/^falco-scap: no capture given and every plugin source is disabled/);
      const c = await runCli(['replay', '--plugin', setup.jsonaudit, '--open-params', log, '-r', rules, '--enable-source', 'jsonaudit']);
      expect(c.code).toBe(0);
      expect(alertLines(c.stdout)).toEqual(expectedAlerts(N));
    });

    it('a plugin that breaks the API while replaying: the plugin named, one line', async () => {
      const bad = join(setup.dir, 'cli-bad.yaml');
      writeFileSync(bad, '- rule: Bad\n  desc: d\n  condition: bad.str = hello and bad.ip = 10.0.0.1\n  output: "%bad.num"\n  priority: INFO\n  source: badsource\n');
      const cases: [string, RegExp][] = [
        ['extract-fail', /extract_fields failed on event 0 of the batch: extract-fail requested by the config$/],
        ['extract-multi', /extract_fields: field bad\.str returned 3 values for a non-list field/],
        ['extract-bad-ip', /extract_fields: field bad\.ip returned an address of 7 bytes/],
        ['batch-wrong-id', /next_batch returned a plugin event with plugin ID 12345 instead of its own 998$/],
      ];
      for (const [mode, msg] of cases) {
        const r = await runCli(['replay', '--plugin', `${setup.bad.ok}:${mode}`, '--open-params', 'x', '-r', bad]);
        expect(r.code, mode).toBe(2);
        const lines = oneLine(r.stderr);
        expect(lines, mode).toHaveLength(1);
        expect(lines[0], mode).toMatch(/^falco-scap: plugin 'badplugin' \(.*libbad-ok\.so\): /);
        expect(lines[0], mode).toMatch(msg);
      }
    });

    it('a file the plugin cannot open', async () => {
      const r = await runCli(['replay', '--plugin', setup.jsonaudit, '--open-params', '/nonexistent/audit.jsonl', '-r', rules]);
      expect(r.code).toBe(2);
      expect(oneLine(r.stderr)).toEqual([expect.stringMatching(/^falco-scap: plugin 'jsonaudit' \(.*\): open failed: .*\/nonexistent\/audit\.jsonl/)]);
    });
  });
});

describe.skipIf(!setup.ok)('falco-scap list plugins / plugin-info', () => {
  it("list plugins prints Falco's --list-plugins text", async () => {
    const r = await runCli(['list', 'plugins', '--plugin', setup.jsonaudit]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      '1 Plugins Loaded:\n\n' +
        'Name: jsonaudit\nDescription: Audit records from a file of JSON lines (falco-scap test plugin)\nContact: falco-scap tests\nVersion: 0.3.1\n' +
        "Capabilities: \n  - Event Sourcing (ID=999, source='jsonaudit')\n  - Field Extraction\n\n\n",
    );
    const none = await runCli(['list', 'plugins']);
    expect(none.stdout).toBe('0 Plugins Loaded:\n\n\n');
  });

  it('list plugins --json', async () => {
    const r = await runCli(['list', 'plugins', '--plugin', setup.jsonaudit, '--json']);
    const v = JSON.parse(r.stdout) as { info: { name: string; id: number; eventSource: string }; initSchema: { type: string } }[];
    expect(v.map((x) => [x.info.name, x.info.id, x.info.eventSource, x.initSchema.type])).toEqual([['jsonaudit', 999, 'jsonaudit', 'json']]);
  });

  it('plugin-info prints the info block, init schema, open params, then API version and fields', async () => {
    const r = await runCli(['plugin-info', '--plugin', setup.jsonaudit, 'jsonaudit']);
    expect(r.code).toBe(0);
    const out = r.stdout;
    expect(out.startsWith('Name: jsonaudit\n')).toBe(true);
    expect(out).toContain('\nInit config schema type: JSON\n{"$schema":');
    expect(out).toContain('\nSuggested open params:\n/var/log/audit.jsonl: A file of JSON audit records, one per line\n');
    expect(out).toContain('Required API version: 3.0.0');
    expect(out).toMatch(/\n {2}jaudit\.tag\[index\] +string\n/);
    expect(out).toMatch(/\n {2}jaudit\.tags +string \[list\]\n/);
    expect(out).toMatch(/\n {2}jaudit\.ip +ipaddr\n/);
    const byPath = await runCli(['plugin-info', setup.jsonaudit]);
    expect(byPath.stdout).toBe(out);
  });

  it('list fields --source <plugin source>: generic event fields, then the plugin fields', async () => {
    const r = await runCli(['list', 'fields', '--plugin', setup.jsonaudit, '--source', 'jsonaudit', '--json']);
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout) as { source: string; name: string; type: string; fieldClass: string; flags: string[] }[];
    expect(new Set(rows.map((x) => x.source))).toEqual(new Set(['jsonaudit']));
    expect(rows.slice(0, 2).map((x) => x.name)).toEqual(['evt.num', 'evt.time']);
    expect(rows.find((x) => x.name === 'evt.pluginname')?.fieldClass).toBe('evt');
    expect(rows.find((x) => x.name === 'jaudit.tags')).toMatchObject({ fieldClass: 'jsonaudit', type: 'charbuf', flags: ['list'] });
    expect(rows.find((x) => x.name === 'jaudit.line')?.flags).toEqual(['output-only']);
    expect(rows.some((x) => x.name === 'proc.name')).toBe(false);
    const text = await runCli(['list', 'fields', '--plugin', setup.jsonaudit]);
    expect(text.stdout).toContain('Field Class: process (Event Sources: syscall)');
    expect(text.stdout).toContain('Field Class: jsonaudit (Event Sources: jsonaudit)');
    const unknown = await runCli(['list', 'fields', '--source', 'jsonaudit']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.trim()).toBe("falco-scap: unknown event source 'jsonaudit' (known: syscall)");
  });

  it('plugin-info of an unknown plugin: Falco text, exit 2', async () => {
    const r = await runCli(['plugin-info', 'nothere']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe("falco-scap: can't find plugin and print its info: nothere");
  });
});
