/**
 * Worker-thread entry of `falco-scap test`. A long-lived worker: it imports the engine
 * module named in workerData as soon as it starts (the real src/testing/engine.ts, or a
 * fake in tests), then runs one case per message, keeping compiled rulesets between
 * cases (CaseExecutor), and answers with the verdict: { id, case } → { id, verdict }.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { CaseExecutor, type CaseVerdict } from './execute.js';
import { threadCpu } from './thread-cpu.js';
import { loadEngine, serializeError, type WorkerInit, type WorkerReply, type WorkerRequest } from './protocol.js';

function failed(e: unknown, ms: number): CaseVerdict {
  const s = serializeError(e);
  return { status: 'error', durationMs: ms, failures: [], error: { input: s.input, message: s.message, ...(s.stack !== undefined && { stack: s.stack }) } };
}

const init = workerData as Partial<WorkerInit> | null;
if (parentPort !== null && init !== null && typeof init === 'object' && typeof init.engineModule === 'string') {
  const port = parentPort;
  const wantStats = init.stats === true;
  const opts = { update: init.update === true, cwd: typeof init.cwd === 'string' ? init.cwd : process.cwd() };
  // Started before the first case arrives, so module loading overlaps the main thread's work.
  const executor = loadEngine(init.engineModule).then((engine) => new CaseExecutor(engine, opts));
  executor.catch(() => undefined); // reported with the first case
  const runOne = (msg: WorkerRequest): Promise<void> => {
    const t0 = performance.now();
    return executor
      .then(async (x) => {
        const verdict = await x.run(msg.case);
        if (!wantStats) return { id: msg.id, verdict };
        const cpu = threadCpu();
        return { id: msg.id, verdict, stats: { compiled: x.compiled, ...(cpu !== undefined && { cpu }) } };
      })
      .then(
        (reply) => port.postMessage(reply satisfies WorkerReply),
        (e: unknown) => port.postMessage({ id: msg.id, verdict: failed(e, performance.now() - t0) } satisfies WorkerReply),
      )
      .catch((e: unknown) => {
        // The verdict could not be cloned: report it, do not hang.
        port.postMessage({ id: msg.id, verdict: failed(e, performance.now() - t0) } satisfies WorkerReply);
      });
  };
  // Cases run one at a time, in the order they came: the runner queues the next one here
  // while this one runs (runner.ts WORKER_QUEUE_DEPTH), and one engine must not replay two
  // captures at once (its event counters are per engine).
  let queue: Promise<unknown> = executor;
  port.on('message', (msg: WorkerRequest) => {
    queue = queue.then(
      () => runOne(msg),
      () => runOne(msg),
    );
  });
}
