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
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { runCachedBundle } from '../cli/cached-bundle.cjs';

const BUNDLE = join(__dirname, 'worker-bundle.cjs');
/** The engine the bundle holds; a worker asked for another module runs worker.js. */
const ENGINE = pathToFileURL(join(__dirname, 'engine.js')).href;

type StartWorker = (port: MessagePort, data: unknown, hooks: { whenIdle?: () => void }) => boolean;

function wantsBundle(): boolean {
  const engine = (workerData as { engineModule?: unknown } | null)?.engineModule;
  return engine === ENGINE && process.env.FALCO_SCAP_WORKER_BUNDLE !== '0';
}

/** Runs the bundle and starts serving cases; false when there is no bundle or it declined. */
function runBundle(port: MessagePort): boolean {
  const ran = runCachedBundle<{ startWorker?: StartWorker }>(BUNDLE, (id) => `worker-bundle.${id}.v8cache`);
  if (ran === undefined) return false;
  // A missing or rejected cache is written the first time the worker has no case left to
  // run (before that case's verdict goes out), so that it also holds the functions the
  // cases compiled (rules loading and compiling, the replay). The runner terminates its
  // workers at the end of a run, so there is no later moment to count on.
  const hooks = ran.saveCache === undefined ? {} : { whenIdle: ran.saveCache };
  return ran.exports.startWorker?.(port, workerData, hooks) === true;
}

const port = parentPort;
if (!(port !== null && wantsBundle() && runBundle(port))) void import('./worker.js');
