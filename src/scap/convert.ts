import { CaptureError } from '../errors.js';
import { openByteSource, type Compression } from '../pcapng/source.js';
import { optionName } from '../pcapng/section.js';
import { ScapReader, isStateBlockType, type RawStateBlock } from './reader.js';
import { ScapWriter } from './writer.js';
import { decodeStateBlock, encodeStateBlock } from './blocks/index.js';
import { resolveTimePoint, type TimePoint } from './time.js';
import { swapEventToLittleEndian } from './byte-order.js';

export interface ConvertOptions {
  compression?: Compression;
  /** Keep events at or after this time. */
  start?: TimePoint;
  /** Keep events before this time. */
  end?: TimePoint;
  /** Keep only these PPME codes (state blocks are always kept). */
  eventTypes?: ReadonlySet<number>;
  force?: boolean;
  /** Called after each chunk with stream progress, for progress bars. */
  onProgress?: (readBytes: number, totalBytes: number | undefined) => void;
}

export interface ConvertResult {
  stateBlocks: number;
  eventsRead: number;
  eventsWritten: number;
  /** Blocks that were neither state nor events (dropped: we cannot vouch for their content). */
  unknownBlocks: number;
}

/**
 * Re-encodes a decoded state block in its current version: the writer side of the
 * lossless read -> write -> read round trip.
 */
function rewriteStateBlock(name: string, block: RawStateBlock): { type: number; body: Buffer } {
  const decoded = decodeStateBlock(block.type, block.buf, block.start, block.length, block.section.littleEndian, { file: name, offset: block.offset });
  if (decoded === undefined) throw new CaptureError(name, block.offset, `block type 0x${block.type.toString(16)} is not a state block`);
  return encodeStateBlock(decoded);
}

/**
 * Copies a capture to a new file: recompressed, cut to a time window, or limited to some
 * event types. State blocks are always kept, re-encoded in their current versions. The
 * output appears under its name only once complete (see BlockWriter).
 */
export async function convertCapture(input: string, output: string, options: ConvertOptions = {}): Promise<ConvertResult> {
  const source = await openByteSource(input);
  const result: ConvertResult = { stateBlocks: 0, eventsRead: 0, eventsWritten: 0, unknownBlocks: 0 };
  let writer: ScapWriter | undefined;
  try {
    writer = await ScapWriter.create(output, { compression: options.compression ?? 'none', force: options.force ?? false });
    const w = writer;
    let wroteHeader = false;
    let startNs: bigint | undefined;
    let endNs: bigint | undefined;
    let windowResolved = !options.start && !options.end;
    const types = options.eventTypes;
    const reader = new ScapReader(source, {
      afterChunk: async () => {
        options.onProgress?.(source.compressedRead(), source.compressedSize);
        await w.flush();
      },
    });
    await reader.read({
      onSection(section) {
        if (wroteHeader) return;
        wroteHeader = true;
        // Comments and other text options describe the capture and travel with it.
        w.writeSectionHeader(section.options.filter((o) => optionName(o.code) !== `option ${o.code}`));
      },
      onBlock(block) {
        if (!isStateBlockType(block.type)) {
          result.unknownBlocks++;
          return;
        }
        const { type, body } = rewriteStateBlock(input, block);
        w.writeStateBlock(type, body);
        result.stateBlocks++;
      },
      onEvent(ev) {
        result.eventsRead++;
        if (!windowResolved) {
          const first = ev.ts;
          if (options.start) startNs = resolveTimePoint(options.start, first);
          if (options.end) endNs = resolveTimePoint(options.end, first);
          windowResolved = true;
        }
        if (types && !types.has(ev.type)) return;
        if (startNs !== undefined || endNs !== undefined) {
          const ts = ev.ts;
          if (startNs !== undefined && ts < startNs) return;
          if (endNs !== undefined && ts >= endNs) return;
        }
        if (ev.le) w.writeEvent(ev);
        else w.writeEventBytes(swapEventToLittleEndian(ev), ev.cpu, ev.blockFlags);
        result.eventsWritten++;
      },
    });
    await writer.close();
    writer = undefined;
    return result;
  } finally {
    if (writer) await writer.abort();
    await source.close();
  }
}
