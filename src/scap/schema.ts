/**
 * Types describing the libscap event schema. The numeric values are wire-format facts
 * (they appear in captures and in the event table), so they mirror libscap's numbering.
 */

export const enum ParamType {
  NONE = 0,
  INT8 = 1,
  INT16 = 2,
  INT32 = 3,
  INT64 = 4,
  UINT8 = 5,
  UINT16 = 6,
  UINT32 = 7,
  UINT64 = 8,
  CHARBUF = 9,
  BYTEBUF = 10,
  ERRNO = 11,
  SOCKADDR = 12,
  SOCKTUPLE = 13,
  FD = 14,
  PID = 15,
  FDLIST = 16,
  FSPATH = 17,
  SYSCALLID = 18,
  SIGTYPE = 19,
  RELTIME = 20,
  ABSTIME = 21,
  PORT = 22,
  L4PROTO = 23,
  SOCKFAMILY = 24,
  BOOL = 25,
  IPV4ADDR = 26,
  DYN = 27,
  FLAGS8 = 28,
  FLAGS16 = 29,
  FLAGS32 = 30,
  UID = 31,
  GID = 32,
  DOUBLE = 33,
  SIGSET = 34,
  CHARBUFARRAY = 35,
  CHARBUF_PAIR_ARRAY = 36,
  IPV4NET = 37,
  IPV6ADDR = 38,
  IPV6NET = 39,
  IPADDR = 40,
  IPNET = 41,
  MODE = 42,
  FSRELPATH = 43,
  ENUMFLAGS8 = 44,
  ENUMFLAGS16 = 45,
  ENUMFLAGS32 = 46,
  FD32 = 47,
  PID32 = 48,
}

export const enum PrintFormat {
  NA = 0,
  DEC = 1,
  HEX = 2,
  PADDED_DEC_10 = 3,
  ID = 4,
  DIR = 5,
  OCT = 6,
}

/** Event categories (low bits: one of the plain categories; high bits: source kind). */
export const enum EventCategory {
  UNKNOWN = 0,
  OTHER = 1,
  FILE = 2,
  NET = 3,
  IPC = 4,
  MEMORY = 5,
  PROCESS = 6,
  SLEEP = 7,
  SYSTEM = 8,
  SIGNAL = 9,
  USER = 10,
  TIME = 11,
  PROCESSING = 12,
  IO_READ = 32,
  IO_WRITE = 33,
  IO_OTHER = 34,
  WAIT = 1 << 6,
  SCHEDULER = 1 << 7,
  INTERNAL = 1 << 8,
  SYSCALL = 1 << 9,
  TRACEPOINT = 1 << 10,
  PLUGIN = 1 << 11,
  METAEVENT = 1 << 12,
  ITER = 1 << 13,
}

export const enum EventFlags {
  NONE = 0,
  CREATES_FD = 1 << 0,
  DESTROYS_FD = 1 << 1,
  USES_FD = 1 << 2,
  READS_FROM_FD = 1 << 3,
  WRITES_TO_FD = 1 << 4,
  MODIFIES_STATE = 1 << 5,
  UNUSED = 1 << 6,
  WAITS = 1 << 7,
  SKIPPARSERESET = 1 << 8,
  OLD_VERSION = 1 << 9,
  LARGE_PAYLOAD = 1 << 11,
  CONVERTER_MANAGED = 1 << 12,
}

/** One symbolic value of a flags or enum parameter. */
export interface FlagValue {
  readonly name: string;
  readonly value: number;
}

export interface ParamInfo {
  readonly name: string;
  readonly type: ParamType;
  readonly format: PrintFormat;
  /** For FLAGS and ENUMFLAGS parameters: the name of the table in flags.ts. */
  readonly flags?: string;
  /** For FSRELPATH parameters: index of the dirfd parameter the path is relative to. */
  readonly dirfdParam?: number;
  /** For DYN parameters: the possible types, selected by the index byte in the value. */
  readonly dynamic?: readonly ParamInfo[];
}

export interface EventInfo {
  /** PPME code: index in the event table. */
  readonly code: number;
  /** Name as libscap prints it (e.g. 'open', 'execve', 'procexit'). */
  readonly name: string;
  /** Enter ('>') or exit ('<'); events are numbered in enter/exit pairs (even = enter). */
  readonly direction: '>' | '<';
  readonly category: number;
  readonly flags: number;
  readonly params: readonly ParamInfo[];
}
