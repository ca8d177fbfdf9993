import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { convertCapture } from '../../src/scap/convert.js';
import { summarizeCapture } from '../../src/scap/summary.js';
import { digestCapture, stateDifferences } from '../helpers/captures.js';
import { hasShared, hasSysdig, hasTshark, sharedCaptures, skipNote } from '../helpers/shared.js';
import { runCli } from '../helpers/cli.js';

const captures = sharedCaptures();
if (!hasShared) skipNote('capture I/O tests on real captures', '../shared/captures');
if (!hasTshark) skipNote('tshark cross-checks', 'tshark');
if (!hasSysdig) skipNote('sysdig round-trip checks', 'sysdig');

/** Event type counts as tshark dissects them; undefined when tshark refuses the file. */
function tsharkTypeCounts(path: string): Map<number, number> | undefined {
  let out: string;
  try {
    out = execFileSync('tshark', ['-r', path, '-T', 'fields', '-e', 'sysdig.event_type'], { stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 1 << 28 }).toString();
  } catch {
    return undefined;
  }
  const counts = new Map<number, number>();
  for (const line of out.split('\n')) {
    if (line === '') continue;
    counts.set(Number(line), (counts.get(Number(line)) ?? 0) + 1);
  }
  return counts.size ? counts : undefined;
}

/** sysdig's full printout of a capture, or undefined when sysdig cannot read it. */
function sysdigLines(path: string): string | undefined {
  try {
    return execFileSync('sysdig', ['-r', path], { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 28 }).toString();
  } catch {
    return undefined;
  }
}

describe.skipIf(!hasShared)('info on every shared capture', () => {
  for (const c of captures) {
    it(`${c.name}: decodes fully; per-type counts equal tshark's where tshark reads it`, async () => {
      const res = await runCli(['info', '--json', c.path]);
      expect(res.stderr).toBe('');
      expect(res.code).toBe(0);
      const summary = JSON.parse(res.stdout) as Awaited<ReturnType<typeof summarizeCapture>>;
      expect(summary.error).toBeUndefined();
      const eventBlocks = summary.blocks.filter((b) => /^EVF?(_V2)?(_LARGE)?$/.test(b.type)).reduce((a, b) => a + b.count, 0);
      expect(summary.events.total).toBe(eventBlocks);
      expect(summary.events.total).toBeGreaterThan(0);
      const ours = new Map(summary.events.byType.map((t) => [t.code, t.count]));
      const theirs = hasTshark ? tsharkTypeCounts(c.path) : undefined;
      if (theirs) expect(ours).toEqual(theirs);
      else if (hasTshark) console.warn(`[note] tshark refuses ${c.name}; checked that it decodes fully (${summary.events.total} events)`);
    });
  }
});

describe.skipIf(!hasShared)('convert round trip on every shared capture', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'falco-scap-rt-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  for (const c of captures) {
    it(`${c.name}: raw, gzip and zstd copies keep every event and all state`, async () => {
      const original = await digestCapture(c.path);
      const originalSysdig = hasSysdig ? sysdigLines(c.path) : undefined;
      const originalTshark = hasTshark ? tsharkTypeCounts(c.path) : undefined;
      for (const compression of ['none', 'gzip', 'zstd'] as const) {
        const out = join(dir, `${c.name.replace('/', '_')}.${compression}.scap`);
        const result = await convertCapture(c.path, out, { compression });
        expect(result.eventsWritten).toBe(original.events);
        const copy = await digestCapture(out);
        expect(copy.events).toBe(original.events);
        expect(copy.eventHash).toBe(original.eventHash);
        expect(stateDifferences(original.state, copy.state).slice(0, 10)).toEqual([]);
        if (originalTshark && compression !== 'zstd') {
          // tshark reads gzip but not zstd pcap-ng.
          expect(tsharkTypeCounts(out)).toEqual(originalTshark);
        }
        if (hasTshark && !originalTshark && compression === 'none') {
          // Files tshark refuses (old section versions) become readable once rewritten as SHB 1.2.
          expect(tsharkTypeCounts(out)?.size ?? 0).toBeGreaterThan(0);
        }
        if (originalSysdig !== undefined && compression !== 'zstd') {
          expect(sysdigLines(out)).toBe(originalSysdig);
        }
      }
    });
  }
});

describe.skipIf(!hasShared)('convert filters', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'falco-scap-cv-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const path = captures.find((c) => c.name === 'libs/sample.scap')?.path ?? '';

  it('keeps only the chosen event types, and all state blocks', async () => {
    const out = join(dir, 'types.scap');
    const res = await runCli(['convert', path, out, '--event-types', 'switch,procexit']);
    expect(res.code).toBe(0);
    const s = await summarizeCapture(out);
    const names = new Set(s.events.byType.map((t) => t.name));
    expect([...names].sort()).toEqual(['procexit', 'switch'].filter((n) => names.has(n)).sort());
    expect(s.events.total).toBeGreaterThan(0);
    const orig = await summarizeCapture(path);
    expect(s.state).toEqual(orig.state);
  });

  it('cuts a time window relative to the first event', async () => {
    const orig = await summarizeCapture(path);
    const out = join(dir, 'window.scap');
    const res = await runCli(['convert', path, out, '--start', '100ms', '--end', '200ms']);
    expect(res.code).toBe(0);
    const s = await summarizeCapture(out);
    const first = BigInt(orig.events.firstTs!);
    expect(BigInt(s.events.firstTs!)).toBeGreaterThanOrEqual(first + 100_000_000n);
    expect(BigInt(s.events.lastTs!)).toBeLessThan(first + 200_000_000n);
    expect(s.events.total).toBeLessThan(orig.events.total);
  });

  it('refuses to overwrite without --force and leaves the file untouched', async () => {
    const out = join(dir, 'exists.scap');
    execFileSync('sh', ['-c', `printf 'precious' > ${out}`]);
    const res = await runCli(['convert', path, out]);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/already exists \(use --force/);
    expect(readFileSync(out, 'utf8')).toBe('precious');
    const forced = await runCli(['convert', path, out, '--force']);
    expect(forced.code).toBe(0);
    expect(readFileSync(out).length).toBeGreaterThan(1000);
  });

  it('rejects bad flags with exit 2 and one line', async () => {
    for (const args of [
      ['--compress', 'lz4'],
      ['--start', 'yesterday'],
      ['--event-types', 'nosuchcall'],
    ]) {
      const res = await runCli(['convert', path, join(dir, 'x.scap'), ...args]);
      expect(res.code).toBe(2);
      expect(res.stderr.trim().split('\n')).toHaveLength(1);
      expect(res.stderr).not.toMatch(/\n\s+at /);
    }
  });
});
