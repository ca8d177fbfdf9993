/**
 * The thread table, with libsinsp's thread-manager rules: creation from the process list,
 * "invalid" placeholder threads for unknown tids, thread groups (fd table and cwd live on
 * the main thread), parent/children links, reaping with reparenting (same group, then the
 * nearest reaper ancestor, else ptid 0), a size cap that refuses new threads, and an
 * optional inactivity purge (libsinsp runs it on live captures only).
 */
import type { ThreadEntry } from '../../scap/blocks/proclist.js';
import { FdInfo, ThreadInfo } from './model.js';
import { resolvePath } from '../../scap/params.js';

/** libsinsp concatenate_paths: an absolute `path` ignores `base`; both are normalised. */
export function concatPaths(base: string, path: string): string {
  const abs = path.length > 0 && path.charCodeAt(0) === 47; /* / */
  // Most paths are already normal: resolving them would give them back unchanged (after
  // the base), so skip the character-by-character walk.
  if (isNormalPath(path)) return abs ? path : path === '' ? resolvePath(base, '') : base.endsWith('/') ? base + path : resolvePath(base, path);
  return abs ? resolvePath('', path) : resolvePath(base, path);
}

/**
 * True when resolvePath would copy `path` as it is: printable ASCII only, no "//", no
 * "./" (which also covers "../"), no trailing "." and no trailing "/" (except "/" itself).
 */
function isNormalPath(path: string): boolean {
  const n = path.length;
  let prev = 0;
  for (let i = 0; i < n; i++) {
    const c = path.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) return false;
    if (c === 47 && (prev === 47 || prev === 46)) return false;
    prev = c;
  }
  return !(prev === 46 || (prev === 47 && n > 1));
}

export const PPM_CL_CLONE_FILES = 1 << 0;
export const PPM_CL_CLONE_NEWPID = 1 << 6;
export const PPM_CL_CLONE_PARENT = 1 << 8;
export const PPM_CL_CLONE_THREAD = 1 << 13;
export const PPM_CL_CLONE_VFORK = 1 << 27;
export const PPM_CL_CLONE_INVERTED = 1 << 16;
export const PPM_CL_NAME_CHANGED = 1 << 17;
export const PPM_CL_ACTIVE = 1 << 19;
export const PPM_CL_PIPE_SRC = 1 << 21;
export const PPM_CL_PIPE_DST = 1 << 22;
export const PPM_CL_CHILD_IN_PIDNS = 1 << 29;
export const PPM_CL_IS_MAIN_THREAD = 1 << 30;

/** libsinsp's default thread table size (thread_manager.h). */
export const DEFAULT_MAX_THREADS = 262144;
/** libsinsp's defaults for the inactivity purge (sinsp.h): scan every 1200 s, drop threads idle for 1800 s. */
export const DEFAULT_PURGE_INTERVAL_NS = 1200n * 1000000000n;
export const DEFAULT_THREAD_TIMEOUT_NS = 1800n * 1000000000n;

/** Entries of ThreadTable's lookup cache (a power of two). */
const THREAD_CACHE_SIZE = 256;

export interface ThreadTableOptions {
  /** Maximum number of threads; new threads beyond it are not added (default 262144). */
  maxThreads?: number;
  /**
   * Purge threads not seen for `threadTimeoutNs`, scanning every `purgeIntervalNs` of event
   * time. libsinsp does this on live captures only; off by default (offline semantics).
   */
  purgeInactive?: boolean;
  purgeIntervalNs?: bigint;
  threadTimeoutNs?: bigint;
}

/** Per-process data libsinsp keeps in thread_group_info. */
export class ThreadGroup {
  /** Threads of the group, in arrival order. */
  readonly threads: ThreadInfo[] = [];
  /** The group is a reaper: init of a pid namespace, or a child subreaper (prctl). */
  reaper: boolean;
  constructor(
    readonly pid: number,
    reaper: boolean,
  ) {
    this.reaper = reaper;
  }
  aliveCount(): number {
    let n = 0;
    for (const t of this.threads) if (t.alive) n++;
    return n;
  }
}

export class ThreadTable {
  readonly map: Map<number, ThreadInfo> = new Map();
  readonly groups: Map<number, ThreadGroup> = new Map();
  maxThreads: number;
  purgeInactive: boolean;
  purgeIntervalNs: bigint;
  threadTimeoutNs: bigint;
  /** sysdig 0.29 behaviour for made-up threads and unknown parents (see HostStateOptions.sysdig029). */
  legacy = false;
  /** Threads refused because the table was full. */
  dropped = 0;
  private lastPurgeTs = 0n;
  // The next purge time as exact 32-bit halves, so that every event can be tested against
  // it without a BigInt; -1 until the first event sets the schedule.
  private purgeDueHi = -1;
  private purgeDueLo = -1;

  constructor(opts: ThreadTableOptions = {}) {
    this.maxThreads = opts.maxThreads ?? DEFAULT_MAX_THREADS;
    this.purgeInactive = opts.purgeInactive ?? false;
    this.purgeIntervalNs = opts.purgeIntervalNs ?? DEFAULT_PURGE_INTERVAL_NS;
    this.threadTimeoutNs = opts.threadTimeoutNs ?? DEFAULT_THREAD_TIMEOUT_NS;
  }

  get size(): number {
    return this.map.size;
  }

  // A direct-mapped cache of threads found, indexed by the low bits of the tid: a hit is
  // one typed-array compare instead of a Map lookup. Events of many threads interleave
  // across CPUs (on the benchmark capture the tid changes on 41% of events, so a one-entry
  // cache missed that often). Every change to `map` goes through this class, which clears
  // the cache (`forget`); changes are rare next to lookups.
  private readonly cacheKeys: Float64Array = new Float64Array(THREAD_CACHE_SIZE).fill(NaN);
  private readonly cacheVals: (ThreadInfo | undefined)[] = new Array<ThreadInfo | undefined>(THREAD_CACHE_SIZE).fill(undefined);

  /** The thread `tid`, or undefined (libsinsp find_thread). */
  get(tid: number): ThreadInfo | undefined {
    const i = tid & (THREAD_CACHE_SIZE - 1);
    if (this.cacheKeys[i] === tid) return this.cacheVals[i];
    const t = this.map.get(tid);
    if (t !== undefined) {
      this.cacheKeys[i] = tid;
      this.cacheVals[i] = t;
    }
    return t;
  }

  /** Drops the lookup cache; called on every change to `map`. */
  private forget(): void {
    this.cacheKeys.fill(NaN);
    this.cacheVals.fill(undefined);
  }

  /** The main thread of `t`'s process (libsinsp get_main_thread), or undefined. */
  main(t: ThreadInfo): ThreadInfo | undefined {
    if (t.tid === t.pid || (t.flags & PPM_CL_IS_MAIN_THREAD) !== 0) return t;
    const m = this.get(t.pid);
    return m !== undefined && m.isMain ? m : undefined;
  }

  /** The fd table `t` uses: the main thread's when it shares files, else its own. */
  fdTable(t: ThreadInfo): Map<number, FdInfo> | undefined {
    if ((t.flags & PPM_CL_CLONE_FILES) === 0) return t.fds;
    return this.main(t)?.fds;
  }

  /** The fd `fd` of `t`'s process. */
  getFd(t: ThreadInfo, fd: number): FdInfo | undefined {
    if ((t.flags & PPM_CL_CLONE_FILES) === 0) return t.fds.get(fd);
    return this.main(t)?.fds.get(fd);
  }

  /** The working directory of `t` (its main thread's), "./" without a main thread (libsinsp get_cwd). */
  cwd(t: ThreadInfo): string {
    const m = this.main(t);
    return m === undefined ? './' : m.cwd;
  }

  /** The parent process's main thread of `t` (proc.ppid / proc.pname). */
  parent(t: ThreadInfo): ThreadInfo | undefined {
    const m = this.main(t) ?? t;
    const p = this.map.get(m.ptid);
    return p === undefined ? undefined : (this.main(p) ?? p);
  }

  /** Ancestor processes, nearest first, at most `max` (loops are cut). */
  ancestors(t: ThreadInfo, max = 64): ThreadInfo[] {
    const out: ThreadInfo[] = [];
    const seen = new Set<number>([t.tid]);
    let cur = this.parent(t);
    while (cur !== undefined && out.length < max && !seen.has(cur.tid)) {
      seen.add(cur.tid);
      out.push(cur);
      cur = this.parent(cur);
    }
    return out;
  }

  /** The n-th ancestor process (1 = parent), libsinsp get_ancestor_process. */
  ancestor(t: ThreadInfo, n: number): ThreadInfo | undefined {
    let mt = this.main(t);
    for (let i = 0; i < n; i++) {
      if (mt === undefined) return undefined;
      const p = this.map.get(mt.ptid);
      if (p === undefined) return undefined;
      mt = this.main(p);
    }
    return mt;
  }

  /**
   * Adds a thread (libsinsp add_thread). Returns false (and does not add it) when the table
   * is full. `deps` builds the group and parent links.
   */
  add(t: ThreadInfo, deps = true): boolean {
    if (this.map.size >= this.maxThreads && !this.map.has(t.tid)) {
      this.dropped++;
      return false;
    }
    this.forget();
    this.map.set(t.tid, t);
    if (deps) this.createDependencies(t);
    else this.linkFds(t);
    return true;
  }

  /** A placeholder for a tid seen in an event but not in the table (libsinsp's fake thread). */
  addInvalid(tid: number): ThreadInfo | undefined {
    const t = new ThreadInfo();
    t.tid = tid;
    t.pid = this.legacy ? tid : -1;
    t.ptid = -1;
    t.sid = -1;
    t.vpgid = -1;
    t.pgid = -1;
    t.vtid = -1;
    t.vpid = -1;
    t.comm = '<NA>';
    t.exe = '<NA>';
    t.uid = 0xffffffff;
    t.gid = 0xffffffff;
    t.loginuid = 0xffffffff;
    t.cwd = '';
    t.root = '';
    return this.add(t, true) ? t : undefined;
  }

  /** Adds a thread from a process-list entry; links are built by `linkAfterScan`. */
  addFromEntry(e: ThreadEntry): ThreadInfo | undefined {
    const t = new ThreadInfo();
    t.tid = e.tid;
    t.pid = e.pid;
    t.ptid = e.ptid;
    t.sid = e.sid;
    t.vpgid = e.vpgid;
    t.pgid = e.pgid;
    t.comm = e.comm;
    t.exe = e.exe;
    t.exepath = e.exepath;
    t.args = e.args;
    t.env = e.env;
    // libsinsp init(): update_cwd on the thread itself, which only lands on main threads
    // (normalised, with a trailing '/'); other threads keep an empty cwd of their own.
    t.cwd = '';
    t.root = e.root;
    t.fdlimit = e.fdlimit;
    t.flags = e.flags;
    t.uid = e.uid;
    t.gid = e.gid;
    t.loginuid = e.loginuid;
    t.tty = e.tty;
    t.vmsizeKb = e.vmsizeKb;
    t.vmrssKb = e.vmrssKb;
    t.vmswapKb = e.vmswapKb;
    t.pfmajor = e.pfmajor;
    t.pfminor = e.pfminor;
    t.vtid = e.vtid;
    t.vpid = e.vpid;
    t.cgroups = e.cgroups;
    t.pidnsInitStartTs = e.pidnsInitStartTs;
    t.exeWritable = e.exeWritable;
    t.exeUpperLayer = e.exeUpperLayer;
    t.exeLowerLayer = e.exeLowerLayer;
    t.exeFromMemfd = e.exeFromMemfd;
    t.exeIno = e.exeIno;
    t.capInheritable = e.capInheritable;
    t.capPermitted = e.capPermitted;
    t.capEffective = e.capEffective;
    // scap marks the non-main threads it reads from /proc as sharing the main thread's files.
    if (t.tid !== t.pid) t.flags |= PPM_CL_CLONE_THREAD | PPM_CL_CLONE_FILES;
    if (t.isMain) {
      const cwd = concatPaths('', e.cwd);
      t.cwd = cwd.endsWith('/') ? cwd : cwd + '/';
    }
    const prev = this.map.get(t.tid);
    if (prev !== undefined) this.detach(prev);
    return this.add(t, false) ? t : undefined;
  }

  /** libsinsp create_thread_dependencies_after_proc_scan: groups and parents for every thread without a group yet. */
  linkAfterScan(): void {
    for (const t of this.map.values()) if (!this.inGroup(t)) this.createDependencies(t);
  }

  private inGroup(t: ThreadInfo): boolean {
    const g = this.groups.get(t.pid);
    return g !== undefined && g.threads.includes(t);
  }

  /** Points a files-sharing thread's `fds` at its main thread's table (the model's sharing contract). */
  linkFds(t: ThreadInfo): void {
    if ((t.flags & PPM_CL_CLONE_FILES) === 0) return;
    const m = this.main(t);
    if (m !== undefined && m !== t) t.fds = m.fds;
    if (t.isMain) {
      const g = this.groups.get(t.pid);
      if (g !== undefined) for (const o of g.threads) if (o !== t && (o.flags & PPM_CL_CLONE_FILES) !== 0) o.fds = t.fds;
    }
  }

  /** libsinsp create_thread_dependencies: thread group, fd sharing, parent link (ptid 0 when the parent is unknown). */
  createDependencies(t: ThreadInfo): void {
    if (t.invalid && !(this.legacy && t.tid === t.pid)) {
      this.linkFds(t);
      return;
    }
    let g = this.groups.get(t.pid);
    if (g === undefined) {
      g = new ThreadGroup(t.pid, t.pid === 1 || t.vpid === 1);
      this.groups.set(t.pid, g);
    }
    if (!g.threads.includes(t)) {
      if (t.isMain) g.threads.unshift(t);
      else g.threads.push(t);
    }
    this.linkFds(t);
    if (t.isMain) for (const o of g.threads) if (o !== t) this.linkFds(o);
    if (t.pid === 1) return;
    const parent = this.map.get(t.ptid);
    if (parent === undefined || parent.invalid) {
      if (!this.legacy) t.ptid = 0;
      return;
    }
    parent.children.add(t.tid);
  }

  group(t: ThreadInfo): ThreadGroup | undefined {
    const g = this.groups.get(t.pid);
    return g !== undefined && g.threads.includes(t) ? g : undefined;
  }

  private inPidNs(t: ThreadInfo): boolean {
    return (t.flags & PPM_CL_CHILD_IN_PIDNS) !== 0 || (t.tid !== t.vtid && t.vtid >= 0);
  }

  /** libsinsp find_new_reaper: another live thread of the group, else the nearest reaper ancestor's live thread. */
  findNewReaper(t: ThreadInfo): ThreadInfo | undefined {
    const g = this.group(t);
    if (g !== undefined) for (const o of g.threads) if (o.alive && o !== t) return o;
    const seen = new Set<number>([t.tid]);
    let p = this.map.get(t.ptid);
    while (p !== undefined) {
      if (seen.has(p.tid)) break;
      seen.add(p.tid);
      if (this.inPidNs(p) !== this.inPidNs(t)) break;
      const pg = this.group(p);
      if (pg !== undefined && pg.reaper) for (const o of pg.threads) if (o.alive) return o;
      p = this.map.get(p.ptid);
    }
    return undefined;
  }

  private removeChildFromParent(t: ThreadInfo): void {
    this.map.get(t.ptid)?.children.delete(t.tid);
  }

  /** Drops a thread from its group without reparenting (used when a tid is replaced). */
  private detach(t: ThreadInfo): void {
    const g = this.groups.get(t.pid);
    if (g !== undefined) {
      const i = g.threads.indexOf(t);
      if (i >= 0) g.threads.splice(i, 1);
      if (g.threads.length === 0) this.groups.delete(t.pid);
    }
  }

  /** libsinsp remove_thread: marks dead, reparents children, removes the process when its last thread goes. */
  remove(tid: number): void {
    const t = this.map.get(tid);
    if (t === undefined) return;
    this.forget();
    const g = this.group(t);
    if (t.invalid || g === undefined) {
      this.removeChildFromParent(t);
      this.map.delete(tid);
      this.detach(t);
      return;
    }
    t.alive = false;
    if (t.children.size > 0) {
      let reaper: ThreadInfo | undefined;
      if (t.reaperTid > 0) reaper = this.map.get(t.reaperTid);
      if (reaper === undefined || reaper.invalid) reaper = this.findNewReaper(t);
      if (reaper !== undefined) {
        t.reaperTid = reaper.tid;
        if (reaper.pid !== t.pid) {
          const rg = this.group(reaper);
          if (rg !== undefined) rg.reaper = true;
        }
      }
      for (const ctid of t.children) {
        const c = this.map.get(ctid);
        if (c === undefined || c.ptid !== t.tid) continue;
        c.ptid = reaper !== undefined ? reaper.tid : 0;
        if (reaper !== undefined) reaper.children.add(ctid);
      }
      t.children.clear();
    }
    if (g.aliveCount() === 0) {
      this.removeChildFromParent(t);
      this.groups.delete(t.pid);
      const m = this.map.get(t.pid);
      if (m !== undefined && m.pid === t.pid) this.map.delete(t.pid);
      for (const o of g.threads) if (this.map.get(o.tid) === o && o.tid !== tid && !o.isMain) this.map.delete(o.tid);
    }
    if (!t.isMain) {
      this.removeChildFromParent(t);
      if (this.map.get(tid) === t) this.map.delete(tid);
      const i = g.threads.indexOf(t);
      if (i >= 0) g.threads.splice(i, 1);
    }
  }

  /**
   * Whether an event at NOW (the timestamp's [high, low] 32-bit words) is past the next
   * purge time, i.e. maybePurge() has something to do.
   */
  purgeDue(now: Uint32Array): boolean {
    const hi = now[0]!;
    return hi > this.purgeDueHi || (hi === this.purgeDueHi && now[1]! > this.purgeDueLo);
  }

  /** The live-capture purge: every purge interval, drop threads idle longer than the timeout. */
  maybePurge(ts: bigint): number {
    if (!this.purgeInactive) return 0;
    if (this.lastPurgeTs === 0n) {
      this.lastPurgeTs = this.purgeIntervalNs > 30n * 1000000000n ? ts - this.purgeIntervalNs + 30n * 1000000000n : ts - this.purgeIntervalNs;
      this.schedulePurge();
    }
    if (ts <= this.lastPurgeTs + this.purgeIntervalNs) return 0;
    this.lastPurgeTs = ts;
    this.schedulePurge();
    const victims: number[] = [];
    for (const t of this.map.values()) {
      // Threads never seen in an event (process list) count as accessed at the first scan.
      if (t.lastEventTs === 0n && !t.invalid) t.lastEventTs = ts;
      if (t.invalid || ts > t.lastEventTs + this.threadTimeoutNs) victims.push(t.tid);
    }
    for (const tid of victims) this.remove(tid);
    return victims.length;
  }

  private schedulePurge(): void {
    const due = this.lastPurgeTs + this.purgeIntervalNs;
    this.purgeDueHi = Number(due >> 32n);
    this.purgeDueLo = Number(due & 0xffffffffn);
  }

  clear(): void {
    this.forget();
    this.map.clear();
    this.groups.clear();
  }
}
