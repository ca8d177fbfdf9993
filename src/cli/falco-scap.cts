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
import { join } from 'node:path';
import { runCachedBundle } from './cached-bundle.cjs';

// bin/falco-scap starts Node without NODE_EXTRA_CA_CERTS (see there); the processes this
// one starts get it back.
const forwardedCaCerts = process.env.FALCO_SCAP_NODE_EXTRA_CA_CERTS;
if (forwardedCaCerts !== undefined) {
  process.env.NODE_EXTRA_CA_CERTS = forwardedCaCerts;
  delete process.env.FALCO_SCAP_NODE_EXTRA_CA_CERTS;
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

const ran = runCachedBundle(join(__dirname, 'bundle.cjs'), (id) => `bundle.${id}.${commandKey(process.argv)}.v8cache`);
if (ran === undefined) void import('./main.js');
// Made at exit, so that the cache also holds the functions this run compiled.
else if (ran.saveCache !== undefined) process.once('exit', ran.saveCache);
