/**
 * Runs one of the build's bundles (scripts/bundle-cli.mjs: the CLI, the `test` worker)
 * from V8's code cache for it, the way both launchers start: a script whose bytecode comes
 * from a cache starts in about half the time of loading and compiling ~150 ES modules.
 */
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire, wrap } from 'node:module';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';

export interface CachedBundleRun<E> {
  /** What the bundle's module exported. */
  readonly exports: E;
  /**
   * Writes the code cache, holding every function compiled so far; set when the cache was
   * missing or V8 rejected it (another build, another Node), undefined when it was used.
   * Never throws: a read-only install runs without a cache.
   */
  readonly saveCache: (() => void) | undefined;
}

function readOrUndefined(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
}

/**
 * Runs the bundle at `bundlePath` with the cache `cacheName(buildId)` beside it; undefined
 * when there is no bundle. The bundle's first line names its build (`//build:ID`), so that
 * a cache is only ever read for the bundle it was made from.
 */
export function runCachedBundle<E extends object>(bundlePath: string, cacheName: (buildId: string) => string): CachedBundleRun<E> | undefined {
  const bytes = readOrUndefined(bundlePath);
  if (bytes === undefined) return undefined;
  // The bundle is ASCII (scripts/bundle-cli.mjs checks): latin1 makes V8's one-byte string
  // directly, where utf8 would first scan a megabyte for multi-byte sequences.
  const source = bytes.toString('latin1');
  const id = /^\/\/build:([0-9a-f]+)\n/.exec(source)?.[1];
  const cachePath = id === undefined ? undefined : join(dirname(bundlePath), cacheName(id));
  const cached = cachePath === undefined ? undefined : readOrUndefined(cachePath);
  const script = new Script(wrap(source), { filename: bundlePath, cachedData: cached });
  const moduleFn = script.runInThisContext() as (exports: object, require: NodeRequire, module: object, filename: string, dirname: string) => void;
  const mod = { exports: {} as E };
  moduleFn.call(mod.exports, mod.exports, createRequire(bundlePath), mod, bundlePath, dirname(bundlePath));
  const stale = cachePath !== undefined && (cached === undefined || script.cachedDataRejected === true);
  const saveCache = stale
    ? () => {
        // A rename keeps concurrent runs (processes, worker threads) from reading a torn file.
        const tmp = `${cachePath}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
        try {
          writeFileSync(tmp, script.createCachedData());
          renameSync(tmp, cachePath);
        } catch {
          try {
            rmSync(tmp, { force: true });
          } catch {
            // nothing was written
          }
        }
      }
    : undefined;
  return { exports: mod.exports, saveCache };
}
