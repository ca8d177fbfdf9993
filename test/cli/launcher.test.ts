import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runNodeProcess, runProcess } from '../helpers/cli.js';
import { PROJECT_ROOT } from '../helpers/shared.js';

// The launcher (dist/cli/falco-scap.cjs) runs the bundle with a V8 code cache it makes
// itself. These tests run a private copy of dist/ so the checkout's cache is left alone.
const work = mkdtempSync(join(tmpdir(), 'falco-scap-launcher-'));
const dist = join(work, 'dist');
cpSync(join(PROJECT_ROOT, 'dist'), dist, { recursive: true });
// Rules and samples are found from dist/ through `../`, as in a checkout.
cpSync(join(PROJECT_ROOT, 'rules'), join(work, 'rules'), { recursive: true });
// Packages left out of the bundle (native addons) and the module graph's are resolved upward.
symlinkSync(join(PROJECT_ROOT, 'node_modules'), join(work, 'node_modules'));
cpSync(join(PROJECT_ROOT, 'bin'), join(work, 'bin'), { recursive: true });
const bin = join(work, 'bin', 'falco-scap');
const cliDir = join(dist, 'cli');
const launcher = join(cliDir, 'falco-scap.cjs');
const sample = join(PROJECT_ROOT, 'samples', 'captures', 'workload.scap.gz');
const version = (JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

const caches = (): string[] => readdirSync(cliDir).filter((f) => f.endsWith('.v8cache'));
const clearCaches = (): void => {
  for (const f of caches()) rmSync(join(cliDir, f));
};

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('falco-scap launcher', () => {
  it('is run by the package bin, and the bundle names its build on the first line', () => {
    const pkg = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> };
    expect(pkg.bin['falco-scap']).toBe('bin/falco-scap');
    expect(statSync(join(PROJECT_ROOT, pkg.bin['falco-scap']!)).mode & 0o111).not.toBe(0);
    expect(statSync(join(PROJECT_ROOT, 'dist', 'cli', 'falco-scap.cjs')).mode & 0o111).not.toBe(0);
    expect(readFileSync(join(cliDir, 'bundle.cjs'), 'utf8')).toMatch(/^\/\/build:[0-9a-f]{16}\n/);
  });

  it('has an ASCII-only bundle, which the launcher reads as latin1', () => {
    const bytes = readFileSync(join(cliDir, 'bundle.cjs'));
    expect(bytes.findIndex((b) => b > 0x7f)).toBe(-1);
  });

  it('makes a code cache named after the bundle build on a run without one, then uses it', async () => {
    clearCaches();
    const first = await runNodeProcess([launcher, 'replay', sample, '--no-progress']);
    expect(first.code).toBe(0);
    const id = /^\/\/build:([0-9a-f]+)/.exec(readFileSync(join(cliDir, 'bundle.cjs'), 'utf8'))![1];
    expect(caches()).toEqual([`bundle.${id}.replay.v8cache`]);
    const cachePath = join(cliDir, caches()[0]!);
    const before = statSync(cachePath).mtimeMs;
    const second = await runNodeProcess([launcher, 'replay', sample, '--no-progress']);
    expect(second.code).toBe(0);
    // Same alerts with and without the cache; an accepted cache is not rewritten.
    expect(second.stdout).toBe(first.stdout);
    expect(statSync(cachePath).mtimeMs).toBe(before);
  });

  it('keeps one cache per command, and one for anything that is not a command name', async () => {
    clearCaches();
    await runNodeProcess([launcher, 'replay', sample, '--no-progress']);
    await runNodeProcess([launcher, 'info', sample]);
    await runNodeProcess([launcher, '--version']);
    await runNodeProcess([launcher, '../../escape', sample]);
    const id = /^\/\/build:([0-9a-f]+)/.exec(readFileSync(join(cliDir, 'bundle.cjs'), 'utf8'))![1];
    expect(caches().sort()).toEqual([`bundle.${id}.info.v8cache`, `bundle.${id}.other.v8cache`, `bundle.${id}.replay.v8cache`]);
  });

  it('runs from a corrupt cache (V8 rejects it) and replaces it with a good one', async () => {
    await runNodeProcess([launcher, 'info', sample]);
    const cachePath = join(cliDir, caches().find((f) => f.endsWith('.info.v8cache'))!);
    writeFileSync(cachePath, Buffer.alloc(4096, 0x5a));
    const res = await runNodeProcess([launcher, 'info', sample]);
    expect(res.code).toBe(0);
    expect(res.stderr).toBe('');
    expect(res.stdout).toContain('compression:   gzip');
    expect(readFileSync(cachePath).equals(Buffer.alloc(4096, 0x5a))).toBe(false);
    const again = await runNodeProcess([launcher, 'info', sample]);
    expect(again.stdout).toBe(res.stdout);
  });

  it('keeps exit codes and one-line errors through the bundle', async () => {
    const res = await runNodeProcess([launcher, 'info', join(work, 'missing.scap')]);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/^falco-scap: .*missing\.scap.*no such file\n$/);
  });

  it('falls back to the module graph (main.js) when there is no bundle', async () => {
    rmSync(join(cliDir, 'bundle.cjs'));
    clearCaches();
    const res = await runNodeProcess([launcher, 'replay', sample, '--no-progress']);
    expect(res.code).toBe(0);
    expect(res.stdout + res.stderr).toContain('Events detected: 6');
    expect(caches()).toEqual([]);
    expect(existsSync(join(cliDir, 'main.js'))).toBe(true);
  });
});

describe('bin/falco-scap', () => {
  it('finds the package through a chain of absolute and relative symlinks, as installs make', async () => {
    const links = mkdtempSync(join(tmpdir(), 'falco-scap-links-'));
    try {
      mkdirSync(join(links, 'a', 'b'), { recursive: true });
      symlinkSync(bin, join(links, 'a', 'abs'));
      symlinkSync('../abs', join(links, 'a', 'b', 'rel'));
      symlinkSync('a/b/rel', join(links, 'top'));
      const res = await runProcess(join(links, 'top'), ['--version'], { cwd: tmpdir() });
      expect(res.stderr).toBe('');
      expect(res.stdout.trim()).toBe(version);
      expect(res.code).toBe(0);
    } finally {
      rmSync(links, { recursive: true, force: true });
    }
  });

  it('passes arguments through unchanged, spaces and all, and keeps the exit code', async () => {
    const res = await runProcess(bin, ['info', join(work, 'no such file.scap')]);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/^falco-scap: .*no such file\.scap.*no such file\n$/);
  });

  it('starts Node without NODE_EXTRA_CA_CERTS and sets it again inside for the processes it starts', async () => {
    // Node warns at start when that bundle cannot be read: the plain launcher shows that Node
    // reads the variable before any script; through the bin it never does.
    const env = { NODE_EXTRA_CA_CERTS: join(work, 'missing-ca.pem') };
    const direct = await runNodeProcess([launcher, '--version'], { env });
    expect(direct.stderr).toContain('Ignoring extra certs');
    // A preload reports, at exit, what the CLI's process.env held by then.
    const probe = join(work, 'env-probe.cjs');
    writeFileSync(probe, "process.on('exit', () => process.stderr.write(JSON.stringify([process.env.NODE_EXTRA_CA_CERTS, process.env.FALCO_SCAP_NODE_EXTRA_CA_CERTS]) + '\\n'));\n");
    const viaBin = await runProcess(bin, ['--version'], { env: { ...env, NODE_OPTIONS: `--require ${probe}` } });
    expect(viaBin.code).toBe(0);
    expect(viaBin.stdout.trim()).toBe(version);
    expect(viaBin.stderr).toBe(`${JSON.stringify([env.NODE_EXTRA_CA_CERTS, null])}\n`);
    // Unset stays unset.
    const unset = await runProcess(bin, ['--version'], { env: { NODE_OPTIONS: `--require ${probe}` } });
    expect(unset.stderr).toBe('[null,null]\n');
  });

  it('gives V8 one background thread, except to `test`, whose worker threads share them', async () => {
    const probe = join(work, 'argv-probe.cjs');
    writeFileSync(probe, "process.on('exit', () => process.stderr.write(JSON.stringify(process.execArgv) + '\\n'));\n");
    const env = { NODE_OPTIONS: `--require ${probe}` };
    const replay = await runProcess(bin, ['replay', '--help'], { env });
    expect(replay.code).toBe(0);
    expect(JSON.parse(replay.stderr)).toEqual(['--v8-pool-size=1']);
    const test = await runProcess(bin, ['test', '--help'], { env });
    expect(test.code).toBe(0);
    expect(JSON.parse(test.stderr)).toEqual([]);
  });
});

