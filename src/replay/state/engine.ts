/**
 * HostState: the host as libsinsp rebuilds it while reading a capture. Feed it the state
 * blocks and the events in file order; after `applyEvent(ev)`, `thread` and `fd` are what
 * libsinsp's event would carry (evt.get_tinfo() / evt.get_fd_info()) for field extraction.
 *
 * Per-event flow (sinsp::next + sinsp_parser::reset + process_event):
 *  1. delayed removals from the previous event (closed fds, exited threads);
 *  2. thread lookup: unknown tids get an "invalid" placeholder thread, except for clone /
 *     fork exits, procexit and scheduler switches, which only look up;
 *  3. enter events record their type and fd on the thread; exit events pair with the
 *     recorded enter (same syscall) and find their fd (the enter's fd, else the exit's fd
 *     parameter);
 *  4. the parser of the event's code, if any;
 *  5. enter events whose exit needs them are stored on the thread;
 *  6. the thread's last-event timestamps.
 */
import type { RawStateBlock } from '../../scap/reader.js';
import { decodeStateBlock, type MachineInfo, type StateBlock } from '../../scap/blocks/index.js';
import type { EventView } from '../../scap/event.js';
import { EVENT_TABLE, ppmeCode } from '../../scap/event-table.js';
import { EventFlags } from '../../scap/schema.js';
import { ContainerTable, containerFromCgroups } from './containers.js';
import { has, StoredSource, storeEnter, viewInt, ViewSource, type ParamSource } from './evparams.js';
import { addFd, FD_FLAG_FROM_PROC, fdFromEntry, setRole, tupleName } from './fds.js';
import { FdType } from '../../scap/blocks/fdlist.js';
import { FdInfo, ThreadInfo, TS_ENTER_HI, TS_LAST_HI, TS_PREV_HI, type InterfaceInfo } from './model.js';
import { ENTER_FD_LOCATION, EXIT_FD_LOCATION, PARSERS, parseSchedSwitch, STORE_ENTER, type ParseContext } from './parsers.js';
import { ThreadTable, type ThreadTableOptions } from './threads.js';
import { UserTable } from './users.js';

export interface HostStateOptions extends ThreadTableOptions {
  /** Per-process fd cap (default 4096, libsinsp MAX_FD_TABLE_SIZE). */
  maxFdsPerProcess?: number;
  /**
   * Reproduce sysdig 0.29 (libsinsp 0.9) where it differs from current libsinsp: threads
   * made up for unknown tids get pid = tid (not -1) and count as main threads, parents
   * missing from the table are kept (not reset to 0), and mmap/mmap2 do not refer to
   * their fd. Off by default (current libsinsp).
   */
  sysdig029?: boolean;
  /**
   * Keep the memory and page-fault counters that every scheduler switch carries (the
   * fields in MEMORY_COUNTER_FIELDS read them). Default true; a replay whose rules and
   * outputs read none of those fields turns it off and skips that parsing on a quarter of
   * all events.
   */
  memoryCounters?: boolean;
}

const code = (id: string): number => ppmeCode(id) ?? -1;
const PROCINFO_E = code('PROCINFO_E');
const SCHEDSWITCH_1_E = code('SCHEDSWITCH_1_E');
const SCHEDSWITCH_6_E = code('SCHEDSWITCH_6_E');
const EXECVE_19_X = code('SYSCALL_EXECVE_19_X');
const EXECVEAT_E = code('SYSCALL_EXECVEAT_E');

/** Codes that only look threads up (never create placeholders): clone/fork exits, procexit, switch. */
const LOOKUP_ONLY: Uint8Array = (() => {
  const a = new Uint8Array(EVENT_TABLE.length);
  for (const e of EVENT_TABLE) {
    if (e.direction === '<' && (e.name === 'clone' || e.name === 'fork' || e.name === 'vfork' || e.name === 'clone3')) a[e.code] = 1;
    if (e.name === 'procexit' || e.name === 'switch') a[e.code] = 1;
  }
  return a;
})();

/** Metaevents that have no thread (libsinsp sets tinfo to null for them). */
const NO_THREAD: Uint8Array = (() => {
  const a = new Uint8Array(EVENT_TABLE.length);
  for (const id of ['USER_ADDED_E', 'USER_DELETED_E', 'GROUP_ADDED_E', 'GROUP_DELETED_E', 'PLUGINEVENT_E', 'ASYNCEVENT_E', 'CONTAINER_JSON_E', 'CONTAINER_JSON_2_E', 'CONTAINER_E']) {
    const c = ppmeCode(id);
    if (c !== undefined) a[c] = 1;
  }
  return a;
})();

const MMAP: Uint8Array = (() => {
  const a = new Uint8Array(EVENT_TABLE.length);
  for (const e of EVENT_TABLE) if (e.name === 'mmap' || e.name === 'mmap2') a[e.code] = 1;
  return a;
})();

// What applyEvent does with an event code, as bits of one table read per event.
const K_NO_THREAD = 1;
const K_SKIP_RESET = 2;
const K_LOOKUP_ONLY = 4;
/** Scheduler switch: no enter/exit pairing. */
const K_SWITCH = 8;
/** The event refers to an fd (EF_USES_FD; not mmap/mmap2 in sysdig 0.29 mode). */
const K_USES_FD = 16;
const K_PARSER = 32;
const K_STORE_ENTER = 64;
/** The thread's last event time moves to "previous" and NOW becomes its last event time. */
function stampLastEvent(t: ThreadInfo, now: Uint32Array): void {
  const w = t.tsWords;
  w[TS_PREV_HI] = w[TS_LAST_HI]!;
  w[TS_PREV_HI + 1] = w[TS_LAST_HI + 1]!;
  w[TS_LAST_HI] = now[0]!;
  w[TS_LAST_HI + 1] = now[1]!;
}

/** SCHEDSWITCH_6_E: the thread's last-event time is left alone. */
const K_KEEP_TIME = 128;
const K_PROCINFO = 256;

function kindTable(legacy: boolean): Uint16Array {
  const a = new Uint16Array(EVENT_TABLE.length);
  for (let c = 0; c < EVENT_TABLE.length; c++) {
    const flags = EVENT_TABLE[c]?.flags ?? 0;
    let k = 0;
    if (NO_THREAD[c]) k |= K_NO_THREAD;
    if (flags & EventFlags.SKIPPARSERESET) k |= K_SKIP_RESET;
    if (LOOKUP_ONLY[c]) k |= K_LOOKUP_ONLY;
    if (c === SCHEDSWITCH_6_E || c === SCHEDSWITCH_1_E) k |= K_SWITCH;
    if (c === SCHEDSWITCH_6_E) k |= K_KEEP_TIME;
    if (flags & EventFlags.USES_FD && !(legacy && MMAP[c])) k |= K_USES_FD;
    if (PARSERS[c] !== undefined) k |= K_PARSER;
    if (STORE_ENTER[c]) k |= K_STORE_ENTER;
    if (c === PROCINFO_E) k |= K_PROCINFO;
    a[c] = k;
  }
  return a;
}
const KIND_CURRENT = kindTable(false);
const KIND_LEGACY = kindTable(true);

const RECENT_RING = 32;

export class HostState implements ParseContext {
  readonly threads: ThreadTable;
  readonly users: UserTable = new UserTable();
  readonly containers: ContainerTable = new ContainerTable();
  interfaces: InterfaceInfo[] = [];
  machine: MachineInfo | undefined;
  bootTs = 0n;
  readonly maxFdsPerProcess: number;

  /** The current event's thread (undefined when libsinsp has none for it). */
  thread: ThreadInfo | undefined;
  /** The fd the current event refers to (libsinsp m_fdinfo), before removal for close. */
  fd: FdInfo | undefined;
  /** The fd number the current event refers to (libsinsp m_lastevent_fd), -1 when none. */
  fdNum = -1;
  /** The current event changed the name of its fd (libsinsp fd name changed: fd.name_changed). */
  fdNameChanged = false;
  /**
   * Called for every event that gets a thread lookup (not EF_SKIPPARSERESET ones), after
   * the lookup and the enter/exit pairing and before the event's parser runs: `thread`,
   * `fd` and `fdNum` are set, the parser's changes are not made yet; returning false
   * skips the parser (libsinsp does not parse an event its filter rejected there). Only
   * called for events that have a parser. The inspect command uses it to run sysdig
   * 0.29's filter where libsinsp did.
   */
  beforeParse: ((ev: EventView) => boolean) | undefined = undefined;
  /** Number of events applied (libsinsp evt.num of the last one). */
  eventCount = 0;

  readonly src: ViewSource = new ViewSource();
  private readonly enterSrc: StoredSource = new StoredSource();
  private enterOk = false;
  private pendingThread = -1;
  private pendingFdTid = -1;
  private readonly pendingFds: number[] = [];
  private readonly recentKeys: number[] = new Array(RECENT_RING).fill(-1);
  private readonly recentPtids: number[] = new Array(RECENT_RING).fill(-1);
  private readonly recentTs: bigint[] = new Array(RECENT_RING).fill(0n);
  private recentIdx = 0;
  private readonly containerThreads: Map<string, ThreadInfo> = new Map();

  constructor(opts: HostStateOptions = {}) {
    this.threads = new ThreadTable(opts);
    this.maxFdsPerProcess = opts.maxFdsPerProcess ?? 4096;
    this.legacy = opts.sysdig029 ?? false;
    this.memoryCounters = opts.memoryCounters ?? true;
    this.threads.legacy = this.legacy;
    this.kinds = this.legacy ? KIND_LEGACY : KIND_CURRENT;
  }

  /** The current event's timestamp as [high, low] 32-bit words (EventView.tsInto). */
  private readonly tsNow: Uint32Array = new Uint32Array(2);
  /** Per-code dispatch bits (K_*) for this engine's mode. */
  private readonly kinds: Uint16Array;

  private readonly legacy: boolean;
  /** See HostStateOptions.memoryCounters; may be changed before the first event. */
  memoryCounters: boolean;
  /** See HostStateOptions.sysdig029. */
  get sysdig029(): boolean {
    return this.legacy;
  }
  /** Sockets from the fd lists still need libsinsp's fix_sockets_coming_from_proc pass. */
  private procSocketsPending = false;
  /** Some of the delayed work below is waiting for the next event (runDeferred). */
  private deferred = false;

  // -------------------------------------------------------------------------------------
  // State blocks
  // -------------------------------------------------------------------------------------

  /** Decodes and applies a raw state block from ScapReader's onBlock. */
  applyRawBlock(b: RawStateBlock): void {
    const d = decodeStateBlock(b.type, b.buf, b.start, b.length, b.section.littleEndian);
    if (d !== undefined) this.applyStateBlock(d);
  }

  applyStateBlock(block: StateBlock): void {
    switch (block.kind) {
      case 'machine':
        this.machine = block.info;
        this.bootTs = block.info.bootTsEpoch;
        break;
      case 'proclist':
        for (const e of block.threads) {
          const t = this.threads.addFromEntry(e);
          if (t !== undefined) {
            const m = containerFromCgroups(t.cgroups);
            if (m !== undefined) {
              t.containerId = m.id;
              this.containers.ensure(m.id, m.type);
            }
          }
        }
        this.threads.linkAfterScan();
        break;
      case 'fdlist': {
        const t = this.threads.get(block.table.tid);
        if (t === undefined) break;
        for (const e of block.table.fds) {
          const f = fdFromEntry(e);
          if (f.scapType === FdType.IPV4_SOCK && (f.sip === '0.0.0.0' || f.dip === '0.0.0.0')) this.inferLocalAddress(f);
          addFd(t.fds, e.fd, f, this.maxFdsPerProcess);
        }
        this.procSocketsPending = true;
        this.deferred = true;
        break;
      }
      case 'iflist':
        this.interfaces = block.interfaces.map((i) => ({ name: i.name, addr: i.addr, netmask: i.netmask, broadcast: i.bcast, family: i.family }));
        break;
      case 'userlist':
        this.users.loadUserList(block.users, block.groups);
        break;
    }
  }

  // -------------------------------------------------------------------------------------
  // Events
  // -------------------------------------------------------------------------------------

  /** Applies the event `ev` (positioned any way: its `tid` getter is read). */
  applyEvent(ev: EventView): void {
    this.apply(ev, ev.tid);
  }

  /**
   * applyEvent for a view that load() or loadEvV2() has just positioned, as the capture
   * readers' loops have it: the thread id comes from its `tidValue` field, with no getter call.
   */
  applyLoadedEvent(ev: EventView): void {
    this.apply(ev, ev.tidValue);
  }

  private apply(ev: EventView, evTid: number): void {
    this.eventCount++;
    const type = ev.type;
    // The timestamp as exact 32-bit halves: no BigInt on the per-event path.
    const now = this.tsNow;
    ev.tsInto(now, 0);
    this.src.bind(ev);
    this.enterOk = false;
    this.fd = undefined;
    this.fdNum = -1;
    this.fdNameChanged = false;
    const threads = this.threads;
    // Work left by the previous event or a state block, or a purge falling due (a flag read
    // and a time compare on most events).
    if (this.deferred || (threads.purgeInactive && threads.purgeDue(now))) this.runDeferred(ev);

    const kind = this.kinds[type] ?? 0;
    if ((kind & (K_SWITCH | K_SKIP_RESET | K_NO_THREAD)) === K_SWITCH) {
      // Scheduler switches (27% of the benchmark capture): lookup only, no enter/exit
      // pairing, no fd; the parser is called directly so it can be inlined here.
      const t = threads.get(evTid);
      this.thread = t;
      const hook = this.beforeParse;
      if (kind & K_PARSER && (hook === undefined || hook(ev) !== false)) parseSchedSwitch(this, ev);
      if (t === undefined) return;
      if ((kind & K_KEEP_TIME) === 0) {
        stampLastEvent(t, now);
      }
      return;
    }
    let t: ThreadInfo | undefined;
    if (kind & K_NO_THREAD) {
      t = undefined;
    } else if (kind & K_SKIP_RESET) {
      t = kind & K_PROCINFO ? threads.get(evTid) : undefined;
      this.thread = t;
      if (kind & K_PARSER) PARSERS[type]!(this, ev);
      if (t !== undefined) {
        stampLastEvent(t, now);
      }
      return;
    } else {
      const tid = evTid;
      t = threads.get(tid);
      if (t === undefined && (kind & K_LOOKUP_ONLY) === 0) t = threads.addInvalid(tid);
    }
    this.thread = t;

    if (t !== undefined) {
      if ((type & 1) === 0) {
        // Enter event.
        t.lastEventFd = -1;
        t.lastEventType = type;
        t.tsWords[TS_ENTER_HI] = now[0]!;
        t.tsWords[TS_ENTER_HI + 1] = now[1]!;
        if (kind & K_USES_FD) {
          const loc = ENTER_FD_LOCATION[type]!;
          if (loc < ev.nparams && ev.paramLen(loc) > 0) {
            const fdNum = viewInt(ev, loc, -1);
            t.lastEventFd = fdNum;
            this.fdNum = fdNum;
            const f = threads.getFd(t, fdNum);
            this.fd = f;
            if (f !== undefined) f.oldName = f.name;
          }
        }
      } else {
        let paired = false;
        if ((type === EXECVE_19_X && t.lastEventType === EXECVEAT_E) || type === t.lastEventType + 1) {
          paired = true;
          t.lastEnterValid = t.lastEnter !== undefined && (t.lastEnter.type === t.lastEventType);
        } else {
          t.lastEnterValid = false;
          // libsinsp 0.9 kept the fd of whatever enter event came last (0 before the first one).
          if (!this.legacy) t.lastEventFd = -1;
          else if (t.lastEventType === -1) t.lastEventFd = 0;
        }
        if (kind & K_USES_FD && this.legacy) {
          // libsinsp 0.9 took the fd of the enter event only, and left an unpaired exit
          // without one (its fd fields still look the thread's last fd up).
          this.fdNum = t.lastEventFd;
          const f = paired ? threads.getFd(t, t.lastEventFd) : undefined;
          this.fd = f;
          if (f !== undefined) f.oldName = f.name;
        } else if (kind & K_USES_FD) {
          if (t.lastEventFd === -1) {
            const loc = EXIT_FD_LOCATION[type]!;
            if (loc >= 0 && loc < ev.nparams && ev.paramLen(loc) > 0) t.lastEventFd = viewInt(ev, loc, -1);
          }
          const fdNum = t.lastEventFd;
          this.fdNum = fdNum;
          const f = threads.getFd(t, fdNum);
          this.fd = f;
          if (f !== undefined) f.oldName = f.name;
        }
        if (t.lastEnterValid) {
          this.enterSrc.st = t.lastEnter;
          this.enterOk = true;
        }
      }
    }

    // Between the thread/fd lookup and the parser (libsinsp runs its filter here for
    // events that do not modify state): see `beforeParse`.
    const hook = this.beforeParse;
    if (kind & K_PARSER && (hook === undefined || hook(ev) !== false)) {
      PARSERS[type]!(this, ev);
      const f = this.fd;
      this.fdNameChanged = f !== undefined && f.name !== f.oldName;
    }

    const cur = this.thread;
    if (cur === undefined) return;
    if ((type & 1) === 0) {
      if (kind & K_STORE_ENTER && cur === t) cur.lastEnter = storeEnter(ev, cur.lastEnter);
    } else {
      // libsinsp event_cleanup: an exit consumes the stored enter event.
      cur.lastEnterValid = false;
      if (cur.lastEnter !== undefined) cur.lastEnter.type = -1;
    }
    if ((kind & K_KEEP_TIME) === 0) {
      stampLastEvent(cur, now);
    }
  }

  /**
   * What earlier events and state blocks left for the start of this one (libsinsp's
   * delayed removals and proc-socket fix-up), and the live-capture purge.
   */
  private runDeferred(ev: EventView): void {
    this.deferred = false;
    const threads = this.threads;
    if (this.procSocketsPending) this.fixProcSockets();
    if (this.pendingThread !== -1) {
      const tid = this.pendingThread;
      this.pendingThread = -1;
      const t = threads.get(tid);
      this.recordExited(tid, t !== undefined ? t.ptid : -1, ev.ts);
      threads.remove(tid);
    }
    if (threads.purgeInactive) threads.maybePurge(ev.ts);
    if (this.pendingFdTid !== -1) {
      const t = threads.get(this.pendingFdTid);
      if (t !== undefined) {
        const table = threads.fdTable(t);
        if (table !== undefined) for (const fd of this.pendingFds) table.delete(fd);
      }
      this.pendingFdTid = -1;
      this.pendingFds.length = 0;
    }
  }

  /**
   * libsinsp sinsp_network_interfaces::update_fd for IPv4 sockets read from /proc with an
   * unspecified end: the missing address is inferred from the interfaces (same address,
   * else same subnet, else the first non-loopback interface).
   */
  private inferLocalAddress(f: FdInfo): void {
    const srcMissing = f.sip === '0.0.0.0';
    const known = srcMissing ? f.dip : f.sip;
    const inferred = inferIpv4(this.interfaces, known);
    if (inferred === known && f.sport === f.dport) return;
    if (srcMissing) f.sip = inferred;
    else f.dip = inferred;
    f.name = tupleName(f.sip, f.sport, f.dip, f.dport);
  }

  /**
   * libsinsp fix_sockets_coming_from_proc: an IPv4 socket read from /proc whose local port
   * is a listening port of the host is the server end: its tuple is swapped so that the
   * client comes first; the others are clients.
   */
  private fixProcSockets(): void {
    this.procSocketsPending = false;
    const ports = new Set<number>();
    for (const t of this.threads.map.values()) for (const f of t.fds.values()) if (f.scapType === FdType.IPV4_SERVSOCK || f.scapType === FdType.IPV6_SERVSOCK) ports.add(f.sport);
    for (const t of this.threads.map.values()) {
      for (const f of t.fds.values()) {
        if (f.scapType !== FdType.IPV4_SOCK || (f.flags & FD_FLAG_FROM_PROC) === 0 || f.role !== 'none') continue;
        if (!ports.has(f.sport)) {
          setRole(f, 'client');
          continue;
        }
        const ip = f.sip;
        const port = f.sport;
        f.sip = f.dip;
        f.sport = f.dport;
        f.dip = ip;
        f.dport = port;
        f.name = tupleName(f.sip, f.sport, f.dip, f.dport);
        setRole(f, 'server');
      }
    }
  }

  // -------------------------------------------------------------------------------------
  // ParseContext
  // -------------------------------------------------------------------------------------

  enter(): ParamSource | undefined {
    return this.enterOk ? this.enterSrc : undefined;
  }

  enterType(): number {
    return this.enterOk ? this.enterSrc.st!.type : -1;
  }

  removeFdLater(tid: number, fd: number): void {
    if (this.pendingFdTid !== tid) {
      this.pendingFds.length = 0;
      this.pendingFdTid = tid;
    }
    this.pendingFds.push(fd);
    this.deferred = true;
  }

  removeThreadLater(tid: number): void {
    this.pendingThread = tid;
    this.deferred = true;
  }

  private recordExited(tid: number, ptid: number, ts: bigint): void {
    this.recentKeys[this.recentIdx] = tid;
    this.recentPtids[this.recentIdx] = ptid;
    this.recentTs[this.recentIdx] = ts;
    this.recentIdx = (this.recentIdx + 1) % RECENT_RING;
  }

  recentlyExited(tid: number, ptid: number, ts: bigint): boolean {
    for (let i = 0; i < RECENT_RING; i++) {
      if (this.recentKeys[i] === tid && this.recentPtids[i] === ptid && ts >= this.recentTs[i]! && ts - this.recentTs[i]! < 2000000000n) return true;
    }
    return false;
  }

  containerThread(id: string): ThreadInfo {
    let t = this.containerThreads.get(id);
    if (t === undefined) {
      t = new ThreadInfo();
      t.tid = -1;
      t.pid = -1;
      t.ptid = 0;
      t.vtid = -1;
      t.vpid = -1;
      t.sid = -1;
      t.comm = `container:${id}`;
      t.exe = '';
      t.containerId = id;
      t.uid = 0;
      t.gid = 0;
      t.cwd = '';
      if (this.legacy) {
        // libsinsp 0.9 (sinsp_container_info::get_tinfo): vtid/vpid -2, loginuid left at 0.
        t.vtid = -2;
        t.vpid = -2;
        t.loginuid = 0;
      }
      this.containerThreads.set(id, t);
    }
    return t;
  }

  // -------------------------------------------------------------------------------------
  // Convenience lookups for field classes
  // -------------------------------------------------------------------------------------

  /** The main thread of the current event's process. */
  mainThread(t: ThreadInfo | undefined = this.thread): ThreadInfo | undefined {
    return t === undefined ? undefined : this.threads.main(t);
  }

  /** The user name of a thread (its container's user table, the host's for the host). */
  userName(t: ThreadInfo): string | undefined {
    const u = this.users.user(t.containerId, t.uid);
    if (u !== undefined) return u.name;
    return t.uid === 0 ? 'root' : undefined;
  }

  groupName(t: ThreadInfo): string | undefined {
    return this.users.group(t.containerId, t.gid)?.name;
  }

  /** Whether a parameter of the current event is present (for field classes that read args). */
  hasParam(i: number): boolean {
    return has(this.src, i);
  }
}


function ipv4Num(s: string): number {
  const p = s.split('.');
  if (p.length !== 4) return 0;
  return ((Number(p[0]) << 24) | (Number(p[1]) << 16) | (Number(p[2]) << 8) | Number(p[3])) >>> 0;
}

/** libsinsp infer_ipv4_address. */
function inferIpv4(ifs: readonly InterfaceInfo[], addr: string): string {
  const a = ipv4Num(addr);
  const v4 = ifs.filter((i) => i.family === 'ipv4');
  for (const i of v4) if (ipv4Num(i.addr) === a) return i.addr;
  for (const i of v4) {
    const m = ipv4Num(i.netmask);
    if (((ipv4Num(i.addr) & m) >>> 0) === ((a & m) >>> 0)) return i.addr;
  }
  for (const i of v4) if (i.addr !== '127.0.0.1') return i.addr;
  return '0.0.0.0';
}
