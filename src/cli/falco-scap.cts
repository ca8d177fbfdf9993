#!/usr/bin/env node
/**
 * The `falco-scap` command. Runs the bundled CLI (dist/cli/bundle.cjs, made by
 * scripts/bundle-cli.mjs) with V8's code cache for it, or the plain module graph
 * (main.js) when there is no bundle (a build by tsc alone).
 *
 * Why a launcher: a replay of a small capture spent more time starting (loading and
 * compiling ~150 ES modules) than replaying. One script whose bytecode comes from a
 * cache starts in about half the time.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire, wrap } from 'node:module';
import { join } from 'node:path';
import { Script } from 'node:vm';

// bin/falco-scap starts Node without NODE_EXTRA_CA_CERTS (see there); the processes this
// one starts get it back.
const forwardedCaCerts = process.env.FALCO_SCAP_NODE_EXTRA_CA_CERTS;
if (forwardedCaCerts !== undefined) {
  process.env.NODE_EXTRA_CA_CERTS = forwardedCaCerts;
  delete process.env.FALCO_SCAP_NODE_EXTRA_CA_CERTS;
}

const BUNDLE = join(__dirname, 'bundle.cjs');

function readOrUndefined(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
}

/** The bundle's first line names its build, so that a cache is only read for its own bundle. */
function buildId(source: string): string | undefined {
  return /^\/\/build:([0-9a-f]+)\n/.exec(source)?.[1];
}

/**
 * One cache per command: a cache holds the bytecode of every function the run that made it
 * compiled, and V8 reads all of it at start, so `inspect` would otherwise also load what
 * `replay` compiled (rules, outputs: a third more) and the reverse.
 */
function commandKey(argv: readonly string[]): string {
  const name = argv[2];
  return name !== undefined && /^[a-z][a-z-]{0,31}$/.test(name) ? name : 'other';
}

function run(source: string): void {
  const id = buildId(source);
  const cachePath = id === undefined ? undefined : join(__dirname, `bundle.${id}.${commandKey(process.argv)}.v8cache`);
  const cached = cachePath === undefined ? undefined : readOrUndefined(cachePath);
  const script = new Script(wrap(source), {
    filename: BUNDLE,
    cachedData: cached,
  });
  if (cachePath !== undefined && (cached === undefined || script.cachedDataRejected === true)) {
    // Made at exit, so that it also holds the functions this run compiled. A read-only
    // install just runs without one; a rename keeps concurrent runs from reading a torn file.
    process.once('exit', () => {
      try {
        const tmp = `${cachePath}.${process.pid}.tmp`;
        writeFileSync(tmp, script.createCachedData());
        renameSync(tmp, cachePath);
      } catch {
        // not writable: no cache
      }
    });
  }
  const moduleFn = script.runInThisContext() as (exports: object, require: NodeRequire, module: object, filename: string, dirname: string) => void;
  const mod = { exports: {} };
  moduleFn.call(mod.exports, mod.exports, createRequire(BUNDLE), mod, BUNDLE, __dirname);
}

const bundle = readOrUndefined(BUNDLE);
// The bundle is ASCII (scripts/bundle-cli.mjs checks): latin1 makes V8's one-byte string
// directly, where utf8 would first scan 1.2 MB for multi-byte sequences.
if (bundle !== undefined) run(bundle.toString('latin1'));
else void import('./main.js');
