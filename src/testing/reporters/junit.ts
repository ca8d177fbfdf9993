/**
 * JUnit XML in the Ant/Jenkins shape that GitLab, Jenkins and the GitHub test-report
 * actions read: <testsuites> with one <testsuite> per spec file, one <testcase> per case,
 * <failure>/<error>/<skipped> children; testcases carry file and line attributes.
 */
import { hostname } from 'node:os';
import { summarize, type CaseResult } from '../runner.js';
import type { Report } from './report.js';
import { failureMessage, failuresText } from './text.js';

const INVALID_XML = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

export function xmlText(s: string): string {
  return s.replace(INVALID_XML, '\uFFFD').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function xmlAttr(s: string): string {
  return xmlText(s).replace(/"/g, '&quot;').replace(/'/g, '&apos;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');
}

function secs(ms: number): string {
  return (ms / 1000).toFixed(3);
}

function timestamp(d: Date): string {
  return d.toISOString().slice(0, 19);
}

/** `tests/rules/shell.test.yaml` → `tests.rules.shell` (Jenkins splits classnames at dots). */
export function classnameFor(specDisplay: string): string {
  const noExt = specDisplay.replace(/\.test\.ya?ml$/, '').replace(/\.ya?ml$/, '');
  return noExt
    .replace(/^(\.\.\/)+/, '')
    .replace(/^\/+/, '')
    .split('/')
    .map((s) => s.replace(/\./g, '_'))
    .join('.');
}

function attrs(a: Record<string, string | number>): string {
  return Object.entries(a)
    .map(([k, v]) => ` ${k}="${xmlAttr(String(v))}"`)
    .join('');
}

function testcase(r: CaseResult, ind: string): string {
  const head = `${ind}<testcase${attrs({ name: r.case.name, classname: classnameFor(r.case.specDisplay), time: secs(r.durationMs), file: r.case.specDisplay, line: r.case.pos.line })}`;
  switch (r.status) {
    case 'pass':
      return `${head}/>\n`;
    case 'skip':
      return `${head}>\n${ind}  <skipped${attrs({ message: r.skipReason ?? 'skipped' })}/>\n${ind}</testcase>\n`;
    case 'fail':
      return `${head}>\n${ind}  <failure${attrs({ message: failureMessage(r.failures), type: 'ExpectationFailed' })}>${xmlText(failuresText(r.failures))}</failure>\n${ind}</testcase>\n`;
    case 'error': {
      const e = r.error ?? { message: 'error', input: true };
      const body = e.input ? e.message : (e.stack ?? e.message);
      return `${head}>\n${ind}  <error${attrs({ message: e.message, type: e.input ? 'InputError' : 'InternalError' })}>${xmlText(body)}</error>\n${ind}</testcase>\n`;
    }
  }
}

export function renderJunit(report: Report): string {
  const groups = new Map<string, CaseResult[]>();
  for (const r of report.results) {
    const g = groups.get(r.case.specDisplay);
    if (g) g.push(r);
    else groups.set(r.case.specDisplay, [r]);
  }
  const total = summarize(report.results);
  const ts = timestamp(report.startedAt);
  const host = hostname();
  let out = '<?xml version="1.0" encoding="UTF-8"?>\n';
  out += `<testsuites${attrs({ name: 'falco-scap test', tests: total.total, failures: total.failed, errors: total.errors, skipped: total.skipped, time: secs(report.durationMs), timestamp: ts })}>\n`;
  let id = 0;
  for (const [spec, rs] of groups) {
    const s = summarize(rs);
    const time = rs.reduce((a, r) => a + r.durationMs, 0);
    const cls = classnameFor(spec);
    out += `  <testsuite${attrs({ name: spec, tests: s.total, failures: s.failed, errors: s.errors, skipped: s.skipped, time: secs(time), timestamp: ts, hostname: host, id: id++, package: cls.includes('.') ? cls.slice(0, cls.lastIndexOf('.')) : cls })}>\n`;
    out += '    <properties/>\n';
    for (const r of rs) out += testcase(r, '    ');
    out += '    <system-out/>\n    <system-err/>\n  </testsuite>\n';
  }
  out += '</testsuites>\n';
  return out;
}
