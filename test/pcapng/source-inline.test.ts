import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as zlib from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { GZIP_INLINE_MAX_OUTPUT, GZIP_INLINE_MAX_SIZE, openByteSource, type OpenOptions } from '../../src/pcapng/source.js';
import { gzipFaults } from '../helpers/gzip-faults.js';

const dir = mkdtempSync(join(tmpdir(), 'falco-scap-inline-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function file(data: Buffer): string {
  const p = join(dir, `f${n++}.gz`);
  writeFileSync(p, data);
  return p;
}

const STREAMED: OpenOptions = { gzipInlineMaxSize: -1 };

interface Run {
  /** Length of each chunk handed out (copied before the next one is asked for). */
  sizes: number[];
  data: Buffer;
  /** The error's message, when the source failed. */
  error?: string;
  compressedRead: number;
}

async function read(path: string, options: OpenOptions = {}): Promise<Run> {
  const src = await openByteSource(path, undefined, options);
  const parts: Buffer[] = [];
  let error: string | undefined;
  try {
    for await (const c of src.chunks()) parts.push(Buffer.from(c));
  } catch (e) {
    error = (e as Error).message;
  } finally {
    await src.close();
  }
  return { sizes: parts.map((p) => p.length), data: Buffer.concat(parts), ...(error !== undefined && { error }), compressedRead: src.compressedRead() };
}

const payload = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7919) % 251));

describe('small gzip files: read whole, inflated in one call on the calling thread', () => {
  it('hands out the whole inflated file as one chunk, where the stream hands out 1 MiB pieces', async () => {
    const big = Buffer.alloc(3 << 20);
    for (let i = 0; i < big.length; i += 4099) big[i] = i & 0xff;
    const gz = zlib.gzipSync(big);
    expect(gz.length).toBeLessThan(GZIP_INLINE_MAX_SIZE);
    const path = file(gz);
    const inline = await read(path);
    expect(inline.sizes).toEqual([big.length]);
    expect(inline.data.equals(big)).toBe(true);
    expect(inline.compressedRead).toBe(gz.length);
    const streamed = await read(path, STREAMED);
    expect(streamed.sizes.length).toBeGreaterThan(1);
    expect(streamed.data.equals(big)).toBe(true);
    expect(streamed.compressedRead).toBe(gz.length);
  });

  it('joins members (one empty), stops at zero padding (and ignores what follows it), as the stream does', async () => {
    const a = payload.subarray(0, 100_000);
    const b = payload.subarray(100_000);
    const cases: [string, Buffer][] = [
      ['members', Buffer.concat([zlib.gzipSync(a), zlib.gzipSync(b), zlib.gzipSync(Buffer.alloc(0))])],
      ['empty last member first', Buffer.concat([zlib.gzipSync(Buffer.alloc(0)), zlib.gzipSync(payload)])],
      ['zero padding', Buffer.concat([zlib.gzipSync(payload), Buffer.alloc(100)])],
      ['junk after the padding', Buffer.concat([zlib.gzipSync(payload), Buffer.alloc(3), Buffer.from('junk')])],
    ];
    for (const [what, gz] of cases) {
      const path = file(gz);
      const inline = await read(path);
      expect(inline.error, what).toBeUndefined();
      expect(inline.sizes, what).toHaveLength(1);
      expect(inline.data.equals(payload), what).toBe(true);
      expect((await read(path, STREAMED)).data.equals(payload), what).toBe(true);
    }
    // Only empty members: nothing to hand out, no error.
    const empty = await read(file(Buffer.concat([zlib.gzipSync(Buffer.alloc(0)), zlib.gzipSync(Buffer.alloc(0))])));
    expect(empty.sizes).toEqual([]);
    expect(empty.error).toBeUndefined();
  });

  it('reports every fault in the stream’s words, after the same bytes (a truncated capture still replays up to the cut)', async () => {
    // (A damaged magic number or an empty file is not gzip: read as it is.)
    for (const { what, data } of gzipFaults(payload).filter((f) => f.data[0] === 0x1f && f.data[1] === 0x8b)) {
      const path = file(data);
      const inline = await read(path);
      const streamed = await read(path, STREAMED);
      expect(streamed.error, what).toBeDefined();
      expect(inline.error, what).toBe(streamed.error);
      expect(inline.error!.startsWith(`${path}: gzip stream is corrupt: `), what).toBe(true);
      expect(inline.data.equals(streamed.data), what).toBe(true);
    }
    // Bytes that hardly compress, so that a cut in the middle leaves most of them.
    const noisy = Buffer.alloc(300_000);
    for (let i = 0, x = 1; i < noisy.length; i++) noisy[i] = (x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 24;
    const cut = await read(file(zlib.gzipSync(noisy).subarray(0, 150_000)));
    expect(cut.error).toMatch(/unexpected end of file$/);
    expect(cut.data.length).toBeGreaterThan(100_000);
    expect(cut.data.equals(noisy.subarray(0, cut.data.length))).toBe(true);
  });

  it('streams a file whose trailer announces more than GZIP_INLINE_MAX_OUTPUT, or whose members inflate to more', async () => {
    const over = Buffer.alloc(GZIP_INLINE_MAX_OUTPUT + 1, 1);
    const big = await read(file(zlib.gzipSync(over)));
    expect(big.error).toBeUndefined();
    expect(big.sizes.length).toBeGreaterThan(1);
    expect(big.data.equals(over)).toBe(true);
    // The last member is empty, so its trailer says 0: zlib stops at the limit instead.
    const hidden = await read(file(Buffer.concat([zlib.gzipSync(over), zlib.gzipSync(Buffer.alloc(0))])));
    expect(hidden.error).toBeUndefined();
    expect(hidden.sizes.length).toBeGreaterThan(1);
    expect(hidden.data.equals(over)).toBe(true);
  });

  it('streams files over GZIP_INLINE_MAX_SIZE, and all of them with FALCO_SCAP_GZIP_INLINE=0', async () => {
    const big = Buffer.alloc(3 << 20);
    for (let i = 0; i < big.length; i += 1021) big[i] = (i >> 10) & 0xff;
    const gz = zlib.gzipSync(big);
    expect(gz.length).toBeGreaterThan(1000);
    const path = file(gz);
    expect((await read(path)).sizes).toEqual([big.length]);
    const over = await read(path, { gzipInlineMaxSize: gz.length - 1 });
    expect(over.sizes.length).toBeGreaterThan(1);
    expect(over.data.equals(big)).toBe(true);
    expect((await read(path, { gzipInlineMaxSize: gz.length })).sizes).toEqual([big.length]);
    process.env.FALCO_SCAP_GZIP_INLINE = '0';
    try {
      const off = await read(path);
      expect(off.sizes.length).toBeGreaterThan(1);
      expect(off.data.equals(big)).toBe(true);
    } finally {
      delete process.env.FALCO_SCAP_GZIP_INLINE;
    }
  });

  it('inflates the file as it was when opened: bytes appended later are not read', async () => {
    const first = zlib.gzipSync(payload.subarray(0, 1000));
    const path = file(first);
    const src = await openByteSource(path);
    writeFileSync(path, Buffer.concat([first, zlib.gzipSync(payload.subarray(1000))]));
    const parts: Buffer[] = [];
    for await (const c of src.chunks()) parts.push(Buffer.from(c));
    await src.close();
    expect(Buffer.concat(parts).equals(payload.subarray(0, 1000))).toBe(true);
    expect(src.compressedRead()).toBe(first.length);
  });
});
