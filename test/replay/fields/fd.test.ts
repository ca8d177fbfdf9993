import { describe, expect, it } from 'vitest';
import { FdType } from '../../../src/scap/blocks/fdlist.js';
import { at, fd, makeEvent, out, thread, tuple4, val, world } from './build.js';

function setup() {
  const t = thread({ tid: 100, comm: 'nginx', cwd: '/srv/' });
  t.fds.set(3, fd({ fd: 3, kind: 'file', name: '/var/log/nginx/access.log', nameRaw: 'log//nginx/access.log', dev: 0x803, ino: 99n, scapType: FdType.FILE_V2 }));
  t.fds.set(4, fd({ fd: 4, kind: 'directory', name: '/var/log' }));
  t.fds.set(6, fd({ fd: 6, kind: 'ipv4', name: '0.0.0.0:80', sip: '0.0.0.0', sport: 80, l4proto: 2, scapType: FdType.IPV4_SERVSOCK, role: 'server' }));
  t.fds.set(7, fd({ fd: 7, kind: 'ipv4', name: '10.0.0.9:51000->10.0.0.1:80', sip: '10.0.0.9', sport: 51000, dip: '10.0.0.1', dport: 80, l4proto: 2, role: 'server', flags: 1 << 13, scapType: FdType.IPV4_SOCK }));
  t.fds.set(8, fd({ fd: 8, kind: 'ipv6', name: '::1:5000->::1:6000', sip: '::1', sport: 5000, dip: '::1', dport: 6000, l4proto: 3, role: 'client', scapType: FdType.IPV6_SOCK }));
  t.fds.set(9, fd({ fd: 9, kind: 'pipe', name: 'pipe:[42]' }));
  t.fds.set(10, fd({ fd: 10, kind: 'unix', name: 'ffff1->ffff2 /run/x.sock' }));
  const w = world([t]);
  w.host.interfaces = [{ name: 'eth0', addr: '10.0.0.1', netmask: '255.255.255.0', broadcast: '10.0.0.255', family: 'ipv4' }];
  return w;
}

describe('fd.*', () => {
  const { host, ctx } = setup();

  it('files', () => {
    at(ctx, host, makeEvent('SYSCALL_WRITE_X', { res: 10, data: 'x', fd: 3, size: 10 }, { tid: 100 }), 3);
    expect(val(ctx, 'fd.num')).toBe(3);
    expect(val(ctx, 'fd.type')).toBe('file');
    expect(val(ctx, 'fd.typechar')).toBe('f');
    expect(val(ctx, 'fd.name')).toBe('/var/log/nginx/access.log');
    expect(val(ctx, 'fd.directory')).toBe('/var/log/nginx');
    expect(val(ctx, 'fd.filename')).toBe('access.log');
    expect(val(ctx, 'fd.nameraw')).toBe('log/nginx/access.log');
    expect(val(ctx, 'fd.dev')).toBe(0x803);
    expect(out(ctx, 'fd.dev')).toBe('803');
    expect(val(ctx, 'fd.dev.major')).toBe(8);
    expect(val(ctx, 'fd.dev.minor')).toBe(3);
    expect(val(ctx, 'fd.ino')).toBe(99);
    expect(val(ctx, 'fd.l4proto')).toBe('<NA>');
    expect(val(ctx, 'fd.sockfamily')).toBeUndefined();
    expect(val(ctx, 'fd.cip')).toBeUndefined();
    expect(val(ctx, 'fd.is_server')).toBe(false);
    expect(val(ctx, 'fd.uid')).toBe('1003');
    expect(val(ctx, 'fd.containername')).toBe(':/var/log/nginx/access.log');
    expect(val(ctx, 'fd.types')).toEqual(['file', 'directory', 'ipv4', 'ipv6', 'pipe', 'unix']);
    expect(out(ctx, 'fd.types[9]')).toBe('(pipe)');
    expect(val(ctx, 'fd.is_upper_layer')).toBe(false);
  });

  it('directories', () => {
    at(ctx, host, makeEvent('SYSCALL_FCHDIR_X', { res: 0, fd: 4 }, { tid: 100 }), 4);
    expect(val(ctx, 'fd.directory')).toBe('/var/log');
    expect(val(ctx, 'fd.filename')).toBeUndefined();
    expect(val(ctx, 'fd.typechar')).toBe('d');
  });

  it('connected IPv4 socket (server side)', () => {
    at(ctx, host, makeEvent('SYSCALL_READ_X', { res: 1, data: 'a', fd: 7, size: 1 }, { tid: 100 }), 7);
    expect(val(ctx, 'fd.cip')).toBe(0x0a000009);
    expect(out(ctx, 'fd.cip')).toBe('10.0.0.9');
    expect(out(ctx, 'fd.sip')).toBe('10.0.0.1');
    expect(val(ctx, 'fd.cport')).toBe(51000);
    expect(val(ctx, 'fd.sport')).toBe(80);
    expect(out(ctx, 'fd.lip')).toBe('10.0.0.1');
    expect(out(ctx, 'fd.rip')).toBe('10.0.0.9');
    expect(val(ctx, 'fd.lport')).toBe(80);
    expect(val(ctx, 'fd.rport')).toBe(51000);
    expect(val(ctx, 'fd.sproto')).toBe('80');
    expect(val(ctx, 'fd.l4proto')).toBe('tcp');
    expect(val(ctx, 'fd.sockfamily')).toBe('ip');
    expect(val(ctx, 'fd.is_server')).toBe(true);
    expect(val(ctx, 'fd.connected')).toBe(true);
    expect(val(ctx, 'fd.typechar')).toBe('4');
    expect(val(ctx, 'fd.ip')).toEqual([0x0a000009, 0x0a000001]);
    expect(val(ctx, 'fd.port')).toEqual([51000, 80]);
    expect(val(ctx, 'fd.snet')).toBe(0x0a000001);
    expect(val(ctx, 'fd.directory')).toBeUndefined();
    expect(val(ctx, 'fd.cip.name')).toBeUndefined();
  });

  it('listening and IPv6 sockets', () => {
    at(ctx, host, makeEvent('SOCKET_LISTEN_X', { res: 0, fd: 6, backlog: 5 }, { tid: 100 }), 6);
    expect(out(ctx, 'fd.sip')).toBe('0.0.0.0');
    expect(val(ctx, 'fd.sport')).toBe(80);
    expect(val(ctx, 'fd.cip')).toBeUndefined();
    expect(val(ctx, 'fd.lip')).toBeUndefined();
    expect(val(ctx, 'fd.is_server')).toBe(true);
    expect(val(ctx, 'fd.ip')).toEqual([0]);
    at(ctx, host, makeEvent('SYSCALL_WRITE_X', { res: 1, data: 'a', fd: 8, size: 1 }, { tid: 100 }), 8);
    expect(out(ctx, 'fd.cip')).toBe('::1');
    expect(val(ctx, 'fd.l4proto')).toBe('udp');
    expect(val(ctx, 'fd.typechar')).toBe('6');
    expect(val(ctx, 'fd.connected')).toBe(false);
  });

  it('non-fd events and unknown fds', () => {
    at(ctx, host, makeEvent('SYSCALL_GETUID_X', { uid: 0 }, { tid: 100 }));
    expect(val(ctx, 'fd.name')).toBeUndefined();
    expect(val(ctx, 'fd.num')).toBeUndefined();
    expect(val(ctx, 'fd.typechar')).toBeUndefined();
    // A failed open: no fd in the table, the name comes from the event.
    at(ctx, host, makeEvent('SYSCALL_OPENAT_2_X', { fd: -2, dirfd: -100, name: 'conf/../x.conf', flags: 1 }, { tid: 100 }), -2);
    expect(val(ctx, 'fd.name')).toBe('/srv/x.conf');
    expect(val(ctx, 'fd.nameraw')).toBe('conf/../x.conf');
    expect(val(ctx, 'fd.directory')).toBe('/srv');
    expect(val(ctx, 'fd.typechar')).toBe('f');
    expect(val(ctx, 'fd.type')).toBeUndefined();
    expect(val(ctx, 'fd.filename')).toBeUndefined();
    // connect to an unknown fd: the tuple rendered from the event.
    at(ctx, host, makeEvent('SOCKET_CONNECT_X', { res: -111, tuple: tuple4('10.0.0.9', 4000, '1.2.3.4', 443), fd: 20 }, { tid: 100 }), 20);
    expect(val(ctx, 'fd.name')).toBe('10.0.0.9:4000->1.2.3.4:443');
  });
});

describe('fd.* candidates and protocols', () => {
  const { host, ctx } = setup();
  it('fd.proto compares ports of both ends; fd.cproto/sproto are text', () => {
    at(ctx, host, makeEvent('SYSCALL_READ_X', { res: 1, data: 'a', fd: 7, size: 1 }, { tid: 100 }), 7);
    expect(val(ctx, 'fd.proto')).toEqual([51000, 80]);
    expect(val(ctx, 'fd.cproto')).toBe('51000');
    expect(val(ctx, 'fd.lproto')).toBe('80');
    expect(val(ctx, 'fd.rproto')).toBe('51000');
    at(ctx, host, makeEvent('SOCKET_LISTEN_X', { res: 0, fd: 6, backlog: 5 }, { tid: 100 }), 6);
    expect(val(ctx, 'fd.sproto')).toBe('');
    expect(val(ctx, 'fd.proto')).toEqual([80, 80]);
    at(ctx, host, makeEvent('SYSCALL_WRITE_X', { res: 1, data: 'a', fd: 10, size: 1 }, { tid: 100 }), 10);
    expect(val(ctx, 'fd.sockfamily')).toBe('unix');
    expect(val(ctx, 'fd.cport')).toBeUndefined();
    expect(val(ctx, 'fd.cproto')).toBeUndefined();
    expect(val(ctx, 'fd.typechar')).toBe('u');
  });
});
