/**
 * A plugin that crashes (SIGSEGV, abort, SIGFPE, stack overflow) is reported with its name,
 * its path, the signal and the API function, and the process exits 2 — through the CLI, and
 * on the libuv worker thread of nextBatchAsync. A fatal signal outside plugin calls is not
 * swallowed: it still kills the process by the signal. See native/plugin-host/src/crash_guard.h.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, runNodeProcess, type CliResult } from '../helpers/cli.js';
import { makeRecords, pluginSetup, skipMessage, writeJsonl } from './helpers.js';

const setup = pluginSetup();
if (!setup.ok) console.warn(skipMessage(setup));

function rulesFile(): string {
  const p = join(setup.dir, 'crash-rules.yaml');
  writeFileSync(p, '- rule: Bad\n  desc: d\n  condition: bad.str = hello\n  output: "%bad.num"\n  priority: INFO\n  source: badsource\n');
  return p;
}

function expectCrashLine(r: CliResult, signal: string, fn: string): void {
  expect(r.timedOut).toBe(false);
  expect(r.signal).toBeNull();
  expect(r.code).toBe(2);
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  expect(lines).toEqual([`falco-scap: plugin 'badplugin' (${setup.bad.ok}) crashed with ${signal} in ${fn}`]);
  expect(r.stderr).not.toMatch(/\n\s+at /); // no JS stack trace
}

/** Runs an ESM script in a fresh node process (the built modules under dist/). */
function runNode(script: string): Promise<CliResult> {
  return runNodeProcess(['--input-type=module', '-e', script]);
}

const LOAD = `import { loadPlugin } from './dist/plugins/plugin.js';\n`;

describe.skipIf(!setup.ok)('a crashing plugin is named (replay CLI)', () => {
  it.each([
    ['crash=segv@extract_fields', 'SIGSEGV', 'extract_fields'],
    ['crash=segv@next_batch', 'SIGSEGV', 'next_batch'],
    ['crash=abort@next_batch', 'SIGABRT', 'next_batch'],
    ['crash=fpe@next_batch', 'SIGFPE', 'next_batch'],
    ['crash=stackoverflow@next_batch', 'SIGSEGV', 'next_batch'],
    ['crash=segv@open', 'SIGSEGV', 'open'],
    ['crash=segv@init', 'SIGSEGV', 'init'],
  ])('%s', async (mode, signal, fn) => {
    const r = await runCli(['replay', '--plugin', `${setup.bad.ok}:${mode}`, '--open-params', 'x', '-r', rulesFile()]);
    expectCrashLine(r, signal, fn);
    expect(r.stdout).toBe('');
  });

  it('a normal replay with plugins is unaffected', async () => {
    const log = writeJsonl(setup.dir, 'crash-normal.jsonl', makeRecords(50));
    const rules = join(setup.dir, 'crash-normal.yaml');
    writeFileSync(rules, '- rule: Any\n  desc: d\n  condition: jaudit.user = alice\n  output: "u=%jaudit.user n=%evt.num"\n  priority: INFO\n  source: jsonaudit\n');
    const r = await runCli(['replay', '--plugin', setup.jsonaudit, '--open-params', log, '-r', rules]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^Events detected: 10$/m); // the run summary, nothing else
    expect(r.stderr).not.toMatch(/crashed|plugin/);
    const want = makeRecords(50).flatMap((x, i) => (x.user === 'alice' ? [`u=alice n=${i + 1}`] : []));
    expect(r.stdout.split('\n').filter((l) => l !== '').map((l) => l.replace(/^\S+: Informational /, '').replace(/ jaudit_user=alice$/, ''))).toEqual(want);
  });
});

describe.skipIf(!setup.ok)('a crashing plugin is named (API, other threads)', () => {
  it('next_batch crashing on a libuv worker thread (nextBatchAsync)', async () => {
    const r = await runNode(`${LOAD}const p = loadPlugin(${JSON.stringify(setup.bad.ok)}, 'crash=segv@next_batch');\nconst c = p.open('x');\nawait c.nextBatchAsync();\nconsole.log('survived');\n`);
    expectCrashLine(r, 'SIGSEGV', 'next_batch');
    expect(r.stdout).toBe('');
  });

  it('stack overflow on a libuv worker thread (alternate signal stack per thread)', async () => {
    const r = await runNode(`${LOAD}const p = loadPlugin(${JSON.stringify(setup.bad.ok)}, 'crash=stackoverflow@next_batch');\nconst c = p.open('x');\nawait c.nextBatchAsync();\n`);
    expectCrashLine(r, 'SIGSEGV', 'next_batch');
  });

  it('close and destroy are guarded too', async () => {
    const close = await runNode(`${LOAD}const p = loadPlugin(${JSON.stringify(setup.bad.ok)}, 'crash=abort@close');\np.open('x').close();\n`);
    expectCrashLine(close, 'SIGABRT', 'close');
    const destroy = await runNode(`${LOAD}const p = loadPlugin(${JSON.stringify(setup.bad.ok)}, 'crash=segv@destroy');\np.destroy();\n`);
    expectCrashLine(destroy, 'SIGSEGV', 'destroy');
  });

  it('a working plugin call after loading still works and exits 0', async () => {
    const r = await runNode(`${LOAD}const p = loadPlugin(${JSON.stringify(setup.bad.ok)}, '');\nconst c = p.open('x');\nconst b = await c.nextBatchAsync();\nconsole.log(b.count);\nc.close();\np.destroy();\n`);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe('2');
    expect(r.stderr).toBe('');
  });
});

describe.skipIf(!setup.ok)('a fatal signal outside plugin calls is not swallowed', () => {
  it.each(['SIGSEGV', 'SIGABRT', 'SIGBUS'] as const)('%s sent to the process after a plugin was loaded kills it by the signal', async (sig) => {
    const r = await runNode(`${LOAD}const p = loadPlugin(${JSON.stringify(setup.bad.ok)}, '');\np.open('x').close();\nprocess.kill(process.pid, '${sig}');\nsetTimeout(() => console.log('survived'), 2000);\n`);
    expect(r.timedOut).toBe(false);
    expect(r.signal).toBe(sig);
    expect(r.code).toBeNull();
    expect(r.stdout).not.toMatch(/survived/);
    expect(r.stderr).not.toMatch(/crashed with/);
  });

  it('an abort outside plugin calls is not reported as a plugin crash', async () => {
    const r = await runNode(`${LOAD}const p = loadPlugin(${JSON.stringify(setup.bad.ok)}, '');\np.destroy();\nprocess.abort();\n`);
    expect(r.signal).toBe('SIGABRT');
    expect(r.stderr).not.toMatch(/crashed with/);
  });
});
