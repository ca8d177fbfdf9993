/**
 * Hand-built events and state for the field tests: an event of any schema entry from
 * named parameter values, and a HostState filled directly (no capture needed).
 */
import { EventView } from '../../../src/scap/event.js';
import { EVENT_TABLE, ppmeCode } from '../../../src/scap/event-table.js';
import { EventFlags, ParamType } from '../../../src/scap/schema.js';
import { HostState } from '../../../src/replay/state/engine.js';
import { FdInfo, ThreadInfo, type ContainerInfo } from '../../../src/replay/state/model.js';
import { bindEvent, createReplayContext, type ReplayContext } from '../../../src/replay/fields/context.js';
import { syscallFieldRegistry } from '../../../src/replay/fields/registry.js';
import type { FieldValue } from '../../../src/replay/fields/types.js';

export type ParamInput = number | bigint | string | Buffer | boolean | null | { fds: [number, number][] };

function enc(type: ParamType, v: ParamInput): Buffer {
  if (v === null) return Buffer.alloc(0);
  if (Buffer.isBuffer(v)) return v;
  const b8 = (n: number | bigint | boolean): Buffer => {
    const b = Buffer.alloc(8);
    b.writeBigInt64LE(BigInt.asIntN(64, BigInt(typeof n === 'boolean' ? Number(n) : n)));
    return b;
  };
  switch (type) {
    case ParamType.INT8:
    case ParamType.UINT8:
    case ParamType.FLAGS8:
    case ParamType.ENUMFLAGS8:
    case ParamType.L4PROTO:
    case ParamType.SOCKFAMILY:
    case ParamType.SIGTYPE: {
      const b = Buffer.alloc(1);
      b.writeUInt8(Number(v) & 0xff);
      return b;
    }
    case ParamType.INT16:
    case ParamType.UINT16:
    case ParamType.FLAGS16:
    case ParamType.ENUMFLAGS16:
    case ParamType.PORT:
    case ParamType.SYSCALLID: {
      const b = Buffer.alloc(2);
      b.writeUInt16LE(Number(v) & 0xffff);
      return b;
    }
    case ParamType.INT32:
    case ParamType.UINT32:
    case ParamType.FLAGS32:
    case ParamType.ENUMFLAGS32:
    case ParamType.UID:
    case ParamType.GID:
    case ParamType.MODE:
    case ParamType.FD32:
    case ParamType.PID32:
    case ParamType.BOOL:
    case ParamType.SIGSET:
    case ParamType.IPV4ADDR: {
      const b = Buffer.alloc(4);
      b.writeUInt32LE(Number(BigInt.asUintN(32, BigInt(typeof v === 'boolean' ? Number(v) : (v as number)))));
      return b;
    }
    case ParamType.CHARBUF:
    case ParamType.FSPATH:
    case ParamType.FSRELPATH:
      return Buffer.concat([Buffer.from(String(v), 'utf8'), Buffer.from([0])]);
    case ParamType.BYTEBUF:
      return Buffer.from(String(v), 'utf8');
    case ParamType.FDLIST: {
      const fds = (v as { fds: [number, number][] }).fds;
      const b = Buffer.alloc(2 + 10 * fds.length);
      b.writeUInt16LE(fds.length, 0);
      fds.forEach(([fd, fl], k) => {
        b.writeBigInt64LE(BigInt(fd), 2 + 10 * k);
        b.writeUInt16LE(fl, 10 + 10 * k);
      });
      return b;
    }
    default:
      return b8(v as number | bigint);
  }
}

/** An IPv4 socket tuple parameter value. */
export function tuple4(sip: string, sport: number, dip: string, dport: number): Buffer {
  const b = Buffer.alloc(13);
  b[0] = 2;
  sip.split('.').forEach((x, i) => (b[1 + i] = Number(x)));
  b.writeUInt16LE(sport, 5);
  dip.split('.').forEach((x, i) => (b[7 + i] = Number(x)));
  b.writeUInt16LE(dport, 11);
  return b;
}

/** Builds an event of libscap enum id `id` (e.g. 'SYSCALL_OPENAT_2_X'); missing params are empty. */
export function makeEvent(id: string, params: Record<string, ParamInput> = {}, opts: { tid?: number; ts?: bigint; cpu?: number } = {}): EventView {
  const code = ppmeCode(id);
  if (code === undefined) throw new Error(`unknown event ${id}`);
  const info = EVENT_TABLE[code]!;
  const large = (info.flags & EventFlags.LARGE_PAYLOAD) !== 0;
  const lenSize = large ? 4 : 2;
  const values = info.params.map((p) => (p.name in params ? enc(p.type, params[p.name]!) : Buffer.alloc(0)));
  const hdr = Buffer.alloc(26);
  const lens = Buffer.alloc(values.length * lenSize);
  values.forEach((v, i) => (large ? lens.writeUInt32LE(v.length, i * 4) : lens.writeUInt16LE(v.length, i * 2)));
  const total = 26 + lens.length + values.reduce((a, v) => a + v.length, 0);
  hdr.writeBigUInt64LE(opts.ts ?? 1700000000123456789n, 0);
  hdr.writeBigInt64LE(BigInt(opts.tid ?? 100), 8);
  hdr.writeUInt32LE(total, 16);
  hdr.writeUInt16LE(code, 20);
  hdr.writeUInt32LE(values.length, 22);
  const buf = Buffer.concat([hdr, lens, ...values]);
  const ev = new EventView();
  ev.buf = buf;
  ev.hdr = 0;
  ev.le = true;
  ev.type = code;
  ev.nparams = values.length;
  ev.lenSize = lenSize;
  ev.lensStart = 26;
  ev.len = total;
  ev.cpu = opts.cpu ?? 1;
  return ev;
}

/** A thread with the given members (a main thread unless tid ≠ pid). */
export function thread(p: Partial<ThreadInfo> & { tid: number }): ThreadInfo {
  const t = new ThreadInfo();
  t.pid = p.tid;
  t.vtid = p.tid;
  t.vpid = p.tid;
  Object.assign(t, p);
  if (p.vtid === undefined) t.vtid = t.tid;
  if (p.vpid === undefined) t.vpid = t.pid;
  return t;
}

export function fd(p: Partial<FdInfo>): FdInfo {
  return Object.assign(new FdInfo(), p);
}

export function container(p: Partial<ContainerInfo> & { id: string }): ContainerInfo {
  return {
    type: 'docker',
    name: '',
    image: '',
    imageId: '',
    imageRepository: '',
    imageTag: '',
    imageDigest: '',
    privileged: undefined,
    labels: {},
    mounts: [],
    ip: '',
    ...p,
  };
}

/** A state with the threads added in order (parents first), plus a context over it. */
export function world(threads: ThreadInfo[]): { host: HostState; ctx: ReplayContext } {
  const host = new HostState();
  for (const t of threads) host.threads.add(t);
  const ctx = createReplayContext(host, makeEvent('SYSCALL_GETUID_X'));
  return { host, ctx };
}

/** Points the context at an event of thread `tid` with the given fd. */
export function at(ctx: ReplayContext, host: HostState, ev: EventView, fdNum = -1, evtNum = 1): ReplayContext {
  const t = host.threads.get(ev.tid);
  const f = t !== undefined && fdNum >= 0 ? host.threads.getFd(t, fdNum) : undefined;
  bindEvent(ctx, ev, { thread: t, fd: f, fdNum, eventCount: evtNum });
  return ctx;
}

const reg = syscallFieldRegistry();

/** Extracts a field as a condition sees it (`proc.aname[2]` / `evt.arg.fd` forms accepted). */
export function val(ctx: ReplayContext, text: string): FieldValue | undefined {
  const open = text.indexOf('[');
  const name = open >= 0 ? text.slice(0, open) : text;
  const bracket = open >= 0 ? text.slice(open + 1, -1) : undefined;
  const found = reg.lookup(name);
  if (found === undefined) throw new Error(`unknown field ${name}`);
  const c = found.def.compile(found.arg ?? bracket);
  return typeof c === 'function' ? c(ctx) : c.extract(ctx);
}

/** Renders a field as an output prints it. */
export function out(ctx: ReplayContext, text: string): string {
  return reg.compileOutput(text).render(ctx);
}
