/**
 * Output channels for alert lines (Falco's outputs_stdout.cpp / outputs_file.cpp).
 *
 * Every sink takes complete lines without the newline and appends "\n".
 *
 * - stdout: unbuffered (Falco's default, `buffered_outputs: false`) writes each line as it
 *   comes; buffered (`buffered_outputs: true`) collects lines and writes them in large
 *   chunks. `write` returns a promise only when the stream wants the caller to wait
 *   (backpressure); `close` resolves once everything written has been handed to the OS.
 *   A closed pipe (EPIPE, e.g. `| head`) silently stops the sink.
 * - file: opened in append mode. With `keep_alive` the file stays open; without it (Falco's
 *   default) it is opened, appended to and closed for each alert. Writes are synchronous,
 *   so nothing is pending when the process ends.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { InputError } from '../../errors.js';

export interface AlertSink {
  /** Queue one line. A returned promise asks the caller to wait before writing more. */
  write(line: string): void | Promise<void>;
  /** Push out whatever is buffered. */
  flush(): Promise<void>;
  /** Flush and release; later writes are ignored. */
  close(): Promise<void>;
}

/** Chunk size for buffered outputs (bytes of UTF-16 text, roughly). */
const BUFFER_CHUNK = 64 * 1024;

export interface StreamSinkOptions {
  /** `buffered_outputs`. */
  readonly buffered: boolean;
  /** Call `end()` on the stream when closing (not for process.stdout). */
  readonly end?: boolean;
}

/** A sink writing to a Node stream, e.g. process.stdout. */
export class StreamSink implements AlertSink {
  private pending: string[] = [];
  private pendingSize = 0;
  private broken = false;
  private closed = false;
  /** The first write error other than EPIPE, if any. */
  error: Error | undefined;

  constructor(
    private readonly stream: Writable,
    private readonly options: StreamSinkOptions,
  ) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      this.broken = true;
      if (e.code !== 'EPIPE' && this.error === undefined) this.error = e;
    });
  }

  write(line: string): void | Promise<void> {
    if (this.closed || this.broken) return;
    if (!this.options.buffered) return this.put(`${line}\n`);
    this.pending.push(line, '\n');
    this.pendingSize += line.length + 1;
    if (this.pendingSize >= BUFFER_CHUNK) return this.drainPending();
  }

  private drainPending(): void | Promise<void> {
    if (this.pending.length === 0) return;
    const chunk = this.pending.join('');
    this.pending = [];
    this.pendingSize = 0;
    return this.put(chunk);
  }

  private put(chunk: string): void | Promise<void> {
    if (this.broken) return;
    if (this.stream.write(chunk)) return;
    return this.waitDrain();
  }

  private waitDrain(): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = (): void => {
        this.stream.off('drain', done);
        this.stream.off('error', done);
        this.stream.off('close', done);
        resolve();
      };
      this.stream.on('drain', done);
      this.stream.on('error', done);
      this.stream.on('close', done);
    });
  }

  async flush(): Promise<void> {
    await this.drainPending();
    await this.settle();
  }

  /** Resolves when everything written so far has been handed over. */
  private settle(): Promise<void> {
    if (this.broken || this.stream.destroyed || this.stream.writableEnded) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = (): void => {
        this.stream.off('error', done);
        resolve();
      };
      this.stream.once('error', done);
      this.stream.write('', () => done());
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    this.closed = true;
    if (this.options.end && !this.broken && !this.stream.writableEnded) {
      await new Promise<void>((resolve) => {
        this.stream.once('error', () => resolve());
        this.stream.end(() => resolve());
      });
    }
  }
}

/** The stdout output. */
export function stdoutSink(options: { readonly buffered: boolean; readonly stream?: Writable }): StreamSink {
  return new StreamSink(options.stream ?? process.stdout, { buffered: options.buffered });
}

export interface FileSinkOptions {
  readonly filename: string;
  /** `file_output.keep_alive`: keep the file open between alerts. */
  readonly keepAlive: boolean;
  /** `buffered_outputs` (only meaningful with keep_alive: each reopen flushes anyway). */
  readonly buffered: boolean;
}

/** The file output (append mode). */
export class FileSink implements AlertSink {
  private fd: number | undefined;
  private pending: string[] = [];
  private pendingSize = 0;
  private closed = false;

  constructor(private readonly options: FileSinkOptions) {}

  private open(): number {
    if (this.fd !== undefined) return this.fd;
    try {
      this.fd = openSync(this.options.filename, 'a');
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      throw new InputError(`failed to open output file ${this.options.filename}: ${why}`);
    }
    return this.fd;
  }

  private writeAll(text: string): void {
    const fd = this.open();
    const buf = Buffer.from(text, 'utf8');
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
  }

  private release(): void {
    if (this.fd !== undefined) {
      closeSync(this.fd);
      this.fd = undefined;
    }
  }

  write(line: string): void {
    if (this.closed) return;
    if (!this.options.keepAlive) {
      // Falco: open, write the line, close — for every alert.
      try {
        this.writeAll(`${line}\n`);
      } finally {
        this.release();
      }
      return;
    }
    if (!this.options.buffered) {
      this.writeAll(`${line}\n`);
      return;
    }
    this.pending.push(line, '\n');
    this.pendingSize += line.length + 1;
    if (this.pendingSize >= BUFFER_CHUNK) this.flushSync();
  }

  private flushSync(): void {
    if (this.pending.length === 0) return;
    const chunk = this.pending.join('');
    this.pending = [];
    this.pendingSize = 0;
    this.writeAll(chunk);
  }

  flush(): Promise<void> {
    this.flushSync();
    return Promise.resolve();
  }

  close(): Promise<void> {
    if (!this.closed) {
      try {
        this.flushSync();
      } finally {
        this.closed = true;
        this.release();
      }
    }
    return Promise.resolve();
  }
}

/** Several outputs at once (Falco sends every alert to every enabled output). */
export class MultiSink implements AlertSink {
  constructor(readonly sinks: readonly AlertSink[]) {}

  write(line: string): void | Promise<void> {
    let waits: Promise<void>[] | undefined;
    for (const s of this.sinks) {
      const r = s.write(line);
      if (r) (waits ??= []).push(r);
    }
    if (waits) return Promise.all(waits).then(() => undefined);
  }

  async flush(): Promise<void> {
    await Promise.all(this.sinks.map((s) => s.flush()));
  }

  async close(): Promise<void> {
    await Promise.all(this.sinks.map((s) => s.close()));
  }
}
