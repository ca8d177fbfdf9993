/**
 * The case loop of a `falco-scap test` worker thread, shared by its two entries: worker.ts
 * (plain modules; imports the engine module named in workerData, the real one or a fake in
 * tests) and worker-bundled.ts (the bundle run from a V8 code cache, with the real engine
 * built in). One case per message, in order, with compiled rulesets kept between cases
 * (CaseExecutor): { id, case } → { id, verdict }.
 */
import type { MessagePort } from 'node:worker_threads';
import { CaseExecutor, type CaseVerdict } from './execute.js';
import { threadCpu } from './thread-cpu.js';
import { serializeError, type WorkerInit, type WorkerReply, type WorkerRequest } from './protocol.js';
import type { TestEngine } from './types.js';

function failed(e: unknown, ms: number): CaseVerdict {
  const s = serializeError(e);
  return { status: 'error', durationMs: ms, failures: [], error: { input: s.input, message: s.message, ...(s.stack !== undefined && { stack: s.stack }) } };
}

export interface ServeHooks {
  /**
   * Called once, the first time a case is done with no other case waiting, before its
   * verdict is posted (the bundled entry writes its code cache then: once the last verdict
   * is out, the runner may terminate the thread at any moment).
   */
  readonly whenIdle?: () => void;
}

/** Checks workerData; undefined when it is not a worker init (the module was loaded some other way). */
export function workerInit(data: unknown): WorkerInit | undefined {
  const init = data as Partial<WorkerInit> | null;
  return init !== null && typeof init === 'object' && typeof init.engineModule === 'string' ? (init as WorkerInit) : undefined;
}

/** Serves cases from `port` with the engine `load` gives for init.engineModule. */
export function serveCases(port: MessagePort, init: WorkerInit, load: (moduleUrl: string) => Promise<TestEngine>, hooks: ServeHooks = {}): void {
  const wantStats = init.stats === true;
  const opts = { update: init.update === true, cwd: typeof init.cwd === 'string' ? init.cwd : process.cwd() };
  // Started before the first case arrives, so module loading overlaps the main thread's work.
  const executor = load(init.engineModule).then((engine) => new CaseExecutor(engine, opts));
  executor.catch(() => undefined); // reported with the first case
  let whenIdle = hooks.whenIdle;
  /** Cases received and not yet answered. */
  let waiting = 0;
  const idleHook = () => {
    if (waiting !== 1 || whenIdle === undefined) return;
    const f = whenIdle;
    whenIdle = undefined;
    try {
      f();
    } catch {
      // the hook's own business: never the case's verdict
    }
  };
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
        (reply) => {
          idleHook();
          port.postMessage(reply satisfies WorkerReply);
        },
        (e: unknown) => port.postMessage({ id: msg.id, verdict: failed(e, performance.now() - t0) } satisfies WorkerReply),
      )
      .catch((e: unknown) => {
        // The verdict could not be cloned: report it, do not hang.
        port.postMessage({ id: msg.id, verdict: failed(e, performance.now() - t0) } satisfies WorkerReply);
      })
      .finally(() => waiting--);
  };
  // Cases run one at a time, in the order they came: the runner queues the next one here
  // while this one runs (runner.ts WORKER_QUEUE_DEPTH), and one engine must not replay two
  // captures at once (its event counters are per engine).
  let queue: Promise<unknown> = executor;
  port.on('message', (msg: WorkerRequest) => {
    waiting++;
    queue = queue.then(
      () => runOne(msg),
      () => runOne(msg),
    );
  });
}
