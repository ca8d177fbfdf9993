import { CaptureError } from '../errors.js';
import { BlockReader, type BlockReaderOptions } from '../pcapng/reader.js';
import type { Section } from '../pcapng/section.js';
import { openByteSource, type ByteSource } from '../pcapng/source.js';
import { BlockType, eventBlockLayout } from './block-types.js';
import { EventView, type EventFraming } from './event.js';
import { EVENT_FRAMING, PPM_EVENT_MAX } from './event-table.js';

/** A block that is not an event block, delivered raw so callers decode only what they need. */
export interface RawStateBlock {
  type: number;
  buf: Buffer;
  start: number;
  length: number;
  offset: number;
  section: Section;
}

export interface ScapVisitor {
  onSection?(section: Section): void;
  /** Machine, process, fd, interface and user blocks, and any block type we do not know. */
  onBlock?(block: RawStateBlock): void;
  /** Every event, through one reused view: call `detach()` to keep it. */
  onEvent?(ev: EventView): void;
}

export interface ScapReadOptions extends BlockReaderOptions {
  framing?: EventFraming;
  /** Reject event types outside the event table (default true): libscap skips them silently, we name them. */
  strictEventTypes?: boolean;
}

const STATE_TYPES: ReadonlySet<number> = new Set<number>([
  BlockType.MI,
  BlockType.MI_INT,
  BlockType.PL_V1,
  BlockType.PL_V1_INT,
  BlockType.PL_V2,
  BlockType.PL_V2_INT,
  BlockType.PL_V3,
  BlockType.PL_V3_INT,
  BlockType.PL_V4,
  BlockType.PL_V5,
  BlockType.PL_V6,
  BlockType.PL_V7,
  BlockType.PL_V8,
  BlockType.PL_V9,
  BlockType.FDL,
  BlockType.FDL_INT,
  BlockType.FDL_V2,
  BlockType.IL,
  BlockType.IL_INT,
  BlockType.IL_V2,
  BlockType.UL,
  BlockType.UL_INT,
  BlockType.UL_V2,
]);

const EV_V2_LAYOUT = eventBlockLayout(BlockType.EV_V2)!;

// Module-level copies of imported values the per-block step compares against: optimized
// code folds a module's own const, where it reads an import through a cell at every use.
const EV_V2 = BlockType.EV_V2;
const SHB = BlockType.SHB;
const EVENT_MAX = PPM_EVENT_MAX;

function unknownType(type: number): string {
  return `unknown event type ${type} (the event table ends at ${PPM_EVENT_MAX - 1})`;
}

export function isStateBlockType(type: number): boolean {
  return STATE_TYPES.has(type);
}

/**
 * The error for an event block that failed to load (ERR) or, with STRICT, carries a type
 * beyond the event table: an unknown type is named as such even when its lengths are
 * also wrong, since the lengths of an unknown type cannot be checked.
 */
function eventFault(name: string, offset: number, view: EventView, err: string | undefined, strict: boolean): CaptureError {
  const unknown = strict && view.type >= EVENT_MAX;
  return new CaptureError(name, offset, unknown ? unknownType(view.type) : err!);
}

/**
 * Reads a SCAP capture block by block: sections, state blocks (raw) and events (zero-copy
 * views). The reader itself keeps no per-event state, so memory stays flat in file size.
 */
export class ScapReader {
  readonly blocks: BlockReader;
  /** The reused event view; after a chunk it still shows the chunk's last event. */
  readonly view = new EventView();

  constructor(
    readonly source: ByteSource,
    private readonly options: ScapReadOptions = {},
  ) {
    this.blocks = new BlockReader(source, options);
  }

  static async open(path: string, options: ScapReadOptions = {}): Promise<ScapReader> {
    return new ScapReader(await openByteSource(path), options);
  }

  /** Stream offset just past the last whole block read. */
  get offset(): number {
    return this.blocks.progress.offset;
  }

  async read(visitor: ScapVisitor): Promise<void> {
    // The event step is written out here rather than calling eventLoader(): this loop is
    // every consumer's hot path. The two must stay the same.
    const framing = this.options.framing ?? EVENT_FRAMING;
    const strict = this.options.strictEventTypes ?? true;
    const view = this.view;
    const name = this.source.name;
    const { onSection, onBlock, onEvent } = visitor;
    let lastSection: Section | undefined;
    await this.blocks.read((type, buf, start, length, offset, section) => {
      if (section !== lastSection) {
        lastSection = section;
        onSection?.(section);
      }
      if (type === EV_V2 && section.littleEndian && view.loadEvV2(buf, start, length, offset, framing) && (!strict || view.type < EVENT_MAX)) {
        onEvent?.(view);
        return;
      }
      const layout = type === EV_V2 ? EV_V2_LAYOUT : eventBlockLayout(type);
      if (layout !== undefined) {
        const err = view.load(buf, start, length, layout, section.littleEndian, offset, framing);
        if (err !== undefined || (strict && view.type >= EVENT_MAX)) throw eventFault(name, offset, view, err, strict);
        onEvent?.(view);
        return;
      }
      if (type === SHB) return;
      onBlock?.({ type, buf, start, length, offset, section });
    });
  }

  /**
   * The per-block event step of read(), for readers that frame blocks themselves (the
   * counting fast path of `info`): points `view` at the event when the block is an event
   * block and returns true, returns false for any other block, and throws the same
   * CaptureError read() would for a malformed event (test/scap/summary.test.ts holds the
   * two to the same results).
   */
  eventLoader(): (type: number, buf: Buffer, start: number, length: number, offset: number, section: Section) => boolean {
    const framing = this.options.framing ?? EVENT_FRAMING;
    const strict = this.options.strictEventTypes ?? true;
    const view = this.view;
    const name = this.source.name;
    return (type, buf, start, length, offset, section) => {
      if (type === EV_V2 && section.littleEndian && view.loadEvV2(buf, start, length, offset, framing) && (!strict || view.type < EVENT_MAX)) return true;
      const layout = type === EV_V2 ? EV_V2_LAYOUT : eventBlockLayout(type);
      if (layout === undefined) return false;
      const err = view.load(buf, start, length, layout, section.littleEndian, offset, framing);
      if (err !== undefined || (strict && view.type >= EVENT_MAX)) throw eventFault(name, offset, view, err, strict);
      return true;
    };
  }

  close(): Promise<void> {
    return this.source.close();
  }
}
