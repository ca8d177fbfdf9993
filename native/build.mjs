#!/usr/bin/env node
// Builds the optional recorder: the CO-RE eBPF driver (driver/bpf) and the
// node-addon-api addon (native/). Never fails the install: when something is
// missing it writes native/build/SKIPPED with the reason, which
// `falco-scap record` reports together with what to install.
//
//   node native/build.mjs            build (or record why not)
//   node native/build.mjs --strict   exit 1 instead of skipping (CI, development)
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');
const bpfDir = join(root, 'driver', 'bpf');
const buildDir = join(here, 'build');
const genDir = join(buildDir, 'gen');
const strict = process.argv.includes('--strict');
const verbose = process.argv.includes('--verbose') || strict;

const APT = 'clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev libzstd-dev';

function log(msg) {
  if (verbose) process.stderr.write(`[falco-scap record build] ${msg}\n`);
}

function skip(reason) {
  mkdirSync(buildDir, { recursive: true });
  rmSync(join(buildDir, 'Release', 'falco_scap_record.node'), { force: true });
  writeFileSync(join(buildDir, 'SKIPPED'), `${reason}\nInstall (Debian/Ubuntu): apt-get install ${APT}\nthen run: node native/build.mjs\n`);
  process.stderr.write(`falco-scap: recorder not built: ${reason} (other commands work; see native/build/SKIPPED)\n`);
  process.exit(strict ? 1 : 0);
}

function which(cmd) {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

function run(cmd, args, opts = {}) {
  log(`${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 256 << 20, ...opts });
  if (r.status !== 0) {
    const out = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n').slice(-30).join('\n');
    return { ok: false, out: out || String(r.error ?? 'failed') };
  }
  return { ok: true, out: r.stdout };
}

if (process.platform !== 'linux') skip('the recorder is Linux-only');
if (process.arch !== 'x64') skip(`the eBPF driver is built for x86_64 only (this is ${process.arch})`);

const clang = which('clang');
const bpftool = which('bpftool') ?? (existsSync('/usr/sbin/bpftool') ? '/usr/sbin/bpftool' : null);
const missing = [];
if (!clang) missing.push('clang');
if (!bpftool) missing.push('bpftool');
for (const [h, pkg] of [
  ['/usr/include/bpf/libbpf.h', 'libbpf-dev'],
  ['/usr/include/libelf.h', 'libelf-dev'],
  ['/usr/include/zlib.h', 'zlib1g-dev'],
  ['/usr/include/zstd.h', 'libzstd-dev'],
]) {
  if (!existsSync(h)) missing.push(pkg);
}
if (missing.length) skip(`missing build tools: ${missing.join(', ')}`);

// vmlinux.h: generated from this machine's BTF, never committed.
const vmlinuxH = join(bpfDir, 'vmlinux.h');
const btf = '/sys/kernel/btf/vmlinux';
if (!existsSync(vmlinuxH) || statSync(vmlinuxH).size === 0) {
  if (!existsSync(btf)) skip(`${btf} is missing: the kernel has no BTF (CONFIG_DEBUG_INFO_BTF)`);
  try {
    const out = execFileSync(bpftool, ['btf', 'dump', 'file', btf, 'format', 'c'], { maxBuffer: 512 << 20 });
    writeFileSync(vmlinuxH, out);
  } catch (e) {
    skip(`bpftool could not dump ${btf}: ${e.message.split('\n')[0]}`);
  }
}

mkdirSync(genDir, { recursive: true });
const obj = join(bpfDir, 'probe.bpf.o');
let r = run(clang, [
  '-g', '-O2', '-target', 'bpf', '-D__TARGET_ARCH_x86',
  '-I', bpfDir, '-idirafter', '/usr/include/x86_64-linux-gnu', '-idirafter', '/usr/include',
  '-Wall', '-Wno-unused-function', '-Wno-unused-variable',
  '-c', join(bpfDir, 'probe.bpf.c'), '-o', obj,
]);
if (!r.ok) skip(`compiling the eBPF driver failed:\n${r.out}`);

r = run(bpftool, ['gen', 'skeleton', obj, 'name', 'probe_bpf']);
if (!r.ok) skip(`bpftool gen skeleton failed:\n${r.out}`);
const skel = join(genDir, 'probe.skel.h');
writeFileSync(skel, r.out);

// node-gyp: the copy that ships with npm.
const gypCandidates = [
  process.env.npm_config_node_gyp,
  join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  '/usr/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js',
  '/usr/share/nodejs/node-gyp/bin/node-gyp.js',
].filter(Boolean);
const gyp = gypCandidates.find((p) => existsSync(p));
if (!gyp) skip('node-gyp not found (it ships with npm)');
const gypArgs = [];
if (!process.env.npm_config_nodedir && existsSync('/usr/include/node/node.h')) gypArgs.push('--nodedir=/usr');

r = run(process.execPath, [gyp, 'configure', ...gypArgs], { cwd: here });
if (!r.ok) skip(`node-gyp configure failed:\n${r.out}`);
// configure recreates build/: put the skeleton back
mkdirSync(genDir, { recursive: true });
writeFileSync(skel, run(bpftool, ['gen', 'skeleton', obj, 'name', 'probe_bpf']).out);
r = run(process.execPath, [gyp, 'build', '-j', '2', ...gypArgs], { cwd: here });
if (!r.ok) skip(`building the addon failed:\n${r.out}`);
rmSync(join(buildDir, 'SKIPPED'), { force: true });
log(`built ${join(buildDir, 'Release', 'falco_scap_record.node')}`);
process.stderr.write('falco-scap: recorder built\n');
