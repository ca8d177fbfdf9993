/**
 * The field classes' sysdig 0.29 mode (`ctx.render.sysdig029`, what `inspect` uses) next
 * to the current-libsinsp behaviour the same fields keep for replay.
 */
import { describe, expect, it } from 'vitest';
import { syscallCode } from '../../../src/scap/names.js';
import { sysdig029GenericCategory } from '../../../src/replay/fields/sysdig029.js';
import { EventCategory } from '../../../src/scap/schema.js';
import { at, fd, makeEvent, out, thread, val, world } from './build.js';

function setup(sysdig029: boolean) {
  const t = thread({ tid: 100, comm: 'cat', exe: 'cat', args: [], cwd: '/home/u/', uid: 4242, gid: 4343, loginuid: 4444 });
  t.fds.set(3, fd({ fd: 3, kind: 'file', name: '/etc/passwd', openFlags: 1 }));
  t.fds.set(7, fd({ fd: 7, kind: 'ipv4', name: '10.0.0.1:40000->10.0.0.2:53', sip: '10.0.0.1', dip: '10.0.0.2', sport: 40000, dport: 53, l4proto: 3, role: 'none', scapType: 3 }));
  const w = world([t]);
  w.ctx.render = { sysdig029 };
  return { ...w, t };
}

const generic = (id: string, dir: 'E' | 'X', tid = 100) => makeEvent(`GENERIC_${dir}`, { ID: syscallCode(id)! }, { tid });

describe('sysdig 0.29 mode: evt.category', () => {
  it('generic events take the category of their syscall in 0.29 (current: other)', () => {
    for (const mode of [true, false]) {
      const { host, ctx } = setup(mode);
      at(ctx, host, generic('mprotect', 'E'));
      expect(val(ctx, 'evt.category')).toBe(mode ? 'memory' : 'other');
      at(ctx, host, generic('arch_prctl', 'X'));
      expect(val(ctx, 'evt.category')).toBe(mode ? 'process' : 'other');
      at(ctx, host, generic('nanosleep', 'X'));
      expect(val(ctx, 'evt.category')).toBe(mode ? 'sleep' : 'other');
      // I/O syscalls without a filler have no fd subcategory: 'unknown'.
      at(ctx, host, generic('read', 'X'));
      expect(val(ctx, 'evt.category')).toBe(mode ? 'unknown' : 'other');
    }
  });

  it('the 0.29 syscall table ends at 329 ids', () => {
    expect(sysdig029GenericCategory(0)).toBe(EventCategory.OTHER);
    expect(sysdig029GenericCategory(329)).toBeUndefined();
    expect(sysdig029GenericCategory(-1)).toBeUndefined();
  });

  it('I/O events name fd kinds 0.29 knew; internal events have no name', () => {
    const { host, ctx, t } = setup(true);
    t.fds.set(9, fd({ fd: 9, kind: 'userfaultfd', name: '' }));
    at(ctx, host, makeEvent('SYSCALL_READ_X', { res: 1 }), 9);
    expect(val(ctx, 'evt.category')).toBe('unknown');
    at(ctx, host, makeEvent('SYSCALL_READ_X', { res: 1 }), 3);
    expect(val(ctx, 'evt.category')).toBe('file');
    at(ctx, host, makeEvent('PROCINFO_E', { cpu_usr: 1, cpu_sys: 1 }));
    expect(val(ctx, 'evt.category')).toBe('unknown');
  });
});

describe('sysdig 0.29 mode: return values', () => {
  it("uses the parameter named 'res': none for geteuid's 'euid' (current: SUCCESS)", () => {
    for (const mode of [true, false]) {
      const { host, ctx } = setup(mode);
      at(ctx, host, makeEvent('SYSCALL_GETEUID_X', { euid: 0 }));
      expect(val(ctx, 'evt.res')).toBe(mode ? undefined : 'SUCCESS');
      expect(val(ctx, 'evt.rawres')).toBe(mode ? undefined : 0);
      // Both read 'false' here: current libsinsp takes the first exit parameter.
      expect(val(ctx, 'evt.failed')).toBe(false);
    }
  });

  it('evt.failed is false for enter events in 0.29, absent in current libsinsp', () => {
    for (const mode of [true, false]) {
      const { host, ctx } = setup(mode);
      at(ctx, host, makeEvent('SYSCALL_READ_E', { fd: 3, size: 10 }), 3);
      expect(val(ctx, 'evt.failed')).toBe(mode ? false : undefined);
      expect(val(ctx, 'evt.res')).toBeUndefined();
    }
  });

  it('errors and the fd of fd-creating exits', () => {
    const { host, ctx } = setup(true);
    at(ctx, host, makeEvent('SYSCALL_OPENAT_2_X', { fd: -2, dirfd: -100, name: 'x', flags: 1, mode: 0 }));
    expect(val(ctx, 'evt.res')).toBe('ENOENT');
    expect(val(ctx, 'evt.rawres')).toBe(-2);
    expect(val(ctx, 'evt.failed')).toBe(true);
    at(ctx, host, makeEvent('SYSCALL_READ_X', { res: 5 }), 3);
    expect(val(ctx, 'evt.res')).toBe('SUCCESS');
    expect(val(ctx, 'evt.rawres')).toBe(5);
  });
});

describe('sysdig 0.29 mode: evt.latency, evt.deltatime, syscall.type', () => {
  it('evt.latency: time since the thread entered the syscall (current: 0)', () => {
    for (const mode of [true, false]) {
      const { host, ctx, t } = setup(mode);
      t.lastEnterTs = 1000n;
      at(ctx, host, makeEvent('SYSCALL_READ_E', { fd: 3, size: 1 }, { ts: 1000n }), 3);
      expect(val(ctx, 'evt.latency')).toBe(0);
      at(ctx, host, makeEvent('SYSCALL_READ_X', { res: 1 }, { ts: 1000001653n }), 3);
      expect(val(ctx, 'evt.latency')).toBe(mode ? 1000000653 : 0);
      expect(val(ctx, 'evt.latency.s')).toBe(mode ? 1 : 0);
      expect(val(ctx, 'evt.latency.ns')).toBe(mode ? 653 : 0);
    }
  });

  it('evt.latency of a switch is the thread latency left by its last event', () => {
    const { host, ctx, t } = setup(true);
    t.lastEnterTs = 1000n;
    t.lastEventTs = 1500n;
    at(ctx, host, makeEvent('SCHEDSWITCH_6_E', { next: 1 }, { ts: 2000n }));
    expect(val(ctx, 'evt.latency')).toBe(500);
  });

  it('evt.deltatime wraps like an unsigned 64-bit difference', () => {
    const { host, ctx } = setup(false);
    at(ctx, host, makeEvent('SYSCALL_READ_X', { res: 1 }, { ts: 5000n }), 3);
    at(ctx, host, makeEvent('SYSCALL_READ_X', { res: 1 }, { ts: 4000n }), 3);
    expect(val(ctx, 'evt.deltatime')).toBe((1n << 64n) - 1000n);
    expect(val(ctx, 'evt.deltatime.ns')).toBe(Number(((1n << 64n) - 1000n) % 1000000000n));
    at(ctx, host, makeEvent('SYSCALL_READ_X', { res: 1 }, { ts: 4500n }), 3);
    expect(val(ctx, 'evt.deltatime')).toBe(500);
  });

  it('syscall.type names procexit in 0.29, "<unknown>" for generic id 0', () => {
    for (const mode of [true, false]) {
      const { host, ctx } = setup(mode);
      at(ctx, host, makeEvent('PROCEXIT_1_E', { status: 0, ret: 0, sig: 0, core: 0 }));
      expect(val(ctx, 'syscall.type')).toBe(mode ? 'procexit' : undefined);
      at(ctx, host, makeEvent('GENERIC_X', { ID: 0 }));
      expect(val(ctx, 'syscall.type')).toBe(mode ? '<unknown>' : 'unknown');
      at(ctx, host, makeEvent('PROCINFO_E', { cpu_usr: 1, cpu_sys: 1 }));
      expect(val(ctx, 'syscall.type')).toBeUndefined();
    }
  });
});

describe('sysdig 0.29 mode: user.* and group.*', () => {
  it('unknown users and groups have no value (current: "<NA>")', () => {
    for (const mode of [true, false]) {
      const { host, ctx } = setup(mode);
      at(ctx, host, makeEvent('SYSCALL_READ_X', { res: 1 }), 3);
      expect(val(ctx, 'user.name')).toBe(mode ? undefined : '<NA>');
      expect(val(ctx, 'user.shell')).toBe(mode ? undefined : '<NA>');
      expect(val(ctx, 'user.loginname')).toBe(mode ? undefined : '<NA>');
      expect(val(ctx, 'group.name')).toBe(mode ? undefined : '<NA>');
      expect(out(ctx, 'user.name')).toBe('<NA>');
    }
  });

  it('user.loginuid is the stored 32-bit value', () => {
    const { host, ctx, t } = setup(true);
    t.loginuid = -1;
    at(ctx, host, makeEvent('SYSCALL_READ_X', { res: 1 }), 3);
    expect(val(ctx, 'user.loginuid')).toBe(-1);
    t.loginuid = 0xe6f50000;
    expect(val(ctx, 'user.loginuid')).toBe(-420151296);
  });
});

describe('sysdig 0.29 mode: fd.*', () => {
  it('mmap has no fd in 0.29 (its table did not flag it as using one)', () => {
    for (const mode of [true, false]) {
      const { host, ctx } = setup(mode);
      at(ctx, host, makeEvent('SYSCALL_MMAP_X', { res: 0x1000, vm_size: 1, vm_rss: 1, vm_swap: 0 }));
      expect(val(ctx, 'fd.name')).toBe(mode ? undefined : '');
      expect(val(ctx, 'fd.uid')).toBe(mode ? undefined : '100-1');
      expect(val(ctx, 'fd.containername')).toBe(mode ? undefined : ':');
    }
  });

  it("fd.num / fd.uid read the thread's last fd (the new fd after an open exit)", () => {
    const { host, ctx, t } = setup(true);
    t.lastEventFd = 3;
    at(ctx, host, makeEvent('SYSCALL_OPENAT_2_X', { fd: 3, dirfd: -100, name: 'passwd', flags: 1, mode: 0 }));
    expect(val(ctx, 'fd.num')).toBe(3);
    expect(val(ctx, 'fd.uid')).toBe('1003');
    expect(val(ctx, 'fd.name')).toBe('/etc/passwd');
  });

  it('fd.typechar guesses from the enter code when the fd is unknown', () => {
    const { host, ctx, t } = setup(true);
    t.lastEventFd = -1;
    at(ctx, host, makeEvent('SYSCALL_OPEN_X', { fd: -2, name: '/x', flags: 1, mode: 0 }));
    expect(val(ctx, 'fd.typechar')).toBe('f');
    at(ctx, host, makeEvent('SYSCALL_PIPE2_X', { res: -1, fd1: -1, fd2: -1 }));
    expect(val(ctx, 'fd.typechar')).toBe('o');
  });

  it('fd.l4proto: a connection socket without a role has no protocol yet', () => {
    for (const mode of [true, false]) {
      const { host, ctx } = setup(mode);
      at(ctx, host, makeEvent('SYSCALL_READ_X', { res: 1 }), 7);
      expect(val(ctx, 'fd.l4proto')).toBe(mode ? '<NA>' : 'udp');
    }
  });
});
