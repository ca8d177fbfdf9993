import { describe, expect, it } from 'vitest';
import { at, fd, makeEvent, out, thread, val, world } from './build.js';

function setup() {
  const t = thread({ tid: 100, comm: 'cat', exe: 'cat', args: ['/etc/passwd'], cwd: '/home/u/' });
  t.fds.set(3, fd({ fd: 3, kind: 'file', name: '/etc/passwd', openFlags: 1 }));
  t.fds.set(5, fd({ fd: 5, kind: 'directory', name: '/var/log' }));
  t.fds.set(7, fd({ fd: 7, kind: 'ipv4', name: '10.0.0.1:40000->10.0.0.2:80', sip: '10.0.0.1', dip: '10.0.0.2', sport: 40000, dport: 80, l4proto: 2, role: 'client' }));
  return world([t]);
}

describe('evt.*', () => {
  const { host, ctx } = setup();

  it('openat exit: type, direction, result, arguments', () => {
    const ev = makeEvent('SYSCALL_OPENAT_2_X', { fd: 3, dirfd: -100, name: 'passwd', flags: 1, mode: 0, dev: 0x803, ino: 1234n }, { tid: 100, ts: 1700000000123456789n });
    at(ctx, host, ev, 3, 42);
    expect(val(ctx, 'evt.num')).toBe(42);
    expect(val(ctx, 'evt.type')).toBe('openat');
    expect(val(ctx, 'syscall.type')).toBe('openat');
    expect(val(ctx, 'evt.dir')).toBe('<');
    // libsinsp resolves the name to its first (legacy) code pair only.
    expect(val(ctx, 'evt.type.is.openat')).toBe(0);
    expect(val(ctx, `evt.type.is.${ctx.evt.type}`)).toBe(1);
    expect(val(ctx, 'evt.type.is.open')).toBe(0);
    expect(val(ctx, 'evt.category')).toBe('file');
    expect(val(ctx, 'evt.cpu')).toBe(1);
    expect(val(ctx, 'evt.res')).toBe('SUCCESS');
    expect(val(ctx, 'evt.rawres')).toBe(3);
    expect(val(ctx, 'evt.failed')).toBe(false);
    // A relative path renders resolved against the cwd.
    expect(val(ctx, 'evt.arg.name')).toBe('/home/u/passwd');
    expect(val(ctx, 'evt.arg[2]')).toBe('/home/u/passwd');
    expect(val(ctx, 'evt.arg.fd')).toBe('<f>/etc/passwd');
    expect(val(ctx, 'evt.arg[fd]')).toBe('<f>/etc/passwd');
    expect(val(ctx, 'evt.arg.dirfd')).toBe('AT_FDCWD');
    expect(val(ctx, 'evt.arg.flags')).toBe('O_RDONLY');
    expect(val(ctx, 'evt.arg[9]')).toBeUndefined();
    expect(val(ctx, 'evt.rawarg.flags')).toBe(1);
    expect(val(ctx, 'evt.rawarg.name')).toBe('passwd');
    expect(val(ctx, 'evt.rawarg.dev')).toBe(0x803);
    expect(val(ctx, 'evt.abspath')).toBe('/home/u/passwd');
    expect(val(ctx, 'evt.is_open_read')).toBe(true);
    expect(val(ctx, 'evt.is_open_write')).toBe(false);
    expect(val(ctx, 'evt.is_open_create')).toBe(false);
    expect(val(ctx, 'evt.is_open_exec')).toBe(false);
    expect(val(ctx, 'evt.is_io')).toBe(false);
    expect(val(ctx, 'evt.io_dir')).toBeUndefined();
    expect(val(ctx, 'evt.count.exit')).toBe(1);
    expect(val(ctx, 'evt.count.error')).toBe(0);
    expect(val(ctx, 'evt.count.error.file')).toBe(0);
    expect(val(ctx, 'evt.count.error.net')).toBeUndefined();
    const args = val(ctx, 'evt.args') as string;
    expect(args.startsWith('fd=3(<f>/etc/passwd) dirfd=-100(AT_FDCWD) name=passwd(/home/u/passwd) flags=1(O_RDONLY)')).toBe(true);
    expect(args.endsWith(' ')).toBe(false);
    expect(val(ctx, 'evt.info')).toBe(args);
    expect(val(ctx, 'evt.rawtime')).toBe(1700000000123456789n);
    expect(out(ctx, 'evt.rawtime')).toBe('1700000000123456789');
    expect(val(ctx, 'evt.rawtime.s')).toBe(1700000000);
    expect(out(ctx, 'evt.rawtime.ns')).toBe('123456789');
    expect(val(ctx, 'evt.time.iso8601')).toBe('2023-11-14T22:13:20.123456789+0000');
    expect(String(val(ctx, 'evt.time'))).toMatch(/^\d\d:\d\d:20\.123456789$/);
    expect(String(val(ctx, 'evt.datetime'))).toMatch(/^2023-11-1[45] \d\d:\d\d:20\.123456789$/);
    expect(val(ctx, 'evt.source')).toBe('syscall');
    expect(val(ctx, 'evt.is_async')).toBe(false);
    expect(val(ctx, 'evt.asynctype')).toBeUndefined();
    expect(val(ctx, 'evt.latency')).toBe(0);
    expect(val(ctx, 'evt.reltime')).toBe(0);
  });

  it('failed open: error name, raw result, flags', () => {
    const ev = makeEvent('SYSCALL_OPENAT_2_X', { fd: -2, dirfd: 5, name: 'missing.log', flags: 2 | 4 | (1 << 21), mode: 0o755 }, { tid: 100, ts: 1700000000223456789n });
    at(ctx, host, ev, -1, 43);
    expect(val(ctx, 'evt.res')).toBe('ENOENT');
    expect(val(ctx, 'evt.rawres')).toBe(-2);
    expect(val(ctx, 'evt.failed')).toBe(true);
    expect(val(ctx, 'evt.count.error')).toBe(1);
    expect(val(ctx, 'evt.count.error.file')).toBe(1);
    expect(val(ctx, 'evt.abspath')).toBe('/var/log/missing.log');
    expect(val(ctx, 'evt.is_open_write')).toBe(true);
    expect(val(ctx, 'evt.is_open_read')).toBe(false);
    expect(val(ctx, 'evt.is_open_create')).toBe(true);
    expect(val(ctx, 'evt.is_open_exec')).toBe(true);
    expect(val(ctx, 'evt.deltatime')).toBe(100000000);
    expect(val(ctx, 'evt.reltime')).toBe(100000000);
    expect(out(ctx, 'evt.reltime')).toBe('100000000');
  });

  it('enter events have no result', () => {
    const ev = makeEvent('SYSCALL_OPENAT_2_E', { dirfd: -100, name: '/etc/x', flags: 1, mode: 0 }, { tid: 100 });
    at(ctx, host, ev);
    expect(val(ctx, 'evt.dir')).toBe('>');
    expect(val(ctx, 'evt.res')).toBeUndefined();
    expect(val(ctx, 'evt.rawres')).toBeUndefined();
    expect(val(ctx, 'evt.failed')).toBeUndefined();
    expect(out(ctx, 'evt.failed')).toBe('<NA>');
    expect(val(ctx, 'evt.count.exit')).toBeUndefined();
  });

  it('I/O: buffer, buflen, io_dir, category from the fd', () => {
    const ev = makeEvent('SYSCALL_READ_X', { res: 5, data: 'hello', fd: 7, size: 100 }, { tid: 100 });
    at(ctx, host, ev, 7);
    expect(Buffer.from(val(ctx, 'evt.buffer') as Uint8Array).toString()).toBe('hello');
    expect(out(ctx, 'evt.buffer')).toBe('hello');
    expect(val(ctx, 'evt.buflen')).toBe(5);
    expect(val(ctx, 'evt.buflen.net.in')).toBe(5);
    expect(val(ctx, 'evt.buflen.file')).toBeUndefined();
    expect(val(ctx, 'evt.is_io')).toBe(true);
    expect(val(ctx, 'evt.is_io_read')).toBe(true);
    expect(val(ctx, 'evt.is_io_write')).toBe(false);
    expect(val(ctx, 'evt.io_dir')).toBe('read');
    expect(val(ctx, 'evt.type.is.read')).toBe(1);
    expect(val(ctx, 'evt.category')).toBe('net');
    expect(val(ctx, 'evt.count.error.net')).toBe(0);
  });

  it('renameat: abspath src/dst', () => {
    const ev = makeEvent('SYSCALL_RENAMEAT2_X', { res: 0, olddirfd: 5, oldpath: 'a.log', newdirfd: -100, newpath: '../b.log', flags: 0 }, { tid: 100 });
    at(ctx, host, ev);
    expect(val(ctx, 'evt.abspath.src')).toBe('/var/log/a.log');
    expect(val(ctx, 'evt.abspath.dst')).toBe('/home/b.log');
    expect(val(ctx, 'evt.abspath')).toBe('/var/log/a.log');
  });

  it('generic syscall events name the syscall and print no args', () => {
    const ev = makeEvent('GENERIC_X', { ID: 39, nativeID: 39 }, { tid: 100 });
    at(ctx, host, ev);
    expect(typeof val(ctx, 'evt.type')).toBe('string');
    expect(val(ctx, 'evt.args')).toBe('');
    expect(val(ctx, 'evt.res')).toBeUndefined();
  });

  it('metaevents and unknown threads', () => {
    const ev = makeEvent('PROCINFO_E', { cpu_usr: 1n, cpu_sys: 2n }, { tid: 100 });
    at(ctx, host, ev);
    expect(val(ctx, 'evt.category')).toBe('internal');
    expect(val(ctx, 'evt.is_async')).toBe(true);
    expect(val(ctx, 'evt.asynctype')).toBe('procinfo');
    expect(val(ctx, 'syscall.type')).toBeUndefined();
    expect(val(ctx, 'evt.count.procinfo')).toBe(1);
    const ev2 = makeEvent('SYSCALL_OPENAT_2_X', { fd: 3, dirfd: -100, name: 'x', flags: 1 }, { tid: 555 });
    at(ctx, host, ev2);
    expect(val(ctx, 'evt.abspath')).toBeUndefined();
    expect(val(ctx, 'evt.arg.fd')).toBe('3');
  });
});
