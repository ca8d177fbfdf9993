/**
 * evt.* (and syscall.type): fields of the event itself — type, direction, arguments,
 * return value, buffers, timestamps, numbers, I/O classification.
 */
import { readInt64 } from '../../scap/event.js';
import { EVENT_TABLE, PPM_EVENT_MAX, ppmeCode } from '../../scap/event-table.js';
import { syscallName, errnoName } from '../../scap/names.js';
import {
  decodeParamBytes,
  renderEventArgs,
  renderParamValue,
  resolvePath,
  type ParamResolver,
  type ParamValue,
} from '../../scap/params.js';
import { EventCategory, EventFlags, ParamType, type EventInfo, type ParamInfo } from '../../scap/schema.js';
import { cwdOfThread, describeFd, fdOf, fdTypeChar, type ReplayContext } from './context.js';
import { argField, field, indexArg, type ReplayFieldDef } from './def.js';
import { SYSDIG029_CATEGORY_NAMES, sysdig029GenericCategory } from './sysdig029.js';
import { sysdig029TypeName } from '../inspect/sysdig029.js';
import { FieldArgError, type Extractor, type FieldType, type FieldValue } from './types.js';

const C = 'evt';

// ---------------------------------------------------------------------------------------
// Event codes the fields single out
// ---------------------------------------------------------------------------------------

function code(id: string): number {
  return ppmeCode(id) ?? -1;
}

export const CODES = {
  GENERIC_X: code('GENERIC_X'),
  OPEN_X: code('SYSCALL_OPEN_X'),
  OPENAT_2_X: code('SYSCALL_OPENAT_2_X'),
  OPENAT2_X: code('SYSCALL_OPENAT2_X'),
  OPEN_BY_HANDLE_AT_X: code('SYSCALL_OPEN_BY_HANDLE_AT_X'),
  CREAT_X: code('SYSCALL_CREAT_X'),
  ACCEPT_X: code('SOCKET_ACCEPT_X'),
  ACCEPT_5_X: code('SOCKET_ACCEPT_5_X'),
  ACCEPT4_X: code('SOCKET_ACCEPT4_X'),
  OPENAT_X: code('SYSCALL_OPENAT_X'),
  ACCEPT4_6_X: code('SOCKET_ACCEPT4_6_X'),
  CONNECT_X: code('SOCKET_CONNECT_X'),
  RENAMEAT_X: code('SYSCALL_RENAMEAT_X'),
  RENAMEAT2_X: code('SYSCALL_RENAMEAT2_X'),
  SYMLINKAT_X: code('SYSCALL_SYMLINKAT_X'),
  LINKAT_2_X: code('SYSCALL_LINKAT_2_X'),
  UNLINKAT_2_X: code('SYSCALL_UNLINKAT_2_X'),
  MKDIRAT_X: code('SYSCALL_MKDIRAT_X'),
  FCHMODAT_X: code('SYSCALL_FCHMODAT_X'),
  FCHOWNAT_X: code('SYSCALL_FCHOWNAT_X'),
  PROCINFO_E: code('PROCINFO_E'),
  SCHEDSWITCH_6_E: code('SCHEDSWITCH_6_E'),
  ASYNCEVENT_E: code('ASYNCEVENT_E'),
  INFRASTRUCTURE_EVENT_E: code('INFRASTRUCTURE_EVENT_E'),
  SOCKET_X: code('SOCKET_SOCKET_X'),
  PIPE_X: code('SYSCALL_PIPE_X'),
  PIPE2_X: code('SYSCALL_PIPE2_X'),
  EVENTFD_X: code('SYSCALL_EVENTFD_X'),
  EVENTFD2_X: code('SYSCALL_EVENTFD2_X'),
  SIGNALFD_X: code('SYSCALL_SIGNALFD_X'),
  SIGNALFD4_X: code('SYSCALL_SIGNALFD4_X'),
  TIMERFD_CREATE_X: code('SYSCALL_TIMERFD_CREATE_X'),
  INOTIFY_INIT_X: code('SYSCALL_INOTIFY_INIT_X'),
  INOTIFY_INIT1_X: code('SYSCALL_INOTIFY_INIT1_X'),
} as const;

const PPM_AT_FDCWD = -100;
/** Open flags (PPM_O_*). */
const PPM_O_RDONLY = 1 << 0;
const PPM_O_WRONLY = 1 << 1;
const PPM_O_CREAT = 1 << 2;
const PPM_O_TMPFILE = 1 << 20;
const PPM_O_F_CREATED = 1 << 21;
const EXEC_BITS = 0o111;

const META_MASK = ~(EventCategory.SYSCALL | EventCategory.TRACEPOINT | EventCategory.PLUGIN | EventCategory.METAEVENT);

// ---------------------------------------------------------------------------------------
// Shared event helpers
// ---------------------------------------------------------------------------------------

export function infoOf(ctx: ReplayContext): EventInfo | undefined {
  return EVENT_TABLE[ctx.evt.type];
}

/** libsinsp has_return_value: an exit syscall event with parameters, not the generic one. */
export function hasReturnValue(ctx: ReplayContext): boolean {
  const ev = ctx.evt;
  if (ev.type === CODES.GENERIC_X || (ev.type & 1) === 0 || ev.nparams === 0) return false;
  const info = EVENT_TABLE[ev.type];
  return info !== undefined && (info.category & EventCategory.SYSCALL) !== 0;
}

/** The syscall's return value (parameter 0 read as a 32- or 64-bit signed integer). */
export function returnValue(ctx: ReplayContext): number {
  const ev = ctx.evt;
  const off = ev.paramOffset(0);
  if (off < 0) return 0;
  const len = ev.paramLen(0);
  if (len === 4) return ev.le ? ev.buf.readInt32LE(off) : ev.buf.readInt32BE(off);
  if (len === 8) return readInt64(ev.buf, off, ev.le);
  return 0;
}

const findRes = paramIndexer('res');
const findFd = paramIndexer('fd');

/**
 * Where sysdig 0.29's evt.res / evt.rawres / evt.failed found the return value: the
 * parameter named 'res' (of enter and exit events alike; not for exits whose value has
 * another name, e.g. geteuid's 'euid'), else the 'fd' parameter of exits of fd-creating
 * events; -1 when neither.
 */
function sysdig029ResIndex(ctx: ReplayContext): number {
  const ev = ctx.evt;
  const r = findRes(ev.type);
  if (r >= 0 && r < ev.nparams) return r;
  if ((ev.type & 1) === 1 && ((EVENT_TABLE[ev.type]?.flags ?? 0) & EventFlags.CREATES_FD) !== 0) {
    const f = findFd(ev.type);
    if (f >= 0 && f < ev.nparams) return f;
  }
  return -1;
}

/** Parameter `i` read as a signed integer (4 or 8 bytes; other sizes read 0). */
function paramInt(ctx: ReplayContext, i: number): number {
  const ev = ctx.evt;
  const off = ev.paramOffset(i);
  if (off < 0) return 0;
  const len = ev.paramLen(i);
  if (len === 4) return ev.le ? ev.buf.readInt32LE(off) : ev.buf.readInt32BE(off);
  if (len === 8) return readInt64(ev.buf, off, ev.le);
  return 0;
}

/** Index of the parameter called `name` in events of `type`, cached per name. */
function paramIndexer(name: string): (type: number) => number {
  const cache = new Int16Array(PPM_EVENT_MAX).fill(-2);
  return (type: number): number => {
    if (type < 0 || type >= PPM_EVENT_MAX) return -1;
    let i = cache[type]!;
    if (i === -2) {
      const ps = EVENT_TABLE[type]?.params ?? [];
      i = ps.findIndex((p) => p.name === name);
      cache[type] = i;
    }
    return i;
  };
}

const indexerCache = new Map<string, (type: number) => number>();
export function paramIndex(name: string): (type: number) => number {
  let f = indexerCache.get(name);
  if (f === undefined) {
    f = paramIndexer(name);
    indexerCache.set(name, f);
  }
  return f;
}

/** Decodes parameter `i` of the current event with its schema; undefined when absent. */
export function paramValue(ctx: ReplayContext, i: number): ParamValue | undefined {
  const ev = ctx.evt;
  if (i < 0 || i >= ev.nparams) return undefined;
  const pi = EVENT_TABLE[ev.type]?.params[i];
  const bytes = ev.paramBytes(i);
  if (pi === undefined || bytes === undefined) return undefined;
  return decodeParamBytes(bytes, pi, ev.le);
}

/** A parameter as a string (CHARBUF / FSPATH / FSRELPATH); undefined when absent or empty. */
export function paramString(ctx: ReplayContext, i: number): string | undefined {
  const v = paramValue(ctx, i);
  return v?.kind === 'string' ? v.value : undefined;
}

/** A parameter as a number (ints, fds, pids, errnos; 64-bit as number). */
export function paramNumber(ctx: ReplayContext, i: number): number | undefined {
  const v = paramValue(ctx, i);
  if (v === undefined) return undefined;
  switch (v.kind) {
    case 'int':
    case 'fd':
    case 'pid':
    case 'errno':
      return v.value;
    case 'int64':
      return Number(v.value);
    default:
      return undefined;
  }
}

const resolvers = new WeakMap<ReplayContext, ParamResolver>();

/** The resolver parameter rendering uses: fds, thread names, users, cwd of the event's thread. */
export function resolverFor(ctx: ReplayContext): ParamResolver {
  let r = resolvers.get(ctx);
  if (r === undefined) {
    r = {
      get threadKnown(): boolean {
        return ctx.thread !== undefined;
      },
      describe(fd: number): string | undefined {
        const t = ctx.thread;
        const f = t === undefined ? undefined : fdOf(ctx.state, t, fd);
        return f === undefined ? undefined : describeFd(f);
      },
      comm(tid: number): string | undefined {
        return ctx.state.threads.get(tid)?.comm;
      },
      userName(uid: number): string | undefined {
        return ctx.state.users.user(ctx.thread?.containerId ?? '', uid)?.name;
      },
      groupName(gid: number): string | undefined {
        return ctx.state.users.group(ctx.thread?.containerId ?? '', gid)?.name;
      },
      cwd(): string | undefined {
        const t = ctx.thread;
        if (t === undefined) return undefined;
        return cwdOfThread(ctx.state, t);
      },
      dirPath(fd: number): string | undefined {
        const t = ctx.thread;
        return t === undefined ? undefined : fdOf(ctx.state, t, fd)?.name;
      },
    };
    resolvers.set(ctx, r);
  }
  return r;
}

/** evt.arg's text for parameter `i`: the resolved form when there is one, else the value. */
export function renderedResolvedParam(ctx: ReplayContext, i: number): string | undefined {
  return argText(ctx, i);
}

function argText(ctx: ReplayContext, i: number): string | undefined {
  const info = EVENT_TABLE[ctx.evt.type];
  if (info === undefined || i >= ctx.evt.nparams || i >= info.params.length) return undefined;
  const r = renderParamValue(ctx.evt, info, i, resolverFor(ctx), { maxBufferLength: 0, ...ctx.render });
  return r.resolved !== '' ? r.resolved : r.value;
}

/** libsinsp concatenate_paths: an absolute path ignores the base. */
export function concatPaths(base: string, path: string): string {
  if (path.length > 0 && path[0] === '/') return resolvePath('', path);
  return resolvePath(base, path);
}

/** The cwd of the thread's process, with a trailing '/'. */
export function cwdOf(ctx: ReplayContext): string {
  const t = ctx.thread;
  if (t === undefined) return '/';
  return cwdOfThread(ctx.state, t);
}

/** libsinsp parse_dirfd: the directory a relative path of an *at syscall is resolved against. */
export function dirfdBase(ctx: ReplayContext, path: string, dirfd: number): string {
  if (path.length > 0 && path[0] === '/') return '';
  if (dirfd === PPM_AT_FDCWD) return cwdOf(ctx);
  const f = ctx.thread === undefined ? undefined : fdOf(ctx.state, ctx.thread, dirfd);
  if (f === undefined) return '<UNKNOWN>/';
  return f.name.endsWith('/') ? f.name : f.name + '/';
}

function boolOf(b: boolean): boolean {
  return b;
}

// ---------------------------------------------------------------------------------------
// Time formatting
// ---------------------------------------------------------------------------------------

const p2 = (n: number): string => String(n).padStart(2, '0');

function localParts(ns: bigint): { d: Date; frac: string } {
  const ms = Number(ns / 1000000000n) * 1000;
  return { d: new Date(ms), frac: (ns % 1000000000n).toString().padStart(9, '0') };
}

/** Last second formatted (per date/no-date), so events of the same second reuse it. */
const secCache: [bigint, string][] = [
  [-1n, ''],
  [-1n, ''],
];

export function formatTime(ns: bigint, date: boolean, withNs: boolean): string {
  const sec = ns / 1000000000n;
  const slot = secCache[date ? 1 : 0]!;
  let s: string;
  if (slot[0] === sec) s = slot[1];
  else {
    const d = new Date(Number(sec) * 1000);
    s = date ? `${d.getFullYear()}-${p2(d.getMonth() + 1)}-${p2(d.getDate())} ` : '';
    s += `${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())}`;
    slot[0] = sec;
    slot[1] = s;
  }
  return withNs ? `${s}.${(ns % 1000000000n).toString().padStart(9, '0')}` : s;
}

export function formatIso8601(ns: bigint): string {
  const { d, frac } = localParts(ns);
  return `${d.getUTCFullYear()}-${p2(d.getUTCMonth() + 1)}-${p2(d.getUTCDate())}T${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}.${frac}+0000`;
}

const SEC = 1000000000n;
const U64 = 1n << 64n;

// ---------------------------------------------------------------------------------------
// evt.category
// ---------------------------------------------------------------------------------------

/** Today's names: 0.29's, plus the categories it had no name for. */
const CATEGORY_NAMES: Readonly<Record<number, string>> = {
  ...SYSDIG029_CATEGORY_NAMES,
  [EventCategory.INTERNAL]: 'internal',
  [EventCategory.SYSCALL]: 'syscall',
  [EventCategory.TRACEPOINT]: 'tracepoint',
  [EventCategory.PLUGIN]: 'plugin',
  [EventCategory.METAEVENT]: 'meta',
};

function ioSubcategory(ctx: ReplayContext): string {
  const f = ctx.fd;
  if (f === undefined) return 'unknown';
  switch (f.kind) {
    case 'file':
    case 'directory':
      return 'file';
    case 'ipv4':
    case 'ipv6':
      return 'net';
    case 'pipe':
    case 'unix':
    case 'event':
    case 'signalfd':
    case 'inotify':
    case 'userfaultfd':
      return 'ipc';
    default:
      return 'unknown';
  }
}

/**
 * evt.category as sysdig 0.29 printed it: generic events take the category of their
 * syscall id from 0.29's syscall table (with no I/O subcategory, so I/O ones print
 * 'unknown'); I/O events name the kind of their fd among the kinds 0.29 knew; internal
 * events have no name in its switch ('unknown').
 */
function sysdig029Category(ctx: ReplayContext): string {
  const ev = ctx.evt;
  if (ev.type === CODES.GENERIC_X || ev.type === CODES.GENERIC_X - 1) {
    const cat = sysdig029GenericCategory(paramNumber(ctx, 0) ?? -1);
    if (cat === undefined) return 'unknown';
    return SYSDIG029_CATEGORY_NAMES[cat] ?? 'unknown';
  }
  const cat = categoryOf(ctx);
  if (isIoCategory(cat)) {
    const k = ctx.fd?.kind;
    if (k === undefined) return 'unknown';
    if (k === 'file' || k === 'directory') return 'file';
    if (k === 'ipv4' || k === 'ipv6') return 'net';
    if (k === 'pipe' || k === 'unix' || k === 'event' || k === 'signalfd' || k === 'inotify') return 'ipc';
    return 'unknown';
  }
  return SYSDIG029_CATEGORY_NAMES[cat] ?? 'unknown';
}

function categoryOf(ctx: ReplayContext): number {
  const info = EVENT_TABLE[ctx.evt.type];
  return info === undefined ? 0 : info.category & META_MASK;
}

function isIoCategory(cat: number): boolean {
  return (cat & EventCategory.IO_READ) !== 0 && cat < EventCategory.WAIT;
}

// ---------------------------------------------------------------------------------------
// Parameter types → field types (evt.rawarg)
// ---------------------------------------------------------------------------------------

function fieldTypeOfParam(t: ParamType): FieldType {
  switch (t) {
    case ParamType.INT8:
      return 'int8';
    case ParamType.INT16:
      return 'int16';
    case ParamType.INT32:
      return 'int32';
    case ParamType.INT64:
      return 'int64';
    case ParamType.UINT8:
      return 'uint8';
    case ParamType.UINT16:
      return 'uint16';
    case ParamType.UINT32:
      return 'uint32';
    case ParamType.UINT64:
      return 'uint64';
    case ParamType.CHARBUF:
      return 'charbuf';
    case ParamType.BYTEBUF:
      return 'bytebuf';
    case ParamType.ERRNO:
      return 'errno';
    case ParamType.FD:
    case ParamType.FD32:
      return 'fd';
    case ParamType.PID:
    case ParamType.PID32:
      return 'pid';
    case ParamType.FSPATH:
      return 'fspath';
    case ParamType.FSRELPATH:
      return 'fsrelpath';
    case ParamType.SYSCALLID:
      return 'syscallid';
    case ParamType.SIGTYPE:
      return 'sigtype';
    case ParamType.RELTIME:
      return 'reltime';
    case ParamType.ABSTIME:
      return 'abstime';
    case ParamType.PORT:
      return 'port';
    case ParamType.L4PROTO:
      return 'l4proto';
    case ParamType.SOCKFAMILY:
      return 'sockfamily';
    case ParamType.BOOL:
      return 'bool';
    case ParamType.IPV4ADDR:
      return 'ipv4addr';
    case ParamType.IPV6ADDR:
      return 'ipv6addr';
    case ParamType.IPADDR:
      return 'ipaddr';
    case ParamType.IPV4NET:
      return 'ipv4net';
    case ParamType.IPV6NET:
      return 'ipv6net';
    case ParamType.IPNET:
      return 'ipnet';
    case ParamType.FLAGS8:
      return 'flags8';
    case ParamType.FLAGS16:
      return 'flags16';
    case ParamType.FLAGS32:
      return 'flags32';
    case ParamType.ENUMFLAGS8:
      return 'enumflags8';
    case ParamType.ENUMFLAGS16:
      return 'enumflags16';
    case ParamType.ENUMFLAGS32:
      return 'enumflags32';
    case ParamType.MODE:
      return 'mode';
    case ParamType.UID:
      return 'uid';
    case ParamType.GID:
      return 'gid';
    case ParamType.DOUBLE:
      return 'double';
    default:
      return 'bytebuf';
  }
}

/** The first parameter (over all events, in code order) whose name is the longest prefix of `text`. */
function findParamByName(text: string): ParamInfo | undefined {
  let best: ParamInfo | undefined;
  for (const e of EVENT_TABLE) {
    for (const p of e.params) {
      if (text.startsWith(p.name) && (best === undefined || p.name.length > best.name.length)) best = p;
    }
  }
  return best;
}

const ALL_PARAM_NAMES: ReadonlySet<string> = new Set(EVENT_TABLE.flatMap((e) => e.params.map((p) => p.name)));

/** A raw parameter value as a field value. */
function rawValue(v: ParamValue): FieldValue | undefined {
  switch (v.kind) {
    case 'int':
    case 'fd':
    case 'pid':
    case 'errno':
    case 'double':
      return v.value;
    case 'int64':
      return v.value >= -9007199254740991n && v.value <= 9007199254740991n ? Number(v.value) : v.value;
    case 'bool':
      return v.value;
    case 'string':
      return v.value;
    case 'bytes':
      return new Uint8Array(v.value);
    case 'ip':
      return v.bytes.length === 4 ? v.bytes.readUInt32BE(0) : new Uint8Array(v.bytes);
    case 'dyn':
      return rawValue(v.value);
    case 'absent':
      return undefined;
    case 'invalid':
    case 'unknown':
      return new Uint8Array(v.bytes);
    default:
      return undefined;
  }
}

// ---------------------------------------------------------------------------------------
// Extractors
// ---------------------------------------------------------------------------------------

const zero: Extractor<ReplayContext> = () => 0;

function bufLen(ctx: ReplayContext): number | undefined {
  if ((ctx.evt.type & 1) === 0 || !hasReturnValue(ctx)) return undefined;
  const r = returnValue(ctx);
  return r >= 0 ? r : undefined;
}

function isSockKind(k: string): boolean {
  return k === 'ipv4' || k === 'ipv6';
}

function errorCount(ctx: ReplayContext): number | undefined {
  if (!hasReturnValue(ctx)) return undefined;
  return returnValue(ctx) < 0 ? 1 : 0;
}

function openFlagCheck(which: 'read' | 'write' | 'exec' | 'create'): Extractor<ReplayContext> {
  return (ctx) => {
    const t = ctx.evt.type;
    if (t === CODES.OPEN_X || t === CODES.OPENAT_2_X || t === CODES.OPENAT2_X || t === CODES.OPEN_BY_HANDLE_AT_X) {
      const newer = t === CODES.OPENAT_2_X || t === CODES.OPENAT2_X;
      const flags = paramNumber(ctx, newer ? 3 : 2) ?? 0;
      switch (which) {
        case 'read':
          return (flags & PPM_O_RDONLY) !== 0;
        case 'write':
          return (flags & PPM_O_WRONLY) !== 0;
        case 'create':
          if ((flags & PPM_O_F_CREATED) !== 0) return true;
          return (flags & PPM_O_TMPFILE) !== 0 && hasReturnValue(ctx) && returnValue(ctx) >= 0;
        case 'exec': {
          if ((flags & (PPM_O_TMPFILE | PPM_O_CREAT)) === 0 || t === CODES.OPEN_BY_HANDLE_AT_X) return false;
          const mode = paramNumber(ctx, newer ? 4 : 3);
          return mode !== undefined && (mode & EXEC_BITS) !== 0;
        }
      }
    }
    if (which === 'exec' && t === CODES.CREAT_X) {
      const mode = paramNumber(ctx, 2) ?? 0;
      return (mode & EXEC_BITS) !== 0;
    }
    return false;
  };
}

/** evt.abspath / .src / .dst: the path of an *at syscall resolved against its dirfd. */
function abspath(which: 0 | 1 | 2): Extractor<ReplayContext> {
  const idx = (n: string): ((type: number) => number) => paramIndex(n);
  const pairs: ReadonlyMap<number, readonly [string, string] | undefined> = new Map<number, readonly [string, string]>([
    [CODES.RENAMEAT_X, which === 2 ? (['newdirfd', 'newpath'] as const) : (['olddirfd', 'oldpath'] as const)],
    [CODES.RENAMEAT2_X, which === 2 ? (['newdirfd', 'newpath'] as const) : (['olddirfd', 'oldpath'] as const)],
    [CODES.SYMLINKAT_X, ['linkdirfd', 'linkpath'] as const],
    [CODES.OPENAT_2_X, ['dirfd', 'name'] as const],
    [CODES.OPENAT2_X, ['dirfd', 'name'] as const],
    [CODES.LINKAT_2_X, which === 2 ? (['newdir', 'newpath'] as const) : (['olddir', 'oldpath'] as const)],
    [CODES.UNLINKAT_2_X, ['dirfd', 'name'] as const],
    [CODES.MKDIRAT_X, ['dirfd', 'path'] as const],
    [CODES.FCHMODAT_X, ['dirfd', 'filename'] as const],
    [CODES.FCHOWNAT_X, ['dirfd', 'pathname'] as const],
  ]);
  return (ctx) => {
    if (ctx.thread === undefined) return undefined;
    const t = ctx.evt.type;
    if (t === CODES.OPEN_BY_HANDLE_AT_X) {
      if (!hasReturnValue(ctx) || returnValue(ctx) <= 0) return undefined;
      const p = paramString(ctx, 3);
      return concatPaths('', p ?? '');
    }
    const pair = pairs.get(t);
    if (pair === undefined) return undefined;
    const di = idx(pair[0])(t);
    const pi = idx(pair[1])(t);
    if (di < 0 || pi < 0) return undefined;
    const dirfd = paramNumber(ctx, di);
    const path = paramString(ctx, pi);
    if (dirfd === undefined || path === undefined || path === '') return undefined;
    let base: string;
    if (path[0] === '/') base = '';
    else if (dirfd === PPM_AT_FDCWD) base = cwdOf(ctx);
    else {
      const f = fdOf(ctx.state, ctx.thread, dirfd);
      base = f === undefined ? '<UNKNOWN>/' : f.name.endsWith('/') ? f.name : f.name + '/';
    }
    return concatPaths(base, path);
  };
}

function typeName(ctx: ReplayContext): string | undefined {
  const ev = ctx.evt;
  if (ev.type === CODES.GENERIC_X || ev.type === CODES.GENERIC_X - 1) {
    const id = paramNumber(ctx, 0);
    return id === undefined ? 'syscall' : (syscallName(id) ?? 'unknown');
  }
  if (ev.type === CODES.ASYNCEVENT_E) {
    return paramString(ctx, 1) ?? '';
  }
  return EVENT_TABLE[ev.type]?.name;
}

function infraField(key: string, opts: { truncate12?: boolean; image?: boolean } = {}): Extractor<ReplayContext> {
  return (ctx) => {
    if (ctx.evt.type !== CODES.INFRASTRUCTURE_EVENT_E) return undefined;
    const desc = paramString(ctx, 2) ?? '';
    for (const raw of desc.split(';')) {
      const e = raw.trim();
      if (!e.startsWith(key)) continue;
      const parts = e.split(':');
      if (opts.image) {
        let v = parts[1] ?? '';
        if (v.includes('@')) v = v.slice(0, v.indexOf('@'));
        else if (v.includes('sha256')) v = e.slice(e.indexOf(':') + 1);
        return v.trim();
      }
      let v = (parts[1] ?? '').trim();
      if (opts.truncate12 && v.length > 12) v = v.slice(0, 12);
      return v;
    }
    return undefined;
  };
}

function deltaField(kind: 'ns' | 's' | 'frac'): Extractor<ReplayContext> {
  return (ctx) => {
    if (ctx.prevTs === 0n) return 0;
    let d = ctx.evt.ts - ctx.prevTs;
    // libsinsp subtracts unsigned 64-bit times: an event stamped before the previous one
    // (the leading container events of a capture) wraps around.
    if (d < 0n) d += U64;
    const v = kind === 'ns' ? d : kind === 's' ? d / SEC : d % SEC;
    return bigOrNum(v);
  };
}

/**
 * evt.latency: 0 in current libsinsp (deprecated). sysdig 0.29 kept the time of the
 * thread's last enter event and gave exits the time since it (enter events 0, events
 * without a thread 0, internal events none).
 */
function latencyField(kind: 'ns' | 's' | 'frac'): Extractor<ReplayContext> {
  return (ctx) => {
    if (ctx.render.sysdig029 !== true) return 0;
    const t = ctx.thread;
    if (t === undefined) return 0;
    const type = ctx.evt.type;
    if (((EVENT_TABLE[type]?.category ?? 0) & EventCategory.INTERNAL) !== 0) return undefined;
    const enter = t.lastEnterTs;
    let d: bigint;
    if (type === CODES.SCHEDSWITCH_6_E) {
      // Switches do not touch the latency: it is still that of the thread's last event.
      d = enter === 0n ? 0n : t.lastEventTs - enter;
      if (d < 0n) d = 0n;
    } else {
      if ((type & 1) === 0 || enter === 0n) return 0;
      d = ctx.evt.ts - enter;
    }
    const v = kind === 'ns' ? d : kind === 's' ? d / SEC : d % SEC;
    return Number(v);
  };
}

function relField(kind: 'ns' | 's' | 'frac'): Extractor<ReplayContext> {
  return (ctx) => {
    const d = ctx.evt.ts - ctx.firstTs;
    const v = kind === 'ns' ? d : kind === 's' ? d / SEC : d % SEC;
    return Number(v);
  };
}

function bigOrNum(v: bigint): number | bigint {
  return v <= 9007199254740991n ? Number(v) : v;
}

function buflenWhen(pred: (ctx: ReplayContext, cat: number) => boolean): Extractor<ReplayContext> {
  return (ctx) => {
    if (ctx.fd === undefined) return undefined;
    const cat = categoryOf(ctx);
    if (!pred(ctx, cat)) return undefined;
    return bufLen(ctx);
  };
}

const isFileFd = (ctx: ReplayContext): boolean => ctx.fd?.kind === 'file';
const isNetFd = (ctx: ReplayContext): boolean => ctx.fd !== undefined && isSockKind(ctx.fd.kind);

/** Parses evt.arg / evt.rawarg arguments: a number is an index, anything else a parameter name. */
function parseArgRef(arg: string | undefined, fieldName: string): { index: number } | { name: string } {
  if (arg === undefined || arg === '') throw new FieldArgError(`'${fieldName}' needs an argument, e.g. ${fieldName}[0] or ${fieldName}.fd`);
  if (/^[0-9]+$/.test(arg)) return { index: indexArg(arg, fieldName) };
  if (!ALL_PARAM_NAMES.has(arg)) throw new FieldArgError(`unknown event argument '${arg}'`);
  return { name: arg };
}

// ---------------------------------------------------------------------------------------
// Definitions
// ---------------------------------------------------------------------------------------

export const EVT_FIELDS: readonly ReplayFieldDef[] = [
  // gen_event
  field(C, 'evt.num', 'uint64', 'Event number.', (ctx) => ctx.evtNum, { printFormat: 'id' }),
  field(C, 'evt.time', 'charbuf', 'Event timestamp as local wall-clock time with nanoseconds (HH:MM:SS.nnnnnnnnn).', (ctx) =>
    formatTime(ctx.evt.ts, false, true),
  ),
  field(C, 'evt.time.s', 'charbuf', 'Event timestamp as local wall-clock time, whole seconds (HH:MM:SS).', (ctx) =>
    formatTime(ctx.evt.ts, false, false),
  ),
  field(C, 'evt.time.iso8601', 'charbuf', 'Event timestamp in ISO 8601 form, UTC, with nanoseconds.', (ctx) => formatIso8601(ctx.evt.ts)),
  field(C, 'evt.datetime', 'charbuf', 'Event timestamp as local date and time with nanoseconds.', (ctx) => formatTime(ctx.evt.ts, true, true)),
  field(C, 'evt.datetime.s', 'charbuf', 'Event timestamp as local date and time, whole seconds.', (ctx) => formatTime(ctx.evt.ts, true, false)),
  field(C, 'evt.rawtime', 'abstime', 'Event timestamp in nanoseconds since the epoch.', (ctx) => bigOrNum(ctx.evt.ts)),
  field(C, 'evt.rawtime.s', 'abstime', 'Seconds part of the event timestamp.', (ctx) => Number(ctx.evt.ts / SEC)),
  field(C, 'evt.rawtime.ns', 'abstime', 'Nanoseconds part of the event timestamp.', (ctx) => Number(ctx.evt.ts % SEC), { printFormat: 'padded' }),
  field(C, 'evt.reltime', 'reltime', 'Nanoseconds since the first event of the capture.', relField('ns'), { printFormat: 'padded' }),
  field(C, 'evt.reltime.s', 'reltime', 'Seconds part of the time since the first event.', relField('s')),
  field(C, 'evt.reltime.ns', 'reltime', 'Nanoseconds part of the time since the first event.', relField('frac'), { printFormat: 'padded' }),
  field(C, 'evt.pluginname', 'charbuf', 'Name of the plugin that generated the event (plugin events only).', () => undefined),
  field(C, 'evt.plugininfo', 'charbuf', 'Summary of a plugin event as its plugin renders it (plugin events only).', () => undefined),
  field(C, 'evt.source', 'charbuf', 'Name of the event source (syscall).', () => 'syscall'),
  field(C, 'evt.is_async', 'bool', "'true' for asynchronous (meta) events.", (ctx) => {
    const info = EVENT_TABLE[ctx.evt.type];
    return info !== undefined && (info.category & EventCategory.METAEVENT) !== 0;
  }),
  field(C, 'evt.asynctype', 'charbuf', 'For asynchronous events, the name of the event.', (ctx) => {
    const info = EVENT_TABLE[ctx.evt.type];
    if (info === undefined || (info.category & EventCategory.METAEVENT) === 0) return undefined;
    if (ctx.evt.type !== CODES.ASYNCEVENT_E) return info.name;
    return paramString(ctx, 1) ?? '';
  }),
  field(C, 'evt.hostname', 'charbuf', 'Hostname of the machine the capture was taken on.', (ctx) =>
    ctx.hostname !== '' ? ctx.hostname : ctx.state.machine?.hostname,
  ),

  // event
  field(C, 'evt.latency', 'reltime', 'Deprecated; always 0.', latencyField('ns'), { deprecated: true }),
  field(C, 'evt.latency.s', 'reltime', 'Deprecated; always 0.', latencyField('s'), { deprecated: true }),
  field(C, 'evt.latency.ns', 'reltime', 'Deprecated; always 0.', latencyField('frac'), { deprecated: true, printFormat: 'padded' }),
  field(C, 'evt.latency.quantized', 'uint64', 'Deprecated; always 0.', zero, { deprecated: true, outputOnly: true }),
  field(C, 'evt.latency.human', 'charbuf', "Deprecated; always '0ns'.", () => '0ns', { deprecated: true }),
  field(C, 'evt.deltatime', 'reltime', 'Nanoseconds since the previous event.', deltaField('ns')),
  field(C, 'evt.deltatime.s', 'reltime', 'Seconds part of the time since the previous event.', deltaField('s')),
  field(C, 'evt.deltatime.ns', 'reltime', 'Nanoseconds part of the time since the previous event.', deltaField('frac'), { printFormat: 'padded' }),
  field(C, 'evt.outputtime', 'charbuf', 'Event time in the output time format (by default as evt.time).', (ctx) => formatTime(ctx.evt.ts, false, true), {
    outputOnly: true,
  }),
  field(C, 'evt.dir', 'charbuf', "Direction: '>' for enter events, '<' for exit events.", (ctx) => ((ctx.evt.type & 1) === 0 ? '>' : '<'), {
    deprecated: true,
    printFormat: 'dir',
  }),
  field(C, 'evt.type', 'charbuf', "Event name, e.g. 'open'.", typeName),
  argField(C, 'evt.type.is', 'uint32', 'Given an event name (evt.type.is.open) or code, 1 for events of that type, else 0.', 'key', (arg) => {
    const a = arg ?? '';
    let lo = -1;
    let hi = -1;
    if (/^[0-9]+$/.test(a)) {
      lo = Number(a);
      hi = PPM_EVENT_MAX;
    } else {
      const e = EVENT_TABLE.find((x) => x.name === a);
      if (e !== undefined) {
        lo = e.code;
        hi = e.code + 1;
      }
    }
    return (ctx) => (ctx.evt.type === lo || ctx.evt.type === hi ? 1 : 0);
  }),
  field(C, 'syscall.type', 'charbuf', 'For syscall events, the name of the system call; unset for other events.', (ctx) => {
    const info = EVENT_TABLE[ctx.evt.type];
    if (ctx.render.sysdig029 === true) {
      // 0.29 named every event but switches and those flagged EF_SKIPPARSERESET (its
      // EC_INTERNAL test read the flags, where that bit is EF_SKIPPARSERESET): procexit
      // and container events included, with its own names.
      const type = ctx.evt.type;
      if (info === undefined || type === CODES.SCHEDSWITCH_6_E || (info.flags & EventFlags.SKIPPARSERESET) !== 0) return undefined;
      const generic = type === CODES.GENERIC_X || type === CODES.GENERIC_X - 1;
      return sysdig029TypeName(type, generic ? paramNumber(ctx, 0) : undefined);
    }
    if (info === undefined || (info.category & EventCategory.SYSCALL) === 0) return undefined;
    return typeName(ctx);
  }),
  field(C, 'evt.category', 'charbuf', "Event category, e.g. 'file', 'net', 'process', 'memory'.", (ctx) => {
    if (ctx.render.sysdig029 === true) return sysdig029Category(ctx);
    const cat = categoryOf(ctx);
    if (isIoCategory(cat)) return ioSubcategory(ctx);
    return CATEGORY_NAMES[cat] ?? 'unknown';
  }),
  field(C, 'evt.cpu', 'int16', 'CPU the event happened on.', (ctx) => ctx.evt.cpu, { printFormat: 'id' }),
  field(C, 'evt.args', 'charbuf', 'All event arguments as one string.', argsString),
  argField(
    C,
    'evt.arg',
    'charbuf',
    "One event argument, by name (evt.arg.fd, evt.arg[fd]) or number (evt.arg[0]), rendered as text (fds and errors resolved).",
    'index-or-key',
    (arg) => {
      const ref = parseArgRef(arg, 'evt.arg');
      if ('index' in ref) {
        const i = ref.index;
        return (ctx) => argText(ctx, i);
      }
      const find = paramIndex(ref.name);
      return (ctx) => {
        const i = find(ctx.evt.type);
        return i < 0 ? undefined : argText(ctx, i);
      };
    },
  ),
  argField(
    C,
    'evt.rawarg',
    'bytebuf',
    "One event argument by name, as its raw typed value, e.g. 'evt.rawarg.fd'.",
    'key',
    (arg) => {
      const a = arg ?? '';
      const p = ALL_PARAM_NAMES.has(a) ? findParamByName(a) : undefined;
      if (p === undefined) throw new FieldArgError(`unknown event argument '${a}'`);
      const find = paramIndex(p.name);
      const type = fieldTypeOfParam(p.type);
      return {
        type,
        extract: (ctx) => {
          const i = find(ctx.evt.type);
          if (i < 0) return undefined;
          const v = paramValue(ctx, i);
          return v === undefined ? undefined : rawValue(v);
        },
      };
    },
    { noRhs: true, noTransformer: true },
  ),
  field(C, 'evt.info', 'charbuf', 'Same as evt.args.', argsString),
  field(C, 'evt.buffer', 'bytebuf', "The data buffer of I/O events (read, recvfrom, ...); use 'contains' to search it.", (ctx) => {
    const i = paramIndex('data')(ctx.evt.type);
    if (i < 0) return undefined;
    const b = ctx.evt.paramBytes(i);
    return b === undefined ? undefined : new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  }),
  field(C, 'evt.buflen', 'uint64', 'Length of the data buffer of I/O events.', buflenWhen((_c, cat) => isIoCategory(cat))),
  field(C, 'evt.res', 'charbuf', "Return value as text: 'SUCCESS', or the error code name (e.g. 'ENOENT').", (ctx) => {
    if (ctx.render.sysdig029 === true) {
      const i = sysdig029ResIndex(ctx);
      if (i < 0) return undefined;
      if (paramInt(ctx, i) >= 0) return 'SUCCESS';
      return argText(ctx, i);
    }
    if (!hasReturnValue(ctx)) return undefined;
    const r = returnValue(ctx);
    if (r >= 0) return 'SUCCESS';
    const info = EVENT_TABLE[ctx.evt.type]!;
    const pi = info.params[0];
    if (pi !== undefined && pi.type === ParamType.ERRNO) return errnoName(r) ?? String(r);
    const rp = renderParamValue(ctx.evt, info, 0, resolverFor(ctx), ctx.render);
    return rp.resolved !== '' ? rp.resolved : rp.value;
  }),
  field(C, 'evt.rawres', 'int64', 'Return value as a number (e.g. -2).', (ctx) => {
    if (ctx.render.sysdig029 === true) {
      const i = sysdig029ResIndex(ctx);
      return i < 0 ? undefined : paramInt(ctx, i);
    }
    return hasReturnValue(ctx) ? returnValue(ctx) : undefined;
  }),
  field(C, 'evt.failed', 'bool', "'true' for events that returned an error.", (ctx) => {
    if (ctx.render.sysdig029 === true) {
      // 0.29 answers for every event: false unless a return value says otherwise.
      const i = sysdig029ResIndex(ctx);
      return i >= 0 && paramInt(ctx, i) < 0;
    }
    const c = errorCount(ctx);
    return c === undefined ? undefined : c === 1;
  }),
  field(C, 'evt.is_io', 'bool', "'true' for events that read from or write to fds.", (ctx) =>
    boolOf(((EVENT_TABLE[ctx.evt.type]?.flags ?? 0) & (EventFlags.READS_FROM_FD | EventFlags.WRITES_TO_FD)) !== 0),
  ),
  field(C, 'evt.is_io_read', 'bool', "'true' for events that read from fds.", (ctx) =>
    boolOf(((EVENT_TABLE[ctx.evt.type]?.flags ?? 0) & EventFlags.READS_FROM_FD) !== 0),
  ),
  field(C, 'evt.is_io_write', 'bool', "'true' for events that write to fds.", (ctx) =>
    boolOf(((EVENT_TABLE[ctx.evt.type]?.flags ?? 0) & EventFlags.WRITES_TO_FD) !== 0),
  ),
  field(C, 'evt.io_dir', 'charbuf', "'read' for events that read from fds, 'write' for events that write to them.", (ctx) => {
    const f = EVENT_TABLE[ctx.evt.type]?.flags ?? 0;
    if ((f & EventFlags.WRITES_TO_FD) !== 0) return 'write';
    if ((f & EventFlags.READS_FROM_FD) !== 0) return 'read';
    return undefined;
  }),
  field(C, 'evt.is_wait', 'bool', "'true' for events that make the thread wait (sleep, select, poll).", (ctx) =>
    boolOf(((EVENT_TABLE[ctx.evt.type]?.flags ?? 0) & EventFlags.WAITS) !== 0),
  ),
  field(C, 'evt.wait_latency', 'reltime', 'Deprecated; always 0.', zero, { deprecated: true }),
  field(C, 'evt.is_syslog', 'bool', "'true' for writes to /dev/log.", (ctx) => {
    const f = EVENT_TABLE[ctx.evt.type]?.flags ?? 0;
    return (f & EventFlags.WRITES_TO_FD) !== 0 && ctx.fd !== undefined && ctx.fd.name.includes('/dev/log');
  }),
  field(C, 'evt.count', 'uint32', 'Always 1.', () => 1),
  field(C, 'evt.count.error', 'uint32', '1 for events that returned an error.', errorCount),
  field(C, 'evt.count.error.file', 'uint32', '1 for file events that returned an error.', (ctx) => {
    const f = ctx.fd;
    if (f !== undefined) return f.kind === 'file' || f.kind === 'directory' ? errorCount(ctx) : undefined;
    const t = ctx.evt.type;
    return t === CODES.OPEN_X || t === CODES.CREAT_X || t === CODES.OPENAT_2_X || t === CODES.OPENAT2_X || t === CODES.OPEN_BY_HANDLE_AT_X
      ? errorCount(ctx)
      : undefined;
  }),
  field(C, 'evt.count.error.net', 'uint32', '1 for network events that returned an error.', (ctx) => {
    const f = ctx.fd;
    if (f !== undefined) return isSockKind(f.kind) || f.kind === 'unix' ? errorCount(ctx) : undefined;
    const t = ctx.evt.type;
    return t === CODES.ACCEPT_5_X || t === CODES.ACCEPT4_6_X || t === CODES.CONNECT_X ? errorCount(ctx) : undefined;
  }),
  field(C, 'evt.count.error.memory', 'uint32', '1 for memory events that returned an error.', (ctx) =>
    categoryOf(ctx) === EventCategory.MEMORY ? errorCount(ctx) : undefined,
  ),
  field(C, 'evt.count.error.other', 'uint32', '1 for other events that returned an error.', (ctx) => {
    const f = ctx.fd;
    if (f !== undefined) {
      const k = f.kind;
      return k === 'file' || k === 'directory' || isSockKind(k) || k === 'unix' ? undefined : errorCount(ctx);
    }
    const t = ctx.evt.type;
    const excluded =
      t === CODES.OPEN_X ||
      t === CODES.CREAT_X ||
      t === CODES.OPENAT_2_X ||
      t === CODES.OPENAT2_X ||
      t === CODES.OPEN_BY_HANDLE_AT_X ||
      t === CODES.ACCEPT_5_X ||
      t === CODES.ACCEPT4_6_X ||
      t === CODES.CONNECT_X ||
      categoryOf(ctx) === EventCategory.MEMORY;
    return excluded ? undefined : errorCount(ctx);
  }),
  field(C, 'evt.count.exit', 'uint32', '1 for exit events.', (ctx) => ((ctx.evt.type & 1) === 1 ? 1 : undefined)),
  field(
    C,
    'evt.count.procinfo',
    'uint32',
    '1 for procinfo events of process main threads.',
    (ctx) => (ctx.evt.type === CODES.PROCINFO_E && ctx.thread !== undefined && ctx.thread.tid === ctx.thread.pid ? 1 : 0),
    { outputOnly: true },
  ),
  field(C, 'evt.count.threadinfo', 'uint32', '1 for procinfo events.', (ctx) => (ctx.evt.type === CODES.PROCINFO_E ? 1 : 0), { outputOnly: true }),
  argField(
    C,
    'evt.around',
    'uint64',
    'Accepts events within D milliseconds of timestamp T: evt.around[T]=D (not supported by this replay).',
    'index',
    () => {
      throw new FieldArgError('evt.around is not supported');
    },
    { filterOnly: true, noRhs: true, noTransformer: true },
  ),
  argField(
    C,
    'evt.abspath',
    'charbuf',
    "Absolute path built from the dirfd and path arguments of *at syscalls; 'evt.abspath.src' / 'evt.abspath.dst' for syscalls with two paths.",
    'optional-key',
    (arg) => {
      if (arg === undefined) return abspath(0);
      if (arg === 'src') return abspath(1);
      if (arg === 'dst') return abspath(2);
      throw new FieldArgError(`unknown evt.abspath variant '${arg}' (use src or dst)`);
    },
  ),
  field(C, 'evt.buflen.in', 'uint64', 'Buffer length of input I/O events.', buflenWhen((_c, cat) => cat === EventCategory.IO_READ), { outputOnly: true }),
  field(C, 'evt.buflen.out', 'uint64', 'Buffer length of output I/O events.', buflenWhen((_c, cat) => cat === EventCategory.IO_WRITE), { outputOnly: true }),
  field(C, 'evt.buflen.file', 'uint64', 'Buffer length of file I/O events.', buflenWhen((c, cat) => isIoCategory(cat) && isFileFd(c)), {
    outputOnly: true,
  }),
  field(C, 'evt.buflen.file.in', 'uint64', 'Buffer length of file input events.', buflenWhen((c, cat) => cat === EventCategory.IO_READ && isFileFd(c)), {
    outputOnly: true,
  }),
  field(
    C,
    'evt.buflen.file.out',
    'uint64',
    'Buffer length of file output events.',
    buflenWhen((c, cat) => cat === EventCategory.IO_WRITE && isFileFd(c)),
    { outputOnly: true },
  ),
  field(C, 'evt.buflen.net', 'uint64', 'Buffer length of network I/O events.', buflenWhen((c, cat) => isIoCategory(cat) && isNetFd(c)), {
    outputOnly: true,
  }),
  field(C, 'evt.buflen.net.in', 'uint64', 'Buffer length of network input events.', buflenWhen((c, cat) => cat === EventCategory.IO_READ && isNetFd(c)), {
    outputOnly: true,
  }),
  field(
    C,
    'evt.buflen.net.out',
    'uint64',
    'Buffer length of network output events.',
    buflenWhen((c, cat) => cat === EventCategory.IO_WRITE && isNetFd(c)),
    { outputOnly: true },
  ),
  field(C, 'evt.is_open_read', 'bool', "'true' for open-family events that opened the path for reading.", openFlagCheck('read')),
  field(C, 'evt.is_open_write', 'bool', "'true' for open-family events that opened the path for writing.", openFlagCheck('write')),
  field(C, 'evt.infra.docker.name', 'charbuf', 'For docker infrastructure events, the event name.', infraField('Event'), { outputOnly: true }),
  field(C, 'evt.infra.docker.container.id', 'charbuf', 'For docker infrastructure events, the container id.', infraField('ID', { truncate12: true }), {
    outputOnly: true,
  }),
  field(C, 'evt.infra.docker.container.name', 'charbuf', 'For docker infrastructure events, the container name.', infraField('name'), {
    outputOnly: true,
  }),
  field(C, 'evt.infra.docker.container.image', 'charbuf', 'For docker infrastructure events, the container image.', infraField('Image', { image: true }), {
    outputOnly: true,
  }),
  field(C, 'evt.is_open_exec', 'bool', "'true' for open-family or creat events that create a file with execute permissions.", openFlagCheck('exec')),
  field(C, 'evt.is_open_create', 'bool', "'true' for open-family events that created a file.", openFlagCheck('create')),
];

function argsString(ctx: ReplayContext): string {
  const info = EVENT_TABLE[ctx.evt.type];
  if (info === undefined) return '';
  if (ctx.evt.type === CODES.GENERIC_X) return '';
  const s = renderEventArgs(ctx.evt, info, resolverFor(ctx), ctx.render);
  return s.endsWith(' ') ? s.slice(0, -1) : s;
}

/** The fd type letter libsinsp guesses from the event when it has no fd (fd.typechar). */
export function eventTypeChar(ctx: ReplayContext): string {
  const t = ctx.evt.type | 1;
  if (t === CODES.OPENAT_2_X || t === CODES.OPENAT2_X || t === CODES.CREAT_X) return fdTypeChar('file');
  if (t === CODES.SOCKET_X || t === CODES.ACCEPT_5_X || t === CODES.ACCEPT4_6_X) return '4';
  if (t === CODES.PIPE_X || t === CODES.PIPE2_X) return 'p';
  if (t === CODES.EVENTFD_X || t === CODES.EVENTFD2_X) return 'e';
  if (t === CODES.SIGNALFD_X || t === CODES.SIGNALFD4_X) return 's';
  if (t === CODES.TIMERFD_CREATE_X) return 't';
  if (t === CODES.INOTIFY_INIT_X || t === CODES.INOTIFY_INIT1_X) return 'i';
  return 'o';
}
