import { BlockType } from '../block-types.js';
import { InputError } from '../../errors.js';
import { ByteWriter, Cursor, encodeField, inRecord, joinNulList, splitNulList } from './cursor.js';

/**
 * One thread of the process list block (PL). Ids are numbers (64-bit on disk, far below
 * 2^53 in practice); capabilities, inode numbers and timestamps are bigints.
 *
 * Fields an older block version does not carry hold libscap's defaults: -1 for sid, vpgid,
 * pgid, vtid and vpid, 0xffffffff for loginuid, empty strings and lists, 0 / false elsewhere.
 */
export interface ThreadEntry {
  tid: number;
  pid: number;
  ptid: number;
  /** Session id (PL_V6+). */
  sid: number;
  /** Process group as seen from the thread's pid namespace (PL_V8+). */
  vpgid: number;
  /** Process group as seen from the host (newest PL_V9 entries). */
  pgid: number;
  comm: string;
  /** argv[0]. */
  exe: string;
  /** Full executable path (PL_V7+). */
  exepath: string;
  /** Arguments after argv[0]. */
  args: string[];
  cwd: string;
  fdlimit: number;
  flags: number;
  uid: number;
  gid: number;
  /** Memory and fault counters (PL_V2+). */
  vmsizeKb: number;
  vmrssKb: number;
  vmswapKb: number;
  pfmajor: number;
  pfminor: number;
  /** Environment, "NAME=value" items (PL_V3+). */
  env: string[];
  /** Ids inside the pid namespace (PL_V4+). */
  vtid: number;
  vpid: number;
  /** "subsystem=path" items (PL_V4+). */
  cgroups: string[];
  /** Root directory (PL_V5+). */
  root: string;
  // The rest exist only in PL_V9 entries long enough to hold them.
  pidnsInitStartTs: bigint;
  tty: number;
  loginuid: number;
  exeWritable: boolean;
  capInheritable: bigint;
  capPermitted: bigint;
  capEffective: bigint;
  exeUpperLayer: boolean;
  exeIno: bigint;
  exeInoCtime: bigint;
  exeInoMtime: bigint;
  exeFromMemfd: boolean;
  exeLowerLayer: boolean;
}

/** A thread with libscap's defaults for everything not given. */
export function newThreadEntry(fields: Partial<ThreadEntry> & Pick<ThreadEntry, 'tid'>): ThreadEntry {
  const { tid, ...rest } = fields;
  return {
    tid,
    pid: tid,
    ptid: 0,
    sid: -1,
    vpgid: -1,
    pgid: -1,
    comm: '',
    exe: '',
    exepath: '',
    args: [],
    cwd: '',
    fdlimit: 0,
    flags: 0,
    uid: 0,
    gid: 0,
    vmsizeKb: 0,
    vmrssKb: 0,
    vmswapKb: 0,
    pfmajor: 0,
    pfminor: 0,
    env: [],
    vtid: -1,
    vpid: -1,
    cgroups: [],
    root: '',
    pidnsInitStartTs: 0n,
    tty: 0,
    loginuid: 0xffffffff,
    exeWritable: false,
    capInheritable: 0n,
    capPermitted: 0n,
    capEffective: 0n,
    exeUpperLayer: false,
    exeIno: 0n,
    exeInoCtime: 0n,
    exeInoMtime: 0n,
    exeFromMemfd: false,
    exeLowerLayer: false,
    ...rest,
  };
}

// libscap's limits on the string fields; its reader refuses anything longer.
export const MAX_PATH = 1024;
export const MAX_ARGS = 4096;
export const MAX_ENV = 4096;
export const MAX_CGROUPS = 4096;

const VERSIONS: ReadonlyMap<number, number> = new Map([
  [BlockType.PL_V1, 1],
  [BlockType.PL_V1_INT, 1],
  [BlockType.PL_V2, 2],
  [BlockType.PL_V2_INT, 2],
  [BlockType.PL_V3, 3],
  [BlockType.PL_V3_INT, 3],
  [BlockType.PL_V4, 4],
  [BlockType.PL_V5, 5],
  [BlockType.PL_V6, 6],
  [BlockType.PL_V7, 7],
  [BlockType.PL_V8, 8],
  [BlockType.PL_V9, 9],
]);

/** 1..9 for a process list block type, undefined otherwise. */
export function procListVersion(type: number): number | undefined {
  return VERSIONS.get(type);
}

/**
 * Bytes of the fields that PL_V9 writers before libs 0.10 put after `root`: loginuid (4),
 * exe_writable (1) and three capability sets (3 * 8). Later writers insert
 * pidns_init_start_ts and tty before them, so an entry whose tail after `root` is no longer
 * than this comes from an old writer and lacks those two.
 */
const PRE_0_10_TAIL = 4 + 1 + 8 * 3;

/**
 * Decodes a process list block of any version. The body is `buf[start+8, start+length-4)`.
 * Entries follow each other until fewer than 4 bytes remain (padding). PL_V9 entries start
 * with their own length: fields past the known ones are skipped, fields a shorter entry
 * lacks keep their defaults.
 */
export function decodeProcList(type: number, buf: Buffer, start: number, length: number, littleEndian: boolean): ThreadEntry[] {
  const version = procListVersion(type);
  if (version === undefined) throw new RangeError(`0x${type.toString(16)} is not a process list block`);
  const block = new Cursor(buf, start, start + 8, start + length - 4, littleEndian);
  const out: ThreadEntry[] = [];
  const lists = new ListMemo();
  while (block.remaining >= 4) {
    const index = out.length;
    let c = block;
    let entryLen = 0;
    const entryStart = block.pos;
    block.context = `proclist entry ${index}`;
    if (version >= 9) {
      entryLen = block.u32('entry length');
      if (entryLen !== 0) {
        if (entryLen < 4) block.fail(`entry length ${entryLen} is shorter than its own length field`, entryStart);
        // The length counts itself: step back so the sub-cursor spans the whole entry.
        block.pos = entryStart;
        c = block.sub(entryLen, `proclist entry ${index}`);
        c.pos += 4;
      }
    }
    const t = readThread(c, version, index, lists);
    // Whatever is left of a sized entry is a field from a newer writer: skipped, as libscap does.
    if (version >= 9 && entryLen !== 0) readV9Tail(c, t);
    out.push(t);
  }
  return out;
}

/**
 * The threads of a process list come grouped by process, and a process's threads (and
 * often its children) carry byte-identical args, env and cgroups: each list is decoded
 * once per run of equal bytes and the entries share the array (nothing changes these
 * arrays in place; the state engine shares them the same way).
 */
class ListMemo {
  private readonly bytes: (Buffer | undefined)[] = [undefined, undefined, undefined];
  private readonly lists: string[][] = [[], [], []];

  /** FIELD: 0 args, 1 env, 2 cgroups. */
  list(field: number, b: Buffer): string[] {
    const last = this.bytes[field];
    if (last !== undefined && last.length === b.length && last.equals(b)) return this.lists[field]!;
    const l = splitNulList(b);
    this.bytes[field] = b;
    this.lists[field] = l;
    return l;
  }
}

function readThread(c: Cursor, version: number, index: number, lists: ListMemo): ThreadEntry {
  const tid = c.i64n('tid');
  c.context = `proclist entry ${index} (tid ${tid})`;
  const t = newThreadEntry({ tid });
  t.pid = c.i64n('pid');
  t.ptid = c.i64n('ptid');
  if (version >= 6) t.sid = c.i64n('sid');
  if (version >= 8) t.vpgid = c.i64n('vpgid');
  t.comm = c.str16('comm');
  t.exe = c.str16('exe');
  if (version >= 7) t.exepath = c.str16('exepath');
  t.args = lists.list(0, c.blob16('args'));
  t.cwd = c.str16('cwd');
  t.fdlimit = c.i64n('fdlimit');
  t.flags = c.u32('flags');
  t.uid = c.u32('uid');
  t.gid = c.u32('gid');
  if (version >= 2) {
    t.vmsizeKb = c.u32('vmsize_kb');
    t.vmrssKb = c.u32('vmrss_kb');
    t.vmswapKb = c.u32('vmswap_kb');
    t.pfmajor = c.u64n('pfmajor');
    t.pfminor = c.u64n('pfminor');
    if (version >= 3) t.env = lists.list(1, c.blob16('env'));
    if (version >= 4) {
      t.vtid = c.i64n('vtid');
      t.vpid = c.i64n('vpid');
      t.cgroups = lists.list(2, c.blob16('cgroups'));
      if (version >= 5) t.root = c.str16('root');
    }
  }
  return t;
}

/** The PL_V9 fields after `root`, each present only if the entry is long enough for it. */
function readV9Tail(c: Cursor, t: ThreadEntry): void {
  const fits = (n: number): boolean => c.remaining >= n;
  if (c.remaining > PRE_0_10_TAIL) {
    if (fits(8)) t.pidnsInitStartTs = c.u64('pidns_init_start_ts');
    if (fits(4)) t.tty = c.u32('tty');
  }
  if (fits(4)) t.loginuid = c.u32('loginuid');
  if (fits(1)) t.exeWritable = c.u8('exe_writable') !== 0;
  if (fits(8)) t.capInheritable = c.u64('cap_inheritable');
  if (fits(8)) t.capPermitted = c.u64('cap_permitted');
  if (fits(8)) t.capEffective = c.u64('cap_effective');
  if (fits(1)) t.exeUpperLayer = c.u8('exe_upper_layer') !== 0;
  if (fits(8)) t.exeIno = c.u64('exe_ino');
  if (fits(8)) t.exeInoCtime = c.u64('exe_ino_ctime');
  if (fits(8)) t.exeInoMtime = c.u64('exe_ino_mtime');
  if (fits(1)) t.exeFromMemfd = c.u8('exe_from_memfd') !== 0;
  if (fits(1)) t.exeLowerLayer = c.u8('exe_lower_layer') !== 0;
  if (fits(8)) t.pgid = c.i64n('pgid');
}

/** Encodes threads as a PL_V9 block body (little-endian), every known field present. */
export function encodeProcList(entries: readonly ThreadEntry[], littleEndian = true): Buffer {
  const w = new ByteWriter(256 * Math.max(1, entries.length), littleEndian);
  entries.forEach((t, i) => {
    const who = `proclist entry ${i} (tid ${t.tid})`;
    const what = (f: string): string => `${who}: ${f}`;
    inRecord(who, () => {
      const lenAt = w.reserveU32();
      const before = lenAt;
      w.i64(t.tid).i64(t.pid).i64(t.ptid).i64(t.sid).i64(t.vpgid);
      w.blob16(encodeField(t.comm, MAX_PATH, what('comm')));
      w.blob16(encodeField(t.exe, MAX_PATH, what('exe')));
      w.blob16(encodeField(t.exepath, MAX_PATH, what('exepath')));
      w.blob16(checkLen(joinNulList(t.args), MAX_ARGS, what('args')));
      w.blob16(encodeField(t.cwd, MAX_PATH, what('cwd')));
      w.i64(t.fdlimit).u32(t.flags).u32(t.uid).u32(t.gid);
      w.u32(t.vmsizeKb).u32(t.vmrssKb).u32(t.vmswapKb).u64(t.pfmajor).u64(t.pfminor);
      w.blob16(checkLen(joinNulList(t.env), MAX_ENV, what('env')));
      w.i64(t.vtid).i64(t.vpid);
      w.blob16(checkLen(joinNulList(t.cgroups), MAX_CGROUPS, what('cgroups')));
      w.blob16(encodeField(t.root, MAX_PATH, what('root')));
      w.u64(t.pidnsInitStartTs).u32(t.tty).u32(t.loginuid).u8(t.exeWritable);
      w.u64(t.capInheritable).u64(t.capPermitted).u64(t.capEffective);
      w.u8(t.exeUpperLayer).u64(t.exeIno).u64(t.exeInoCtime).u64(t.exeInoMtime);
      w.u8(t.exeFromMemfd).u8(t.exeLowerLayer).i64(t.pgid);
      w.patchU32(lenAt, w.length - before);
    });
  });
  return w.finish();
}

function checkLen(b: Buffer, max: number, what: string): Buffer {
  if (b.length > max) throw new InputError(`${what} is ${b.length} bytes, more than the ${max} libscap accepts`);
  return b;
}
