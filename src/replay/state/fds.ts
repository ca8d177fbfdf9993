/**
 * File descriptors: libsinsp's fd naming rules and the per-process fd table with its size
 * cap (MAX_FD_TABLE_SIZE: a new fd is dropped when the table is full; an existing fd is
 * always replaced).
 */
import { FdType, type FdEntry } from '../../scap/blocks/fdlist.js';
import { FdInfo, type FdKind } from './model.js';

/** libsinsp's per-process fd cap (settings.h MAX_FD_TABLE_SIZE). */
export const MAX_FD_TABLE_SIZE = 4096;

/** FdInfo.flags bits (libsinsp sinsp_fdinfo flags, same meaning). */
export const FD_FLAG_FROM_PROC = 1 << 0;
export const FD_FLAG_ROLE_CLIENT = 1 << 2;
export const FD_FLAG_ROLE_SERVER = 1 << 3;
export const FD_FLAG_SOCKET_CONNECTED = 1 << 13;
export const FD_FLAG_IS_CLONED = 1 << 14;
export const FD_FLAG_CONNECTION_PENDING = 1 << 15;
export const FD_FLAG_CONNECTION_FAILED = 1 << 16;
export const FD_FLAG_OVERLAY_UPPER = 1 << 17;
export const FD_FLAG_OVERLAY_LOWER = 1 << 18;

/** Open flags the state engine looks at (PPM_O_*). */
export const PPM_O_DIRECTORY = 1 << 10;
export const PPM_O_CLOEXEC = 1 << 12;
export const PPM_O_F_CREATED = 1 << 14;
export const PPM_FD_UPPER_LAYER = 1 << 15;
export const PPM_FD_LOWER_LAYER = 1 << 16;

/** libscap l4 protocols. */
export const L4_UNKNOWN = 0;
export const L4_TCP = 2;
export const L4_UDP = 3;
export const L4_ICMP = 4;
export const L4_RAW = 5;

const KIND_BY_TYPE: readonly FdKind[] = (() => {
  const k: FdKind[] = new Array(32).fill('unknown');
  k[FdType.FILE] = 'file';
  k[FdType.FILE_V2] = 'file';
  k[FdType.DIRECTORY] = 'directory';
  k[FdType.IPV4_SOCK] = 'ipv4';
  k[FdType.IPV4_SERVSOCK] = 'ipv4';
  k[FdType.IPV6_SOCK] = 'ipv6';
  k[FdType.IPV6_SERVSOCK] = 'ipv6';
  k[FdType.FIFO] = 'pipe';
  k[FdType.UNIX_SOCK] = 'unix';
  k[FdType.EVENT] = 'event';
  k[FdType.SIGNALFD] = 'signalfd';
  k[FdType.EVENTPOLL] = 'eventpoll';
  k[FdType.INOTIFY] = 'inotify';
  k[FdType.TIMERFD] = 'timerfd';
  k[FdType.NETLINK] = 'netlink';
  k[FdType.BPF] = 'bpf';
  k[FdType.USERFAULTFD] = 'userfaultfd';
  k[FdType.IOURING] = 'io_uring';
  k[FdType.MEMFD] = 'memfd';
  k[FdType.PIDFD] = 'pidfd';
  return k;
})();

/** The model kind of a scap_fd_type code. */
export function fdKindOf(scapType: number): FdKind {
  return KIND_BY_TYPE[scapType] ?? 'unknown';
}

/** Sets an fd's scap type and the kind that goes with it. */
export function setFdType(fd: FdInfo, scapType: number): void {
  fd.scapType = scapType;
  fd.kind = fdKindOf(scapType);
}

/** "ip:port" as libsinsp names a server socket (ports never resolved to service names). */
export function serverName(ip: string, port: number): string {
  return `${ip}:${port}`;
}

/** "sip:sport->dip:dport" as libsinsp names a connected IPv4/IPv6 socket. */
export function tupleName(sip: string, sport: number, dip: string, dport: number): string {
  return `${sip}:${sport}->${dip}:${dport}`;
}

/** "<src hex>-><dst hex> path" as libsinsp names a connected unix socket. */
export function unixTupleName(src: bigint, dst: bigint, path: string): string {
  return `${src.toString(16)}->${dst.toString(16)} ${path}`;
}

/** Rebuilds `name` from the socket tuple of an IPv4/IPv6 fd (libsinsp sockinfo_to_str). */
export function refreshSocketName(fd: FdInfo): void {
  if (fd.scapType === FdType.IPV4_SOCK || fd.scapType === FdType.IPV6_SOCK) fd.name = tupleName(fd.sip, fd.sport, fd.dip, fd.dport);
  else if (fd.scapType === FdType.IPV4_SERVSOCK || fd.scapType === FdType.IPV6_SERVSOCK) fd.name = serverName(fd.sip, fd.sport);
}

const V4_MAPPED = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i;

/** An FdInfo built from an fd list entry, named as libsinsp's add_fd_from_scap names it. */
export function fdFromEntry(e: FdEntry): FdInfo {
  const f = new FdInfo();
  f.fd = e.fd;
  f.ino = e.ino;
  f.flags = FD_FLAG_FROM_PROC;
  setFdType(f, e.type);
  const info = e.info;
  switch (info.kind) {
    case 'ipv4':
      f.sip = info.sip;
      f.dip = info.dip;
      f.sport = info.sport;
      f.dport = info.dport;
      f.l4proto = info.l4proto;
      if (info.l4proto === L4_TCP) f.flags |= FD_FLAG_SOCKET_CONNECTED;
      f.name = tupleName(f.sip, f.sport, f.dip, f.dport);
      break;
    case 'ipv6': {
      const ms = V4_MAPPED.exec(info.sip);
      const md = V4_MAPPED.exec(info.dip);
      if (ms && md) {
        setFdType(f, FdType.IPV4_SOCK);
        f.sip = ms[1]!;
        f.dip = md[1]!;
      } else {
        f.sip = info.sip;
        f.dip = info.dip;
      }
      f.sport = info.sport;
      f.dport = info.dport;
      f.l4proto = info.l4proto;
      if (info.l4proto === L4_TCP) f.flags |= FD_FLAG_SOCKET_CONNECTED;
      f.name = tupleName(f.sip, f.sport, f.dip, f.dport);
      break;
    }
    case 'ipv4server':
    case 'ipv6server':
      f.sip = info.ip;
      f.sport = info.port;
      f.l4proto = info.l4proto;
      f.listening = true;
      f.name = serverName(info.ip, info.port);
      break;
    case 'unix':
      f.unixSource = info.source;
      f.unixDest = info.destination;
      f.name = info.name;
      if (info.name === '') {
        f.role = 'client';
        f.flags |= FD_FLAG_ROLE_CLIENT;
      } else {
        f.role = 'server';
        f.flags |= FD_FLAG_ROLE_SERVER;
      }
      break;
    case 'file':
      f.openFlags = info.openFlags;
      f.name = info.name;
      f.dev = info.dev ?? 0;
      break;
    case 'name':
      f.name = info.name;
      break;
    default:
      break;
  }
  return f;
}

/** A copy of an fd (fds are copied, never shared, between processes). */
export function cloneFd(src: FdInfo): FdInfo {
  return Object.assign(new FdInfo(), src);
}

/**
 * Adds or replaces `fd` in `table`. Returns the stored FdInfo, or undefined when the fd is
 * new and the table already holds `max` fds (libsinsp drops it).
 */
export function addFd(table: Map<number, FdInfo>, fd: number, info: FdInfo, max = MAX_FD_TABLE_SIZE): FdInfo | undefined {
  info.fd = fd;
  if (table.size >= max && !table.has(fd)) return undefined;
  table.set(fd, info);
  return info;
}

export function setRole(fd: FdInfo, role: 'client' | 'server'): void {
  fd.role = role;
  fd.flags = (fd.flags & ~(FD_FLAG_ROLE_CLIENT | FD_FLAG_ROLE_SERVER)) | (role === 'client' ? FD_FLAG_ROLE_CLIENT : FD_FLAG_ROLE_SERVER);
}
