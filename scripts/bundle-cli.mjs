#!/usr/bin/env node
// Bundles the compiled CLI (dist/cli/main.js and everything it imports) into one CommonJS
// file, dist/cli/bundle.cjs, which dist/cli/falco-scap.cjs runs with a V8 code cache; and
// the worker of `falco-scap test` with the engine (dist/testing/worker-bundled.js) into
// dist/testing/worker-bundle.cjs, which dist/testing/worker-launch.cjs runs the same way.
// Why: Node 20 spends most of a short run's start-up resolving, reading and compiling
// ~150 ES modules; one script with cached bytecode starts in about half the time.
// Then runs the CLI once on the embedded sample, and one `test` case, so that the code
// caches hold the functions a replay compiles (each is written at the end of its run).
//   node scripts/bundle-cli.mjs          (after tsc; `npm run build` runs both)
import { build, transform } from 'esbuild';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const cliDir = join(root, 'dist', 'cli');
const testingDir = join(root, 'dist', 'testing');

/** Bundles `entry` into `out` (CommonJS, ASCII, first line `//build:ID`) and removes the caches of older builds. */
async function bundle(entry, out) {
  const dir = dirname(out);
  // import.meta.url is only meaningful per ES module; in the bundle every module's URL
  // becomes the bundle's own. The code that resolves files from it (rules/, native addons,
  // worker scripts) does so through paths that start with `../`, which name the same
  // place from dist/cli/ as from any other dist/<dir>/.
  const metaShim = join(dir, '.import-meta-shim.mjs');
  writeFileSync(metaShim, "export const importMetaUrl = require('node:url').pathToFileURL(__filename).href;\n");
  try {
    await build({
      entryPoints: [entry],
      outfile: out,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      // A native addon finds its prebuilt binary relative to its own package: not bundled.
      external: ['zstd-napi'],
      // Loaded on demand with import() in the sources; require() here, because a script run
      // from a code cache has no dynamic-import callback in Node 20.
      supported: { 'dynamic-import': false },
      define: { 'import.meta.url': 'importMetaUrl' },
      inject: [metaShim],
      sourcemap: 'linked',
      // The launcher reads the bundle as latin1, which is only right for pure ASCII.
      charset: 'ascii',
      logLevel: 'warning',
    });
  } finally {
    rmSync(metaShim, { force: true });
  }

  // The build id: V8 checks a cache against the source's length, not its content, so a
  // cache is only ever read for the exact bundle it was made from.
  // ASCII only, because the launcher reads the bundle as latin1 (no UTF-8 decoding of 1.2 MB
  // at every start). esbuild's `charset: 'ascii'` escapes code but leaves comments as they
  // are, so those characters become '?'; the same program minified (comments gone) before
  // and after proves that nothing but comments changed.
  const built = readFileSync(out, 'utf8');
  const code = built.replace(/[^\x00-\x7f]/g, '?');
  if (code !== built) {
    const bare = async (src) => (await transform(src, { minify: true, charset: 'ascii', format: 'cjs', platform: 'node', target: 'node20' })).code;
    if ((await bare(code)) !== (await bare(built))) throw new Error(`bundle-cli: ${out} has non-ASCII characters outside comments`);
  }
  const id = createHash('sha256').update(code).digest('hex').slice(0, 16);
  writeFileSync(out, `//build:${id}\n${code.replace(/^#!.*\n/, '')}`);
  const stem = basename(out, '.cjs');
  for (const f of readdirSync(dir)) if (f.startsWith(`${stem}.`) && f.endsWith('.v8cache')) rmSync(join(dir, f), { force: true });
}

await bundle(join(cliDir, 'main.js'), join(cliDir, 'bundle.cjs'));
// The worker threads of `falco-scap test` (dist/testing/worker-launch.cjs runs this one).
await bundle(join(testingDir, 'worker-bundled.js'), join(testingDir, 'worker-bundle.cjs'));

chmodSync(join(cliDir, 'falco-scap.cjs'), 0o755);
const sample = join(root, 'samples', 'captures', 'workload.scap.gz');
const warm = spawnSync(process.execPath, [join(cliDir, 'falco-scap.cjs'), 'replay', sample, '--no-progress'], { cwd: root, stdio: 'ignore' });
if (warm.status !== 0) process.stderr.write(`bundle-cli: warm-up run exited ${warm.status ?? warm.signal}; the code cache is made on the first run instead\n`);

// The same for the test workers: one `test` case on that sample with the default rules; the
// worker writes its cache once the case is done.
const spec = mkdtempSync(join(tmpdir(), 'falco-scap-bundle-'));
try {
  const file = join(spec, 'warm-up.test.yaml');
  const rules = join(root, 'rules', 'falco-scap_rules.yaml');
  writeFileSync(file, `cases:\n  - name: warm-up\n    captures: ${JSON.stringify(sample)}\n    rules: ${JSON.stringify(rules)}\n    expect: { total: { at_least: 0 } }\n`);
  const test = spawnSync(process.execPath, [join(cliDir, 'falco-scap.cjs'), 'test', file, '--jobs', '1', '--reporter', 'json', '--output', join(spec, 'out.json')], { cwd: root, stdio: 'ignore' });
  if (test.status !== 0) process.stderr.write(`bundle-cli: test warm-up run exited ${test.status ?? test.signal}; the workers' code cache is made on the first run instead\n`);
} finally {
  rmSync(spec, { recursive: true, force: true });
}
