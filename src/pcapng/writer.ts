import { createWriteStream, type WriteStream } from 'node:fs';
import { rename, unlink, stat } from 'node:fs/promises';
import { createGzip } from 'node:zlib';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { CompressStream } from 'zstd-napi';
import { InputError } from '../errors.js';
import { BLOCK_OVERHEAD, SHB_BLOCK_TYPE } from './constants.js';
import { encodeSectionBody, type PcapngOption } from './section.js';
import type { Compression } from './source.js';

const FLUSH_AT = 1 << 20;

export interface BlockWriterOptions {
  compression?: Compression;
  /** Overwrite an existing file. Without it, an existing OUT is an error and is left untouched. */
  force?: boolean;
  /** gzip level (1-9) or zstd level (1-19). */
  level?: number;
}

/**
 * Writes pcap-ng blocks (little-endian) to a file, optionally compressed. Output goes to a
 * temporary file beside the target that is renamed into place on close(), so a failed or
 * interrupted run never leaves a half-written capture under the user's chosen name.
 */
export class BlockWriter {
  private pending: Buffer[] = [];
  private pendingLen = 0;
  private bytesOut = 0;
  private closed = false;
  private failure: Error | undefined;

  private constructor(
    readonly path: string,
    private readonly tmpPath: string,
    private readonly file: WriteStream,
    private readonly head: Writable,
  ) {
    const onErr = (e: Error) => (this.failure ??= e);
    file.on('error', onErr);
    head.on('error', onErr);
  }

  static async create(path: string, options: BlockWriterOptions = {}): Promise<BlockWriter> {
    if (!options.force) {
      const exists = await stat(path).then(
        () => true,
        () => false,
      );
      if (exists) throw new InputError(`${path}: already exists (use --force to overwrite)`);
    }
    const tmpPath = `${path}.partial-${process.pid}`;
    const file = createWriteStream(tmpPath, { flags: 'wx' });
    await Promise.race([
      once(file, 'open'),
      once(file, 'error').then(([e]) => {
        throw new InputError(`${path}: cannot create: ${(e as Error).message}`);
      }),
    ]);
    let head: Writable = file;
    const compression = options.compression ?? 'none';
    if (compression === 'gzip') {
      const gz = createGzip({ level: options.level ?? 6 });
      gz.pipe(file);
      head = gz;
    } else if (compression === 'zstd') {
      const zs = new CompressStream({ compressionLevel: options.level ?? 3 }) as unknown as Writable & NodeJS.ReadableStream;
      zs.pipe(file);
      head = zs;
    }
    return new BlockWriter(path, tmpPath, file, head);
  }

  /** Bytes of uncompressed pcap-ng written so far. */
  get uncompressedBytes(): number {
    return this.bytesOut + this.pendingLen;
  }

  writeSectionHeader(major = 1, minor = 2, options: PcapngOption[] = []): void {
    this.writeBlock(SHB_BLOCK_TYPE, encodeSectionBody(major, minor, options));
  }

  /** Frames `body` as one block: header, body, zero padding to 4 bytes, trailing length. */
  writeBlock(type: number, body: Buffer | readonly Buffer[]): void {
    const parts = Buffer.isBuffer(body) ? [body] : body;
    let bodyLen = 0;
    for (const b of parts) bodyLen += b.length;
    const pad = (4 - (bodyLen % 4)) % 4;
    const total = BLOCK_OVERHEAD + bodyLen + pad;
    const head = Buffer.allocUnsafe(8);
    head.writeUInt32LE(type, 0);
    head.writeUInt32LE(total, 4);
    const tail = Buffer.alloc(4 + pad);
    tail.writeUInt32LE(total, pad);
    this.push(head);
    for (const b of parts) this.push(b);
    this.push(tail);
  }

  /** Copies an already framed little-endian block verbatim. */
  writeRawBlock(block: Buffer): void {
    this.push(Buffer.from(block));
  }

  private push(b: Buffer): void {
    if (this.closed) throw new Error('BlockWriter: write after close');
    this.pending.push(b);
    this.pendingLen += b.length;
  }

  /** Hands buffered blocks to the stream; awaits drain so memory stays bounded. */
  async flush(force = false): Promise<void> {
    if (this.failure) throw this.wrap(this.failure);
    if (this.pendingLen === 0 || (!force && this.pendingLen < FLUSH_AT)) return;
    const data = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingLen);
    this.bytesOut += this.pendingLen;
    this.pending = [];
    this.pendingLen = 0;
    if (!this.head.write(data)) {
      await Promise.race([once(this.head, 'drain'), once(this.head, 'error')]);
    }
    if (this.failure) throw this.wrap(this.failure);
  }

  private wrap(e: Error): InputError {
    return new InputError(`${this.path}: write failed: ${e.message}`);
  }

  /** Finishes the stream and moves the file into place. */
  async close(): Promise<void> {
    await this.flush(true);
    this.closed = true;
    const finished = once(this.file, 'close');
    this.head.end();
    await Promise.race([finished, once(this.file, 'error')]);
    if (this.failure) {
      await unlink(this.tmpPath).catch(() => {});
      throw this.wrap(this.failure);
    }
    await rename(this.tmpPath, this.path);
  }

  /** Drops the partial output (on error or interruption). */
  async abort(): Promise<void> {
    this.closed = true;
    this.head.destroy();
    this.file.destroy();
    await unlink(this.tmpPath).catch(() => {});
  }
}
