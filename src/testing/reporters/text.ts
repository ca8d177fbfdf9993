import type { Failure } from '../expectations.js';
import { where } from './report.js';

/** Failures as plain text (no color): place, message, diff. */
export function failuresText(failures: readonly Failure[]): string {
  const out: string[] = [];
  for (const f of failures) {
    out.push(`${where(f.pos)}: ${f.message}`);
    for (const d of f.diff) out.push(`    ${d.sign} ${d.text}`);
  }
  return out.join('\n');
}

/** The one-line message of a failed case. */
export function failureMessage(failures: readonly Failure[]): string {
  const first = failures[0];
  if (first === undefined) return 'failed';
  return failures.length === 1 ? first.message : `${first.message} (and ${failures.length - 1} more)`;
}
