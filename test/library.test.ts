/**
 * The package as a library: `import ... from 'falco-scap'` resolves (package.json main and
 * exports) to the built dist/index.js, and deep paths under dist/ resolve too, as the
 * README shows. Run in a child Node inside the package, where a package can import itself
 * by name.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runNodeProcess } from './helpers/cli.js';
import { PROJECT_ROOT } from './helpers/shared.js';

const pkg = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { main: string; types: string };

describe('the package entry', () => {
  it('names files the build makes', () => {
    expect(existsSync(join(PROJECT_ROOT, pkg.main))).toBe(true);
    expect(existsSync(join(PROJECT_ROOT, pkg.types))).toBe(true);
  });

  it('reads a capture through the entry, and through a deep path, by package name', async () => {
    const script = [
      "const m = await import('falco-scap');",
      "const sample = 'samples/captures/workload.scap.gz';",
      'const r = await m.ScapReader.open(sample);',
      'let events = 0;',
      'await r.read({ onEvent: () => events++ });',
      'await r.close();',
      'const summary = await m.summarizeCapture(sample);',
      "const deep = await import('falco-scap/dist/scap/reader.js');",
      'console.log(JSON.stringify({ events, total: summary.events.total, same: deep.ScapReader === m.ScapReader, api: Object.keys(m).sort() }));',
    ].join('\n');
    const res = await runNodeProcess(['--input-type=module', '-e', script]);
    expect(res.stderr).toBe('');
    const out = JSON.parse(res.stdout) as { events: number; total: number; same: boolean; api: string[] };
    expect(out.events).toBeGreaterThan(1000);
    expect(out.events).toBe(out.total);
    expect(out.same).toBe(true);
    expect(out.api).toEqual(expect.arrayContaining(['ScapReader', 'EventView', 'HostState', 'ReplayEngine', 'loadRules', 'buildRuleset', 'loadConfig', 'inspectCapture', 'compileFilter', 'runCases', 'loadSpecs']));
  });
});
