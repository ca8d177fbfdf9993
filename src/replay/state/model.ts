/**
 * The host state a capture describes, as libsinsp rebuilds it: the contract between the
 * state engine (src/replay/state/*, which mutates it) and the field classes
 * (src/replay/fields/*, which only read it). Plain mutable classes: the hot path reads
 * fields directly, never through getters that allocate.
 */

/** fd types as libsinsp names them in fd.type, and the one-letter code of fd.typechar. */
export type FdKind =
  | 'file'
  | 'directory'
  | 'ipv4'
  | 'ipv6'
  | 'unix'
  | 'pipe'
  | 'event'
  | 'signalfd'
  | 'eventpoll'
  | 'inotify'
  | 'timerfd'
  | 'netlink'
  | 'bpf'
  | 'userfaultfd'
  | 'io_uring'
  | 'memfd'
  | 'pidfd'
  | 'unknown';

/** Which end of a connection the process is (libsinsp's fd flags). */
export type FdRole = 'client' | 'server' | 'none';

export class FdInfo {
  fd = -1;
  kind: FdKind = 'unknown';
  /** fd.name: path, "sip:sport->dip:dport", unix path, "pipe:[ino]", ... */
  name = '';
  /** Open flags as the driver encodes them (PPM_O_*). */
  openFlags = 0;
  dev = 0;
  ino = 0n;
  mountId = 0;
  /** Socket tuple; addresses as text as libsinsp prints them, "" when unknown. */
  sip = '';
  dip = '';
  sport = 0;
  dport = 0;
  /** libscap l4 protocol: 0 unknown, 1 ip, 2 tcp, 3 udp, 4 icmp, 5 raw. */
  l4proto = 0;
  role: FdRole = 'none';
  /** A server socket (listening) as opposed to a connected one. */
  listening = false;
  /** Unix socket kernel addresses. */
  unixSource = 0n;
  unixDest = 0n;
  /** Time the fd was created, ns since the epoch (0 when it came from the fd list). */
  openTs = 0n;
  /** libscap's scap_fd_type code (FdType in src/scap/blocks/fdlist.ts): keeps what `kind` merges (server vs connected sockets, FILE vs FILE_V2). */
  scapType = 0;
  /** libsinsp fd flags (FD_FLAG_* in src/replay/state/fds.ts): from the fd list, socket connected/pending/failed, cloned, ... */
  flags = 0;
  /** Path as the syscall gave it, before it was made absolute (open/openat/creat). */
  nameRaw = '';
  /** For pidfds: the pid the fd refers to (0 otherwise). */
  pid = 0;
  /** The name when the current event looked the fd up (libsinsp m_oldname), for fd.name_changed. */
  oldName = '';
}

/** Positions in ThreadInfo.tsWords: last event, previous event, last enter event (high word, then low word). */
export const TS_LAST_HI = 0;
export const TS_PREV_HI = 2;
export const TS_ENTER_HI = 4;

/** An unsigned 64-bit timestamp from its two 32-bit halves. */
export function tsJoin(hi: number, lo: number): bigint {
  return hi === 0 ? BigInt(lo) : (BigInt(hi) << 32n) | BigInt(lo);
}
/** High 32 bits of an unsigned 64-bit timestamp. */
export function tsHigh(v: bigint): number {
  return Number(BigInt.asUintN(64, v) >> 32n);
}
/** Low 32 bits of an unsigned 64-bit timestamp. */
export function tsLow(v: bigint): number {
  return Number(BigInt.asUintN(32, v));
}

/**
 * A thread. Threads of one process share the process's fd table, cwd and environment
 * through `process` (the main thread: tid === pid); read process-wide data from there.
 */
export class ThreadInfo {
  tid = 0;
  pid = 0;
  ptid = 0;
  sid = 0;
  vpgid = 0;
  pgid = 0;
  vtid = 0;
  vpid = 0;
  comm = '';
  exe = '';
  exepath = '';
  args: string[] = [];
  env: string[] = [];
  cwd = '/';
  root = '/';
  uid = -1;
  gid = -1;
  loginuid = -1;
  tty = 0;
  fdlimit = 0;
  /** PPM_CL_* flags of the clone/execve that made it. */
  flags = 0;
  capInheritable = 0n;
  capPermitted = 0n;
  capEffective = 0n;
  /** "subsystem=path" items. */
  cgroups: string[] = [];
  /** Container id ("" for the host). */
  containerId = '';
  cloneTs = 0n;
  pidnsInitStartTs = 0n;
  exeWritable = false;
  exeUpperLayer = false;
  exeLowerLayer = false;
  exeFromMemfd = false;
  exeIno = 0n;
  vmsizeKb = 0;
  vmrssKb = 0;
  vmswapKb = 0;
  pfmajor = 0;
  pfminor = 0;
  /** The process's fd table (shared by all threads of the process). */
  fds: Map<number, FdInfo> = new Map();
  /** False once the thread has exited (kept briefly so procexit fields still resolve). */
  alive = true;
  /**
   * Per-event timestamps, exact, as 32-bit halves in a typed array: the state engine writes
   * them on every event, and neither a BigInt nor a number above the small-integer range
   * may be allocated per event (a typed array store allocates nothing). Layout: TS_* below;
   * the bigint accessors build a value only when something reads it.
   */
  readonly tsWords: Uint32Array = new Uint32Array(6);
  /** Timestamp of the last event of this thread, ns (for purging inactive threads). */
  get lastEventTs(): bigint {
    return tsJoin(this.tsWords[TS_LAST_HI]!, this.tsWords[TS_LAST_HI + 1]!);
  }
  set lastEventTs(v: bigint) {
    this.tsWords[TS_LAST_HI] = tsHigh(v);
    this.tsWords[TS_LAST_HI + 1] = tsLow(v);
  }
  /** Timestamp of the event before the last one (libsinsp m_prevevent_ts). */
  get prevEventTs(): bigint {
    return tsJoin(this.tsWords[TS_PREV_HI]!, this.tsWords[TS_PREV_HI + 1]!);
  }
  set prevEventTs(v: bigint) {
    this.tsWords[TS_PREV_HI] = tsHigh(v);
    this.tsWords[TS_PREV_HI + 1] = tsLow(v);
  }
  /** Timestamp of the last enter event (for evt.latency on the exit). */
  get lastEnterTs(): bigint {
    return tsJoin(this.tsWords[TS_ENTER_HI]!, this.tsWords[TS_ENTER_HI + 1]!);
  }
  set lastEnterTs(v: bigint) {
    this.tsWords[TS_ENTER_HI] = tsHigh(v);
    this.tsWords[TS_ENTER_HI + 1] = tsLow(v);
  }
  /** Time of the last successful execve, ns (0 when none was seen). */
  lastExecTs = 0n;
  /** Reaper tid reported by procexit (-1 when unknown). */
  reaperTid = -1;
  /** Tids of the threads whose ptid is this thread (libsinsp m_children, kept for reparenting). */
  children: Set<number> = new Set();
  /** True for a thread libsinsp would call invalid: created from an event of a tid it did not know (pid or ptid < 0). */
  get invalid(): boolean {
    return this.tid < 0 || this.pid < 0 || this.ptid < 0;
  }
  /** True for the main thread of its process (tid == pid, or flagged main). */
  get isMain(): boolean {
    return this.tid === this.pid || (this.flags & 0x40000000) !== 0;
  }
  /** Per-thread enter/exit pairing state (libsinsp m_lastevent_type / m_lastevent_fd). */
  lastEventType = -1;
  lastEventFd = -1;
  /** The stored enter event of the syscall in progress (open, openat, execve, connect, ...), owned by the state engine. */
  lastEnter: StoredEnterEvent | undefined = undefined;
  /** Whether `lastEnter` belongs to the current exit event. */
  lastEnterValid = false;
}

/**
 * A copy of an enter event kept on its thread until the matching exit (libsinsp's
 * last_event_data). Only the parameter layout is kept; read it with the helpers in
 * src/replay/state/params.ts.
 */
export interface StoredEnterEvent {
  type: number;
  /** Event bytes in the V2 layout (header, lengths, values); only `len` bytes are valid. */
  buf: Buffer;
  len: number;
  le: boolean;
  nparams: number;
  /** Offsets of the parameter values in `buf`, and their lengths. */
  offsets: Int32Array;
  lengths: Int32Array;
}

export interface UserInfo {
  uid: number;
  gid: number;
  name: string;
  homedir: string;
  shell: string;
}

export interface GroupInfo {
  gid: number;
  name: string;
}

export interface InterfaceInfo {
  name: string;
  /** IPv4 as text, or IPv6 as text. */
  addr: string;
  netmask: string;
  broadcast: string;
  family: 'ipv4' | 'ipv6';
}

export interface ContainerMount {
  source: string;
  dest: string;
  mode: string;
  rw: boolean;
  propagation: string;
}

export interface ContainerInfo {
  id: string;
  /** docker, cri-o, containerd, podman, ... */
  type: string;
  name: string;
  image: string;
  imageId: string;
  imageRepository: string;
  imageTag: string;
  imageDigest: string;
  privileged: boolean | undefined;
  labels: Record<string, string>;
  mounts: ContainerMount[];
  ip: string;
  cpuShares?: number;
  memoryLimit?: number;
  user?: string;
  healthcheck?: string;
  livenessProbe?: string;
  readinessProbe?: string;
  /** Creation time, ns (from the container event). */
  createdTs?: bigint;
  /** Pod sandbox id for CRI containers. */
  podSandboxId?: string;
}
