import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open } from 'node:fs/promises';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { DEFAULT_CHUNK_SIZE, openByteSource, WHOLE_FILE_MAX_SIZE, type OpenOptions } from '../../src/pcapng/source.js';

const dir = mkdtempSync(join(tmpdir(), 'falco-scap-chunks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function chunksOf(path: string, options: OpenOptions = {}): Promise<Buffer[]> {
  const src = await openByteSource(path, undefined, options);
  const out: Buffer[] = [];
  try {
    for await (const c of src.chunks()) out.push(Buffer.from(c)); // copied: buffers are recycled
  } finally {
    await src.close();
  }
  return out;
}

describe('file chunk sizes', () => {
  it('reads a file smaller than a chunk in one read, into a buffer of about its size', async () => {
    const data = Buffer.alloc(100_000, 7);
    const path = join(dir, 'small.bin');
    writeFileSync(path, data);
    const src = await openByteSource(path);
    const sizes: number[] = [];
    for await (const c of src.chunks()) sizes.push(c.buffer.byteLength);
    await src.close();
    expect(sizes).toHaveLength(1);
    expect(sizes[0]).toBeLessThan(DEFAULT_CHUNK_SIZE / 4);
    expect(Buffer.concat(await chunksOf(path)).equals(data)).toBe(true);
  });

  it('asks for no reads past the end of a file that fits in one (each would be a round trip through the pool)', async () => {
    const small = join(dir, 'one-read.bin');
    writeFileSync(small, Buffer.alloc(50_000, 3));
    const big = join(dir, 'three-reads.bin');
    writeFileSync(big, Buffer.alloc(2 * DEFAULT_CHUNK_SIZE + 10, 4));
    const probe = await open(small, 'r');
    const proto = Object.getPrototypeOf(probe) as { read: (...a: unknown[]) => unknown };
    await probe.close();
    const reads = vi.spyOn(proto, 'read');
    try {
      // Streamed: the head read (4 bytes, to tell the compression) and one read of the data.
      expect(Buffer.concat(await chunksOf(small, { wholeFileMaxSize: -1 })).length).toBe(50_000);
      expect(reads).toHaveBeenCalledTimes(2);
      reads.mockClear();
      // Read whole when opened (the default for a file this small): no read through the pool.
      expect(Buffer.concat(await chunksOf(small)).length).toBe(50_000);
      expect(reads).toHaveBeenCalledTimes(0);
      expect(Buffer.concat(await chunksOf(big)).length).toBe(2 * DEFAULT_CHUNK_SIZE + 10);
      expect(reads.mock.calls.length).toBeGreaterThanOrEqual(4);
    } finally {
      reads.mockRestore();
    }
  });

  it('reads a small regular file whole when it is opened: the bytes of that moment, in chunks of the asked size', async () => {
    const data = Buffer.alloc(WHOLE_FILE_MAX_SIZE, 0);
    for (let i = 0; i < data.length; i += 991) data[i] = (i / 991) & 0xff;
    const path = join(dir, 'whole.bin');
    writeFileSync(path, data);
    const src = await openByteSource(path, 1 << 20);
    expect(src.compressedSize).toBe(data.length);
    // Replaced after it was opened: the source still hands out what it read.
    writeFileSync(path, Buffer.alloc(10, 9));
    const sizes: number[] = [];
    const parts: Buffer[] = [];
    for await (const c of src.chunks()) {
      sizes.push(c.length);
      parts.push(Buffer.from(c));
      expect(src.compressedRead()).toBe(sizes.reduce((a, b) => a + b, 0));
    }
    await src.close();
    expect(sizes).toEqual([1 << 20, 1 << 20]);
    expect(Buffer.concat(parts).equals(data)).toBe(true);
  });


  it('still reads files of exactly one chunk, just over, and empty ones whole', async () => {
    for (const n of [0, 1, 4095, 4096, 4097, DEFAULT_CHUNK_SIZE - 1, DEFAULT_CHUNK_SIZE, DEFAULT_CHUNK_SIZE + 1, 3 * DEFAULT_CHUNK_SIZE + 5]) {
      const data = Buffer.alloc(n);
      for (let i = 0; i < n; i += 997) data[i] = (i / 997) & 0xff;
      const path = join(dir, `f${n}.bin`);
      writeFileSync(path, data);
      expect(Buffer.concat(await chunksOf(path)).equals(data), `size ${n}`).toBe(true);
    }
  });
});
