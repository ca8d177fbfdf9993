#!/usr/bin/env node
// Builds the optional plugin host addon (native/plugin-host). Never fails an install:
// when the build is impossible it writes build/SKIPPED with the reason, which
// src/plugins/native.ts reports when a plugin is loaded.
//
//   node native/plugin-host/build.mjs            build, or record why not
//   node native/plugin-host/build.mjs --strict   exit 1 on failure (CI, development)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const buildDir = join(here, 'build');
const strict = process.argv.includes('--strict');
const verbose = strict || process.argv.includes('--verbose');

function skip(reason) {
  mkdirSync(buildDir, { recursive: true });
  rmSync(join(buildDir, 'Release', 'falco_scap_plugin_host.node'), { force: true });
  writeFileSync(join(buildDir, 'SKIPPED'), `${reason}\nNeeds: a C++17 compiler, make, python3 (node-gyp). Then run: node native/plugin-host/build.mjs\n`);
  process.stderr.write(`falco-scap: plugin host not built: ${reason.split('\n')[0]} (see native/plugin-host/build/SKIPPED)\n`);
  process.exit(strict ? 1 : 0);
}

function run(args) {
  if (verbose) process.stderr.write(`[plugin-host build] node-gyp ${args.join(' ')}\n`);
  const r = spawnSync(process.execPath, [gyp, ...args], { cwd: here, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (verbose) process.stderr.write(`${r.stdout ?? ''}${r.stderr ?? ''}`);
  if (r.status !== 0) {
    const out = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n').slice(-25).join('\n');
    skip(`node-gyp ${args[0]} failed:\n${out || String(r.error ?? 'unknown error')}`);
  }
}

if (process.platform === 'win32') skip('the plugin host uses dlopen(); Windows is not supported');
const gyp = [
  process.env.npm_config_node_gyp,
  join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  '/usr/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js',
  '/usr/share/nodejs/node-gyp/bin/node-gyp.js',
].find((p) => p && existsSync(p));
if (!gyp) skip('node-gyp not found (it ships with npm)');
const extra = [];
// Use the installed Node headers when present: no download needed.
if (!process.env.npm_config_nodedir && existsSync('/usr/include/node/node.h')) extra.push('--nodedir=/usr');
run(['configure', ...extra]);
run(['build', '-j', '2', ...extra]);
if (!existsSync(join(buildDir, 'Release', 'falco_scap_plugin_host.node'))) skip('the build produced no addon');
rmSync(join(buildDir, 'SKIPPED'), { force: true });
if (verbose) process.stderr.write('[plugin-host build] ok\n');
