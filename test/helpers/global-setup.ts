import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

/**
 * CLI tests run the built CLI; build once so they never test a stale dist/. Type errors do
 * not stop the build here (tsc still emits); test/typecheck.test.ts fails on them instead.
 */
export default function setup(): void {
  const root = resolve(import.meta.dirname, '..', '..');
  const res = spawnSync(process.execPath, [resolve(root, 'node_modules/typescript/bin/tsc'), '-p', resolve(root, 'tsconfig.json')], {
    cwd: root,
    encoding: 'utf8',
  });
  if (res.status !== 0) process.stderr.write(`[global-setup] tsc reported errors (see test/typecheck.test.ts):\n${res.stdout}${res.stderr}`);
  // The command users run is the bundle (dist/cli/falco-scap.cjs runs dist/cli/bundle.cjs):
  // rebuilt too, so that CLI tests run what was just compiled.
  const bundle = spawnSync(process.execPath, [resolve(root, 'scripts/bundle-cli.mjs')], { cwd: root, encoding: 'utf8' });
  if (bundle.status !== 0) throw new Error(`[global-setup] bundling the CLI failed:\n${bundle.stdout}${bundle.stderr}`);
}
