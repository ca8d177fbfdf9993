/**
 * Event → state: one parser per event family, looked up in a table indexed by PPME code
 * built once at module load. Only state-changing events have a parser. Parameters are
 * found by name in each code's schema, so every event version found in captures (execve
 * 8..19, clone 11..20, open with 1..6 parameters, ...) goes through the same parser; a
 * parameter an old exit event lacks is taken from the stored enter event, which is what
 * libscap's converter does before libsinsp parses the event.
 */
import type { EventView } from '../../scap/event.js';
import { EVENT_TABLE, ppmeCode } from '../../scap/event-table.js';
import { FdType } from '../../scap/blocks/fdlist.js';
import { ipv4String, ipv6String } from '../../scap/params.js';
import { EventFlags } from '../../scap/schema.js';
import { containerFromCgroups } from './containers.js';
import { BytesMemo, bytes, has, int, paramIndex, paramIndexTable, str, strList, u64, uint, viewInt, viewUint, type ParamSource } from './evparams.js';
import {
  addFd,
  cloneFd,
  FD_FLAG_CONNECTION_FAILED,
  FD_FLAG_CONNECTION_PENDING,
  FD_FLAG_IS_CLONED,
  FD_FLAG_OVERLAY_LOWER,
  FD_FLAG_OVERLAY_UPPER,
  FD_FLAG_SOCKET_CONNECTED,
  L4_ICMP,
  L4_RAW,
  L4_TCP,
  L4_UDP,
  L4_UNKNOWN,
  PPM_FD_LOWER_LAYER,
  PPM_FD_UPPER_LAYER,
  PPM_O_CLOEXEC,
  PPM_O_DIRECTORY,
  PPM_O_F_CREATED,
  refreshSocketName,
  setFdType,
  setRole,
  unixTupleName,
} from './fds.js';
import { FdInfo, ThreadInfo } from './model.js';
import {
  PPM_CL_ACTIVE,
  PPM_CL_CHILD_IN_PIDNS,
  PPM_CL_CLONE_FILES,
  PPM_CL_CLONE_INVERTED,
  PPM_CL_CLONE_NEWPID,
  PPM_CL_CLONE_PARENT,
  PPM_CL_CLONE_THREAD,
  PPM_CL_CLONE_VFORK,
  PPM_CL_IS_MAIN_THREAD,
  PPM_CL_NAME_CHANGED,
  PPM_CL_PIPE_DST,
  PPM_CL_PIPE_SRC,
  concatPaths,
} from './threads.js';

/** What parsers need from the engine (implemented by HostState). */
export interface ParseContext {
  readonly threads: import('./threads.js').ThreadTable;
  readonly users: import('./users.js').UserTable;
  readonly containers: import('./containers.js').ContainerTable;
  /** Boot time from the machine block, ns since the epoch (0 when unknown). */
  bootTs: bigint;
  /** The current event's thread (libsinsp evt.get_tinfo()). */
  thread: ThreadInfo | undefined;
  /** The fd the current event refers to (libsinsp evt.get_fd_info()). */
  fd: FdInfo | undefined;
  /** The current event's parameters. */
  readonly src: ParamSource;
  /** The stored enter event of the current exit event, when it matches. */
  enter(): ParamSource | undefined;
  enterType(): number;
  /** Delayed removals, applied at the start of the next event. */
  removeFdLater(tid: number, fd: number): void;
  removeThreadLater(tid: number): void;
  /** tid/ptid pairs removed in the last 2 s (libsinsp recently-exited ring). */
  recentlyExited(tid: number, ptid: number, ts: bigint): boolean;
  /** sysdig 0.29 compatibility (HostStateOptions.sysdig029). */
  readonly sysdig029: boolean;
  /** HostStateOptions.memoryCounters. */
  readonly memoryCounters: boolean;
  /** The dummy thread libsinsp 0.x gave container events ("container:<id>", tid -1). */
  containerThread(id: string): ThreadInfo;
}

export type Parser = (c: ParseContext, ev: EventView) => void;

const EINPROGRESS = 115;
const PPM_AF_UNIX = 1;
const PPM_AF_INET = 2;
const PPM_AF_INET6 = 10;
const PPM_AF_NETLINK = 16;
const IPPROTO_IP = 0;
const IPPROTO_ICMP = 1;
const IPPROTO_TCP = 6;
const IPPROTO_UDP = 17;
const IPPROTO_RAW = 255;
const SOCK_STREAM = 1;
const SOCK_DGRAM = 2;
const SOCK_RAW = 3;
const PPM_FCNTL_F_DUPFD = 1;
const PPM_FCNTL_F_SETFD = 3;
const PPM_FCNTL_F_DUPFD_CLOEXEC = 26;
const FD_CLOEXEC = 1;
const PPM_CLOSE_RANGE_CLOEXEC = 1 << 2;
const PPM_PR_SET_CHILD_SUBREAPER = 36;
const PPM_PR_GET_CHILD_SUBREAPER = 37;
const PPM_EXE_WRITABLE = 1;
const PPM_EXE_UPPER_LAYER = 2;
const PPM_EXE_FROM_MEMFD = 4;
const PPM_EXE_LOWER_LAYER = 8;
const CLONE_STALE_TIME_NS = 2000000000n;

function code(id: string): number {
  const c = ppmeCode(id);
  if (c === undefined) throw new Error(`no event ${id}`);
  return c;
}

/** Parameter positions by event code for the names the parsers read (-1: not in that schema), built once. */
const IX = {
  addr: paramIndexTable('addr'),
  args: paramIndexTable('args'),
  cap_effective: paramIndexTable('cap_effective'),
  cap_inheritable: paramIndexTable('cap_inheritable'),
  cap_permitted: paramIndexTable('cap_permitted'),
  cgroups: paramIndexTable('cgroups'),
  comm: paramIndexTable('comm'),
  creat_flags: paramIndexTable('creat_flags'),
  cur: paramIndexTable('cur'),
  dev: paramIndexTable('dev'),
  dirfd: paramIndexTable('dirfd'),
  env: paramIndexTable('env'),
  exe: paramIndexTable('exe'),
  exe_ino: paramIndexTable('exe_ino'),
  exe_ino_mtime: paramIndexTable('exe_ino_mtime'),
  fd: paramIndexTable('fd'),
  fdlimit: paramIndexTable('fdlimit'),
  filename: paramIndexTable('filename'),
  first: paramIndexTable('first'),
  flags: paramIndexTable('flags'),
  gid: paramIndexTable('gid'),
  ino: paramIndexTable('ino'),
  last: paramIndexTable('last'),
  loginuid: paramIndexTable('loginuid'),
  name: paramIndexTable('name'),
  newcur: paramIndexTable('newcur'),
  path: paramIndexTable('path'),
  pathname: paramIndexTable('pathname'),
  peer: paramIndexTable('peer'),
  pgft_maj: paramIndexTable('pgft_maj'),
  pgft_min: paramIndexTable('pgft_min'),
  pgid: paramIndexTable('pgid'),
  pid: paramIndexTable('pid'),
  pidns_init_start_ts: paramIndexTable('pidns_init_start_ts'),
  ptid: paramIndexTable('ptid'),
  source: paramIndexTable('source'),
  trusted_exepath: paramIndexTable('trusted_exepath'),
  tty: paramIndexTable('tty'),
  tuple: paramIndexTable('tuple'),
  uid: paramIndexTable('uid'),
  vm_rss: paramIndexTable('vm_rss'),
  vm_size: paramIndexTable('vm_size'),
  vm_swap: paramIndexTable('vm_swap'),
  vpgid: paramIndexTable('vpgid'),
  vpid: paramIndexTable('vpid'),
  vtid: paramIndexTable('vtid'),
};

/** Decoded args, env and cgroups lists and container JSON texts, shared while their bytes repeat. */
const ARGS = new BytesMemo<string[]>(strList);
const ENV = new BytesMemo<string[]>(strList);
const CGROUPS = new BytesMemo<string[]>(strList);
const JSON_TEXT = new BytesMemo<string>((s, i) => str(s, i));

// ---------------------------------------------------------------------------------------
// Parameter access by name, exit first, then the stored enter event
// ---------------------------------------------------------------------------------------

/** Exit parameter `name` if present, else the enter event's. Returns the source and index, or undefined. */
let pickSrc: ParamSource | undefined;
let pickIdx = -1;
function pick(c: ParseContext, ev: EventView, name: string, enterToo = true): boolean {
  const i = paramIndex(ev.type, name);
  if (has(c.src, i)) {
    pickSrc = c.src;
    pickIdx = i;
    return true;
  }
  if (!enterToo) return false;
  const e = c.enter();
  if (e === undefined) return false;
  const j = paramIndex(c.enterType(), name);
  if (has(e, j)) {
    pickSrc = e;
    pickIdx = j;
    return true;
  }
  return false;
}

function pInt(c: ParseContext, ev: EventView, name: string, dflt = 0, enterToo = true): number {
  return pick(c, ev, name, enterToo) ? int(pickSrc!, pickIdx, dflt) : dflt;
}
function pUint(c: ParseContext, ev: EventView, name: string, dflt = 0, enterToo = true): number {
  return pick(c, ev, name, enterToo) ? uint(pickSrc!, pickIdx, dflt) : dflt;
}
function pStr(c: ParseContext, ev: EventView, name: string, dflt = '', enterToo = true): string {
  return pick(c, ev, name, enterToo) ? str(pickSrc!, pickIdx, dflt) : dflt;
}

/** The syscall return value: the first parameter of exit events (res / fd). */
function retval(c: ParseContext): number {
  return int(c.src, 0, -1);
}


function fdTable(c: ParseContext, t: ThreadInfo): Map<number, FdInfo> | undefined {
  return c.threads.fdTable(t);
}

function addFdTo(c: ParseContext, t: ThreadInfo, fd: number, info: FdInfo): FdInfo | undefined {
  const table = fdTable(c, t);
  if (table === undefined) return undefined;
  // libsinsp add_fd: the new fd becomes the thread's last event fd (fd.num, fd.uid).
  t.lastEventFd = fd;
  return addFd(table, fd, info);
}

function setContainerFromCgroups(c: ParseContext, t: ThreadInfo): void {
  const m = containerFromCgroups(t.cgroups);
  if (m === undefined) {
    t.containerId = '';
    return;
  }
  t.containerId = m.id;
  c.containers.ensure(m.id, m.type);
}

// ---------------------------------------------------------------------------------------
// Processes: clone / fork / vfork / clone3, execve / execveat, procexit
// ---------------------------------------------------------------------------------------

function copyProcessFields(child: ThreadInfo, from: ThreadInfo): void {
  child.exepath = from.exepath;
  child.exeWritable = from.exeWritable;
  child.exeUpperLayer = from.exeUpperLayer;
  child.exeLowerLayer = from.exeLowerLayer;
  child.exeFromMemfd = from.exeFromMemfd;
  child.root = from.root;
  child.sid = from.sid;
  child.vpgid = from.vpgid;
  child.pgid = from.pgid;
  child.tty = from.tty;
  child.loginuid = from.loginuid;
  child.capPermitted = from.capPermitted;
  child.capInheritable = from.capInheritable;
  child.capEffective = from.capEffective;
  child.exeIno = from.exeIno;
}

function copyFdsInto(c: ParseContext, child: ThreadInfo, from: ThreadInfo): void {
  const src = fdTable(c, from);
  child.fds = new Map();
  if (src === undefined) return;
  for (const [fd, info] of src) {
    const n = cloneFd(info);
    n.flags |= FD_FLAG_IS_CLONED;
    child.fds.set(fd, n);
  }
}

/** Fields of a clone exit common to the caller and child paths. */
function fillCloneCommon(c: ParseContext, ev: EventView, child: ThreadInfo): void {
  const s = c.src;
  child.exe = str(s, IX.exe[ev.type]!);
  const ci = IX.comm[ev.type]!;
  child.comm = has(s, ci) ? str(s, ci) : child.exe;
  child.args = ARGS.get(s, IX.args[ev.type]!);
  child.fdlimit = int(s, IX.fdlimit[ev.type]!);
  const swap = IX.vm_swap[ev.type]!;
  if (has(s, swap)) {
    child.pfmajor = int(s, IX.pgft_maj[ev.type]!);
    child.pfminor = int(s, IX.pgft_min[ev.type]!);
    child.vmsizeKb = uint(s, IX.vm_size[ev.type]!);
    child.vmrssKb = uint(s, IX.vm_rss[ev.type]!);
    child.vmswapKb = uint(s, swap);
  }
  child.uid = uint(s, IX.uid[ev.type]!);
  child.gid = uint(s, IX.gid[ev.type]!);
  const cg = IX.cgroups[ev.type]!;
  if (has(s, cg)) child.cgroups = CGROUPS.get(s, cg);
  child.cloneTs = ev.ts;
}

function parseCloneExit(c: ParseContext, ev: EventView): void {
  const res = retval(c);
  if (res < 0) return;
  if (res === 0) cloneChild(c, ev);
  else cloneCaller(c, ev, res);
}

function cloneCaller(c: ParseContext, ev: EventView, childTid: number): void {
  const s = c.src;
  const callerTid = ev.tid;
  let caller = c.threads.get(callerTid) ?? c.threads.addInvalid(callerTid);
  if (caller === undefined) {
    c.thread = undefined;
    return;
  }
  let validCaller = true;
  if (caller.invalid) {
    validCaller = false;
    caller.pid = int(s, IX.pid[ev.type]!);
    caller.ptid = int(s, IX.ptid[ev.type]!);
    const vpidI = IX.vpid[ev.type]!;
    if (has(s, vpidI)) {
      caller.vtid = int(s, IX.vtid[ev.type]!);
      caller.vpid = int(s, vpidI);
    } else {
      caller.vtid = callerTid;
      caller.vpid = -1;
    }
    c.threads.createDependencies(caller);
  }
  c.thread = caller;
  const flags = uint(s, IX.flags[ev.type]!);
  // sysdig 0.29 compared the caller's tid with the vtid the event carries (its own tid
  // when the event has none), not with the vtid of the caller's thread.
  let callerVtid = caller.vtid;
  if (c.sysdig029) {
    const vtidI = IX.vtid[ev.type]!;
    callerVtid = has(s, vtidI) ? int(s, vtidI) : callerTid;
  }
  if (flags & PPM_CL_CHILD_IN_PIDNS || flags & PPM_CL_CLONE_NEWPID || flags & PPM_CL_CLONE_PARENT || callerTid !== callerVtid) return;
  if (flags & PPM_CL_CLONE_VFORK || EVENT_TABLE[ev.type]!.name === 'vfork') return;
  if (c.recentlyExited(childTid, callerTid, ev.ts)) return;
  const existing = c.threads.get(childTid);
  if (existing !== undefined) {
    if (existing.flags & PPM_CL_CLONE_INVERTED) return;
    c.threads.remove(childTid);
  }
  const child = new ThreadInfo();
  child.flags = flags;
  child.tid = childTid;
  if (!(flags & PPM_CL_CLONE_THREAD)) {
    if (validCaller) {
      copyFdsInto(c, child, caller);
      child.cwd = c.threads.cwd(caller);
      child.env = caller.env;
    } else {
      child.cwd = '';
    }
    child.pid = childTid;
    child.ptid = caller.tid;
  } else {
    child.pid = caller.pid;
    // libsinsp 0.9 made the calling thread the parent of a new thread too.
    child.ptid = c.sysdig029 ? caller.tid : caller.ptid;
    child.flags |= PPM_CL_CLONE_FILES;
    child.lastExecTs = caller.lastExecTs;
  }
  child.vtid = child.tid;
  child.vpid = child.pid;
  fillCloneCommon(c, ev, child);
  child.pidnsInitStartTs = c.bootTs;
  if (validCaller) {
    copyProcessFields(child, caller);
    if (!has(s, IX.cgroups[ev.type]!)) child.cgroups = caller.cgroups;
  } else {
    caller.exe = child.exe;
    caller.comm = child.comm;
    caller.args = child.args;
  }
  setContainerFromCgroups(c, child);
  if (child.containerId === '' && child.cgroups.length === 0) child.containerId = caller.containerId;
  c.threads.add(child, true);
}

function cloneChild(c: ParseContext, ev: EventView): void {
  const s = c.src;
  const childTid = ev.tid;
  const cur = c.thread;
  if (cur !== undefined && cur.cloneTs !== 0n) {
    if (ev.ts - cur.cloneTs < CLONE_STALE_TIME_NS) return;
    c.threads.remove(childTid);
    c.thread = undefined;
  }
  const child = new ThreadInfo();
  child.tid = childTid;
  child.pid = int(s, IX.pid[ev.type]!);
  child.ptid = int(s, IX.ptid[ev.type]!);
  const vpidI = IX.vpid[ev.type]!;
  if (has(s, vpidI)) {
    child.vtid = int(s, IX.vtid[ev.type]!);
    child.vpid = int(s, vpidI);
  } else {
    child.vtid = child.tid;
    child.vpid = -1;
  }
  child.flags = uint(s, IX.flags[ev.type]!) | PPM_CL_CLONE_INVERTED;
  const leader = !(child.flags & PPM_CL_CLONE_THREAD);
  let lookupTid: number;
  if (leader) lookupTid = child.ptid;
  else {
    lookupTid = child.pid;
    child.flags |= PPM_CL_CLONE_FILES;
  }
  const lookup = c.threads.get(lookupTid) ?? c.threads.addInvalid(lookupTid);
  if (lookup === undefined) {
    c.thread = undefined;
    return;
  }
  let valid = true;
  if (lookup.invalid) {
    valid = false;
    if (!leader) {
      lookup.pid = child.pid;
      lookup.ptid = child.ptid;
      lookup.vpid = child.vpid;
      lookup.vtid = lookup.vpid;
      c.threads.createDependencies(lookup);
    }
  }
  fillCloneCommon(c, ev, child);
  if (valid) {
    copyProcessFields(child, lookup);
    if (leader) {
      copyFdsInto(c, child, lookup);
      child.cwd = c.threads.cwd(lookup);
      child.env = lookup.env;
    } else {
      child.lastExecTs = lookup.lastExecTs;
    }
    if (!has(s, IX.cgroups[ev.type]!)) child.cgroups = lookup.cgroups;
  } else {
    child.cwd = '';
    if (!leader) {
      lookup.exe = child.exe;
      lookup.comm = child.comm;
      lookup.args = child.args;
    }
  }
  if (child.flags & PPM_CL_CHILD_IN_PIDNS || child.flags & PPM_CL_CLONE_NEWPID || child.tid !== child.vtid) {
    const pi = IX.pidns_init_start_ts[ev.type]!;
    if (has(s, pi)) child.pidnsInitStartTs = u64(s, pi) + c.bootTs;
  } else {
    child.pidnsInitStartTs = c.bootTs;
  }
  setContainerFromCgroups(c, child);
  if (child.containerId === '' && child.cgroups.length === 0) child.containerId = lookup.containerId;
  if (!c.threads.add(child, true)) {
    c.thread = undefined;
    return;
  }
  c.thread = child;
  c.fd = undefined;
}

function parseExecveExit(c: ParseContext, ev: EventView): void {
  const t = c.thread;
  if (retval(c) < 0 || t === undefined) return;
  const s = c.src;
  const ty = ev.type;
  if (!t.alive) t.alive = true;
  t.exe = str(s, IX.exe[ty]!);
  t.lastExecTs = ev.ts;
  t.comm = has(s, IX.comm[ty]!) ? str(s, IX.comm[ty]!) : t.exe;
  t.args = ARGS.get(s, IX.args[ty]!);
  t.pid = int(s, IX.pid[ty]!);
  if (t.invalid || t.ptid < 0) {
    t.ptid = int(s, IX.ptid[ty]!);
    if ((t.flags & PPM_CL_CHILD_IN_PIDNS) === 0 && !c.sysdig029) {
      t.vtid = t.tid;
      t.vpid = t.pid;
    }
    c.threads.createDependencies(t);
  }
  t.fdlimit = int(s, IX.fdlimit[ty]!);
  if (has(s, IX.vm_swap[ty]!)) {
    t.pfmajor = int(s, IX.pgft_maj[ty]!);
    t.pfminor = int(s, IX.pgft_min[ty]!);
    t.vmsizeKb = uint(s, IX.vm_size[ty]!);
    t.vmrssKb = uint(s, IX.vm_rss[ty]!);
    t.vmswapKb = uint(s, IX.vm_swap[ty]!);
  }
  if (has(s, IX.env[ty]!)) t.env = ENV.get(s, IX.env[ty]!);
  if (has(s, IX.cgroups[ty]!)) t.cgroups = CGROUPS.get(s, IX.cgroups[ty]!);
  if (has(s, IX.tty[ty]!)) t.tty = uint(s, IX.tty[ty]!);
  if (has(s, IX.trusted_exepath[ty]!)) {
    t.exepath = str(s, IX.trusted_exepath[ty]!);
  } else {
    const e = c.enter();
    if (e !== undefined) {
      const et = c.enterType();
      const info = EVENT_TABLE[et]!;
      if (info.name === 'execve') {
        const fi = IX.filename[et]!;
        if (has(e, fi)) {
          const filename = str(e, fi);
          t.exepath = filename === '<NA>' ? '<NA>' : concatPaths(c.threads.cwd(t), filename);
        }
      } else if (info.name === 'execveat') {
        const dirfd = int(e, IX.dirfd[et]!);
        const flags = uint(e, IX.flags[et]!);
        const pathname = str(e, IX.pathname[et]!, '<NA>');
        const sdir = parseDirfd(c, t, pathname, dirfd);
        const AT_EMPTY_PATH = 1;
        if ((!(flags & AT_EMPTY_PATH) && pathname === '<NA>') || sdir === '<UNKNOWN>') t.exepath = '<NA>';
        else if (flags & AT_EMPTY_PATH) t.exepath = concatPaths('', sdir);
        else t.exepath = concatPaths(sdir, pathname);
      }
    }
  }
  if (has(s, IX.vpgid[ty]!)) t.vpgid = int(s, IX.vpgid[ty]!);
  if (has(s, IX.loginuid[ty]!)) t.loginuid = uint(s, IX.loginuid[ty]!);
  if (has(s, IX.flags[ty]!)) {
    const f = uint(s, IX.flags[ty]!);
    t.exeWritable = (f & PPM_EXE_WRITABLE) !== 0;
    t.exeUpperLayer = (f & PPM_EXE_UPPER_LAYER) !== 0;
    t.exeFromMemfd = (f & PPM_EXE_FROM_MEMFD) !== 0;
    t.exeLowerLayer = (f & PPM_EXE_LOWER_LAYER) !== 0;
  }
  if (has(s, IX.cap_effective[ty]!)) {
    t.capInheritable = u64(s, IX.cap_inheritable[ty]!);
    t.capPermitted = u64(s, IX.cap_permitted[ty]!);
    t.capEffective = u64(s, IX.cap_effective[ty]!);
  }
  if (has(s, IX.exe_ino_mtime[ty]!)) t.exeIno = u64(s, IX.exe_ino[ty]!);
  if (has(s, IX.uid[ty]!)) t.uid = uint(s, IX.uid[ty]!);
  t.pgid = has(s, IX.pgid[ty]!) ? int(s, IX.pgid[ty]!) : -1;
  if (has(s, IX.gid[ty]!)) t.gid = uint(s, IX.gid[ty]!);
  setContainerFromCgroups(c, t);
  // libsinsp 0.9 did not close O_CLOEXEC fds on execve.
  const table = c.sysdig029 ? undefined : fdTable(c, t);
  if (table !== undefined) for (const [fd, info] of table) if (info.openFlags & PPM_O_CLOEXEC) table.delete(fd);
  const keep = t.flags & (PPM_CL_PIPE_SRC | PPM_CL_PIPE_DST | PPM_CL_IS_MAIN_THREAD);
  const inverted = (t.flags & PPM_CL_CLONE_INVERTED) !== 0;
  t.flags = PPM_CL_ACTIVE | keep | PPM_CL_NAME_CHANGED | (inverted ? PPM_CL_CLONE_INVERTED : 0);
  // execve in a multi-threaded process kills every thread but the leader.
  const g = c.threads.group(t);
  if (g !== undefined && g.aliveCount() > 1) {
    for (const o of [...g.threads]) {
      if (o.isMain || o.tid === t.tid) continue;
      c.threads.remove(o.tid);
    }
  }
}

function parseProcexit(c: ParseContext, ev: EventView): void {
  const t = c.thread;
  if (t === undefined) return;
  t.alive = false;
  c.removeThreadLater(ev.tid);
  if (t.children.size === 0) return;
  if (ev.nparams > 4) {
    if (has(c.src, 4)) t.reaperTid = int(c.src, 4);
  } else {
    t.reaperTid = -1;
  }
}

// ---------------------------------------------------------------------------------------
// Files
// ---------------------------------------------------------------------------------------

/** libsinsp parse_dirfd: "." for absolute paths, the cwd for AT_FDCWD, the dirfd's path, or "<UNKNOWN>". */
function parseDirfd(c: ParseContext, t: ThreadInfo | undefined, name: string, dirfd: number): string {
  if (name.startsWith('/')) return '.';
  if (t === undefined) return '<UNKNOWN>';
  if (dirfd === -100) return c.threads.cwd(t);
  const f = c.threads.getFd(t, dirfd);
  if (f === undefined) return '<UNKNOWN>';
  if (f.name === '' || f.name.endsWith('/')) return f.name;
  return f.name + '/';
}

const OPEN_X = code('SYSCALL_OPEN_X');
const CREAT_X = code('SYSCALL_CREAT_X');
const OPEN_BY_HANDLE_AT_X = code('SYSCALL_OPEN_BY_HANDLE_AT_X');

function parseOpenExit(c: ParseContext, ev: EventView): void {
  const t = c.thread;
  if (t === undefined) return;
  const ty = ev.type;
  const fd = retval(c);
  const e = ty === OPEN_BY_HANDLE_AT_X ? undefined : c.enter();
  const et = c.enterType();
  let name: string;
  let flags: number;
  let sdir: string;
  let dev = 0;
  let ino = 0n;
  const s = c.src;
  const di = IX.dev[ty]!;
  const ii = IX.ino[ty]!;
  if (has(s, di)) dev = uint(s, di);
  if (has(s, ii)) ino = u64(s, ii);
  if (ty === OPEN_BY_HANDLE_AT_X) {
    flags = uint(s, IX.flags[ty]!);
    name = str(s, IX.path[ty]!);
    sdir = '';
  } else if (ty === OPEN_X || ty === CREAT_X) {
    name = str(s, IX.name[ty]!, '<NA>');
    flags = ty === CREAT_X ? 0 : uint(s, IX.flags[ty]!);
    if (ty === CREAT_X) {
      const cf = IX.creat_flags[ty]!;
      if (has(s, cf)) {
        const v = uint(s, cf);
        if (v & 1) flags |= PPM_FD_UPPER_LAYER;
        else if (v & 2) flags |= PPM_FD_LOWER_LAYER;
      }
    }
    if (e !== undefined) {
      const en = str(e, IX.name[et]!, '<NA>');
      if (has(e, IX.name[et]!) && en !== '<NA>') {
        name = en;
        const ef = ty === CREAT_X ? 0 : uint(e, IX.flags[et]!);
        flags = ef | (flags & ~(PPM_O_F_CREATED - 1));
      }
    }
    sdir = c.threads.cwd(t);
  } else {
    // openat (any version), openat2
    name = '<NA>';
    flags = 0;
    sdir = '';
    const ni = IX.name[ty]!;
    if (has(s, ni)) name = str(s, ni);
    const fi = IX.flags[ty]!;
    if (has(s, fi)) flags = uint(s, fi);
    let dirSrc: ParamSource | undefined = s;
    let dirIdx = IX.dirfd[ty]!;
    if (e !== undefined) {
      const eni = IX.name[et]!;
      const en = str(e, eni, '<NA>');
      if (has(e, eni) && en !== '<NA>') {
        name = en;
        flags = uint(e, IX.flags[et]!) | (flags & ~(PPM_O_F_CREATED - 1));
        dirSrc = e;
        dirIdx = IX.dirfd[et]!;
      }
    }
    if (dirSrc !== undefined && has(dirSrc, dirIdx)) sdir = parseDirfd(c, t, name, int(dirSrc, dirIdx));
  }
  const full = concatPaths(sdir, name);
  if (fd < 0) return;
  const f = new FdInfo();
  setFdType(f, flags & PPM_O_DIRECTORY ? FdType.DIRECTORY : FdType.FILE_V2);
  f.openFlags = flags;
  f.dev = dev;
  f.ino = ino;
  f.nameRaw = name;
  f.name = full;
  f.openTs = ev.ts;
  if (flags & PPM_FD_UPPER_LAYER) f.flags |= FD_FLAG_OVERLAY_UPPER;
  if (flags & PPM_FD_LOWER_LAYER) f.flags |= FD_FLAG_OVERLAY_LOWER;
  c.fd = addFdTo(c, t, fd, f);
}

function parseCloseExit(c: ParseContext, ev: EventView): void {
  if (retval(c) < 0) return;
  const t = c.thread;
  if (c.fd === undefined || t === undefined) return;
  c.removeFdLater(t.tid, t.lastEventFd >= 0 ? t.lastEventFd : c.fd.fd);
  void ev;
}

function parseCloseRangeExit(c: ParseContext, ev: EventView): void {
  const t = c.thread;
  if (t === undefined || retval(c) < 0) return;
  const table = fdTable(c, t);
  if (table === undefined) return;
  const first = uint(c.src, IX.first[ev.type]!);
  const last = uint(c.src, IX.last[ev.type]!);
  const flags = uint(c.src, IX.flags[ev.type]!);
  for (const [fd, info] of table) {
    if (fd < 0 || fd < first || fd > last) continue;
    if (flags & PPM_CLOSE_RANGE_CLOEXEC) info.openFlags |= PPM_O_CLOEXEC;
    else table.delete(fd);
  }
}

function parseDupExit(c: ParseContext, ev: EventView): void {
  const t = c.thread;
  if (t === undefined) return;
  const res = retval(c);
  if (res < 0 || c.fd === undefined) return;
  if (res === 0) t.flags |= PPM_CL_PIPE_DST;
  if (res === 1) t.flags |= PPM_CL_PIPE_SRC;
  const f = cloneFd(c.fd);
  f.openFlags &= ~PPM_O_CLOEXEC;
  if (EVENT_TABLE[ev.type]!.name === 'dup3') {
    if (pUint(c, ev, 'flags') & PPM_O_CLOEXEC) f.openFlags |= PPM_O_CLOEXEC;
  }
  c.fd = addFdTo(c, t, res, f);
}

function parseFcntlExit(c: ParseContext, ev: EventView): void {
  const t = c.thread;
  if (t === undefined) return;
  const cmd = pUint(c, ev, 'cmd');
  if (!(cmd === PPM_FCNTL_F_DUPFD || cmd === PPM_FCNTL_F_DUPFD_CLOEXEC || cmd === PPM_FCNTL_F_SETFD)) return;
  const res = retval(c);
  if (res < 0 || c.fd === undefined) return;
  if (cmd === PPM_FCNTL_F_SETFD) {
    c.fd.openFlags &= ~PPM_O_CLOEXEC;
    if (pInt(c, ev, 'arg') & FD_CLOEXEC) c.fd.openFlags |= PPM_O_CLOEXEC;
    return;
  }
  const f = cloneFd(c.fd);
  f.openFlags &= ~PPM_O_CLOEXEC;
  if (cmd === PPM_FCNTL_F_DUPFD_CLOEXEC) f.openFlags |= PPM_O_CLOEXEC;
  c.fd = addFdTo(c, t, res, f);
}

function newTypedFd(c: ParseContext, t: ThreadInfo, fd: number, type: number, openFlags: number, ts: bigint): void {
  const f = new FdInfo();
  setFdType(f, type);
  f.openFlags = openFlags;
  f.openTs = ts;
  c.fd = addFdTo(c, t, fd, f);
}

function singleFd(type: number, flagsParam?: string, epoll = false): Parser {
  return (c, ev) => {
    const t = c.thread;
    if (t === undefined) return;
    const res = retval(c);
    if (res < 0) return;
    let flags = 0;
    if (flagsParam !== undefined) {
      const v = pUint(c, ev, flagsParam);
      flags = epoll ? (v & 1 ? PPM_O_CLOEXEC : 0) : v;
    }
    newTypedFd(c, t, res, type, flags, ev.ts);
  };
}

function parsePipeExit(c: ParseContext, ev: EventView): void {
  const t = c.thread;
  if (retval(c) < 0 || t === undefined) return;
  const fd1 = pInt(c, ev, 'fd1');
  const fd2 = pInt(c, ev, 'fd2');
  const ino = u64(c.src, IX.ino[ev.type]!);
  const flags = EVENT_TABLE[ev.type]!.name === 'pipe2' ? pUint(c, ev, 'flags') : 0;
  for (const fd of [fd1, fd2]) {
    const f = new FdInfo();
    setFdType(f, FdType.FIFO);
    f.ino = ino;
    f.openFlags = flags;
    f.openTs = ev.ts;
    c.fd = addFdTo(c, t, fd, f) ?? c.fd;
  }
  c.fd = c.threads.getFd(t, fd1);
}

function parseMemfdExit(c: ParseContext, ev: EventView): void {
  const t = c.thread;
  if (t === undefined) return;
  const fd = retval(c);
  if (fd < 0) return;
  const f = new FdInfo();
  setFdType(f, FdType.MEMFD);
  f.name = pStr(c, ev, 'name');
  f.openFlags = pUint(c, ev, 'flags');
  f.openTs = ev.ts;
  c.fd = addFdTo(c, t, fd, f);
}

function parsePidfdOpenExit(c: ParseContext, ev: EventView): void {
  const t = c.thread;
  if (t === undefined) return;
  const fd = retval(c);
  if (fd < 0) return;
  const f = new FdInfo();
  setFdType(f, FdType.PIDFD);
  f.pid = pInt(c, ev, 'pid');
  f.name = `/proc/${f.pid}`;
  f.openFlags = pUint(c, ev, 'flags');
  f.openTs = ev.ts;
  c.fd = addFdTo(c, t, fd, f);
}

function parsePidfdGetfdExit(c: ParseContext, ev: EventView): void {
  const t = c.thread;
  if (t === undefined) return;
  const fd = retval(c);
  const pidfd = c.threads.getFd(t, pInt(c, ev, 'pid_fd'));
  if (pidfd === undefined || pidfd.kind !== 'pidfd') return;
  const target = c.threads.get(pidfd.pid);
  if (target === undefined) return;
  const src = c.threads.getFd(target, pInt(c, ev, 'target_fd'));
  if (src === undefined) return;
  const f = cloneFd(src);
  f.openFlags = (f.openFlags & ~PPM_O_CLOEXEC) | PPM_O_CLOEXEC;
  c.fd = addFdTo(c, t, fd, f);
}

/** unshare / setns into a new user namespace grant every capability (libsinsp get_max_caps, CAP_LAST_CAP 40). */
const MAX_CAPS = (1n << 41n) - 1n;
const PPM_CL_CLONE_NEWUSER = 1 << 20;

function parseUnshareSetnsExit(c: ParseContext, ev: EventView): void {
  const t = c.thread;
  if (t === undefined || retval(c) < 0) return;
  const name = EVENT_TABLE[ev.type]!.name;
  const flags = name === 'unshare' ? pUint(c, ev, 'flags') : pUint(c, ev, 'nstype', 0, false);
  if ((flags & PPM_CL_CLONE_NEWUSER) === 0) return;
  t.capInheritable = MAX_CAPS;
  t.capPermitted = MAX_CAPS;
  t.capEffective = MAX_CAPS;
}

// ---------------------------------------------------------------------------------------
// Sockets
// ---------------------------------------------------------------------------------------

function addSocket(c: ParseContext, t: ThreadInfo, fd: number, domain: number, type: number, proto: number, flags: number, ts: bigint): void {
  const f = new FdInfo();
  setFdType(f, FdType.UNKNOWN);
  f.openFlags = flags;
  f.openTs = ts;
  if (domain === PPM_AF_UNIX) setFdType(f, FdType.UNIX_SOCK);
  else if (domain === PPM_AF_INET || domain === PPM_AF_INET6) {
    setFdType(f, domain === PPM_AF_INET ? FdType.IPV4_SOCK : FdType.IPV6_SOCK);
    let l4 = L4_UNKNOWN;
    if (proto === IPPROTO_TCP) l4 = type === SOCK_RAW ? L4_RAW : L4_TCP;
    else if (proto === IPPROTO_UDP) l4 = type === SOCK_RAW ? L4_RAW : L4_UDP;
    else if (proto === IPPROTO_IP) {
      if ((type & 0xff) === SOCK_STREAM) l4 = L4_TCP;
      else if ((type & 0xff) === SOCK_DGRAM) l4 = L4_UDP;
    } else if (proto === IPPROTO_ICMP) l4 = type === SOCK_RAW ? L4_RAW : L4_ICMP;
    else if (proto === IPPROTO_RAW) l4 = L4_RAW;
    f.l4proto = l4;
  } else if (domain === PPM_AF_NETLINK) setFdType(f, FdType.NETLINK);
  c.fd = addFdTo(c, t, fd, f);
}

function parseSocketExit(c: ParseContext, ev: EventView): void {
  const fd = retval(c);
  const t = c.thread;
  if (fd < 0 || t === undefined) return;
  addSocket(c, t, fd, pUint(c, ev, 'domain'), pUint(c, ev, 'type'), pUint(c, ev, 'proto'), pUint(c, ev, 'flags'), ev.ts);
}

function parseSocketpairExit(c: ParseContext, ev: EventView): void {
  const t = c.thread;
  if (retval(c) < 0 || t === undefined) return;
  const fd1 = pInt(c, ev, 'fd1');
  const fd2 = pInt(c, ev, 'fd2');
  if (fd1 === fd2) {
    c.fd = undefined;
    return;
  }
  const f1 = new FdInfo();
  setFdType(f1, FdType.UNIX_SOCK);
  f1.unixSource = u64(c.src, IX.source[ev.type]!);
  f1.unixDest = u64(c.src, IX.peer[ev.type]!);
  f1.openTs = ev.ts;
  const f2 = cloneFd(f1);
  c.fd = addFdTo(c, t, fd1, f1);
  addFdTo(c, t, fd2, f2);
}

/** A decoded socket tuple or address, read straight from the parameter bytes. */
interface Addr {
  family: number;
  sip: string;
  sport: number;
  dip: string;
  dport: number;
  /** Unix: kernel pointers and path. */
  src: bigint;
  dst: bigint;
  path: string;
  v4mapped: boolean;
}

function isV4Mapped(b: Buffer, o: number): boolean {
  for (let k = 0; k < 10; k++) if (b[o + k] !== 0) return false;
  return b[o + 10] === 0xff && b[o + 11] === 0xff;
}

function cstr(b: Buffer, o: number, end: number): string {
  let e = o;
  while (e < end && b[e] !== 0) e++;
  return b.toString('utf8', o, e);
}

/** Decodes a PT_SOCKTUPLE (libsinsp is_socktuple_valid: family byte and the family's size). */
function readTuple(b: Buffer | undefined, le: boolean): Addr | undefined {
  if (b === undefined || b.length < 1) return undefined;
  const fam = b[0]!;
  const rd16 = (o: number): number => (le ? b.readUInt16LE(o) : b.readUInt16BE(o));
  if (fam === PPM_AF_INET) {
    if (b.length < 13) return undefined;
    return { family: fam, sip: ipv4String(b, 1), sport: rd16(5), dip: ipv4String(b, 7), dport: rd16(11), src: 0n, dst: 0n, path: '', v4mapped: false };
  }
  if (fam === PPM_AF_INET6) {
    if (b.length < 37) return undefined;
    const mapped = isV4Mapped(b, 1) && isV4Mapped(b, 19);
    return {
      family: fam,
      sip: mapped ? ipv4String(b, 13) : ipv6String(b, 1),
      sport: rd16(17),
      dip: mapped ? ipv4String(b, 31) : ipv6String(b, 19),
      dport: rd16(35),
      src: 0n,
      dst: 0n,
      path: '',
      v4mapped: mapped,
    };
  }
  if (fam === PPM_AF_UNIX) {
    if (b.length < 17) return undefined;
    const src = le ? b.readBigUInt64LE(1) : b.readBigUInt64BE(1);
    const dst = le ? b.readBigUInt64LE(9) : b.readBigUInt64BE(9);
    return { family: fam, sip: '', sport: 0, dip: '', dport: 0, src, dst, path: cstr(b, 17, b.length), v4mapped: false };
  }
  return undefined;
}

/** Decodes a PT_SOCKADDR. */
function readSockaddr(b: Buffer | undefined, le: boolean): Addr | undefined {
  if (b === undefined || b.length < 1) return undefined;
  const fam = b[0]!;
  const rd16 = (o: number): number => (le ? b.readUInt16LE(o) : b.readUInt16BE(o));
  if (fam === PPM_AF_INET) {
    if (b.length < 7) return undefined;
    return { family: fam, sip: '', sport: 0, dip: ipv4String(b, 1), dport: rd16(5), src: 0n, dst: 0n, path: '', v4mapped: false };
  }
  if (fam === PPM_AF_INET6) {
    if (b.length < 19) return undefined;
    const mapped = isV4Mapped(b, 1);
    return { family: fam, sip: '', sport: 0, dip: mapped ? ipv4String(b, 13) : ipv6String(b, 1), dport: rd16(17), src: 0n, dst: 0n, path: '', v4mapped: mapped };
  }
  if (fam === PPM_AF_UNIX) return { family: fam, sip: '', sport: 0, dip: '', dport: 0, src: 0n, dst: 0n, path: cstr(b, 1, b.length), v4mapped: false };
  return undefined;
}

/** The PF_SIMPLE text of a sockaddr (bind names, non-IP connect destinations). */
function sockaddrText(a: Addr): string {
  if (a.family === PPM_AF_UNIX) return a.path;
  return `${a.dip}:${a.dport}`;
}

/** libsinsp update_ipv{4,6}_addresses_and_ports: returns whether anything changed. */
function setAddresses(f: FdInfo, sip: string, sport: number, dip: string, dport: number, overwriteDest: boolean, sameType: boolean): boolean {
  if (sameType && ((sip === f.sip && sport === f.sport && dip === f.dip && dport === f.dport) || (dip === f.sip && dport === f.sport && sip === f.dip && sport === f.dport))) return false;
  let changed = false;
  if (f.sip !== sip) {
    f.sip = sip;
    changed = true;
  }
  if (f.sport !== sport) {
    f.sport = sport;
    changed = true;
  }
  if (f.dip === '' || f.dip === '0.0.0.0' || f.dip === '::' || (overwriteDest && f.dip !== dip)) {
    if (f.dip !== dip) changed = true;
    f.dip = dip;
  }
  if (f.dport === 0 || (overwriteDest && f.dport !== dport)) {
    if (f.dport !== dport) changed = true;
    f.dport = dport;
  }
  return changed;
}

function swapAddresses(f: FdInfo): void {
  const ip = f.sip;
  const port = f.sport;
  f.sip = f.dip;
  f.sport = f.dport;
  f.dip = ip;
  f.dport = port;
}

function isUdp(f: FdInfo): boolean {
  return (f.scapType === FdType.IPV4_SOCK || f.scapType === FdType.IPV6_SOCK) && f.l4proto === L4_UDP;
}

function parseBindExit(c: ParseContext, ev: EventView): void {
  const f = c.fd;
  if (f === undefined || retval(c) < 0) return;
  const a = pick(c, ev, 'addr', false) ? readSockaddr(bytes(pickSrc!, pickIdx), ev.le) : undefined;
  if (a === undefined) return;
  if ((a.family === PPM_AF_INET || a.family === PPM_AF_INET6) && a.dport > 0) {
    setFdType(f, a.family === PPM_AF_INET || a.v4mapped ? FdType.IPV4_SERVSOCK : FdType.IPV6_SERVSOCK);
    f.sip = a.dip;
    f.sport = a.dport;
    f.listening = true;
    setRole(f, 'server');
  }
  f.name = sockaddrText(a);
}

function parseConnectExit(c: ParseContext, ev: EventView): void {
  const f = c.fd;
  if (c.thread === undefined || f === undefined) return;
  const res = retval(c);
  if (res < 0 && res !== -EINPROGRESS) {
    f.flags |= FD_FLAG_CONNECTION_FAILED;
    return;
  }
  f.flags = (f.flags & ~(FD_FLAG_CONNECTION_PENDING | FD_FLAG_CONNECTION_FAILED)) | FD_FLAG_SOCKET_CONNECTED;
  const e = c.enter();
  let enterAddr: Addr | undefined;
  if (e !== undefined) enterAddr = readSockaddr(bytes(e, IX.addr[c.enterType()]!), ev.le);
  const s = c.src;
  const tupleBytes = bytes(s, IX.tuple[ev.type]!);
  if (tupleBytes === undefined) {
    if (enterAddr === undefined) return;
    if (enterAddr.family === PPM_AF_INET || enterAddr.family === PPM_AF_INET6) {
      setFdType(f, enterAddr.family === PPM_AF_INET || enterAddr.v4mapped ? FdType.IPV4_SOCK : FdType.IPV6_SOCK);
      f.dip = enterAddr.dip;
      f.dport = enterAddr.dport;
    } else {
      f.name = sockaddrText(enterAddr);
    }
    return;
  }
  const tuple = readTuple(tupleBytes, ev.le);
  if (tuple === undefined) return;
  const exitAddr = readSockaddr(bytes(s, IX.addr[ev.type]!), ev.le);
  if (tuple.family === PPM_AF_INET || tuple.family === PPM_AF_INET6) {
    let dip = tuple.dip;
    let dport = tuple.dport;
    if (exitAddr !== undefined && enterAddr !== undefined && exitAddr.dip === tuple.dip && exitAddr.dport === tuple.dport) {
      dip = enterAddr.dip;
      dport = enterAddr.dport;
    }
    const newType = tuple.family === PPM_AF_INET || tuple.v4mapped ? FdType.IPV4_SOCK : FdType.IPV6_SOCK;
    const same = f.scapType === newType;
    setFdType(f, newType);
    const changed = setAddresses(f, tuple.sip, tuple.sport, dip, dport, true, same);
    if (changed && f.role === 'server' && isUdp(f)) swapAddresses(f);
    refreshSocketName(f);
  } else {
    if (f.kind !== 'unix') return;
    let dpath = tuple.path;
    if (exitAddr !== undefined && enterAddr !== undefined && exitAddr.path === tuple.path) dpath = enterAddr.path;
    f.unixSource = tuple.src;
    f.unixDest = tuple.dst;
    f.name = unixTupleName(tuple.src, tuple.dst, dpath);
  }
  if (f.role === 'none') setRole(f, 'client');
}

const ACCEPT4_6_X = code('SOCKET_ACCEPT4_6_X');

function parseAcceptExit(c: ParseContext, ev: EventView): void {
  const t = c.thread;
  if (t === undefined) return;
  const fd = retval(c);
  if (fd < 0) return;
  t.lastEventFd = fd;
  const tb = bytes(c.src, IX.tuple[ev.type]!);
  const a = readTuple(tb, ev.le);
  if (a === undefined) return;
  const f = new FdInfo();
  if (a.family === PPM_AF_INET || a.family === PPM_AF_INET6) {
    setFdType(f, a.family === PPM_AF_INET || a.v4mapped ? FdType.IPV4_SOCK : FdType.IPV6_SOCK);
    f.sip = a.sip;
    f.sport = a.sport;
    f.dip = a.dip;
    f.dport = a.dport;
    f.l4proto = L4_TCP;
    f.name = `${a.sip}:${a.sport}->${a.dip}:${a.dport}`;
  } else {
    setFdType(f, FdType.UNIX_SOCK);
    f.unixSource = a.src;
    f.unixDest = a.dst;
    f.name = unixTupleName(a.src, a.dst, a.path);
  }
  if (ev.type === ACCEPT4_6_X) f.openFlags = pInt(c, ev, 'flags', 0, false) & PPM_O_CLOEXEC;
  f.flags = 0;
  setRole(f, 'server');
  f.flags |= FD_FLAG_SOCKET_CONNECTED;
  f.openTs = ev.ts;
  c.fd = addFdTo(c, t, fd, f);
}

/** Index of the `tuple` parameter by event code (-1 when the schema has none). */
const TUPLE_IDX: Int16Array = Int16Array.from(EVENT_TABLE.map((e) => e.params.findIndex((q) => q.name === 'tuple')));

/** read/recv family and write/send family: tuple inference on sockets (libsinsp parse_rw_exit). */
function rwParser(incoming: boolean, inferSocket: boolean): Parser {
  return (c, ev) => {
    const t = c.thread;
    if (t === undefined) return;
    if (c.fd === undefined && inferSocket && retval(c) >= 0) {
      // send*/sendto/sendmsg on an fd we never saw created: assume a UDP socket.
      if (pick(c, ev, 'tuple')) {
        const tb = bytes(pickSrc!, pickIdx);
        const fam = tb !== undefined ? tb[0] : undefined;
        const fd = int(c.src, IX.fd[ev.type]!, -1);
        if ((fam === PPM_AF_INET || fam === PPM_AF_INET6) && fd >= 0) addSocket(c, t, fd, fam, SOCK_DGRAM, IPPROTO_UDP, 0, ev.ts);
      }
    }
    const f = c.fd;
    if (f === undefined) return;
    if (retval(c) < 0) return;
    if (f.scapType === FdType.IPV4_SOCK || f.scapType === FdType.IPV6_SOCK) f.flags |= FD_FLAG_SOCKET_CONNECTED;
    const ti = TUPLE_IDX[ev.type]!;
    if (has(c.src, ti)) {
      pickSrc = c.src;
      pickIdx = ti;
    } else if (ti < 0 || !pick(c, ev, 'tuple')) return;
    if (!(f.name === '' || !(f.l4proto === L4_TCP && (f.kind === 'ipv4' || f.kind === 'ipv6')))) return;
    const a = readTuple(bytes(pickSrc!, pickIdx), ev.le);
    if (a === undefined) return;
    if (a.family === PPM_AF_INET || a.family === PPM_AF_INET6) {
      if (f.scapType === FdType.IPV4_SERVSOCK || f.scapType === FdType.IPV6_SERVSOCK) {
        f.listening = false;
      }
      const newType = a.family === PPM_AF_INET || a.v4mapped ? FdType.IPV4_SOCK : FdType.IPV6_SOCK;
      const same = f.scapType === newType;
      setFdType(f, newType);
      if (!setAddresses(f, a.sip, a.sport, a.dip, a.dport, false, same)) return;
      if (f.role === 'none') setRole(f, incoming ? 'server' : 'client');
      if (f.role === 'client' && incoming) swapAddresses(f);
      refreshSocketName(f);
    } else if (a.family === PPM_AF_UNIX) {
      f.unixSource = a.src;
      f.unixDest = a.dst;
      f.name = unixTupleName(a.src, a.dst, a.path);
    }
  };
}

// ---------------------------------------------------------------------------------------
// Process attributes
// ---------------------------------------------------------------------------------------

function parseChdirExit(c: ParseContext, ev: EventView): void {
  const t = c.thread;
  if (retval(c) < 0 || t === undefined) return;
  updateCwd(c, t, pStr(c, ev, 'path'));
}

function parseFchdirExit(c: ParseContext): void {
  const t = c.thread;
  if (retval(c) < 0 || t === undefined || c.fd === undefined) return;
  updateCwd(c, t, c.fd.name);
}

function parseGetcwdExit(c: ParseContext, ev: EventView): void {
  const t = c.thread;
  if (retval(c) < 0 || t === undefined) return;
  updateCwd(c, t, pStr(c, ev, 'path'));
}

/** libsinsp update_cwd: joins with the thread's own cwd and stores on the main thread, with a trailing '/'. */
function updateCwd(c: ParseContext, t: ThreadInfo, path: string): void {
  const m = c.threads.main(t);
  if (m === undefined) return;
  let cwd = concatPaths(t.cwd, path);
  if (!cwd.endsWith('/')) cwd += '/';
  m.cwd = cwd;
}

function setUser(c: ParseContext, ev: EventView, name: string): void {
  if (retval(c) !== 0) return;
  const t = c.thread;
  if (t === undefined || !pick(c, ev, name, false)) return;
  t.uid = uint(pickSrc!, pickIdx);
}

function setGroup(c: ParseContext, ev: EventView, name: string): void {
  if (retval(c) !== 0) return;
  const t = c.thread;
  if (t === undefined || !pick(c, ev, name, false)) return;
  t.gid = uint(pickSrc!, pickIdx);
}

function parsePrctlExit(c: ParseContext, ev: EventView): void {
  if (retval(c) < 0) return;
  const t = c.thread;
  if (t === undefined || t.invalid) return;
  const opt = pUint(c, ev, 'option');
  if (opt !== PPM_PR_SET_CHILD_SUBREAPER && opt !== PPM_PR_GET_CHILD_SUBREAPER) return;
  const g = c.threads.group(t);
  if (g !== undefined) g.reaper = pInt(c, ev, 'arg2_int') !== 0;
}

function parseCapsetExit(c: ParseContext, ev: EventView): void {
  const t = c.thread;
  if (t === undefined || retval(c) < 0) return;
  t.capInheritable = u64(c.src, IX.cap_inheritable[ev.type]!);
  t.capPermitted = u64(c.src, IX.cap_permitted[ev.type]!);
  t.capEffective = u64(c.src, IX.cap_effective[ev.type]!);
}

function parseChrootExit(c: ParseContext, ev: EventView): void {
  const t = c.thread;
  if (t === undefined || retval(c) !== 0) return;
  const path = pStr(c, ev, 'path');
  t.root = concatPaths(c.threads.cwd(t), path);
}

function parseSetsidExit(c: ParseContext): void {
  const t = c.thread;
  const res = retval(c);
  if (t === undefined || res < 0) return;
  t.sid = res;
}

function parseRlimitExit(c: ParseContext, ev: EventView): void {
  const t = c.thread;
  if (t === undefined || retval(c) < 0) return;
  const PPM_RLIMIT_NOFILE = 7;
  if (pUint(c, ev, 'resource') !== PPM_RLIMIT_NOFILE) return;
  const cur = int(c.src, IX.cur[ev.type]!, -1);
  if (cur === -1) return;
  const m = c.threads.main(t);
  if (m !== undefined) m.fdlimit = cur;
}

function parsePrlimitExit(c: ParseContext, ev: EventView): void {
  const t = c.thread;
  if (t === undefined || retval(c) !== 0) return;
  const PPM_RLIMIT_NOFILE = 7;
  if (!pick(c, ev, 'resource', false) || uint(pickSrc!, pickIdx) !== PPM_RLIMIT_NOFILE) return;
  const cur = int(c.src, IX.newcur[ev.type]!, -1);
  if (cur === -1) return;
  if (!pick(c, ev, 'pid', false)) return;
  let tid = int(pickSrc!, pickIdx);
  if (tid === 0) tid = ev.tid;
  const target = c.threads.get(tid);
  if (target === undefined || target.invalid) return;
  const m = c.threads.main(target);
  if (m !== undefined) m.fdlimit = cur;
}

function parseBrkMmapExit(c: ParseContext): void {
  const t = c.thread;
  if (t === undefined) return;
  const s = c.src;
  if (has(s, 1)) t.vmsizeKb = uint(s, 1);
  if (has(s, 3)) {
    t.vmrssKb = uint(s, 2);
    t.vmswapKb = uint(s, 3);
  }
}

/** SCHEDSWITCH_6_E (the engine calls it directly: it is one of the most frequent events). */
export function parseSchedSwitch(c: ParseContext, ev: EventView): void {
  const t = c.thread;
  if (t === undefined || !c.memoryCounters) return;
  // One of the most frequent events: read straight from the view (its parameter offsets
  // are already known), not through the ParamSource interface.
  if (ev.nparams <= 5 || ev.paramLen(5) === 0) return;
  t.pfmajor = viewInt(ev, 1);
  t.pfminor = viewInt(ev, 2);
  const m = c.threads.main(t);
  if (m !== undefined) {
    m.vmsizeKb = viewUint(ev, 3);
    m.vmrssKb = viewUint(ev, 4);
    m.vmswapKb = viewUint(ev, 5);
  }
}

// ---------------------------------------------------------------------------------------
// Metaevents: users, groups, containers
// ---------------------------------------------------------------------------------------

function parseUserEvt(added: boolean): Parser {
  return (c, ev) => {
    const s = c.src;
    const uid = uint(s, 0);
    const cid = str(s, 5);
    if (added) c.users.addUser(cid, { uid, gid: uint(s, 1), name: str(s, 2), homedir: str(s, 3), shell: str(s, 4) });
    else c.users.removeUser(cid, uid);
    void ev;
  };
}

function parseGroupEvt(added: boolean): Parser {
  return (c) => {
    const s = c.src;
    const gid = uint(s, 0);
    const cid = str(s, 2);
    if (added) c.users.addGroup(cid, { gid, name: str(s, 1) });
    else c.users.removeGroup(cid, gid);
  };
}

function parseContainerJsonEvt(c: ParseContext, ev: EventView): void {
  const info = c.containers.addJson(JSON_TEXT.get(c.src, 0), ev.ts);
  if (info === undefined) return;
  c.thread = c.containerThread(info.id);
}

function parseContainerEvt(c: ParseContext, ev: EventView): void {
  const s = c.src;
  const id = str(s, 0);
  if (id === '') return;
  const old = c.containers.get(id);
  const info = old ?? c.containers.ensure(id, 'docker');
  c.containers.changed();
  info.type = ['docker', 'lxc', 'libvirt-lxc', 'mesos', 'rkt', 'custom', 'cri', 'containerd', 'cri-o', 'bpm', 'static', 'podman'][uint(s, 1)] ?? 'unknown';
  info.name = str(s, 2);
  info.image = str(s, 3);
  c.thread = c.containerThread(id);
  void ev;
}

// ---------------------------------------------------------------------------------------
// The dispatch table
// ---------------------------------------------------------------------------------------

/** Parsers by PPME code (undefined: the event changes no state). */
export const PARSERS: readonly (Parser | undefined)[] = (() => {
  const t: (Parser | undefined)[] = new Array(EVENT_TABLE.length).fill(undefined);
  const on = (ids: readonly string[], p: Parser): void => {
    for (const id of ids) {
      const c = ppmeCode(id);
      if (c !== undefined) t[c] = p;
    }
  };
  on(['SYSCALL_CLONE_11_X', 'SYSCALL_CLONE_16_X', 'SYSCALL_CLONE_17_X', 'SYSCALL_CLONE_20_X', 'SYSCALL_FORK_X', 'SYSCALL_FORK_17_X', 'SYSCALL_FORK_20_X', 'SYSCALL_VFORK_X', 'SYSCALL_VFORK_17_X', 'SYSCALL_VFORK_20_X', 'SYSCALL_CLONE3_X'], parseCloneExit);
  on(['SYSCALL_EXECVE_8_X', 'SYSCALL_EXECVE_13_X', 'SYSCALL_EXECVE_14_X', 'SYSCALL_EXECVE_15_X', 'SYSCALL_EXECVE_16_X', 'SYSCALL_EXECVE_17_X', 'SYSCALL_EXECVE_18_X', 'SYSCALL_EXECVE_19_X', 'SYSCALL_EXECVEAT_X'], parseExecveExit);
  on(['PROCEXIT_E', 'PROCEXIT_1_E'], parseProcexit);
  on(['SYSCALL_OPEN_X', 'SYSCALL_CREAT_X', 'SYSCALL_OPENAT_X', 'SYSCALL_OPENAT_2_X', 'SYSCALL_OPENAT2_X', 'SYSCALL_OPEN_BY_HANDLE_AT_X'], parseOpenExit);
  on(['SYSCALL_CLOSE_X'], parseCloseExit);
  on(['SYSCALL_CLOSE_RANGE_X'], parseCloseRangeExit);
  on(['SYSCALL_DUP_X', 'SYSCALL_DUP_1_X', 'SYSCALL_DUP2_X', 'SYSCALL_DUP3_X'], parseDupExit);
  on(['SYSCALL_FCNTL_X'], parseFcntlExit);
  on(['SYSCALL_PIPE_X', 'SYSCALL_PIPE2_X'], parsePipeExit);
  on(['SYSCALL_EVENTFD_X'], singleFd(FdType.EVENT));
  on(['SYSCALL_EVENTFD2_X'], singleFd(FdType.EVENT, 'flags'));
  on(['SYSCALL_SIGNALFD_X'], singleFd(FdType.SIGNALFD));
  on(['SYSCALL_SIGNALFD4_X'], singleFd(FdType.SIGNALFD, 'flags'));
  on(['SYSCALL_TIMERFD_CREATE_X'], singleFd(FdType.TIMERFD, 'flags'));
  on(['SYSCALL_INOTIFY_INIT_X'], singleFd(FdType.INOTIFY));
  on(['SYSCALL_INOTIFY_INIT1_X'], singleFd(FdType.INOTIFY, 'flags'));
  on(['SYSCALL_BPF_2_X'], singleFd(FdType.BPF));
  on(['SYSCALL_USERFAULTFD_X'], singleFd(FdType.USERFAULTFD));
  on(['SYSCALL_IO_URING_SETUP_X'], singleFd(FdType.IOURING));
  on(['SYSCALL_EPOLL_CREATE_X'], singleFd(FdType.EVENTPOLL));
  on(['SYSCALL_EPOLL_CREATE1_X'], singleFd(FdType.EVENTPOLL, 'flags', true));
  on(['SYSCALL_MEMFD_CREATE_X'], parseMemfdExit);
  on(['SYSCALL_PIDFD_OPEN_X'], parsePidfdOpenExit);
  on(['SYSCALL_PIDFD_GETFD_X'], parsePidfdGetfdExit);
  on(['SYSCALL_UNSHARE_X', 'SYSCALL_SETNS_X'], parseUnshareSetnsExit);
  on(['SOCKET_SOCKET_X'], parseSocketExit);
  on(['SOCKET_SOCKETPAIR_X'], parseSocketpairExit);
  on(['SOCKET_BIND_X'], parseBindExit);
  on(['SOCKET_CONNECT_X'], parseConnectExit);
  on(['SOCKET_ACCEPT_X', 'SOCKET_ACCEPT4_X', 'SOCKET_ACCEPT_5_X', 'SOCKET_ACCEPT4_5_X', 'SOCKET_ACCEPT4_6_X'], parseAcceptExit);
  on(['SYSCALL_READ_X', 'SYSCALL_READV_X', 'SYSCALL_PREAD_X', 'SYSCALL_PREADV_X', 'SOCKET_RECV_X', 'SOCKET_RECVFROM_X', 'SOCKET_RECVMSG_X', 'SOCKET_RECVMMSG_X'], rwParser(true, false));
  on(['SYSCALL_WRITE_X', 'SYSCALL_WRITEV_X', 'SYSCALL_PWRITE_X', 'SYSCALL_PWRITEV_X', 'SOCKET_SENDMMSG_X'], rwParser(false, false));
  on(['SOCKET_SEND_X', 'SOCKET_SENDTO_X', 'SOCKET_SENDMSG_X'], rwParser(false, true));
  on(['SYSCALL_CHDIR_X'], parseChdirExit);
  on(['SYSCALL_FCHDIR_X'], parseFchdirExit);
  on(['SYSCALL_GETCWD_X'], parseGetcwdExit);
  on(['SYSCALL_SETUID_X'], (c, ev) => setUser(c, ev, 'uid'));
  on(['SYSCALL_SETRESUID_X', 'SYSCALL_SETREUID_X'], (c, ev) => setUser(c, ev, 'euid'));
  on(['SYSCALL_SETGID_X'], (c, ev) => setGroup(c, ev, 'gid'));
  on(['SYSCALL_SETRESGID_X', 'SYSCALL_SETREGID_X'], (c, ev) => setGroup(c, ev, 'egid'));
  on(['SYSCALL_PRCTL_X'], parsePrctlExit);
  on(['SYSCALL_CAPSET_X'], parseCapsetExit);
  on(['SYSCALL_CHROOT_X'], parseChrootExit);
  on(['SYSCALL_SETSID_X'], parseSetsidExit);
  on(['SYSCALL_GETRLIMIT_X', 'SYSCALL_SETRLIMIT_X'], parseRlimitExit);
  on(['SYSCALL_PRLIMIT_X'], parsePrlimitExit);
  on(['SYSCALL_BRK_4_X', 'SYSCALL_MMAP_X', 'SYSCALL_MMAP2_X', 'SYSCALL_MUNMAP_X'], parseBrkMmapExit);
  on(['SCHEDSWITCH_6_E'], parseSchedSwitch);
  on(['USER_ADDED_E'], parseUserEvt(true));
  on(['USER_DELETED_E'], parseUserEvt(false));
  on(['GROUP_ADDED_E'], parseGroupEvt(true));
  on(['GROUP_DELETED_E'], parseGroupEvt(false));
  on(['CONTAINER_JSON_E', 'CONTAINER_JSON_2_E'], parseContainerJsonEvt);
  on(['CONTAINER_E'], parseContainerEvt);
  return t;
})();

/**
 * Enter events kept until their exit: those whose exit has a parser and that carry
 * parameters (old exit versions lack some of them; open/openat/execve/connect exits
 * always consult them).
 */
const NO_STORE = new Set(['read', 'write', 'readv', 'writev', 'pread', 'pwrite', 'preadv', 'pwritev', 'recv', 'send', 'recvfrom', 'recvmsg', 'recvmmsg', 'sendmmsg', 'mmap', 'mmap2', 'munmap', 'brk', 'switch', 'close']);

export const STORE_ENTER: Uint8Array = (() => {
  const s = new Uint8Array(EVENT_TABLE.length);
  for (let k = 0; k + 1 < EVENT_TABLE.length; k += 2) {
    const e = EVENT_TABLE[k]!;
    if (e.direction !== '>' || e.params.length === 0) continue;
    if (PARSERS[k + 1] !== undefined && (e.flags & EventFlags.UNUSED) === 0 && !NO_STORE.has(e.name)) s[k] = 1;
  }
  return s;
})();

/** Enter-event fd parameter positions by code (libscap get_enter_event_fd_location), read per event. */
export const ENTER_FD_LOCATION: Int8Array = Int8Array.from(EVENT_TABLE.map((e) => (e.name === 'mmap' || e.name === 'mmap2' ? 4 : e.name === 'splice' ? 1 : 0)));

/** Enter-event fd parameter positions (libscap get_enter_event_fd_location). */
export function enterFdLocation(type: number): number {
  return ENTER_FD_LOCATION[type] ?? 0;
}

const EXIT_FD_1 = new Set(['setns', 'listen', 'shutdown', 'fchdir', 'lseek', 'llseek', 'ioctl', 'fstat', 'close', 'getdents', 'getdents64', 'flock', 'copy_file_range', 'fcntl', 'dup', 'dup2', 'dup3', 'newfstatat', 'fchownat', 'fchmodat', 'mkdirat', 'unlinkat', 'mknodat', 'sendmmsg', 'recvmmsg', 'io_uring_register', 'io_uring_enter', 'setsockopt', 'getsockopt', 'fsconfig', 'finit_module', 'fchmod', 'fchown']);
const EXIT_FD_2 = new Set(['read', 'pread', 'bind', 'write', 'pwrite', 'recv', 'send', 'sendto', 'sendmsg', 'sendfile', 'splice', 'writev', 'pwritev', 'connect', 'symlinkat']);
const EXIT_FD_3 = new Set(['recvfrom', 'readv', 'preadv']);

/** Exit-event fd parameter positions (libscap get_exit_event_fd_location), -1 for none. */
export const EXIT_FD_LOCATION: Int8Array = (() => {
  const a = new Int8Array(EVENT_TABLE.length).fill(-1);
  for (const e of EVENT_TABLE) {
    if (e.direction !== '<' || (e.flags & EventFlags.USES_FD) === 0 || (e.flags & EventFlags.OLD_VERSION) !== 0) continue;
    const fdI = e.params.findIndex((p) => p.name === 'fd' || p.name === 'oldfd');
    let loc = -1;
    if (EXIT_FD_1.has(e.name)) loc = 1;
    else if (EXIT_FD_2.has(e.name)) loc = 2;
    else if (EXIT_FD_3.has(e.name)) loc = 3;
    else if (e.name === 'recvmsg') loc = 5;
    else if (e.name === 'mmap' || e.name === 'mmap2') loc = 8;
    // Sanity: the position must hold an fd in our schema (it does for every current version).
    if (loc >= 0 && loc < e.params.length) a[e.code] = loc;
    else if (fdI >= 0 && loc >= 0) a[e.code] = fdI;
  }
  return a;
})();
