/**
 * Decoding and rendering of event parameters.
 *
 * `decodeParam` turns the bytes of one parameter into a typed value; it never throws and
 * never reads outside the parameter (a parameter whose length does not fit its type
 * decodes to an 'invalid' value). `renderParam` / `renderEventArgs` print parameters the
 * way sysdig 0.29 prints `%evt.info` (`fd=3(<f>/etc/passwd) size=4096 `).
 *
 * Rendering some parameters needs replay state (what fd 3 is, the name of thread 42, the
 * cwd a relative path is resolved against, user names). This module keeps none: callers
 * pass a `ParamResolver`, and without one the renderer prints what sysdig prints when it
 * knows nothing (the bare numbers).
 */
import { FdType } from './blocks/fdlist.js';
import type { EventView } from './event.js';
import { FLAG_TABLES, formatMode, formatParamFlags } from './flags.js';
import { ERRNO_NAMES, signalName, syscallName } from './names.js';
import { ParamType, PrintFormat, type EventInfo, type ParamInfo } from './schema.js';
import { sysdig029Param, sysdig029ParamCount } from './sysdig029.js';

// ---------------------------------------------------------------------------------------
// Decoded values
// ---------------------------------------------------------------------------------------

/** Socket families as the driver encodes them (PPM_AF_*). */
export const AF_UNIX = 1;
export const AF_INET = 2;
export const AF_INET6 = 10;
/** The AT_FDCWD value the driver stores for `*at` syscalls. */
export const PPM_AT_FDCWD = -100;

/** A socket address (PT_SOCKADDR). Addresses are in network order, ports in host order. */
export type SockAddr =
  | { readonly family: typeof AF_INET; readonly addr: string; readonly ip: Buffer; readonly port: number }
  | { readonly family: typeof AF_INET6; readonly addr: string; readonly ip: Buffer; readonly port: number }
  | { readonly family: typeof AF_UNIX; readonly path: string; readonly pathBytes: Buffer }
  | { readonly family: number; readonly data: Buffer };

/** A connection tuple (PT_SOCKTUPLE). */
export type SockTuple =
  | {
      readonly family: typeof AF_INET | typeof AF_INET6;
      readonly srcAddr: string;
      readonly srcIp: Buffer;
      readonly srcPort: number;
      readonly dstAddr: string;
      readonly dstIp: Buffer;
      readonly dstPort: number;
    }
  | {
      readonly family: typeof AF_UNIX;
      /** Kernel socket pointers of the two ends. */
      readonly src: bigint;
      readonly dst: bigint;
      readonly path: string;
      readonly pathBytes: Buffer;
    }
  | { readonly family: number; readonly data: Buffer };

export interface FdListEntry {
  readonly fd: number;
  /** poll event bits as the driver encodes them (PPM_POLL*). */
  readonly flags: number;
}

/**
 * A decoded parameter. Integers of up to 32 bits are numbers; generic 64-bit integers and
 * times are bigints (they can exceed 2^53); fds, pids and errnos are numbers (exact below
 * 2^53, which real values never reach).
 */
export type ParamValue =
  /** Length 0: libscap's way of writing "no value". */
  | { readonly kind: 'absent' }
  /** The bytes do not fit the type (wrong length, unknown dynamic index, ...). */
  | { readonly kind: 'invalid'; readonly reason: string; readonly bytes: Buffer }
  /** INT8..INT32, UINT8..UINT32, FLAGS*, ENUMFLAGS*, MODE, UID, GID, SIGTYPE, SIGSET, SYSCALLID, PORT, L4PROTO, SOCKFAMILY. */
  | { readonly kind: 'int'; readonly value: number }
  /** INT64 (signed), UINT64, RELTIME, ABSTIME (unsigned), in nanoseconds for times. */
  | { readonly kind: 'int64'; readonly value: bigint }
  | { readonly kind: 'fd'; readonly value: number }
  | { readonly kind: 'pid'; readonly value: number }
  | { readonly kind: 'errno'; readonly value: number }
  | { readonly kind: 'bool'; readonly value: boolean }
  | { readonly kind: 'double'; readonly value: number }
  /** CHARBUF, FSPATH, FSRELPATH: the bytes before the first NUL, and their UTF-8 reading. */
  | { readonly kind: 'string'; readonly value: string; readonly bytes: Buffer }
  /** BYTEBUF: a view into the event (copy it to keep it). */
  | { readonly kind: 'bytes'; readonly value: Buffer }
  | { readonly kind: 'sockaddr'; readonly value: SockAddr }
  | { readonly kind: 'socktuple'; readonly value: SockTuple }
  | { readonly kind: 'fdlist'; readonly value: readonly FdListEntry[] }
  /** CHARBUFARRAY: NUL-separated strings. */
  | { readonly kind: 'strings'; readonly value: readonly string[] }
  /** CHARBUF_PAIR_ARRAY: NUL-separated strings taken two by two. */
  | { readonly kind: 'pairs'; readonly value: readonly (readonly [string, string])[] }
  /** IPV4ADDR, IPV6ADDR, IPADDR. */
  | { readonly kind: 'ip'; readonly value: string; readonly bytes: Buffer }
  /** IPV4NET, IPV6NET, IPNET: address and netmask. */
  | { readonly kind: 'ipnet'; readonly addr: string; readonly mask: string; readonly bytes: Buffer }
  /** DYN: the index byte, the type it selects and the value of that type. */
  | { readonly kind: 'dyn'; readonly index: number; readonly info: ParamInfo; readonly value: ParamValue }
  /** PT_NONE or a type code this module does not know. */
  | { readonly kind: 'unknown'; readonly type: number; readonly bytes: Buffer };

const ABSENT: ParamValue = Object.freeze({ kind: 'absent' });

function invalid(reason: string, bytes: Buffer): ParamValue {
  return { kind: 'invalid', reason, bytes };
}

/** Decodes parameter `i` of the event with the schema entry `info`. */
export function decodeParam(ev: EventView, info: ParamInfo, i: number): ParamValue {
  const bytes = ev.paramBytes(i);
  if (bytes === undefined) return ABSENT;
  return decodeParamBytes(bytes, info, ev.le);
}

function fixed(bytes: Buffer, size: number, type: string): string | undefined {
  return bytes.length === size ? undefined : `${type} needs ${size} bytes, got ${bytes.length}`;
}

function i64(b: Buffer, off: number, le: boolean): number {
  return Number(le ? b.readBigInt64LE(off) : b.readBigInt64BE(off));
}

/** Decodes the bytes of one parameter (`le`: byte order of the capture section). */
export function decodeParamBytes(bytes: Buffer, info: ParamInfo, le: boolean): ParamValue {
  if (bytes.length === 0) return ABSENT;
  const type = info.type;
  switch (type) {
    case ParamType.INT8:
    case ParamType.UINT8:
    case ParamType.FLAGS8:
    case ParamType.ENUMFLAGS8:
    case ParamType.SIGTYPE:
    case ParamType.L4PROTO:
    case ParamType.SOCKFAMILY: {
      const bad = fixed(bytes, 1, typeName(type));
      if (bad) return invalid(bad, bytes);
      return { kind: 'int', value: type === ParamType.INT8 ? bytes.readInt8(0) : bytes[0]! };
    }
    case ParamType.INT16:
    case ParamType.UINT16:
    case ParamType.FLAGS16:
    case ParamType.ENUMFLAGS16:
    case ParamType.SYSCALLID:
    case ParamType.PORT: {
      const bad = fixed(bytes, 2, typeName(type));
      if (bad) return invalid(bad, bytes);
      if (type === ParamType.INT16) return { kind: 'int', value: le ? bytes.readInt16LE(0) : bytes.readInt16BE(0) };
      return { kind: 'int', value: le ? bytes.readUInt16LE(0) : bytes.readUInt16BE(0) };
    }
    case ParamType.INT32:
    case ParamType.UINT32:
    case ParamType.FLAGS32:
    case ParamType.ENUMFLAGS32:
    case ParamType.UID:
    case ParamType.GID:
    case ParamType.MODE:
    case ParamType.SIGSET:
    case ParamType.BOOL:
    case ParamType.FD32:
    case ParamType.PID32: {
      const bad = fixed(bytes, 4, typeName(type));
      if (bad) return invalid(bad, bytes);
      if (type === ParamType.INT32 || type === ParamType.FD32 || type === ParamType.PID32) {
        const v = le ? bytes.readInt32LE(0) : bytes.readInt32BE(0);
        if (type === ParamType.FD32) return { kind: 'fd', value: v };
        if (type === ParamType.PID32) return { kind: 'pid', value: v };
        return { kind: 'int', value: v };
      }
      const u = le ? bytes.readUInt32LE(0) : bytes.readUInt32BE(0);
      if (type === ParamType.BOOL) return { kind: 'bool', value: u !== 0 };
      return { kind: 'int', value: u };
    }
    case ParamType.INT64:
    case ParamType.UINT64:
    case ParamType.RELTIME:
    case ParamType.ABSTIME: {
      const bad = fixed(bytes, 8, typeName(type));
      if (bad) return invalid(bad, bytes);
      if (type === ParamType.INT64) return { kind: 'int64', value: le ? bytes.readBigInt64LE(0) : bytes.readBigInt64BE(0) };
      return { kind: 'int64', value: le ? bytes.readBigUInt64LE(0) : bytes.readBigUInt64BE(0) };
    }
    case ParamType.FD:
    case ParamType.PID:
    case ParamType.ERRNO: {
      const bad = fixed(bytes, 8, typeName(type));
      if (bad) return invalid(bad, bytes);
      const v = i64(bytes, 0, le);
      return { kind: type === ParamType.FD ? 'fd' : type === ParamType.PID ? 'pid' : 'errno', value: v };
    }
    case ParamType.DOUBLE: {
      const bad = fixed(bytes, 8, typeName(type));
      if (bad) return invalid(bad, bytes);
      return { kind: 'double', value: le ? bytes.readDoubleLE(0) : bytes.readDoubleBE(0) };
    }
    case ParamType.CHARBUF:
    case ParamType.FSPATH:
    case ParamType.FSRELPATH: {
      const s = cString(bytes, 0);
      return { kind: 'string', value: s.toString('utf8'), bytes: s };
    }
    case ParamType.BYTEBUF:
      return { kind: 'bytes', value: bytes };
    case ParamType.SOCKADDR:
      return decodeSockaddr(bytes, le);
    case ParamType.SOCKTUPLE:
      return decodeSocktuple(bytes, le);
    case ParamType.FDLIST: {
      if (bytes.length < 2) return invalid(`FDLIST needs at least 2 bytes, got ${bytes.length}`, bytes);
      const n = le ? bytes.readUInt16LE(0) : bytes.readUInt16BE(0);
      if (bytes.length !== 2 + 10 * n) return invalid(`FDLIST of ${n} fds needs ${2 + 10 * n} bytes, got ${bytes.length}`, bytes);
      const out: FdListEntry[] = new Array(n);
      for (let k = 0, p = 2; k < n; k++, p += 10) {
        out[k] = { fd: i64(bytes, p, le), flags: le ? bytes.readUInt16LE(p + 8) : bytes.readUInt16BE(p + 8) };
      }
      return { kind: 'fdlist', value: out };
    }
    case ParamType.CHARBUFARRAY:
      return { kind: 'strings', value: splitStrings(bytes) };
    case ParamType.CHARBUF_PAIR_ARRAY: {
      const all = splitStrings(bytes);
      if (all.length % 2 !== 0) return invalid(`CHARBUF_PAIR_ARRAY holds an odd number (${all.length}) of strings`, bytes);
      const pairs: (readonly [string, string])[] = [];
      for (let k = 0; k < all.length; k += 2) pairs.push([all[k]!, all[k + 1]!]);
      return { kind: 'pairs', value: pairs };
    }
    case ParamType.IPV4ADDR:
    case ParamType.IPV6ADDR:
    case ParamType.IPADDR: {
      const ok = type === ParamType.IPV4ADDR ? bytes.length === 4 : type === ParamType.IPV6ADDR ? bytes.length === 16 : bytes.length === 4 || bytes.length === 16;
      if (!ok) return invalid(`${typeName(type)} of ${bytes.length} bytes`, bytes);
      return { kind: 'ip', value: bytes.length === 4 ? ipv4String(bytes, 0) : ipv6String(bytes, 0), bytes };
    }
    case ParamType.IPV4NET:
    case ParamType.IPV6NET:
    case ParamType.IPNET: {
      const ok = type === ParamType.IPV4NET ? bytes.length === 8 : type === ParamType.IPV6NET ? bytes.length === 32 : bytes.length === 8 || bytes.length === 32;
      if (!ok) return invalid(`${typeName(type)} of ${bytes.length} bytes`, bytes);
      const v4 = bytes.length === 8;
      return {
        kind: 'ipnet',
        addr: v4 ? ipv4String(bytes, 0) : ipv6String(bytes, 0),
        mask: v4 ? ipv4String(bytes, 4) : ipv6String(bytes, 16),
        bytes,
      };
    }
    case ParamType.DYN: {
      const set = info.dynamic;
      const index = bytes[0]!;
      if (set === undefined) return invalid('DYN parameter without a type set', bytes);
      const inner = set[index];
      if (inner === undefined) return invalid(`DYN index ${index} beyond the ${set.length} possible types`, bytes);
      return { kind: 'dyn', index, info: inner, value: decodeParamBytes(bytes.subarray(1), inner, le) };
    }
    default:
      return { kind: 'unknown', type, bytes };
  }
}

function decodeSockaddr(b: Buffer, le: boolean): ParamValue {
  const family = b[0]!;
  if (family === AF_INET) {
    if (b.length !== 7) return invalid(`IPv4 sockaddr of ${b.length} bytes (7 expected)`, b);
    return { kind: 'sockaddr', value: { family, addr: ipv4String(b, 1), ip: b.subarray(1, 5), port: u16(b, 5, le) } };
  }
  if (family === AF_INET6) {
    if (b.length !== 19) return invalid(`IPv6 sockaddr of ${b.length} bytes (19 expected)`, b);
    return { kind: 'sockaddr', value: { family, addr: ipv6String(b, 1), ip: b.subarray(1, 17), port: u16(b, 17, le) } };
  }
  if (family === AF_UNIX) {
    const s = cString(b, 1);
    return { kind: 'sockaddr', value: { family, path: s.toString('utf8'), pathBytes: s } };
  }
  return { kind: 'sockaddr', value: { family, data: b.subarray(1) } };
}

function decodeSocktuple(b: Buffer, le: boolean): ParamValue {
  const family = b[0]!;
  if (family === AF_INET) {
    if (b.length !== 13) return invalid(`IPv4 tuple of ${b.length} bytes (13 expected)`, b);
    return {
      kind: 'socktuple',
      value: { family, srcAddr: ipv4String(b, 1), srcIp: b.subarray(1, 5), srcPort: u16(b, 5, le), dstAddr: ipv4String(b, 7), dstIp: b.subarray(7, 11), dstPort: u16(b, 11, le) },
    };
  }
  if (family === AF_INET6) {
    if (b.length !== 37) return invalid(`IPv6 tuple of ${b.length} bytes (37 expected)`, b);
    return {
      kind: 'socktuple',
      value: { family, srcAddr: ipv6String(b, 1), srcIp: b.subarray(1, 17), srcPort: u16(b, 17, le), dstAddr: ipv6String(b, 19), dstIp: b.subarray(19, 35), dstPort: u16(b, 35, le) },
    };
  }
  if (family === AF_UNIX) {
    if (b.length < 17) return invalid(`unix tuple of ${b.length} bytes (at least 17 expected)`, b);
    const s = cString(b, 17);
    const src = le ? b.readBigUInt64LE(1) : b.readBigUInt64BE(1);
    const dst = le ? b.readBigUInt64LE(9) : b.readBigUInt64BE(9);
    return { kind: 'socktuple', value: { family, src, dst, path: s.toString('utf8'), pathBytes: s } };
  }
  return { kind: 'socktuple', value: { family, data: b.subarray(1) } };
}

function u16(b: Buffer, off: number, le: boolean): number {
  return le ? b.readUInt16LE(off) : b.readUInt16BE(off);
}

/** The bytes from `start` up to (not including) the first NUL or the end. */
function cString(b: Buffer, start: number): Buffer {
  if (start >= b.length) return b.subarray(b.length);
  const nul = b.indexOf(0, start);
  return b.subarray(start, nul < 0 ? b.length : nul);
}

function splitStrings(b: Buffer): string[] {
  const out: string[] = [];
  let p = 0;
  while (p < b.length) {
    const nul = b.indexOf(0, p);
    const end = nul < 0 ? b.length : nul;
    out.push(b.toString('utf8', p, end));
    p = end + 1;
  }
  return out;
}

const TYPE_NAMES: Readonly<Record<number, string>> = {
  [ParamType.NONE]: 'NONE', [ParamType.INT8]: 'INT8', [ParamType.INT16]: 'INT16', [ParamType.INT32]: 'INT32', [ParamType.INT64]: 'INT64',
  [ParamType.UINT8]: 'UINT8', [ParamType.UINT16]: 'UINT16', [ParamType.UINT32]: 'UINT32', [ParamType.UINT64]: 'UINT64',
  [ParamType.CHARBUF]: 'CHARBUF', [ParamType.BYTEBUF]: 'BYTEBUF', [ParamType.ERRNO]: 'ERRNO', [ParamType.SOCKADDR]: 'SOCKADDR',
  [ParamType.SOCKTUPLE]: 'SOCKTUPLE', [ParamType.FD]: 'FD', [ParamType.PID]: 'PID', [ParamType.FDLIST]: 'FDLIST',
  [ParamType.FSPATH]: 'FSPATH', [ParamType.SYSCALLID]: 'SYSCALLID', [ParamType.SIGTYPE]: 'SIGTYPE', [ParamType.RELTIME]: 'RELTIME',
  [ParamType.ABSTIME]: 'ABSTIME', [ParamType.PORT]: 'PORT', [ParamType.L4PROTO]: 'L4PROTO', [ParamType.SOCKFAMILY]: 'SOCKFAMILY',
  [ParamType.BOOL]: 'BOOL', [ParamType.IPV4ADDR]: 'IPV4ADDR', [ParamType.DYN]: 'DYN', [ParamType.FLAGS8]: 'FLAGS8',
  [ParamType.FLAGS16]: 'FLAGS16', [ParamType.FLAGS32]: 'FLAGS32', [ParamType.UID]: 'UID', [ParamType.GID]: 'GID',
  [ParamType.DOUBLE]: 'DOUBLE', [ParamType.SIGSET]: 'SIGSET', [ParamType.CHARBUFARRAY]: 'CHARBUFARRAY',
  [ParamType.CHARBUF_PAIR_ARRAY]: 'CHARBUF_PAIR_ARRAY', [ParamType.IPV4NET]: 'IPV4NET', [ParamType.IPV6ADDR]: 'IPV6ADDR',
  [ParamType.IPV6NET]: 'IPV6NET', [ParamType.IPADDR]: 'IPADDR', [ParamType.IPNET]: 'IPNET', [ParamType.MODE]: 'MODE',
  [ParamType.FSRELPATH]: 'FSRELPATH', [ParamType.ENUMFLAGS8]: 'ENUMFLAGS8', [ParamType.ENUMFLAGS16]: 'ENUMFLAGS16',
  [ParamType.ENUMFLAGS32]: 'ENUMFLAGS32', [ParamType.FD32]: 'FD32', [ParamType.PID32]: 'PID32',
};

/** 'FSPATH', 'UINT64', ... (`PT_` without the prefix); 'TYPE<n>' for unknown codes. */
export function typeName(type: ParamType | number): string {
  return TYPE_NAMES[type] ?? `TYPE${type}`;
}

// ---------------------------------------------------------------------------------------
// Addresses
// ---------------------------------------------------------------------------------------

/** Dotted quad of the 4 bytes at `off` (network order). */
export function ipv4String(b: Buffer, off: number): string {
  return `${b[off]}.${b[off + 1]}.${b[off + 2]}.${b[off + 3]}`;
}

/**
 * Text form of the 16 bytes at `off`, as glibc's inet_ntop writes it: lowercase hex
 * groups, the first longest run of two or more zero groups as '::', and the IPv4 tail
 * written dotted for IPv4-compatible (::a.b.c.d) and IPv4-mapped (::ffff:a.b.c.d) forms.
 */
export function ipv6String(b: Buffer, off: number): string {
  const w: number[] = new Array(8);
  for (let k = 0; k < 8; k++) w[k] = (b[off + 2 * k]! << 8) | b[off + 2 * k + 1]!;
  let bestBase = -1;
  let bestLen = 0;
  for (let k = 0; k < 8; ) {
    if (w[k] !== 0) {
      k++;
      continue;
    }
    let e = k;
    while (e < 8 && w[e] === 0) e++;
    if (e - k > bestLen) {
      bestBase = k;
      bestLen = e - k;
    }
    k = e;
  }
  if (bestLen < 2) bestBase = -1;
  let out = '';
  for (let k = 0; k < 8; k++) {
    if (bestBase >= 0 && k >= bestBase && k < bestBase + bestLen) {
      if (k === bestBase) out += ':';
      continue;
    }
    if (k !== 0) out += ':';
    if (k === 6 && bestBase === 0 && (bestLen === 6 || (bestLen === 5 && w[5] === 0xffff))) {
      out += ipv4String(b, off + 12);
      return out;
    }
    out += w[k]!.toString(16);
  }
  if (bestBase >= 0 && bestBase + bestLen === 8) out += ':';
  return out;
}

function isV4MappedOrZero(ip: Buffer): boolean {
  for (let k = 0; k < 10; k++) if (ip[k] !== 0) return false;
  if (ip[10] === 0xff && ip[11] === 0xff) return true;
  for (let k = 10; k < 16; k++) if (ip[k] !== 0) return false;
  return true;
}

// ---------------------------------------------------------------------------------------
// Rendering
// ---------------------------------------------------------------------------------------

/** What the renderer needs to know about fds: `describe(3)` → '<f>/etc/passwd'. */
export interface FdResolver {
  /**
   * The part sysdig prints in parentheses after a non-negative fd number: `<` type
   * character(s) `>` and the fd name (e.g. '<f>/etc/passwd', '<4t>10.0.0.1:80->10.0.0.2:5000',
   * '<p>pipe:[22242]'). Undefined when the fd is not known.
   */
  describe(fd: number): string | undefined;
}

const FD_TYPE_CHARS: ReadonlyMap<number, string> = new Map<number, string>([
  [FdType.FILE, 'f'], [FdType.FILE_V2, 'f'], [FdType.DIRECTORY, 'd'], [FdType.IPV4_SOCK, '4'], [FdType.IPV6_SOCK, '6'],
  [FdType.IPV4_SERVSOCK, '4'], [FdType.IPV6_SERVSOCK, '6'], [FdType.FIFO, 'p'], [FdType.UNIX_SOCK, 'u'], [FdType.EVENT, 'e'],
  [FdType.UNKNOWN, 'o'], [FdType.UNSUPPORTED, 'X'], [FdType.SIGNALFD, 's'], [FdType.EVENTPOLL, 'l'], [FdType.INOTIFY, 'i'],
  [FdType.TIMERFD, 't'], [FdType.NETLINK, 'n'],
]);
/** Characters of the fd types libsinsp learnt after sysdig 0.29 (which prints '?' for them). */
const NEWER_FD_TYPE_CHARS: ReadonlyMap<number, string> = new Map<number, string>([
  [FdType.BPF, 'b'], [FdType.USERFAULTFD, 'u'], [FdType.IOURING, 'r'], [FdType.MEMFD, 'm'], [FdType.PIDFD, 'P'],
]);
const L4_CHARS: ReadonlyMap<number, string> = new Map([[2, 't'], [3, 'u'], [4, 'i'], [5, 'r']]);

/** The character sysdig shows for an fd type (scap_fd_type): 'f' file, '4' IPv4 socket, ... '?' unknown. */
export function fdTypeChar(type: number, opts: RenderOptions = {}): string {
  return FD_TYPE_CHARS.get(type) ?? (opts.sysdig029 === false ? NEWER_FD_TYPE_CHARS.get(type) : undefined) ?? '?';
}

/**
 * What a resolver's `describe` returns for an fd, built the way sysdig builds it: `<`, the
 * type character, for IP sockets the protocol character (t, u, i, r for scap_l4_proto 2..5),
 * `>`, then the fd name with non-printable characters dropped. E.g. ('<f>/etc/passwd',
 * '<4t>127.0.0.1:45678->127.0.0.1:80', '<u>', '<p>pipe:[22242]').
 */
export function describeFd(type: number, name: string, l4proto = 0, opts: RenderOptions = {}): string {
  const ip = type === FdType.IPV4_SOCK || type === FdType.IPV6_SOCK || type === FdType.IPV4_SERVSOCK || type === FdType.IPV6_SERVSOCK;
  return `<${fdTypeChar(type, opts)}${ip ? (L4_CHARS.get(l4proto) ?? '') : ''}>${sanitize(name)}`;
}

/**
 * The state seam between rendering and replay. Every member is optional; missing ones
 * render as sysdig does when it has no information. Resolvers are per event (they answer
 * for the thread that generated it).
 */
export interface ParamResolver extends Partial<FdResolver> {
  /**
   * Whether the event's thread is known. sysdig resolves negative fds (AT_FDCWD, errnos),
   * fd lists and relative paths only for known threads. Default true.
   */
  readonly threadKnown?: boolean;
  /** Command name of a thread (PT_PID: `next=2987(sysdig)`). */
  comm?(tid: number): string | undefined;
  /** User / group name (PT_UID, PT_GID); '<NA>' is printed when undefined. */
  userName?(uid: number): string | undefined;
  groupName?(gid: number): string | undefined;
  /** The thread's working directory, with its trailing '/' (for relative FSPATHs). */
  cwd?(): string | undefined;
  /** The directory a dirfd names, without trailing '/' (for FSRELPATH relative to a dirfd). */
  dirPath?(fd: number): string | undefined;
}

/** How sysdig renders BYTEBUF parameters (its -A / -x / -X / -b options; 'normal' by default). */
export type BufferFormat = 'normal' | 'ascii' | 'hex' | 'hexascii' | 'base64';

export interface RenderOptions {
  /**
   * Longest BYTEBUF rendering in 'normal' format; longer ones are cut to this length with
   * the last three characters replaced by '...'. sysdig uses 80 (unlimited with -v). 0 = unlimited.
   */
  readonly maxBufferLength?: number;
  readonly bufferFormat?: BufferFormat;
  /**
   * Reproduce sysdig 0.29: print only the parameters its event table knew, with the types
   * and names it had, and resolve every flags table with its (non-enum) walk. Default true.
   */
  readonly sysdig029?: boolean;
}

/** A rendered parameter: the value and the text sysdig prints in parentheses ('' = none). */
export interface RenderedParam {
  readonly value: string;
  readonly resolved: string;
}

const NO_RESOLVER: ParamResolver = {};
const DEFAULT_MAX_BUFFER = 80;

/** The parameter info sysdig 0.29 used for parameter `i` of `code`. */
function effectiveInfo(info: EventInfo, i: number, opts: RenderOptions): ParamInfo {
  const cur = info.params[i];
  if (cur === undefined) throw new RangeError(`event '${info.name}' (code ${info.code}) has no parameter ${i}`);
  return opts.sysdig029 === false ? cur : sysdig029Param(info.code, i, cur);
}

/** Number of parameters sysdig prints for this event. */
export function renderedParamCount(ev: EventView, info: EventInfo, opts: RenderOptions = {}): number {
  let n = Math.min(ev.nparams, info.params.length);
  if (opts.sysdig029 !== false) {
    const old = sysdig029ParamCount(info.code);
    n = Math.min(n, old ?? n);
  }
  return n;
}

/** Renders parameter `i` as sysdig prints it in `%evt.info`: `name=value` or `name=value(resolved)`. */
export function renderParam(ev: EventView, info: EventInfo, i: number, resolver: ParamResolver = NO_RESOLVER, opts: RenderOptions = {}): string {
  const pi = effectiveInfo(info, i, opts);
  const r = renderParamValue(ev, info, i, resolver, opts);
  return r.resolved === '' ? `${pi.name}=${r.value}` : `${pi.name}=${r.value}(${r.resolved})`;
}

/**
 * The arguments sysdig prints after the event type (`%evt.info`): every parameter as
 * `name=value ` — each followed by one space, so a non-empty result ends with a space,
 * exactly as sysdig's output does. Generic syscall events (codes 0 and 1) print nothing.
 */
export function renderEventArgs(ev: EventView, info: EventInfo, resolver: ParamResolver = NO_RESOLVER, opts: RenderOptions = {}): string {
  if (info.code === 0 || info.code === 1) return '';
  const n = renderedParamCount(ev, info, opts);
  let out = '';
  for (let i = 0; i < n; i++) out += renderParam(ev, info, i, resolver, opts) + ' ';
  return out;
}

/** Renders parameter `i`'s value and resolved text (see `renderParam`). */
export function renderParamValue(ev: EventView, info: EventInfo, i: number, resolver: ParamResolver = NO_RESOLVER, opts: RenderOptions = {}): RenderedParam {
  const pi = effectiveInfo(info, i, opts);
  const v = decodeParam(ev, pi, i);
  const relBase = pi.type === ParamType.FSRELPATH || pi.type === ParamType.FSPATH ? () => baseDir(ev, info, pi, resolver, opts) : undefined;
  return renderValue(v, pi, resolver, opts, relBase);
}

/** The directory a relative path parameter is resolved against (undefined = do not resolve). */
function baseDir(ev: EventView, info: EventInfo, pi: ParamInfo, resolver: ParamResolver, opts: RenderOptions): string | undefined {
  const cwd = resolver.cwd?.();
  if (pi.type !== ParamType.FSRELPATH || pi.dirfdParam === undefined) return cwd;
  const di = pi.dirfdParam;
  if (di >= ev.nparams || di >= info.params.length) return cwd;
  const dinfo = effectiveInfo(info, di, opts);
  if (dinfo.type !== ParamType.FD) return cwd;
  const d = decodeParam(ev, dinfo, di);
  if (d.kind !== 'fd' || d.value === PPM_AT_FDCWD) return cwd;
  if (resolver.dirPath === undefined) return undefined;
  const dir = resolver.dirPath(d.value);
  if (dir === undefined || dir === '') return '';
  return sanitize(dir) + '/';
}

/**
 * Renders a decoded value. `relBase` supplies the base directory for relative paths
 * (FSPATH / FSRELPATH); without it paths are printed unresolved.
 */
export function renderValue(
  v: ParamValue,
  info: ParamInfo,
  resolver: ParamResolver = NO_RESOLVER,
  opts: RenderOptions = {},
  relBase?: () => string | undefined,
): RenderedParam {
  const fmt = info.format;
  if (v.kind === 'absent') return { value: emptyText(info.type), resolved: '' };
  if (v.kind === 'invalid') return { value: invalidText(info.type, v.bytes), resolved: '' };
  if (v.kind === 'dyn') {
    // The inner value is printed with the outer parameter's print format.
    const inner: ParamInfo = { ...v.info, format: fmt, name: info.name };
    return renderValue(v.value, inner, resolver, opts, relBase);
  }
  switch (info.type) {
    case ParamType.INT8:
    case ParamType.INT16:
    case ParamType.INT32:
    case ParamType.UINT8:
    case ParamType.UINT16:
    case ParamType.UINT32:
      // Promoted to a C int and printed with %d / %X / %#o / %09d (so UINT32 prints signed).
      return plain(v.kind === 'int' ? formatInt32(v.value | 0, fmt) : '');
    case ParamType.INT64:
    case ParamType.UINT64:
      return plain(v.kind === 'int64' ? formatInt(BigInt.asIntN(64, v.value), 64, fmt) : '');
    case ParamType.FD:
    case ParamType.FD32:
      return v.kind === 'fd' ? renderFd(v.value, resolver) : plain('');
    case ParamType.PID:
    case ParamType.PID32: {
      if (v.kind !== 'pid') return plain('');
      return { value: String(v.value), resolved: resolver.comm?.(v.value) ?? '' };
    }
    case ParamType.ERRNO: {
      if (v.kind !== 'errno') return plain('');
      return { value: String(v.value), resolved: v.value < 0 ? errnoText(v.value) : '' };
    }
    case ParamType.CHARBUF:
      return plain(v.kind === 'string' ? v.value : '');
    case ParamType.FSPATH:
    case ParamType.FSRELPATH: {
      if (v.kind !== 'string') return plain('');
      const text = sanitize(v.bytes.toString('latin1'));
      // Absolute paths and '<NA>' print as they are; relative ones get the resolved path.
      if (resolver.threadKnown === false || v.bytes[0] === 0x2f /* '/' */) return plain(text);
      if (v.bytes.length >= 4 && v.bytes.toString('latin1', 0, 4) === '<NA>') return plain(text);
      const base = relBase?.();
      if (base === undefined) return plain(text);
      return { value: text, resolved: resolvePath(base, v.bytes.toString('latin1')) };
    }
    case ParamType.BYTEBUF:
      return plain(v.kind === 'bytes' ? renderBuffer(v.value, opts) : '');
    case ParamType.SOCKADDR:
      return plain(v.kind === 'sockaddr' ? renderSockaddr(v.value) : '');
    case ParamType.SOCKTUPLE:
      return plain(v.kind === 'socktuple' ? renderSocktuple(v.value) : '');
    case ParamType.FDLIST: {
      if (v.kind !== 'fdlist') return plain('');
      if (resolver.threadKnown === false) return plain('');
      const parts = v.value.map((e) => {
        const d = resolver.describe?.(e.fd);
        const tch = d !== undefined && d.length > 1 && d[0] === '<' && d[1] !== '>' ? d[1] : '?';
        return `${BigInt.asUintN(64, BigInt(e.fd))}:${tch}${e.flags.toString(16)}`;
      });
      return plain(parts.join(' '));
    }
    case ParamType.SYSCALLID: {
      if (v.kind !== 'int') return plain('');
      const name = syscallName(v.value);
      return name === undefined ? plain('<unknown syscall>') : { value: String(v.value), resolved: name };
    }
    case ParamType.SIGTYPE: {
      if (v.kind !== 'int') return plain('');
      return { value: String(v.value), resolved: signalName(v.value) ?? '' };
    }
    case ParamType.RELTIME: {
      if (v.kind !== 'int64') return plain('');
      if (v.value === 0xffffffffffffffffn) return plain('none');
      return { value: v.value.toString(), resolved: formatG(Number(v.value) / 1e9) + 's' };
    }
    case ParamType.ABSTIME:
      return plain(v.kind === 'int64' ? formatAbsTime(v.value) : '');
    case ParamType.FLAGS8:
    case ParamType.FLAGS16:
    case ParamType.FLAGS32:
    case ParamType.ENUMFLAGS8:
    case ParamType.ENUMFLAGS16:
    case ParamType.ENUMFLAGS32: {
      if (v.kind !== 'int') return plain('');
      return { value: String(v.value >>> 0), resolved: flagsText(info, v.value, opts) };
    }
    case ParamType.MODE: {
      if (v.kind !== 'int') return plain('');
      return { value: formatInt32(v.value | 0, fmt), resolved: flagsText(info, v.value, opts) };
    }
    case ParamType.UID:
    case ParamType.GID: {
      if (v.kind !== 'int') return plain('');
      if (v.value === 0xffffffff) return { value: '-1', resolved: '<NONE>' };
      const name = info.type === ParamType.UID ? resolver.userName?.(v.value) : resolver.groupName?.(v.value);
      return { value: String(v.value | 0), resolved: name === undefined ? '<NA>' : sanitize(name) };
    }
    case ParamType.SIGSET: {
      if (v.kind !== 'int') return plain('');
      const names: string[] = [];
      for (let sig = 0; sig < 32; sig++) {
        if ((v.value >>> sig) & 1) {
          const n = signalName(sig + 1);
          if (n !== undefined) names.push(n);
        }
      }
      return plain(names.join(' '));
    }
    case ParamType.CHARBUFARRAY:
      return plain(v.kind === 'strings' ? v.value.join('.') : '');
    case ParamType.CHARBUF_PAIR_ARRAY:
      return plain(v.kind === 'pairs' ? v.value.map(([a, b]) => `${a}:${b}`).join(',') : '');
    // Types sysdig prints as "(n.a.)"; we print their value instead.
    case ParamType.PORT:
    case ParamType.L4PROTO:
    case ParamType.SOCKFAMILY:
      return plain(v.kind === 'int' ? String(v.value) : '');
    case ParamType.BOOL:
      return plain(v.kind === 'bool' ? String(v.value) : '');
    case ParamType.DOUBLE:
      return plain(v.kind === 'double' ? formatG(v.value) : '');
    case ParamType.IPV4ADDR:
    case ParamType.IPV6ADDR:
    case ParamType.IPADDR:
      return plain(v.kind === 'ip' ? v.value : '');
    case ParamType.IPV4NET:
    case ParamType.IPV6NET:
    case ParamType.IPNET:
      return plain(v.kind === 'ipnet' ? `${v.addr}/${v.mask}` : '');
    case ParamType.DYN:
      return plain('INVALID DYNAMIC PARAMETER');
    default:
      return plain('(n.a.)');
  }
}

function plain(value: string): RenderedParam {
  return { value, resolved: '' };
}

/** What sysdig prints for a parameter of length 0. */
function emptyText(type: ParamType): string {
  switch (type) {
    case ParamType.SOCKADDR:
    case ParamType.SOCKTUPLE:
    case ParamType.FDLIST:
    case ParamType.CHARBUFARRAY:
    case ParamType.CHARBUF_PAIR_ARRAY:
      return 'NULL';
    case ParamType.BYTEBUF:
    case ParamType.CHARBUF:
    case ParamType.FSPATH:
    case ParamType.FSRELPATH:
      return '';
    case ParamType.DYN:
      return 'INVALID DYNAMIC PARAMETER';
    default:
      return '<NA>';
  }
}

/** What we print for a parameter whose bytes do not fit its type. */
function invalidText(type: ParamType, bytes: Buffer): string {
  if (type === ParamType.SOCKADDR || type === ParamType.SOCKTUPLE) {
    if (bytes[0] === AF_INET) return 'INVALID IPv4';
    if (bytes[0] === AF_INET6) return 'INVALID IPv6';
  }
  if (type === ParamType.DYN) return 'INVALID DYNAMIC PARAMETER';
  return '<INVALID>';
}

function errnoText(v: number): string {
  const t = v | 0; // libsinsp looks the value up as a 32-bit int
  return t < 0 ? (ERRNO_NAMES.get(-t) ?? '') : '';
}

function renderFd(fd: number, resolver: ParamResolver): RenderedParam {
  const value = String(fd);
  if (resolver.threadKnown === false) return { value, resolved: '' };
  if (fd >= 0) return { value, resolved: resolver.describe?.(fd) ?? '' };
  if (fd === PPM_AT_FDCWD) return { value, resolved: 'AT_FDCWD' };
  return { value, resolved: errnoText(fd) };
}

function flagsText(info: ParamInfo, value: number, opts: RenderOptions): string {
  if (info.flags === undefined || FLAG_TABLES[info.flags] === undefined) return '';
  // sysdig 0.29 had no enum flags: every table was walked like a bitmask, stopping at an
  // entry equal to the whole value (the walk flags.ts implements for modes).
  if (opts.sysdig029 !== false) return formatMode(info.flags, value);
  return formatParamFlags(info, value);
}

/**
 * Formats an integer as libsinsp's printf formats do: `value` is the (C-promoted) signed
 * value, `width` the bits of the promoted type (hex and octal print its two's complement).
 */
export function formatInt(value: bigint, width: 32 | 64, fmt: PrintFormat): string {
  switch (fmt) {
    case PrintFormat.HEX:
      return BigInt.asUintN(width, value).toString(16).toUpperCase();
    case PrintFormat.OCT: {
      const u = BigInt.asUintN(width, value);
      return u === 0n ? '0' : '0' + u.toString(8);
    }
    case PrintFormat.PADDED_DEC_10: {
      const neg = value < 0n;
      const digits = (neg ? -value : value).toString();
      const pad = Math.max(0, 9 - digits.length - (neg ? 1 : 0));
      return (neg ? '-' : '') + '0'.repeat(pad) + digits;
    }
    default:
      return value.toString();
  }
}

function formatInt32(v: number, fmt: PrintFormat): string {
  return fmt === PrintFormat.HEX || fmt === PrintFormat.OCT || fmt === PrintFormat.PADDED_DEC_10 ? formatInt(BigInt(v), 32, fmt) : String(v);
}

/** C's `%g` (6 significant digits, trailing zeros removed). */
export function formatG(x: number, precision = 6): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'nan' : x < 0 ? '-inf' : 'inf';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const exp = Number(x.toExponential(precision - 1).split('e')[1]);
  if (exp < -4 || exp >= precision) {
    const [m, e] = x.toExponential(precision - 1).split('e') as [string, string];
    const en = Number(e);
    return `${stripZeros(m)}e${en < 0 ? '-' : '+'}${String(Math.abs(en)).padStart(2, '0')}`;
  }
  return stripZeros(x.toFixed(Math.max(0, precision - 1 - exp)));
}

function stripZeros(s: string): string {
  if (!s.includes('.')) return s;
  return s.replace(/0+$/, '').replace(/\.$/, '');
}

/** `YYYY-MM-DD HH:MM:SS.nnnnnnnnn +zzzz` in local time, as current libsinsp prints PT_ABSTIME. */
function formatAbsTime(ns: bigint): string {
  const ms = Number(ns / 1000000n);
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) return ns.toString();
  const p2 = (n: number): string => String(n).padStart(2, '0');
  const off = -d.getTimezoneOffset();
  const tz = `${off < 0 ? '-' : '+'}${p2(Math.floor(Math.abs(off) / 60))}${p2(Math.abs(off) % 60)}`;
  const frac = (ns % 1000000000n).toString().padStart(9, '0');
  return `${d.getFullYear()}-${p2(d.getMonth() + 1)}-${p2(d.getDate())} ${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())}.${frac} ${tz}`;
}

/** Drops what libsinsp drops from names it prints: bytes outside printable ASCII. */
export function sanitize(s: string): string {
  // eslint-disable-next-line no-control-regex
  return /[^\x20-\x7e]/.test(s) ? s.replace(/[^\x20-\x7e]/g, '') : s;
}

/**
 * libsinsp's path concatenation: `base` (a directory ending in '/', or '') joined with the
 * relative `path`: non-printable characters become '.', './' and a trailing '.' vanish,
 * '../' and a trailing '..' climb one directory (into the base too, never above its first
 * character), repeated separators collapse and a trailing separator is dropped.
 */
export function resolvePath(base: string, path: string): string {
  const t: string[] = base.split('');
  const sep = '/';
  let pc = 0;
  const at = (k: number): string => (k < path.length ? path[k]! : '\0');
  const rewind = (delta: number): void => {
    if (t.length <= 1) {
      pc += delta;
      return;
    }
    t.pop();
    while (t.length >= 1 && t[t.length - 1] !== '/') t.pop();
    pc += delta;
  };
  for (;;) {
    const c = at(pc);
    if (c === '\0') {
      if (t.length > 1 && t[t.length - 1] === sep) t.pop();
      return t.join('');
    }
    const code = c.charCodeAt(0);
    if (code < 0x20 || code > 0x7e) {
      t.push('.');
      pc++;
    } else if (c === '.' && at(pc + 1) === '.' && at(pc + 2) === sep) {
      rewind(3);
    } else if (c === '.' && at(pc + 1) === '.') {
      if (at(pc + 2) === '\0') rewind(2);
      else {
        t.push('.', '.');
        pc += 2;
      }
    } else if (c === '.' && at(pc + 1) === sep) {
      pc += 2;
    } else if (c === '.') {
      if (at(pc + 1) === '\0') pc++;
      else {
        t.push('.');
        pc++;
      }
    } else if (c === sep) {
      if (t.length > 0 && t[t.length - 1] === sep) pc++;
      else {
        t.push(sep);
        pc++;
      }
    } else {
      t.push(c);
      pc++;
    }
  }
}

/** Renders a BYTEBUF as sysdig does (see `RenderOptions`). */
export function renderBuffer(b: Buffer, opts: RenderOptions = {}): string {
  if (b.length === 0) return '';
  const format = opts.bufferFormat ?? 'normal';
  switch (format) {
    case 'hex':
    case 'hexascii':
      return hexDump(b, format === 'hexascii');
    case 'base64':
      return b.toString('base64');
    case 'ascii':
      return asciiOnly(b);
    default: {
      let s = '';
      for (let k = 0; k < b.length; k++) {
        const c = b[k]!;
        s += c >= 0x20 && c <= 0x7e ? String.fromCharCode(c) : '.';
      }
      const max = opts.maxBufferLength ?? DEFAULT_MAX_BUFFER;
      if (max > 0 && s.length > max) s = max > 3 ? s.slice(0, max - 3) + '...' : s.slice(0, max);
      return s;
    }
  }
}

function asciiOnly(b: Buffer): string {
  let s = '\n';
  for (let k = 0; k < b.length; k++) {
    const c = b[k]!;
    if (c >= 0x20 && c <= 0x7e) s += String.fromCharCode(c);
    else if (c === 0x0d) s += '\n';
    else if (c === 0x0a && k > 0 && b[k - 1] !== 0x0d) s += '\n';
  }
  return s;
}

function hexDump(b: Buffer, ascii: boolean): string {
  let s = '';
  for (let j = 0; j < b.length; j += 16) {
    let row = `\n\t0x${j.toString(16).padStart(4, '0')}:`;
    let chunks = 0;
    for (let p = j; chunks < 8 && p < b.length; p += 2, chunks++) {
      row += p === b.length - 1 ? ' ' + b[p]!.toString(16).padStart(2, '0') : ' ' + ((b[p]! << 8) | b[p + 1]!).toString(16).padStart(4, '0');
    }
    if (ascii) {
      row += '     '.repeat(8 - chunks) + '  ';
      for (let p = j; p < j + 16 && p < b.length; p++) row += b[p]! >= 0x20 && b[p]! <= 0x7e ? String.fromCharCode(b[p]!) : '.';
    }
    s += row;
  }
  return s + '\n';
}

function renderSockaddr(a: SockAddr): string {
  if ('path' in a) return sanitize(a.pathBytes.toString('latin1'));
  if ('addr' in a) return `${a.addr}:${a.port}`;
  return `family ${a.family > 127 ? a.family - 256 : a.family}`;
}

function renderSocktuple(t: SockTuple): string {
  if ('srcAddr' in t) {
    if (t.family === AF_INET6 && isV4MappedOrZero(t.srcIp) && isV4MappedOrZero(t.dstIp)) {
      return `${ipv4String(t.srcIp, 12)}:${t.srcPort}->${ipv4String(t.dstIp, 12)}:${t.dstPort}`;
    }
    return `${t.srcAddr}:${t.srcPort}->${t.dstAddr}:${t.dstPort}`;
  }
  if ('src' in t) return `${t.src.toString(16)}->${t.dst.toString(16)} ${sanitize(t.pathBytes.toString('latin1'))}`;
  return `family ${t.family > 127 ? t.family - 256 : t.family}`;
}
