/** Messages between the test runner and its worker threads (see worker.ts). */
import type { CaseVerdict } from './execute.js';
import type { TestCase } from './spec.js';
import type { ThreadCpu } from './thread-cpu.js';
import type { TestEngine } from './types.js';

export interface WorkerInit {
  /** URL (file:) of a module exporting `prepareForTest` and/or `replayForTest`. */
  readonly engineModule: string;
  /** Rewrite snapshots instead of comparing them. */
  readonly update: boolean;
  /** For paths in messages. */
  readonly cwd: string;
  /** Send the thread's CPU time and compile count with every verdict. */
  readonly stats?: boolean;
}

/** One case to run; the worker replays it and judges the alerts itself. */
export interface WorkerRequest {
  readonly id: number;
  readonly case: TestCase;
}

export interface WorkerReply {
  readonly id: number;
  readonly verdict: CaseVerdict;
  /** With `stats`: totals for this worker so far. */
  readonly stats?: { readonly compiled: number; readonly cpu?: ThreadCpu };
}

export interface SerializedError {
  /** An InputError (bad rules, bad capture): the case errs with exit 2, no stack shown. */
  readonly input: boolean;
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
}

/** InputErrors from any copy of errors.js (the engine may load its own) count: they carry exitCode 2. */
export function serializeError(e: unknown): SerializedError {
  if (e instanceof Error) {
    const input = (e as { exitCode?: unknown }).exitCode === 2;
    return { input, name: e.name, message: e.message, ...(!input && e.stack !== undefined && { stack: e.stack }) };
  }
  return { input: false, name: 'Error', message: String(e) };
}

/** Imports an engine module and checks it exports an entry point. */
export async function loadEngine(moduleUrl: string): Promise<TestEngine> {
  const mod = (await import(moduleUrl)) as { prepareForTest?: unknown; replayForTest?: unknown };
  const prepare = typeof mod.prepareForTest === 'function' ? (mod.prepareForTest as TestEngine['prepareForTest']) : undefined;
  const replay = typeof mod.replayForTest === 'function' ? (mod.replayForTest as TestEngine['replayForTest']) : undefined;
  if (prepare === undefined && replay === undefined) throw new Error(`${moduleUrl} exports neither prepareForTest nor replayForTest`);
  return { ...(prepare !== undefined && { prepareForTest: prepare }), ...(replay !== undefined && { replayForTest: replay }) };
}
