import { describe, expect, it } from 'vitest';
import { syscallFieldRegistry } from '../../../src/replay/fields/registry.js';
import { at, fd, makeEvent, out, thread, val, world } from './build.js';

const PPM_CL_CLONE_FILES = 1;

function setup() {
  const init = thread({ tid: 1, ptid: 0, comm: 'systemd', exe: '/sbin/init', exepath: '/usr/lib/systemd/systemd', args: ['--system'], sid: 1, vpgid: 1, pgid: 1 });
  const sshd = thread({ tid: 50, ptid: 1, comm: 'sshd', exe: '/usr/sbin/sshd', exepath: '/usr/sbin/sshd', args: ['-D'], sid: 50, vpgid: 50, pgid: 50 });
  const bash = thread({
    tid: 100,
    ptid: 50,
    comm: 'bash',
    exe: '-bash',
    exepath: '/usr/bin/bash',
    args: [],
    env: ['HOME=/root', 'SHELL=/bin/bash', 'PADDED=  x y  '],
    sid: 100,
    vpgid: 100,
    pgid: 100,
    cwd: '/root/',
  });
  const cat = thread({
    tid: 200,
    ptid: 100,
    comm: 'cat',
    exe: 'cat',
    exepath: '/usr/bin/cat',
    args: ['/etc/shadow', '-n'],
    env: ['PATH=/usr/bin', 'LANG=C'],
    sid: 100,
    vpgid: 200,
    pgid: 200,
    cwd: '/tmp/',
    capEffective: (1n << 0n) | (1n << 21n),
    capPermitted: 0n,
    cloneTs: 1700000000000000000n,
    exeWritable: true,
    fdlimit: 1024,
    cgroups: ['cpu=/user.slice', 'memory=/user.slice/x'],
    vmsizeKb: 1000,
    vmrssKb: 200,
    tty: 34817,
    loginuid: 1000,
  });
  const catThread = thread({ tid: 201, pid: 200, ptid: 100, comm: 'cat', exe: 'cat', args: ['/etc/shadow', '-n'], flags: PPM_CL_CLONE_FILES });
  cat.fds.set(0, fd({ fd: 0, kind: 'file', name: '/dev/pts/0' }));
  cat.fds.set(1, fd({ fd: 1, kind: 'pipe', name: 'pipe:[123]' }));
  const w = world([init, sshd, bash, cat, catThread]);
  return { ...w, cat, bash };
}

describe('proc.* / thread.*', () => {
  const { host, ctx } = setup();
  const ev = makeEvent('SYSCALL_GETUID_X', { uid: 0 }, { tid: 200, ts: 1700000001000000000n });
  at(ctx, host, ev);

  it('names and command lines', () => {
    expect(val(ctx, 'proc.name')).toBe('cat');
    expect(val(ctx, 'proc.exe')).toBe('cat');
    expect(val(ctx, 'proc.exepath')).toBe('/usr/bin/cat');
    expect(val(ctx, 'proc.args')).toBe('/etc/shadow -n');
    expect(val(ctx, 'proc.args[0]')).toBe('/etc/shadow');
    expect(val(ctx, 'proc.args[5]')).toBe('');
    expect(val(ctx, 'proc.cmdline')).toBe('cat /etc/shadow -n');
    expect(val(ctx, 'proc.exeline')).toBe('cat /etc/shadow -n');
    expect(val(ctx, 'proc.cmdnargs')).toBe(2);
    expect(val(ctx, 'proc.cmdlenargs')).toBe(13);
    expect(val(ctx, 'proc.pname')).toBe('bash');
    expect(val(ctx, 'proc.pcmdline')).toBe('bash');
    expect(val(ctx, 'proc.pexe')).toBe('-bash');
    expect(val(ctx, 'proc.pexepath')).toBe('/usr/bin/bash');
    expect(val(ctx, 'proc.cwd')).toBe('/tmp/');
  });

  it('ancestors by index and as candidates', () => {
    expect(val(ctx, 'proc.aname[0]')).toBe('cat');
    expect(val(ctx, 'proc.aname[1]')).toBe('bash');
    expect(val(ctx, 'proc.aname[2]')).toBe('sshd');
    expect(val(ctx, 'proc.aname[3]')).toBe('systemd');
    expect(val(ctx, 'proc.aname[4]')).toBeUndefined();
    expect(val(ctx, 'proc.aname')).toEqual(['bash', 'sshd', 'systemd']);
    expect(out(ctx, 'proc.aname')).toBe('bash sshd systemd');
    expect(val(ctx, 'proc.apid[1]')).toBe(100);
    expect(val(ctx, 'proc.apid')).toEqual([100, 50, 1]);
    expect(out(ctx, 'proc.apid')).toBe('200');
    expect(val(ctx, 'proc.aexe[2]')).toBe('/usr/sbin/sshd');
    expect(val(ctx, 'proc.aexepath[3]')).toBe('/usr/lib/systemd/systemd');
    expect(val(ctx, 'proc.acmdline[2]')).toBe('sshd -D');
    expect(val(ctx, 'proc.aargs[2]')).toBe('-D');
    expect(val(ctx, 'proc.aargs')).toBe('-D --system');
  });

  it('environment', () => {
    expect(val(ctx, 'proc.env')).toBe('PATH=/usr/bin LANG=C');
    expect(val(ctx, 'proc.env[LANG]')).toBe('C');
    expect(val(ctx, 'proc.env[NOPE]')).toBe('');
    expect(val(ctx, 'proc.aenv[HOME]')).toBe('/root');
    expect(val(ctx, 'proc.aenv[PADDED]')).toBe('x y');
    expect(out(ctx, 'proc.aenv[1]')).toBe('HOME=/root SHELL=/bin/bash PADDED=  x y  ');
    expect(val(ctx, 'proc.aenv[1]')).toEqual(['HOME=/root SHELL=/bin/bash PADDED=  x y  ', '', '']);
    expect(out(ctx, 'proc.aenv')).toBe('PATH=/usr/bin LANG=C');
  });

  it('ids, sessions and groups', () => {
    expect(val(ctx, 'proc.pid')).toBe(200);
    expect(val(ctx, 'proc.ppid')).toBe(100);
    expect(val(ctx, 'thread.tid')).toBe(200);
    expect(val(ctx, 'thread.ismain')).toBe(true);
    expect(val(ctx, 'proc.sid')).toBe(100);
    expect(val(ctx, 'proc.sname')).toBe('bash');
    expect(val(ctx, 'proc.sid.exe')).toBe('-bash');
    expect(val(ctx, 'proc.vpgid')).toBe(200);
    expect(val(ctx, 'proc.vpgid.name')).toBe('cat');
    expect(val(ctx, 'proc.pgid.name')).toBe('cat');
    expect(val(ctx, 'proc.is_sid_leader')).toBe(false);
    expect(val(ctx, 'proc.is_vpgid_leader')).toBe(true);
    expect(val(ctx, 'proc.is_pgid_leader')).toBe(true);
    expect(val(ctx, 'proc.loginshellid')).toBe(100);
    expect(val(ctx, 'proc.tty')).toBe(34817);
    expect(val(ctx, 'proc.vpid')).toBe(200);
    expect(val(ctx, 'proc.pvpid')).toBe(100);
  });

  it('capabilities, resources and flags', () => {
    expect(val(ctx, 'thread.cap_effective')).toBe('CAP_CHOWN CAP_SYS_ADMIN');
    expect(val(ctx, 'thread.cap_permitted')).toBe('');
    expect(val(ctx, 'proc.is_exe_writable')).toBe(true);
    expect(val(ctx, 'proc.is_exe_upper_layer')).toBe(false);
    expect(val(ctx, 'proc.fdopencount')).toBe(2);
    expect(val(ctx, 'proc.fdlimit')).toBe(1024);
    expect(out(ctx, 'proc.fdusage')).toBe('0.2');
    expect(val(ctx, 'proc.vmsize')).toBe(1000);
    expect(val(ctx, 'thread.vmrss')).toBe(200);
    expect(val(ctx, 'thread.vmsize.b')).toBe(1024000);
    expect(val(ctx, 'thread.cgroups')).toBe('cpu=/user.slice memory=/user.slice/x');
    expect(val(ctx, 'thread.cgroup.memory')).toBe('/user.slice/x');
    expect(val(ctx, 'thread.cgroup[blkio]')).toBeUndefined();
    expect(val(ctx, 'proc.duration')).toBe(1000000000);
    expect(val(ctx, 'proc.pid.ts')).toBe(1700000000000000000n);
    expect(val(ctx, 'proc.exe_ino')).toBeUndefined();
    expect(val(ctx, 'proc.stdin.type')).toBe('file');
    expect(val(ctx, 'proc.stdout.name')).toBe('pipe:[123]');
    expect(val(ctx, 'proc.stderr.name')).toBeUndefined();
    expect(val(ctx, 'proc.nthreads')).toBe(2);
    expect(val(ctx, 'proc.nchilds')).toBe(1);
    expect(val(ctx, 'thread.nametid')).toBe('cat200');
  });

  it('secondary threads read their process', () => {
    const ev2 = makeEvent('SYSCALL_GETUID_X', { uid: 0 }, { tid: 201 });
    at(ctx, host, ev2);
    expect(val(ctx, 'thread.tid')).toBe(201);
    expect(val(ctx, 'proc.pid')).toBe(200);
    expect(val(ctx, 'thread.ismain')).toBe(false);
    expect(val(ctx, 'proc.fdopencount')).toBe(2);
    expect(val(ctx, 'proc.stdin.name')).toBe('/dev/pts/0');
    expect(val(ctx, 'proc.cwd')).toBe('/tmp/');
    expect(val(ctx, 'proc.aname[1]')).toBe('bash');
    expect(val(ctx, 'thread.vmsize')).toBe(0);
    at(ctx, host, ev);
  });

  it('unknown thread: every proc field is <NA> except thread.tid', () => {
    const ev3 = makeEvent('SYSCALL_GETUID_X', { uid: 0 }, { tid: 999 });
    at(ctx, host, ev3);
    expect(val(ctx, 'proc.name')).toBeUndefined();
    expect(out(ctx, 'proc.cmdline')).toBe('<NA>');
    expect(val(ctx, 'proc.aname')).toBeUndefined();
    expect(val(ctx, 'thread.tid')).toBe(999);
    at(ctx, host, ev);
  });
});

describe('thread.cpu / thread.exectime', () => {
  it('procinfo deltas per thread, capped at 100', () => {
    const { host, ctx } = setup();
    at(ctx, host, makeEvent('PROCINFO_E', { cpu_usr: 10n, cpu_sys: 5n }, { tid: 200 }));
    expect(val(ctx, 'thread.cpu')).toBe(0);
    const cpu = syscallFieldRegistry().compileOutput('thread.cpu');
    expect(cpu.render(ctx)).toBe('0.0');
    expect(cpu.render(at(ctx, host, makeEvent('PROCINFO_E', { cpu_usr: 40n, cpu_sys: 10n }, { tid: 200 })))).toBe('35.0');
    expect(cpu.render(at(ctx, host, makeEvent('PROCINFO_E', { cpu_usr: 400n, cpu_sys: 10n }, { tid: 200 })))).toBe('100.0');
    expect(cpu.render(at(ctx, host, makeEvent('SYSCALL_GETUID_X', { uid: 0 }, { tid: 200 })))).toBe('<NA>');
    expect(val(ctx, 'thread.exectime')).toBe(0);
  });
});
