/**
 * The bundled worker entry of `falco-scap test` (dist/testing/worker-bundle.cjs, made by
 * scripts/bundle-cli.mjs and run by worker-launch.cts with a V8 code cache). The real engine
 * is built in, so a worker starts without resolving, reading and compiling the ~150 ES
 * modules behind it: each worker thread paid that (≈0.1 s of CPU) before its first case.
 */
import type { MessagePort } from 'node:worker_threads';
import * as engine from './engine.js';
import { serveCases, workerInit, type ServeHooks } from './serve.js';

/** The engine module this bundle holds: dist/testing/engine.js (see runner.ts DEFAULT_ENGINE_MODULE). */
export const BUNDLED_ENGINE_MODULE: string = new URL('../testing/engine.js', import.meta.url).href;

/** Serves cases from `port`; false (nothing started) when workerData does not ask for the built-in engine. */
export function startWorker(port: MessagePort, data: unknown, hooks: ServeHooks = {}): boolean {
  const init = workerInit(data);
  if (init === undefined || init.engineModule !== BUNDLED_ENGINE_MODULE) return false;
  serveCases(port, init, () => Promise.resolve({ prepareForTest: engine.prepareForTest, replayForTest: engine.replayForTest }), hooks);
  return true;
}
