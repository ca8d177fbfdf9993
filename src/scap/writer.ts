import type { PcapngOption } from '../pcapng/section.js';
import { BlockWriter, type BlockWriterOptions } from '../pcapng/writer.js';
import { BlockType } from './block-types.js';
import type { EventView } from './event.js';

/** libscap reads non-large event blocks into a 64 KiB buffer; anything bigger must be a LARGE block. */
const NON_LARGE_BLOCK_LIMIT = 65536;

/**
 * Writes a SCAP capture in the current layout: SHB 1.2, then state blocks, then EV_V2/EVF_V2
 * event blocks (the LARGE variants only when an event does not fit the non-large limit).
 */
export class ScapWriter {
  private constructor(readonly blocks: BlockWriter) {}

  static async create(path: string, options: BlockWriterOptions = {}): Promise<ScapWriter> {
    return new ScapWriter(await BlockWriter.create(path, options));
  }

  writeSectionHeader(options: PcapngOption[] = []): void {
    this.blocks.writeSectionHeader(1, 2, options);
  }

  /** A state block body already encoded in its current version. */
  writeStateBlock(type: number, body: Buffer): void {
    this.blocks.writeBlock(type, body);
  }

  /** Writes one event in the V2 layout; `flags` non-zero selects an EVF block. */
  writeEventBytes(eventV2: Buffer, cpu: number, flags = 0): void {
    const withFlags = flags !== 0;
    const prefix = Buffer.allocUnsafe(withFlags ? 6 : 2);
    prefix.writeUInt16LE(cpu, 0);
    if (withFlags) prefix.writeUInt32LE(flags >>> 0, 2);
    const total = 12 + prefix.length + eventV2.length + 3;
    const large = total > NON_LARGE_BLOCK_LIMIT;
    const type = withFlags ? (large ? BlockType.EVF_V2_LARGE : BlockType.EVF_V2) : large ? BlockType.EV_V2_LARGE : BlockType.EV_V2;
    this.blocks.writeBlock(type, [prefix, eventV2]);
  }

  /** Writes an event from a reader's view (upgrading pre-V2 blocks), keeping CPU and flags. */
  writeEvent(ev: EventView): void {
    if (!ev.le) throw new Error('ScapWriter: big-endian events must be byte-swapped before writing');
    this.writeEventBytes(ev.toV2Bytes(), ev.cpu, ev.blockFlags);
  }

  flush(): Promise<void> {
    return this.blocks.flush();
  }

  close(): Promise<void> {
    return this.blocks.close();
  }

  abort(): Promise<void> {
    return this.blocks.abort();
  }
}
