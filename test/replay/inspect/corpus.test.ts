/**
 * The condition corpus (conditions.ts): for every condition and every shared capture, the
 * event numbers `falco-scap inspect F COND -p %evt.num` prints must be those of
 * `sysdig -r F COND -p %evt.num`. Conditions that do not yet match are listed in
 * KNOWN_FAILURES with the reason; the list is asserted to be exact, so a fix shows up as
 * a failure here until the entry is removed.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { inspectCapture } from '../../../src/replay/inspect/index.js';
import { hasShared, hasSysdig, sharedCaptures, skipNote } from '../../helpers/shared.js';
import { CONDITIONS } from './conditions.js';
import { mapLimit, runSysdig } from './helpers.js';
import { KNOWN_FAILURES } from './known-failures.js';

if (!hasShared) skipNote('inspect condition corpus', '../shared/captures');
if (!hasSysdig) skipNote('inspect condition corpus', 'sysdig');

/** See differential.test.ts: sysdig 0.29 cannot open this one; its twin is the reference. */
const REFERENCE_FOR: Readonly<Record<string, string>> = {
  'libs/curl_google_comments.scap': 'libs/curl_google.scap',
};

async function ourNumbers(path: string, filter: string): Promise<string> {
  let out = '';
  await inspectCapture(path, { filter, format: '%evt.num' }, (t) => {
    out += t;
  });
  return out;
}

function diffSummary(ours: string, theirs: string): string {
  const a = new Set(ours.split('\n').filter(Boolean));
  const b = new Set(theirs.split('\n').filter(Boolean));
  const missing = [...b].filter((x) => !a.has(x));
  const extra = [...a].filter((x) => !b.has(x));
  return `missing ${missing.length} [${missing.slice(0, 4).join(',')}] extra ${extra.length} [${extra.slice(0, 4).join(',')}]`;
}

const summary: string[] = [];
afterAll(() => {
  if (summary.length) console.log(summary.join('\n'));
});

describe.skipIf(!hasShared || !hasSysdig)('condition corpus against sysdig 0.29', () => {
  it('has at least 200 distinct conditions', () => {
    expect(new Set(CONDITIONS).size).toBe(CONDITIONS.length);
    expect(CONDITIONS.length).toBeGreaterThanOrEqual(200);
  });

  it('lists only corpus conditions as known failures', () => {
    const corpus = new Set(CONDITIONS);
    expect(Object.keys(KNOWN_FAILURES).filter((c) => !corpus.has(c))).toEqual([]);
  });

  it('every condition selects the same events as sysdig on every capture', async () => {
    const caps = sharedCaptures();
    const refOf = (name: string): string => {
      const r = REFERENCE_FOR[name];
      return r === undefined ? caps.find((c) => c.name === name)!.path : caps.find((c) => c.name === r)!.path;
    };
    const jobs = CONDITIONS.flatMap((cond) => caps.map((cap) => ({ cond, cap })));
    // The oracle first (cached on disk), several at a time: sysdig spends most of its
    // time starting up.
    const theirs = await mapLimit(jobs, 8, (j) => runSysdig(refOf(j.cap.name), [j.cond, '-p', '%evt.num']));
    const failures = new Map<string, string[]>();
    const rejected: string[] = [];
    for (let k = 0; k < jobs.length; k++) {
      const { cond, cap } = jobs[k]!;
      const t = theirs[k]!;
      if (t.code !== 0) {
        rejected.push(`${cond} on ${cap.name}: ${t.stderr.trim().split('\n')[0]}`);
        continue;
      }
      let ours: string;
      try {
        ours = await ourNumbers(cap.path, cond);
      } catch (e) {
        const list = failures.get(cond) ?? [];
        list.push(`${cap.name}: error ${(e as Error).message}`);
        failures.set(cond, list);
        continue;
      }
      if (ours !== t.stdout) {
        const list = failures.get(cond) ?? [];
        list.push(`${cap.name}: ${diffSummary(ours, t.stdout)}`);
        failures.set(cond, list);
      }
    }
    // Every corpus condition is one sysdig 0.29 accepts.
    expect(rejected).toEqual([]);
    const passed = CONDITIONS.length - failures.size;
    summary.push(`[condition corpus] ${passed}/${CONDITIONS.length} conditions match sysdig on all ${caps.length} captures`);
    for (const [c, why] of failures) summary.push(`  ${KNOWN_FAILURES[c] === undefined ? 'DIFFERS (not in known-failures.ts)' : 'known difference'} ${c}: ${why.slice(0, 3).join('; ')}`);
    const unexpectedFailures = [...failures.keys()].filter((c) => KNOWN_FAILURES[c] === undefined);
    const unexpectedPasses = Object.keys(KNOWN_FAILURES).filter((c) => !failures.has(c));
    expect({ unexpectedFailures, unexpectedPasses }).toEqual({ unexpectedFailures: [], unexpectedPasses: [] });
  }, 3_600_000);
});
