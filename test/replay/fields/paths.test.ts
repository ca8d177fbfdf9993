import { describe, expect, it } from 'vitest';
import { at, fd, makeEvent, thread, val, world } from './build.js';

describe('fs.path.* and fdlist.*', () => {
  const t = thread({ tid: 100, comm: 'sh', cwd: '/home/u/' });
  t.fds.set(4, fd({ fd: 4, kind: 'directory', name: '/etc' }));
  t.fds.set(5, fd({ fd: 5, kind: 'ipv4', name: '1.1.1.1:1->2.2.2.2:2', sip: '1.1.1.1', sport: 1, dip: '2.2.2.2', dport: 2, l4proto: 2, role: 'client' }));
  t.fds.set(6, fd({ fd: 6, kind: 'file', name: '/tmp/f' }));
  const { host, ctx } = world([t]);

  it('single-path syscalls', () => {
    at(ctx, host, makeEvent('SYSCALL_UNLINKAT_2_X', { res: 0, dirfd: 4, name: 'shadow', flags: 0 }, { tid: 100 }), 4);
    expect(val(ctx, 'fs.path.name')).toBe('/etc/shadow');
    expect(val(ctx, 'fs.path.nameraw')).toBe('shadow');
    expect(val(ctx, 'fs.path.source')).toBeUndefined();
    at(ctx, host, makeEvent('SYSCALL_MKDIR_2_X', { res: 0, path: 'a/./b/', mode: 0o755 }, { tid: 100 }));
    expect(val(ctx, 'fs.path.name')).toBe('/home/u/a/b');
    at(ctx, host, makeEvent('SYSCALL_MKDIR_2_X', { res: -17, path: 'a', mode: 0o755 }, { tid: 100 }));
    expect(val(ctx, 'fs.path.name')).toBeUndefined();
    at(ctx, host, makeEvent('SYSCALL_CHMOD_X', { res: 0, filename: '/tmp//x/../y', mode: 0o644 }, { tid: 100 }));
    expect(val(ctx, 'fs.path.name')).toBe('/tmp/y');
    expect(val(ctx, 'fs.path.nameraw')).toBe('/tmp//x/../y');
    at(ctx, host, makeEvent('SYSCALL_OPEN_X', { fd: -1, name: '/x', flags: 1 }, { tid: 100 }));
    expect(val(ctx, 'fs.path.name')).toBeUndefined();
    at(ctx, host, makeEvent('SYSCALL_OPEN_X', { fd: -2, name: '/x', flags: 1 }, { tid: 100 }));
    expect(val(ctx, 'fs.path.name')).toBe('/x');
  });

  it('source/target syscalls', () => {
    at(ctx, host, makeEvent('SYSCALL_RENAME_X', { res: 0, oldpath: 'a', newpath: '/b' }, { tid: 100 }));
    expect(val(ctx, 'fs.path.source')).toBe('/home/u/a');
    expect(val(ctx, 'fs.path.target')).toBe('/b');
    expect(val(ctx, 'fs.path.sourceraw')).toBe('a');
    expect(val(ctx, 'fs.path.name')).toBeUndefined();
    at(ctx, host, makeEvent('SYSCALL_SYMLINK_X', { res: 0, target: '/etc/passwd', linkpath: 'pw' }, { tid: 100 }));
    expect(val(ctx, 'fs.path.source')).toBe('/home/u/pw');
    expect(val(ctx, 'fs.path.target')).toBe('/etc/passwd');
  });

  it('fdlist', () => {
    at(ctx, host, makeEvent('SYSCALL_POLL_X', { res: 1, fds: { fds: [[5, 1], [6, 1], [99, 4]] }, timeout: 0 }, { tid: 100 }));
    expect(val(ctx, 'fdlist.nums')).toBe('5,6,99');
    expect(val(ctx, 'fdlist.names')).toBe('1.1.1.1:1->2.2.2.2:2,/tmp/f,<NA>');
    expect(val(ctx, 'fdlist.cips')).toBe('1.1.1.1');
    expect(val(ctx, 'fdlist.sips')).toBe('2.2.2.2');
    expect(val(ctx, 'fdlist.cports')).toBe('1');
    expect(val(ctx, 'fdlist.sports')).toBe('2');
    at(ctx, host, makeEvent('SYSCALL_GETUID_X', { uid: 0 }, { tid: 100 }));
    expect(val(ctx, 'fdlist.nums')).toBeUndefined();
  });
});
