/**
 * The worker-thread entry `falco-scap test` starts (runner.ts DEFAULT_WORKER_URL). For the
 * real engine it runs the bundled worker (dist/testing/worker-bundle.cjs, made by
 * scripts/bundle-cli.mjs) from V8's code cache for it, as the CLI launcher does for the
 * command itself; otherwise (a fake engine in tests, a build by tsc alone, or
 * FALCO_SCAP_WORKER_BUNDLE=0) the plain module entry, worker.js.
 *
 * Why: every worker thread loaded the engine as ~150 ES modules (resolve, read, compile)
 * before its first case, ≈0.1 s of CPU per worker, paid again by each of `--jobs N`.
 */
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire, wrap } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Script } from 'node:vm';
import { parentPort, threadId, workerData, type MessagePort } from 'node:worker_threads';

const BUNDLE = join(__dirname, 'worker-bundle.cjs');
/** The engine the bundle holds; a worker asked for another module runs worker.js. */
const ENGINE = pathToFileURL(join(__dirname, 'engine.js')).href;

type StartWorker = (port: MessagePort, data: unknown, hooks: { whenIdle?: () => void }) => boolean;

function readOrUndefined(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
}

function wantsBundle(): boolean {
  const engine = (workerData as { engineModule?: unknown } | null)?.engineModule;
  return engine === ENGINE && process.env.FALCO_SCAP_WORKER_BUNDLE !== '0';
}

/** Runs the bundle and starts serving cases; false when there is no bundle or it declined. */
function runBundle(port: MessagePort): boolean {
  const bytes = readOrUndefined(BUNDLE);
  if (bytes === undefined) return false;
  // latin1: the bundle is ASCII (scripts/bundle-cli.mjs checks), and V8 takes a one-byte string as is.
  const source = bytes.toString('latin1');
  // The first line names the build, so that a cache is only read for its own bundle.
  const id = /^\/\/build:([0-9a-f]+)\n/.exec(source)?.[1];
  const cachePath = id === undefined ? undefined : join(__dirname, `worker-bundle.${id}.v8cache`);
  const cached = cachePath === undefined ? undefined : readOrUndefined(cachePath);
  const script = new Script(wrap(source), { filename: BUNDLE, cachedData: cached });
  const moduleFn = script.runInThisContext() as (exports: object, require: NodeRequire, module: object, filename: string, dirname: string) => void;
  const mod: { exports: { startWorker?: StartWorker } } = { exports: {} };
  moduleFn.call(mod.exports, mod.exports, createRequire(BUNDLE), mod, BUNDLE, __dirname);
  const needCache = cachePath !== undefined && (cached === undefined || script.cachedDataRejected === true);
  // Written the first time the worker has no case left to run (before that case's verdict
  // goes out), so that it also holds the functions the cases compiled (rules loading and
  // compiling, the replay). The runner terminates its workers at the end of a run, so
  // there is no later moment to count on. A read-only install just runs without one; a
  // rename keeps concurrent workers from reading a torn file.
  const whenIdle = needCache
    ? () => {
        const tmp = `${cachePath}.${process.pid}.${threadId}.tmp`;
        try {
          writeFileSync(tmp, script.createCachedData());
          renameSync(tmp, cachePath);
        } catch {
          // not writable: no cache (and never a failed case because of one)
          try {
            rmSync(tmp, { force: true });
          } catch {
            // nothing was written
          }
        }
      }
    : undefined;
  return mod.exports.startWorker?.(port, workerData, whenIdle === undefined ? {} : { whenIdle }) === true;
}

const port = parentPort;
if (!(port !== null && wantsBundle() && runBundle(port))) void import('./worker.js');
