import { isInputError } from '../errors.js';
import { sectionTextOptions, type Section } from '../pcapng/section.js';
import { openByteSource, type Compression } from '../pcapng/source.js';
import { SHB_BLOCK_TYPE } from '../pcapng/constants.js';
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

/** Block body prefix of an EV_V2 block (the CPU id) and the V2 event header size. */
const EV_V2_PREFIX = 2;
const EVENT_HEADER_V2 = 26;

/** Reads a whole capture and summarises it; on a fault, returns what it decoded so far with `error` set. */
export async function summarizeCapture(path: string): Promise<CaptureSummary> {
  const source = await openByteSource(path);
  // The last timestamp is read once per chunk from the chunk's last event: reading it per
  // event would dominate the loop, and the chunk's buffer may be recycled after it.
  let countAtLastChunk = 0;
  let lastBuf: Buffer | undefined;
  let lastHdr = 0;
  let lastLe = true;
  const readLastTs = () => {
    // Only when this chunk had events: otherwise lastBuf may be a recycled buffer.
    if (total === countAtLastChunk || lastBuf === undefined) return;
    countAtLastChunk = total;
    lastLo = lastLe ? lastBuf.readUInt32LE(lastHdr) : lastBuf.readUInt32BE(lastHdr + 4);
    lastHi = lastLe ? lastBuf.readUInt32LE(lastHdr + 4) : lastBuf.readUInt32BE(lastHdr);
  };
  const reader: ScapReader = new ScapReader(source, { afterChunk: readLastTs });
  const blockCounts = new Map<number, number>();
  const typeCounts = new Uint32Array(65536);
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
  try {
    // Framing and counting only: the common block (EV_V2, little-endian, a known event with
    // 2-byte parameter lengths) is checked and counted in place, with the same checks as
    // EventView.load; every other block, and any event that fails a check, goes through
    // the reader's own loader, which accepts exactly what read() accepts and words the
    // fault the same way.
    await reader.blocks.read((type, buf, start, length, offset, section) => {
      if (section !== lastSection) {
        lastSection = section;
        sections.push(section);
        blockCounts.set(SHB_BLOCK_TYPE, (blockCounts.get(SHB_BLOCK_TYPE) ?? 0) + 1);
      }
      if (type === BlockType.EV_V2 && section.littleEndian && length >= 12 + EV_V2_PREFIX + EVENT_HEADER_V2) {
        const hdr = start + 8 + EV_V2_PREFIX;
        const code = buf[hdr + 20]! | (buf[hdr + 21]! << 8);
        const len = (buf[hdr + 16]! | (buf[hdr + 17]! << 8) | (buf[hdr + 18]! << 16)) + buf[hdr + 19]! * 16777216;
        const nparams = (buf[hdr + 22]! | (buf[hdr + 23]! << 8) | (buf[hdr + 24]! << 16)) + buf[hdr + 25]! * 16777216;
        if (fast[code] === 1 && len >= EVENT_HEADER_V2 && len <= length - 12 - EV_V2_PREFIX && EVENT_HEADER_V2 + nparams * 2 <= len) {
          let l = hdr + EVENT_HEADER_V2;
          let p = l + nparams * 2;
          for (let i = 0; i < nparams; i++, l += 2) p += buf[l]! | (buf[l + 1]! << 8);
          if (p <= hdr + len) {
            if (total === 0) first = buf.readBigUInt64LE(hdr);
            total++;
            typeCounts[code]!++;
            lastBuf = buf;
            lastHdr = hdr;
            lastLe = true;
            if (runType !== BlockType.EV_V2) {
              flushRun();
              runType = BlockType.EV_V2;
            }
            runLength++;
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
    });
  } catch (e) {
    if (!isInputError(e)) throw e;
    error = e.message;
    // A fault mid-chunk skips that chunk's afterChunk; the chunk is still intact here
    // (the file reader reuses a buffer only once the next chunk is asked for).
    readLastTs();
  } finally {
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
