import { open, type FileHandle } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { Readable } from 'node:stream';
import { DecompressStream } from 'zstd-napi';
import { CaptureError } from '../errors.js';

export type Compression = 'none' | 'gzip' | 'zstd';

const GZIP_MAGIC = [0x1f, 0x8b];
const ZSTD_MAGIC = [0x28, 0xb5, 0x2f, 0xfd];

/** Default read size: large enough that per-chunk overhead vanishes, small enough to stay flat in memory. */
export const DEFAULT_CHUNK_SIZE = 2 << 20;

export function detectCompression(head: Uint8Array): Compression {
  if (head.length >= 2 && head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1]) return 'gzip';
  if (head.length >= 4 && ZSTD_MAGIC.every((b, i) => head[i] === b)) return 'zstd';
  return 'none';
}

/**
 * A stream of decompressed bytes from a capture. `compressedSize` and `compressedRead`
 * let callers show progress in terms of the file on disk whatever the compression.
 */
export interface ByteSource {
  readonly name: string;
  readonly compression: Compression;
  /** Size of the file on disk, when known. */
  readonly compressedSize: number | undefined;
  /** Bytes of the file on disk consumed so far. */
  compressedRead(): number;
  chunks(): AsyncIterable<Buffer>;
  close(): Promise<void>;
}

/** Reads in flight ahead of the consumer: enough to keep the disk (or page cache) busy. */
const READ_AHEAD = 3;

async function* readFileChunks(fh: FileHandle, chunkSize: number, onRead: (n: number) => void, recycle: boolean): AsyncGenerator<Buffer> {
  // Reads at explicit positions so several can be in flight while the caller works.
  // Chunk buffers are recycled once the caller asks for the next chunk: the block reader
  // promises its visitors a buffer only until they return, which keeps memory flat
  // instead of leaving hundreds of megabytes of dead chunks to the garbage collector.
  let position = 0;
  const free: Buffer[] = [];
  const readAt = (pos: number) => {
    const buf = free.pop() ?? Buffer.allocUnsafe(chunkSize);
    return fh.read(buf, 0, chunkSize, pos).then(({ bytesRead }) => (bytesRead === chunkSize ? buf : buf.subarray(0, bytesRead)));
  };
  const queue: Promise<Buffer>[] = [];
  const fill = () => {
    while (queue.length < READ_AHEAD) {
      queue.push(readAt(position));
      position += chunkSize;
    }
  };
  try {
    fill();
    for (;;) {
      const chunk = await queue.shift()!;
      if (chunk.length === 0) return;
      onRead(chunk.length);
      if (chunk.length < chunkSize) {
        yield chunk;
        return;
      }
      fill();
      yield chunk;
      // A decompressor keeps chunks queued after asking for the next one: only the
      // synchronous block reader may hand them back.
      if (recycle) free.push(chunk);
    }
  } finally {
    // The consumer may stop early (an error in the capture): reads still in flight must
    // not surface later as unhandled rejections when the file is closed under them.
    for (const p of queue) p.catch(() => undefined);
  }
}

async function* decompressChunks(
  name: string,
  compressed: AsyncIterable<Buffer>,
  compression: Exclude<Compression, 'none'>,
): AsyncGenerator<Buffer> {
  const input = Readable.from(compressed, { objectMode: false });
  const inflater =
    compression === 'gzip'
      ? createGunzip({ chunkSize: 256 * 1024 })
      : (new DecompressStream() as unknown as NodeJS.ReadWriteStream);
  input.on('error', (e) => (inflater as unknown as Readable).destroy(e));
  const output = input.pipe(inflater) as unknown as Readable;
  try {
    for await (const chunk of output) yield chunk as Buffer;
  } catch (e) {
    if (e instanceof CaptureError) throw e;
    const msg = e instanceof Error ? e.message : String(e);
    throw new CaptureError(name, undefined, `${compression} stream is corrupt: ${msg}`);
  }
}

/** Opens a capture file; compression is detected from its first bytes, not its name. */
export async function openByteSource(path: string, chunkSize = DEFAULT_CHUNK_SIZE): Promise<ByteSource> {
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : (e as Error).message;
    throw new CaptureError(path, undefined, `cannot open: ${why}`);
  }
  let size: number | undefined;
  try {
    const st = await fh.stat();
    if (st.isDirectory()) throw new CaptureError(path, undefined, 'cannot open: is a directory');
    size = st.isFile() ? st.size : undefined;
  } catch (e) {
    await fh.close();
    throw e instanceof CaptureError ? e : new CaptureError(path, undefined, `cannot stat: ${(e as Error).message}`);
  }
  const head = Buffer.alloc(4);
  let headLen: number;
  try {
    headLen = (await fh.read(head, 0, 4, 0)).bytesRead;
  } catch (e) {
    await fh.close();
    throw new CaptureError(path, undefined, `cannot read: ${(e as Error).message}`);
  }
  const compression = detectCompression(head.subarray(0, headLen));
  let consumed = 0;
  const raw = (recycle: boolean) => readFileChunks(fh, chunkSize, (n) => (consumed += n), recycle);
  return {
    name: path,
    compression,
    compressedSize: size,
    compressedRead: () => consumed,
    chunks: () => (compression === 'none' ? raw(true) : decompressChunks(path, raw(false), compression)),
    close: () => fh.close(),
  };
}

/** A byte source over an in-memory buffer (tests, library users holding a capture in memory). */
export function bufferByteSource(name: string, data: Buffer, chunkSize = DEFAULT_CHUNK_SIZE): ByteSource {
  const compression = detectCompression(data.subarray(0, 4));
  let consumed = 0;
  async function* raw(): AsyncGenerator<Buffer> {
    for (let off = 0; off < data.length; off += chunkSize) {
      const c = data.subarray(off, Math.min(data.length, off + chunkSize));
      consumed += c.length;
      yield c;
    }
  }
  return {
    name,
    compression,
    compressedSize: data.length,
    compressedRead: () => consumed,
    chunks: () => (compression === 'none' ? raw() : decompressChunks(name, raw(), compression)),
    close: async () => {},
  };
}
