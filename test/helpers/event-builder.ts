/**
 * Builds events in the V2 wire layout for tests and loads them into an EventView, the
 * way ScapReader hands them to consumers (an EV_V2 block: header, cpu, event, trailer).
 */
import { BlockType, eventBlockLayout } from '../../src/scap/block-types.js';
import { EventView } from '../../src/scap/event.js';
import { EVENT_FRAMING, ppmeCode } from '../../src/scap/event-table.js';

/** Parameter encoders (little-endian). */
export const p = {
  i64(v: number | bigint): Buffer {
    const b = Buffer.alloc(8);
    b.writeBigInt64LE(BigInt(v));
    return b;
  },
  u64(v: number | bigint): Buffer {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(v));
    return b;
  },
  i32(v: number): Buffer {
    const b = Buffer.alloc(4);
    b.writeInt32LE(v);
    return b;
  },
  u32(v: number): Buffer {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v >>> 0);
    return b;
  },
  u16(v: number): Buffer {
    const b = Buffer.alloc(2);
    b.writeUInt16LE(v);
    return b;
  },
  u8(v: number): Buffer {
    return Buffer.from([v & 255]);
  },
  /** NUL-terminated string. */
  str(s: string): Buffer {
    return Buffer.concat([Buffer.from(s), Buffer.from([0])]);
  },
  /** NUL-separated list with a trailing NUL (args, env, cgroups). */
  list(items: readonly string[]): Buffer {
    return Buffer.concat(items.map((s) => Buffer.concat([Buffer.from(s), Buffer.from([0])])));
  },
  /** An empty (absent) parameter. */
  none(): Buffer {
    return Buffer.alloc(0);
  },
  ipv4Tuple(sip: string, sport: number, dip: string, dport: number): Buffer {
    const b = Buffer.alloc(13);
    b[0] = 2;
    Buffer.from(sip.split('.').map(Number)).copy(b, 1);
    b.writeUInt16LE(sport, 5);
    Buffer.from(dip.split('.').map(Number)).copy(b, 7);
    b.writeUInt16LE(dport, 11);
    return b;
  },
  ipv4Addr(ip: string, port: number): Buffer {
    const b = Buffer.alloc(7);
    b[0] = 2;
    Buffer.from(ip.split('.').map(Number)).copy(b, 1);
    b.writeUInt16LE(port, 5);
    return b;
  },
  unixTuple(src: bigint, dst: bigint, path: string): Buffer {
    const b = Buffer.alloc(17);
    b[0] = 1;
    b.writeBigUInt64LE(src, 1);
    b.writeBigUInt64LE(dst, 9);
    return Buffer.concat([b, p.str(path)]);
  },
};

export interface EventSpec {
  /** PPME enum id without the prefix ('SYSCALL_OPEN_X') or a numeric code. */
  type: string | number;
  tid: number;
  ts?: bigint;
  params: readonly Buffer[];
}

/** The raw V2 event bytes (header, lengths, values). */
export function eventBytes(spec: EventSpec): Buffer {
  const type = typeof spec.type === 'number' ? spec.type : ppmeCode(spec.type);
  if (type === undefined) throw new Error(`unknown event ${String(spec.type)}`);
  const lenSize = EVENT_FRAMING.largePayload(type) ? 4 : 2;
  const n = spec.params.length;
  const valuesLen = spec.params.reduce((a, b) => a + b.length, 0);
  const len = 26 + n * lenSize + valuesLen;
  const b = Buffer.alloc(len);
  b.writeBigUInt64LE(spec.ts ?? 1000n, 0);
  b.writeBigInt64LE(BigInt(spec.tid), 8);
  b.writeUInt32LE(len, 16);
  b.writeUInt16LE(type, 20);
  b.writeUInt32LE(n, 22);
  let o = 26;
  for (const v of spec.params) {
    if (lenSize === 2) b.writeUInt16LE(v.length, o);
    else b.writeUInt32LE(v.length, o);
    o += lenSize;
  }
  for (const v of spec.params) {
    v.copy(b, o);
    o += v.length;
  }
  return b;
}

const LAYOUT = eventBlockLayout(BlockType.EV_V2)!;

/** An EventView over a fresh EV_V2 block holding the event. */
export function makeEvent(spec: EventSpec, view = new EventView()): EventView {
  const ev = eventBytes(spec);
  const bodyLen = 2 + ev.length;
  const pad = (4 - (bodyLen % 4)) % 4;
  const total = 8 + bodyLen + pad + 4;
  const block = Buffer.alloc(total);
  block.writeUInt32LE(BlockType.EV_V2, 0);
  block.writeUInt32LE(total, 4);
  block.writeUInt16LE(0, 8);
  ev.copy(block, 10);
  block.writeUInt32LE(total, total - 4);
  const err = view.load(block, 0, total, LAYOUT, true, 0, EVENT_FRAMING);
  if (err !== undefined) throw new Error(err);
  return view;
}
