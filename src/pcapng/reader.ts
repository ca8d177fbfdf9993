import { CaptureError } from '../errors.js';
import * as pcapng from './constants.js';
import { decodeSectionBody, type Section } from './section.js';
import type { ByteSource } from './source.js';
import { wordsAt } from './views.js';

/**
 * Called once per block, synchronously. `buf[start .. start+length)` is the whole block
 * (header, body, trailing length); the body is `[start+8, start+length-4)`. The buffer is
 * only valid until the visitor returns unless the caller copies it: the reader reuses
 * nothing, but it does not pin chunks either.
 */
export type BlockVisitor = (type: number, buf: Buffer, start: number, length: number, offset: number, section: Section) => void;

export interface BlockReaderOptions {
  /**
   * Upper bound on a single block. A length field above it is reported as corrupt instead
   * of being trusted; the default is far above anything libscap writes.
   */
  maxBlockLength?: number;
  /** Called after each chunk of blocks, awaited: the place for backpressure and progress. */
  afterChunk?: () => void | Promise<void>;
}

export const DEFAULT_MAX_BLOCK_LENGTH = 1 << 30;

// Imported bindings are live, so optimized code reads each one through a cell, with a
// check, at every use; a module-level const is folded into the code instead.
const SHB_BLOCK_TYPE = pcapng.SHB_BLOCK_TYPE;
const BYTE_ORDER_MAGIC = pcapng.BYTE_ORDER_MAGIC;
const BLOCK_OVERHEAD = pcapng.BLOCK_OVERHEAD;

/**
 * Bytes of a chunk framed per call of the scan loop. V8 collects type feedback for a
 * function, and so optimizes it, only after a few calls; one call per multi-megabyte chunk
 * would run the first chunks in unoptimized code and leave the code optimized mid-chunk
 * without feedback for the end-of-buffer paths, to be thrown away the first time each is
 * taken. Slices this size cost a few thousand calls on a large capture.
 */
const SCAN_SLICE = 64 << 10;

/** Statistics the reader keeps as it goes; valid even after a fault. */
export interface ReadProgress {
  /** Stream offset just past the last whole block delivered. */
  offset: number;
  blocks: number;
  sections: number;
}

/**
 * Streaming pcap-ng block reader. Memory is bounded by the chunk size plus the largest
 * block, which itself can never exceed what the file holds.
 */
export class BlockReader {
  readonly progress: ReadProgress = { offset: 0, blocks: 0, sections: 0 };
  private section: Section | undefined;
  private readonly maxBlockLength: number;

  constructor(
    private readonly source: ByteSource,
    private readonly options: BlockReaderOptions = {},
  ) {
    this.maxBlockLength = options.maxBlockLength ?? DEFAULT_MAX_BLOCK_LENGTH;
  }

  get currentSection(): Section | undefined {
    return this.section;
  }

  private fail(offset: number | undefined, detail: string): never {
    throw new CaptureError(this.source.name, offset, detail);
  }

  /** Remaining bytes on disk when the file is uncompressed: lets a bad length fail fast. */
  private bytesLeftOnDisk(offset: number): number | undefined {
    if (this.source.compression !== 'none' || this.source.compressedSize === undefined) return undefined;
    return this.source.compressedSize - offset;
  }

  async read(visit: BlockVisitor): Promise<void> {
    const afterChunk = this.options.afterChunk;
    // Bytes of a block that straddles chunks. Only that block is ever copied: the rest of
    // each chunk is scanned in place.
    let carry: Buffer | undefined;
    let streamOffset = 0; // stream offset of carry[0], or of the next chunk's first byte
    let sawAny = false;

    for await (const chunk of this.source.chunks()) {
      if (chunk.length === 0) continue;
      sawAny = true;
      let from = 0;
      while (carry !== undefined) {
        // Complete the straddling block from the head of this chunk.
        const need = this.blockLengthOf(carry, streamOffset);
        const want = need === undefined ? Math.min(64, chunk.length - from) : need - carry.length;
        const take = Math.min(want, chunk.length - from);
        carry = Buffer.concat([carry, chunk.subarray(from, from + take)]);
        from += take;
        const total = need ?? this.blockLengthOf(carry, streamOffset);
        if (total !== undefined && carry.length >= total) {
          const used = this.scan(carry, 0, carry.length, streamOffset, visit);
          streamOffset += used;
          carry = used < carry.length ? carry.subarray(used) : undefined;
        }
        if (from >= chunk.length) break;
      }
      // The rest of the chunk, in slices (see SCAN_SLICE); a block longer than a slice is
      // scanned with the whole rest of the chunk.
      while (from < chunk.length) {
        const stop = Math.min(chunk.length, from + SCAN_SLICE);
        let used = this.scan(chunk, from, stop, streamOffset, visit);
        if (used === 0 && stop < chunk.length) used = this.scan(chunk, from, chunk.length, streamOffset, visit);
        if (used === 0) break;
        streamOffset += used;
        from += used;
      }
      if (from < chunk.length) carry = Buffer.from(chunk.subarray(from));
      if (afterChunk) await afterChunk();
    }
    if (!sawAny) this.fail(undefined, 'empty file: not a SCAP capture');
    if (carry !== undefined) this.truncated(carry, streamOffset);
  }

  /** Total length of the block starting at buf[0] once its header is complete (validated), else undefined. */
  private blockLengthOf(buf: Buffer, offset: number): number | undefined {
    if (buf.length < 8) return undefined;
    if (this.section === undefined || buf.readUInt32LE(0) === SHB_BLOCK_TYPE) {
      if (buf.length < 12) return undefined;
      const magicLE = buf.readUInt32LE(8);
      const le = magicLE === BYTE_ORDER_MAGIC ? true : buf.readUInt32BE(8) === BYTE_ORDER_MAGIC ? false : undefined;
      if (le === undefined) return 12; // let scan() report the bad magic
      const length = le ? buf.readUInt32LE(4) : buf.readUInt32BE(4);
      this.checkLength(offset, length);
      return length;
    }
    const length = this.section.littleEndian ? buf.readUInt32LE(4) : buf.readUInt32BE(4);
    this.checkLength(offset, length);
    return length;
  }

  /** Describes why the bytes left at end of stream do not make a block. */
  private truncated(rest: Buffer, offset: number): never {
    if (rest.length < 8) this.fail(offset, `truncated: ${rest.length} bytes left, shorter than a block header`);
    const le = this.section?.littleEndian ?? true;
    const len = le ? rest.readUInt32LE(4) : rest.readUInt32BE(4);
    this.fail(offset, `truncated: block claims ${len} bytes but only ${rest.length} remain in the file`);
  }

  /** Visits every whole block in buf[from, end); returns how many bytes were used. */
  private scan(buf: Buffer, from: number, end: number, baseOffset: number, visit: BlockVisitor): number {
    let p = from;
    const progress = this.progress;
    const maxBlockLength = this.maxBlockLength;
    let blocks = 0;
    // Blocks are whole multiples of 4 bytes, so when the first one sits on a 4-byte
    // boundary of memory every block after it does too, and a little-endian section's
    // type, length and trailer can be read as single aligned words (one load each instead
    // of four byte loads and the arithmetic joining them). File chunks always start
    // aligned; a carried block or a caller's odd sub-buffer may not, and takes the
    // byte-wise path below, which accepts and rejects exactly the same blocks.
    const words = wordsAt(buf, from, end);
    // On a fault (here or thrown by the visitor) progress still ends at the last whole
    // block delivered, which is what callers report as decoded before the fault.
    try {
      while (end - p >= 8) {
        const section = this.section;
        if (words !== undefined && section !== undefined && section.littleEndian && words[(p - from) >> 2] !== SHB_BLOCK_TYPE) {
          // Hot path: the blocks of a little-endian section, up to the next section header.
          let w = (p - from) >> 2;
          const wend = (end - from) >> 2;
          let incomplete = false;
          do {
            const at = from + w * 4;
            const length = words[w + 1]!;
            if (length < BLOCK_OVERHEAD || (length & 3) !== 0 || length > maxBlockLength || length > end - at) {
              // Throws for a bad length (negative words are lengths of 2 GiB and more, named
              // unsigned); a good one that runs past this buffer waits for more bytes.
              this.checkLength(baseOffset + at - from, length >>> 0);
              incomplete = true;
              break;
            }
            if (words[w + (length >> 2) - 1] !== length) this.checkTrailer(buf, at, length, baseOffset + at - from, true);
            visit(words[w]! >>> 0, buf, at, length, baseOffset + at - from, section);
            w += length >> 2;
            p = at + length;
            blocks++;
          } while (wend - w >= 2 && words[w] !== SHB_BLOCK_TYPE);
          if (incomplete) break;
          continue;
        }
        const first = (buf[p]! | (buf[p + 1]! << 8) | (buf[p + 2]! << 16)) + buf[p + 3]! * 16777216;
        if (section !== undefined && first !== SHB_BLOCK_TYPE && section.littleEndian) {
          // Hot path: a block of a little-endian section, read with plain byte arithmetic.
          const length = (buf[p + 4]! | (buf[p + 5]! << 8) | (buf[p + 6]! << 16)) + buf[p + 7]! * 16777216;
          if (length < BLOCK_OVERHEAD || (length & 3) !== 0 || length > this.maxBlockLength || length > end - p) {
            if (length >= BLOCK_OVERHEAD && (length & 3) === 0 && length <= this.maxBlockLength) {
              this.checkLength(baseOffset + p - from, length);
              break; // incomplete: wait for more bytes
            }
            this.checkLength(baseOffset + p - from, length);
          }
          const t = p + length - 4;
          if ((buf[t]! | (buf[t + 1]! << 8) | (buf[t + 2]! << 16)) + buf[t + 3]! * 16777216 !== length) {
            this.checkTrailer(buf, p, length, baseOffset + p - from, true);
          }
          visit(first, buf, p, length, baseOffset + p - from, section);
          p += length;
          blocks++;
          continue;
        }
        const offset = baseOffset + p - from;
        let type: number;
        let length: number;
        let sec: Section;
        if (section === undefined || first === SHB_BLOCK_TYPE) {
          if (first !== SHB_BLOCK_TYPE) {
            this.fail(offset, `not a SCAP capture: first block type is 0x${first.toString(16).padStart(8, '0')}, expected a pcap-ng section header`);
          }
          if (end - p < 12) break;
          const magicLE = buf.readUInt32LE(p + 8);
          const le = magicLE === BYTE_ORDER_MAGIC ? true : buf.readUInt32BE(p + 8) === BYTE_ORDER_MAGIC ? false : undefined;
          if (le === undefined) this.fail(offset, `section header has bad byte-order magic 0x${magicLE.toString(16)}`);
          type = SHB_BLOCK_TYPE;
          length = le ? buf.readUInt32LE(p + 4) : buf.readUInt32BE(p + 4);
          this.checkLength(offset, length);
          if (end - p < length) break;
          const decoded = decodeSectionBody(buf, p + 8, p + length - 4, offset, le);
          if (typeof decoded === 'string') this.fail(offset, decoded);
          this.checkTrailer(buf, p, length, offset, le);
          sec = this.section = decoded;
          progress.sections++;
        } else {
          sec = section;
          type = buf.readUInt32BE(p);
          length = buf.readUInt32BE(p + 4);
          this.checkLength(offset, length);
          if (end - p < length) break;
          this.checkTrailer(buf, p, length, offset, false);
        }
        visit(type, buf, p, length, offset, sec);
        p += length;
        blocks++;
      }
    } finally {
      progress.blocks += blocks;
      progress.offset = baseOffset + p - from;
    }
    return p - from;
  }

  private checkLength(offset: number, length: number): void {
    if (length < BLOCK_OVERHEAD) this.fail(offset, `length ${length} is shorter than a block header`);
    if (length % 4 !== 0) this.fail(offset, `length ${length} is not a multiple of 4`);
    if (length > this.maxBlockLength) this.fail(offset, `length ${length} exceeds the ${this.maxBlockLength}-byte block limit`);
    const left = this.bytesLeftOnDisk(offset);
    if (left !== undefined && length > left) this.fail(offset, `truncated: block claims ${length} bytes but only ${left} remain in the file`);
  }

  private checkTrailer(buf: Buffer, p: number, length: number, offset: number, le: boolean): void {
    const trailer = le ? buf.readUInt32LE(p + length - 4) : buf.readUInt32BE(p + length - 4);
    if (trailer !== length) this.fail(offset, `trailing length ${trailer} does not match block length ${length}`);
  }
}
