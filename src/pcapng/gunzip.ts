import type { InflateRaw } from 'node:zlib';

type Zlib = typeof import('node:zlib');

/** Fixed gzip header fields (RFC 1952). */
const ID1 = 0x1f;
const ID2 = 0x8b;
const CM_DEFLATE = 8;
const FHCRC = 0x02;
const FEXTRA = 0x04;
const FNAME = 0x08;
const FCOMMENT = 0x10;
const FRESERVED = 0xe0;

/** A gzip fault, worded like zlib's own messages so reports read the same as before. */
export class GzipFormatError extends Error {}

/**
 * Compressed bytes as they come, with bytes handed back (a header or trailer split over
 * reads, the part of a read past the end of a member). Bytes handed back are copied: the
 * file reader reuses a read's buffer once the next read is asked for.
 */
export class Input {
  private pending: Buffer | undefined;
  private readonly it: AsyncIterator<Buffer>;
  private eof = false;

  constructor(source: AsyncIterable<Buffer>) {
    this.it = source[Symbol.asyncIterator]();
  }

  /** The next bytes (at least one), or undefined at the end of the input. */
  async take(): Promise<Buffer | undefined> {
    if (this.pending !== undefined) {
      const p = this.pending;
      this.pending = undefined;
      return p;
    }
    while (!this.eof) {
      const r = await this.it.next();
      if (r.done) this.eof = true;
      else if (r.value.length > 0) return r.value;
    }
    return undefined;
  }

  unread(bytes: Buffer): void {
    if (bytes.length === 0) return;
    this.pending = this.pending === undefined ? Buffer.from(bytes) : Buffer.concat([bytes, this.pending]);
  }

  /** Exactly n bytes, or undefined when the input ends first. */
  async exact(n: number): Promise<Buffer | undefined> {
    const parts: Buffer[] = [];
    let have = 0;
    while (have < n) {
      const b = await this.take();
      if (b === undefined) return undefined;
      const use = Math.min(n - have, b.length);
      // Copied: a later take() may let the reader reuse b's buffer.
      parts.push(Buffer.from(b.subarray(0, use)));
      have += use;
      if (use < b.length) this.unread(b.subarray(use));
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts, n);
  }

  /** Bytes up to and including the next NUL, or undefined when the input ends first. */
  async throughNul(): Promise<Buffer | undefined> {
    const parts: Buffer[] = [];
    for (;;) {
      const b = await this.take();
      if (b === undefined) return undefined;
      const z = b.indexOf(0);
      if (z < 0) {
        parts.push(Buffer.from(b));
        continue;
      }
      parts.push(Buffer.from(b.subarray(0, z + 1)));
      this.unread(b.subarray(z + 1));
      return Buffer.concat(parts);
    }
  }

  async close(): Promise<void> {
    await this.it.return?.();
  }
}

export const EOF = 'unexpected end of file';

/** Reads one member header; false when the input ends cleanly (or with zero padding) instead. */
export async function readHeader(input: Input, zlib: Zlib, first: boolean): Promise<boolean> {
  const head = await input.exact(1);
  if (head === undefined) {
    if (first) throw new GzipFormatError(EOF);
    return false;
  }
  // Zero bytes after a member are padding (as zlib's gunzip treats them): the stream ends.
  if (!first && head[0] === 0) return false;
  const id2 = await input.exact(1);
  if (id2 === undefined) throw new GzipFormatError(EOF);
  if (head[0] !== ID1 || id2[0] !== ID2) throw new GzipFormatError('incorrect header check');
  const rest = await input.exact(8);
  if (rest === undefined) throw new GzipFormatError(EOF);
  const fixed = Buffer.concat([head, id2, rest]);
  if (fixed[2] !== CM_DEFLATE) throw new GzipFormatError('unknown compression method');
  const flags = fixed[3]!;
  if (flags & FRESERVED) throw new GzipFormatError('unknown header flags set');
  const parts: Buffer[] = [fixed];
  const need = async (n: number) => {
    const b = await input.exact(n);
    if (b === undefined) throw new GzipFormatError(EOF);
    parts.push(b);
    return b;
  };
  if (flags & FEXTRA) await need((await need(2)).readUInt16LE(0));
  for (const f of [FNAME, FCOMMENT]) {
    if (!(flags & f)) continue;
    const s = await input.throughNul();
    if (s === undefined) throw new GzipFormatError(EOF);
    parts.push(s);
  }
  if (flags & FHCRC) {
    const want = (zlib.crc32(Buffer.concat(parts)) & 0xffff) >>> 0;
    if ((await need(2)).readUInt16LE(0) !== want) throw new GzipFormatError('header crc mismatch');
  }
  return true;
}

/**
 * Gunzip as a stream of inflated chunks, with the checksum taken off zlib's worker thread:
 * the raw deflate data of each member is inflated on libuv's thread pool while this
 * thread computes the CRC-32 of what came out (which it would otherwise wait for) and
 * the caller frames it. Headers, trailers and multi-member files are handled here, with
 * zlib's wording for faults. Needs zlib.crc32 (Node 20.15 and 22.2 on).
 */
export async function* gunzipChunks(zlib: Zlib, compressed: AsyncIterable<Buffer>, outChunk: number): AsyncGenerator<Buffer> {
  const input = new Input(compressed);
  try {
    for (let first = true; await readHeader(input, zlib, first); first = false) {
      const inflater: InflateRaw = zlib.createInflateRaw({ chunkSize: outChunk });
      // Feeds the member's deflate data one read at a time; a read that runs past the end
      // of the member is noticed from what zlib consumed, and the rest handed back.
      const pump = (async () => {
        let fed = 0;
        try {
          for (;;) {
            const chunk = await input.take();
            if (chunk === undefined) {
              inflater.end();
              return;
            }
            fed += chunk.length;
            await new Promise<void>((resolve, reject) => inflater.write(chunk, (e) => (e ? reject(e) : resolve())));
            const left = fed - inflater.bytesWritten;
            if (inflater.destroyed) return;
            if (left > 0) {
              input.unread(chunk.subarray(chunk.length - left));
              inflater.end();
              return;
            }
          }
        } catch (e) {
          inflater.destroy(e instanceof Error ? e : new Error(String(e)));
        }
      })();
      let crc = 0;
      let size = 0;
      let done = false;
      try {
        for await (const out of inflater) {
          crc = zlib.crc32(out as Buffer, crc);
          size = (size + (out as Buffer).length) >>> 0;
          yield out as Buffer;
        }
        done = true;
      } finally {
        // Stopping early (a fault in the member or in the capture): the pump never rejects
        // and is not awaited, so a write that never calls back cannot hang the caller.
        if (!done && !inflater.destroyed) inflater.destroy();
      }
      // The member ended, so the pump has called end() and returned: it no longer reads.
      await pump;
      const trailer = await input.exact(8);
      if (trailer === undefined) throw new GzipFormatError(EOF);
      if (trailer.readUInt32LE(0) !== crc >>> 0) throw new GzipFormatError('incorrect data check');
      if (trailer.readUInt32LE(4) !== size) throw new GzipFormatError('incorrect length check');
    }
  } finally {
    await input.close();
  }
}
