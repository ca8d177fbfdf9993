import { CaptureError, InputError } from '../../errors.js';

/**
 * A fault inside one state block. `at` is the byte offset of the fault counted from the
 * first byte of the block (its type field), so a caller that knows where the block sits in
 * the stream can name the exact byte with {@link toCaptureError}.
 */
export class BlockDecodeError extends InputError {
  constructor(
    readonly at: number,
    readonly detail: string,
  ) {
    super(`${detail} (byte ${at} of the block)`);
    this.name = 'BlockDecodeError';
  }
}

/** Rewrites a {@link BlockDecodeError} as a {@link CaptureError} for a block at `blockOffset` of `file`. */
export function toCaptureError(e: BlockDecodeError, file: string, blockOffset: number): CaptureError {
  return new CaptureError(file, blockOffset, `${e.detail} (stream offset ${blockOffset + e.at})`);
}

/**
 * Bounds-checked reader over `buf[pos, end)` in either byte order. Every read names the
 * field it is after; running past `end` throws a {@link BlockDecodeError} that says which
 * entry and field, where, and how many bytes were missing. No read ever allocates more
 * than the bytes already in the buffer.
 */
export class Cursor {
  pos: number;
  /** Prefix for error messages, e.g. "proclist entry 3". */
  context: string;

  constructor(
    readonly buf: Buffer,
    /** Absolute index of the block's first byte (its type field): error offsets count from it. */
    readonly blockStart: number,
    start: number,
    readonly end: number,
    readonly le: boolean,
    context = '',
    /** What `end` is the end of, for messages: "block" or "entry". */
    readonly scope: 'block' | 'entry' = 'block',
  ) {
    if (start < 0 || end > buf.length) throw new RangeError(`cursor range [${start}, ${end}) outside buffer of ${buf.length}`);
    if (start > end) throw new BlockDecodeError(start - blockStart, `${context || 'block'}: shorter than its own header`);
    this.pos = start;
    this.context = context;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  /** Offset of the read position from the block's first byte. */
  get offsetInBlock(): number {
    return this.pos - this.blockStart;
  }

  fail(detail: string, at = this.pos): never {
    throw new BlockDecodeError(at - this.blockStart, this.context ? `${this.context}: ${detail}` : detail);
  }

  private need(n: number, field: string): void {
    if (this.end - this.pos < n) {
      this.fail(`field '${field}' runs past the ${this.scope} (needs ${n} bytes, ${this.end - this.pos} left)`);
    }
  }

  u8(field: string): number {
    this.need(1, field);
    return this.buf[this.pos++]!;
  }

  u16(field: string): number {
    this.need(2, field);
    const v = this.le ? this.buf.readUInt16LE(this.pos) : this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  u32(field: string): number {
    this.need(4, field);
    const v = this.le ? this.buf.readUInt32LE(this.pos) : this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  i32(field: string): number {
    this.need(4, field);
    const v = this.le ? this.buf.readInt32LE(this.pos) : this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  u64(field: string): bigint {
    this.need(8, field);
    const v = this.le ? this.buf.readBigUInt64LE(this.pos) : this.buf.readBigUInt64BE(this.pos);
    this.pos += 8;
    return v;
  }

  i64(field: string): bigint {
    this.need(8, field);
    const v = this.le ? this.buf.readBigInt64LE(this.pos) : this.buf.readBigInt64BE(this.pos);
    this.pos += 8;
    return v;
  }

  /** Unsigned 64-bit as a number; values above 2^53 lose precision (ids and counts never get there). */
  u64n(field: string): number {
    return Number(this.u64(field));
  }

  /** Signed 64-bit as a number (-1 stays -1); precision is lost only beyond ±2^53. */
  i64n(field: string): number {
    return Number(this.i64(field));
  }

  /** A view (no copy) of the next `n` bytes. */
  bytes(n: number, field: string): Buffer {
    this.need(n, field);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }

  skip(n: number, field: string): void {
    this.need(n, field);
    this.pos += n;
  }

  /** u16 length, then that many bytes: returns the bytes (a view). */
  blob16(field: string): Buffer {
    const at = this.pos;
    const n = this.u16(`${field} length`);
    if (this.end - this.pos < n) {
      this.fail(`field '${field}' runs past the ${this.scope} (length ${n}, ${this.end - this.pos} bytes left)`, at);
    }
    return this.bytes(n, field);
  }

  /** u16 length, then a string read with C semantics: stops at the first NUL. */
  str16(field: string): string {
    return cString(this.blob16(field));
  }

  /**
   * A cursor over the next `len` bytes, which this cursor then skips. Used for entries that
   * carry their own length: the sub-cursor reports overruns as "runs past the entry".
   */
  sub(len: number, context: string, field = 'entry'): Cursor {
    if (this.end - this.pos < len) {
      this.fail(`${field} length ${len} runs past the ${this.scope} (${this.end - this.pos} bytes left)`);
    }
    const c = new Cursor(this.buf, this.blockStart, this.pos, this.pos + len, this.le, context, 'entry');
    this.pos += len;
    return c;
  }
}

/** Decodes bytes as UTF-8 up to the first NUL, the way libscap's C strings read them. */
export function cString(b: Buffer): string {
  const z = b.indexOf(0);
  return (z < 0 ? b : b.subarray(0, z)).toString('utf8');
}

/** Splits a NUL-separated list (args, env, cgroups). One trailing NUL is a terminator, not an empty item. */
export function splitNulList(b: Buffer): string[] {
  if (b.length === 0) return [];
  const s = b.toString('utf8');
  const body = s.endsWith('\0') ? s.slice(0, -1) : s;
  return body.split('\0');
}

/** The inverse of {@link splitNulList}: every item NUL-terminated. */
export function joinNulList(items: readonly string[]): Buffer {
  if (items.length === 0) return Buffer.alloc(0);
  return Buffer.from(items.map((s) => `${s}\0`).join(''), 'utf8');
}

/**
 * A growable writer for block bodies, little-endian unless told otherwise (big-endian
 * output exists only so tests can build big-endian sections). Values that do not fit
 * throw an InputError naming the width.
 */
export class ByteWriter {
  private buf: Buffer;
  private len = 0;

  constructor(
    initial = 256,
    readonly le = true,
  ) {
    this.buf = Buffer.alloc(Math.max(16, initial));
  }

  get length(): number {
    return this.len;
  }

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = Buffer.alloc(size);
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }

  u8(v: number | boolean): this {
    const n = typeof v === 'boolean' ? (v ? 1 : 0) : v;
    checkInt(n, 0, 0xff, 'u8');
    this.ensure(1);
    this.buf[this.len++] = n;
    return this;
  }

  u16(v: number): this {
    checkInt(v, 0, 0xffff, 'u16');
    this.ensure(2);
    if (this.le) this.buf.writeUInt16LE(v, this.len);
    else this.buf.writeUInt16BE(v, this.len);
    this.len += 2;
    return this;
  }

  u32(v: number): this {
    checkInt(v, 0, 0xffffffff, 'u32');
    this.ensure(4);
    if (this.le) this.buf.writeUInt32LE(v, this.len);
    else this.buf.writeUInt32BE(v, this.len);
    this.len += 4;
    return this;
  }

  /** Any 64-bit value: numbers and bigints, negative ones written as two's complement. */
  u64(v: number | bigint): this {
    let b: bigint;
    if (typeof v === 'number') {
      if (!Number.isInteger(v)) throw new InputError(`cannot encode ${v} as a 64-bit integer`);
      b = BigInt(v);
    } else b = v;
    if (b < -(1n << 63n) || b >= 1n << 64n) throw new InputError(`value ${b} does not fit in 64 bits`);
    this.ensure(8);
    if (this.le) this.buf.writeBigUInt64LE(BigInt.asUintN(64, b), this.len);
    else this.buf.writeBigUInt64BE(BigInt.asUintN(64, b), this.len);
    this.len += 8;
    return this;
  }

  i64(v: number | bigint): this {
    return this.u64(v);
  }

  bytes(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
    return this;
  }

  /** u16 length then the bytes. */
  blob16(b: Uint8Array): this {
    this.u16(b.length);
    return this.bytes(b);
  }

  /** Reserves a u32 to be filled in later by {@link patchU32}; returns its position. */
  reserveU32(): number {
    const at = this.len;
    this.u32(0);
    return at;
  }

  patchU32(at: number, v: number): void {
    checkInt(v, 0, 0xffffffff, 'u32');
    if (this.le) this.buf.writeUInt32LE(v, at);
    else this.buf.writeUInt32BE(v, at);
  }

  /** The bytes written so far (a copy sized exactly). */
  finish(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.len));
  }
}

/** Runs an encoder step, prefixing `what` to InputErrors that do not name their record yet. */
export function inRecord<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof InputError && !e.message.startsWith(what)) throw new InputError(`${what}: ${e.message}`);
    throw e;
  }
}

function checkInt(v: number, min: number, max: number, what: string): void {
  if (!Number.isInteger(v) || v < min || v > max) throw new InputError(`cannot encode ${v} as ${what}`);
}

/**
 * UTF-8 bytes of a string field, checked against libscap's limit for it so that what we
 * write is something libscap itself will read back. `max` is the largest accepted length.
 */
export function encodeField(s: string, max: number, what: string): Buffer {
  const b = Buffer.from(s, 'utf8');
  if (b.length > max) throw new InputError(`${what} is ${b.length} bytes, more than the ${max} libscap accepts`);
  return b;
}
