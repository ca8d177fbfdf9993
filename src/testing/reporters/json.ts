/** Machine-readable results: one JSON document, cases in spec order. */
import { summarize, type CaseResult } from '../runner.js';
import type { Report } from './report.js';

export interface JsonCase {
  spec: string;
  name: string;
  line: number;
  status: CaseResult['status'];
  duration_ms: number;
  events?: number;
  alerts?: number;
  snapshot?: 'created' | 'updated';
  skip_reason?: string;
  failures: { kind: string; at: { file: string; line: number; column: number }; message: string; diff: { sign: string; text: string }[] }[];
  error?: { message: string; input: boolean; stack?: string };
}

export interface JsonReport {
  version: 1;
  started_at: string;
  duration_ms: number;
  summary: { total: number; passed: number; failed: number; errors: number; skipped: number };
  cases: JsonCase[];
}

export function toJsonReport(report: Report): JsonReport {
  return {
    version: 1,
    started_at: report.startedAt.toISOString(),
    duration_ms: Math.round(report.durationMs),
    summary: summarize(report.results),
    cases: report.results.map((r) => ({
      spec: r.case.specDisplay,
      name: r.case.name,
      line: r.case.pos.line,
      status: r.status,
      duration_ms: Math.round(r.durationMs),
      ...(r.events !== undefined && { events: r.events }),
      ...(r.alerts !== undefined && { alerts: r.alerts }),
      ...(r.snapshot !== undefined && { snapshot: r.snapshot }),
      ...(r.skipReason !== undefined && { skip_reason: r.skipReason }),
      failures: r.failures.map((f) => ({ kind: f.kind, at: { ...f.pos }, message: f.message, diff: f.diff.map((d) => ({ ...d })) })),
      ...(r.error !== undefined && { error: { ...r.error } }),
    })),
  };
}

export function renderJson(report: Report): string {
  return JSON.stringify(toJsonReport(report), null, 2) + '\n';
}
