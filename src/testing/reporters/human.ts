/**
 * The human reporter: one line per case as it finishes (in spec order), failures with a
 * diff of expected (-) and actual (+) alerts, then a summary line. Colors come from the
 * caller's chalk instance (none when not a terminal or NO_COLOR).
 */
import type { ChalkInstance } from 'chalk';
import type { DiffLine } from '../expectations.js';
import { summarize, type CaseResult } from '../runner.js';
import { where, type Report } from './report.js';

function ms(n: number): string {
  return n >= 1000 ? `${(n / 1000).toFixed(2)} s` : `${Math.round(n)} ms`;
}

function diffLine(d: DiffLine, c: ChalkInstance): string {
  const text = `${d.sign} ${d.text}`;
  switch (d.sign) {
    case '-':
      return c.red(text);
    case '+':
      return c.green(text);
    case '~':
      return c.yellow(text);
    default:
      return c.dim(text);
  }
}

/** The lines for one finished case. */
export function renderCase(r: CaseResult, c: ChalkInstance): string {
  const name = `${r.case.specDisplay} ${c.dim('›')} ${r.case.name}`;
  const facts: string[] = [];
  if (r.alerts !== undefined) facts.push(`${r.alerts} alert${r.alerts === 1 ? '' : 's'}`);
  if (r.events !== undefined) facts.push(`${r.events} event${r.events === 1 ? '' : 's'}`);
  if (r.status !== 'skip') facts.push(ms(r.durationMs));
  if (r.snapshot !== undefined) facts.push(`snapshot ${r.snapshot}`);
  const tail = facts.length ? `  ${c.dim(`(${facts.join(', ')})`)}` : '';
  const lines: string[] = [];
  switch (r.status) {
    case 'pass':
      lines.push(`${c.green('PASS ')} ${name}${tail}`);
      break;
    case 'skip':
      lines.push(`${c.yellow('SKIP ')} ${name}  ${c.dim(`(${r.skipReason ?? 'skipped'})`)}`);
      break;
    case 'fail':
      lines.push(`${c.red.bold('FAIL ')} ${name}${tail}`);
      for (const f of r.failures) {
        lines.push(`      ${c.bold(where(f.pos))}  ${f.message}`);
        for (const d of f.diff) lines.push(`          ${diffLine(d, c)}`);
      }
      break;
    case 'error':
      lines.push(`${c.red.bold('ERROR')} ${name}${tail}`);
      if (r.error !== undefined) {
        lines.push(`      ${c.red(r.error.input ? r.error.message : `internal error: ${r.error.message}`)}`);
        if (!r.error.input && r.error.stack !== undefined) {
          for (const l of r.error.stack.split('\n').slice(1, 8)) lines.push(`      ${c.dim(l.trim())}`);
        }
      }
      break;
  }
  return lines.join('\n') + '\n';
}

export function renderSummary(report: Report, c: ChalkInstance): string {
  const s = summarize(report.results);
  const parts = [
    s.passed ? c.green(`${s.passed} passed`) : `${s.passed} passed`,
    s.failed ? c.red.bold(`${s.failed} failed`) : undefined,
    s.errors ? c.red.bold(`${s.errors} error${s.errors === 1 ? '' : 's'}`) : undefined,
    s.skipped ? c.yellow(`${s.skipped} skipped`) : undefined,
  ].filter((p) => p !== undefined);
  return `\n${c.bold(`${s.total} case${s.total === 1 ? '' : 's'}:`)} ${parts.join(', ')}  ${c.dim(`(${ms(report.durationMs)})`)}\n`;
}

export function renderHuman(report: Report, c: ChalkInstance): string {
  return report.results.map((r) => renderCase(r, c)).join('') + renderSummary(report, c);
}
