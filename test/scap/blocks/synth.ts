/**
 * Builders for synthetic state blocks: whole framed blocks in either byte order, and
 * hand-written encoders for the OLD block versions (our encoders only write the newest),
 * laid out field by field from libscap's reader so the decoders meet every variant.
 */
import { ByteWriter, joinNulList } from '../../../src/scap/blocks/cursor.js';
import { parseIPv4, parseIPv6 } from '../../../src/scap/blocks/net.js';
import { newThreadEntry, type ThreadEntry } from '../../../src/scap/blocks/proclist.js';
import type { FdEntry } from '../../../src/scap/blocks/fdlist.js';
import type { InterfaceEntry } from '../../../src/scap/blocks/iflist.js';
import type { UserList } from '../../../src/scap/blocks/userlist.js';

/** A whole block (header, body, padding, trailer) at offset `lead` of the returned buffer. */
export function frame(type: number, body: Buffer, le = true, lead = 0): { buf: Buffer; start: number; length: number } {
  const pad = (4 - (body.length % 4)) % 4;
  const length = 12 + body.length + pad;
  const buf = Buffer.alloc(lead + length, 0xee);
  buf.fill(0, lead);
  if (le) {
    buf.writeUInt32LE(type >>> 0, lead);
    buf.writeUInt32LE(length, lead + 4);
    buf.writeUInt32LE(length, lead + length - 4);
  } else {
    buf.writeUInt32BE(type >>> 0, lead);
    buf.writeUInt32BE(length, lead + 4);
    buf.writeUInt32BE(length, lead + length - 4);
  }
  body.copy(buf, lead + 8);
  return { buf, start: lead, length };
}

const str = (w: ByteWriter, s: string) => w.blob16(Buffer.from(s, 'utf8'));

/** A process list body in block version 1..9 (9 writes every field, like encodeProcList). */
export function procListBody(version: number, threads: ThreadEntry[], le = true, v9Tail: 'full' | 'pre-0.10' | 'none' = 'full'): Buffer {
  const w = new ByteWriter(1024, le);
  for (const t of threads) {
    const lenAt = version >= 9 ? w.reserveU32() : -1;
    w.i64(t.tid).i64(t.pid).i64(t.ptid);
    if (version >= 6) w.i64(t.sid);
    if (version >= 8) w.i64(t.vpgid);
    str(w, t.comm);
    str(w, t.exe);
    if (version >= 7) str(w, t.exepath);
    w.blob16(joinNulList(t.args));
    str(w, t.cwd);
    w.i64(t.fdlimit).u32(t.flags).u32(t.uid).u32(t.gid);
    if (version >= 2) {
      w.u32(t.vmsizeKb).u32(t.vmrssKb).u32(t.vmswapKb).u64(t.pfmajor).u64(t.pfminor);
      if (version >= 3) w.blob16(joinNulList(t.env));
      if (version >= 4) {
        w.i64(t.vtid).i64(t.vpid).blob16(joinNulList(t.cgroups));
        if (version >= 5) str(w, t.root);
      }
    }
    if (version >= 9) {
      if (v9Tail === 'full') {
        w.u64(t.pidnsInitStartTs).u32(t.tty);
      }
      if (v9Tail !== 'none') {
        w.u32(t.loginuid).u8(t.exeWritable).u64(t.capInheritable).u64(t.capPermitted).u64(t.capEffective);
      }
      if (v9Tail === 'full') {
        w.u8(t.exeUpperLayer).u64(t.exeIno).u64(t.exeInoCtime).u64(t.exeInoMtime).u8(t.exeFromMemfd).u8(t.exeLowerLayer).i64(t.pgid);
      }
      w.patchU32(lenAt, w.length - lenAt);
    }
  }
  return w.finish();
}

/** The thread as a block of `version` carries it: fields it lacks back at their defaults. */
export function asSeenIn(version: number, t: ThreadEntry): ThreadEntry {
  const d = newThreadEntry({ tid: t.tid });
  const keep: (keyof ThreadEntry)[] = ['tid', 'pid', 'ptid', 'comm', 'exe', 'args', 'cwd', 'fdlimit', 'flags', 'uid', 'gid'];
  if (version >= 2) keep.push('vmsizeKb', 'vmrssKb', 'vmswapKb', 'pfmajor', 'pfminor');
  if (version >= 3) keep.push('env');
  if (version >= 4) keep.push('vtid', 'vpid', 'cgroups');
  if (version >= 5) keep.push('root');
  if (version >= 6) keep.push('sid');
  if (version >= 7) keep.push('exepath');
  if (version >= 8) keep.push('vpgid');
  const out = { ...d } as Record<string, unknown>;
  for (const k of keep) out[k] = t[k];
  return out as unknown as ThreadEntry;
}

/** An FDL (version 1) body: no entry lengths, no dev on FILE_V2. */
export function fdListV1Body(tid: number, fds: FdEntry[], le = true): Buffer {
  const w = new ByteWriter(256, le);
  w.i64(tid);
  for (const e of fds) {
    w.i64(e.fd).u64(e.ino).u8(e.type);
    const i = e.info;
    switch (i.kind) {
      case 'ipv4':
        w.bytes(parseIPv4(i.sip)).bytes(parseIPv4(i.dip)).u16(i.sport).u16(i.dport).u8(i.l4proto);
        break;
      case 'ipv6':
        w.bytes(parseIPv6(i.sip)).bytes(parseIPv6(i.dip)).u16(i.sport).u16(i.dport).u8(i.l4proto);
        break;
      case 'ipv4server':
        w.bytes(parseIPv4(i.ip)).u16(i.port).u8(i.l4proto);
        break;
      case 'ipv6server':
        w.bytes(parseIPv6(i.ip)).u16(i.port).u8(i.l4proto);
        break;
      case 'unix':
        w.u64(i.source).u64(i.destination);
        str(w, i.name);
        break;
      case 'file':
        w.u32(i.openFlags);
        str(w, i.name);
        break;
      case 'name':
        str(w, i.name);
        break;
      case 'none':
        break;
      case 'raw':
        throw new Error('raw payloads cannot be written without entry lengths');
    }
  }
  return w.finish();
}

/** An IL (version 1) body; `noLinkspeed` uses the old entry types 3/4 without the link speed. */
export function ifListV1Body(entries: InterfaceEntry[], le = true, noLinkspeed = false): Buffer {
  const w = new ByteWriter(256, le);
  for (const e of entries) {
    const name = Buffer.from(e.name);
    const v4 = e.family === 'ipv4';
    w.u16(v4 ? (noLinkspeed ? 3 : 1) : noLinkspeed ? 4 : 2).u16(name.length);
    const p = v4 ? parseIPv4 : parseIPv6;
    w.bytes(p(e.addr)).bytes(p(e.netmask)).bytes(p(e.bcast));
    if (!noLinkspeed) w.u64(e.linkspeed ?? 0);
    w.bytes(name);
  }
  return w.finish();
}

/** A UL (version 1) body: entries without lengths. */
export function userListV1Body(list: UserList, le = true): Buffer {
  const w = new ByteWriter(256, le);
  for (const u of list.users) {
    w.u8(0).u32(u.uid).u32(u.gid);
    str(w, u.name);
    str(w, u.homedir);
    str(w, u.shell);
  }
  for (const g of list.groups) {
    w.u8(1).u32(g.gid);
    str(w, g.name);
  }
  return w.finish();
}

/** Rich threads: unicode, empty and multi-item lists, ids that are -1, 64-bit capabilities. */
export function sampleThreads(): ThreadEntry[] {
  return [
    newThreadEntry({
      tid: 1,
      pid: 1,
      ptid: 0,
      sid: 1,
      vpgid: 1,
      pgid: 1,
      comm: 'systemd',
      exe: '/sbin/init',
      exepath: '/usr/lib/systemd/systemd',
      args: ['--system', '--deserialize', '31'],
      cwd: '/',
      fdlimit: 1048576,
      flags: 0x40,
      uid: 0,
      gid: 0,
      vmsizeKb: 166564,
      vmrssKb: 11712,
      vmswapKb: 3,
      pfmajor: 167,
      pfminor: 13829,
      env: ['HOME=/', 'TERM=linux', 'EMPTY='],
      vtid: 1,
      vpid: 1,
      cgroups: ['cpu=/init.scope', 'memory=/init.scope'],
      root: '/',
      pidnsInitStartTs: 1_690_556_576_768_000_123n,
      tty: 34816,
      loginuid: 0xffffffff,
      exeWritable: false,
      capInheritable: 0n,
      capPermitted: 0x1ffffffffffn,
      capEffective: 0xffff_ffff_ffff_ffffn,
      exeUpperLayer: true,
      exeIno: 0xdead_beef_cafe_f00dn,
      exeInoCtime: 1_690_000_000_000_000_001n,
      exeInoMtime: 1_680_000_000_000_000_002n,
      exeFromMemfd: true,
      exeLowerLayer: true,
    }),
    newThreadEntry({
      tid: 4242,
      pid: 4200,
      ptid: 1,
      sid: 4200,
      vpgid: 7,
      pgid: 4200,
      comm: 'prögram ✓',
      exe: 'sshd: user@pts/0',
      exepath: '/opt/weird path/bin',
      args: ['', 'a b', ''],
      cwd: '/home/ユーザー',
      fdlimit: -1,
      flags: 0xffffffff,
      uid: 1000,
      gid: 65534,
      vtid: 12,
      vpid: 10,
      root: '/var/lib/container/rootfs',
      loginuid: 1000,
      exeWritable: true,
    }),
    newThreadEntry({ tid: 99999, pid: 99999, comm: '', exe: '', args: [], cwd: '' }),
  ];
}

export function sampleFds(): FdEntry[] {
  return [
    { fd: 0, ino: 5n, type: 16, info: { kind: 'file', openFlags: 0x8002, name: '/dev/null', dev: 0x800001 } },
    { fd: 1, ino: 0n, type: 1, info: { kind: 'name', name: '/var/log/old-style' } },
    { fd: 2, ino: 7n, type: 2, info: { kind: 'name', name: '/etc' } },
    { fd: 3, ino: 48265n, type: 3, info: { kind: 'ipv4', sip: '10.0.2.15', dip: '10.0.2.2', sport: 22, dport: 49289, l4proto: 2 } },
    { fd: 4, ino: 1n, type: 4, info: { kind: 'ipv6', sip: '2001:db8::4', dip: '::ffff:192.168.1.1', sport: 54405, dport: 1234, l4proto: 3 } },
    { fd: 5, ino: 2n, type: 5, info: { kind: 'ipv4server', ip: '0.0.0.0', port: 80, l4proto: 2 } },
    { fd: 6, ino: 3n, type: 6, info: { kind: 'ipv6server', ip: '::', port: 443, l4proto: 2 } },
    { fd: 7, ino: 22242n, type: 7, info: { kind: 'name', name: 'pipe:[22242]' } },
    { fd: 8, ino: 18104n, type: 8, info: { kind: 'unix', source: 18446631062843119936n, destination: 0n, name: '/run/systemd/journal/dev-log\n' } },
    { fd: 9, ino: 0n, type: 9, info: { kind: 'name', name: '' } },
    { fd: 10, ino: 0n, type: 10, info: { kind: 'name', name: 'anon_inode:[perf_event]' } },
    { fd: 11, ino: 0n, type: 11, info: { kind: 'name', name: 'signalfd' } },
    { fd: 12, ino: 0n, type: 12, info: { kind: 'name', name: 'eventpoll' } },
    { fd: 13, ino: 0n, type: 13, info: { kind: 'name', name: 'inotify' } },
    { fd: 14, ino: 0n, type: 14, info: { kind: 'name', name: 'timerfd' } },
    { fd: 15, ino: 0n, type: 15, info: { kind: 'name', name: 'netlink' } },
    { fd: 17, ino: 0n, type: 17, info: { kind: 'name', name: 'bpf-prog' } },
    { fd: 18, ino: 0n, type: 18, info: { kind: 'name', name: 'userfaultfd' } },
    { fd: 19, ino: 0n, type: 19, info: { kind: 'name', name: 'io_uring' } },
    { fd: 20, ino: 0n, type: 20, info: { kind: 'name', name: 'memfd:jit' } },
    { fd: 21, ino: 0n, type: 21, info: { kind: 'name', name: 'pidfd' } },
    { fd: 22, ino: 0n, type: 0, info: { kind: 'none' } },
    { fd: 2147483647, ino: 0xffff_ffff_ffff_fff0n, type: 16, info: { kind: 'file', openFlags: 0, name: 'ファイル', dev: 0 } },
  ];
}

export function sampleInterfaces(): InterfaceEntry[] {
  return [
    { family: 'ipv4', name: 'lo', addr: '127.0.0.1', netmask: '255.0.0.0', bcast: '127.0.0.1', linkspeed: 0 },
    { family: 'ipv4', name: 'eth0', addr: '192.168.121.128', netmask: '255.255.255.0', bcast: '192.168.121.255', linkspeed: 10_000_000_000 },
    { family: 'ipv6', name: 'lo', addr: '::1', netmask: 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', bcast: '::', linkspeed: 0 },
    { family: 'ipv6', name: 'eth0', addr: 'fe80::a00:27ff:fe61:6071', netmask: 'ffff:ffff:ffff:ffff::', bcast: '::', linkspeed: 1000 },
  ];
}

export function sampleUsers(): UserList {
  return {
    users: [
      { uid: 0, gid: 0, name: 'root', homedir: '/root', shell: '/bin/bash' },
      { uid: 65534, gid: 65534, name: 'nobody', homedir: '/nonexistent', shell: '/usr/sbin/nologin' },
      { uid: 1000, gid: 1000, name: 'jöhn', homedir: '', shell: '' },
    ],
    groups: [
      { gid: 0, name: 'root' },
      { gid: 4294967295, name: '' },
    ],
  };
}
