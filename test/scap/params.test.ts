import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EventView } from '../../src/scap/event.js';
import { EVENT_FRAMING, eventCodesByName, eventInfo } from '../../src/scap/event-table.js';
import {
  decodeParam,
  decodeParamBytes,
  describeFd,
  fdTypeChar,
  formatG,
  formatInt,
  ipv6String,
  renderBuffer,
  renderEventArgs,
  renderParam,
  resolvePath,
  type ParamResolver,
  type ParamValue,
} from '../../src/scap/params.js';
import { FdType, decodeStateBlock } from '../../src/scap/blocks/index.js';
import { ScapReader, isStateBlockType } from '../../src/scap/reader.js';
import { ParamType, PrintFormat, type EventInfo, type ParamInfo } from '../../src/scap/schema.js';
import { SYSDIG029_EVENT_MAX, sysdig029ParamCount } from '../../src/scap/sysdig029.js';
import { SHARED_CAPTURES, hasShared, hasSysdig, sharedCaptures, skipNote } from '../helpers/shared.js';

// ---------------------------------------------------------------------------------------
// Hand-built events
// ---------------------------------------------------------------------------------------

const V2 = { v2: true, large: false, hasFlags: false } as const;

/** An event block holding one V2 event of `type` with the given parameter bytes. */
function makeEvent(type: number, params: readonly Buffer[], le = true, tid = 42): EventView {
  const lens = params.length * 2;
  const evLen = 26 + lens + params.reduce((a, p) => a + p.length, 0);
  const blockLen = 8 + 2 + evLen + 4;
  const padded = (blockLen + 3) & ~3;
  const b = Buffer.alloc(padded);
  const w32 = (v: number, o: number): number => (le ? b.writeUInt32LE(v, o) : b.writeUInt32BE(v, o));
  const w16 = (v: number, o: number): number => (le ? b.writeUInt16LE(v, o) : b.writeUInt16BE(v, o));
  w32(0x216, 0);
  w32(padded, 4);
  w16(1, 8); // cpu
  const h = 10;
  if (le) {
    b.writeBigUInt64LE(1_700_000_000_000_000_000n, h);
    b.writeBigInt64LE(BigInt(tid), h + 8);
  } else {
    b.writeBigUInt64BE(1_700_000_000_000_000_000n, h);
    b.writeBigInt64BE(BigInt(tid), h + 8);
  }
  w32(evLen, h + 16);
  w16(type, h + 20);
  w32(params.length, h + 22);
  let p = h + 26;
  for (const prm of params) {
    w16(prm.length, p);
    p += 2;
  }
  for (const prm of params) {
    prm.copy(b, p);
    p += prm.length;
  }
  w32(padded, padded - 4);
  const ev = new EventView();
  const err = ev.load(b, 0, padded, V2, le, 0, EVENT_FRAMING);
  if (err !== undefined) throw new Error(err);
  return ev;
}

const u8 = (v: number): Buffer => Buffer.from([v & 0xff]);
function u16(v: number, le = true): Buffer {
  const b = Buffer.alloc(2);
  if (le) b.writeUInt16LE(v);
  else b.writeUInt16BE(v);
  return b;
}
function u32(v: number, le = true): Buffer {
  const b = Buffer.alloc(4);
  if (le) b.writeUInt32LE(v >>> 0);
  else b.writeUInt32BE(v >>> 0);
  return b;
}
function i64(v: bigint | number, le = true): Buffer {
  const b = Buffer.alloc(8);
  if (le) b.writeBigInt64LE(BigInt.asIntN(64, BigInt(v)));
  else b.writeBigInt64BE(BigInt.asIntN(64, BigInt(v)));
  return b;
}
const str = (s: string): Buffer => Buffer.from(s + '\0', 'utf8');
const ip4 = (s: string): Buffer => Buffer.from(s.split('.').map(Number));
function ip6(words: readonly number[]): Buffer {
  const b = Buffer.alloc(16);
  words.forEach((w, k) => b.writeUInt16BE(w, 2 * k));
  return b;
}

const pi = (type: ParamType, format: PrintFormat = PrintFormat.DEC, extra: Partial<ParamInfo> = {}): ParamInfo => ({ name: 'p', type, format, ...extra });

/** Decodes `bytes` as a one-parameter event in both byte orders (via the event view) and checks they agree. */
function decodeBoth(info: ParamInfo, le: Buffer, be: Buffer): ParamValue {
  const a = decodeParam(makeEvent(2, [le], true), info, 0);
  const b = decodeParam(makeEvent(2, [be], false), info, 0);
  expect(normalize(b)).toEqual(normalize(a));
  return a;
}
function normalize(v: ParamValue): unknown {
  return JSON.parse(JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x)));
}

function code(name: string, dir: '>' | '<', nparams?: number): number {
  const codes = eventCodesByName(name).filter((c) => eventInfo(c)!.direction === dir && (nparams === undefined || eventInfo(c)!.params.length === nparams));
  const c = codes[codes.length - 1];
  if (c === undefined) throw new Error(`no ${dir} ${name} event`);
  return c;
}
const info = (c: number): EventInfo => eventInfo(c)!;

// ---------------------------------------------------------------------------------------
// Decoding
// ---------------------------------------------------------------------------------------

describe('decodeParam: integers', () => {
  it('decodes 8/16/32-bit integers, signed and unsigned, in both byte orders', () => {
    expect(decodeBoth(pi(ParamType.INT8), u8(0xff), u8(0xff))).toEqual({ kind: 'int', value: -1 });
    expect(decodeBoth(pi(ParamType.UINT8), u8(0xff), u8(0xff))).toEqual({ kind: 'int', value: 255 });
    expect(decodeBoth(pi(ParamType.INT16), u16(0xfffe), u16(0xfffe, false))).toEqual({ kind: 'int', value: -2 });
    expect(decodeBoth(pi(ParamType.UINT16), u16(0x1234), u16(0x1234, false))).toEqual({ kind: 'int', value: 0x1234 });
    expect(decodeBoth(pi(ParamType.INT32), u32(-5), u32(-5, false))).toEqual({ kind: 'int', value: -5 });
    expect(decodeBoth(pi(ParamType.UINT32), u32(0xfffffffe), u32(0xfffffffe, false))).toEqual({ kind: 'int', value: 0xfffffffe });
    for (const t of [ParamType.FLAGS8, ParamType.ENUMFLAGS8, ParamType.SIGTYPE, ParamType.L4PROTO, ParamType.SOCKFAMILY]) {
      expect(decodeBoth(pi(t), u8(0x81), u8(0x81))).toEqual({ kind: 'int', value: 0x81 });
    }
    for (const t of [ParamType.FLAGS16, ParamType.ENUMFLAGS16, ParamType.SYSCALLID, ParamType.PORT]) {
      expect(decodeBoth(pi(t), u16(0x8001), u16(0x8001, false))).toEqual({ kind: 'int', value: 0x8001 });
    }
    for (const t of [ParamType.FLAGS32, ParamType.ENUMFLAGS32, ParamType.UID, ParamType.GID, ParamType.MODE, ParamType.SIGSET]) {
      expect(decodeBoth(pi(t), u32(0x80000001), u32(0x80000001, false))).toEqual({ kind: 'int', value: 0x80000001 });
    }
  });

  it('decodes 64-bit integers and times as bigints', () => {
    expect(decodeBoth(pi(ParamType.INT64), i64(-3n), i64(-3n, false))).toEqual({ kind: 'int64', value: -3n });
    const big = (1n << 63n) + 5n;
    expect(decodeBoth(pi(ParamType.UINT64), i64(big), i64(big, false))).toEqual({ kind: 'int64', value: big });
    expect(decodeBoth(pi(ParamType.RELTIME), i64(-1n), i64(-1n, false))).toEqual({ kind: 'int64', value: 0xffffffffffffffffn });
    expect(decodeBoth(pi(ParamType.ABSTIME), i64(1n << 60n), i64(1n << 60n, false))).toEqual({ kind: 'int64', value: 1n << 60n });
  });

  it('decodes fds, pids and errnos as numbers (64 and 32 bits)', () => {
    expect(decodeBoth(pi(ParamType.FD), i64(-100), i64(-100, false))).toEqual({ kind: 'fd', value: -100 });
    expect(decodeBoth(pi(ParamType.PID), i64(123456), i64(123456, false))).toEqual({ kind: 'pid', value: 123456 });
    expect(decodeBoth(pi(ParamType.ERRNO), i64(-2), i64(-2, false))).toEqual({ kind: 'errno', value: -2 });
    expect(decodeBoth(pi(ParamType.FD32), u32(-1), u32(-1, false))).toEqual({ kind: 'fd', value: -1 });
    expect(decodeBoth(pi(ParamType.PID32), u32(77), u32(77, false))).toEqual({ kind: 'pid', value: 77 });
  });

  it('decodes bools and doubles', () => {
    expect(decodeBoth(pi(ParamType.BOOL), u32(1), u32(1, false))).toEqual({ kind: 'bool', value: true });
    expect(decodeBoth(pi(ParamType.BOOL), u32(0), u32(0, false))).toEqual({ kind: 'bool', value: false });
    const le = Buffer.alloc(8);
    le.writeDoubleLE(1.5);
    const be = Buffer.alloc(8);
    be.writeDoubleBE(1.5);
    expect(decodeBoth(pi(ParamType.DOUBLE), le, be)).toEqual({ kind: 'double', value: 1.5 });
  });
});

describe('decodeParam: buffers, strings and addresses', () => {
  it('strips the trailing NUL of strings and stops at the first NUL', () => {
    for (const t of [ParamType.CHARBUF, ParamType.FSPATH, ParamType.FSRELPATH]) {
      const v = decodeParamBytes(str('/etc/passwd'), pi(t), true);
      expect(v.kind === 'string' && v.value).toBe('/etc/passwd');
    }
    const v = decodeParamBytes(Buffer.from('ab\0cd'), pi(ParamType.CHARBUF), true);
    expect(v.kind === 'string' && v.value).toBe('ab');
    const noNul = decodeParamBytes(Buffer.from('xyz'), pi(ParamType.CHARBUF), true);
    expect(noNul.kind === 'string' && noNul.value).toBe('xyz');
    const utf = decodeParamBytes(str('caf\u00e9'), pi(ParamType.CHARBUF), true);
    expect(utf.kind === 'string' && utf.value).toBe('caf\u00e9');
  });

  it('gives BYTEBUF as a view into the event', () => {
    const ev = makeEvent(2, [Buffer.from([1, 2, 0, 3])]);
    const v = decodeParam(ev, pi(ParamType.BYTEBUF), 0);
    expect(v.kind).toBe('bytes');
    if (v.kind === 'bytes') {
      expect([...v.value]).toEqual([1, 2, 0, 3]);
      expect(v.value.buffer).toBe(ev.buf.buffer);
    }
  });

  it('decodes sockaddrs of every family', () => {
    const inet = (le: boolean): Buffer => Buffer.concat([u8(2), ip4('10.0.0.1'), u16(53, le)]);
    const a = decodeBoth(pi(ParamType.SOCKADDR), inet(true), inet(false));
    expect(a.kind === 'sockaddr' && a.value).toMatchObject({ family: 2, addr: '10.0.0.1', port: 53 });
    const inet6 = (le: boolean): Buffer => Buffer.concat([u8(10), ip6([0, 0, 0, 0, 0, 0, 0, 1]), u16(8080, le)]);
    const b = decodeBoth(pi(ParamType.SOCKADDR), inet6(true), inet6(false));
    expect(b.kind === 'sockaddr' && b.value).toMatchObject({ family: 10, addr: '::1', port: 8080 });
    const unix = decodeParamBytes(Buffer.concat([u8(1), str('/run/sock')]), pi(ParamType.SOCKADDR), true);
    expect(unix.kind === 'sockaddr' && unix.value).toMatchObject({ family: 1, path: '/run/sock' });
    const other = decodeParamBytes(Buffer.from([16, 1, 2]), pi(ParamType.SOCKADDR), true);
    expect(other.kind === 'sockaddr' && other.value).toMatchObject({ family: 16 });
    expect(decodeParamBytes(Buffer.from([2, 1, 2, 3]), pi(ParamType.SOCKADDR), true).kind).toBe('invalid');
    expect(decodeParamBytes(Buffer.from([10, 1, 2, 3]), pi(ParamType.SOCKADDR), true).kind).toBe('invalid');
  });

  it('decodes socket tuples of every family', () => {
    const t4 = (le: boolean): Buffer => Buffer.concat([u8(2), ip4('127.0.0.1'), u16(45678, le), ip4('127.0.0.1'), u16(80, le)]);
    const a = decodeBoth(pi(ParamType.SOCKTUPLE), t4(true), t4(false));
    expect(a.kind === 'socktuple' && a.value).toMatchObject({ family: 2, srcAddr: '127.0.0.1', srcPort: 45678, dstAddr: '127.0.0.1', dstPort: 80 });
    const t6 = (le: boolean): Buffer => Buffer.concat([u8(10), ip6([0x2001, 0xdb8, 0, 0, 0, 0, 0, 1]), u16(1, le), ip6([0x2001, 0xdb8, 0, 0, 0, 0, 0, 2]), u16(2, le)]);
    const b = decodeBoth(pi(ParamType.SOCKTUPLE), t6(true), t6(false));
    expect(b.kind === 'socktuple' && b.value).toMatchObject({ family: 10, srcAddr: '2001:db8::1', srcPort: 1, dstAddr: '2001:db8::2', dstPort: 2 });
    const tu = (le: boolean): Buffer => Buffer.concat([u8(1), i64(0xffff8800n, le), i64(0xffff8801n, le), str('/tmp/s')]);
    const c = decodeBoth(pi(ParamType.SOCKTUPLE), tu(true), tu(false));
    expect(c.kind === 'socktuple' && c.value).toMatchObject({ family: 1, src: 0xffff8800n, dst: 0xffff8801n, path: '/tmp/s' });
    expect(decodeParamBytes(Buffer.from([2, 1, 2, 3]), pi(ParamType.SOCKTUPLE), true).kind).toBe('invalid');
    expect(decodeParamBytes(Buffer.alloc(36, 10), pi(ParamType.SOCKTUPLE), true).kind).toBe('invalid');
    expect(decodeParamBytes(Buffer.from([1, 0, 0]), pi(ParamType.SOCKTUPLE), true).kind).toBe('invalid');
  });

  it('decodes fd lists', () => {
    const list = (le: boolean): Buffer => Buffer.concat([u16(2, le), i64(4, le), u16(1, le), i64(7, le), u16(0x41, le)]);
    const v = decodeBoth(pi(ParamType.FDLIST), list(true), list(false));
    expect(v).toEqual({ kind: 'fdlist', value: [{ fd: 4, flags: 1 }, { fd: 7, flags: 0x41 }] });
    expect(decodeParamBytes(Buffer.concat([u16(2), i64(4), u16(1)]), pi(ParamType.FDLIST), true).kind).toBe('invalid');
    expect(decodeParamBytes(u8(1), pi(ParamType.FDLIST), true).kind).toBe('invalid');
    expect(decodeParamBytes(u16(0), pi(ParamType.FDLIST), true)).toEqual({ kind: 'fdlist', value: [] });
  });

  it('decodes string arrays and string pairs', () => {
    expect(decodeParamBytes(Buffer.from('a\0bc\0\0d\0'), pi(ParamType.CHARBUFARRAY), true)).toEqual({ kind: 'strings', value: ['a', 'bc', '', 'd'] });
    expect(decodeParamBytes(Buffer.from('k1\0v1\0k2\0v2\0'), pi(ParamType.CHARBUF_PAIR_ARRAY), true)).toEqual({
      kind: 'pairs',
      value: [
        ['k1', 'v1'],
        ['k2', 'v2'],
      ],
    });
    expect(decodeParamBytes(Buffer.from('k1\0v1\0k2\0'), pi(ParamType.CHARBUF_PAIR_ARRAY), true).kind).toBe('invalid');
  });

  it('decodes raw addresses and networks by length', () => {
    expect(decodeParamBytes(ip4('1.2.3.4'), pi(ParamType.IPV4ADDR), true)).toMatchObject({ kind: 'ip', value: '1.2.3.4' });
    expect(decodeParamBytes(ip6([0xfe80, 0, 0, 0, 0, 0, 0, 1]), pi(ParamType.IPV6ADDR), true)).toMatchObject({ kind: 'ip', value: 'fe80::1' });
    expect(decodeParamBytes(ip4('1.2.3.4'), pi(ParamType.IPADDR), true)).toMatchObject({ kind: 'ip', value: '1.2.3.4' });
    expect(decodeParamBytes(ip6([1, 2, 3, 4, 5, 6, 7, 8]), pi(ParamType.IPADDR), true)).toMatchObject({ kind: 'ip', value: '1:2:3:4:5:6:7:8' });
    expect(decodeParamBytes(Buffer.concat([ip4('10.0.0.0'), ip4('255.0.0.0')]), pi(ParamType.IPNET), true)).toMatchObject({ kind: 'ipnet', addr: '10.0.0.0', mask: '255.0.0.0' });
    expect(decodeParamBytes(Buffer.alloc(32), pi(ParamType.IPV6NET), true)).toMatchObject({ kind: 'ipnet', addr: '::', mask: '::' });
    expect(decodeParamBytes(Buffer.alloc(5), pi(ParamType.IPADDR), true).kind).toBe('invalid');
    expect(decodeParamBytes(Buffer.alloc(16), pi(ParamType.IPV4ADDR), true).kind).toBe('invalid');
  });

  it('decodes DYN parameters through the index byte', () => {
    const dyn = pi(ParamType.DYN, PrintFormat.DEC, { dynamic: [pi(ParamType.FD), pi(ParamType.ERRNO)] });
    const v = decodeBoth(dyn, Buffer.concat([u8(1), i64(-13)]), Buffer.concat([u8(1), i64(-13, false)]));
    expect(v).toMatchObject({ kind: 'dyn', index: 1, value: { kind: 'errno', value: -13 } });
    expect(decodeParamBytes(Buffer.concat([u8(5), i64(1)]), dyn, true).kind).toBe('invalid');
    expect(decodeParamBytes(Buffer.concat([u8(0), Buffer.alloc(3)]), dyn, true)).toMatchObject({ kind: 'dyn', value: { kind: 'invalid' } });
    expect(decodeParamBytes(u8(0), dyn, true)).toMatchObject({ kind: 'dyn', value: { kind: 'absent' } });
    expect(decodeParamBytes(u8(0), pi(ParamType.DYN), true).kind).toBe('invalid');
  });

  it('represents empty parameters and missing parameters as absent', () => {
    const ev = makeEvent(2, [Buffer.alloc(0), i64(1)]);
    for (const t of [ParamType.UINT64, ParamType.CHARBUF, ParamType.BYTEBUF, ParamType.SOCKADDR, ParamType.FD]) {
      expect(decodeParam(ev, pi(t), 0)).toEqual({ kind: 'absent' });
    }
    expect(decodeParam(ev, pi(ParamType.UINT64), 1)).toEqual({ kind: 'int64', value: 1n });
    expect(decodeParam(ev, pi(ParamType.UINT64), 2)).toEqual({ kind: 'absent' });
  });

  it('turns malformed lengths into invalid values without throwing or reading past the parameter', () => {
    const sizes: [ParamType, number][] = [
      [ParamType.INT8, 1], [ParamType.UINT8, 1], [ParamType.FLAGS8, 1], [ParamType.SIGTYPE, 1], [ParamType.ENUMFLAGS8, 1],
      [ParamType.INT16, 2], [ParamType.UINT16, 2], [ParamType.SYSCALLID, 2], [ParamType.PORT, 2], [ParamType.FLAGS16, 2],
      [ParamType.INT32, 4], [ParamType.UINT32, 4], [ParamType.UID, 4], [ParamType.GID, 4], [ParamType.MODE, 4], [ParamType.SIGSET, 4],
      [ParamType.FLAGS32, 4], [ParamType.BOOL, 4], [ParamType.FD32, 4], [ParamType.PID32, 4], [ParamType.IPV4ADDR, 4],
      [ParamType.INT64, 8], [ParamType.UINT64, 8], [ParamType.ERRNO, 8], [ParamType.FD, 8], [ParamType.PID, 8],
      [ParamType.RELTIME, 8], [ParamType.ABSTIME, 8], [ParamType.DOUBLE, 8],
    ];
    for (const [t, size] of sizes) {
      for (const len of [size - 1, size + 1, 3]) {
        if (len <= 0 || len === size) continue;
        // The parameter is followed by 0xEE bytes: reading past it would change the result.
        const ev = makeEvent(2, [Buffer.alloc(len, 0x11), Buffer.alloc(16, 0xee)]);
        const v = decodeParam(ev, pi(t), 0);
        expect(v.kind, `type ${t} length ${len}`).toBe('invalid');
        if (v.kind === 'invalid') expect(v.bytes.length).toBe(len);
      }
    }
    const ev = makeEvent(2, [Buffer.alloc(3, 0x11)]);
    const v = decodeParam(ev, pi(ParamType.UINT64), 0);
    expect(v).toMatchObject({ kind: 'invalid', reason: 'UINT64 needs 8 bytes, got 3' });
    expect(renderParam(ev, { ...info(code('read', '<')), params: [{ name: 'res', type: ParamType.UINT64, format: PrintFormat.DEC }] }, 0, {}, { sysdig029: false })).toBe(
      'res=<INVALID>',
    );
  });

  it('keeps unknown type codes as raw bytes', () => {
    expect(decodeParamBytes(Buffer.from([1, 2]), pi(99 as ParamType), true)).toMatchObject({ kind: 'unknown', type: 99 });
  });
});

// ---------------------------------------------------------------------------------------
// Rendering
// ---------------------------------------------------------------------------------------

const FILES: Record<number, string> = { 3: '<f>/etc/passwd', 8: '<u>', 9: '<e>', 5: '<p>pipe:[22242]', 4: '<4t>127.0.0.1:45678->127.0.0.1:80' };
const STATE: ParamResolver = {
  describe: (fd) => FILES[fd],
  comm: (tid) => (tid === 2987 ? 'sysdig' : undefined),
  userName: (uid) => (uid === 0 ? 'root' : undefined),
  groupName: (gid) => (gid === 0 ? 'root' : undefined),
  cwd: () => '/root/',
  dirPath: (fd) => (fd === 7 ? '/var/log' : undefined),
};

describe('renderParam', () => {
  it('renders fds with and without state', () => {
    const c = code('read', '>', 2);
    const ev = makeEvent(c, [i64(3), u32(4096)]);
    expect(renderParam(ev, info(c), 0, STATE)).toBe('fd=3(<f>/etc/passwd)');
    expect(renderParam(ev, info(c), 0)).toBe('fd=3');
    expect(renderParam(ev, info(c), 1, STATE)).toBe('size=4096');
    expect(renderEventArgs(ev, info(c), STATE)).toBe('fd=3(<f>/etc/passwd) size=4096 ');
    const neg = makeEvent(c, [i64(-2), u32(1)]);
    expect(renderParam(neg, info(c), 0)).toBe('fd=-2(ENOENT)');
    expect(renderParam(neg, info(c), 0, { threadKnown: false })).toBe('fd=-2');
    expect(renderParam(makeEvent(c, [i64(-100), u32(1)]), info(c), 0)).toBe('fd=-100(AT_FDCWD)');
    expect(renderParam(makeEvent(c, [i64(-100000), u32(1)]), info(c), 0)).toBe('fd=-100000');
  });

  it('renders openat with dirfd, relative path, flags and mode', () => {
    const c = code('openat', '<', 7);
    const i = info(c);
    expect(i.params.map((p) => p.name)).toEqual(['fd', 'dirfd', 'name', 'flags', 'mode', 'dev', 'ino']);
    const ev = makeEvent(c, [i64(3), i64(-100), str('etc/../etc/./passwd'), u32(5185), u32(0o644), u32(0x2d), i64(1234)]);
    // sysdig 0.29 knew six of the seven parameters.
    expect(renderEventArgs(ev, i, STATE)).toBe(
      'fd=3(<f>/etc/passwd) dirfd=-100(AT_FDCWD) name=etc/../etc/./passwd(/root/etc/passwd) flags=5185(O_DIRECTORY|O_NONBLOCK|O_RDONLY|O_CLOEXEC) mode=0644 dev=2D ',
    );
    expect(renderEventArgs(ev, i, STATE, { sysdig029: false })).toMatch(/ dev=2D ino=1234 $/);
    // Relative to a dirfd the resolver knows; absolute paths are not resolved.
    const rel = makeEvent(c, [i64(4), i64(7), str('syslog'), u32(1), u32(0), u32(0), i64(0)]);
    expect(renderParam(rel, i, 2, STATE)).toBe('name=syslog(/var/log/syslog)');
    const abs = makeEvent(c, [i64(4), i64(7), str('/x//y/'), u32(0), u32(0), u32(0), i64(0)]);
    expect(renderParam(abs, i, 2, STATE)).toBe('name=/x//y/');
    // Without state relative paths print as they are.
    expect(renderParam(rel, i, 2)).toBe('name=syslog');
    expect(renderParam(rel, i, 3)).toBe('flags=1(O_RDONLY)');
    expect(renderParam(rel, i, 4)).toBe('mode=0');
  });

  it('renders errnos', () => {
    const c = code('open', '<', 6);
    const i = info(c);
    const ev = makeEvent(c, [i64(-2), str('/nope'), u32(1), u32(0), u32(0), i64(0)]);
    expect(renderParam(ev, i, 0)).toBe('fd=-2(ENOENT)');
    const r = code('close', '<');
    expect(renderEventArgs(makeEvent(r, [i64(-9), i64(3)]), info(r))).toBe('res=-9(EBADF) ');
    expect(renderEventArgs(makeEvent(r, [i64(0), i64(3)]), info(r))).toBe('res=0 ');
    expect(renderEventArgs(makeEvent(r, [i64(-9999), i64(3)]), info(r))).toBe('res=-9999 ');
    // sysdig 0.29 printed only the first parameter of close exit; the current table has two.
    expect(sysdig029ParamCount(r)).toBe(1);
    expect(renderEventArgs(makeEvent(r, [i64(0), i64(3)]), info(r), STATE, { sysdig029: false })).toBe('res=0 fd=3(<f>/etc/passwd) ');
  });

  it('renders socket tuples and addresses', () => {
    const c = code('connect', '<');
    const i = info(c);
    const t4 = Buffer.concat([u8(2), ip4('127.0.0.1'), u16(45678), ip4('127.0.0.1'), u16(80)]);
    const ev = makeEvent(c, [i64(0), t4, i64(4), Buffer.concat([u8(2), ip4('127.0.0.1'), u16(80)])]);
    expect(renderParam(ev, i, 1)).toBe('tuple=127.0.0.1:45678->127.0.0.1:80');
    expect(renderParam(ev, i, 3)).toBe('addr=127.0.0.1:80');
    expect(renderParam(ev, i, 2, STATE)).toBe('fd=4(<4t>127.0.0.1:45678->127.0.0.1:80)');
    const mapped = Buffer.concat([u8(10), ip6([0, 0, 0, 0, 0, 0xffff, 0x0a00, 0x0001]), u16(1000), ip6([0, 0, 0, 0, 0, 0xffff, 0x0a00, 0x0002]), u16(2000)]);
    expect(renderParam(makeEvent(c, [i64(0), mapped]), i, 1)).toBe('tuple=10.0.0.1:1000->10.0.0.2:2000');
    const v6 = Buffer.concat([u8(10), ip6([0x2001, 0xdb8, 0, 0, 0, 0, 0, 1]), u16(1000), ip6([0x2a00, 0x1450, 0x4001, 0x80b, 0, 0, 0, 0x200e]), u16(443)]);
    expect(renderParam(makeEvent(c, [i64(0), v6]), i, 1)).toBe('tuple=2001:db8::1:1000->2a00:1450:4001:80b::200e:443');
    const unix = Buffer.concat([u8(1), i64(0xffff9a1bc2d3n), i64(0n), str('/run/systemd/journal/stdout')]);
    expect(renderParam(makeEvent(c, [i64(0), unix]), i, 1)).toBe('tuple=ffff9a1bc2d3->0 /run/systemd/journal/stdout');
    expect(renderParam(makeEvent(c, [i64(0), Buffer.alloc(0)]), i, 1)).toBe('tuple=NULL');
    expect(renderParam(makeEvent(c, [i64(0), Buffer.from([2, 1])]), i, 1)).toBe('tuple=INVALID IPv4');
    expect(renderParam(makeEvent(c, [i64(0), Buffer.from([10, 1])]), i, 1)).toBe('tuple=INVALID IPv6');
    expect(renderParam(makeEvent(c, [i64(0), Buffer.from([17, 1])]), i, 1)).toBe('tuple=family 17');
    const e = code('connect', '>', 2);
    const a6 = Buffer.concat([u8(10), ip6([0, 0, 0, 0, 0, 0, 0, 1]), u16(53)]);
    expect(renderParam(makeEvent(e, [i64(3), a6]), info(e), 1)).toBe('addr=::1:53');
    expect(renderParam(makeEvent(e, [i64(3), Buffer.concat([u8(1), str('/tmp/a\u0001b')])]), info(e), 1)).toBe('addr=/tmp/ab');
    expect(renderParam(makeEvent(e, [i64(3), Buffer.alloc(0)]), info(e), 1)).toBe('addr=NULL');
  });

  it('renders data buffers with dots and truncates them at 80 characters', () => {
    const c = code('read', '<', 4);
    const i = info(c);
    const data = Buffer.concat([Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'), Buffer.from([0, 0xff])]);
    expect(renderParam(makeEvent(c, [i64(data.length), data]), i, 1)).toBe('data=GET / HTTP/1.1..Host: x......');
    const long = Buffer.alloc(100, 0x61);
    expect(renderParam(makeEvent(c, [i64(100), long]), i, 1)).toBe(`data=${'a'.repeat(77)}...`);
    const exact = Buffer.alloc(80, 0x62);
    expect(renderParam(makeEvent(c, [i64(80), exact]), i, 1)).toBe(`data=${'b'.repeat(80)}`);
    const over = Buffer.alloc(81, 0x62);
    expect(renderParam(makeEvent(c, [i64(81), over]), i, 1)).toBe(`data=${'b'.repeat(77)}...`);
    expect(renderParam(makeEvent(c, [i64(100), long]), i, 1, {}, { maxBufferLength: 0 })).toBe(`data=${'a'.repeat(100)}`);
    expect(renderParam(makeEvent(c, [i64(0), Buffer.alloc(0)]), i, 1)).toBe('data=');
    expect(renderBuffer(Buffer.from('ab\ncd'), { bufferFormat: 'base64' })).toBe('YWIKY2Q=');
    expect(renderBuffer(Buffer.from('abc'), { bufferFormat: 'hex' })).toBe('\n\t0x0000: 6162 63\n');
    expect(renderBuffer(Buffer.from('abc'), { bufferFormat: 'hexascii' })).toBe(`\n\t0x0000: 6162 63${' '.repeat(30)}  abc\n`);
    expect(renderBuffer(Buffer.from('a\r\nb\nc\u0001'), { bufferFormat: 'ascii' })).toBe('\na\nb\nc');
  });

  it('renders uids and gids', () => {
    const c = code('setuid', '>');
    const i = info(c);
    expect(i.params[0]!.type).toBe(ParamType.UID);
    expect(renderParam(makeEvent(c, [u32(0)]), i, 0, STATE)).toBe('uid=0(root)');
    expect(renderParam(makeEvent(c, [u32(1000)]), i, 0, STATE)).toBe('uid=1000(<NA>)');
    expect(renderParam(makeEvent(c, [u32(0)]), i, 0)).toBe('uid=0(<NA>)');
    expect(renderParam(makeEvent(c, [u32(0xffffffff)]), i, 0)).toBe('uid=-1(<NONE>)');
    expect(renderParam(makeEvent(c, [u32(0xfffffffe)]), i, 0)).toBe('uid=-2(<NA>)');
    const g = code('setgid', '>');
    expect(renderParam(makeEvent(g, [u32(0)]), info(g), 0, STATE)).toBe('gid=0(root)');
  });

  it('renders pids with the thread name', () => {
    const c = code('switch', '>');
    const i = info(c);
    const ev = makeEvent(c, [i64(2987), i64(0), i64(1472), u32(317932), u32(22308), u32(0)]);
    expect(renderEventArgs(ev, i, STATE)).toBe('next=2987(sysdig) pgft_maj=0 pgft_min=1472 vm_size=317932 vm_rss=22308 vm_swap=0 ');
    expect(renderEventArgs(ev, i)).toBe('next=2987 pgft_maj=0 pgft_min=1472 vm_size=317932 vm_rss=22308 vm_swap=0 ');
  });

  it('renders relative times', () => {
    const c = code('nanosleep', '>');
    const i = info(c);
    expect(renderParam(makeEvent(c, [i64(0)]), i, 0)).toBe('interval=0(0s)');
    expect(renderParam(makeEvent(c, [i64(1_500_000_000)]), i, 0)).toBe('interval=1500000000(1.5s)');
    expect(renderParam(makeEvent(c, [i64(10_000)]), i, 0)).toBe('interval=10000(1e-05s)');
    expect(renderParam(makeEvent(c, [i64(123_456_789_012)]), i, 0)).toBe('interval=123456789012(123.457s)');
    expect(renderParam(makeEvent(c, [i64(-1n)]), i, 0)).toBe('interval=none');
  });

  it('renders flags, enums and signals', () => {
    const f = code('futex', '>');
    expect(renderEventArgs(makeEvent(f, [i64(0xc000065948), u16(129), i64(1)]), info(f))).toBe('addr=C000065948 op=129(FUTEX_PRIVATE_FLAG|FUTEX_WAKE) val=1 ');
    expect(renderParam(makeEvent(f, [i64(0x5600c32351cc), u16(393), i64(0)]), info(f), 1)).toBe('op=393(FUTEX_CLOCK_REALTIME|FUTEX_PRIVATE_FLAG|FUTEX_WAIT_BITSET)');
    const s = code('socket', '>');
    expect(renderParam(makeEvent(s, [u32(2), u32(1), u32(0)]), info(s), 0)).toBe('domain=2(AF_INET)');
    const k = code('kill', '>');
    expect(renderEventArgs(makeEvent(k, [i64(1234), u8(9)]), info(k))).toBe('pid=1234 sig=9(SIGKILL) ');
    expect(renderParam(makeEvent(k, [i64(1234), u8(0)]), info(k), 1)).toBe('sig=0');
  });

  it('renders sigsets, fd lists and string arrays', () => {
    const sigset: ParamInfo = pi(ParamType.SIGSET);
    const ev = makeEvent(2, [u32((1 << 8) | (1 << 14) | (1 << 31))]);
    const ei: EventInfo = { ...info(2), params: [{ ...sigset, name: 'mask' }] };
    expect(renderParam(ev, ei, 0, {}, { sysdig029: false })).toBe('mask=SIGKILL SIGTERM');
    const p = code('poll', '>');
    const fds = Buffer.concat([u16(2), i64(9), u16(1), i64(12), u16(0x204)]);
    expect(renderParam(makeEvent(p, [fds, i64(100)]), info(p), 0, STATE)).toBe('fds=9:e1 12:?204');
    expect(renderParam(makeEvent(p, [fds, i64(100)]), info(p), 0)).toBe('fds=9:?1 12:?204');
    expect(renderParam(makeEvent(p, [u16(0), i64(100)]), info(p), 0)).toBe('fds=');
    const arr: EventInfo = { ...info(2), params: [{ name: 'argv', type: ParamType.CHARBUFARRAY, format: PrintFormat.NA }, { name: 'labels', type: ParamType.CHARBUF_PAIR_ARRAY, format: PrintFormat.NA }] };
    const ev2 = makeEvent(2, [Buffer.from('ls\0-l\0'), Buffer.from('a\x001\0b\x002\0')]);
    expect(renderEventArgs(ev2, arr, {}, { sysdig029: false })).toBe('argv=ls.-l labels=a:1,b:2 ');
  });

  it('renders absent parameters', () => {
    const ei: EventInfo = {
      ...info(2),
      params: [ParamType.UINT64, ParamType.FD, ParamType.CHARBUF, ParamType.BYTEBUF, ParamType.SOCKADDR, ParamType.FDLIST].map((type, k) => ({ name: `p${k}`, type, format: PrintFormat.DEC })),
    };
    const ev = makeEvent(2, ei.params.map(() => Buffer.alloc(0)));
    expect(renderEventArgs(ev, ei, {}, { sysdig029: false })).toBe('p0=<NA> p1=<NA> p2= p3= p4=NULL p5=NULL ');
  });

  it('prints nothing for generic syscall events', () => {
    expect(renderEventArgs(makeEvent(1, [u16(5)]), info(1))).toBe('');
    expect(renderEventArgs(makeEvent(0, [u16(5), u16(200)]), info(0))).toBe('');
  });

  it('renders big-endian events like little-endian ones', () => {
    const c = code('connect', '<');
    const le = Buffer.concat([u8(2), ip4('10.1.2.3'), u16(5555), ip4('10.3.2.1'), u16(443)]);
    const be = Buffer.concat([u8(2), ip4('10.1.2.3'), u16(5555, false), ip4('10.3.2.1'), u16(443, false)]);
    const a = renderEventArgs(makeEvent(c, [i64(-115), le, i64(3)], true), info(c), STATE);
    const b = renderEventArgs(makeEvent(c, [i64(-115, false), be, i64(3, false)], false), info(c), STATE);
    expect(a).toBe('res=-115(EINPROGRESS) tuple=10.1.2.3:5555->10.3.2.1:443 ');
    expect(b).toBe(a);
  });
});

describe('number formats', () => {
  it('follows the printf formats libsinsp uses', () => {
    expect(formatInt(-1n, 32, PrintFormat.HEX)).toBe('FFFFFFFF');
    expect(formatInt(-1n, 64, PrintFormat.HEX)).toBe('FFFFFFFFFFFFFFFF');
    expect(formatInt(0x7ffdc0b68b70n, 64, PrintFormat.HEX)).toBe('7FFDC0B68B70');
    expect(formatInt(0o644n, 32, PrintFormat.OCT)).toBe('0644');
    expect(formatInt(0n, 32, PrintFormat.OCT)).toBe('0');
    expect(formatInt(5n, 32, PrintFormat.PADDED_DEC_10)).toBe('000000005');
    expect(formatInt(-5n, 32, PrintFormat.PADDED_DEC_10)).toBe('-00000005');
    expect(formatInt(1234567890n, 32, PrintFormat.PADDED_DEC_10)).toBe('1234567890');
    expect(formatInt(-7n, 64, PrintFormat.DEC)).toBe('-7');
    expect(formatInt(42n, 32, PrintFormat.ID)).toBe('42');
  });

  it('prints UINT32 and UINT64 decimals as signed, like sysdig', () => {
    const ei: EventInfo = {
      ...info(2),
      params: [
        { name: 'a', type: ParamType.UINT32, format: PrintFormat.DEC },
        { name: 'b', type: ParamType.UINT64, format: PrintFormat.DEC },
        { name: 'c', type: ParamType.UINT8, format: PrintFormat.HEX },
        { name: 'd', type: ParamType.INT8, format: PrintFormat.HEX },
        { name: 'e', type: ParamType.INT16, format: PrintFormat.OCT },
      ],
    };
    const ev = makeEvent(2, [u32(0x80000000), i64(-1n), u8(0xab), u8(0xff), u16(8)]);
    expect(renderEventArgs(ev, ei, {}, { sysdig029: false })).toBe('a=-2147483648 b=-1 c=AB d=FFFFFFFF e=010 ');
  });

  it('formats %g', () => {
    expect(formatG(0)).toBe('0');
    expect(formatG(1.5)).toBe('1.5');
    expect(formatG(0.0001)).toBe('0.0001');
    expect(formatG(0.00001)).toBe('1e-05');
    expect(formatG(123456)).toBe('123456');
    expect(formatG(1234567)).toBe('1.23457e+06');
    expect(formatG(100)).toBe('100');
    expect(formatG(0.1 + 0.2)).toBe('0.3');
  });

  it('writes IPv6 addresses as inet_ntop does', () => {
    const s = (w: number[]): string => ipv6String(ip6(w), 0);
    expect(s([0, 0, 0, 0, 0, 0, 0, 0])).toBe('::');
    expect(s([0, 0, 0, 0, 0, 0, 0, 1])).toBe('::1');
    expect(s([1, 0, 0, 0, 0, 0, 0, 0])).toBe('1::');
    expect(s([0xfe80, 0, 0, 0, 0, 0, 0, 1])).toBe('fe80::1');
    expect(s([1, 0, 0, 1, 0, 0, 0, 1])).toBe('1:0:0:1::1');
    expect(s([1, 0, 0, 1, 1, 0, 0, 1])).toBe('1::1:1:0:0:1');
    expect(s([1, 0, 2, 3, 4, 5, 6, 7])).toBe('1:0:2:3:4:5:6:7');
    expect(s([0, 0, 0, 0, 0, 0xffff, 0x0102, 0x0304])).toBe('::ffff:1.2.3.4');
    expect(s([0, 0, 0, 0, 0, 0, 0x0102, 0x0304])).toBe('::1.2.3.4');
    expect(s([0x2001, 0xdb8, 0, 0, 0xff00, 0x42, 0x8329, 0])).toBe('2001:db8::ff00:42:8329:0');
  });

  it('concatenates paths as libsinsp does', () => {
    expect(resolvePath('/root/', 'a/b')).toBe('/root/a/b');
    expect(resolvePath('/root/', '.')).toBe('/root');
    expect(resolvePath('/', '.')).toBe('/');
    expect(resolvePath('/root/', '..')).toBe('/');
    expect(resolvePath('/a/b/', '../c')).toBe('/a/c');
    expect(resolvePath('/a/b/', '../../../../c')).toBe('/c');
    expect(resolvePath('/a/', './x//y/')).toBe('/a/x/y');
    expect(resolvePath('/a/', 'x\u0001y')).toBe('/a/x.y');
    expect(resolvePath('/a/', '.hidden')).toBe('/a/.hidden');
    expect(resolvePath('/a/', '..x')).toBe('/a/..x');
    expect(resolvePath('', 'rel/p')).toBe('rel/p');
  });
});

// ---------------------------------------------------------------------------------------
// Differential test against sysdig 0.29
// ---------------------------------------------------------------------------------------

/**
 * Resolver whose answers are placeholders: wherever sysdig's text needs state (fd names,
 * thread names, users, cwd) the comparison accepts whatever sysdig printed, or nothing.
 * Everything else must match byte for byte.
 */
const MARK = '@@M@@';
const TCH = '~';
const LOOSE: ParamResolver = {
  describe: () => `<${TCH}>${MARK}`,
  comm: () => MARK,
  userName: () => MARK,
  groupName: () => MARK,
  cwd: () => MARK,
  dirPath: () => MARK,
};
const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
function looseMatcher(ours: string): RegExp {
  const any = '(?:\\(.*?\\))?';
  const body = ours
    .split(`(<${TCH}>${MARK})`)
    .map((a) => a.split(`(${MARK})`).map((b) => b.split(TCH).map(esc).join('.')).join(any))
    .join(any);
  return new RegExp('^' + body + '$', 's');
}

interface DiffResult {
  events: number;
  compared: number;
  /** Equal with every state-dependent part wildcarded. */
  loose: number;
  /**
   * Equal with thread names, users and the names of non-socket fds taken from the capture's
   * state blocks, i.e. as they were when the capture started (sockets and cwd wildcarded).
   */
  semi: number;
  /** Equal with no state at all. */
  exact: number;
  mismatches: string[];
}

const SEP = '\u0003@@';

async function differential(path: string): Promise<DiffResult | undefined> {
  let out: string;
  try {
    out = execFileSync('sysdig', ['-r', path, '-p', `${SEP}%evt.num %evt.info`], { maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'ignore'] }).toString('utf8');
  } catch {
    return undefined; // sysdig 0.29 cannot read some newer files
  }
  const sys = new Map<number, string>();
  for (const rec of out.split(SEP)) {
    if (rec === '') continue;
    const body = rec.endsWith('\n') ? rec.slice(0, -1) : rec;
    const sp = body.indexOf(' ');
    sys.set(Number(body.slice(0, sp)), body.slice(sp + 1));
  }
  const res: DiffResult = { events: 0, compared: 0, loose: 0, semi: 0, exact: 0, mismatches: [] };
  const comms = new Map<number, string>();
  const users = new Map<number, string>();
  const groups = new Map<number, string>();
  const pids = new Map<number, number>();
  const fdNames = new Map<number, Map<number, string>>();
  const SEMI: ParamResolver = { ...LOOSE, comm: (t) => comms.get(t), userName: (u) => users.get(u), groupName: (g) => groups.get(g) };
  const reader = await ScapReader.open(path);
  try {
    await reader.read({
      onBlock(b) {
        if (!isStateBlockType(b.type)) return;
        const d = decodeStateBlock(b.type, b.buf, b.start, b.length, b.section.littleEndian, { file: path, offset: b.offset });
        if (d?.kind === 'proclist') {
          for (const t of d.threads) {
            comms.set(t.tid, t.comm);
            pids.set(t.tid, t.pid);
          }
        }
        if (d?.kind === 'fdlist') {
          // Only name-only fd types: socket names are the state engine's business.
          const m = new Map<number, string>();
          for (const e of d.table.fds) if (e.info.kind === 'name' || e.info.kind === 'file') m.set(e.fd, describeFd(e.type, e.info.name));
          fdNames.set(d.table.tid, m);
        }
        if (d?.kind === 'userlist') {
          for (const u of d.users) users.set(u.uid, u.name);
          for (const g of d.groups) groups.set(g.gid, g.name);
        }
      },
      onEvent(ev) {
        // sysdig 0.29 numbers only the events its table knows.
        if (ev.type >= SYSDIG029_EVENT_MAX) return;
        const num = ++res.events;
        const theirs = sys.get(num);
        if (theirs === undefined) return;
        const ei = eventInfo(ev.type)!;
        res.compared++;
        if (renderEventArgs(ev, ei) === theirs) res.exact++;
        const ours = renderEventArgs(ev, ei, LOOSE);
        const fds = fdNames.get(pids.get(ev.tid) ?? ev.tid);
        const semi: ParamResolver = fds === undefined ? SEMI : { ...SEMI, describe: (fd) => fds.get(fd) ?? LOOSE.describe!(fd) };
        if (looseMatcher(renderEventArgs(ev, ei, semi)).test(theirs)) res.semi++;
        if (looseMatcher(ours).test(theirs)) res.loose++;
        else res.mismatches.push(`#${num} ${ei.name}: sysdig ${JSON.stringify(theirs)} ours ${JSON.stringify(ours)}`);
      },
    });
  } finally {
    await reader.close();
  }
  return res;
}

const SAMPLE = join(SHARED_CAPTURES, 'libs', 'sample.scap');
const canDiff = hasShared && hasSysdig && existsSync(SAMPLE);
if (!canDiff) skipNote('params differential test against sysdig', !hasShared ? '../shared/captures' : 'sysdig');

describe.skipIf(!canDiff)('differential: renderEventArgs vs sysdig 0.29 %evt.info', () => {
  it('matches every event sysdig prints for libs/sample.scap', async () => {
    const r = (await differential(SAMPLE))!;
    console.log(
      `[params] libs/sample.scap: ${r.compared} events printed by sysdig, ${r.loose} match (state-dependent parts wildcarded), ` +
        `${r.semi} with thread, user and fd names from the initial state blocks, ${r.exact} exactly with no state`,
    );
    expect(r.mismatches.slice(0, 5)).toEqual([]);
    expect(r.compared).toBe(402);
    expect(r.loose).toBe(402);
  });

  it('matches the events sysdig prints for the other shared captures', async () => {
    let compared = 0;
    let loose = 0;
    const mismatches: string[] = [];
    for (const c of sharedCaptures()) {
      if (c.path === SAMPLE) continue;
      const r = await differential(c.path);
      if (r === undefined) {
        console.log(`[params] ${c.name}: sysdig cannot read it, skipped`);
        continue;
      }
      console.log(`[params] ${c.name}: ${r.compared} compared, ${r.loose} match, ${r.semi} with initial thread/user/fd names, ${r.exact} exact without state`);
      compared += r.compared;
      loose += r.loose;
      mismatches.push(...r.mismatches.slice(0, 3).map((m) => `${c.name} ${m}`));
    }
    expect(mismatches).toEqual([]);
    expect(loose).toBe(compared);
  });
});

describe('describeFd', () => {
  it('builds the text sysdig prints for an fd', () => {
    expect(describeFd(FdType.FILE, '/etc/passwd')).toBe('<f>/etc/passwd');
    expect(describeFd(FdType.FILE_V2, '/etc/passwd')).toBe('<f>/etc/passwd');
    expect(describeFd(FdType.DIRECTORY, '/')).toBe('<d>/');
    expect(describeFd(FdType.IPV4_SOCK, '127.0.0.1:45678->127.0.0.1:80', 2)).toBe('<4t>127.0.0.1:45678->127.0.0.1:80');
    expect(describeFd(FdType.IPV6_SERVSOCK, ':::80', 3)).toBe('<6u>:::80');
    expect(describeFd(FdType.UNIX_SOCK, '')).toBe('<u>');
    expect(describeFd(FdType.FIFO, 'pipe:[22242]')).toBe('<p>pipe:[22242]');
    expect(describeFd(FdType.EVENT, '')).toBe('<e>');
    expect(describeFd(FdType.FILE, '/tmp/a\u0007b\u00e9')).toBe('<f>/tmp/ab');
    expect(describeFd(FdType.MEMFD, 'memfd:x')).toBe('<?>memfd:x');
    expect(describeFd(FdType.MEMFD, 'memfd:x', 0, { sysdig029: false })).toBe('<m>memfd:x');
    expect(fdTypeChar(FdType.UNSUPPORTED)).toBe('X');
    expect(fdTypeChar(99)).toBe('?');
  });
});
