import { InputError } from '../../errors.js';
import { BlockType } from '../block-types.js';
import { ByteWriter, Cursor, encodeField, inRecord } from './cursor.js';
import { formatIPv4, formatIPv6, parseIPv4, parseIPv6 } from './net.js';
import { MAX_PATH } from './proclist.js';

/** libscap's scap_fd_type codes (wire-format facts). */
export const FdType = {
  UNKNOWN: 0,
  FILE: 1,
  DIRECTORY: 2,
  IPV4_SOCK: 3,
  IPV6_SOCK: 4,
  IPV4_SERVSOCK: 5,
  IPV6_SERVSOCK: 6,
  FIFO: 7,
  UNIX_SOCK: 8,
  EVENT: 9,
  UNSUPPORTED: 10,
  SIGNALFD: 11,
  EVENTPOLL: 12,
  INOTIFY: 13,
  TIMERFD: 14,
  NETLINK: 15,
  FILE_V2: 16,
  BPF: 17,
  USERFAULTFD: 18,
  IOURING: 19,
  MEMFD: 20,
  PIDFD: 21,
} as const;

const FD_TYPE_NAMES: ReadonlyMap<number, string> = new Map(Object.entries(FdType).map(([k, v]) => [v, k]));

export function fdTypeName(type: number): string {
  return FD_TYPE_NAMES.get(type) ?? `unknown(${type})`;
}

/** Types whose only payload is a u16-length name. */
const NAME_ONLY: ReadonlySet<number> = new Set([
  FdType.FILE,
  FdType.DIRECTORY,
  FdType.FIFO,
  FdType.EVENT,
  FdType.UNSUPPORTED,
  FdType.SIGNALFD,
  FdType.EVENTPOLL,
  FdType.INOTIFY,
  FdType.TIMERFD,
  FdType.NETLINK,
  FdType.BPF,
  FdType.USERFAULTFD,
  FdType.IOURING,
  FdType.MEMFD,
  FdType.PIDFD,
]);

/**
 * The per-type payload of an fd. Addresses are text ("10.0.0.1", "::1"); ports are numbers;
 * l4proto is libscap's scap_l4_proto (2 TCP, 3 UDP, 4 ICMP, 5 raw).
 */
export type FdInfo =
  | { kind: 'ipv4'; sip: string; dip: string; sport: number; dport: number; l4proto: number }
  | { kind: 'ipv6'; sip: string; dip: string; sport: number; dport: number; l4proto: number }
  | { kind: 'ipv4server'; ip: string; port: number; l4proto: number }
  | { kind: 'ipv6server'; ip: string; port: number; l4proto: number }
  /** source/destination are kernel socket addresses. */
  | { kind: 'unix'; source: bigint; destination: bigint; name: string }
  /** FILE_V2: a regular file with its open flags and, in newer writers, the device number. */
  | { kind: 'file'; openFlags: number; name: string; dev?: number }
  /** Every type that carries just a name (file, directory, fifo, eventfd, ..., pidfd). */
  | { kind: 'name'; name: string }
  /** SCAP_FD_UNKNOWN (0): no payload. */
  | { kind: 'none' }
  /** A type code this reader does not know, kept as raw bytes (only possible in FDL_V2, whose entries carry a length). */
  | { kind: 'raw'; payload: Buffer };

export interface FdEntry {
  fd: number;
  ino: bigint;
  /** scap_fd_type code; see {@link FdType}. */
  type: number;
  info: FdInfo;
}

/** One FDL block: the fd table of one thread. */
export interface FdTable {
  tid: number;
  fds: FdEntry[];
}

export function isFdListType(type: number): boolean {
  return type === BlockType.FDL || type === BlockType.FDL_INT || type === BlockType.FDL_V2;
}

/**
 * Decodes an fd list block: the tid, then fd entries until fewer than 4 bytes remain.
 * Each entry is fd (i64), ino (u64), type (u8) and the payload of the type. FDL_V2 entries
 * start with a u32 length that counts itself: the reader reads the optional trailing
 * fields it knows (a FILE_V2's dev) when they fit, and skips the rest.
 */
export function decodeFdList(type: number, buf: Buffer, start: number, length: number, littleEndian: boolean): FdTable {
  if (!isFdListType(type)) throw new RangeError(`0x${type.toString(16)} is not an fd list block`);
  const v2 = type === BlockType.FDL_V2;
  const block = new Cursor(buf, start, start + 8, start + length - 4, littleEndian, 'fdlist');
  const tid = block.i64n('tid');
  const fds: FdEntry[] = [];
  while (block.remaining >= 4) {
    const ctx = `fdlist of tid ${tid}, entry ${fds.length}`;
    block.context = ctx;
    let c = block;
    let sized = false;
    if (v2) {
      const at = block.pos;
      const len = block.u32('entry length');
      if (len !== 0) {
        if (len < 4) block.fail(`entry length ${len} is shorter than its own length field`, at);
        block.pos = at;
        c = block.sub(len, ctx);
        c.pos += 4;
        sized = true;
      }
    }
    fds.push(readFd(c, ctx, sized));
  }
  return { tid, fds };
}

function readFd(c: Cursor, ctx: string, sized: boolean): FdEntry {
  const fd = c.i64n('fd');
  c.context = `${ctx} (fd ${fd})`;
  const ino = c.u64('ino');
  const type = c.u8('type');
  let info: FdInfo;
  switch (type) {
    case FdType.IPV4_SOCK:
      info = {
        kind: 'ipv4',
        sip: formatIPv4(c.bytes(4, 'sip')),
        dip: formatIPv4(c.bytes(4, 'dip')),
        sport: c.u16('sport'),
        dport: c.u16('dport'),
        l4proto: c.u8('l4proto'),
      };
      break;
    case FdType.IPV4_SERVSOCK:
      info = { kind: 'ipv4server', ip: formatIPv4(c.bytes(4, 'ip')), port: c.u16('port'), l4proto: c.u8('l4proto') };
      break;
    case FdType.IPV6_SOCK:
      info = {
        kind: 'ipv6',
        sip: formatIPv6(c.bytes(16, 'sip')),
        dip: formatIPv6(c.bytes(16, 'dip')),
        sport: c.u16('sport'),
        dport: c.u16('dport'),
        l4proto: c.u8('l4proto'),
      };
      break;
    case FdType.IPV6_SERVSOCK:
      info = { kind: 'ipv6server', ip: formatIPv6(c.bytes(16, 'ip')), port: c.u16('port'), l4proto: c.u8('l4proto') };
      break;
    case FdType.UNIX_SOCK:
      info = { kind: 'unix', source: c.u64('source'), destination: c.u64('destination'), name: c.str16('name') };
      break;
    case FdType.FILE_V2: {
      const openFlags = c.u32('open_flags');
      const name = c.str16('name');
      info = sized && c.remaining >= 4 ? { kind: 'file', openFlags, name, dev: c.u32('dev') } : { kind: 'file', openFlags, name };
      break;
    }
    case FdType.UNKNOWN:
      info = { kind: 'none' };
      break;
    default:
      if (NAME_ONLY.has(type)) {
        info = { kind: 'name', name: c.str16('name') };
      } else if (sized) {
        // A type from a newer writer: its entry length lets us step over it.
        info = { kind: 'raw', payload: Buffer.from(c.bytes(c.remaining, 'payload')) };
      } else {
        c.fail(`unknown fd type ${type}: without entry lengths (FDL before V2) its size cannot be known`, c.pos - 1);
      }
  }
  return { fd, ino, type, info };
}

const EXPECTED_KIND: ReadonlyMap<number, FdInfo['kind']> = new Map([
  [FdType.IPV4_SOCK, 'ipv4'],
  [FdType.IPV6_SOCK, 'ipv6'],
  [FdType.IPV4_SERVSOCK, 'ipv4server'],
  [FdType.IPV6_SERVSOCK, 'ipv6server'],
  [FdType.UNIX_SOCK, 'unix'],
  [FdType.FILE_V2, 'file'],
  [FdType.UNKNOWN, 'none'],
]);

function expectedKind(type: number): FdInfo['kind'] {
  return EXPECTED_KIND.get(type) ?? (NAME_ONLY.has(type) ? 'name' : 'raw');
}

// libscap's fd reader refuses names of SCAP_MAX_PATH_SIZE bytes or more.
const MAX_FD_NAME = MAX_PATH - 1;

/** Encodes an fd table as an FDL_V2 block body (little-endian). */
export function encodeFdList(table: FdTable, littleEndian = true): Buffer {
  const w = new ByteWriter(64 + 64 * table.fds.length, littleEndian);
  w.i64(table.tid);
  table.fds.forEach((e, i) => {
    const what = `fdlist of tid ${table.tid}, entry ${i} (fd ${e.fd})`;
    const want = expectedKind(e.type);
    if (e.info.kind !== want) throw new InputError(`${what}: fd type ${e.type} (${fdTypeName(e.type)}) needs a '${want}' payload, not '${e.info.kind}'`);
    if (!Number.isInteger(e.type) || e.type < 0 || e.type > 255) throw new InputError(`${what}: fd type ${e.type} is not a byte`);
    inRecord(what, () => {
      const lenAt = w.reserveU32();
      w.i64(e.fd).u64(e.ino).u8(e.type);
      const info = e.info;
      switch (info.kind) {
        case 'ipv4':
          w.bytes(parseIPv4(info.sip, `${what} sip`)).bytes(parseIPv4(info.dip, `${what} dip`));
          w.u16(info.sport).u16(info.dport).u8(info.l4proto);
          break;
        case 'ipv6':
          w.bytes(parseIPv6(info.sip, `${what} sip`)).bytes(parseIPv6(info.dip, `${what} dip`));
          w.u16(info.sport).u16(info.dport).u8(info.l4proto);
          break;
        case 'ipv4server':
          w.bytes(parseIPv4(info.ip, `${what} ip`)).u16(info.port).u8(info.l4proto);
          break;
        case 'ipv6server':
          w.bytes(parseIPv6(info.ip, `${what} ip`)).u16(info.port).u8(info.l4proto);
          break;
        case 'unix':
          w.u64(info.source).u64(info.destination).blob16(encodeField(info.name, MAX_FD_NAME, `${what} name`));
          break;
        case 'file':
          w.u32(info.openFlags).blob16(encodeField(info.name, MAX_FD_NAME, `${what} name`)).u32(info.dev ?? 0);
          break;
        case 'name':
          w.blob16(encodeField(info.name, MAX_FD_NAME, `${what} name`));
          break;
        case 'none':
          break;
        case 'raw':
          w.bytes(info.payload);
          break;
      }
      w.patchU32(lenAt, w.length - lenAt);
    });
  });
  return w.finish();
}
