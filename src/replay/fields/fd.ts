/**
 * fd.*: the file descriptor an event refers to (file, directory, socket, pipe, ...).
 */
import { FdType } from '../../scap/blocks/fdlist.js';
import { EVENT_TABLE, ppmeCode } from '../../scap/event-table.js';
import { SYSDIG029_NO_FD } from '../inspect/sysdig029.js';
import { FD_FLAG_ROLE_CLIENT, FD_FLAG_ROLE_SERVER } from '../state/fds.js';
import { EventFlags } from '../../scap/schema.js';
import type { FdInfo } from '../state/model.js';
import { FD_FLAG_OVERLAY_LOWER, FD_FLAG_OVERLAY_UPPER, FD_FLAG_SOCKET_CONNECTED, fdOf, fdTypeChar, fdTypeString, isLocalAddress, isServerSocket, parseIp, type ReplayContext } from './context.js';
import { argField, field, type ReplayCompiledField, type ReplayFieldDef } from './def.js';
import { CODES, concatPaths, dirfdBase, eventTypeChar, paramNumber, paramString, renderedResolvedParam } from './evt.js';
import type { Extractor, FieldValue, IpAddr } from './types.js';

const C = 'fd';
const CONTAINER_JSON_E = ppmeCode('CONTAINER_JSON_E') ?? -1;
const CONTAINER_JSON_2_E = ppmeCode('CONTAINER_JSON_2_E') ?? -1;

const FD_EVENT_FLAGS = EventFlags.CREATES_FD | EventFlags.USES_FD | EventFlags.DESTROYS_FD;

/**
 * libsinsp extract_fd: only fd-related events have fd fields (in the sysdig029 mode, by
 * the flags of 0.29's event table, which did not mark mmap, sendmmsg, ... as using an fd).
 */
function isFdEvent(ctx: ReplayContext): boolean {
  if (ctx.thread === undefined) return false;
  const type = ctx.evt.type;
  if (ctx.render.sysdig029 === true && SYSDIG029_NO_FD.has(type)) return false;
  return ((EVENT_TABLE[type]?.flags ?? 0) & FD_EVENT_FLAGS) !== 0;
}

/**
 * The fd number the fd fields use: the event's (libsinsp m_lastevent_fd as the engine
 * left it), or in the sysdig029 mode the thread's last fd, which 0.29's fd.num and fd.uid
 * read (an open exit leaves the new fd there).
 */
function eventFdNum(ctx: ReplayContext): number {
  if (ctx.render.sysdig029 === true && ctx.thread !== undefined) return ctx.thread.lastEventFd;
  return ctx.fdNum;
}

/** The event's fd (when the event is an fd event and the fd is known). */
function fdOfEvent(ctx: ReplayContext): FdInfo | undefined {
  if (!isFdEvent(ctx)) return undefined;
  if (ctx.fd !== undefined) return ctx.fd;
  const n = eventFdNum(ctx);
  if (n !== -1 && ctx.thread !== undefined) return fdOf(ctx.state, ctx.thread, n);
  return undefined;
}

/**
 * sysdig 0.29's fd.typechar for an fd event without a known fd: a guess from the enter
 * code of the event (fewer codes than current libsinsp; open included), 'o' otherwise.
 */
function sysdig029TypeCharGuess(ctx: ReplayContext): string {
  const e = ctx.evt.type & ~1;
  if (e === CODES.OPEN_X - 1 || e === CODES.OPENAT_X - 1 || e === CODES.OPENAT_2_X - 1 || e === CODES.OPENAT2_X - 1 || e === CODES.CREAT_X - 1) return 'f';
  if (e === CODES.SOCKET_X - 1 || e === CODES.ACCEPT_X - 1 || e === CODES.ACCEPT_5_X - 1 || e === CODES.ACCEPT4_X - 1 || e === CODES.ACCEPT4_6_X - 1) {
    return '4';
  }
  if (e === CODES.PIPE_X - 1) return 'p';
  if (e === CODES.EVENTFD_X - 1) return 'e';
  if (e === CODES.SIGNALFD_X - 1) return 's';
  if (e === CODES.TIMERFD_CREATE_X - 1) return 't';
  if (e === CODES.INOTIFY_INIT_X - 1) return 'i';
  return 'o';
}

/** sysdig 0.29's fd.l4proto: a connection socket without a role has none yet (get_l4proto). */
function l4protoOf(f: FdInfo, ctx: ReplayContext): string {
  if (ctx.render.sysdig029 === true && (f.scapType === FdType.IPV4_SOCK || f.scapType === FdType.IPV6_SOCK) && f.l4proto !== 5) {
    if ((f.flags & (FD_FLAG_ROLE_CLIENT | FD_FLAG_ROLE_SERVER)) === 0 && f.role === 'none') return '<NA>';
  }
  return L4[f.l4proto] ?? '<NA>';
}

function withFd(get: (f: FdInfo, ctx: ReplayContext) => FieldValue | undefined): Extractor<ReplayContext> {
  return (ctx) => {
    const f = fdOfEvent(ctx);
    return f === undefined ? undefined : get(f, ctx);
  };
}

const isSock = (f: FdInfo): boolean => (f.kind === 'ipv4' || f.kind === 'ipv6') && !isServerSocket(f);
const isServSock = (f: FdInfo): boolean => (f.kind === 'ipv4' || f.kind === 'ipv6') && isServerSocket(f);
const roleNone = (f: FdInfo): boolean => f.role === 'none';

/** The server-socket address and port (bound address; either end of the tuple the engine filled). */
function servIp(f: FdInfo): string {
  return f.sip !== '' ? f.sip : f.dip;
}
function servPort(f: FdInfo): number {
  return f.sport !== 0 ? f.sport : f.dport;
}

function ip(text: string): IpAddr | undefined {
  return parseIp(text);
}

/**
 * libsinsp extract_fdname_from_event: when the fd is not in the table (failed open, ...),
 * the name the event itself carries.
 */
function nameFromEvent(ctx: ReplayContext, raw: boolean): string | undefined {
  const t = ctx.evt.type;
  if ((t & 1) === 0) return undefined;
  if (t === CODES.OPEN_X || t === CODES.ACCEPT_5_X || t === CODES.ACCEPT4_6_X || t === CODES.CREAT_X || t === CODES.CONNECT_X) {
    return renderedResolvedParam(ctx, 1);
  }
  if (t === CODES.OPENAT_2_X || t === CODES.OPENAT2_X) {
    const name = paramString(ctx, 2);
    if (name === undefined) return undefined;
    if (raw) return name;
    const dirfd = paramNumber(ctx, 1);
    if (dirfd === undefined) return undefined;
    return concatPaths(dirfdBase(ctx, name, dirfd), name);
  }
  if (t === CODES.OPEN_BY_HANDLE_AT_X) return paramString(ctx, 3) ?? '';
  return '';
}

function fdName(ctx: ReplayContext): string | undefined {
  if (!isFdEvent(ctx)) return undefined;
  const f = fdOfEvent(ctx);
  // sysdig 0.29 (as libsinsp did then) names a failed connect by the tuple it carries.
  if (f !== undefined && !(ctx.render.sysdig029 === true && ctx.evt.type === CODES.CONNECT_X && (paramNumber(ctx, 0) ?? 0) < 0)) return f.name;
  return nameFromEvent(ctx, false);
}

function containerIdOf(ctx: ReplayContext): string {
  return ctx.thread?.containerId ?? '';
}

function directoryOf(ctx: ReplayContext): string | undefined {
  if (!isFdEvent(ctx)) return undefined;
  const f = fdOfEvent(ctx);
  let s: string;
  if (f === undefined) {
    const n = nameFromEvent(ctx, false);
    if (n === undefined) return undefined;
    s = n;
  } else if (f.kind !== 'file' && f.kind !== 'directory') {
    return undefined;
  } else {
    s = f.name;
  }
  if (f === undefined || f.kind === 'file') {
    const pos = s.lastIndexOf('/');
    if (pos > 0) {
      if (pos < s.length - 1) s = s.slice(0, pos);
    } else {
      s = '/';
    }
  }
  return s;
}

/** Client / server / local / remote address selection (libsinsp semantics). */
function clientIp(f: FdInfo): IpAddr | undefined {
  if (roleNone(f) || !isSock(f)) return undefined;
  return ip(f.sip);
}
function serverIp(f: FdInfo): IpAddr | undefined {
  if (roleNone(f)) return undefined;
  if (isSock(f)) return ip(f.dip);
  if (isServSock(f)) return ip(servIp(f));
  return undefined;
}

function localRemote(which: 'l' | 'r'): Extractor<ReplayContext> {
  return (ctx) => {
    const f = fdOfEvent(ctx);
    if (f === undefined || !isSock(f) || roleNone(f)) return undefined;
    const local = isLocalAddress(ctx, f.sip);
    const pickSip = which === 'l' ? local : !local;
    return ip(pickSip ? f.sip : f.dip);
  };
}

function localRemotePort(which: 'l' | 'r'): Extractor<ReplayContext> {
  return (ctx) => {
    const f = fdOfEvent(ctx);
    if (f === undefined || !isSock(f) || roleNone(f)) return undefined;
    const local = isLocalAddress(ctx, f.sip);
    const pickS = which === 'l' ? local : !local;
    return pickS ? f.sport : f.dport;
  };
}

function clientPort(f: FdInfo): number | undefined {
  if (roleNone(f) || !isSock(f)) return undefined;
  return f.sport;
}
function serverPort(f: FdInfo): number | undefined {
  if (isSock(f)) return roleNone(f) ? undefined : f.dport;
  if (isServSock(f)) return servPort(f);
  return undefined;
}

/** fd.ip / fd.net candidates: both ends of a connection, or a server socket's address. */
function anyIp(f: FdInfo): IpAddr[] | undefined {
  if (isSock(f)) {
    const out: IpAddr[] = [];
    const a = ip(f.sip);
    const b = ip(f.dip);
    if (a !== undefined) out.push(a);
    if (b !== undefined) out.push(b);
    return out;
  }
  if (isServSock(f)) {
    const a = ip(servIp(f));
    return a === undefined ? [] : [a];
  }
  return undefined;
}

function anyPort(f: FdInfo): number[] | undefined {
  if (isSock(f)) return [f.sport, f.dport];
  if (isServSock(f)) return [servPort(f), servPort(f)];
  return undefined;
}

const L4 = ['<NA>', '<NA>', 'tcp', 'udp', 'icmp', 'raw'];

/**
 * libsinsp is_ipv6addr_in_local_machine: never for container processes; otherwise an
 * address is local when its first 64 bits equal an IPv6 interface's (ipv6addr::in_subnet),
 * so the unset address (::) of a fresh socket is local when ::1 is an interface.
 */
function isLocalIpv6(ctx: ReplayContext, text: string): boolean {
  const t = ctx.thread;
  if (t !== undefined && t.containerId !== '' && t.containerId !== 'host') return false;
  const a = text === '' ? new Uint8Array(16) : ip(text);
  if (a === undefined || typeof a === 'number' || a.length !== 16) return false;
  for (const i of ctx.state.interfaces) {
    if (!i.addr.includes(':')) continue;
    const b = ip(i.addr);
    if (b === undefined || typeof b === 'number' || b.length !== 16) continue;
    let same = true;
    for (let k = 0; k < 8 && same; k++) same = a[k] === b[k];
    if (same) return true;
  }
  return false;
}

function anyMode(extract: Extractor<ReplayContext>): ReplayCompiledField {
  return { extract, mode: 'any' };
}


export const FD_FIELDS: readonly ReplayFieldDef[] = [
  field(C, 'fd.num', 'int64', 'Number of the fd the event refers to.', (ctx) => (isFdEvent(ctx) ? eventFdNum(ctx) : undefined), { printFormat: 'id' }),
  field(C, 'fd.type', 'charbuf', "Type of the fd: 'file', 'directory', 'ipv4', 'ipv6', 'unix', 'pipe', 'event', 'signalfd', 'eventpoll', 'inotify', 'signalfd', 'memfd', ...", withFd((f) => fdTypeString(f.kind))),
  field(C, 'fd.typechar', 'charbuf', "Type of the fd as one letter: 'f' file, '4' IPv4 socket, '6' IPv6 socket, 'u' unix socket, 'p' pipe, 'e' eventfd, 's' signalfd, 'l' eventpoll, 'i' inotify, 'o' unknown ...", (ctx) => {
    if (!isFdEvent(ctx)) return undefined;
    const f = fdOfEvent(ctx);
    if (f === undefined) return ctx.render.sysdig029 === true ? sysdig029TypeCharGuess(ctx) : eventTypeChar(ctx);
    return fdTypeChar(f.kind);
  }),
  field(C, 'fd.name', 'charbuf', 'Full name of the fd: the absolute path of files, the connection tuple of sockets, ...', fdName),
  field(C, 'fd.directory', 'charbuf', 'For files, the directory that contains the file; for directories, the directory itself.', directoryOf),
  field(C, 'fd.filename', 'charbuf', 'For files, the file name without its directory.', withFd((f) => {
    if (f.kind !== 'file') return undefined;
    const s = f.name;
    const pos = s.lastIndexOf('/');
    if (pos < 0) return '/';
    return pos < s.length - 1 ? s.slice(pos + 1) : s;
  })),
  argField(C, 'fd.ip', 'ipaddr', 'Matches the IP address of either end of the connection (client or server).', 'none', () => anyMode(withFd((f) => anyIp(f))), {
    filterOnly: true,
    noRhs: true,
    noTransformer: true,
  }),
  field(C, 'fd.cip', 'ipaddr', 'Client IP address.', withFd((f) => clientIp(f))),
  field(C, 'fd.sip', 'ipaddr', 'Server IP address.', withFd((f) => serverIp(f))),
  field(C, 'fd.lip', 'ipaddr', 'Local IP address.', localRemote('l')),
  field(C, 'fd.rip', 'ipaddr', 'Remote IP address.', localRemote('r')),
  argField(C, 'fd.port', 'port', 'Matches the port of either end of the connection (client or server).', 'none', () => anyMode(withFd((f) => anyPort(f))), {
    filterOnly: true,
    noRhs: true,
    noTransformer: true,
  }),
  field(C, 'fd.cport', 'port', 'Client port.', withFd((f) => clientPort(f))),
  field(C, 'fd.sport', 'port', 'Server port.', withFd((f) => serverPort(f))),
  field(C, 'fd.lport', 'port', 'Local port.', localRemotePort('l')),
  field(C, 'fd.rport', 'port', 'Remote port.', localRemotePort('r')),
  field(C, 'fd.l4proto', 'charbuf', "IP protocol of a socket: 'tcp', 'udp', 'icmp' or 'raw'.", withFd(l4protoOf)),
  field(C, 'fd.sockfamily', 'charbuf', "Socket family: 'ip' or 'unix'.", withFd((f) => (f.kind === 'ipv4' || f.kind === 'ipv6' ? 'ip' : f.kind === 'unix' ? 'unix' : undefined))),
  field(C, 'fd.is_server', 'bool', "'true' when the process is the server end of the connection.", withFd((f, ctx) => {
    if (isServSock(f)) return true;
    if (f.kind === 'ipv6' && isSock(f)) return isLocalIpv6(ctx, f.dip);
    if (isSock(f)) return isLocalAddress(ctx, f.dip);
    return false;
  })),
  field(C, 'fd.uid', 'charbuf', 'Unique id of the fd: thread id and fd number concatenated.', (ctx) => {
    if (!isFdEvent(ctx) || ctx.thread === undefined) return undefined;
    if (ctx.render.sysdig029 === true && (ctx.evt.type === CONTAINER_JSON_E || ctx.evt.type === CONTAINER_JSON_2_E)) return undefined;
    return `${ctx.thread.tid}${eventFdNum(ctx)}`;
  }),
  field(C, 'fd.containername', 'charbuf', 'Container id and fd name joined by a colon.', (ctx) => {
    const n = fdName(ctx);
    return n === undefined ? undefined : `${containerIdOf(ctx)}:${n}`;
  }),
  field(C, 'fd.containerdirectory', 'charbuf', 'Container id and fd directory joined by a colon.', (ctx) => {
    const d = directoryOf(ctx);
    return d === undefined ? undefined : `${containerIdOf(ctx)}:${d}`;
  }),
  argField(C, 'fd.proto', 'port', 'Matches the protocol (port) of either end of the connection.', 'none', () => anyMode(withFd((f) => anyPort(f))), {
    filterOnly: true,
    noRhs: true,
    noTransformer: true,
  }),
  field(C, 'fd.cproto', 'charbuf', 'Client protocol (the client port as text).', withFd((f) => (roleNone(f) ? undefined : isSock(f) ? String(f.sport) : ''))),
  field(C, 'fd.sproto', 'charbuf', 'Server protocol (the server port as text).', withFd((f) => {
    if (isSock(f)) return roleNone(f) ? undefined : String(f.dport);
    return isServSock(f) ? '' : undefined;
  })),
  field(C, 'fd.lproto', 'charbuf', 'Local protocol (the local port as text).', (ctx) => {
    const p = localRemotePort('l')(ctx);
    return p === undefined ? undefined : String(p);
  }),
  field(C, 'fd.rproto', 'charbuf', 'Remote protocol (the remote port as text).', (ctx) => {
    const p = localRemotePort('r')(ctx);
    return p === undefined ? undefined : String(p);
  }),
  argField(C, 'fd.net', 'ipnet', 'Matches the IP network of either end of the connection.', 'none', () => anyMode(withFd((f) => anyIp(f))), {
    filterOnly: true,
    noRhs: true,
    noTransformer: true,
  }),
  field(C, 'fd.cnet', 'ipnet', 'Matches the client IP network.', withFd((f) => clientIp(f)), { filterOnly: true, noRhs: true, noTransformer: true }),
  field(C, 'fd.snet', 'ipnet', 'Matches the server IP network.', withFd((f) => serverIp(f)), { filterOnly: true, noRhs: true, noTransformer: true }),
  field(C, 'fd.lnet', 'ipnet', 'Matches the local IP network.', localRemote('l'), { filterOnly: true, noRhs: true, noTransformer: true }),
  field(C, 'fd.rnet', 'ipnet', 'Matches the remote IP network.', localRemote('r'), { filterOnly: true, noRhs: true, noTransformer: true }),
  field(C, 'fd.connected', 'bool', "'true' for connected TCP/UDP sockets.", withFd((f) => (f.flags & FD_FLAG_SOCKET_CONNECTED) !== 0)),
  field(C, 'fd.name_changed', 'bool', "'true' when this event changed the fd's name (e.g. a UDP socket whose tuple changed).", withFd((_f, ctx) => ctx.fdNameChanged)),
  field(C, 'fd.cip.name', 'charbuf', 'Domain name of the client IP (needs DNS information the capture lacks).', () => undefined, { noRhs: true, noTransformer: true }),
  field(C, 'fd.sip.name', 'charbuf', 'Domain name of the server IP (needs DNS information the capture lacks).', () => undefined, { noRhs: true, noTransformer: true }),
  field(C, 'fd.lip.name', 'charbuf', 'Domain name of the local IP (needs DNS information the capture lacks).', () => undefined, { noRhs: true, noTransformer: true }),
  field(C, 'fd.rip.name', 'charbuf', 'Domain name of the remote IP (needs DNS information the capture lacks).', () => undefined, { noRhs: true, noTransformer: true }),
  field(C, 'fd.dev', 'int32', 'Device number (major/minor) of the file system the file is on.', withFd((f) => f.dev >>> 0), { printFormat: 'hex' }),
  field(C, 'fd.dev.major', 'int32', 'Major device number of the file system the file is on.', withFd((f) => ((f.dev & 0xfff00) >>> 8) >>> 0)),
  field(C, 'fd.dev.minor', 'int32', 'Minor device number of the file system the file is on.', withFd((f) => ((f.dev & 0xff) | ((f.dev >>> 12) & 0xfff00)) >>> 0)),
  field(C, 'fd.ino', 'int64', 'Inode number of the file.', withFd((f) => (f.ino <= 9007199254740991n ? Number(f.ino) : f.ino))),
  field(C, 'fd.nameraw', 'charbuf', 'Like fd.name for files, but the path as the syscall gave it, not made absolute.', (ctx) => {
    if (!isFdEvent(ctx)) return undefined;
    const f = fdOfEvent(ctx);
    const s = f === undefined ? nameFromEvent(ctx, true) : f.nameRaw;
    return s === undefined ? undefined : s.replace(/\/{2,}/g, '/');
  }),
  argField(
    C,
    'fd.types',
    'charbuf',
    'Types of all the open fds of the process, without duplicates; fd.types[N] is the type of fd N.',
    'optional-index',
    (arg) => {
      if (arg !== undefined) {
        const n = Number(arg);
        return (ctx) => {
          if (!isFdEvent(ctx)) return undefined;
          const f = ctx.thread === undefined ? undefined : fdOf(ctx.state, ctx.thread, n);
          return f === undefined ? undefined : [fdTypeString(f.kind)];
        };
      }
      return (ctx) => {
        if (!isFdEvent(ctx) || ctx.thread === undefined) return undefined;
        const seen = new Set<string>();
        const table = ctx.state.threads.fdTable(ctx.thread);
        if (table !== undefined) for (const f of table.values()) seen.add(fdTypeString(f.kind));
        return [...seen];
      };
    },
    { isList: true, noRhs: true },
  ),
  field(C, 'fd.is_upper_layer', 'bool', "'true' when the file is in the upper layer of an overlayfs.", withFd((f) => (f.flags & FD_FLAG_OVERLAY_UPPER) !== 0)),
  field(C, 'fd.is_lower_layer', 'bool', "'true' when the file is in a lower layer of an overlayfs.", withFd((f) => (f.flags & FD_FLAG_OVERLAY_LOWER) !== 0)),
];
