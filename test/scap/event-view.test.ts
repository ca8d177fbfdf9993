import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { bufferByteSource } from '../../src/pcapng/source.js';
import { encodeSectionBody } from '../../src/pcapng/section.js';
import { BlockType, eventBlockLayout } from '../../src/scap/block-types.js';
import { EVENT_FRAMING, PPM_EVENT_MAX } from '../../src/scap/event-table.js';
import { EventView } from '../../src/scap/event.js';
import { ScapReader } from '../../src/scap/reader.js';
import { CaptureError } from '../../src/errors.js';
import { hasShared, sharedCaptures } from '../helpers/shared.js';
import { pcapngBlock } from '../helpers/pcapng-block.js';

const block = pcapngBlock;

/** An event block: cpu (and EVF flags), the V2 header, the parameter lengths and values. */
function event(code: number, ts: bigint, params: Buffer[], opts: { le?: boolean; flags?: number; cpu?: number; tid?: bigint } = {}): Buffer {
  const le = opts.le ?? true;
  const large = EVENT_FRAMING.largePayload(code);
  const lenSize = large ? 4 : 2;
  const lens = Buffer.alloc(params.length * lenSize);
  params.forEach((p, i) => {
    if (lenSize === 2) le ? lens.writeUInt16LE(p.length, i * 2) : lens.writeUInt16BE(p.length, i * 2);
    else le ? lens.writeUInt32LE(p.length, i * 4) : lens.writeUInt32BE(p.length, i * 4);
  });
  const hdr = Buffer.alloc(26);
  const len = 26 + lens.length + params.reduce((a, p) => a + p.length, 0);
  if (le) {
    hdr.writeBigUInt64LE(ts, 0);
    hdr.writeBigInt64LE(opts.tid ?? 1000n + ts, 8);
    hdr.writeUInt32LE(len, 16);
    hdr.writeUInt16LE(code, 20);
    hdr.writeUInt32LE(params.length, 22);
  } else {
    hdr.writeBigUInt64BE(ts, 0);
    hdr.writeBigInt64BE(opts.tid ?? 1000n + ts, 8);
    hdr.writeUInt32BE(len, 16);
    hdr.writeUInt16BE(code, 20);
    hdr.writeUInt32BE(params.length, 22);
  }
  const prefix = Buffer.alloc(opts.flags === undefined ? 2 : 6);
  if (le) prefix.writeUInt16LE(opts.cpu ?? 1, 0);
  else prefix.writeUInt16BE(opts.cpu ?? 1, 0);
  if (opts.flags !== undefined) le ? prefix.writeUInt32LE(opts.flags, 2) : prefix.writeUInt32BE(opts.flags, 2);
  const type = opts.flags !== undefined ? BlockType.EVF_V2 : large ? BlockType.EV_V2_LARGE : BlockType.EV_V2;
  return block(type, Buffer.concat([prefix, hdr, lens, ...params]), le);
}

function beShb(): Buffer {
  const body = Buffer.alloc(16);
  body.writeUInt32BE(0x1a2b3c4d, 0);
  body.writeUInt16BE(1, 4);
  body.writeUInt16BE(2, 6);
  body.writeBigInt64BE(-1n, 8);
  return block(BlockType.SHB, body, false);
}

/** Everything a consumer can read from the view, per event, and the fault if any. */
async function views(name: string, data: Buffer, chunk: number): Promise<{ events: unknown[]; fault?: string }> {
  const reader = new ScapReader(bufferByteSource(name, data, chunk));
  const events: unknown[] = [];
  const describe = (ev: EventView) => {
    const params: string[] = [];
    for (let i = 0; i < ev.nparams; i++) params.push(`${ev.paramLen(i)}:${ev.paramBytes(i)!.toString('hex')}`);
    const words = new Uint32Array(2);
    ev.tsInto(words, 0);
    return [ev.blockType, ev.blockFlags, ev.cpu, ev.type, ev.tid, ev.tidValue, ev.ts.toString(), ev.tsHi, ev.tsLo, [...words], ev.len, ev.nparams, ev.lenSize, ev.blockOffset, params.join(' '), ev.toV2Bytes().toString('hex')];
  };
  try {
    await reader.read({ onEvent: (ev) => events.push(describe(ev)) });
  } catch (e) {
    expect(e).toBeInstanceOf(CaptureError);
    return { events, fault: (e as Error).message };
  }
  return { events };
}

/** `data` copied into fresh memory starting `shift` bytes past a word boundary. */
function shifted(data: Buffer, shift: number): Buffer {
  const out = Buffer.from(new ArrayBuffer(data.length + 8), shift, data.length);
  data.copy(out);
  return out;
}

const LARGE = [...Array(PPM_EVENT_MAX).keys()].find((c) => EVENT_FRAMING.largePayload(c))!;
const shb = block(BlockType.SHB, encodeSectionBody(1, 2, []));

describe('EventView.load: the 16-bit fast path and the byte-wise path agree', () => {
  const evs: Buffer[] = [];
  for (let i = 0; i < 2000; i++) {
    const params = Array.from({ length: i % 9 }, (_, k) => Buffer.alloc((i * 7 + k) % 41, (i + k) & 0xff));
    evs.push(i % 50 === 7 ? event(4 + (i % 3) * 2, BigInt(i) * 4_294_967_311n, params, { flags: (i * 0x01010101) >>> 0, cpu: i % 4 }) : event(6 + (i % 5) * 2, BigInt(i) * 4_294_967_311n, params, { cpu: i % 4 }));
  }
  const capture = Buffer.concat([
    shb,
    ...evs.slice(0, 1000),
    event(LARGE, 77n, [Buffer.alloc(300, 3)]),
    // tids past 32 bits and negative ones (libscap's -1 for no thread), and the largest timestamp
    event(6, 0xffff_ffff_ffff_ffffn, [], { tid: -1n }),
    event(6, 5n, [], { tid: -70_000n }),
    event(6, 6n, [], { tid: 0x7fff_ffff_fffen }),
    event(6, 7n, [], { tid: 0x1_0000_0000n }),
    beShb(),
    event(8, 5n, [Buffer.alloc(8, 1), Buffer.alloc(3, 2)], { le: false }),
    shb,
    ...evs.slice(1000),
  ]);

  it('reads every header field and parameter the same at every alignment and chunk size', async () => {
    const want = await views('mem.scap', capture, 2 << 20);
    expect(want.fault).toBeUndefined();
    expect(want.events).toHaveLength(2006);
    const tids = (want.events as unknown[][]).map((e) => e[4]);
    expect(tids).toEqual(expect.arrayContaining([-1, -70_000, 0x7fff_ffff_fffe, 0x1_0000_0000]));
    for (const shift of [0, 1, 2, 3]) {
      for (const chunk of [2 << 20, 4096, 777]) {
        expect(await views('mem.scap', shifted(capture, shift), chunk), `shift ${shift}, chunk ${chunk}`).toEqual(want);
      }
    }
  });

  it('words each malformed event the same at every alignment', async () => {
    const good = event(6, 1n, [Buffer.alloc(8, 1), Buffer.alloc(4, 2)]);
    const cases: [string, (b: Buffer) => void, RegExp][] = [
      ['parameter past the event', (b) => b.writeUInt16LE(900, 10 + 26 + 2), /parameter 1 length 900 runs past event length/],
      ['too many parameters', (b) => b.writeUInt32LE(70_000, 10 + 22), /70000 parameters do not fit in event length/],
      ['event past the block', (b) => b.writeUInt32LE(4096, 10 + 16), /event length 4096 is larger than the \d+ bytes in the block/],
      ['event below its header', (b) => b.writeUInt32LE(3, 10 + 16), /event length 3 is smaller than the event header/],
      ['unknown type', (b) => b.writeUInt16LE(PPM_EVENT_MAX + 1, 10 + 20), new RegExp(`unknown event type ${PPM_EVENT_MAX + 1}`)],
    ];
    for (const [what, corrupt, message] of cases) {
      const bad = Buffer.from(good);
      corrupt(bad);
      const data = Buffer.concat([shb, ...evs.slice(0, 300), bad, good]);
      const want = await views('bad.scap', data, 2 << 20);
      expect(want.fault, what).toMatch(message);
      expect(want.events, what).toHaveLength(300);
      for (const shift of [0, 1, 2, 3]) {
        for (const chunk of [2 << 20, 1000]) {
          expect(await views('bad.scap', shifted(data, shift), chunk), `${what}, shift ${shift}, chunk ${chunk}`).toEqual(want);
        }
      }
    }
  });

  it.skipIf(!hasShared)('reads every shared capture the same at every alignment', async () => {
    for (const c of sharedCaptures()) {
      const d = readFileSync(c.path);
      const raw = d[0] === 0x1f && d[1] === 0x8b ? gunzipSync(d) : d;
      const want = await views(c.name, raw, 2 << 20);
      for (const shift of [1, 2, 3]) expect(await views(c.name, shifted(raw, shift), 2 << 20), `${c.name}, shift ${shift}`).toEqual(want);
    }
  }, 60_000);
});

describe("EventView.loadEvV2: the reader's inlined common case", () => {
  /** The event block at the start of a fresh, word-aligned buffer. */
  const aligned = (b: Buffer): Buffer => shifted(b, 0);
  const good = event(6, 1n, [Buffer.alloc(8, 1), Buffer.alloc(4, 2)], { cpu: 3 });

  it('takes an aligned EV_V2 block and leaves the view as load() does', () => {
    const fast = new EventView();
    const slow = new EventView();
    const buf = aligned(good);
    expect(fast.loadEvV2(buf, 0, buf.length, 4096, EVENT_FRAMING)).toBe(true);
    const layout = eventBlockLayout(BlockType.EV_V2)!;
    expect(slow.load(buf, 0, buf.length, layout, true, 4096, EVENT_FRAMING)).toBeUndefined();
    const fields = (v: EventView) => [v.blockType, v.blockFlags, v.cpu, v.type, v.tid, v.tidValue, v.ts, v.len, v.nparams, v.lenSize, v.lensStart, v.blockOffset, v.paramLen(0), v.paramLen(1), v.paramBytes(1)!.toString('hex')];
    expect(fields(fast)).toEqual(fields(slow));
    expect(fast.cpu).toBe(3);
  });

  it('declines what only load() handles or words: odd alignment, wide lengths, malformed headers and parameters', () => {
    const declined = (b: Buffer, shift = 0) => {
      const buf = shifted(b, shift);
      return new EventView().loadEvV2(buf, 0, buf.length, 0, EVENT_FRAMING);
    };
    expect(declined(good, 1)).toBe(false);
    expect(declined(event(LARGE, 1n, [Buffer.alloc(8, 1)]))).toBe(false);
    const corrupt = (write: (b: Buffer) => void) => {
      const b = Buffer.from(good);
      write(b);
      return declined(b);
    };
    expect(corrupt((b) => b.writeUInt16LE(900, 10 + 26 + 2))).toBe(false);
    expect(corrupt((b) => b.writeUInt32LE(70_000, 10 + 22))).toBe(false);
    expect(corrupt((b) => b.writeUInt32LE(4096, 10 + 16))).toBe(false);
    expect(corrupt((b) => b.writeUInt32LE(3, 10 + 16))).toBe(false);
  });
});

