/**
 * Plugin events as the host hands them over: raw libscap events concatenated in one
 * buffer per batch. A sourcing plugin with an event source produces PPME_PLUGINEVENT_E
 * (322: plugin ID u32 + payload, 4-byte parameter lengths); async events are
 * PPME_ASYNCEVENT_E (402: plugin ID, name, data).
 */
export const PPME_PLUGINEVENT_E = 322;
export const PPME_ASYNCEVENT_E = 402;
/** Header (26) + two u32 lengths + the plugin ID: where a plugin event's payload starts. */
export const PLUGIN_EVENT_PAYLOAD_OFFSET = 38;
const HEADER = 26;

export interface PluginEvent {
  /** Number assigned by the host, increasing per plugin from 1. */
  readonly evtnum: number;
  readonly ts: bigint;
  readonly tid: bigint;
  readonly type: number;
  /** Plugin ID (plugin and async events), else 0. */
  readonly pluginId: number;
  /** Async events: the event name. */
  readonly name?: string;
  /** The payload: event_data of a plugin event, data of an async event, else the parameters. */
  readonly data: Uint8Array;
  /** The whole raw event (header included), as extractBatch / eventToString take it. */
  readonly raw: Uint8Array;
}

/** Decodes one raw event at `off`; returns it and its length. */
export function decodeEvent(buf: Uint8Array, off: number, evtnum: number): PluginEvent {
  const dv = new DataView(buf.buffer, buf.byteOffset + off, buf.byteLength - off);
  if (dv.byteLength < HEADER) throw new RangeError(`truncated event at byte ${off}`);
  const len = dv.getUint32(16, true);
  if (len < HEADER || len > dv.byteLength) throw new RangeError(`invalid event length ${len} at byte ${off}`);
  const type = dv.getUint16(20, true);
  const nparams = dv.getUint32(22, true);
  const raw = buf.subarray(off, off + len);
  const base = { evtnum, ts: dv.getBigUint64(0, true), tid: dv.getBigUint64(8, true), type, raw };
  if (type === PPME_PLUGINEVENT_E && nparams === 2 && len >= PLUGIN_EVENT_PAYLOAD_OFFSET) {
    const l1 = dv.getUint32(HEADER + 4, true);
    const end = Math.min(len, PLUGIN_EVENT_PAYLOAD_OFFSET + l1);
    return { ...base, pluginId: dv.getUint32(HEADER + 8, true), data: raw.subarray(PLUGIN_EVENT_PAYLOAD_OFFSET, end) };
  }
  if (type === PPME_ASYNCEVENT_E && nparams === 3 && len >= HEADER + 12) {
    const l0 = dv.getUint32(HEADER, true), l1 = dv.getUint32(HEADER + 4, true), l2 = dv.getUint32(HEADER + 8, true);
    const p = HEADER + 12;
    if (p + l0 + l1 + l2 <= len && l0 >= 4) {
      const nameBytes = raw.subarray(p + l0, p + l0 + l1);
      const nul = nameBytes.indexOf(0);
      return {
        ...base,
        pluginId: dv.getUint32(p, true),
        name: new TextDecoder().decode(nul >= 0 ? nameBytes.subarray(0, nul) : nameBytes),
        data: raw.subarray(p + l0 + l1, p + l0 + l1 + l2),
      };
    }
  }
  return { ...base, pluginId: 0, data: raw.subarray(HEADER) };
}

/** One next_batch result. */
export class PluginEventBatch implements Iterable<PluginEvent> {
  constructor(
    /** The events, concatenated raw (what extractBatch takes). */
    readonly buffer: Uint8Array,
    readonly count: number,
    readonly firstEvtnum: number,
    /** Read progress after this batch (percent, 0..100), when the plugin reports it. */
    readonly progress?: { readonly pct: number; readonly text?: string },
  ) {}

  *[Symbol.iterator](): Iterator<PluginEvent> {
    let off = 0;
    for (let i = 0; i < this.count; i++) {
      const e = decodeEvent(this.buffer, off, this.firstEvtnum + i);
      off += e.raw.byteLength;
      yield e;
    }
  }

  /** Byte offsets of each event in `buffer`. */
  offsets(): number[] {
    const out: number[] = [];
    const dv = new DataView(this.buffer.buffer, this.buffer.byteOffset, this.buffer.byteLength);
    let off = 0;
    for (let i = 0; i < this.count; i++) {
      out.push(off);
      off += dv.getUint32(off + 16, true);
    }
    return out;
  }
}

/** Concatenates raw events into one buffer (e.g. events from a capture, for extraction). */
export function concatEvents(events: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const e of events) n += e.byteLength;
  const out = new Uint8Array(n);
  let off = 0;
  for (const e of events) {
    out.set(e, off);
    off += e.byteLength;
  }
  return out;
}

/** Builds a PPME_PLUGINEVENT_E event (tests, and re-injecting stored plugin events). */
export function encodePluginEvent(pluginId: number, data: Uint8Array, ts = 0n, tid = 0xffffffffffffffffn): Uint8Array {
  const out = new Uint8Array(PLUGIN_EVENT_PAYLOAD_OFFSET + data.byteLength);
  const dv = new DataView(out.buffer);
  dv.setBigUint64(0, ts, true);
  dv.setBigUint64(8, tid, true);
  dv.setUint32(16, out.byteLength, true);
  dv.setUint16(20, PPME_PLUGINEVENT_E, true);
  dv.setUint32(22, 2, true);
  dv.setUint32(26, 4, true);
  dv.setUint32(30, data.byteLength, true);
  dv.setUint32(34, pluginId, true);
  out.set(data, PLUGIN_EVENT_PAYLOAD_OFFSET);
  return out;
}

/** Builds a PPME_ASYNCEVENT_E event (plugin ID, NUL-terminated name, data), as libsinsp encodes async events. */
export function encodeAsyncEvent(pluginId: number, name: string, data: Uint8Array, ts = 0n, tid = 0xffffffffffffffffn): Uint8Array {
  const nameBytes = new TextEncoder().encode(name + '\0');
  const out = new Uint8Array(HEADER + 12 + 4 + nameBytes.byteLength + data.byteLength);
  const dv = new DataView(out.buffer);
  dv.setBigUint64(0, ts, true);
  dv.setBigUint64(8, tid, true);
  dv.setUint32(16, out.byteLength, true);
  dv.setUint16(20, PPME_ASYNCEVENT_E, true);
  dv.setUint32(22, 3, true);
  dv.setUint32(HEADER, 4, true);
  dv.setUint32(HEADER + 4, nameBytes.byteLength, true);
  dv.setUint32(HEADER + 8, data.byteLength, true);
  dv.setUint32(HEADER + 12, pluginId, true);
  out.set(nameBytes, HEADER + 16);
  out.set(data, HEADER + 16 + nameBytes.byteLength);
  return out;
}
