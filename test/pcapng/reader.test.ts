import { describe, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';
import { compress as zstdCompress } from 'zstd-napi';
import { BlockReader } from '../../src/pcapng/reader.js';
import { bufferByteSource, detectCompression } from '../../src/pcapng/source.js';
import { encodeSectionBody } from '../../src/pcapng/section.js';
import { CaptureError } from '../../src/errors.js';
import { pcapngBlock } from '../helpers/pcapng-block.js';

const block = pcapngBlock;

function shb(le = true, minor = 2, options: { code: number; value: Buffer }[] = []): Buffer {
  if (le) return block(0x0a0d0d0a, encodeSectionBody(1, minor, options));
  const body = Buffer.alloc(16);
  body.writeUInt32BE(0x1a2b3c4d, 0);
  body.writeUInt16BE(1, 4);
  body.writeUInt16BE(minor, 6);
  body.writeBigInt64BE(-1n, 8);
  return block(0x0a0d0d0a, body, false);
}

async function collect(data: Buffer, chunk = 1 << 20): Promise<{ types: number[]; offsets: number[]; reader: BlockReader }> {
  const reader = new BlockReader(bufferByteSource('mem.scap', data, chunk));
  const types: number[] = [];
  const offsets: number[] = [];
  await reader.read((type, _buf, _start, _len, offset) => {
    types.push(type);
    offsets.push(offset);
  });
  return { types, offsets, reader };
}

async function failure(data: Buffer, chunk?: number): Promise<string> {
  try {
    await collect(data, chunk);
  } catch (e) {
    expect(e).toBeInstanceOf(CaptureError);
    return (e as Error).message;
  }
  throw new Error('expected a CaptureError');
}

describe('BlockReader', () => {
  const file = Buffer.concat([shb(), block(0x201, Buffer.alloc(20, 1)), block(0x216, Buffer.alloc(33, 2)), block(0x216, Buffer.alloc(0))]);

  it('frames every block with its stream offset', async () => {
    const { types, offsets, reader } = await collect(file);
    expect(types).toEqual([0x0a0d0d0a, 0x201, 0x216, 0x216]);
    expect(offsets[0]).toBe(0);
    expect(offsets[1]).toBe(28);
    expect(offsets[2]).toBe(28 + 32);
    expect(reader.progress.offset).toBe(file.length);
  });

  it('gives the same blocks whatever the chunk size (blocks straddling chunks)', async () => {
    const whole = await collect(file);
    for (const chunk of [1, 3, 7, 8, 13, 64]) {
      const part = await collect(file, chunk);
      expect(part.types).toEqual(whole.types);
      expect(part.offsets).toEqual(whole.offsets);
    }
  });

  it('reads big-endian sections', async () => {
    const be = Buffer.concat([shb(false, 1), block(0x216, Buffer.alloc(8, 9), false)]);
    const { types, reader } = await collect(be);
    expect(types).toEqual([0x0a0d0d0a, 0x216]);
    expect(reader.currentSection?.littleEndian).toBe(false);
    expect(reader.currentSection?.minor).toBe(1);
  });

  it('keeps SHB comment options', async () => {
    const opts = [{ code: 1, value: Buffer.from('hello capture') }];
    const { reader } = await collect(Buffer.concat([shb(true, 2, opts)]));
    expect(reader.currentSection?.options.map((o) => o.value.toString())).toEqual(['hello capture']);
  });

  it('passes blocks of unknown type through for the caller to skip', async () => {
    const { types } = await collect(Buffer.concat([shb(), block(0x12345678, Buffer.alloc(4)), block(0x216, Buffer.alloc(4))]));
    expect(types).toEqual([0x0a0d0d0a, 0x12345678, 0x216]);
  });

  it('reads gzip and zstd by magic bytes', async () => {
    expect(detectCompression(gzipSync(file))).toBe('gzip');
    expect(detectCompression(zstdCompress(file))).toBe('zstd');
    expect((await collect(gzipSync(file), 5)).types).toHaveLength(4);
    expect((await collect(zstdCompress(file), 5)).types).toHaveLength(4);
  });

  it('names the fault and its offset', async () => {
    expect(await failure(Buffer.from('hello world, not a capture'))).toMatch(/mem\.scap: block at offset 0: not a SCAP capture/);
    expect(await failure(Buffer.alloc(0))).toMatch(/empty file/);
    expect(await failure(file.subarray(0, file.length - 2))).toMatch(/offset 108: truncated: block claims 12 bytes but only 10 remain/);
    expect(await failure(file.subarray(0, 32))).toMatch(/offset 28: truncated/);
    const short = Buffer.from(file);
    short.writeUInt32LE(8, 28 + 4);
    expect(await failure(short)).toMatch(/offset 28: length 8 is shorter than a block header/);
    const huge = Buffer.from(file);
    huge.writeUInt32LE(0xfffffffc, 28 + 4);
    expect(await failure(huge)).toMatch(/offset 28: .*(truncated|exceeds)/);
    const trailer = Buffer.from(file);
    trailer.writeUInt32LE(999, 28 + 28);
    expect(await failure(trailer)).toMatch(/offset 28: trailing length 999 does not match block length 32/);
    const magic = Buffer.from(file);
    magic.writeUInt32LE(0xdeadbeef, 8);
    expect(await failure(magic)).toMatch(/offset 0: .*byte-order magic/);
    const version = Buffer.from(file);
    version.writeUInt16LE(2, 12);
    expect(await failure(version)).toMatch(/unsupported section version 2\.2/);
  });

  it('keeps progress at the last whole block when a block or the visitor faults', async () => {
    for (const chunk of [1 << 20, 7]) {
      const trailer = Buffer.from(file);
      trailer.writeUInt32LE(999, 60 + 44);
      const r1 = new BlockReader(bufferByteSource('mem.scap', trailer, chunk));
      await expect(r1.read(() => undefined)).rejects.toThrow(/offset 60: trailing length 999/);
      expect(r1.progress).toEqual({ offset: 60, blocks: 2, sections: 1 });
      const r2 = new BlockReader(bufferByteSource('mem.scap', file, chunk));
      const visitorFault = new CaptureError('mem.scap', 60, 'bad event');
      await expect(
        r2.read((type, _b, _s, _l, offset) => {
          if (offset === 60) throw visitorFault;
        }),
      ).rejects.toBe(visitorFault);
      expect(r2.progress.offset, `chunk ${chunk}`).toBe(60);
    }
  });

  it('does not allocate for a length that claims gigabytes in a compressed stream', async () => {
    const huge = Buffer.from(file);
    huge.writeUInt32LE(0x3ffffffc, 28 + 4);
    const before = process.memoryUsage().rss;
    expect(await failure(gzipSync(huge))).toMatch(/offset 28: truncated: block claims 1073741820 bytes but only \d+ remain/);
    expect(process.memoryUsage().rss - before).toBeLessThan(64 * 1024 * 1024);
  });

  /** `data` copied into fresh memory starting `shift` bytes past a word boundary. */
  function shifted(data: Buffer, shift: number): Buffer {
    const out = Buffer.from(new ArrayBuffer(data.length + 8), shift, data.length);
    data.copy(out);
    return out;
  }

  /** Everything the visitor sees, with the block bytes themselves. */
  async function trace(data: Buffer, chunk: number): Promise<{ seen: string[]; fault?: string; progress: unknown }> {
    const reader = new BlockReader(bufferByteSource('mem.scap', data, chunk));
    const seen: string[] = [];
    let fault: string | undefined;
    try {
      await reader.read((type, buf, start, length, offset, section) => {
        seen.push(`${type}@${offset}+${length} ${section.littleEndian ? 'le' : 'be'} ${buf.subarray(start, start + length).toString('hex')}`);
      });
    } catch (e) {
      expect(e).toBeInstanceOf(CaptureError);
      fault = (e as Error).message;
    }
    return { seen, progress: { ...reader.progress }, ...(fault !== undefined ? { fault } : {}) };
  }

  // Blocks in little- and big-endian sections, of odd body sizes, and blocks longer than the
  // reader's 64 KiB scan slice, so that slices and chunks end inside blocks.
  const mixed = Buffer.concat([
    shb(),
    block(0x201, Buffer.alloc(21, 1)),
    ...Array.from({ length: 3000 }, (_, i) => block(0x216, Buffer.alloc(20 + (i % 37), i & 0xff))),
    block(0x216, Buffer.alloc(100_000, 5)),
    block(0x216, Buffer.alloc(65_536 - 12, 6)),
    shb(false, 1),
    block(0x216, Buffer.alloc(30, 7), false),
    block(0x216, Buffer.alloc(70_000, 8), false),
    shb(),
    ...Array.from({ length: 500 }, (_, i) => block(0x216, Buffer.alloc(40 + (i % 5), 9))),
  ]);

  it('frames the same blocks whatever the memory alignment, chunk size or slice boundaries (word-wise and byte-wise paths)', async () => {
    const want = await trace(mixed, 1 << 20);
    expect(want.fault).toBeUndefined();
    expect(want.seen).toHaveLength(3000 + 500 + 8);
    for (const shift of [0, 1, 2, 3]) {
      for (const chunk of [2 << 20, 1 << 16, 4096, 999, 13]) {
        expect(await trace(shifted(mixed, shift), chunk), `shift ${shift}, chunk ${chunk}`).toEqual(want);
      }
    }
  });

  it('words every framing fault the same whatever the alignment or chunk size', async () => {
    const first = 28 + 36; // the first 0x216 block, after the SHB and the 0x201 block
    const corruptions: [string, (b: Buffer) => void, RegExp][] = [
      ['short length', (b) => b.writeUInt32LE(8, first + 4), /offset 64: length 8 is shorter than a block header/],
      ['odd length', (b) => b.writeUInt32LE(34, first + 4), /offset 64: length 34 is not a multiple of 4/],
      ['length of 4 GiB', (b) => b.writeUInt32LE(0xfffffffc, first + 4), /offset 64: length 4294967292 exceeds the 1073741824-byte block limit/],
      ['trailer', (b) => b.writeUInt32LE(77, first + 28), /offset 64: trailing length 77 does not match block length 32/],
      ['truncated', () => undefined, /truncated: block claims/],
    ];
    for (const [what, corrupt, message] of corruptions) {
      const bad = Buffer.from(what === 'truncated' ? mixed.subarray(0, mixed.length - 6) : mixed);
      corrupt(bad);
      const want = await trace(bad, 1 << 20);
      expect(want.fault, what).toMatch(message);
      for (const shift of [0, 1, 2, 3]) {
        for (const chunk of [2 << 20, 4096, 999]) {
          expect(await trace(shifted(bad, shift), chunk), `${what}, shift ${shift}, chunk ${chunk}`).toEqual(want);
        }
      }
    }
  });
});
