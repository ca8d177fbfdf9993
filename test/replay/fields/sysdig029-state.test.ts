/**
 * The sysdig 0.29 mode of the fields that read derived state (process tree, thread
 * counts, health probes, poll fd lists), and the small sysdig029 branches of HostState
 * that the inspect command relies on, next to the current behaviour.
 */
import { describe, expect, it } from 'vitest';
import { HostState } from '../../../src/replay/state/engine.js';
import { FD_FLAG_ROLE_CLIENT } from '../../../src/replay/state/fds.js';
import { PPM_O_CLOEXEC } from '../../../src/replay/state/fds.js';
import { at, container, fd, makeEvent, thread, val, world } from './build.js';

describe('sysdig 0.29 mode: process tree fields', () => {
  function tree(sysdig029: boolean) {
    const init = thread({ tid: 1, ptid: 0, comm: 'systemd', sid: 1 });
    const bash = thread({ tid: 3200, ptid: 1, comm: 'bash', args: ['-i'], sid: 3200 });
    const curl = thread({ tid: 17497, ptid: 3200, comm: 'curl', args: ['x'], sid: 3200 });
    // A thread of curl whose own parent is the thread that created it (libsinsp 0.9).
    const worker = thread({ tid: 17498, pid: 17497, ptid: 17497, comm: 'curl', args: ['x'], sid: 3200 });
    const w = world([init, bash, curl, worker]);
    w.ctx.render = { sysdig029 };
    return w;
  }

  it("proc.pname / proc.pcmdline: the thread's own parent in 0.29, the process's parent now", () => {
    for (const mode of [true, false]) {
      const { host, ctx } = tree(mode);
      at(ctx, host, makeEvent('SYSCALL_GETUID_X', { uid: 0 }, { tid: 17498 }));
      expect(val(ctx, 'proc.pname')).toBe(mode ? 'curl' : 'bash');
      expect(val(ctx, 'proc.pcmdline')).toBe(mode ? 'curl x' : 'bash -i');
    }
  });

  it('proc.nthreads counts the main thread and its other threads; proc.nchilds is 0 for non-main threads', () => {
    const { host, ctx } = tree(true);
    at(ctx, host, makeEvent('SYSCALL_GETUID_X', { uid: 0 }, { tid: 17498 }));
    expect(val(ctx, 'proc.nthreads')).toBe(2);
    expect(val(ctx, 'proc.nchilds')).toBe(0);
    at(ctx, host, makeEvent('SYSCALL_GETUID_X', { uid: 0 }, { tid: 17497 }));
    expect(val(ctx, 'proc.nchilds')).toBe(1);
    // An exiting (not yet removed) thread still counts.
    host.threads.get(17498)!.alive = false;
    expect(val(ctx, 'proc.nthreads')).toBe(2);
  });

  it('proc.sname: the thread whose tid is the sid, else the oldest ancestor with the same sid', () => {
    const { host, ctx } = tree(true);
    at(ctx, host, makeEvent('SYSCALL_GETUID_X', { uid: 0 }, { tid: 17498 }));
    expect(val(ctx, 'proc.sname')).toBe('bash');
    // No thread 3300: the oldest ancestor of the process with sid 3300.
    for (const tid of [3200, 17497, 17498]) host.threads.get(tid)!.sid = 3300;
    expect(val(ctx, 'proc.sname')).toBe('bash');
    for (const t of host.threads.map.values()) t.sid = -1;
    expect(val(ctx, 'proc.sname')).toBe('systemd');
  });
});

describe('sysdig 0.29 mode: container health probes', () => {
  function withContainer(sysdig029: boolean, probe?: string) {
    const init = thread({ tid: 500, vpid: 1, vtid: 1, ptid: 1, comm: 'sh', exe: '/bin/sh', containerId: 'abc', args: [] });
    const check = thread({ tid: 600, ptid: 1, comm: 'curl', exe: 'curl', args: ['-f', 'http://localhost'], containerId: 'abc' });
    const host = thread({ tid: 700, ptid: 1, comm: 'cat', containerId: '' });
    const w = world([init, check, host]);
    w.host.containers.map.set('abc', container({ id: 'abc', ...(probe !== undefined ? { healthcheck: probe } : {}) }));
    w.ctx.render = { sysdig029 };
    return w;
  }

  it("container.healthcheck: the probe's command line, 'NONE' without one, nothing on the host or now", () => {
    for (const mode of [true, false]) {
      const { host, ctx } = withContainer(mode, JSON.stringify({ exe: 'curl', args: ['-f', 'http://localhost'] }));
      at(ctx, host, makeEvent('SYSCALL_GETUID_X', { uid: 0 }, { tid: 600 }));
      expect(val(ctx, 'container.healthcheck')).toBe(mode ? 'curl -f http://localhost' : undefined);
      expect(val(ctx, 'container.liveness_probe')).toBe(mode ? 'NONE' : undefined);
      expect(val(ctx, 'proc.is_container_healthcheck')).toBe(mode ? true : undefined);
      expect(val(ctx, 'proc.is_container_liveness_probe')).toBe(mode ? false : undefined);
      // The container's init and its descendants are never probes.
      at(ctx, host, makeEvent('SYSCALL_GETUID_X', { uid: 0 }, { tid: 500 }));
      expect(val(ctx, 'proc.is_container_healthcheck')).toBe(mode ? false : undefined);
      at(ctx, host, makeEvent('SYSCALL_GETUID_X', { uid: 0 }, { tid: 700 }));
      expect(val(ctx, 'container.healthcheck')).toBeUndefined();
      expect(val(ctx, 'proc.is_container_readiness_probe')).toBe(mode ? false : undefined);
    }
  });
});

describe('sysdig 0.29 mode: fdlist and fd.is_server', () => {
  it('fdlist.* read poll enter events too', () => {
    for (const mode of [true, false]) {
      const t = thread({ tid: 100 });
      t.fds.set(4, fd({ fd: 4, kind: 'event', name: '' }));
      const { host, ctx } = world([t]);
      ctx.render = { sysdig029: mode };
      at(ctx, host, makeEvent('SYSCALL_POLL_E', { fds: { fds: [[4, 1], [7, 1]] }, timeout: 0 }));
      expect(val(ctx, 'fdlist.nums')).toBe(mode ? '4,7' : undefined);
      expect(val(ctx, 'fdlist.names')).toBe(mode ? '<NA>,<NA>' : undefined);
    }
  });

  it('fd.is_server of an IPv6 socket: its address in the /64 of an interface (:: with ::1)', () => {
    const t = thread({ tid: 100 });
    t.fds.set(3, fd({ fd: 3, kind: 'ipv6', name: '', sip: '', dip: '', scapType: 4, l4proto: 2 }));
    t.fds.set(5, fd({ fd: 5, kind: 'ipv6', name: '', sip: '2001:db8::1', dip: '2001:db9::2', scapType: 4, l4proto: 2, flags: FD_FLAG_ROLE_CLIENT, role: 'client' }));
    const { host, ctx } = world([t]);
    host.interfaces = [{ name: 'lo', addr: '::1', netmask: '', broadcast: '', family: 10 }];
    at(ctx, host, makeEvent('SYSCALL_READ_X', { res: 1 }), 3);
    expect(val(ctx, 'fd.is_server')).toBe(true);
    at(ctx, host, makeEvent('SYSCALL_READ_X', { res: 1 }), 5);
    expect(val(ctx, 'fd.is_server')).toBe(false);
  });
});

describe('HostState: what the sysdig029 mode changes, and the beforeParse hook', () => {
  it('a new fd becomes the thread\'s last event fd (libsinsp add_fd)', () => {
    const host = new HostState();
    host.threads.add(thread({ tid: 100, comm: 'cat' }));
    host.applyEvent(makeEvent('SYSCALL_OPENAT_2_E', { dirfd: -100, name: '/etc/passwd', flags: 1, mode: 0 }));
    host.applyEvent(makeEvent('SYSCALL_OPENAT_2_X', { fd: 3, dirfd: -100, name: '/etc/passwd', flags: 1, mode: 0 }));
    expect(host.threads.get(100)!.lastEventFd).toBe(3);
    expect(host.fd?.name).toBe('/etc/passwd');
  });

  it('sysdig029: an unpaired exit has no fd but keeps the last fd number', () => {
    for (const mode of [true, false]) {
      const host = new HostState({ sysdig029: mode });
      const t = thread({ tid: 100, comm: 'cat' });
      t.fds.set(5, fd({ fd: 5, kind: 'file', name: '/x' }));
      host.threads.add(t);
      host.applyEvent(makeEvent('SYSCALL_READ_E', { fd: 5, size: 1 }));
      host.applyEvent(makeEvent('SYSCALL_READ_X', { res: 1 }));
      expect(host.fd?.name).toBe('/x');
      // An exit whose enter was not seen (the enter was a write).
      host.applyEvent(makeEvent('SYSCALL_WRITE_E', { fd: 5, size: 1 }));
      host.applyEvent(makeEvent('SYSCALL_READ_X', { res: 1, fd: 5 }));
      expect(host.fd?.name).toBe(mode ? undefined : '/x');
      expect(host.fdNum).toBe(5);
    }
  });

  it('sysdig029: the container-event thread has vtid/vpid -2 and loginuid 0', () => {
    const a = new HostState({ sysdig029: true }).containerThread('abc');
    expect([a.tid, a.vtid, a.vpid, a.loginuid]).toEqual([-1, -2, -2, 0]);
    const b = new HostState().containerThread('abc');
    expect([b.tid, b.vtid, b.vpid]).toEqual([-1, -1, -1]);
  });

  it('sysdig029: execve keeps O_CLOEXEC fds (libsinsp 0.9 did not close them)', () => {
    for (const mode of [true, false]) {
      const host = new HostState({ sysdig029: mode });
      const t = thread({ tid: 100, ptid: 1, comm: 'bash' });
      t.fds.set(3, fd({ fd: 3, kind: 'file', name: '/etc/ld.so.cache', openFlags: PPM_O_CLOEXEC }));
      host.threads.add(t);
      host.applyEvent(makeEvent('SYSCALL_EXECVE_19_E', { filename: '/bin/ls' }));
      host.applyEvent(makeEvent('SYSCALL_EXECVE_19_X', { res: 0, exe: 'ls', args: Buffer.from(''), tid: 100, pid: 100, ptid: 1, cwd: '/', comm: 'ls' }));
      expect(host.threads.get(100)!.comm).toBe('ls');
      expect(host.threads.get(100)!.fds.has(3)).toBe(mode);
    }
  });

  it("sysdig029: a clone caller is judged by the event's vtid, not its thread's", () => {
    for (const mode of [true, false]) {
      const host = new HostState({ sysdig029: mode });
      host.threads.add(thread({ tid: 17497, ptid: 3200, comm: 'curl', vtid: -1, vpid: -1 }));
      host.applyEvent(makeEvent('SYSCALL_CLONE_20_E', {}, { tid: 17497 }));
      host.applyEvent(
        makeEvent(
          'SYSCALL_CLONE_20_X',
          { res: 17498, exe: 'curl', args: Buffer.from(''), tid: 17497, pid: 17497, ptid: 3200, cwd: '/', flags: 47619, vtid: 17497, vpid: 17497, comm: 'curl' },
          { tid: 17497 },
        ),
      );
      const child = host.threads.get(17498);
      expect(child !== undefined).toBe(mode);
      // libsinsp 0.9 made the calling thread the parent of the new thread.
      if (mode) expect(child!.ptid).toBe(17497);
    }
  });

  it('beforeParse runs before the parser and can skip it', () => {
    const seen: number[] = [];
    let allow = false;
    const host = new HostState();
    host.threads.add(thread({ tid: 100, comm: 'cat', vmsizeKb: 10 }));
    host.beforeParse = () => {
      seen.push(host.threads.get(100)!.vmsizeKb);
      return allow;
    };
    host.applyEvent(makeEvent('SYSCALL_MMAP_X', { res: 0x1000, vm_size: 500, vm_rss: 1, vm_swap: 0 }));
    // Rejected: the parser did not run.
    expect(host.threads.get(100)!.vmsizeKb).toBe(10);
    allow = true;
    host.applyEvent(makeEvent('SYSCALL_MMAP_X', { res: 0x1000, vm_size: 500, vm_rss: 1, vm_swap: 0 }));
    // Accepted: the hook saw the state before the parser, which then ran.
    expect(seen).toEqual([10, 10]);
    expect(host.threads.get(100)!.vmsizeKb).toBe(500);
  });
});
