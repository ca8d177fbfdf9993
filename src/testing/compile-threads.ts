/**
 * Where the optimizing compiler runs for the worker threads of a `falco-scap test` run: on
 * V8's background threads (Node's default) or on each worker's own thread.
 */
import { availableParallelism } from 'node:os';
import { setFlagsFromString } from 'node:v8';

/**
 * Whether the workers of a run compile optimized code on their own thread instead of V8's
 * background threads: when there are as many workers as cores. Each core then runs a
 * worker, so a background compile only takes the CPU from one of them, and costs more CPU
 * in all than compiling in place (an 832-case suite of the shared captures with --jobs 2 on
 * 2 cores: 1.53 s against 1.68 s, 2.9 s of CPU against 3.2 s). With a core to spare (--jobs 1
 * on 2 cores) the background compile is free, and compiling in place was slower (2.20 s
 * against 1.95 s).
 */
export function compileInWorkers(workers: number, cores: number = availableParallelism(), nodeFlags: readonly string[] = nodeFlagsInUse()): boolean {
  // Someone who chose V8's compile threading (--single-threaded, --[no-]concurrent-recompilation) keeps it.
  if (nodeFlags.some((f) => /^--(no-)?(single-threaded|concurrent-recompilation)(=|$)/.test(f.replace(/_/g, '-')))) return false;
  return workers >= cores;
}

function nodeFlagsInUse(): string[] {
  return [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
}

/**
 * V8's flag for the isolates created while it is set (each worker thread's, at its start);
 * the main thread's isolate keeps the compile threads it started with. Set around a run's
 * worker spawning, and set back once its workers are gone.
 */
export function setConcurrentRecompilation(on: boolean): void {
  setFlagsFromString(on ? '--concurrent-recompilation' : '--no-concurrent-recompilation');
}
