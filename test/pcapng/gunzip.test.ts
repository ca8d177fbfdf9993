import { describe, expect, it } from 'vitest';
import * as zlib from 'node:zlib';
import { gunzipChunks } from '../../src/pcapng/gunzip.js';
import { bufferByteSource } from '../../src/pcapng/source.js';
import { CaptureError } from '../../src/errors.js';
import { gzipFaults } from '../helpers/gzip-faults.js';

async function* pieces(data: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let off = 0; off < data.length; off += size) yield data.subarray(off, Math.min(data.length, off + size));
}

async function inflate(data: Buffer, readSize: number, outChunk = 1024): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const b of gunzipChunks(zlib, pieces(data, readSize), outChunk)) out.push(Buffer.from(b));
  return Buffer.concat(out);
}

async function fault(data: Buffer, readSize: number): Promise<string> {
  try {
    await inflate(data, readSize);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected a fault');
}

/** A gzip member with every optional header field, built by hand (zlib writes none of them). */
function memberWithHeaderFields(payload: Buffer): Buffer {
  const deflated = zlib.deflateRawSync(payload);
  const fixed = Buffer.from([0x1f, 0x8b, 8, 0x02 | 0x04 | 0x08 | 0x10, 0, 0, 0, 0, 0, 3]);
  const extra = Buffer.concat([Buffer.from([5, 0]), Buffer.from('abcde')]);
  const header = Buffer.concat([fixed, extra, Buffer.from('name.scap\0'), Buffer.from('a comment\0')]);
  const hcrc = Buffer.alloc(2);
  hcrc.writeUInt16LE(zlib.crc32(header) & 0xffff);
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(zlib.crc32(payload), 0);
  trailer.writeUInt32LE(payload.length, 4);
  return Buffer.concat([header, hcrc, deflated, trailer]);
}

const payload = Buffer.from(Array.from({ length: 50_000 }, (_, i) => (i * 7919) % 251));
const hasCrc32 = typeof (zlib as { crc32?: unknown }).crc32 === 'function';

describe.skipIf(!hasCrc32)('gunzipChunks (inflateRaw + CRC-32 on the calling thread)', () => {
  it('inflates what gunzipSync inflates, for every read size down to one byte', async () => {
    const gz = zlib.gzipSync(payload);
    for (const size of [1, 2, 3, 7, 10, 11, 64, 4096, gz.length, gz.length + 5]) {
      expect((await inflate(gz, size)).equals(payload), `reads of ${size}`).toBe(true);
    }
  });

  it('reads FEXTRA, FNAME, FCOMMENT and a checked FHCRC split over reads', async () => {
    const gz = memberWithHeaderFields(payload);
    expect(zlib.gunzipSync(gz).equals(payload)).toBe(true);
    for (const size of [1, 5, 13, 100]) expect((await inflate(gz, size)).equals(payload), `reads of ${size}`).toBe(true);
    const bad = Buffer.from(gz);
    bad[12] ^= 1; // inside FEXTRA: covered by the header CRC
    expect(await fault(bad, 7)).toBe('header crc mismatch');
  });

  it('joins concatenated members and stops at zero padding, like zlib gunzip', async () => {
    const a = payload.subarray(0, 20_000);
    const b = payload.subarray(20_000);
    const multi = Buffer.concat([zlib.gzipSync(a), zlib.gzipSync(b), zlib.gzipSync(Buffer.alloc(0))]);
    for (const size of [1, 9, 333, multi.length]) expect((await inflate(multi, size)).equals(payload), `reads of ${size}`).toBe(true);
    const padded = Buffer.concat([zlib.gzipSync(payload), Buffer.alloc(100)]);
    expect(zlib.gunzipSync(padded).equals(payload)).toBe(true);
    expect((await inflate(padded, 17)).equals(payload)).toBe(true);
  });

  it('names every fault the way zlib does', async () => {
    for (const { what, data, message } of gzipFaults(payload)) {
      let zlibSays: string | undefined;
      try {
        zlib.gunzipSync(data);
      } catch (e) {
        zlibSays = (e as Error).message;
      }
      for (const size of [1, 4096]) {
        const ours = await fault(data, size);
        if (message === '') expect(ours, `${what}, reads of ${size}`).not.toBe('');
        else expect(ours, `${what}, reads of ${size}`).toBe(message);
        // Same fault as zlib's own gunzip where it reports one (it ignores junk after a
        // member when it arrives in the same buffer; a file reader cannot promise that).
        if (zlibSays !== undefined && message !== '') expect(ours, what).toBe(zlibSays);
      }
    }
  });

  it('through a byte source: faults become one CaptureError naming the file', async () => {
    const gz = zlib.gzipSync(payload);
    const bad = Buffer.from(gz);
    bad[gz.length - 8] ^= 1;
    const src = bufferByteSource('mem.scap.gz', bad, 1000);
    const run = async () => {
      for await (const chunk of src.chunks()) expect(chunk.length).toBeGreaterThan(0);
    };
    await expect(run()).rejects.toThrow(CaptureError);
    await expect(run()).rejects.toThrow(/^mem\.scap\.gz: gzip stream is corrupt: incorrect data check$/);
  });

  it('stops cleanly when the consumer stops early', async () => {
    const gz = zlib.gzipSync(Buffer.alloc(4 << 20, 1));
    let got = 0;
    for await (const b of gunzipChunks(zlib, pieces(gz, 256), 64 << 10)) {
      got += b.length;
      if (got > 100_000) break;
    }
    expect(got).toBeGreaterThan(100_000);
  });
});
