/** Messages between the test runner and its worker threads (see worker.ts). */
import type { ReplayForTest, ReplayOutcome, ReplayRequest } from './types.js';
export interface WorkerInit {
  /** URL (file:) of a module exporting `replayForTest`. */
  readonly engineModule: string;
}

export interface WorkerRequest {
  readonly id: number;
  readonly request: ReplayRequest;
}

export interface SerializedError {
  /** An InputError (bad rules, bad capture): the case errs with exit 2, no stack shown. */
  readonly input: boolean;
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
}

export type WorkerReply =
  | { readonly id: number; readonly ok: true; readonly outcome: ReplayOutcome; readonly ms: number }
  | { readonly id: number; readonly ok: false; readonly error: SerializedError; readonly ms: number };

/** InputErrors from any copy of errors.js (the engine may load its own) count: they carry exitCode 2. */
export function serializeError(e: unknown): SerializedError {
  if (e instanceof Error) {
    const input = (e as { exitCode?: unknown }).exitCode === 2;
    return { input, name: e.name, message: e.message, ...(!input && e.stack !== undefined && { stack: e.stack }) };
  }
  return { input: false, name: 'Error', message: String(e) };
}

export async function loadEngine(moduleUrl: string): Promise<ReplayForTest> {
  const mod = (await import(moduleUrl)) as { replayForTest?: unknown };
  if (typeof mod.replayForTest !== 'function') throw new Error(`${moduleUrl} does not export a function replayForTest`);
  return mod.replayForTest as ReplayForTest;
}

