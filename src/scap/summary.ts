import { isInputError } from '../errors.js';
import { sectionTextOptions, type Section } from '../pcapng/section.js';
import { openByteSource, type ByteSource, type Compression } from '../pcapng/source.js';
import { SHB_BLOCK_TYPE } from '../pcapng/constants.js';
import { halvesOf } from '../pcapng/views.js';
import { BlockType, blockTypeName } from './block-types.js';
import { decodeStateBlock, type StateBlock } from './blocks/index.js';
import { EVENT_FRAMING, PPM_EVENT_MAX, eventInfo } from './event-table.js';
import { ScapReader } from './reader.js';

export interface EventTypeCount {
  code: number;
  name: string;
  direction: '>' | '<' | '?';
  count: number;
}

export interface CaptureSummary {
  file: string;
  format: {
    compression: Compression;
    fileBytes: number | undefined;
    /** Bytes of pcap-ng decoded (after decompression). */
    streamBytes: number;
    sections: { version: string; byteOrder: 'little-endian' | 'big-endian'; options: { name: string; value: string }[] }[];
  };
  machine?: { hostname: string; cpus: number; memoryBytes: number; [k: string]: unknown };
  blocks: { type: string; code: number; count: number }[];
  state: { threads: number; processes: number; fds: number; users: number; groups: number; interfaces: number };
  events: {
    total: number;
    /** ns since the epoch, as decimal strings (beyond 2^53). */
    firstTs?: string;
    lastTs?: string;
    durationNs?: string;
    byType: EventTypeCount[];
  };
  /** Set when reading stopped at a fault: everything above is what was decoded before it. */
  error?: string;
}

/**
 * Event codes the counting fast path may take: inside the table and with 2-byte parameter
 * lengths. Anything else goes through the reader's own event loader.
 */
const FAST_TYPES: Uint8Array = (() => {
  const ok = new Uint8Array(65536);
  for (let code = 0; code < PPM_EVENT_MAX; code++) ok[code] = EVENT_FRAMING.largePayload(code) ? 0 : 1;
  return ok;
})();

/**
 * The EV_V2 block code, as a module-level const: the counting loop compares every block
 * with it, and optimized code folds a const where it reads an imported object's field.
 */
const EV_V2 = BlockType.EV_V2;

/** Block body prefix of an EV_V2 block (the CPU id) and the V2 event header size. */
const EV_V2_PREFIX = 2;
const EVENT_HEADER_V2 = 26;

/** Reads a whole capture and summarises it; on a fault, returns what it decoded so far with `error` set. */
export async function summarizeCapture(path: string): Promise<CaptureSummary> {
  return summarizeSource(await openByteSource(path));
}

/**
 * Summarises the capture in `source` (a file, or bytes in memory), as summarizeCapture
 * does; `file` in the result is the source's name. Closes the source.
 */
export async function summarizeSource(source: ByteSource): Promise<CaptureSummary> {
  const path = source.name;
  // The last timestamp is read once per chunk from the chunk's last event: reading it per
  // event would dominate the loop, and the chunk's buffer may be recycled after it.
  let countAtLastChunk = 0;
  let lastBuf: Buffer | undefined;
  let lastHdr = 0;
  let lastLe = true;
  const readLastTs = () => {
    foldHot();
    // Only when this chunk had events: otherwise lastBuf may be a recycled buffer.
    if (total === countAtLastChunk || lastBuf === undefined) return;
    countAtLastChunk = total;
    lastLo = lastLe ? lastBuf.readUInt32LE(lastHdr) : lastBuf.readUInt32BE(lastHdr + 4);
    lastHi = lastLe ? lastBuf.readUInt32LE(lastHdr + 4) : lastBuf.readUInt32BE(lastHdr);
  };
  const reader: ScapReader = new ScapReader(source, { afterChunk: readLastTs });
  const blockCounts = new Map<number, number>();
  // Codes outside the event table never get counted: the reader rejects them (strict).
  const typeCounts = new Uint32Array(PPM_EVENT_MAX);
  const sections: Section[] = [];
  const state = { threads: 0, processes: 0, fds: 0, users: 0, groups: 0, interfaces: 0 };
  let machine: CaptureSummary['machine'];
  let total = 0;
  let first: bigint | undefined;
  let lastLo = 0;
  let lastHi = 0;
  let runType = -1;
  let runLength = 0;
  const flushRun = () => {
    if (runLength > 0) blockCounts.set(runType, (blockCounts.get(runType) ?? 0) + runLength);
    runLength = 0;
  };
  let error: string | undefined;
  const pids = new Set<number>();
  const view = reader.view;
  const loadEvent = reader.eventLoader();
  let lastSection: Section | undefined;
  const fast = FAST_TYPES;
  // The counting fast path below reads the chunk the last block came in as 16-bit units
  // (the file reader recycles a few chunk buffers, so the view is rebuilt about once per
  // chunk). It takes a block only from `hotBuf`, which visitBlock sets to that chunk once
  // what the fast path skips is done (the section is known and little-endian, an EV_V2 run
  // is open, the first timestamp is taken) and clears on any other block; a new section
  // begins with a header block, which visitBlock sees.
  let viewBuf: Buffer | undefined;
  let halves: Uint16Array = new Uint16Array(0);
  let hotBuf: Buffer | undefined;
  // The fast path's events since the last fold, and where the last of them starts in
  // viewBuf: it bumps two numbers per event, and foldHot() brings the totals, the run and
  // the last event up to date before anything reads them.
  let hotCount = 0;
  let lastHot = 0;
  function foldHot(): void {
    if (hotCount === 0) return;
    total += hotCount;
    runLength += hotCount;
    hotCount = 0;
    lastBuf = viewBuf;
    lastHdr = lastHot + 8 + EV_V2_PREFIX;
    lastLe = true;
  }
  // Every block the fast path does not take, including the first of each chunk.
  const visitBlock = (type: number, buf: Buffer, start: number, length: number, offset: number, section: Section): void => {
    foldHot();
    if (section !== lastSection) {
      lastSection = section;
      sections.push(section);
      blockCounts.set(SHB_BLOCK_TYPE, (blockCounts.get(SHB_BLOCK_TYPE) ?? 0) + 1);
    }
    if (buf !== viewBuf) {
      const h = halvesOf(buf);
      viewBuf = h === undefined ? undefined : buf;
      if (h !== undefined) halves = h;
    }
    hotBuf = undefined;
    if (type === EV_V2 && section.littleEndian && length >= 12 + EV_V2_PREFIX + EVENT_HEADER_V2) {
      const hdr = start + 8 + EV_V2_PREFIX;
      const code = buf[hdr + 20]! | (buf[hdr + 21]! << 8);
      const len = (buf[hdr + 16]! | (buf[hdr + 17]! << 8) | (buf[hdr + 18]! << 16)) + buf[hdr + 19]! * 16777216;
      const nparams = (buf[hdr + 22]! | (buf[hdr + 23]! << 8) | (buf[hdr + 24]! << 16)) + buf[hdr + 25]! * 16777216;
      if (fast[code] === 1 && EVENT_HEADER_V2 + nparams * 2 <= len && len <= length - 12 - EV_V2_PREFIX) {
        let l = hdr + EVENT_HEADER_V2;
        let end = l + nparams * 2;
        for (let i = 0; i < nparams; i++, l += 2) end += buf[l]! | (buf[l + 1]! << 8);
        if (end <= hdr + len) {
          if (total === 0) first = buf.readBigUInt64LE(hdr);
          total++;
          typeCounts[code]!++;
          lastBuf = buf;
          lastHdr = hdr;
          lastLe = true;
          if (runType !== EV_V2) {
            flushRun();
            runType = EV_V2;
          }
          runLength++;
          hotBuf = viewBuf;
          return;
        }
      }
    }
    if (loadEvent(type, buf, start, length, offset, section)) {
      if (total === 0) first = view.ts;
      total++;
      typeCounts[view.type]!++;
      lastBuf = view.buf;
      lastHdr = view.hdr;
      lastLe = view.le;
      // Event blocks come in long runs of one type: count runs, not map updates per event.
      if (type !== runType) {
        flushRun();
        runType = type;
      }
      runLength++;
      return;
    }
    if (type === SHB_BLOCK_TYPE) return;
    blockCounts.set(type, (blockCounts.get(type) ?? 0) + 1);
    const decoded = decodeStateBlock(type, buf, start, length, section.littleEndian, { file: path, offset });
    if (decoded) countState(decoded);
  };
  try {
    // Framing and counting only: the common block (EV_V2, little-endian, a known event with
    // 2-byte parameter lengths) is checked and counted in place, with the same checks as
    // EventView.load; every other block, and any event that fails a check, goes through
    // the reader's own loader, which accepts exactly what read() accepts and words the
    // fault the same way. The step per block is kept small so that the block reader's
    // loop can take it in whole; the rest is in visitBlock.
    await reader.blocks.read((type, buf, start, length, offset, section) => {
      if (buf === hotBuf && type === EV_V2 && (start & 1) === 0 && length >= 12 + EV_V2_PREFIX + EVENT_HEADER_V2) {
        // From an even block start every 16-bit field is a whole unit: the header at
        // unit h (start + 10), its length, type and nparams at units h + 8, h + 10 and
        // h + 11, the parameter lengths from unit h + 13.
        const u = halves; // a local: the loop below then reads it without re-checking
        const h = (start + 8 + EV_V2_PREFIX) >> 1;
        const len = u[h + 8]! + u[h + 9]! * 65536;
        const code = u[h + 10]!;
        const nparams = u[h + 11]! + u[h + 12]! * 65536;
        if (fast[code] === 1 && EVENT_HEADER_V2 + nparams * 2 <= len && len <= length - 12 - EV_V2_PREFIX) {
          let end = 2 * h + EVENT_HEADER_V2 + nparams * 2;
          for (let i = h + 13, stop = i + nparams; i < stop; i++) end += u[i]!;
          if (end <= 2 * h + len) {
            typeCounts[code]!++;
            hotCount++;
            lastHot = start;
            return;
          }
        }
      }
      visitBlock(type, buf, start, length, offset, section);
    });
  } catch (e) {
    if (!isInputError(e)) throw e;
    error = e.message;
    // A fault mid-chunk skips that chunk's afterChunk; the chunk is still intact here
    // (the file reader reuses a buffer only once the next chunk is asked for).
    readLastTs();
  } finally {
    foldHot();
    flushRun();
    await source.close();
  }
  function countState(d: StateBlock): void {
    switch (d.kind) {
      case 'machine':
        machine = { hostname: d.info.hostname, cpus: d.info.numCpus, memoryBytes: d.info.memorySizeBytes, maxPid: d.info.maxPid, bootTs: d.info.bootTsEpoch.toString() };
        break;
      case 'proclist':
        state.threads += d.threads.length;
        for (const t of d.threads) if (t.tid === t.pid) pids.add(t.pid);
        break;
      case 'fdlist':
        state.fds += d.table.fds.length;
        break;
      case 'userlist':
        state.users += d.users.length;
        state.groups += d.groups.length;
        break;
      case 'iflist':
        state.interfaces += d.interfaces.length;
        break;
    }
  }
  state.processes = pids.size;
  const last = total > 0 ? (BigInt(lastHi) << 32n) | BigInt(lastLo) : undefined;
  return {
    file: path,
    format: {
      compression: source.compression,
      fileBytes: source.compressedSize,
      streamBytes: reader.offset,
      sections: sections.map((s) => ({
        version: `${s.major}.${s.minor}`,
        byteOrder: s.littleEndian ? 'little-endian' : 'big-endian',
        options: sectionTextOptions(s),
      })),
    },
    ...(machine ? { machine } : {}),
    blocks: [...blockCounts.entries()].sort((a, b) => a[0] - b[0]).map(([code, count]) => ({ type: blockTypeName(code), code, count })),
    state,
    events: {
      total,
      ...(first !== undefined && last !== undefined
        ? { firstTs: first.toString(), lastTs: last.toString(), durationNs: (last - first).toString() }
        : {}),
      byType: eventTypeCounts(typeCounts),
    },
    ...(error !== undefined ? { error } : {}),
  };
}

function eventTypeCounts(counts: Uint32Array): EventTypeCount[] {
  const out: EventTypeCount[] = [];
  for (let code = 0; code < counts.length; code++) {
    const count = counts[code]!;
    if (count === 0) continue;
    const info = eventInfo(code);
    out.push({ code, name: info?.name ?? `unknown(${code})`, direction: info?.direction ?? '?', count });
  }
  return out;
}
