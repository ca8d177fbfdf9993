import { isInputError } from '../errors.js';
import { sectionTextOptions, type Section } from '../pcapng/section.js';
import { openByteSource, type Compression } from '../pcapng/source.js';
import { blockTypeName } from './block-types.js';
import { decodeStateBlock, type StateBlock } from './blocks/index.js';
import { eventInfo } from './event-table.js';
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

/** Reads a whole capture and summarises it; on a fault, returns what it decoded so far with `error` set. */
export async function summarizeCapture(path: string): Promise<CaptureSummary> {
  const source = await openByteSource(path);
  // The last timestamp is read once per chunk from the view, which still shows the
  // chunk's last event then: reading it per event would dominate the loop.
  let countAtLastChunk = 0;
  const reader: ScapReader = new ScapReader(source, {
    afterChunk: () => {
      // Only when this chunk had events: otherwise the view may point into a recycled buffer.
      if (total === countAtLastChunk) return;
      countAtLastChunk = total;
      const v = reader.view;
      lastLo = v.le ? v.buf.readUInt32LE(v.hdr) : v.buf.readUInt32BE(v.hdr + 4);
      lastHi = v.le ? v.buf.readUInt32LE(v.hdr + 4) : v.buf.readUInt32BE(v.hdr);
    },
  });
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
  try {
    await reader.read({
      onSection: (s) => {
        sections.push(s);
        blockCounts.set(0x0a0d0d0a, (blockCounts.get(0x0a0d0d0a) ?? 0) + 1);
      },
      onBlock: (b) => {
        blockCounts.set(b.type, (blockCounts.get(b.type) ?? 0) + 1);
        const decoded = decodeStateBlock(b.type, b.buf, b.start, b.length, b.section.littleEndian, { file: path, offset: b.offset });
        if (decoded) countState(decoded);
      },
      onEvent: (ev) => {
        if (total === 0) first = ev.ts;
        total++;
        typeCounts[ev.type]!++;
        // Event blocks come in long runs of one type: count runs, not map updates per event.
        if (ev.blockType !== runType) {
          flushRun();
          runType = ev.blockType;
        }
        runLength++;
      },
    });
  } catch (e) {
    if (!isInputError(e)) throw e;
    error = e.message;
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
