/**
 * Worker-thread entry of `falco-scap test`, as plain ES modules: it imports the engine
 * module named in workerData as soon as it starts (the real src/testing/engine.ts, or a
 * fake in tests) and serves cases with it (serve.ts). The CLI starts workers through
 * worker-launch.cts, which runs the bundled entry (worker-bundled.ts) instead when it can.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadEngine } from './protocol.js';
import { serveCases, workerInit } from './serve.js';

const init = workerInit(workerData);
if (parentPort !== null && init !== undefined) serveCases(parentPort, init, loadEngine);
