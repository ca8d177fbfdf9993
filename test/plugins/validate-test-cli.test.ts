/**
 * `falco-scap validate --plugin` (Falco's -V with plugins loaded: rules of plugin sources
 * compiled against the plugins' fields, required_plugin_versions checked) and plugins in
 * `falco-scap test`: a spec's `plugins:` (defaults or per case, library path relative to the
 * spec, init config as a string or a mapping) and `--plugin`, through the built CLI.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadPlugin, type Plugin } from '../../src/plugins/plugin.js';
import { writePluginCapture } from '../../src/replay/plugins/capture.js';
import { runCli } from '../helpers/cli.js';
import { makeRecords, pluginSetup, skipMessage, writeJsonl } from './helpers.js';

const setup = pluginSetup();
if (!setup.ok) console.warn(skipMessage(setup));

const RULES = `- required_plugin_versions:
    - name: jsonaudit
      version: 0.3.0
- rule: Failed action
  desc: d
  condition: jaudit.failed = true and evt.pluginname = jsonaudit
  output: "failed by %jaudit.user"
  priority: WARNING
  source: jsonaudit
`;
const PARSE_RULES = `- rule: Parsed
  desc: uses a field only the parsing build of jsonaudit has
  condition: jaudit.parsed = 10
  output: "parsed=%jaudit.parsed user=%jaudit.user"
  priority: INFO
  source: jsonaudit
`;

const oneLine = (s: string) => s.trim().split('\n');

describe.skipIf(!setup.ok)('falco-scap validate --plugin', () => {
  let dir: string;
  let rules: string;
  let parseRules: string;
  beforeAll(() => {
    dir = join(setup.dir, 'validate');
    mkdirSync(dir, { recursive: true });
    rules = join(dir, 'rules.yaml');
    parseRules = join(dir, 'parse-rules.yaml');
    writeFileSync(rules, RULES);
    writeFileSync(parseRules, PARSE_RULES);
  });

  it('without the plugin the source is unknown (a warning); with it the rules compile against its fields', async () => {
    const without = await runCli(['validate', '-r', parseRules]);
    expect(without.code).toBe(0);
    expect(without.stdout).toContain('LOAD_UNKNOWN_SOURCE');
    const ok = await runCli(['validate', '--plugin', setup.jsonauditParse, '-r', rules, '-r', parseRules]);
    expect(ok.stdout).toBe(`${rules}: Ok\n${parseRules}: Ok\n`);
    expect(ok.code).toBe(0);
  });

  it("a field the loaded plugin does not have: Falco's compile error, exit 2", async () => {
    const r = await runCli(['validate', '--plugin', setup.jsonaudit, '-r', parseRules, '--json']);
    expect(r.code).toBe(2);
    const doc = JSON.parse(r.stdout) as { falco_load_results: { successful: boolean; errors: { code: string }[] }[] };
    expect(doc.falco_load_results[0]!.successful).toBe(false);
    expect(doc.falco_load_results[0]!.errors[0]!.code).toMatch(/^LOAD_ERR_COMPILE_(CONDITION|OUTPUT)$/);
    expect(JSON.stringify(doc)).toContain('jaudit.parsed');
  });

  it('required_plugin_versions is checked against the loaded plugins (one line, exit 2)', async () => {
    const newer = join(dir, 'newer.yaml');
    writeFileSync(newer, '- required_plugin_versions:\n    - name: jsonaudit\n      version: 0.4.0\n');
    const r = await runCli(['validate', '--plugin', setup.jsonaudit, '-r', newer]);
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toEqual([`falco-scap: Plugin 'jsonaudit' version '0.3.1' is not compatible with required plugin version '0.4.0'`]);
  });

  it('a plugin that cannot be loaded: one line naming it, exit 2', async () => {
    const r = await runCli(['validate', '--plugin', join(dir, 'libnothere.so'), '-r', rules]);
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toHaveLength(1);
    expect(r.stderr).toContain('libnothere.so');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe.skipIf(!setup.ok)('falco-scap test with plugins', () => {
  const N = 300;
  let dir: string;
  let plugin: Plugin;
  // makeRecords: action 'fail' for i with (i*7)%5 == 4, i.e. i % 5 == 2 (user carol)
  const failed = makeRecords(N).filter((r) => r.action === 'fail').length;

  beforeAll(async () => {
    dir = join(setup.dir, 'spec');
    mkdirSync(join(dir, 'lib'), { recursive: true });
    // The spec names the libraries relative to itself.
    writeFileSync(join(dir, 'lib', 'libjsonaudit.so'), await import('node:fs').then((fs) => fs.readFileSync(setup.jsonaudit)));
    writeFileSync(join(dir, 'lib', 'libjsonaudit-parse.so'), await import('node:fs').then((fs) => fs.readFileSync(setup.jsonauditParse)));
    writeFileSync(join(dir, 'rules.yaml'), RULES);
    writeFileSync(join(dir, 'parse-rules.yaml'), PARSE_RULES);
    const log = writeJsonl(dir, 'audit.jsonl', makeRecords(N));
    plugin = loadPlugin(setup.jsonaudit, '');
    expect(await writePluginCapture(join(dir, 'audit.scap'), plugin, log)).toBe(N);
  });
  afterAll(() => plugin?.destroy());

  it("plugins: in defaults and per case (init config as a mapping or a string); the case's list replaces the defaults'", async () => {
    writeFileSync(
      join(dir, 'plugins.test.yaml'),
      `defaults:
  captures: audit.scap
  rules: rules.yaml
  plugins:
    - library_path: lib/libjsonaudit.so
      init_config: { batchSize: 16 }
cases:
  - name: failed actions
    expect:
      rules: { Failed action: ${failed} }
      alerts:
        - rule: Failed action
          source: jsonaudit
          output: { contains: failed by carol }
          fields: { jaudit.user: carol }
  - name: parsing plugin per case
    rules: parse-rules.yaml
    plugins:
      - library_path: lib/libjsonaudit-parse.so
        init_config: '{"batchSize":5}'
    expect:
      rules: { Parsed: 1 }
      alerts:
        - rule: Parsed
          output: { contains: parsed=10 user=eve }
      only: true
`,
    );
    const r = await runCli(['test', join(dir, 'plugins.test.yaml'), '--reporter', 'json', '-j', '2']);
    const report = JSON.parse(r.stdout) as { cases: { name: string; status: string; alerts?: number; error?: unknown; failures?: unknown[] }[] };
    expect(report.cases.map((c) => [c.name, c.status, c.alerts])).toEqual([
      ['failed actions', 'pass', failed],
      ['parsing plugin per case', 'pass', 1],
    ]);
    expect(r.code).toBe(0);
  });

  it('--plugin loads a plugin in every case; without it the plugin source rules never fire', async () => {
    writeFileSync(join(dir, 'noplugins.test.yaml'), `cases:\n  - name: failed\n    captures: audit.scap\n    rules: rules.yaml\n    expect:\n      rules: { Failed action: ${failed} }\n`);
    const withFlag = await runCli(['test', join(dir, 'noplugins.test.yaml'), '--plugin', `${setup.jsonaudit}:{"batchSize":3}`, '--reporter', 'json']);
    expect((JSON.parse(withFlag.stdout) as { cases: { status: string }[] }).cases[0]!.status).toBe('pass');
    expect(withFlag.code).toBe(0);
    // Without a plugin the jsonaudit rules are skipped (unknown source): the case fails.
    const without = await runCli(['test', join(dir, 'noplugins.test.yaml'), '--reporter', 'json']);
    expect(without.code).toBe(1);
    expect((JSON.parse(without.stdout) as { cases: { status: string; alerts: number }[] }).cases[0]).toMatchObject({ status: 'fail', alerts: 0 });
  });

  describe('bad input: exit 2', () => {
    it('a plugins entry without library_path, or with an unknown key: file:line:column', async () => {
      const f = join(dir, 'bad1.test.yaml');
      writeFileSync(f, `cases:\n  - name: x\n    captures: audit.scap\n    rules: rules.yaml\n    plugins:\n      - init_config: {}\n      - library_path: lib/libjsonaudit.so\n        init: 1\n    expect: { total: 0 }\n`);
      const r = await runCli(['test', f]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`${f.split('/').pop()}:6:9: a plugins entry needs 'library_path'`);
      expect(r.stderr).toMatch(/:8:9: unknown key 'init' in a plugins entry/);
    });

    it('a library that does not exist: a spec error at its place', async () => {
      const f = join(dir, 'bad2.test.yaml');
      writeFileSync(f, `cases:\n  - name: x\n    captures: audit.scap\n    rules: rules.yaml\n    plugins: [lib/libmissing.so]\n    expect: { total: 0 }\n`);
      const r = await runCli(['test', f]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/bad2\.test\.yaml:5:15: plugin library not found: 'lib\/libmissing\.so'/);
    });

    it("an init config the plugin's schema refuses: the case errors with the plugin named", async () => {
      const f = join(dir, 'bad3.test.yaml');
      writeFileSync(f, `cases:\n  - name: x\n    captures: audit.scap\n    rules: rules.yaml\n    plugins:\n      - library_path: lib/libjsonaudit.so\n        init_config: { batchSize: nope }\n    expect: { total: 0 }\n`);
      const r = await runCli(['test', f, '--reporter', 'json']);
      expect(r.code).toBe(2);
      const c = (JSON.parse(r.stdout) as { cases: { status: string; error?: { message: string } }[] }).cases[0]!;
      expect(c.status).toBe('error');
      expect(c.error?.message).toMatch(/^plugin jsonaudit: the init config does not match the plugin's schema: \.batchSize/);
    });

    it('plugins must be a list', async () => {
      const f = join(dir, 'bad4.test.yaml');
      writeFileSync(f, `defaults:\n  plugins: lib/libjsonaudit.so\ncases:\n  - name: x\n    captures: audit.scap\n    rules: rules.yaml\n    expect: { total: 0 }\n`);
      const r = await runCli(['test', f]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/bad4\.test\.yaml:2:12: plugins must be a list/);
    });
  });
});
