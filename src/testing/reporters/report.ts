import type { CaseResult } from '../runner.js';

/** Everything a reporter renders. */
export interface Report {
  readonly results: readonly CaseResult[];
  /** Wall time of the whole run. */
  readonly durationMs: number;
  readonly startedAt: Date;
}

export type ReporterName = 'human' | 'junit' | 'tap' | 'json';
export const REPORTERS: readonly ReporterName[] = ['human', 'junit', 'tap', 'json'];

/** `file:line:col` of a spec position. */
export function where(p: { file: string; line: number; column: number }): string {
  return `${p.file}:${p.line}:${p.column}`;
}
