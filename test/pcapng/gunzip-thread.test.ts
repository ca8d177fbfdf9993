import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as zlib from 'node:zlib';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { setImmediate as tick } from 'node:timers/promises';
import { gunzipChunks } from '../../src/pcapng/gunzip.js';
import { gunzipInWorker } from '../../src/pcapng/gunzip-thread.js';
import { gzipFaults } from '../helpers/gzip-faults.js';

// The worker runs compiled code: test/helpers/global-setup.ts builds dist/ before the tests.
const root = resolve(import.meta.dirname, '..', '..');
const WORKER = pathToFileURL(join(root, 'dist', 'pcapng', 'gunzip-worker.js'));
const hasCrc32 = typeof (zlib as { crc32?: unknown }).crc32 === 'function';

let dir: string;
let files = 0;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'gunzip-thread-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(data: Buffer): string {
  const p = join(dir, `f${files++}.gz`);
  writeFileSync(p, data);
  return p;
}

/** Inflates `data` through the worker; `each` sees every chunk while it is the caller's. */
async function viaWorker(data: Buffer, readSize: number, outChunk = 1024, each?: (b: Buffer) => Promise<void>): Promise<Buffer> {
  const fd = openSync(file(data), 'r');
  try {
    const out: Buffer[] = [];
    let read = 0;
    const never = async function* (): AsyncGenerator<Buffer> {
      throw new Error('fallback used');
    };
    for await (const b of gunzipInWorker(zlib, fd, { readSize, outChunk, url: WORKER, fallback: never }, (n) => (read += n))) {
      out.push(Buffer.from(b));
      await each?.(b);
    }
    // Reading stops at zero padding after the last member; otherwise it took the whole file.
    if (data.at(-1) !== 0) expect(read).toBe(data.length);
    else expect(read).toBeLessThanOrEqual(data.length);
    return Buffer.concat(out);
  } finally {
    closeSync(fd);
  }
}

async function fault(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected a fault');
}

async function* pieces(data: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let off = 0; off < data.length; off += size) yield data.subarray(off, Math.min(data.length, off + size));
}

async function inThread(data: Buffer, readSize: number): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const b of gunzipChunks(zlib, pieces(data, readSize), 1024)) out.push(Buffer.from(b));
  return Buffer.concat(out);
}

const payload = Buffer.from(Array.from({ length: 200_000 }, (_, i) => ((i * 7919) % 251) ^ (i >> 9)));

describe.skipIf(!hasCrc32)('gunzipInWorker (inflate on a worker thread, CRC-32 here)', () => {
  it('inflates what gunzipSync inflates, for small and large reads and pieces', async () => {
    const gz = zlib.gzipSync(payload);
    for (const [readSize, outChunk] of [
      [1, 1024],
      [7, 4096],
      [333, 1024],
      [64 << 10, 1024],
      [gz.length + 5, 64 << 10],
      [64 << 10, 1 << 20],
    ] as const) {
      const got = await viaWorker(gz, readSize, outChunk);
      expect(got.equals(payload), `reads of ${readSize}, pieces of ${outChunk}`).toBe(true);
    }
  });

  it('a chunk stays intact until the caller asks for the next one, however slow the caller', async () => {
    const gz = zlib.gzipSync(payload);
    let at = 0;
    let chunks = 0;
    const got = await viaWorker(gz, 4096, 1024, async (b) => {
      const want = payload.subarray(at, at + b.length);
      // The worker runs ahead meanwhile, into every other slot of the ring.
      for (let i = 0; i < 20; i++) await tick();
      expect(b.equals(want), `chunk at ${at}`).toBe(true);
      at += b.length;
      chunks++;
    });
    expect(chunks).toBeGreaterThan(100); // the ring (8 slots) went round many times
    expect(got.equals(payload)).toBe(true);
  });

  it('joins members (one empty), reads header fields, stops at zero padding', async () => {
    const a = payload.subarray(0, 70_000);
    const b = payload.subarray(70_000);
    const multi = Buffer.concat([zlib.gzipSync(a), zlib.gzipSync(Buffer.alloc(0)), zlib.gzipSync(b), Buffer.alloc(50)]);
    for (const size of [1, 9, 4096, multi.length]) expect((await viaWorker(multi, size)).equals(payload), `reads of ${size}`).toBe(true);
    // FEXTRA, FNAME, FCOMMENT and FHCRC, by hand (zlib writes none of them).
    const fixed = Buffer.from([0x1f, 0x8b, 8, 0x02 | 0x04 | 0x08 | 0x10, 0, 0, 0, 0, 0, 3]);
    const header = Buffer.concat([fixed, Buffer.from([3, 0]), Buffer.from('abc'), Buffer.from('n.scap\0'), Buffer.from('c\0')]);
    const hcrc = Buffer.alloc(2);
    hcrc.writeUInt16LE(zlib.crc32(header) & 0xffff);
    const trailer = Buffer.alloc(8);
    trailer.writeUInt32LE(zlib.crc32(a), 0);
    trailer.writeUInt32LE(a.length, 4);
    const fields = Buffer.concat([header, hcrc, zlib.deflateRawSync(a), trailer]);
    for (const size of [1, 5, 100]) expect((await viaWorker(fields, size)).equals(a), `reads of ${size}`).toBe(true);
  });

  it('names every fault as the in-thread gunzip does', async () => {
    for (const { what, data, message } of gzipFaults(payload)) {
      for (const size of [1, 4096]) {
        const ours = await fault(() => viaWorker(data, size));
        if (message === '') expect(ours, `${what}, reads of ${size}`).not.toBe('');
        else expect(ours, `${what}, reads of ${size}`).toBe(message);
        expect(ours, `${what}, reads of ${size}`).toBe(await fault(() => inThread(data, size)));
      }
    }
  });

  it('stops the worker when the caller stops early, before the file is closed', async () => {
    const gz = zlib.gzipSync(Buffer.alloc(8 << 20, 1));
    const fd = openSync(file(gz), 'r');
    let got = 0;
    const never = async function* (): AsyncGenerator<Buffer> {};
    for await (const b of gunzipInWorker(zlib, fd, { readSize: 4096, outChunk: 64 << 10, url: WORKER, fallback: never }, () => undefined)) {
      got += b.length;
      if (got > 300_000) break;
    }
    closeSync(fd);
    expect(got).toBeGreaterThan(300_000);
    expect(got).toBeLessThan(8 << 20);
  });

  it('falls back to the in-thread gunzip when the worker cannot inflate synchronously; reports a worker crash', async () => {
    const gz = zlib.gzipSync(payload);
    const script = (body: string) => {
      const p = join(dir, `w${files++}.mjs`);
      writeFileSync(p, `import { parentPort } from 'node:worker_threads';\n${body}\n`);
      return pathToFileURL(p);
    };
    const run = async (url: URL) => {
      const fd = openSync(file(gz), 'r');
      try {
        const out: Buffer[] = [];
        const opts = { readSize: 1000, outChunk: 4096, url, fallback: () => pieces(gz, 1000) };
        for await (const b of gunzipInWorker(zlib, fd, opts, () => undefined)) out.push(Buffer.from(b));
        return Buffer.concat(out);
      } finally {
        closeSync(fd);
      }
    };
    expect((await run(script("parentPort.postMessage({ t: 'unsupported' });"))).equals(payload)).toBe(true);
    expect(await fault(() => run(script('process.exit(3);')))).toBe('inflating thread stopped (exit code 3)');
    expect(await fault(() => run(script("throw new Error('boom');")))).toBe('boom');
  });

  it('through openByteSource (compiled): faults become one error naming the file', async () => {
    const { openByteSource } = (await import(pathToFileURL(join(root, 'dist', 'pcapng', 'source.js')).href)) as typeof import('../../src/pcapng/source.js');
    const gz = zlib.gzipSync(payload);
    const good = await openByteSource(file(gz), 64 << 10, { gzipWorkerMinSize: 0, gzipInlineMaxSize: -1 });
    const out: Buffer[] = [];
    for await (const b of good.chunks()) out.push(Buffer.from(b));
    await good.close();
    expect(Buffer.concat(out).equals(payload)).toBe(true);
    expect(good.compressedRead()).toBe(gz.length);
    const bad = Buffer.from(gz);
    bad[gz.length - 8] ^= 1;
    const path = file(bad);
    const src = await openByteSource(path, 64 << 10, { gzipWorkerMinSize: 0, gzipInlineMaxSize: -1 });
    const msg = await fault(async () => {
      for await (const b of src.chunks()) expect(b.length).toBeGreaterThan(0);
    });
    await src.close();
    expect(msg).toBe(`${path}: gzip stream is corrupt: incorrect data check`);
  });
});
