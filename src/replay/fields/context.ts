/**
 * The evaluation context of the syscall field classes, and the small state helpers they
 * share (main thread, ancestors, fd type letters, IP text → `IpAddr`).
 *
 * The context is one mutable object per replay: the driver points it at each event in
 * turn (`evt`, `thread`, `fd`, `fdNum`, `evtNum`, ...) and every compiled extractor reads
 * it. Nothing here allocates per event except where a field's value is a fresh string.
 */
import { FdType } from '../../scap/blocks/fdlist.js';
import type { EventView } from '../../scap/event.js';
import type { RenderOptions } from '../../scap/params.js';
import type { ContainerInfo, FdInfo, FdKind, GroupInfo, InterfaceInfo, ThreadInfo, UserInfo } from '../state/model.js';
import type { IpAddr } from './types.js';

/**
 * What the field classes read from the host state. `HostState` (src/replay/state)
 * satisfies it structurally; tests may build a HostState by hand.
 */
export interface StateView {
  readonly threads: {
    /** libsinsp find_thread. */
    get(tid: number): ThreadInfo | undefined;
    /** libsinsp get_main_thread. */
    main(t: ThreadInfo): ThreadInfo | undefined;
    /** The fd `fd` of the thread's process (shared table or its own). */
    getFd(t: ThreadInfo, fd: number): FdInfo | undefined;
    /** The fd table the thread uses. */
    fdTable(t: ThreadInfo): ReadonlyMap<number, FdInfo> | undefined;
    /** The thread group of the thread's process (for alive-thread counts). */
    group?(t: ThreadInfo): { aliveCount(): number } | undefined;
    readonly map: ReadonlyMap<number, ThreadInfo>;
  };
  /** Users and groups per container id ('' = host). */
  readonly users: {
    user(containerId: string, uid: number): UserInfo | undefined;
    group(containerId: string, gid: number): GroupInfo | undefined;
  };
  readonly containers: {
    get(id: string): ContainerInfo | undefined;
    readonly map: ReadonlyMap<string, ContainerInfo>;
  };
  readonly interfaces: readonly InterfaceInfo[];
  /** The capture's machine info block, when it has one (evt.hostname). */
  readonly machine?: { readonly hostname: string } | undefined;
}

/** What `bindEvent` copies from the state engine after it applied an event. */
export interface EngineView {
  readonly thread: ThreadInfo | undefined;
  readonly fd: FdInfo | undefined;
  readonly fdNum: number;
  readonly eventCount: number;
}

/** The per-event context every syscall field extractor receives. */
export interface ReplayContext {
  /** The current event. */
  evt: EventView;
  /** 1-based event number (evt.num). */
  evtNum: number;
  readonly state: StateView;
  /** The thread that generated the event, when known. */
  thread: ThreadInfo | undefined;
  /** The fd the event refers to (after the state engine parsed it), when known. */
  fd: FdInfo | undefined;
  /** The fd number the event refers to (libsinsp's m_lastevent_fd), -1 when none. */
  fdNum: number;
  /** Timestamp of the first event of the capture (evt.reltime), ns. */
  firstTs: bigint;
  /** Timestamp of the previous event (evt.deltatime), 0n for the first. */
  prevTs: bigint;
  /** Timestamp of the current event (kept by `bindEvent`). */
  curTs: bigint;
  /** True when this event changed the name of its fd (fd.name_changed). */
  fdNameChanged: boolean;
  /**
   * How evt.arg / evt.args / evt.info render parameters (default: current libsinsp).
   * `sysdig029: true` also gives host processes no container metadata (container.image
   * and friends are <NA> rather than the plugin's empty host entry), as sysdig 0.29 did.
   */
  render: RenderOptions;
  /** Hostname for evt.hostname; '' = the state's machine info. */
  hostname: string;
}

/**
 * Points the context at an event the state engine has just applied: its thread, fd and
 * number, and the timestamps evt.deltatime / evt.reltime need.
 */
export function bindEvent(ctx: ReplayContext, evt: EventView, engine: EngineView): void {
  const ts = evt.ts;
  if (ctx.firstTs === 0n) ctx.firstTs = ts;
  ctx.prevTs = ctx.curTs;
  ctx.curTs = ts;
  ctx.evt = evt;
  ctx.thread = engine.thread;
  ctx.fd = engine.fd;
  ctx.fdNum = engine.fdNum;
  ctx.evtNum = engine.eventCount;
}

/** A fresh context over a state; the driver updates its members per event. */
export function createReplayContext(state: StateView, evt: EventView): ReplayContext {
  return {
    evt,
    evtNum: 0,
    state,
    thread: undefined,
    fd: undefined,
    fdNum: -1,
    firstTs: 0n,
    prevTs: 0n,
    curTs: 0n,
    fdNameChanged: false,
    render: { sysdig029: false },
    hostname: '',
  };
}

// ---------------------------------------------------------------------------------------
// Threads
// ---------------------------------------------------------------------------------------

/** libsinsp's get_main_thread: the thread itself when it leads its process, else the leader. */
export function mainThread(state: StateView, t: ThreadInfo): ThreadInfo | undefined {
  return state.threads.main(t);
}

/** The process `n` generations up (0 = the thread's own process). */
export function ancestorProcess(state: StateView, t: ThreadInfo, n: number): ThreadInfo | undefined {
  let mt = mainThread(state, t);
  for (let i = 0; i < n; i++) {
    if (mt === undefined) return undefined;
    const p = state.threads.get(mt.ptid);
    if (p === undefined) return undefined;
    mt = mainThread(state, p);
  }
  return mt;
}

const MAX_DEPTH = 4096;

/**
 * Visits the parent chain of `t` (its parent first, not `t` itself) until `visit` returns
 * false, the chain ends or loops (libsinsp's traverse_parent_state).
 */
export function forEachParent(state: StateView, t: ThreadInfo, visit: (p: ThreadInfo) => boolean): void {
  let cur = state.threads.get(t.ptid);
  let prevTid = t.tid;
  for (let depth = 0; cur !== undefined && cur.tid !== -1 && depth < MAX_DEPTH; depth++) {
    if (!visit(cur)) return;
    if (cur.tid === cur.ptid || cur.ptid === prevTid) return;
    prevTid = cur.tid;
    cur = state.threads.get(cur.ptid);
  }
}

/** Collects one value per parent (proc.aname and friends without an index). */
export function parentValues<T>(state: StateView, t: ThreadInfo, get: (p: ThreadInfo) => T): T[] {
  const mt = mainThread(state, t);
  const out: T[] = [];
  if (mt === undefined) return out;
  forEachParent(state, mt, (p) => {
    out.push(get(p));
    return true;
  });
  return out;
}

const cmdlineCache = new WeakMap<readonly string[], { comm: string; cmdline: string; args: string }>();

function cached(t: ThreadInfo): { comm: string; cmdline: string; args: string } {
  let c = cmdlineCache.get(t.args);
  if (c === undefined || c.comm !== t.comm) {
    const args = t.args.join(' ');
    c = { comm: t.comm, cmdline: t.args.length > 0 ? `${t.comm} ${args}` : t.comm, args };
    cmdlineCache.set(t.args, c);
  }
  return c;
}

/** `comm arg1 arg2 ...` (libsinsp populate_cmdline), cached per args array. */
export function cmdlineOf(t: ThreadInfo): string {
  const explicit = (t as { cmdline?: string }).cmdline;
  if (explicit !== undefined && explicit !== '') return explicit;
  return cached(t).cmdline;
}

/** The arguments joined by spaces (libsinsp populate_args), cached per args array. */
export function argsOf(t: ThreadInfo): string {
  return cached(t).args;
}

/** The environment of the thread's process (libsinsp reads the main thread's). */
export function envOf(state: StateView, t: ThreadInfo): readonly string[] {
  return state.threads.main(t)?.env ?? t.env;
}

/** Value of one environment variable, trimmed of spaces; '' when absent (libsinsp get_env). */
export function envValue(env: readonly string[], name: string): string {
  const n = name.length;
  for (const e of env) {
    if (e.length > n + 1 && e.charCodeAt(n) === 61 /* = */ && e.startsWith(name)) {
      const v = e.slice(n + 1);
      const trimmed = v.replace(/^ +/, '');
      if (trimmed === '') return '';
      return trimmed.replace(/ +$/, '');
    }
  }
  return '';
}

/** True when the thread lives in a child pid namespace. */
export function inPidNamespace(t: ThreadInfo): boolean {
  const PPM_CL_CHILD_IN_PIDNS = 1 << 29;
  return (t.flags & PPM_CL_CHILD_IN_PIDNS) !== 0 || (t.vtid >= 0 && t.tid !== t.vtid);
}

/**
 * The oldest ancestor whose `id` equals the thread's (session / process group leader);
 * libsinsp get_oldest_matching_ancestor.
 */
export function oldestMatchingAncestor(
  state: StateView,
  t: ThreadInfo,
  id: (x: ThreadInfo) => number,
  virtualId: boolean,
): ThreadInfo | undefined {
  const want = id(t);
  if (want === -1) return undefined;
  if (!virtualId || !inPidNamespace(t)) {
    const leader = state.threads.get(want);
    if (leader !== undefined) return leader;
  }
  let leader: ThreadInfo | undefined;
  forEachParent(state, t, (p) => {
    if (id(p) !== want) return false;
    leader = p;
    return true;
  });
  return leader;
}

// ---------------------------------------------------------------------------------------
// fds
// ---------------------------------------------------------------------------------------

const TYPECHAR: Readonly<Record<FdKind, string>> = {
  file: 'f',
  directory: 'd',
  ipv4: '4',
  ipv6: '6',
  unix: 'u',
  pipe: 'p',
  event: 'e',
  signalfd: 's',
  eventpoll: 'l',
  inotify: 'i',
  timerfd: 't',
  netlink: 'n',
  bpf: 'b',
  userfaultfd: 'u',
  io_uring: 'r',
  memfd: 'm',
  pidfd: 'P',
  unknown: 'o',
};

/** The one-letter code libsinsp prints for an fd type. */
export function fdTypeChar(kind: FdKind): string {
  return TYPECHAR[kind] ?? '?';
}

/** fd.type text: libsinsp names every kind as the model does. */
export function fdTypeString(kind: FdKind): string {
  return kind;
}

const L4_CHAR = ['', '', 't', 'u', 'i', 'r'];

/** `<f>/etc/passwd`, `<4t>1.2.3.4:5->6.7.8.9:10`: how parameters show a known fd. */
export function describeFd(fd: FdInfo): string {
  const l4 = fd.kind === 'ipv4' || fd.kind === 'ipv6' ? (L4_CHAR[fd.l4proto] ?? '') : '';
  return `<${fdTypeChar(fd.kind)}${l4}>${fd.name}`;
}

/** libscap fd type codes for server sockets, and libsinsp fd flags the fields test. */
export const SCAP_FD_IPV4_SERVSOCK = FdType.IPV4_SERVSOCK;
export const SCAP_FD_IPV6_SERVSOCK = FdType.IPV6_SERVSOCK;
export const FD_FLAG_SOCKET_CONNECTED = 1 << 13;
export const FD_FLAG_OVERLAY_UPPER = 1 << 17;
export const FD_FLAG_OVERLAY_LOWER = 1 << 18;

/** The fd `fd` of the thread's process (libsinsp tinfo->get_fd). */
export function fdOf(state: StateView, t: ThreadInfo, fd: number): FdInfo | undefined {
  return state.threads.getFd(t, fd);
}

/** The working directory of the thread's process (libsinsp get_cwd; './' without a main thread). */
export function cwdOfThread(state: StateView, t: ThreadInfo): string {
  const m = state.threads.main(t);
  return m === undefined ? './' : m.cwd;
}

/** A listening (server) socket, as opposed to a connected one. */
export function isServerSocket(f: FdInfo): boolean {
  return f.listening || f.scapType === SCAP_FD_IPV4_SERVSOCK || f.scapType === SCAP_FD_IPV6_SERVSOCK;
}

// ---------------------------------------------------------------------------------------
// IP addresses
// ---------------------------------------------------------------------------------------

const ipCache = new Map<string, IpAddr | null>();
const IP_CACHE_MAX = 4096;

/** Parses an IPv4 / IPv6 address as text into an `IpAddr` (cached); undefined when it is not one. */
export function parseIp(text: string): IpAddr | undefined {
  if (text === '') return undefined;
  const hit = ipCache.get(text);
  if (hit !== undefined) return hit ?? undefined;
  const v = parseIpUncached(text);
  if (ipCache.size >= IP_CACHE_MAX) ipCache.clear();
  ipCache.set(text, v ?? null);
  return v;
}

function parseIpv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let v = 0;
  for (const p of parts) {
    if (!/^[0-9]{1,3}$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    v = v * 256 + n;
  }
  return v;
}

function parseIpUncached(text: string): IpAddr | undefined {
  if (!text.includes(':')) return parseIpv4(text);
  let s = text;
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  const out = new Uint8Array(16);
  let tail: number[] = [];
  let head: number[] = [];
  const dbl = s.indexOf('::');
  const groups = (part: string): number[] | undefined => {
    if (part === '') return [];
    const res: number[] = [];
    const items = part.split(':');
    for (let i = 0; i < items.length; i++) {
      const it = items[i]!;
      if (i === items.length - 1 && it.includes('.')) {
        const v4 = parseIpv4(it);
        if (v4 === undefined) return undefined;
        res.push(Math.floor(v4 / 65536), v4 % 65536);
        continue;
      }
      if (!/^[0-9a-fA-F]{1,4}$/.test(it)) return undefined;
      res.push(parseInt(it, 16));
    }
    return res;
  };
  if (dbl >= 0) {
    const h = groups(s.slice(0, dbl));
    const t = groups(s.slice(dbl + 2));
    if (h === undefined || t === undefined || h.length + t.length > 7) return undefined;
    head = h;
    tail = t;
  } else {
    const h = groups(s);
    if (h === undefined || h.length !== 8) return undefined;
    head = h;
  }
  const words = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  for (let i = 0; i < 8; i++) {
    out[i * 2] = (words[i]! >> 8) & 0xff;
    out[i * 2 + 1] = words[i]! & 0xff;
  }
  return out;
}

/** Renders an `IpAddr` as libsinsp prints it (dotted quad, or inet_ntop's IPv6 text). */
export function ipToString(ip: IpAddr): string {
  if (typeof ip === 'number') {
    return `${(ip >>> 24) & 0xff}.${(ip >>> 16) & 0xff}.${(ip >>> 8) & 0xff}.${ip & 0xff}`;
  }
  if (ip.length === 4) return `${ip[0]}.${ip[1]}.${ip[2]}.${ip[3]}`;
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2) words.push((ip[i]! << 8) | ip[i + 1]!);
  // IPv4-mapped / compatible forms as inet_ntop prints them.
  const zero6 = words.slice(0, 5).every((w) => w === 0);
  if (zero6 && words[5] === 0xffff) return `::ffff:${ip[12]}.${ip[13]}.${ip[14]}.${ip[15]}`;
  // Longest run of zero words (length >= 2) becomes '::'.
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestStart < 0) return words.map((w) => w.toString(16)).join(':');
  const left = words.slice(0, bestStart).map((w) => w.toString(16)).join(':');
  const right = words.slice(bestStart + bestLen).map((w) => w.toString(16)).join(':');
  return `${left}::${right}`;
}

/** True when the address belongs to this machine (an interface, or the thread's container). */
export function isLocalAddress(ctx: ReplayContext, ipText: string): boolean {
  const t = ctx.thread;
  if (t !== undefined && t.containerId !== '' && t.containerId !== 'host') {
    const c = ctx.state.containers.get(t.containerId);
    if (c !== undefined && c.ip !== '') {
      if (c.ip === ipText) return true;
    } else {
      for (const other of ctx.state.containers.map.values()) if (other.ip !== '' && other.ip === ipText) return true;
      return false;
    }
  }
  for (const i of ctx.state.interfaces) if (i.addr === ipText) return true;
  return false;
}
