import { readFileSync, statSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { CaptureError } from '../errors.js';

export type Compression = 'none' | 'gzip' | 'zstd';

const GZIP_MAGIC = [0x1f, 0x8b];
const ZSTD_MAGIC = [0x28, 0xb5, 0x2f, 0xfd];

/** Default read size: large enough that per-chunk overhead vanishes, small enough to stay flat in memory. */
export const DEFAULT_CHUNK_SIZE = 2 << 20;

/**
 * Read size for compressed files: one compressed chunk inflates to several times its size,
 * and a smaller read keeps the bytes held at once (and so peak memory) lower.
 */
const COMPRESSED_CHUNK_SIZE = 256 << 10;

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

async function* readFileChunks(fh: FileHandle, chunkSize: number, onRead: (n: number) => void, fileSize: number | undefined): AsyncGenerator<Buffer> {
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
  // A file that fits in one read ends with that read (it comes back short): reads ahead of
  // it would only find the end of the file, each a round trip through libuv's pool.
  const ahead = fileSize !== undefined && fileSize < chunkSize ? 1 : READ_AHEAD;
  const fill = () => {
    while (queue.length < ahead) {
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
      // Both consumers (the block reader and decompressChunks) are done with a chunk
      // once they ask for the next one.
      free.push(chunk);
    }
  } finally {
    // The consumer may stop early (an error in the capture): reads still in flight must
    // not surface later as unhandled rejections when the file is closed under them.
    for (const p of queue) p.catch(() => undefined);
  }
}

/**
 * Inflated bytes are handed out in pieces of this size. Each piece is a fresh buffer (zlib
 * allocates them), so it is kept small enough that the dead ones stay a small part of
 * peak memory, and large enough that the hand-offs between zlib's worker thread and the
 * framing loop stay rare.
 */
const GZIP_OUT_CHUNK = 1 << 20;

/**
 * Gzip files at least this large are inflated on a worker thread (gunzip-thread.ts), which
 * inflates without pause while this thread frames. Below it the worker's start-up (some
 * 30 ms before the first bytes) costs more than the overlap saves: `info` on a 13 MB gzip
 * capture took 0.22 s with the worker against 0.24 s without (peak memory 82 MB against
 * 97 MB), on a 65 MB one 0.55 s against 0.73 s; with the second core busy elsewhere the
 * 13 MB one was ~40 ms slower instead.
 */
export const GZIP_WORKER_MIN_SIZE = 8 << 20;

/** FALCO_SCAP_GZIP_WORKER=0 inflates on this thread whatever the size (benchmarks, diagnosis). */
function gzipWorkerAllowed(): boolean {
  return process.env.FALCO_SCAP_GZIP_WORKER !== '0';
}

/**
 * Gzip files up to this size on disk are read whole and inflated in one synchronous zlib
 * call on the calling thread, when their inflated size (the ISIZE trailer) is at most
 * GZIP_INLINE_MAX_OUTPUT. The streaming path hands every read and every inflated piece
 * between this thread and libuv's pool: for a small capture those hops, and zlib's 1 MiB
 * output buffers (external memory that hastens V8's full collections: a 416-case `test`
 * suite of small gzip captures ran 12 mark-compacts streamed, 2 inflated in one call, 1
 * for the same captures decompressed), cost more than the overlap saves. Measured (`replay`, default rules, parts of bench-1m.scap gzipped):
 * 1 MB inflated 0.146 s against 0.159 s streamed, 4 MB 0.174 against 0.196 s, 16 MB
 * 0.193 against 0.216 s (peak RSS 85 MB against 79 MB); `info` 0.78 to 0.88 of the
 * streamed time. A `falco-scap test` suite of small gzip captures also kept a second core
 * busy the streaming way, the one `--jobs 2` needs for its second worker.
 */
export const GZIP_INLINE_MAX_SIZE = 2 << 20;

/**
 * The most a file inflated in one call may hold: its output is one buffer, so this bounds
 * the memory such a file takes. ISIZE names only the last member of a multi-member file,
 * so zlib is told this limit too; past it the file goes the streaming way.
 */
export const GZIP_INLINE_MAX_OUTPUT = 16 << 20;

/** FALCO_SCAP_GZIP_INLINE=0 streams every gzip file (benchmarks, diagnosis). */
function gzipInlineAllowed(): boolean {
  return process.env.FALCO_SCAP_GZIP_INLINE !== '0';
}

/** Smallest gzip file: a 10-byte header, an empty deflate block, an 8-byte trailer. */
const GZIP_MIN_FILE = 18;

async function* once(b: Buffer): AsyncGenerator<Buffer> {
  yield b;
}

/**
 * A small gzip file, already read whole, inflated in one synchronous call (see
 * GZIP_INLINE_MAX_SIZE). Anything unusual goes the streaming way instead, which then
 * reports faults in its own words and hands out what inflated before one (a truncated
 * capture still replays up to the cut): an ISIZE over the limit, or any zlib error.
 */
async function* inflateWhole(name: string, data: Buffer): AsyncGenerator<Buffer> {
  const zlib = await import('node:zlib');
  let out: Buffer | undefined;
  const isize = data.length >= GZIP_MIN_FILE ? data.readUInt32LE(data.length - 4) : GZIP_INLINE_MAX_OUTPUT + 1;
  if (isize <= GZIP_INLINE_MAX_OUTPUT) {
    try {
      // One output buffer of the announced size (+1, or zlib would allocate a second one
      // to learn that the stream ended), or pieces of 64 KiB for a multi-member file.
      out = zlib.gunzipSync(data, { chunkSize: Math.max(64 << 10, isize + 1), maxOutputLength: GZIP_INLINE_MAX_OUTPUT });
    } catch {
      out = undefined;
    }
  }
  if (out === undefined) {
    yield* decompressChunks(name, once(data), 'gzip');
    return;
  }
  if (out.length > 0) yield out;
}

function corrupt(name: string, compression: Compression, e: unknown): CaptureError {
  if (e instanceof CaptureError) return e;
  const msg = e instanceof Error ? e.message : String(e);
  return new CaptureError(name, undefined, `${compression} stream is corrupt: ${msg}`);
}

/** A gzip file to inflate on a worker thread (gunzip-thread.ts) instead of this one. */
interface WorkerFile {
  fd: number;
  readSize: number;
  onRead: (n: number) => void;
}

/**
 * Feeds `compressed` into a decompressor one chunk at a time, taking the next chunk only
 * once the decompressor has consumed the previous one: the file reader may then reuse
 * that chunk's buffer, and at most one compressed chunk is held beyond the read-ahead.
 * Inflation runs on libuv's thread pool while the caller frames the previous output.
 */
async function* decompressChunks(
  name: string,
  compressed: AsyncIterable<Buffer>,
  compression: Exclude<Compression, 'none'>,
  file?: WorkerFile,
): AsyncGenerator<Buffer> {
  // Loaded only for compressed input: a raw capture never pays for zlib or the zstd addon.
  const zlib = compression === 'gzip' ? await import('node:zlib') : undefined;
  if (zlib !== undefined && typeof (zlib as { crc32?: unknown }).crc32 === 'function') {
    try {
      const thread = file !== undefined ? await import('./gunzip-thread.js') : undefined;
      if (file !== undefined && thread !== undefined && thread.gunzipWorkerAvailable()) {
        // `compressed` is never started: the worker reads the file itself.
        yield* thread.gunzipInWorker(zlib, file.fd, { readSize: file.readSize, outChunk: GZIP_OUT_CHUNK, fallback: () => compressed }, file.onRead);
      } else {
        yield* (await import('./gunzip.js')).gunzipChunks(zlib, compressed, GZIP_OUT_CHUNK);
      }
    } catch (e) {
      throw corrupt(name, compression, e);
    }
    return;
  }
  const inflater: NodeJS.ReadWriteStream =
    zlib !== undefined
      ? zlib.createGunzip({ chunkSize: GZIP_OUT_CHUNK })
      : (new (await import('zstd-napi')).DecompressStream() as unknown as NodeJS.ReadWriteStream);
  const output = inflater as unknown as Readable;
  const pump = (async () => {
    try {
      for await (const chunk of compressed) {
        if (output.destroyed) return;
        await new Promise<void>((resolve, reject) => {
          inflater.write(chunk, (e?: Error | null) => (e ? reject(e) : resolve()));
        });
      }
      inflater.end();
    } catch (e) {
      output.destroy(e instanceof Error ? e : new Error(String(e)));
    }
  })();
  try {
    for await (const chunk of output) yield chunk as Buffer;
  } catch (e) {
    throw corrupt(name, compression, e);
  } finally {
    // Stopping early (a fault in the capture): end the decompressor, which fails the
    // pending write and lets the pump leave the file reader before the file is closed.
    // The pump never rejects; it is not awaited so that a decompressor that never calls
    // back cannot hang the caller.
    if (!output.destroyed) output.destroy();
    void pump;
  }
}

export interface OpenOptions {
  /** Gzip files at least this large are inflated on a worker thread (default GZIP_WORKER_MIN_SIZE). */
  gzipWorkerMinSize?: number;
  /** Gzip files at most this large, and read whole (wholeFileMaxSize), are inflated in one call on this thread (default GZIP_INLINE_MAX_SIZE; -1: never). */
  gzipInlineMaxSize?: number;
  /** Regular files at most this large are read whole when opened (default WHOLE_FILE_MAX_SIZE; -1: never). */
  wholeFileMaxSize?: number;
}

/**
 * Regular files up to this size are read whole, synchronously, the moment they are opened,
 * and their bytes handed out from memory. Read the streaming way, each small capture took
 * five or six round trips through libuv's thread pool (open, stat, reads, close), and a
 * `falco-scap test` worker waited on every one of them: with both cores busy running
 * workers, the pool thread itself first waits for a CPU. Reading 2 MiB from the page cache
 * takes well under a millisecond.
 */
export const WHOLE_FILE_MAX_SIZE = 2 << 20;

function openFailure(path: string, e: unknown): CaptureError {
  const code = (e as NodeJS.ErrnoException).code;
  const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : (e as Error).message;
  return new CaptureError(path, undefined, `cannot open: ${why}`);
}

/**
 * The size of a regular file small enough to read whole; undefined for anything else (a
 * large file, a pipe or device, which may block or never end, or a path stat cannot see:
 * the streaming open then reports it in its own words).
 */
function wholeFileSize(path: string, options: OpenOptions): number | undefined {
  const max = options.wholeFileMaxSize ?? WHOLE_FILE_MAX_SIZE;
  if (max < 0) return undefined;
  try {
    const st = statSync(path);
    return st.isFile() && st.size <= max ? st.size : undefined;
  } catch {
    return undefined;
  }
}

/** A small regular file read whole (see WHOLE_FILE_MAX_SIZE). */
function wholeFileSource(path: string, chunkSize: number, options: OpenOptions): ByteSource {
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch (e) {
    throw openFailure(path, e);
  }
  const compression = detectCompression(data.subarray(0, 4));
  let consumed = 0;
  async function* raw(): AsyncGenerator<Buffer> {
    for (let off = 0; off < data.length; off += chunkSize) {
      const c = off === 0 && data.length <= chunkSize ? data : data.subarray(off, Math.min(data.length, off + chunkSize));
      consumed += c.length;
      yield c;
    }
  }
  async function* whole(): AsyncGenerator<Buffer> {
    consumed = data.length;
    yield data;
  }
  const inline = compression === 'gzip' && data.length <= (options.gzipInlineMaxSize ?? GZIP_INLINE_MAX_SIZE) && gzipInlineAllowed();
  return {
    name: path,
    compression,
    compressedSize: data.length,
    compressedRead: () => consumed,
    chunks: () => {
      if (compression === 'none') return raw();
      if (inline) {
        consumed = data.length;
        return inflateWhole(path, data);
      }
      return decompressChunks(path, whole(), compression);
    },
    close: () => Promise.resolve(),
  };
}

/** Opens a capture file; compression is detected from its first bytes, not its name. */
export async function openByteSource(path: string, chunkSize = DEFAULT_CHUNK_SIZE, options: OpenOptions = {}): Promise<ByteSource> {
  if (wholeFileSize(path, options) !== undefined) return wholeFileSource(path, chunkSize, options);
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    throw openFailure(path, e);
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
  const onRead = (n: number) => (consumed += n);
  const raw = (chunk: number) => readFileChunks(fh, chunk, onRead, size);
  // A file smaller than a chunk is read with buffers of its own size: megabyte buffers for
  // a small capture are external memory that V8 counts towards its next full GC (a suite of
  // small test cases ran one every ten or so captures).
  const fit = (want: number) => (size !== undefined && size < want ? Math.max(size + 1, 4096) : want);
  return {
    name: path,
    compression,
    compressedSize: size,
    compressedRead: () => consumed,
    chunks: () => {
      if (compression === 'none') return raw(fit(chunkSize));
      const readSize = fit(Math.min(chunkSize, COMPRESSED_CHUNK_SIZE));
      const inWorker = compression === 'gzip' && size !== undefined && size >= (options.gzipWorkerMinSize ?? GZIP_WORKER_MIN_SIZE) && gzipWorkerAllowed();
      return decompressChunks(path, raw(readSize), compression, inWorker ? { fd: fh.fd, readSize, onRead } : undefined);
    },
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
