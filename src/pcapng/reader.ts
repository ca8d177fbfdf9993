import { CaptureError } from '../errors.js';
import { BLOCK_OVERHEAD, BYTE_ORDER_MAGIC, SHB_BLOCK_TYPE } from './constants.js';
import { decodeSectionBody, type Section } from './section.js';
import type { ByteSource } from './source.js';

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

const SHB_SWAPPED = 0x0a0d0d0a; // palindromic: the SHB type reads the same in both orders

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
    // Bytes carried over from earlier chunks: a block that straddles a chunk boundary.
    let parts: Buffer[] = [];
    let partsLen = 0;
    let streamOffset = 0; // offset of parts[0][0] (or of the current chunk when parts is empty)
    let need = 0; // bytes needed to complete the straddling block; 0 = unknown yet
    let sawAny = false;

    for await (const chunkIn of this.source.chunks()) {
      if (chunkIn.length === 0) continue;
      sawAny = true;
      let buf: Buffer;
      if (partsLen > 0) {
        parts.push(chunkIn);
        partsLen += chunkIn.length;
        if (need > 0 && partsLen < need) continue;
        buf = parts.length === 1 ? parts[0]! : Buffer.concat(parts, partsLen);
        parts = [];
        partsLen = 0;
      } else {
        buf = chunkIn;
      }
      const consumed = this.scan(buf, streamOffset, visit);
      streamOffset += consumed.used;
      need = consumed.need;
      if (consumed.used < buf.length) {
        parts = [buf.subarray(consumed.used)];
        partsLen = buf.length - consumed.used;
      }
      if (afterChunk) await afterChunk();
    }
    if (!sawAny) this.fail(undefined, 'empty file: not a SCAP capture');
    if (partsLen > 0) {
      const rest = parts.length === 1 ? parts[0]! : Buffer.concat(parts, partsLen);
      this.truncated(rest, streamOffset);
    }
  }

  /** Describes why the bytes left at end of stream do not make a block. */
  private truncated(rest: Buffer, offset: number): never {
    if (rest.length < 8) this.fail(offset, `truncated: ${rest.length} bytes left, shorter than a block header`);
    const le = this.section?.littleEndian ?? true;
    const len = le ? rest.readUInt32LE(4) : rest.readUInt32BE(4);
    this.fail(offset, `truncated: block claims ${len} bytes but only ${rest.length} remain in the file`);
  }

  /**
   * Visits every whole block in `buf`. Returns how many bytes were used and, if a block
   * was left incomplete, how many bytes it needs in total (0 if its header is incomplete).
   */
  private scan(buf: Buffer, baseOffset: number, visit: BlockVisitor): { used: number; need: number } {
    let p = 0;
    const end = buf.length;
    const progress = this.progress;
    while (end - p >= 8) {
      const offset = baseOffset + p;
      let section = this.section;
      let type: number;
      let length: number;
      if (section === undefined || buf.readUInt32LE(p) === SHB_BLOCK_TYPE) {
        // A section header: the byte order of its own length comes from its magic.
        if (buf.readUInt32LE(p) !== SHB_SWAPPED) {
          if (section === undefined) {
            this.fail(offset, `not a SCAP capture: first block type is 0x${buf.readUInt32LE(p).toString(16).padStart(8, '0')}, expected a pcap-ng section header`);
          }
        }
        if (end - p < 12) return { used: p, need: 0 };
        const magicLE = buf.readUInt32LE(p + 8);
        const le = magicLE === BYTE_ORDER_MAGIC ? true : buf.readUInt32BE(p + 8) === BYTE_ORDER_MAGIC ? false : undefined;
        if (le === undefined) this.fail(offset, `section header has bad byte-order magic 0x${magicLE.toString(16)}`);
        type = SHB_BLOCK_TYPE;
        length = le ? buf.readUInt32LE(p + 4) : buf.readUInt32BE(p + 4);
        this.checkLength(offset, length);
        if (end - p < length) return { used: p, need: length };
        const decoded = decodeSectionBody(buf, p + 8, p + length - 4, offset, le);
        if (typeof decoded === 'string') this.fail(offset, decoded);
        this.checkTrailer(buf, p, length, offset, le);
        section = this.section = decoded;
        progress.sections++;
      } else {
        const le = section.littleEndian;
        type = le ? buf.readUInt32LE(p) : buf.readUInt32BE(p);
        length = le ? buf.readUInt32LE(p + 4) : buf.readUInt32BE(p + 4);
        this.checkLength(offset, length);
        if (end - p < length) return { used: p, need: length };
        this.checkTrailer(buf, p, length, offset, le);
      }
      visit(type, buf, p, length, offset, section);
      p += length;
      progress.offset = baseOffset + p;
      progress.blocks++;
    }
    return { used: p, need: 0 };
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
