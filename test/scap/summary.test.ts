import { afterAll, describe, expect, it } from 'vitest';
import { gunzipSync, gzipSync } from 'node:zlib';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { summarizeCapture, summarizeSource, type CaptureSummary } from '../../src/scap/summary.js';
import { bufferByteSource } from '../../src/pcapng/source.js';
import { ScapReader } from '../../src/scap/reader.js';
import { blockTypeName, BlockType } from '../../src/scap/block-types.js';
import { EVENT_FRAMING, PPM_EVENT_MAX } from '../../src/scap/event-table.js';
import { encodeSectionBody } from '../../src/pcapng/section.js';
import { isInputError } from '../../src/errors.js';
import { hasShared, sharedCaptures, skipNote } from '../helpers/shared.js';
import { runCli } from '../helpers/cli.js';
import { plainInfoArgs } from '../../src/cli/info.js';
import { pcapngBlock } from '../helpers/pcapng-block.js';

if (!hasShared) skipNote('fast-path summary against the generic reader on shared captures', '../shared/captures');

/**
 * What `info` counts, computed the slow, generic way: every block through ScapReader.read
 * and every event through EventView. The counting fast path of summarizeCapture must agree
 * with it on every input, well-formed or not, fault message included.
 */
async function reference(path: string): Promise<Pick<CaptureSummary, 'blocks' | 'error'> & { events: Omit<CaptureSummary['events'], 'byType'> & { byType: [number, number][] }; streamBytes: number }> {
  const reader = await ScapReader.open(path);
  const blocks = new Map<number, number>();
  const byType = new Map<number, number>();
  let total = 0;
  let first: bigint | undefined;
  let last: bigint | undefined;
  let error: string | undefined;
  const bump = (m: Map<number, number>, k: number) => m.set(k, (m.get(k) ?? 0) + 1);
  try {
    await reader.read({
      onSection: () => bump(blocks, BlockType.SHB),
      onBlock: (b) => bump(blocks, b.type),
      onEvent: (ev) => {
        if (total === 0) first = ev.ts;
        last = ev.ts;
        total++;
        bump(byType, ev.type);
        bump(blocks, ev.blockType);
      },
    });
  } catch (e) {
    if (!isInputError(e)) throw e;
    error = e.message;
  } finally {
    await reader.close();
  }
  return {
    streamBytes: reader.offset,
    blocks: [...blocks.entries()].sort((a, b) => a[0] - b[0]).map(([code, count]) => ({ type: blockTypeName(code), code, count })),
    events: {
      total,
      ...(first !== undefined && last !== undefined ? { firstTs: first.toString(), lastTs: last.toString(), durationNs: (last - first).toString() } : {}),
      byType: [...byType.entries()].sort((a, b) => a[0] - b[0]),
    },
    ...(error !== undefined ? { error } : {}),
  };
}

/** The fields of a summary that reference() also computes. */
function comparable(s: CaptureSummary): Awaited<ReturnType<typeof reference>> {
  return {
    streamBytes: s.format.streamBytes,
    blocks: s.blocks,
    events: { ...s.events, byType: s.events.byType.map((t) => [t.code, t.count] as [number, number]) },
    ...(s.error !== undefined ? { error: s.error } : {}),
  };
}

const block = pcapngBlock;

/** An EV_V2 (or EV_V2_LARGE) block holding one event with the given parameters. */
function event(code: number, ts: bigint, params: Buffer[], opts: { le?: boolean; blockType?: number; lenSize?: 2 | 4 } = {}): Buffer {
  const le = opts.le ?? true;
  const lenSize = opts.lenSize ?? (EVENT_FRAMING.largePayload(code) ? 4 : 2);
  const lens = Buffer.alloc(params.length * lenSize);
  params.forEach((p, i) => (lenSize === 2 ? (le ? lens.writeUInt16LE(p.length, i * 2) : lens.writeUInt16BE(p.length, i * 2)) : le ? lens.writeUInt32LE(p.length, i * 4) : lens.writeUInt32BE(p.length, i * 4)));
  const hdr = Buffer.alloc(26);
  const len = 26 + lens.length + params.reduce((a, p) => a + p.length, 0);
  if (le) {
    hdr.writeBigUInt64LE(ts, 0);
    hdr.writeBigInt64LE(42n, 8);
    hdr.writeUInt32LE(len, 16);
    hdr.writeUInt16LE(code, 20);
    hdr.writeUInt32LE(params.length, 22);
  } else {
    hdr.writeBigUInt64BE(ts, 0);
    hdr.writeBigInt64BE(42n, 8);
    hdr.writeUInt32BE(len, 16);
    hdr.writeUInt16BE(code, 20);
    hdr.writeUInt32BE(params.length, 22);
  }
  const cpu = Buffer.alloc(2);
  return block(opts.blockType ?? BlockType.EV_V2, Buffer.concat([cpu, hdr, lens, ...params]), le);
}

function beShb(): Buffer {
  const body = Buffer.alloc(16);
  body.writeUInt32BE(0x1a2b3c4d, 0);
  body.writeUInt16BE(1, 4);
  body.writeUInt16BE(2, 6);
  body.writeBigInt64BE(-1n, 8);
  return block(BlockType.SHB, body, false);
}

const LARGE = [...Array(PPM_EVENT_MAX).keys()].find((c) => EVENT_FRAMING.largePayload(c))!;

describe('summarizeCapture counting fast path', () => {
  const dir = mkdtempSync(join(tmpdir(), 'falco-scap-summary-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, data: Buffer) => {
    const f = join(dir, name);
    writeFileSync(f, data);
    return f;
  };
  const shb = block(BlockType.SHB, encodeSectionBody(1, 2, []));
  const p8 = Buffer.alloc(8, 7);

  it('counts every event layout the same as the generic reader: fast EV_V2, large payload, EVF, big-endian sections', async () => {
    const evf = (() => {
      // EVF_V2: cpu (2) + flags (4) before the event header.
      const ev = event(3, 5n, [p8]);
      const body = Buffer.concat([ev.subarray(8, 10), Buffer.from([1, 0, 0, 0]), ev.subarray(10, ev.length - 4)]);
      return block(BlockType.EVF_V2, body);
    })();
    const data = Buffer.concat([
      shb,
      event(2, 1000n, [p8, Buffer.from('abc\0')]),
      event(3, 1001n, [p8]),
      event(LARGE, 1002n, [Buffer.alloc(70_000, 1)], { blockType: BlockType.EV_V2_LARGE }),
      event(LARGE, 1003n, [Buffer.alloc(10, 1)]),
      evf,
      event(2, 1004n, []),
      beShb(),
      event(2, 2000n, [p8], { le: false }),
      event(5, 2001n, [p8, p8], { le: false }),
    ]);
    const f = write('layouts.scap', data);
    const s = await summarizeCapture(f);
    expect(s.error).toBeUndefined();
    expect(comparable(s)).toEqual(await reference(f));
    expect(s.events.total).toBe(8);
    expect(s.events.firstTs).toBe('1000');
    expect(s.events.lastTs).toBe('2001');
    expect(s.events.byType.map((t) => [t.code, t.count])).toEqual([
      [2, 3],
      [3, 2],
      [5, 1],
      [LARGE, 2],
    ]);
    expect(s.format.sections.map((x) => x.byteOrder)).toEqual(['little-endian', 'big-endian']);
  });

  it('words each event fault exactly like the generic reader and keeps the counts before it', async () => {
    const good = event(2, 1000n, [p8, Buffer.from('abc\0')]);
    const cases: [string, (b: Buffer) => void, RegExp][] = [
      ['parameter length past the event', (b) => b.writeUInt16LE(60_000, 10 + 26 + 2), /parameter 1 length 60000 runs past event length/],
      ['nparams too large', (b) => b.writeUInt32LE(1_000_000, 10 + 22), /1000000 parameters do not fit in event length/],
      ['event length past the block', (b) => b.writeUInt32LE(4096, 10 + 16), /event length 4096 is larger than the \d+ bytes in the block/],
      ['event length below the header', (b) => b.writeUInt32LE(3, 10 + 16), /event length 3 is smaller than the event header/],
      ['unknown event type', (b) => b.writeUInt16LE(PPM_EVENT_MAX + 3, 10 + 20), new RegExp(`unknown event type ${PPM_EVENT_MAX + 3}`)],
    ];
    for (const [what, corrupt, message] of cases) {
      const bad = Buffer.from(good);
      corrupt(bad);
      for (const gz of [false, true]) {
        const raw = Buffer.concat([shb, good, event(3, 1001n, [p8]), bad, good]);
        const f = write(`bad-${cases.findIndex((c) => c[0] === what)}${gz ? '.gz' : ''}.scap`, gz ? gzipSync(raw) : raw);
        const s = await summarizeCapture(f);
        expect(s.error, what).toMatch(message);
        expect(s.error, what).toContain(`${f}: block at offset ${shb.length + good.length + event(3, 1001n, [p8]).length}: `);
        expect(s.events.total, what).toBe(2);
        expect(s.events.lastTs, what).toBe('1001');
        expect(comparable(s), what).toEqual(await reference(f));
      }
    }
  });

  it('reads the last timestamp right when events straddle chunk boundaries', async () => {
    // 3 MiB of events: more than one 2 MiB read, so the last event of the first chunk
    // straddles into the second.
    const evs: Buffer[] = [];
    for (let i = 0; i < 30_000; i++) evs.push(event(6 + (i % 3) * 2, 10_000n + BigInt(i), [p8, Buffer.alloc(60 + (i % 17), 3)]));
    const raw = Buffer.concat([shb, ...evs]);
    for (const [name, data] of [
      ['straddle.scap', raw],
      ['straddle.scap.gz', gzipSync(raw)],
    ] as const) {
      const f = write(name, data);
      const s = await summarizeCapture(f);
      expect(s.error).toBeUndefined();
      expect(s.events.total).toBe(30_000);
      expect(s.events.firstTs).toBe('10000');
      expect(s.events.lastTs).toBe(String(10_000 + 29_999));
      expect(comparable(s)).toEqual(await reference(f));
    }
  });

  it('info text output: plain when piped or NO_COLOR, colored with FORCE_COLOR; a fault still prints the counts before it', async () => {
    const good = event(2, 1000n, [p8]);
    const bad = Buffer.from(good);
    bad.writeUInt16LE(9999, 10 + 20);
    const f = write('cli.scap', Buffer.concat([shb, good, good, bad]));
    const piped = await runCli(['info', f], { env: { NO_COLOR: undefined, FORCE_COLOR: undefined } });
    const forced = await runCli(['info', f], { env: { NO_COLOR: '', FORCE_COLOR: '1' } });
    const noColor = await runCli(['info', f], { env: { NO_COLOR: '1', FORCE_COLOR: '1' } });
    for (const r of [piped, forced, noColor]) {
      expect(r.code).toBe(2);
      expect(r.stdout).toMatch(/total: +2\n/);
      expect(r.stderr.trim()).toBe(`falco-scap: ${f}: block at offset ${shb.length + 2 * good.length}: unknown event type 9999 (the event table ends at ${PPM_EVENT_MAX - 1})`);
    }
    const ansi = /\x1b\[/;
    expect(piped.stdout).not.toMatch(ansi);
    expect(noColor.stdout).not.toMatch(ansi);
    expect(forced.stdout).toMatch(ansi);
    expect(forced.stdout.replace(/\x1b\[[0-9;]*m/g, '')).toBe(piped.stdout);
  });

  it.skipIf(!hasShared)('agrees with the generic reader on every shared capture and on 400 event-body mutations of them', async () => {
    const inputs = sharedCaptures().map((c) => {
      const d = readFileSync(c.path);
      return { name: c.name, path: c.path, raw: d[0] === 0x1f && d[1] === 0x8b ? gunzipSync(d) : d };
    });
    for (const c of inputs) expect(comparable(await summarizeCapture(c.path)), c.name).toEqual(await reference(c.path));
    // Mutations aimed at what the fast path checks itself: event length, type, nparams and
    // the parameter length array of event blocks.
    let seed = 0x2545f491;
    const rand = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296);
    let faults = 0;
    for (let i = 0; i < 400; i++) {
      const input = inputs[i % inputs.length]!;
      const out = Buffer.from(input.raw);
      const evStarts: number[] = [];
      for (let p = 0; p + 8 <= out.length; ) {
        const len = out.readUInt32LE(p + 4);
        if (len < 12) break;
        if (out.readUInt32LE(p) === BlockType.EV_V2) evStarts.push(p);
        p += len;
      }
      if (evStarts.length === 0) continue;
      const b = evStarts[Math.floor(rand() * evStarts.length)]!;
      const at = b + 10 + 16 + Math.floor(rand() * 24); // len, type, nparams, first lengths
      if (rand() < 0.5) out[at] = Math.floor(rand() * 256);
      else out.writeUInt16LE(Math.floor(rand() * 65536), Math.min(at, out.length - 2));
      const f = write(`mut-${i}.scap${i % 5 === 0 ? '.gz' : ''}`, i % 5 === 0 ? gzipSync(out) : out);
      const s = await summarizeCapture(f);
      if (s.error !== undefined) faults++;
      expect(comparable(s), `mutation ${i} of ${input.name}`).toEqual(await reference(f));
      rmSync(f);
    }
    // The mutations do reach the checks: a good share of them are faults.
    expect(faults).toBeGreaterThan(40);
  }, 120_000);

  it('gives the same summary from memory at every byte alignment and chunk size (16-bit and byte-wise paths)', async () => {
    // Events of every parameter count the fast path sees, a large-payload event, a
    // big-endian section and back, a state block, then a fault near the end.
    const evs: Buffer[] = [];
    for (let i = 0; i < 6000; i++) evs.push(event(6 + (i % 4) * 2, 5_000n + BigInt(i), Array.from({ length: i % 7 }, (_, k) => Buffer.alloc((i + k) % 23, k))));
    const good = Buffer.concat([
      shb,
      block(BlockType.UL_V2, Buffer.alloc(0)),
      ...evs.slice(0, 3000),
      event(LARGE, 9_000n, [Buffer.alloc(100, 1)]),
      beShb(),
      event(2, 9_001n, [p8], { le: false }),
      shb,
      ...evs.slice(3000),
    ]);
    const bad = Buffer.concat([good, (() => {
      const b = event(2, 9_999n, [p8, p8]);
      b.writeUInt16LE(500, 10 + 26 + 2); // the second parameter runs past the event
      return b;
    })()]);
    for (const [name, data] of [
      ['aligned.scap', good],
      ['fault.scap', bad],
    ] as const) {
      const f = write(name, data);
      const want = await summarizeCapture(f);
      expect(want.error === undefined, name).toBe(name === 'aligned.scap');
      expect(comparable(want), name).toEqual(await reference(f));
      for (const shift of [0, 1, 2, 3]) {
        const mem = Buffer.from(new ArrayBuffer(data.length + 8), shift, data.length);
        data.copy(mem);
        for (const chunk of [2 << 20, 65_536, 1000, 333]) {
          const got = await summarizeSource(bufferByteSource(f, mem, chunk));
          expect({ ...got, format: { ...got.format, fileBytes: want.format.fileBytes } }, `${name}, shift ${shift}, chunk ${chunk}`).toEqual(want);
        }
      }
    }
  }, 60_000);

  it('plain `info [--json] CAPTURE...` runs without commander and prints exactly what the commander path prints', async () => {
    expect(plainInfoArgs(['info', 'a.scap'])).toEqual({ captures: ['a.scap'], json: false });
    expect(plainInfoArgs(['info', '--json', 'a.scap', 'b.scap.gz'])).toEqual({ captures: ['a.scap', 'b.scap.gz'], json: true });
    expect(plainInfoArgs(['info', 'a.scap', '--json'])).toEqual({ captures: ['a.scap'], json: true });
    for (const args of [['info'], ['info', '--json'], ['info', '--help'], ['info', '-h', 'a'], ['info', '--', 'a'], ['info', '-'], ['info', 'a', '--jsn'], ['info', ''], ['convert', 'a', 'b'], []]) {
      expect(plainInfoArgs(args), args.join(' ')).toBeUndefined();
    }
    // `--` sends the same command line through commander.
    const good = event(2, 1000n, [p8]);
    const bad = Buffer.from(good);
    bad.writeUInt16LE(9999, 10 + 20);
    const ok = write('plain-ok.scap', Buffer.concat([shb, good, good]));
    const faulty = write('plain-bad.scap', Buffer.concat([shb, good, bad]));
    const missing = join(dir, 'no-such.scap');
    for (const files of [[ok], [ok, faulty], [missing], [faulty, ok]]) {
      for (const json of [[], ['--json']]) {
        const plain = await runCli(['info', ...json, ...files]);
        const viaCommander = await runCli(['info', ...json, '--', ...files]);
        expect(plain, `${json.join('')} ${files.join(' ')}`).toEqual(viaCommander);
        expect(plain.code).toBe(files.length === 1 && files[0] === ok ? 0 : 2);
      }
    }
  }, 60_000);
});
