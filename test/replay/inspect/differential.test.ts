/**
 * `falco-scap inspect` against `sysdig -r` (0.29.3), line by line, on every shared capture
 * and for every output mode: default, -v, -j, buffer formats, -n, a filter and -p formats.
 * The goal is identical output; any line that differs must be listed in KNOWN_DIFFERENCES
 * with the reason, and that list is asserted to be exact.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { basename } from 'node:path';
import { hasShared, hasSysdig, sharedCaptures, skipNote } from '../../helpers/shared.js';
import { compareLines, mapLimit, runInspect, runSysdig } from './helpers.js';

const captures = sharedCaptures();
if (!hasShared) skipNote('inspect differential tests', '../shared/captures');
if (!hasSysdig) skipNote('inspect differential tests', 'sysdig');

/** The option sets compared (after `-r FILE` for sysdig, after FILE for us). */
const VARIANTS: Readonly<Record<string, readonly string[]>> = {
  default: [],
  verbose: ['-v'],
  json: ['-j'],
  'json+verbose': ['-j', '-v'],
  ascii: ['-A'],
  hex: ['-x'],
  hexascii: ['-X'],
  base64: ['-b'],
  'limit 25': ['-n', '25'],
  'filter exits': ['evt.dir=<'],
  'filter + limit': ['-n', '40', 'evt.type!=switch'],
  'format widths': ['-p', '*%evt.num|%6evt.cpu|%evt.dir %20evt.type%proc.name (%thread.tid) %evt.info\\t[end]'],
  'format require-all': ['-p', '%evt.num %evt.type %proc.name'],
  'json format': ['-j', '-p', '*%evt.num %evt.cpu %evt.type %thread.tid %evt.info'],
  'format times': ['-p', '*%evt.num %evt.time %evt.deltatime %evt.reltime %evt.rawtime'],
};

/**
 * Captures sysdig 0.29 cannot open, and the capture whose events they hold: sysdig's
 * output for that one is the reference.
 * - libs/curl_google_comments.scap is libs/curl_google.scap rewritten by editcap with a
 *   section comment and a user-application option in the section header; libscap 0.29
 *   fails on the options ("Could not initialize reader: expecting 4 bytes, read 0"), so
 *   its events are compared with sysdig's printout of curl_google.scap.
 */
const REFERENCE_FOR: Readonly<Record<string, string>> = {
  'libs/curl_google_comments.scap': 'libs/curl_google.scap',
};

/**
 * Lines that differ from sysdig, by "capture | variant", each with the reason: must match
 * exactly. Empty: every compared line is identical.
 */
const KNOWN_DIFFERENCES: Readonly<Record<string, readonly string[]>> = {};

const report: string[] = [];
afterAll(() => {
  if (report.length) console.log(`[inspect vs sysdig -r] identical lines per capture and variant:\n${report.join('\n')}`);
});

describe.skipIf(!hasShared || !hasSysdig)('inspect matches sysdig -r line by line', () => {
  for (const cap of captures) {
    it(`${cap.name}`, async () => {
      const ref = REFERENCE_FOR[cap.name];
      const refPath = ref === undefined ? cap.path : captures.find((c) => c.name === ref)!.path;
      const names = Object.keys(VARIANTS);
      const results = await mapLimit(names, 2, async (v) => {
        const args = VARIANTS[v]!;
        const [ours, theirs] = await Promise.all([runInspect([cap.path, ...args]), runSysdig(refPath, args)]);
        return { v, ours, theirs };
      });
      const unexpected: string[] = [];
      const parts: string[] = [];
      for (const { v, ours, theirs } of results) {
        expect(ours.timedOut, `${v}: timed out`).toBe(false);
        expect(ours.stderr, `${v}: stderr`).toBe('');
        expect(ours.code, `${v}: exit code`).toBe(0);
        // sysdig must read the reference (empty.scap: it prints nothing and exits 0).
        expect(theirs.code, `${v}: sysdig failed on ${basename(refPath)}: ${theirs.stderr}`).toBe(0);
        const cmp = compareLines(ours.stdout, theirs.stdout);
        parts.push(`${v} ${cmp.identical}/${cmp.total}`);
        const known = KNOWN_DIFFERENCES[`${cap.name} | ${v}`] ?? [];
        expect(cmp.differences, `${cap.name} | ${v}`).toEqual(known);
        if (cmp.differences.length !== known.length) unexpected.push(v);
      }
      report.push(`  ${cap.name}${ref !== undefined ? ` (against sysdig on ${ref})` : ''}: ${parts.join(', ')}`);
      expect(unexpected).toEqual([]);
    }, 600_000);
  }
});
