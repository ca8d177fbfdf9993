/**
 * Test setup for the plugin host: builds the addon when it is missing and compiles the
 * test plugins (test/plugins/c) with the system compiler into a temp dir. Everything is
 * synchronous so test files can decide to skip at collection time.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPluginHostAddon, pluginHostAddonPath } from '../../src/plugins/native.js';
import { PROJECT_ROOT } from '../helpers/shared.js';

export const C_DIR = join(PROJECT_ROOT, 'test', 'plugins', 'c');
export const ABI_DIR = join(PROJECT_ROOT, 'native', 'plugin-host', 'src');

/** badplugin's compile-time modes (LOAD_MODE), see test/plugins/c/badplugin.c. */
export const LOAD_MODES = {
  ok: 0,
  apiMajor: 1,
  apiMinor: 2,
  apiGarbage: 3,
  nullName: 4,
  halfSource: 5,
  syscallSource: 6,
  badSchema: 7,
  nullApi: 8,
  badVersion: 9,
} as const;
export type LoadMode = keyof typeof LOAD_MODES;

export interface PluginSetup {
  ok: boolean;
  reason: string;
  dir: string;
  jsonaudit: string;
  /** jsonaudit built with -DWITH_PARSE: also a parsing plugin (jaudit.parsed, jaudit.lastparsed). */
  jsonauditParse: string;
  /** jsonaudit built with -DSECOND: plugin "jsonaudit2" (ID 997), source "jsonaudit2", same fields. */
  jsonaudit2: string;
  /** asyncgen: async events (sent from a plugin thread) for source jsonaudit, and agen.* fields on them (test/plugins/c/asyncgen.c). */
  asyncgen: string;
  /** asyncgen built with -DALL_SOURCES: async and extraction sources [] (any). */
  asyncgenAll: string;
  /** thrinfo: extraction + parsing on syscall events, reading the "threads" table (test/plugins/c/thrinfo.c). */
  thrinfo: string;
  /** thrinfo built with -DOVERLAP: its first field is named proc.name. */
  thrinfoOverlap: string;
  bad: Record<LoadMode, string>;
}

function hasCc(): boolean {
  return spawnSync('sh', ['-c', 'command -v cc'], { stdio: 'ignore' }).status === 0;
}

function compile(dir: string, src: string, out: string, defs: string[] = []): string | undefined {
  const r = spawnSync('cc', ['-shared', '-fPIC', '-O2', '-Wall', '-pthread', `-I${ABI_DIR}`, ...defs, '-o', join(dir, out), join(C_DIR, src)], { encoding: 'utf8' });
  return r.status === 0 ? undefined : `cc ${src} failed: ${r.stderr}`;
}

let setup: PluginSetup | undefined;

function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Builds the addon once even when several test files (forks) start together. */
function buildAddonOnce(): void {
  if (existsSync(pluginHostAddonPath())) return;
  const lock = join(PROJECT_ROOT, 'native', 'plugin-host', '.build-lock');
  const deadline = Date.now() + 170_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      try {
        if (Date.now() - statSync(lock).mtimeMs > 300_000) rmSync(lock, { recursive: true, force: true }); // stale
      } catch {
        /* gone meanwhile */
      }
      if (existsSync(pluginHostAddonPath()) || Date.now() > deadline) return;
      sleepMs(250);
    }
  }
  try {
    if (!existsSync(pluginHostAddonPath())) spawnSync(process.execPath, [join(PROJECT_ROOT, 'native', 'plugin-host', 'build.mjs')], { stdio: 'ignore' });
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

export function pluginSetup(): PluginSetup {
  if (setup) return setup;
  const dir = mkdtempSync(join(tmpdir(), 'falco-scap-plugins-'));
  const bad = Object.fromEntries(Object.keys(LOAD_MODES).map((k) => [k, join(dir, `libbad-${k}.so`)])) as Record<LoadMode, string>;
  const base = { dir, jsonaudit: join(dir, 'libjsonaudit.so'), jsonauditParse: join(dir, 'libjsonaudit-parse.so'), jsonaudit2: join(dir, 'libjsonaudit2.so'), asyncgen: join(dir, 'libasyncgen.so'), asyncgenAll: join(dir, 'libasyncgen-all.so'), thrinfo: join(dir, 'libthrinfo.so'), thrinfoOverlap: join(dir, 'libthrinfo-overlap.so'), bad };
  if (!hasCc()) return (setup = { ...base, ok: false, reason: 'no C compiler (cc) on PATH' });
  buildAddonOnce();
  const addon = loadPluginHostAddon(pluginHostAddonPath());
  if (!addon.ok) return (setup = { ...base, ok: false, reason: addon.reason });
  const errs = [compile(dir, 'jsonaudit.c', 'libjsonaudit.so'), compile(dir, 'jsonaudit.c', 'libjsonaudit-parse.so', ['-DWITH_PARSE']), compile(dir, 'jsonaudit.c', 'libjsonaudit2.so', ['-DSECOND']), compile(dir, 'asyncgen.c', 'libasyncgen.so'), compile(dir, 'asyncgen.c', 'libasyncgen-all.so', ['-DALL_SOURCES']), compile(dir, 'thrinfo.c', 'libthrinfo.so'), compile(dir, 'thrinfo.c', 'libthrinfo-overlap.so', ['-DOVERLAP'])];
  for (const [k, v] of Object.entries(LOAD_MODES)) errs.push(compile(dir, 'badplugin.c', `libbad-${k}.so`, [`-DLOAD_MODE=${v}`]));
  const err = errs.find((e) => e !== undefined);
  if (err) return (setup = { ...base, ok: false, reason: err });
  return (setup = { ...base, ok: true, reason: '' });
}

export interface AuditRecord {
  user: string;
  action: string;
  count: number;
  tags: string[];
  ip?: string;
}

/** Deterministic audit records. */
export function makeRecords(n: number): AuditRecord[] {
  const users = ['alice', 'bob', 'carol', 'dave', 'eve'];
  const actions = ['login', 'logout', 'read', 'write', 'fail'];
  const out: AuditRecord[] = [];
  for (let i = 0; i < n; i++) {
    const r: AuditRecord = { user: users[i % 5]!, action: actions[(i * 7) % 5]!, count: i * 3, tags: Array.from({ length: i % 4 }, (_, k) => `t${(i + k) % 9}`) };
    if (i % 3 === 0) r.ip = `10.${i % 256}.${(i >> 8) % 256}.1`;
    out.push(r);
  }
  return out;
}

export function writeJsonl(dir: string, name: string, recs: readonly object[]): string {
  const p = join(dir, name);
  writeFileSync(p, recs.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return p;
}

export function skipMessage(s: PluginSetup): string {
  return `plugin host tests skipped: ${s.reason}`;
}

/** Alert lines of a replay's stdout without their leading time stamps. */
export function alertLines(stdout: string): string[] {
  return stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.replace(/^\S+: /, ''));
}
