/**
 * proc.* and thread.*: the process and thread that generated the event, and its ancestors.
 */
import type { ThreadInfo } from '../state/model.js';
import {
  ancestorProcess,
  argsOf,
  cmdlineOf,
  cwdOfThread,
  fdOf,
  envOf,
  envValue,
  fdTypeString,
  forEachParent,
  mainThread,
  oldestMatchingAncestor,
  parentValues,
  type ReplayContext,
  type StateView,
} from './context.js';
import { argField, field, indexArg, type ReplayCompiledField, type ReplayFieldDef } from './def.js';
import { CODES, paramNumber } from './evt.js';
import { FieldArgError, type Extractor, type FieldValue } from './types.js';

const C = 'process';

type T = ThreadInfo;

/** An extractor over the event's thread; NA when the thread is unknown. */
function onThread(get: (t: T, ctx: ReplayContext) => FieldValue | undefined): Extractor<ReplayContext> {
  return (ctx) => {
    const t = ctx.thread;
    return t === undefined ? undefined : get(t, ctx);
  };
}

/** libsinsp should_extract_xid: ids outside [-1, 2^32-1] are hidden. */
function xid(v: number): number | undefined {
  return v >= -1 && v <= 0xffffffff ? v : undefined;
}

export const CAPABILITIES: readonly string[] = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_DAC_READ_SEARCH',
  'CAP_FOWNER',
  'CAP_FSETID',
  'CAP_KILL',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETPCAP',
  'CAP_LINUX_IMMUTABLE',
  'CAP_NET_BIND_SERVICE',
  'CAP_NET_BROADCAST',
  'CAP_NET_ADMIN',
  'CAP_NET_RAW',
  'CAP_IPC_LOCK',
  'CAP_IPC_OWNER',
  'CAP_SYS_MODULE',
  'CAP_SYS_RAWIO',
  'CAP_SYS_CHROOT',
  'CAP_SYS_PTRACE',
  'CAP_SYS_PACCT',
  'CAP_SYS_ADMIN',
  'CAP_SYS_BOOT',
  'CAP_SYS_NICE',
  'CAP_SYS_RESOURCE',
  'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG',
  'CAP_MKNOD',
  'CAP_LEASE',
  'CAP_AUDIT_WRITE',
  'CAP_AUDIT_CONTROL',
  'CAP_SETFCAP',
  'CAP_MAC_OVERRIDE',
  'CAP_MAC_ADMIN',
  'CAP_SYSLOG',
  'CAP_WAKE_ALARM',
  'CAP_BLOCK_SUSPEND',
  'CAP_AUDIT_READ',
  'CAP_PERFMON',
  'CAP_BPF',
  'CAP_CHECKPOINT_RESTORE',
];

const capsCache = new Map<bigint, string>();

/** Capability set as space-separated CAP_* names (libsinsp caps_to_string). */
export function capsToString(caps: bigint): string {
  const hit = capsCache.get(caps);
  if (hit !== undefined) return hit;
  const names: string[] = [];
  for (let i = 0; i < CAPABILITIES.length; i++) if ((caps >> BigInt(i)) & 1n) names.push(CAPABILITIES[i]!);
  const s = names.join(' ');
  if (capsCache.size > 1024) capsCache.clear();
  capsCache.set(caps, s);
  return s;
}

/** libsinsp's ancestor concatenation: a space before each value once the text is non-empty. */
function joinParents(values: readonly string[]): string {
  let s = '';
  for (const v of values) {
    if (s !== '') s += ' ';
    s += v;
  }
  return s;
}

function envJoined(state: StateView, t: T): string {
  return envOf(state, t).join(' ');
}

/**
 * A proc.a* field: with an index, the value of that ancestor process (0 = the process
 * itself); without, every parent is a candidate for conditions ('any'), and outputs print
 * them space-separated (or, for proc.apid, the process's own pid).
 */
function ancestorField(
  name: string,
  type: 'charbuf' | 'int64',
  description: string,
  get: (t: T) => FieldValue,
  opts: { noArgOutputSelf?: boolean; idCheck?: boolean } = {},
): ReplayFieldDef {
  const wrap = (v: FieldValue): FieldValue | undefined => (opts.idCheck && typeof v === 'number' ? xid(v) : v);
  return argField(
    C,
    name,
    type,
    description,
    'optional-index',
    (arg): Extractor<ReplayContext> | ReplayCompiledField => {
      if (arg !== undefined) {
        const n = indexArg(arg, name);
        return onThread((t, ctx) => {
          const a = ancestorProcess(ctx.state, t, n);
          return a === undefined ? undefined : wrap(get(a));
        });
      }
      const all: Extractor<ReplayContext> = onThread((t, ctx) => {
        const vs = parentValues(ctx.state, t, get);
        return vs.length === 0 ? undefined : (vs as FieldValue);
      });
      const output: Extractor<ReplayContext> = opts.noArgOutputSelf
        ? onThread((t, ctx) => {
            const a = ancestorProcess(ctx.state, t, 0);
            return a === undefined ? undefined : wrap(get(a));
          })
        : onThread((t, ctx) => {
            const s = joinParents(parentValues(ctx.state, t, get).map(String));
            return s === '' ? undefined : s;
          });
      return { extract: all, mode: 'any', outputExtract: output };
    },
    { noRhs: true, noTransformer: true },
  );
}

function parentOf(ctx: ReplayContext, t: T): T | undefined {
  return ancestorProcess(ctx.state, t, 1);
}

/** proc.pname / proc.pcmdline: sysdig 0.29 looked up the thread's own parent tid. */
function namedParentOf(ctx: ReplayContext, t: T): T | undefined {
  if (ctx.render.sysdig029 === true) return ctx.state.threads.get(t.ptid);
  return parentOf(ctx, t);
}

function leaderField(
  name: string,
  description: string,
  id: (x: T) => number,
  virtualId: boolean,
  get: (x: T) => string,
): ReplayFieldDef {
  return field(
    C,
    name,
    'charbuf',
    description,
    onThread((t, ctx) => {
      const a = oldestMatchingAncestor(ctx.state, t, id, virtualId);
      return a === undefined ? '' : get(a);
    }),
  );
}

function stdFd(n: 0 | 1 | 2, what: 'type' | 'name'): Extractor<ReplayContext> {
  return onThread((t, ctx) => {
    const f = fdOf(ctx.state, t, n);
    if (f === undefined) return undefined;
    return what === 'type' ? fdTypeString(f.kind) : f.name;
  });
}

function optNumber(t: T, key: string): number | bigint | undefined {
  const v = (t as unknown as Record<string, unknown>)[key];
  return typeof v === 'number' || typeof v === 'bigint' ? v : undefined;
}

function nonZero(v: number | bigint | undefined): number | bigint | undefined {
  if (v === undefined || v === 0 || v === 0n) return undefined;
  return typeof v === 'bigint' && v <= 9007199254740991n ? Number(v) : v;
}

/** Alive threads of the thread's group (libsinsp get_num_threads; 0 without a group). */
function numThreads(state: StateView, t: T): number {
  if (state.threads.group !== undefined) return state.threads.group(t)?.aliveCount() ?? 0;
  let n = 0;
  for (const x of state.threads.map.values()) if (x.pid === t.pid && x.alive) n++;
  return n;
}

/**
 * libsinsp 0.9's m_nchilds of a main thread: the other threads of its process in the
 * thread table (exited ones stay counted until they are removed).
 */
function sysdig029Children(state: StateView, mt: T): number {
  const g = state.threads.group?.(mt) as { readonly threads?: readonly T[] } | undefined;
  const list: Iterable<T> = g?.threads ?? state.threads.map.values();
  let n = 0;
  for (const x of list) if (x.pid === mt.pid && x.tid !== mt.tid && state.threads.get(x.tid) === x) n++;
  return n;
}

/**
 * sysdig 0.29's proc.sname: the thread whose tid is the session id, else the highest
 * ancestor of the process with the same session id (the process itself when its parent
 * differs), whatever the pid namespace.
 */
function sysdig029SessionName(ctx: ReplayContext): FieldValue | undefined {
  const t = ctx.thread;
  if (t === undefined) return undefined;
  const s = ctx.state.threads.get(t.sid);
  if (s !== undefined) return s.comm;
  const mt = mainThread(ctx.state, t);
  if (mt === undefined) return undefined;
  let leader = mt;
  forEachParent(ctx.state, mt, (p) => {
    if (p.sid !== mt.sid) return false;
    leader = p;
    return true;
  });
  return leader.comm;
}

/** A field whose extractor is replaced by `legacy` in the sysdig029 mode. */
function sysdig029Or(def: ReplayFieldDef, legacy: Extractor<ReplayContext>): ReplayFieldDef {
  return {
    ...def,
    compile: (arg) => {
      const cur = def.compile(arg);
      if (typeof cur !== 'function') return cur;
      return (ctx) => (ctx.render.sysdig029 === true ? legacy(ctx) : cur(ctx));
    },
  };
}

function durationFrom(ctx: ReplayContext, start: bigint): number | undefined {
  if (start === 0n) return undefined;
  return Number(ctx.evt.ts - start);
}

/** Per-thread running totals of thread.totexectime, and per-CPU last switch times. */
const lastSwitch = new WeakMap<ReplayContext, Map<number, bigint>>();
const totExec = new WeakMap<T, number>();

function execTime(ctx: ReplayContext): number {
  if (ctx.evt.type !== CODES.SCHEDSWITCH_6_E) return 0;
  let m = lastSwitch.get(ctx);
  if (m === undefined) {
    m = new Map();
    lastSwitch.set(ctx, m);
  }
  const ts = ctx.evt.ts;
  const last = m.get(ctx.evt.cpu) ?? 0n;
  m.set(ctx.evt.cpu, ts);
  return last !== 0n ? Number(ts - last) : 0;
}

/** libsinsp extract_thread_cpu: per extractor, the thread's previous procinfo total. */
function threadCpu(user: boolean, system: boolean): Extractor<ReplayContext> {
  const last = new WeakMap<T, number>();
  return (ctx) => {
    const t = ctx.thread;
    if (t === undefined || ctx.evt.type !== CODES.PROCINFO_E) return undefined;
    const u = user ? (paramNumber(ctx, 0) ?? 0) : 0;
    const s = system ? (paramNumber(ctx, 1) ?? 0) : 0;
    const tot = u + s;
    const prev = last.get(t) ?? 0;
    last.set(t, tot);
    if (prev === 0) return 0;
    return Math.min(100, tot - prev);
  };
}

export const PROC_FIELDS: readonly ReplayFieldDef[] = [
  field(C, 'proc.exe', 'charbuf', 'First command-line argument (argv[0]) of the process, usually the executable as invoked.', onThread((t) => t.exe)),
  field(C, 'proc.pexe', 'charbuf', 'proc.exe of the parent process.', onThread((t, ctx) => parentOf(ctx, t)?.exe)),
  ancestorField('proc.aexe', 'charbuf', 'proc.exe of an ancestor: proc.aexe[1] is the parent, proc.aexe[2] the grandparent; without an index, any ancestor.', (a) => a.exe),
  field(C, 'proc.exepath', 'charbuf', 'Full path of the executable of the process.', onThread((t) => t.exepath)),
  field(C, 'proc.pexepath', 'charbuf', 'proc.exepath of the parent process.', onThread((t, ctx) => parentOf(ctx, t)?.exepath)),
  ancestorField('proc.aexepath', 'charbuf', 'proc.exepath of an ancestor (proc.aexepath[1] = parent); without an index, any ancestor.', (a) => a.exepath),
  // Read in place rather than through onThread: proc.name is the field filters test most.
  field(C, 'proc.name', 'charbuf', 'Name of the executable of the process (its comm, truncated to 15 characters by the kernel).', (ctx) => ctx.thread?.comm),
  field(C, 'proc.pname', 'charbuf', 'proc.name of the parent process.', onThread((t, ctx) => namedParentOf(ctx, t)?.comm)),
  ancestorField('proc.aname', 'charbuf', 'proc.name of an ancestor (proc.aname[1] = parent); without an index, any ancestor.', (a) => a.comm),
  argField(
    C,
    'proc.args',
    'charbuf',
    'Command-line arguments of the process, space-separated; proc.args[N] is argument N (0 = first after argv[0]).',
    'optional-index',
    (arg) => {
      if (arg === undefined) return onThread((t) => argsOf(t));
      const n = indexArg(arg, 'proc.args');
      return onThread((t) => (n < t.args.length ? t.args[n]! : ''));
    },
  ),
  argField(
    C,
    'proc.aargs',
    'charbuf',
    'proc.args of an ancestor (proc.aargs[1] = parent); without an index, all ancestors joined.',
    'optional-index',
    (arg) => {
      if (arg === undefined) {
        return onThread((t, ctx) => {
          const s = joinParents(parentValues(ctx.state, t, (p) => argsOf(p)));
          return s === '' ? undefined : s;
        });
      }
      const n = indexArg(arg, 'proc.aargs');
      return onThread((t, ctx) => {
        const a = ancestorProcess(ctx.state, t, n);
        return a === undefined ? undefined : argsOf(a);
      });
    },
  ),
  field(C, 'proc.cmdline', 'charbuf', 'Full command line: proc.name followed by proc.args.', onThread((t) => cmdlineOf(t))),
  field(C, 'proc.pcmdline', 'charbuf', 'proc.cmdline of the parent process.', onThread((t, ctx) => {
    const p = namedParentOf(ctx, t);
    return p === undefined ? undefined : cmdlineOf(p);
  })),
  ancestorField('proc.acmdline', 'charbuf', 'proc.cmdline of an ancestor (proc.acmdline[1] = parent); without an index, any ancestor.', (a) => cmdlineOf(a)),
  field(C, 'proc.cmdnargs', 'uint64', 'Number of command-line arguments.', onThread((t) => t.args.length)),
  field(C, 'proc.cmdlenargs', 'uint64', 'Total length of the command-line arguments, separators excluded.', onThread((t) => {
    let n = 0;
    for (const a of t.args) n += a.length;
    return n;
  })),
  field(C, 'proc.exeline', 'charbuf', 'Full command line with proc.exe instead of proc.name first.', onThread((t) => `${t.exe} ${argsOf(t)}`)),
  argField(
    C,
    'proc.env',
    'charbuf',
    'Environment variables of the process, space-separated; proc.env[NAME] is the value of one variable.',
    'optional-key',
    (arg) => {
      if (arg === undefined || /^[0-9]+$/.test(arg)) return onThread((t, ctx) => envJoined(ctx.state, t));
      const name = arg;
      return onThread((t, ctx) => envValue(envOf(ctx.state, t), name));
    },
  ),
  argField(
    C,
    'proc.aenv',
    'charbuf',
    "Environment of an ancestor: proc.aenv[NAME] searches the parents for variable NAME, proc.aenv[N] is the N-th parent's environment; without an argument, any parent's.",
    'optional-index-or-key',
    (arg): Extractor<ReplayContext> | ReplayCompiledField => {
      if (arg === undefined) {
        return {
          extract: onThread((t, ctx) => {
            const vs = parentValues(ctx.state, t, (p) => envJoined(ctx.state, p));
            return vs.length === 0 ? undefined : vs;
          }),
          mode: 'any',
          outputExtract: onThread((t, ctx) => envJoined(ctx.state, t)),
        };
      }
      if (/^[0-9]+$/.test(arg)) {
        // libsinsp compares a numeric proc.aenv[N] against every parent's environment (as
        // without an argument); outputs print the N-th parent's.
        const n = indexArg(arg, 'proc.aenv');
        const anyParent: Extractor<ReplayContext> = onThread((t, ctx) => {
          const vs = parentValues(ctx.state, t, (p) => envJoined(ctx.state, p));
          return vs.length === 0 ? undefined : vs;
        });
        const nth: Extractor<ReplayContext> =
          n < 1
            ? onThread((t, ctx) => envJoined(ctx.state, t))
            : onThread((t, ctx) => {
                let mt = mainThread(ctx.state, t);
                if (mt === undefined) return '';
                for (let j = 0; j < n; j++) {
                  mt = ctx.state.threads.get(mt.ptid);
                  if (mt === undefined) return undefined;
                }
                return envJoined(ctx.state, mt);
              });
        return { extract: anyParent, mode: 'any', outputExtract: nth };
      }
      const name = arg;
      return onThread((t, ctx) => {
        let mt = mainThread(ctx.state, t);
        if (mt === undefined) return '';
        let v = '';
        for (let j = 0; j < 20; j++) {
          mt = ctx.state.threads.get(mt.ptid);
          if (mt === undefined) break;
          v = envValue(envOf(ctx.state, mt), name);
          if (v !== '') break;
        }
        return v;
      });
    },
    { noRhs: true, noTransformer: true },
  ),
  field(C, 'proc.cwd', 'charbuf', 'Current working directory of the process.', onThread((t, ctx) => {
    return cwdOfThread(ctx.state, t);
  })),
  field(C, 'proc.loginshellid', 'int64', 'pid of the oldest shell (a process whose name ends in "sh") among the process and its ancestors.', onThread((t, ctx) => {
    const mt = mainThread(ctx.state, t);
    if (mt === undefined) return undefined;
    let res: number | undefined;
    const check = (p: T): boolean => {
      if (p.comm.length >= 2 && p.comm.endsWith('sh')) res = p.pid;
      return true;
    };
    check(mt);
    parentValues(ctx.state, mt, check);
    return res;
  }), { printFormat: 'id' }),
  field(C, 'proc.tty', 'uint32', 'Controlling terminal of the process (0 for none).', onThread((t) => t.tty), { printFormat: 'id' }),
  field(C, 'proc.pid', 'int64', 'Process id.', onThread((t) => xid(t.pid)), { printFormat: 'id' }),
  field(C, 'proc.ppid', 'int64', 'Parent process id.', onThread((t, ctx) => {
    const p = parentOf(ctx, t);
    return p === undefined ? undefined : xid(p.pid);
  }), { printFormat: 'id' }),
  ancestorField('proc.apid', 'int64', 'pid of an ancestor (proc.apid[1] = parent); without an index, any ancestor.', (a) => a.pid, {
    noArgOutputSelf: true,
    idCheck: true,
  }),
  field(C, 'proc.vpid', 'int64', 'Process id as seen from its own pid namespace.', onThread((t) => (t.vpid === -1 ? undefined : t.vpid)), { printFormat: 'id' }),
  field(C, 'proc.pvpid', 'int64', 'Parent process id as seen from its own pid namespace.', onThread((t, ctx) => ctx.state.threads.get(t.ptid)?.vpid), {
    printFormat: 'id',
  }),
  field(C, 'proc.sid', 'int64', 'Session id of the process.', onThread((t) => t.sid), { printFormat: 'id' }),
  sysdig029Or(
    leaderField('proc.sname', 'Name of the session leader (proc.name of the process whose pid is proc.sid).', (x) => x.sid, true, (x) => x.comm),
    sysdig029SessionName,
  ),
  leaderField('proc.sid.exe', 'proc.exe of the session leader.', (x) => x.sid, true, (x) => x.exe),
  leaderField('proc.sid.exepath', 'proc.exepath of the session leader.', (x) => x.sid, true, (x) => x.exepath),
  field(C, 'proc.vpgid', 'int64', 'Process group id as seen from the process pid namespace.', onThread((t) => t.vpgid), { printFormat: 'id' }),
  leaderField('proc.vpgid.name', 'Name of the process group leader (virtual id).', (x) => x.vpgid, true, (x) => x.comm),
  leaderField('proc.vpgid.exe', 'proc.exe of the process group leader (virtual id).', (x) => x.vpgid, true, (x) => x.exe),
  leaderField('proc.vpgid.exepath', 'proc.exepath of the process group leader (virtual id).', (x) => x.vpgid, true, (x) => x.exepath),
  field(C, 'proc.pgid', 'int64', 'Process group id of the process.', onThread((t) => t.pgid), { printFormat: 'id' }),
  leaderField('proc.pgid.name', 'Name of the process group leader.', (x) => x.pgid, false, (x) => x.comm),
  leaderField('proc.pgid.exe', 'proc.exe of the process group leader.', (x) => x.pgid, false, (x) => x.exe),
  leaderField('proc.pgid.exepath', 'proc.exepath of the process group leader.', (x) => x.pgid, false, (x) => x.exepath),
  field(C, 'proc.duration', 'reltime', 'Nanoseconds since the process (or thread) started.', onThread((t, ctx) => durationFrom(ctx, t.cloneTs))),
  field(C, 'proc.ppid.duration', 'reltime', 'Nanoseconds since the parent process started.', onThread((t, ctx) => {
    const p = parentOf(ctx, t);
    return p === undefined ? undefined : durationFrom(ctx, p.cloneTs);
  })),
  field(C, 'proc.pid.ts', 'reltime', 'Start time of the process, ns since the epoch.', onThread((t) => nonZero(t.cloneTs))),
  field(C, 'proc.ppid.ts', 'reltime', 'Start time of the parent process, ns since the epoch.', onThread((t, ctx) => {
    const p = ctx.state.threads.get(t.ptid);
    if (p === undefined) return undefined;
    return p.cloneTs <= 9007199254740991n ? Number(p.cloneTs) : p.cloneTs;
  })),
  field(C, 'proc.is_exe_writable', 'bool', "'true' when the executable is writable by the process's user.", onThread((t) => t.exeWritable)),
  field(C, 'proc.is_exe_upper_layer', 'bool', "'true' when the executable is in the upper layer of an overlayfs.", onThread((t) => t.exeUpperLayer)),
  field(C, 'proc.is_exe_lower_layer', 'bool', "'true' when the executable is in a lower layer of an overlayfs.", onThread((t) => t.exeLowerLayer)),
  field(C, 'proc.is_exe_from_memfd', 'bool', "'true' when the executable is a memfd (fileless execution).", onThread((t) => t.exeFromMemfd)),
  field(C, 'proc.is_sid_leader', 'bool', "'true' when the process leads its session.", onThread((t) => t.sid === t.vpid)),
  field(C, 'proc.is_vpgid_leader', 'bool', "'true' when the process leads its process group (virtual ids).", onThread((t) => t.vpgid === t.vpid)),
  field(C, 'proc.is_pgid_leader', 'bool', "'true' when the process leads its process group.", onThread((t) => t.pgid === t.pid)),
  field(C, 'proc.exe_ino', 'int64', 'Inode number of the executable.', onThread((t) => nonZero(t.exeIno))),
  field(C, 'proc.exe_ino.ctime', 'abstime', 'Last status change time of the executable inode, ns since the epoch.', onThread((t) => nonZero(optNumber(t, 'exeInoCtime')))),
  field(C, 'proc.exe_ino.mtime', 'abstime', 'Last modification time of the executable inode, ns since the epoch.', onThread((t) => nonZero(optNumber(t, 'exeInoMtime')))),
  field(
    C,
    'proc.exe_ino.ctime_duration_proc_start',
    'abstime',
    'Nanoseconds between the executable inode ctime and the process start.',
    onThread((t) => nonZero(optNumber(t, 'exeInoCtimeDurationCloneTs'))),
  ),
  field(
    C,
    'proc.exe_ino.ctime_duration_pidns_start',
    'abstime',
    'Nanoseconds between the pid namespace start and the executable inode ctime.',
    onThread((t) => nonZero(optNumber(t, 'exeInoCtimeDurationPidnsStart'))),
  ),
  field(C, 'proc.pidns_init_start_ts', 'uint64', 'Start time of the init process of the pid namespace, ns since the epoch.', onThread((t) => nonZero(t.pidnsInitStartTs))),
  field(C, 'thread.cap_permitted', 'charbuf', 'Permitted capabilities of the thread.', onThread((t) => capsToString(t.capPermitted))),
  field(C, 'thread.cap_inheritable', 'charbuf', 'Inheritable capabilities of the thread.', onThread((t) => capsToString(t.capInheritable))),
  field(C, 'thread.cap_effective', 'charbuf', 'Effective capabilities of the thread.', onThread((t) => capsToString(t.capEffective))),
  field(C, 'proc.fdopencount', 'uint64', 'Number of open fds of the process.', onThread((t, ctx) => {
    const mt = mainThread(ctx.state, t);
    return mt === undefined ? 0 : mt.fds.size;
  })),
  field(C, 'proc.fdlimit', 'int64', 'Maximum number of fds the process may open.', onThread((t, ctx) => mainThread(ctx.state, t)?.fdlimit ?? 0)),
  field(C, 'proc.fdusage', 'double', 'Open fds as a percentage of the fd limit.', onThread((t, ctx) => {
    const mt = mainThread(ctx.state, t);
    if (mt === undefined || mt.fdlimit <= 0) return 0;
    const open = mt.fds.size;
    return open <= mt.fdlimit ? (open * 100) / mt.fdlimit : 100;
  })),
  field(C, 'proc.vmsize', 'uint64', 'Virtual memory size of the process, in kB.', onThread((t) => t.vmsizeKb)),
  field(C, 'proc.vmrss', 'uint64', 'Resident memory of the process, in kB.', onThread((t) => t.vmrssKb)),
  field(C, 'proc.vmswap', 'uint64', 'Swapped memory of the process, in kB.', onThread((t) => t.vmswapKb)),
  field(C, 'thread.pfmajor', 'uint64', 'Major page faults of the thread since it started.', onThread((t) => t.pfmajor)),
  field(C, 'thread.pfminor', 'uint64', 'Minor page faults of the thread since it started.', onThread((t) => t.pfminor)),
  field(C, 'thread.tid', 'int64', 'Thread id.', (ctx) => xid(ctx.evt.tid), { printFormat: 'id' }),
  field(C, 'thread.ismain', 'bool', "'true' for the main thread of its process.", onThread((t) => t.tid === t.pid)),
  field(C, 'thread.vtid', 'int64', 'Thread id as seen from its own pid namespace.', onThread((t) => (t.vtid === -1 ? undefined : t.vtid)), { printFormat: 'id' }),
  field(C, 'thread.nametid', 'charbuf', 'proc.name and thread.tid concatenated.', onThread((t, ctx) => `${t.comm}${ctx.evt.tid}`), { outputOnly: true }),
  field(C, 'thread.exectime', 'reltime', 'For switch events, CPU time the previous thread on that CPU ran (ns).', (ctx) =>
    ctx.evt.type === CODES.SCHEDSWITCH_6_E ? execTime(ctx) : 0,
  ),
  field(C, 'thread.totexectime', 'reltime', 'Total CPU time of the thread so far, from switch events (ns).', (ctx) => {
    const e = execTime(ctx);
    const t = ctx.thread;
    if (t === undefined) return undefined;
    const tot = (totExec.get(t) ?? 0) + e;
    totExec.set(t, tot);
    return tot;
  }),
  field(C, 'thread.cgroups', 'charbuf', 'All cgroups of the thread, as space-separated subsystem=path items.', onThread((t) => (t.cgroups.length === 0 ? undefined : t.cgroups.join(' ')))),
  argField(C, 'thread.cgroup', 'charbuf', 'cgroup of the thread for one subsystem, e.g. thread.cgroup.cpuacct.', 'key', (arg) => {
    const sub = arg ?? '';
    if (!/^[A-Za-z_]+$/.test(sub)) throw new FieldArgError(`bad cgroup subsystem '${sub}'`);
    const prefix = sub + '=';
    return onThread((t) => {
      for (const c of t.cgroups) if (c.startsWith(prefix)) return c.slice(prefix.length);
      return undefined;
    });
  }),
  field(C, 'proc.nthreads', 'uint64', 'Number of alive threads of the process.', onThread((t, ctx) => {
    if (ctx.render.sysdig029 === true) {
      // 0.29: the main thread's child count plus one (the exiting thread still counts).
      const mt = mainThread(ctx.state, t);
      return mt === undefined ? undefined : sysdig029Children(ctx.state, mt) + 1;
    }
    return numThreads(ctx.state, t);
  })),
  field(C, 'proc.nchilds', 'uint64', 'Number of alive threads of the process other than its leader.', onThread((t, ctx) => {
    // 0.29: the thread's own child count, which only main threads keep.
    if (ctx.render.sysdig029 === true) return t.tid === t.pid ? sysdig029Children(ctx.state, t) : 0;
    const n = numThreads(ctx.state, t);
    const mt = mainThread(ctx.state, t);
    return mt !== undefined && mt.alive && n > 0 ? n - 1 : n;
  })),
  field(C, 'thread.cpu', 'double', 'CPU consumed by the thread since its previous procinfo event (procinfo events only).', threadCpu(true, true)),
  field(C, 'thread.cpu.user', 'double', 'User CPU consumed by the thread since its previous procinfo event (procinfo events only).', threadCpu(true, false)),
  field(C, 'thread.cpu.system', 'double', 'System CPU consumed by the thread since its previous procinfo event (procinfo events only).', threadCpu(false, true)),
  field(C, 'thread.vmsize', 'uint64', 'For the main thread, virtual memory of the process in kB; 0 for other threads.', onThread((t) => (t.tid === t.pid ? t.vmsizeKb : 0))),
  field(C, 'thread.vmrss', 'uint64', 'For the main thread, resident memory of the process in kB; 0 for other threads.', onThread((t) => (t.tid === t.pid ? t.vmrssKb : 0))),
  field(C, 'thread.vmsize.b', 'uint64', 'thread.vmsize in bytes.', onThread((t) => (t.tid === t.pid ? t.vmsizeKb * 1024 : 0)), { outputOnly: true }),
  field(C, 'thread.vmrss.b', 'uint64', 'thread.vmrss in bytes.', onThread((t) => (t.tid === t.pid ? t.vmrssKb * 1024 : 0)), { outputOnly: true }),
  field(C, 'proc.stdin.type', 'charbuf', 'Type of fd 0 of the process.', stdFd(0, 'type')),
  field(C, 'proc.stdout.type', 'charbuf', 'Type of fd 1 of the process.', stdFd(1, 'type')),
  field(C, 'proc.stderr.type', 'charbuf', 'Type of fd 2 of the process.', stdFd(2, 'type')),
  field(C, 'proc.stdin.name', 'charbuf', 'Name of fd 0 of the process.', stdFd(0, 'name')),
  field(C, 'proc.stdout.name', 'charbuf', 'Name of fd 1 of the process.', stdFd(1, 'name')),
  field(C, 'proc.stderr.name', 'charbuf', 'Name of fd 2 of the process.', stdFd(2, 'name')),
];
