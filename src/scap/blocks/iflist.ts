import { InputError } from '../../errors.js';
import { BlockType } from '../block-types.js';
import { ByteWriter, Cursor, cString, encodeField, inRecord } from './cursor.js';
import { formatIPv4, formatIPv6, parseIPv4, parseIPv6 } from './net.js';
import { MAX_PATH } from './proclist.js';

/** libscap's scap_ifinfo_type codes. */
export const IfType = {
  IPV4: 1,
  IPV6: 2,
  IPV4_NOLINKSPEED: 3,
  IPV6_NOLINKSPEED: 4,
} as const;

/** One address of a network interface. Addresses are text; a block can list a name several times. */
export interface InterfaceEntry {
  family: 'ipv4' | 'ipv6';
  name: string;
  addr: string;
  netmask: string;
  bcast: string;
  /** Link speed as recorded; undefined for the old "no link speed" entry types. */
  linkspeed?: number;
}

export function isIfListType(type: number): boolean {
  return type === BlockType.IL || type === BlockType.IL_INT || type === BlockType.IL_V2;
}

/**
 * Decodes an interface list block. Each entry is u16 type, u16 name length, then address,
 * netmask and broadcast (4 or 16 bytes each), a u64 link speed unless the type says there is
 * none, then the name. IL_V2 entries are preceded by a u32 length that does not count
 * itself; trailing bytes beyond the known fields are skipped.
 */
export function decodeIfList(type: number, buf: Buffer, start: number, length: number, littleEndian: boolean): InterfaceEntry[] {
  if (!isIfListType(type)) throw new RangeError(`0x${type.toString(16)} is not an interface list block`);
  const v2 = type === BlockType.IL_V2;
  const block = new Cursor(buf, start, start + 8, start + length - 4, littleEndian);
  const out: InterfaceEntry[] = [];
  while (block.remaining >= 4) {
    const ctx = `iflist entry ${out.length}`;
    block.context = ctx;
    let c = block;
    if (v2) {
      const len = block.u32('entry length');
      if (len !== 0) c = block.sub(len, ctx);
    }
    out.push(readInterface(c));
  }
  return out;
}

function readInterface(c: Cursor): InterfaceEntry {
  const typeAt = c.pos;
  const type = c.u16('type');
  const nameLen = c.u16('name length');
  const v4 = type === IfType.IPV4 || type === IfType.IPV4_NOLINKSPEED;
  const v6 = type === IfType.IPV6 || type === IfType.IPV6_NOLINKSPEED;
  if (!v4 && !v6) c.fail(`unknown interface type ${type}`, typeAt);
  const size = v4 ? 4 : 16;
  const fmt = v4 ? formatIPv4 : formatIPv6;
  const addr = fmt(c.bytes(size, 'addr'));
  const netmask = fmt(c.bytes(size, 'netmask'));
  const bcast = fmt(c.bytes(size, 'bcast'));
  const hasSpeed = type === IfType.IPV4 || type === IfType.IPV6;
  const linkspeed = hasSpeed ? c.u64n('linkspeed') : undefined;
  if (c.remaining < nameLen) c.fail(`field 'name' runs past the ${c.scope} (length ${nameLen}, ${c.remaining} bytes left)`);
  const name = cString(c.bytes(nameLen, 'name'));
  const e: InterfaceEntry = { family: v4 ? 'ipv4' : 'ipv6', name, addr, netmask, bcast };
  if (linkspeed !== undefined) e.linkspeed = linkspeed;
  return e;
}

/**
 * Encodes interfaces as an IL_V2 block body (little-endian), in the given order, every entry
 * with a link speed (0 when unknown).
 */
export function encodeIfList(entries: readonly InterfaceEntry[], littleEndian = true): Buffer {
  const w = new ByteWriter(64 * Math.max(1, entries.length), littleEndian);
  entries.forEach((e, i) => {
    const what = `iflist entry ${i} (${e.name})`;
    if (e.family !== 'ipv4' && e.family !== 'ipv6') throw new InputError(`${what}: family must be 'ipv4' or 'ipv6'`);
    const name = encodeField(e.name, MAX_PATH - 1, `${what} name`);
    inRecord(what, () => {
      const lenAt = w.reserveU32();
      const parse = e.family === 'ipv4' ? parseIPv4 : parseIPv6;
      w.u16(e.family === 'ipv4' ? IfType.IPV4 : IfType.IPV6).u16(name.length);
      w.bytes(parse(e.addr, `${what} addr`)).bytes(parse(e.netmask, `${what} netmask`)).bytes(parse(e.bcast, `${what} bcast`));
      w.u64(e.linkspeed ?? 0).bytes(name);
      w.patchU32(lenAt, w.length - lenAt - 4);
    });
  });
  return w.finish();
}
