import { halvesOf } from '../pcapng/views.js';
import { BlockType, type EventBlockLayout } from './block-types.js';

/** Size of the current event header: ts(8) tid(8) len(4) type(2) nparams(4). */
export const EVENT_HEADER_V2 = 26;
/** Pre-V2 header: no nparams field. */
export const EVENT_HEADER_V1 = 22;

/** What the event view needs from the event table to frame an event. */
export interface EventFraming {
  /** Parameter count of the current schema for `type` (0 when unknown). */
  paramCount(type: number): number;
  /** Whether `type` uses 4-byte parameter lengths (EF_LARGE_PAYLOAD). */
  largePayload(type: number): boolean;
}

const TWO_32 = 4294967296;

/** An event length that cannot hold its header or does not fit its block, worded for load(). */
function headerLengthFault(len: number, headerLen: number, avail: number): string | undefined {
  if (len < headerLen) return `event length ${len} is smaller than the event header`;
  if (len > avail) return `event length ${len} is larger than the ${avail} bytes in the block`;
  return undefined;
}

/**
 * The V2 header's own consistency checks as one test, small enough for V8 to inline into
 * load() (the wording below is not): run on every event.
 */
function v2HeaderFits(len: number, avail: number, nparams: number, lenSize: number): boolean {
  return len >= EVENT_HEADER_V2 && len <= avail && EVENT_HEADER_V2 + nparams * lenSize <= len;
}

/**
 * Fills `offs[0..nparams]` with the offsets of an event's parameters from their 2-byte
 * lengths, read through the buffer's 16-bit view `halves` (`h` = the header's index in it),
 * and returns the end of the last parameter.
 */
function locateByHalves(offs: Int32Array, halves: Uint16Array, h: number, nparams: number): number {
  let p = h * 2 + EVENT_HEADER_V2 + nparams * 2;
  for (let i = 0, l = h + 13; i < nparams; i++, l++) {
    offs[i] = p;
    p += halves[l]!;
  }
  offs[nparams] = p;
  return p;
}

/** The thread id of the event whose header is at 16-bit index `h` of `halves`. */
function tidFromHalves(halves: Uint16Array, h: number): number {
  const i = h + 4;
  const hi = halves[i + 2]! | (halves[i + 3]! << 16);
  const lo = halves[i]! + halves[i + 1]! * 65536;
  return hi === 0 ? lo : hi * TWO_32 + lo;
}

/** The V2 header's own consistency checks (one wording for every path of load()). */
function v2HeaderFault(len: number, avail: number, nparams: number, lenSize: number): string | undefined {
  const fault = headerLengthFault(len, EVENT_HEADER_V2, avail);
  if (fault !== undefined) return fault;
  if (EVENT_HEADER_V2 + nparams * lenSize > len) return `${nparams} parameters do not fit in event length ${len}`;
  return undefined;
}

/** Reads a signed 64-bit integer as a number; exact for |v| < 2^53, which covers pids, fds, errnos. */
export function readInt64(buf: Buffer, off: number, le: boolean): number {
  return le ? buf.readInt32LE(off + 4) * TWO_32 + buf.readUInt32LE(off) : buf.readInt32BE(off) * TWO_32 + buf.readUInt32BE(off + 4);
}

/** Reads an unsigned 64-bit integer as a number (exact below 2^53). */
export function readUInt64(buf: Buffer, off: number, le: boolean): number {
  return le ? buf.readUInt32LE(off + 4) * TWO_32 + buf.readUInt32LE(off) : buf.readUInt32BE(off) * TWO_32 + buf.readUInt32BE(off + 4);
}

/**
 * A zero-copy view of one event inside a read buffer. Header fields are read on demand
 * from the bytes; parameters are located lazily (one pass over the length array, cached
 * until the view is moved to another event). Readers reuse a single view for every event,
 * so a consumer that keeps an event beyond its callback must call `detach()`.
 */
export class EventView {
  buf: Buffer = Buffer.alloc(0);
  /** Offset of the event header in `buf`. */
  hdr = 0;
  le = true;
  /** Stream offset of the enclosing block (for error messages). */
  blockOffset = 0;
  /** CPU the event was captured on. */
  cpu = 0;
  /** pcap-ng block type the event came in (EV, EV_V2, EVF, ...). */
  blockType = 0;
  /** EVF block flags (0 for plain event blocks). */
  blockFlags = 0;
  /** Number of parameters actually present. */
  nparams = 0;
  /** Bytes per parameter length: 2, or 4 for large-payload events. */
  lenSize: 2 | 4 = 2;
  /** Offset in `buf` of the parameter length array. */
  lensStart = 0;
  /** Total event length (header + lengths + values), normalised to the V2 layout. */
  len = 0;
  private v1 = false;
  private offsets: Int32Array = new Int32Array(32);
  private located = -1; // number of parameter offsets computed; -1 = none

  /** PPME event code (set by load()). */
  type = 0;

  /** Timestamp in nanoseconds since the epoch. */
  get ts(): bigint {
    // Cached per event: the state engine and the field context both ask for it, and each
    // read would allocate a new BigInt. Keyed on (buf, hdr, le) so a moved view re-reads.
    const c = this.tsCache;
    if (c !== undefined && this.tsBuf === this.buf && this.tsHdr === this.hdr && this.tsLe === this.le) return c;
    const v = this.le ? this.buf.readBigUInt64LE(this.hdr) : this.buf.readBigUInt64BE(this.hdr);
    this.tsCache = v;
    this.tsBuf = this.buf;
    this.tsHdr = this.hdr;
    this.tsLe = this.le;
    return v;
  }
  private tsCache: bigint | undefined = undefined;
  private tsBuf: Buffer | undefined = undefined;
  private tsHdr = -1;
  private tsLe = true;

  /** Timestamp as a number of nanoseconds (loses sub-microsecond precision past 2^53; fine for ordering and rates). */
  get tsNumber(): number {
    return readUInt64(this.buf, this.hdr, this.le);
  }

  /**
   * High 32 bits of the timestamp, as an unsigned number. With `tsLo`, an exact timestamp
   * that costs no BigInt: the state engine keeps per-thread times this way on every event.
   */
  get tsHi(): number {
    const b = this.buf;
    const o = this.hdr;
    return this.le ? (b[o + 4]! | (b[o + 5]! << 8) | (b[o + 6]! << 16)) + b[o + 7]! * 16777216 : (b[o + 1]! << 16 | (b[o + 2]! << 8) | b[o + 3]!) + b[o]! * 16777216;
  }

  /** Low 32 bits of the timestamp, as an unsigned number. */
  get tsLo(): number {
    const b = this.buf;
    const o = this.hdr;
    return this.le ? (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16)) + b[o + 3]! * 16777216 : (b[o + 5]! << 16 | (b[o + 6]! << 8) | b[o + 7]!) + b[o + 4]! * 16777216;
  }

  /**
   * Writes the timestamp's high and low 32-bit halves to `dst[at]` and `dst[at + 1]`: the
   * exact time with no BigInt and no number to box (for per-event bookkeeping).
   */
  tsInto(dst: Uint32Array, at: number): void {
    const b = this.buf;
    const o = this.hdr;
    if (this.hvBuf === b) {
      const h = this.hv;
      const i = o >> 1;
      dst[at] = h[i + 2]! | (h[i + 3]! << 16);
      dst[at + 1] = h[i]! | (h[i + 1]! << 16);
      return;
    }
    if (this.le) {
      dst[at] = b[o + 4]! | (b[o + 5]! << 8) | (b[o + 6]! << 16) | (b[o + 7]! << 24);
      dst[at + 1] = b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24);
    } else {
      dst[at] = (b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!;
      dst[at + 1] = (b[o + 4]! << 24) | (b[o + 5]! << 16) | (b[o + 6]! << 8) | b[o + 7]!;
    }
  }

  /**
   * The thread id as a plain field, set by load() and loadEvV2() (HostState.applyLoadedEvent
   * reads it: a getter call is not inlined into a function as big as the state engine's).
   * A view positioned by hand has only `tid`.
   */
  tidValue = 0;

  get tid(): number {
    const b = this.buf;
    if (this.hvBuf === b) return tidFromHalves(this.hv, this.hdr >> 1);
    const o = this.hdr + 8;
    if (this.le) {
      // Hot path (every event): plain byte arithmetic; the high word is 0 for any real tid.
      const lo = (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16)) + b[o + 3]! * 16777216;
      const hi = b[o + 4]! | (b[o + 5]! << 8) | (b[o + 6]! << 16) | (b[o + 7]! << 24);
      return hi === 0 ? lo : hi * TWO_32 + lo;
    }
    return readInt64(b, o, false);
  }

  /** Enter events have even codes, exit events odd ones. */
  get isEnter(): boolean {
    return (this.type & 1) === 0;
  }

  /**
   * Points the view at the event inside an event block. Returns undefined on success or
   * a description of what is malformed.
   */
  load(
    buf: Buffer,
    blockStart: number,
    blockLength: number,
    layout: EventBlockLayout,
    le: boolean,
    blockOffset: number,
    framing: EventFraming,
  ): string | undefined {
    this.buf = buf;
    this.le = le;
    this.blockOffset = blockOffset;
    this.blockType = layout.type;
    this.type = 0;
    this.located = -1;
    this.hvBuf = undefined;
    this.tsCache = undefined;
    const bodyStart = blockStart + 8;
    const bodyEnd = blockStart + blockLength - 4;
    const hasFlags = layout.hasFlags;
    const prefix = hasFlags ? 6 : 2;
    const hdrLen = layout.v2 ? EVENT_HEADER_V2 : EVENT_HEADER_V1;
    if (bodyEnd - bodyStart < prefix + hdrLen) return `event block body of ${bodyEnd - bodyStart} bytes is shorter than an event header`;
    const hdr = (this.hdr = bodyStart + prefix);
    // Set before the checks below: a caller that gets a fault does not read it.
    this.tidValue = this.tid;
    const avail = bodyEnd - hdr;
    if (le && layout.v2) {
      let halves = this.halves;
      if (buf !== this.halvesBuf) {
        this.halvesBuf = buf;
        halves = this.halves = halvesOf(buf);
      }
      if (halves !== undefined && (hdr & 1) === 0) {
        // Hot path (every current capture read from a file): every header field and
        // parameter length is a whole 16-bit unit, one typed-array load each.
        const b = bodyStart >> 1;
        const h = hdr >> 1;
        this.hvBuf = buf;
        this.hv = halves;
        this.cpu = halves[b]!;
        this.blockFlags = hasFlags ? halves[b + 1]! + halves[b + 2]! * 65536 : 0;
        const type = (this.type = halves[h + 10]!);
        const len = halves[h + 8]! + halves[h + 9]! * 65536;
        const nparams = halves[h + 11]! + halves[h + 12]! * 65536;
        const lenSize = (this.lenSize = this.lengthWidth(type, framing));
        this.v1 = false;
        if (!v2HeaderFits(len, avail, nparams, lenSize)) return v2HeaderFault(len, avail, nparams, lenSize);
        this.nparams = nparams;
        this.lensStart = hdr + EVENT_HEADER_V2;
        this.len = len;
        if (lenSize === 2 && locateByHalves(this.offsetsFor(nparams), halves, h, nparams) <= hdr + len) {
          this.located = nparams;
          return undefined;
        }
        return this.checkLengths();
      }
      // Plain byte arithmetic instead of method calls (an odd-aligned buffer).
      this.cpu = buf[bodyStart]! | (buf[bodyStart + 1]! << 8);
      this.blockFlags = hasFlags ? (buf[bodyStart + 2]! | (buf[bodyStart + 3]! << 8) | (buf[bodyStart + 4]! << 16)) + buf[bodyStart + 5]! * 16777216 : 0;
      const type = (this.type = buf[hdr + 20]! | (buf[hdr + 21]! << 8));
      const len = (buf[hdr + 16]! | (buf[hdr + 17]! << 8) | (buf[hdr + 18]! << 16)) + buf[hdr + 19]! * 16777216;
      const nparams = (buf[hdr + 22]! | (buf[hdr + 23]! << 8) | (buf[hdr + 24]! << 16)) + buf[hdr + 25]! * 16777216;
      const lenSize = (this.lenSize = this.lengthWidth(type, framing));
      this.v1 = false;
      if (!v2HeaderFits(len, avail, nparams, lenSize)) return v2HeaderFault(len, avail, nparams, lenSize);
      this.nparams = nparams;
      const lensStart = (this.lensStart = hdr + EVENT_HEADER_V2);
      this.len = len;
      if (lenSize === 2) {
        // The parameter offsets, from one pass over the 2-byte length array; kept for
        // paramOffset / paramLen when the parameters fit in the event.
        const offs = this.offsetsFor(nparams);
        let p = lensStart + nparams * 2;
        for (let i = 0, l = lensStart; i < nparams; i++, l += 2) {
          offs[i] = p;
          p += buf[l]! | (buf[l + 1]! << 8);
        }
        offs[nparams] = p;
        if (p <= hdr + len) {
          this.located = nparams;
          return undefined;
        }
      }
      return this.checkLengths();
    }
    this.cpu = le ? buf.readUInt16LE(bodyStart) : buf.readUInt16BE(bodyStart);
    this.blockFlags = hasFlags ? (le ? buf.readUInt32LE(bodyStart + 2) : buf.readUInt32BE(bodyStart + 2)) : 0;
    const type = (this.type = le ? buf.readUInt16LE(hdr + 20) : buf.readUInt16BE(hdr + 20));
    let len = le ? buf.readUInt32LE(hdr + 16) : buf.readUInt32BE(hdr + 16);
    const lenSize = (this.lenSize = framing.largePayload(type) ? 4 : 2);
    if (layout.v2) {
      this.v1 = false;
      const nparams = le ? buf.readUInt32LE(hdr + 22) : buf.readUInt32BE(hdr + 22);
      if (!v2HeaderFits(len, avail, nparams, lenSize)) return v2HeaderFault(len, avail, nparams, lenSize);
      this.nparams = nparams;
      this.lensStart = hdr + EVENT_HEADER_V2;
      this.len = len;
      return this.checkLengths();
    }
    // V1: no nparams in the header; the count is whatever makes the lengths add up,
    // starting from the schema's count, as libscap does when it upgrades old blocks.
    this.v1 = true;
    const fault = headerLengthFault(len, EVENT_HEADER_V1, avail);
    if (fault !== undefined) return fault;
    this.lensStart = hdr + EVENT_HEADER_V1;
    const end = hdr + len;
    for (let n = framing.paramCount(type); n >= 0; n--) {
      let p = this.lensStart + n * lenSize;
      if (p > end) continue;
      for (let i = 0; i < n; i++) p += this.paramLen(i);
      if (p === end) {
        this.nparams = n;
        this.len = len + 4;
        return undefined;
      }
      if (p < end) return `cannot work out the parameter count of a V1 event (type ${type}, length ${len})`;
    }
    return `cannot work out the parameter count of a V1 event (type ${type}, length ${len})`;
  }

  /**
   * load() for its most common case, small enough for V8 to inline into the reader's block
   * loop: an EV_V2 block of a little-endian section, in a buffer with a 16-bit view and the
   * header on a 2-byte boundary, with 2-byte parameter lengths and every check passed.
   * Returns true with the view on the event, or false, and then load(), which the caller
   * runs next, gives the answer (and the wording of any fault).
   */
  loadEvV2(buf: Buffer, blockStart: number, blockLength: number, blockOffset: number, framing: EventFraming): boolean {
    let halves = this.halves;
    if (buf !== this.halvesBuf) {
      this.halvesBuf = buf;
      halves = this.halves = halvesOf(buf);
    }
    // Block header (8) and the CPU number (2) come before the event header.
    const hdr = blockStart + 10;
    if (halves === undefined || (hdr & 1) !== 0) return false;
    const h = hdr >> 1;
    const type = halves[h + 10]!;
    const len = halves[h + 8]! + halves[h + 9]! * 65536;
    const nparams = halves[h + 11]! + halves[h + 12]! * 65536;
    // Bytes from the event header to the block trailer; a body too short for a header
    // fails the first check too.
    const avail = blockLength - 14;
    if (this.lengthWidth(type, framing) !== 2 || !v2HeaderFits(len, avail, nparams, 2)) return false;
    if (locateByHalves(this.offsetsFor(nparams), halves, h, nparams) > hdr + len) return false;
    this.buf = buf;
    this.le = true;
    this.blockOffset = blockOffset;
    this.blockType = BlockType.EV_V2;
    this.tsCache = undefined;
    this.hdr = hdr;
    this.hvBuf = buf;
    this.hv = halves;
    this.cpu = halves[h - 1]!;
    this.blockFlags = 0;
    this.type = type;
    this.lenSize = 2;
    this.v1 = false;
    this.nparams = nparams;
    this.lensStart = hdr + EVENT_HEADER_V2;
    this.len = len;
    this.located = nparams;
    this.tidValue = tidFromHalves(halves, h);
    return true;
  }

  /** The parameter offset array, grown to hold `nparams` + 1 entries. */
  private offsetsFor(nparams: number): Int32Array {
    const offs = this.offsets;
    return offs.length > nparams ? offs : (this.offsets = new Int32Array(Math.max(nparams + 1, offs.length * 2)));
  }

  // 16-bit view of the buffer the last event came in: readers recycle a few chunk
  // buffers, so it is rebuilt about once per chunk.
  private halvesBuf: Buffer | undefined = undefined;
  // The current event's 16-bit view when load() took its hot path, for the per-event
  // header reads (tid, timestamp): half the loads of byte arithmetic. Valid while `buf` is
  // still that buffer: some callers move the view by hand, always onto another Buffer.
  private hvBuf: Buffer | undefined = undefined;
  private hv: Uint16Array = new Uint16Array(0);
  private halves: Uint16Array | undefined = undefined;

  // Parameter-length width per event code for the last framing seen (0 = not looked up
  // yet): one array read per event instead of a call into the event table.
  private widthFraming: EventFraming | undefined = undefined;
  private widths: Uint8Array = new Uint8Array(1024);

  private lengthWidth(type: number, framing: EventFraming): 2 | 4 {
    if (framing !== this.widthFraming) {
      this.widthFraming = framing;
      this.widths.fill(0);
    }
    const w = this.widths[type];
    if (w === 2 || w === 4) return w;
    const v = framing.largePayload(type) ? 4 : 2;
    if (type < this.widths.length) this.widths[type] = v;
    return v;
  }

  private checkLengths(): string | undefined {
    const buf = this.buf;
    const limit = this.hdr + this.len;
    const n = this.nparams;
    let l = this.lensStart;
    let p = l + n * this.lenSize;
    if (this.lenSize === 2 && this.le) {
      // Hot path: plain byte arithmetic, no per-parameter method calls; the parameter
      // offsets fall out of the same pass, so they are kept (paramOffset / paramLen).
      const offs = this.offsetsFor(n);
      for (let i = 0; i < n; i++, l += 2) {
        offs[i] = p;
        p += buf[l]! | (buf[l + 1]! << 8);
      }
      offs[n] = p;
      if (p <= limit) {
        this.located = n;
        return undefined;
      }
    } else {
      for (let i = 0; i < n; i++) p += this.paramLen(i);
    }
    if (p <= limit) return undefined;
    p = this.lensStart + n * this.lenSize;
    for (let i = 0; i < n; i++) {
      const len = this.paramLen(i);
      if (p + len > limit) return `parameter ${i} length ${len} runs past event length ${this.len}`;
      p += len;
    }
    return undefined;
  }

  /** Length in bytes of parameter `i` (no bounds check beyond the array). */
  paramLen(i: number): number {
    if (i >= 0 && i < this.located) {
      const o = this.offsets;
      return o[i + 1]! - o[i]!;
    }
    const off = this.lensStart + i * this.lenSize;
    if (this.lenSize === 2) return this.le ? this.buf.readUInt16LE(off) : this.buf.readUInt16BE(off);
    return this.le ? this.buf.readUInt32LE(off) : this.buf.readUInt32BE(off);
  }

  /** Offset in `buf` of parameter `i`'s value; -1 when the event has fewer parameters. */
  paramOffset(i: number): number {
    if (i >= this.nparams || i < 0) return -1;
    if (this.located < this.nparams) {
      if (this.offsets.length < this.nparams + 1) this.offsets = new Int32Array(this.nparams + 1);
      let p = this.lensStart + this.nparams * this.lenSize;
      for (let k = 0; k < this.nparams; k++) {
        this.offsets[k] = p;
        p += this.paramLen(k);
      }
      this.offsets[this.nparams] = p;
      this.located = this.nparams;
    }
    return this.offsets[i]!;
  }

  /** The raw bytes of parameter `i` (a view, not a copy), or undefined when absent. */
  paramBytes(i: number): Buffer | undefined {
    const off = this.paramOffset(i);
    if (off < 0) return undefined;
    return this.buf.subarray(off, off + this.paramLen(i));
  }

  /** True when this event was stored in a pre-V2 block (header without nparams). */
  get fromV1Block(): boolean {
    return this.v1;
  }

  /**
   * The event in the current V2 wire layout (header with nparams, lengths, values), as a
   * fresh buffer. Used by writers and by consumers that keep an event.
   */
  toV2Bytes(): Buffer {
    if (!this.v1) return Buffer.from(this.buf.subarray(this.hdr, this.hdr + this.len));
    const out = Buffer.allocUnsafe(this.len);
    this.buf.copy(out, 0, this.hdr, this.hdr + 20);
    if (this.le) {
      out.writeUInt32LE(this.len, 16);
      out.writeUInt16LE(this.type, 20);
      out.writeUInt32LE(this.nparams, 22);
    } else {
      out.writeUInt32BE(this.len, 16);
      out.writeUInt16BE(this.type, 20);
      out.writeUInt32BE(this.nparams, 22);
    }
    this.buf.copy(out, EVENT_HEADER_V2, this.lensStart, this.hdr + this.len - 4);
    return out;
  }

  /** A copy of this view that owns its bytes and survives the reader moving on. */
  detach(): EventView {
    const copy = new EventView();
    const bytes = this.toV2Bytes();
    copy.buf = bytes;
    copy.hdr = 0;
    copy.le = this.le;
    copy.blockOffset = this.blockOffset;
    copy.cpu = this.cpu;
    copy.blockFlags = this.blockFlags;
    copy.blockType = this.blockType;
    copy.type = this.type;
    copy.nparams = this.nparams;
    copy.lenSize = this.lenSize;
    copy.lensStart = EVENT_HEADER_V2;
    copy.len = this.len;
    return copy;
  }
}
