/**
 * TAP version 13: a plan, one test point per case, and for failures and errors a YAML
 * diagnostic block (`---` … `...`) with the place, messages and diff.
 */
import yaml from 'js-yaml';
import type { CaseResult } from '../runner.js';
import { where, type Report } from './report.js';

function escapeDescription(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/#/g, '\\#').replace(/[\r\n]+/g, ' ');
}

function diagnostics(r: CaseResult): Record<string, unknown> | undefined {
  if (r.status === 'fail') {
    return {
      message: r.failures[0]?.message ?? 'failed',
      severity: 'fail',
      at: where(r.case.pos),
      duration_ms: Math.round(r.durationMs),
      failures: r.failures.map((f) => ({
        at: where(f.pos),
        message: f.message,
        ...(f.diff.length && { diff: f.diff.map((d) => `${d.sign} ${d.text}`).join('\n') + '\n' }),
      })),
    };
  }
  if (r.status === 'error' && r.error !== undefined) {
    return {
      message: r.error.message,
      severity: r.error.input ? 'error' : 'internal',
      at: where(r.case.pos),
      ...(r.error.stack !== undefined && !r.error.input && { stack: r.error.stack + '\n' }),
    };
  }
  return undefined;
}

export function renderTap(report: Report): string {
  const lines: string[] = ['TAP version 13', `1..${report.results.length}`];
  report.results.forEach((r, i) => {
    const desc = escapeDescription(`${r.case.specDisplay} › ${r.case.name}`);
    const n = i + 1;
    if (r.status === 'pass') lines.push(`ok ${n} - ${desc}`);
    else if (r.status === 'skip') lines.push(`ok ${n} - ${desc} # SKIP ${escapeDescription(r.skipReason ?? '')}`.trimEnd());
    else lines.push(`not ok ${n} - ${desc}`);
    const d = diagnostics(r);
    if (d !== undefined) {
      lines.push('  ---');
      const body = yaml.dump(d, { lineWidth: -1, noRefs: true }).trimEnd();
      for (const l of body.split('\n')) lines.push(`  ${l}`);
      lines.push('  ...');
    }
  });
  return lines.join('\n') + '\n';
}
