/**
 * Worker-thread entry that reads a gzip capture file and inflates it for the main thread
 * (gunzip-thread.ts), which checks the CRC-32 and frames what comes out.
 *
 * Why a worker inflating synchronously: zlib's stream API inflates on libuv's pool one
 * pass at a time, and the next pass is only dispatched when the dispatching thread's event
 * loop comes round, which on the main thread is after it has framed the previous output;
 * inflating and framing took turns instead of overlapping, and each pass cost two thread
 * wake-ups. Here one thread inflates back to back and only waits when the main thread is
 * WINDOW pieces behind.
 *
 * zlib has no public synchronous streaming API; the one its own *Sync functions use
 * (the handle's writeSync with the stream's write-state array) is taken here, checked for
 * first, and when it is missing the worker says so before reading anything and the caller
 * inflates on its own thread instead.
 *
 * Worker → main messages (in order):
 *   { t: 'data', slot, len, read } inflated bytes in ring slot `slot`, [0, len), and the
 *                                  compressed bytes read so far;
 *   { t: 'member', crc, size }     a member ended; its trailer's CRC-32 and length;
 *   { t: 'end', read } | { t: 'error', gzip, message } | { t: 'unsupported' }.
 * Main → worker, through `control` (Int32Array on a SharedArrayBuffer): [ACKED] counts the
 * data messages the main thread is done with, whose slots the worker may then fill again;
 * [STOP] set when it stops early. A ring of shared slots rather than a fresh buffer per
 * piece: hundreds of megabytes of transferred buffers waiting for the main thread's
 * garbage collector took peak memory half as high again.
 */
import { readSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import * as zlib from 'node:zlib';
import { EOF, GzipFormatError, Input, readHeader } from './gunzip.js';

export interface GunzipWorkerInit {
  /** A descriptor the main thread opened and keeps open until this worker has exited. */
  fd: number;
  /** Compressed read size. */
  readSize: number;
  /** Inflated piece size. */
  outChunk: number;
  /** Int32Array(2) over a SharedArrayBuffer: [ACKED, STOP]. */
  control: SharedArrayBuffer;
  /** The pieces handed over, in turn: slots of outChunk bytes, reused once acknowledged. */
  ring: SharedArrayBuffer;
}

export const ACKED = 0;
export const STOP = 1;

export type GunzipWorkerMessage =
  | { t: 'data'; slot: number; len: number; read: number }
  | { t: 'member'; crc: number; size: number }
  | { t: 'end'; read: number }
  | { t: 'unsupported' }
  | { t: 'error'; gzip: boolean; message: string };

/** The internals of a zlib stream that its synchronous functions use. */
interface SyncHandle {
  writeSync(flush: number, input: Uint8Array, inOff: number, inLen: number, out: Uint8Array, outOff: number, outLen: number): void;
}

function syncParts(s: zlib.InflateRaw): { handle: SyncHandle; state: Uint32Array } | undefined {
  const x = s as unknown as { _handle?: { writeSync?: unknown }; _writeState?: unknown };
  if (typeof x._handle?.writeSync !== 'function' || !(x._writeState instanceof Uint32Array)) return undefined;
  return { handle: x._handle as SyncHandle, state: x._writeState };
}

/** Reads the file in order, into two buffers used in turn (Input copies what it keeps). */
async function* fileChunks(fd: number, size: number, onRead: (n: number) => void): AsyncGenerator<Buffer> {
  const bufs = [Buffer.allocUnsafe(size), Buffer.allocUnsafe(size)];
  for (let pos = 0, i = 0; ; i ^= 1) {
    const buf = bufs[i]!;
    const n = readSync(fd, buf, 0, size, pos);
    if (n === 0) return;
    pos += n;
    onRead(n);
    yield n === size ? buf : buf.subarray(0, n);
  }
}

class Stopped extends Error {}

const EMPTY = new Uint8Array(0);

async function run(port: NonNullable<typeof parentPort>, init: GunzipWorkerInit): Promise<void> {
  const control = new Int32Array(init.control);
  const probe = zlib.createInflateRaw();
  const usable = syncParts(probe) !== undefined;
  probe.close();
  if (!usable) {
    port.postMessage({ t: 'unsupported' } satisfies GunzipWorkerMessage);
    return;
  }
  const slots = Math.floor(init.ring.byteLength / init.outChunk);
  const slot = (i: number) => new Uint8Array(init.ring, (i % slots) * init.outChunk, init.outChunk);
  let read = 0;
  let sent = 0;
  let out = slot(0);
  let outOff = 0;
  /** Hands the filled part of the current slot to the main thread, and waits for the next slot to be free. */
  const flush = () => {
    if (outOff === 0) return;
    port.postMessage({ t: 'data', slot: sent % slots, len: outOff, read } satisfies GunzipWorkerMessage);
    sent++;
    for (;;) {
      if (Atomics.load(control, STOP) !== 0) throw new Stopped();
      const acked = Atomics.load(control, ACKED);
      if (sent - acked < slots) break;
      Atomics.wait(control, ACKED, acked);
    }
    out = slot(sent);
    outOff = 0;
  };
  const input = new Input(fileChunks(init.fd, init.readSize, (n) => (read += n)));
  try {
    for (let first = true; await readHeader(input, zlib, first); first = false) {
      const inflater = zlib.createInflateRaw();
      // zlib reports a fault by destroying the stream, which also emits it: kept from
      // becoming an uncaught exception, and read back from `errored` after each call.
      inflater.on('error', () => undefined);
      const { handle, state } = syncParts(inflater)!;
      const step = (flushFlag: number, chunk: Uint8Array, inOff: number, inLen: number): number => {
        handle.writeSync(flushFlag, chunk, inOff, inLen, out, outOff, out.length - outOff);
        if (inflater.errored !== null) throw inflater.errored;
        outOff = out.length - state[0]!;
        return state[1]!;
      };
      try {
        for (;;) {
          const chunk = await input.take();
          if (chunk === undefined) {
            // The input ended inside the member: finishing has zlib say so, in its words,
            // after giving out what it could still inflate.
            for (;;) {
              step(zlib.constants.Z_FINISH, EMPTY, 0, 0);
              if (outOff < out.length) break;
              flush();
            }
            break;
          }
          let inOff = 0;
          let left = chunk.length;
          for (;;) {
            const availIn = step(zlib.constants.Z_NO_FLUSH, chunk, inOff, left);
            inOff += left - availIn;
            left = availIn;
            if (outOff === out.length) {
              flush();
              continue;
            }
            break;
          }
          // Room left for output and input left over: the member's deflate data ended.
          if (left > 0) {
            input.unread(chunk.subarray(inOff));
            break;
          }
        }
      } finally {
        inflater.close();
      }
      const trailer = await input.exact(8);
      flush();
      if (trailer === undefined) throw new GzipFormatError(EOF);
      port.postMessage({ t: 'member', crc: trailer.readUInt32LE(0), size: trailer.readUInt32LE(4) } satisfies GunzipWorkerMessage);
    }
    flush();
    port.postMessage({ t: 'end', read } satisfies GunzipWorkerMessage);
  } catch (e) {
    if (e instanceof Stopped) return;
    // What was inflated before the fault is handed over first, as the stream did.
    try {
      flush();
    } catch {
      return;
    }
    const message = e instanceof Error ? e.message : String(e);
    port.postMessage({ t: 'error', gzip: e instanceof GzipFormatError, message } satisfies GunzipWorkerMessage);
  } finally {
    await input.close();
  }
}

if (parentPort !== null) void run(parentPort, workerData as GunzipWorkerInit);
