import type { PcapngOption } from '../pcapng/section.js';
import { BlockWriter, type BlockWriterOptions } from '../pcapng/writer.js';
import { BlockType } from './block-types.js';
import type { EventView } from './event.js';

/** libscap reads non-large event blocks into a 64 KiB buffer; anything bigger must be a LARGE block. */
const NON_LARGE_BLOCK_LIMIT = 65536;
/** PPME_PLUGINEVENT_E: plugin ID u32 + event data, large-payload (4-byte) lengths. */
const PPME_PLUGINEVENT_E = 322;
/** Header (26) + two 4-byte lengths + the plugin ID. */
const PLUGIN_EVENT_HEADER = 38;

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

  /**
   * Writes a PPME_PLUGINEVENT_E (322) event: the plugin ID (u32) and the payload, with
   * 4-byte parameter lengths, as libscap stores events of a sourcing plugin. Plugin events
   * belong to no thread: `tid` defaults to -1, as libsinsp sets it.
   */
  writePluginEvent(pluginId: number, payload: Uint8Array, ts: bigint, tid = 0xffffffffffffffffn, cpu = 0): void {
    const ev = Buffer.allocUnsafe(PLUGIN_EVENT_HEADER + payload.byteLength);
    ev.writeBigUInt64LE(ts, 0);
    ev.writeBigUInt64LE(BigInt.asUintN(64, tid), 8);
    ev.writeUInt32LE(ev.length, 16);
    ev.writeUInt16LE(PPME_PLUGINEVENT_E, 20);
    ev.writeUInt32LE(2, 22);
    ev.writeUInt32LE(4, 26);
    ev.writeUInt32LE(payload.byteLength, 30);
    ev.writeUInt32LE(pluginId >>> 0, 34);
    ev.set(payload, PLUGIN_EVENT_HEADER);
    this.writeEventBytes(ev, cpu);
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
