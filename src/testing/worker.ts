/**
 * Worker-thread entry of `falco-scap test`. It imports the replay engine lazily from the
 * module named in workerData (the real dist/replay/engine.js, or a fake in tests), then
 * answers one request at a time: { id, request } → { id, ok, outcome | error }.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadEngine, serializeError, type WorkerInit, type WorkerReply, type WorkerRequest } from './protocol.js';
import type { ReplayForTest } from './types.js';

const init = workerData as Partial<WorkerInit> | null;
if (parentPort !== null && init !== null && typeof init === 'object' && typeof init.engineModule === 'string') {
  const port = parentPort;
  const engineModule = init.engineModule;
  let engine: Promise<ReplayForTest> | undefined;
  port.on('message', (msg: WorkerRequest) => {
    const t0 = performance.now();
    engine ??= loadEngine(engineModule);
    engine
      .then((replay) => replay(msg.request))
      .then(
        (outcome) => port.postMessage({ id: msg.id, ok: true, outcome, ms: performance.now() - t0 } satisfies WorkerReply),
        (e: unknown) => port.postMessage({ id: msg.id, ok: false, error: serializeError(e), ms: performance.now() - t0 } satisfies WorkerReply),
      )
      .catch((e: unknown) => {
        // The outcome could not be cloned (e.g. a function in it): report it, do not hang.
        port.postMessage({ id: msg.id, ok: false, error: serializeError(e), ms: performance.now() - t0 } satisfies WorkerReply);
      });
  });
}
