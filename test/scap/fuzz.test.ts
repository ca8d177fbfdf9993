import { describe, expect, it } from 'vitest';
import { gunzipSync, gzipSync } from 'node:zlib';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { summarizeCapture } from '../../src/scap/summary.js';
import { InputError } from '../../src/errors.js';
import { hasShared, sharedCaptures, skipNote } from '../helpers/shared.js';
import { runCli } from '../helpers/cli.js';

if (!hasShared) skipNote('fuzzing of mutated real captures', '../shared/captures');

/** Small deterministic PRNG (mulberry32) so a failing case can be reproduced from its index. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function blockStarts(raw: Buffer): number[] {
  const starts: number[] = [];
  for (let p = 0; p + 8 <= raw.length; ) {
    starts.push(p);
    const len = raw.readUInt32LE(p + 4);
    if (len < 12) break;
    p += len;
  }
  return starts;
}

type Mutation = { kind: string; data: Buffer };

function mutate(raw: Buffer, starts: number[], rand: () => number): Mutation {
  const out = Buffer.from(raw);
  const pick = (n: number) => Math.floor(rand() * n);
  const k = pick(5);
  if (k === 0) return { kind: 'truncate', data: out.subarray(0, pick(out.length)) };
  if (k === 1) {
    const flips = 1 + pick(16);
    for (let i = 0; i < flips; i++) {
      const at = pick(out.length);
      out[at] = out[at]! ^ (1 << pick(8));
    }
    return { kind: `bitflip x${flips}`, data: out };
  }
  const b = starts[pick(starts.length)]!;
  if (k === 2) {
    const choices = [0, 4, 8, 11, 13, 0xfffffffc, 0x7ffffffc, 0x3ffffffc, out.readUInt32LE(b + 4) + 4 * (1 + pick(64))];
    out.writeUInt32LE(choices[pick(choices.length)]! >>> 0, b + 4);
    return { kind: 'block length', data: out };
  }
  if (k === 3) {
    // Corrupt a field inside the block body: event header lengths, nparams, parameter lengths.
    const len = out.readUInt32LE(b + 4);
    if (len > 16) {
      const at = b + 8 + pick(Math.min(len - 12, 64));
      const w = pick(3);
      if (w === 0) out[at] = pick(256);
      else if (w === 1 && at + 2 <= out.length) out.writeUInt16LE(pick(65536), at);
      else if (at + 4 <= out.length) out.writeUInt32LE(Math.floor(rand() * 0xffffffff) >>> 0, at);
    }
    return { kind: 'body field', data: out };
  }
  // Duplicate or drop a range of bytes: misaligned framing from then on.
  const at = pick(out.length);
  const n = 1 + pick(32);
  return rand() < 0.5
    ? { kind: 'drop bytes', data: Buffer.concat([out.subarray(0, at), out.subarray(Math.min(out.length, at + n))]) }
    : { kind: 'dup bytes', data: Buffer.concat([out.subarray(0, at + n), out.subarray(at)]) };
}

function rawOf(path: string): Buffer {
  const data = readFileSync(path);
  return data[0] === 0x1f && data[1] === 0x8b ? gunzipSync(data) : data;
}

describe.skipIf(!hasShared)('fuzz: mutated real captures', () => {
  const inputs = sharedCaptures().map((c) => ({ name: c.name, raw: rawOf(c.path) }));
  const CASES = 1200;

  it(`${CASES} mutations in-process: each ends with a summary or a one-line InputError, within 3 s`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'falco-scap-fuzz-'));
    const rand = rng(0x5ca9);
    const kinds = new Map<string, { ok: number; rejected: number }>();
    try {
      for (let i = 0; i < CASES; i++) {
        const input = inputs[i % inputs.length]!;
        const m = mutate(input.raw, blockStarts(input.raw), rand);
        const data = i % 7 === 0 ? gzipSync(m.data) : m.data;
        const file = join(dir, `case-${i}.scap`);
        writeFileSync(file, data);
        const t0 = performance.now();
        let outcome: 'ok' | 'rejected';
        try {
          const s = await summarizeCapture(file);
          outcome = s.error === undefined ? 'ok' : 'rejected';
          if (s.error !== undefined) {
            expect(s.error, `case ${i} (${m.kind} of ${input.name})`).toMatch(/^.+\.scap: /);
            expect(s.error).not.toContain('\n');
          }
        } catch (e) {
          // Only faults that are reported as bad input are acceptable; anything else is a bug.
          expect(e, `case ${i} (${m.kind} of ${input.name}): ${(e as Error).stack}`).toBeInstanceOf(InputError);
          outcome = 'rejected';
        }
        expect(performance.now() - t0, `case ${i} took too long`).toBeLessThan(3000);
        const k = kinds.get(m.kind.split(' ')[0]!) ?? { ok: 0, rejected: 0 };
        k[outcome]++;
        kinds.set(m.kind.split(' ')[0]!, k);
        rmSync(file);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    // Every mutation kind was exercised and most corruptions were detected.
    expect(kinds.size).toBe(6);
    const rejected = [...kinds.values()].reduce((a, k) => a + k.rejected, 0);
    expect(rejected).toBeGreaterThan(CASES / 3);
  }, 300_000);

  it('40 mutations through the CLI: exit 0 or 2, a message, no stack trace', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'falco-scap-fuzz-cli-'));
    const rand = rng(0xf00d);
    try {
      for (let i = 0; i < 40; i++) {
        const input = inputs[i % inputs.length]!;
        const m = mutate(input.raw, blockStarts(input.raw), rand);
        const file = join(dir, `cli-${i}.scap`);
        writeFileSync(file, m.data);
        const res = await runCli(['info', file], { timeoutMs: 10_000 });
        expect(res.timedOut, `case ${i} hung`).toBe(false);
        expect([0, 2], `case ${i} (${m.kind}): ${res.stderr}`).toContain(res.code);
        expect(res.stderr).not.toMatch(/\n\s+at |internal error/);
        if (res.code === 2) expect(res.stderr).toMatch(new RegExp(`cli-${i}\\.scap: .+`));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
});
