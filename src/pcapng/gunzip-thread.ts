/**
 * Gunzip of a capture file with the inflating on a worker thread (gunzip-worker.ts) and the
 * CRC-32 check here, handed to the caller as a stream of inflated chunks. This splits the
 * work about evenly between two cores: the worker inflates back to back while this thread
 * checks and frames the previous pieces. Worth it for large files only: a worker takes a
 * few tens of milliseconds to start.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { GzipFormatError } from './gunzip.js';
import { ACKED, STOP, type GunzipWorkerInit, type GunzipWorkerMessage } from './gunzip-worker.js';

type Zlib = typeof import('node:zlib');

/** Resolves to dist/pcapng/ from dist/pcapng/ and from the CLI bundle in dist/cli/ alike. */
export const GUNZIP_WORKER_URL = new URL('../pcapng/gunzip-worker.js', import.meta.url);

/**
 * Slots in the ring of inflated pieces: how far the worker may be ahead of the caller.
 * Enough to ride out a slow stretch of framing, few enough to keep memory flat (a slot is
 * one output chunk); the caller holds one, the worker fills another.
 */
const SLOTS = 8;

/** False when the compiled worker script is not there (running from the TypeScript sources). */
export function gunzipWorkerAvailable(url: URL = GUNZIP_WORKER_URL): boolean {
  return existsSync(fileURLToPath(url));
}

export interface GunzipThreadOptions {
  /** Compressed read size. */
  readSize: number;
  /** Inflated piece size. */
  outChunk: number;
  /** The worker script (tests point it at the compiled one). */
  url?: URL;
  /** What to read instead when this Node's zlib lacks what the worker needs. */
  fallback: () => AsyncIterable<Buffer>;
}

/**
 * Inflated chunks of the gzip file open on `fd`, read from its start. The descriptor must
 * stay open until the generator has finished or been returned (when the caller stops early
 * it waits for the worker to exit). Faults come out as from gunzipChunks: a GzipFormatError
 * with zlib's wording, or an Error with zlib's or the read error's message.
 */
export async function* gunzipInWorker(zlib: Zlib, fd: number, opts: GunzipThreadOptions, onRead: (n: number) => void): AsyncGenerator<Buffer> {
  const control = new Int32Array(new SharedArrayBuffer(8));
  const ring = new SharedArrayBuffer(SLOTS * opts.outChunk);
  const init: GunzipWorkerInit = { fd, readSize: opts.readSize, outChunk: opts.outChunk, control: control.buffer as SharedArrayBuffer, ring };
  const worker = new Worker(opts.url ?? GUNZIP_WORKER_URL, { workerData: init });
  const queue: GunzipWorkerMessage[] = [];
  let wake: (() => void) | undefined;
  let failure: Error | undefined;
  let exitCode: number | undefined;
  const poke = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  worker.on('message', (m: GunzipWorkerMessage) => {
    queue.push(m);
    poke();
  });
  worker.on('error', (e: Error) => {
    failure = e;
    poke();
  });
  worker.on('exit', (code: number) => {
    exitCode = code;
    poke();
  });
  let read = 0;
  let crc = 0;
  let size = 0;
  let finished = false;
  try {
    for (;;) {
      while (queue.length === 0) {
        if (failure !== undefined) throw failure;
        // Node delivers a worker's messages before its exit event, so this is a crash.
        if (exitCode !== undefined) throw new Error(`inflating thread stopped (exit code ${exitCode})`);
        await new Promise<void>((r) => (wake = r));
      }
      const m = queue.shift()!;
      switch (m.t) {
        case 'data': {
          // The slot is filled again once acknowledged, i.e. when the caller asks for the
          // next chunk, as the file reader's buffers are (see readFileChunks).
          const b = Buffer.from(ring, m.slot * opts.outChunk, m.len);
          crc = zlib.crc32(b, crc);
          size = (size + m.len) >>> 0;
          onRead(m.read - read);
          read = m.read;
          yield b;
          Atomics.add(control, ACKED, 1);
          Atomics.notify(control, ACKED);
          break;
        }
        case 'member':
          if (m.crc !== crc >>> 0) throw new GzipFormatError('incorrect data check');
          if (m.size !== size) throw new GzipFormatError('incorrect length check');
          crc = 0;
          size = 0;
          break;
        case 'end':
          onRead(m.read - read);
          finished = true;
          return;
        case 'unsupported':
          finished = true;
          yield* (await import('./gunzip.js')).gunzipChunks(zlib, opts.fallback(), opts.outChunk);
          return;
        case 'error':
          finished = true;
          throw m.gzip ? new GzipFormatError(m.message) : new Error(m.message);
      }
    }
  } finally {
    // Stopped early (a fault in the capture, or the caller had enough): the worker may be
    // mid-read on the descriptor the caller closes next, so it is stopped first.
    if (!finished && exitCode === undefined) {
      Atomics.store(control, STOP, 1);
      Atomics.notify(control, ACKED);
      await worker.terminate();
    }
  }
}
