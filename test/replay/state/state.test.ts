import { describe, expect, it } from 'vitest';
import { HostState, containerFromCgroups, parseContainerJson, MAX_FD_TABLE_SIZE, PPM_CL_CLONE_THREAD, PPM_CL_CLONE_FILES } from '../../../src/replay/state/index.js';
import { FdType, newThreadEntry, type FdEntry, type ThreadEntry } from '../../../src/scap/blocks/index.js';
import { makeEvent, p, type EventSpec } from '../../helpers/event-builder.js';

function host(threads: Partial<ThreadEntry>[], fds: Record<number, FdEntry[]> = {}, opts = {}): HostState {
  const st = new HostState(opts);
  st.applyStateBlock({ kind: 'proclist', threads: threads.map((t) => newThreadEntry({ tid: t.tid!, ...t })) });
  for (const [tid, list] of Object.entries(fds)) st.applyStateBlock({ kind: 'fdlist', table: { tid: Number(tid), fds: list } });
  st.applyStateBlock({ kind: 'userlist', users: [{ uid: 0, gid: 0, name: 'root', homedir: '/root', shell: '/bin/sh' }, { uid: 1000, gid: 1000, name: 'alice', homedir: '/home/alice', shell: '/bin/bash' }], groups: [{ gid: 0, name: 'root' }] });
  return st;
}

function apply(st: HostState, spec: EventSpec): HostState {
  st.applyEvent(makeEvent(spec));
  return st;
}

const fileFd = (fd: number, name: string, openFlags = 0): FdEntry => ({ fd, ino: 1n, type: FdType.FILE_V2, info: { kind: 'file', openFlags, name } });

const base = (): HostState =>
  host(
    [
      { tid: 1, pid: 1, ptid: 0, comm: 'init', exe: '/sbin/init', cwd: '/' },
      { tid: 100, pid: 100, ptid: 1, vtid: 100, vpid: 100, comm: 'bash', exe: '/bin/bash', cwd: '/home/alice', uid: 1000, gid: 1000 },
      { tid: 101, pid: 100, ptid: 1, comm: 'bash', exe: '/bin/bash', cwd: '/home/alice', uid: 1000 },
    ],
    { 100: [fileFd(0, '/dev/pts/0'), fileFd(1, '/dev/pts/0'), fileFd(5, '/etc/secret', 1 << 12)] },
  );

describe('state blocks', () => {
  it('loads threads, fds, cwd and users as libsinsp does', () => {
    const st = base();
    const bash = st.threads.get(100)!;
    expect(bash.cwd).toBe('/home/alice/');
    expect(st.threads.get(101)!.cwd).toBe('');
    expect(st.threads.cwd(st.threads.get(101)!)).toBe('/home/alice/');
    // Threads of a process share the main thread's fd table.
    expect(st.threads.get(101)!.fds).toBe(bash.fds);
    expect(bash.fds.get(0)!.name).toBe('/dev/pts/0');
    expect(st.userName(bash)).toBe('alice');
    expect(st.threads.parent(bash)!.comm).toBe('init');
  });

  it('names sockets from the fd list and swaps server-side tuples', () => {
    const st = host([{ tid: 7, pid: 7, ptid: 1, comm: 'sshd' }], {
      7: [
        { fd: 3, ino: 1n, type: FdType.IPV4_SERVSOCK, info: { kind: 'ipv4server', ip: '0.0.0.0', port: 22, l4proto: 2 } },
        { fd: 4, ino: 2n, type: FdType.IPV4_SOCK, info: { kind: 'ipv4', sip: '10.0.0.1', sport: 22, dip: '10.0.0.2', dport: 5555, l4proto: 2 } },
        { fd: 5, ino: 3n, type: FdType.UNIX_SOCK, info: { kind: 'unix', source: 1n, destination: 2n, name: '/run/x.sock' } },
      ],
    });
    apply(st, { type: 'SYSCALL_GETUID_E', tid: 7, params: [] });
    const fds = st.threads.get(7)!.fds;
    expect(fds.get(3)!.name).toBe('0.0.0.0:22');
    expect(fds.get(4)!.name).toBe('10.0.0.2:5555->10.0.0.1:22');
    expect(fds.get(4)!.role).toBe('server');
    expect(fds.get(5)!.name).toBe('/run/x.sock');
  });
});

describe('processes', () => {
  it('clone: the caller creates the child with a copy of the fds and the cwd', () => {
    const st = base();
    const clone = (res: number, tid: number, flags: number): EventSpec => ({
      type: 'SYSCALL_CLONE_20_X',
      tid,
      params: [p.i64(res), p.str('/bin/bash'), p.list(['-c', 'ls']), p.i64(tid), p.i64(100), p.i64(1), p.str(''), p.i64(1024), p.u64(0), p.u64(0), p.u32(0), p.u32(0), p.u32(0), p.str('bash'), p.list(['cpu=/']), p.u32(flags), p.u32(1000), p.u32(1000), p.i64(tid), p.i64(100), p.u64(0)],
    });
    apply(st, clone(200, 100, 0));
    const child = st.threads.get(200)!;
    expect(child.pid).toBe(200);
    expect(child.ptid).toBe(100);
    expect(child.cwd).toBe('/home/alice/');
    expect(child.fds).not.toBe(st.threads.get(100)!.fds);
    expect(child.fds.get(1)!.name).toBe('/dev/pts/0');
    // the child's own clone exit finds it and leaves it alone
    apply(st, { ...clone(0, 200, 0), params: clone(0, 200, 0).params.map((b, i) => (i === 4 ? p.i64(200) : i === 5 ? p.i64(100) : b)) });
    expect(st.thread).toBe(child);
    // a new thread shares the process's files
    apply(st, clone(102, 100, PPM_CL_CLONE_THREAD | PPM_CL_CLONE_FILES));
    const th = st.threads.get(102)!;
    expect(th.pid).toBe(100);
    expect(st.threads.fdTable(th)).toBe(st.threads.get(100)!.fds);
  });

  it('execve (old version 16): new image, close-on-exec fds dropped, container from cgroups', () => {
    const st = base();
    const cid = 'a'.repeat(64);
    apply(st, { type: 'SYSCALL_EXECVE_16_E', tid: 100, params: [] });
    apply(st, {
      type: 'SYSCALL_EXECVE_16_X',
      tid: 100,
      params: [p.i64(0), p.str('/usr/bin/cat'), p.list(['/etc/hosts']), p.i64(100), p.i64(100), p.i64(1), p.str('/home/alice'), p.u64(1024), p.u64(0), p.u64(0), p.u32(0), p.u32(0), p.u32(0), p.str('cat'), p.list([`cpu=/docker/${cid}`]), p.list(['HOME=/home/alice'])],
    });
    const t = st.threads.get(100)!;
    expect(t.comm).toBe('cat');
    expect(t.exe).toBe('/usr/bin/cat');
    expect(t.args).toEqual(['/etc/hosts']);
    expect(t.env).toEqual(['HOME=/home/alice']);
    expect(t.containerId).toBe(cid.slice(0, 12));
    expect(t.fds.has(5)).toBe(false);
    expect(t.fds.has(1)).toBe(true);
    // execve from a multi-threaded process kills the other threads
    expect(st.threads.get(101)).toBeUndefined();
  });

  it('execve 19 takes the exe path from the enter event', () => {
    const st = base();
    apply(st, { type: 'SYSCALL_EXECVE_19_E', tid: 100, params: [p.str('bin/tool')] });
    const params = [p.i64(0), p.str('tool'), p.list([]), p.i64(100), p.i64(100), p.i64(1), p.str(''), p.u64(1024), p.u64(0), p.u64(0), p.u32(0), p.u32(0), p.u32(0), p.str('tool'), p.none(), p.none(), p.u32(0)];
    apply(st, { type: 'SYSCALL_EXECVE_19_X', tid: 100, params });
    expect(st.threads.get(100)!.exepath).toBe('/home/alice/bin/tool');
  });

  it('procexit removes the thread at the next event and reparents its children', () => {
    const st = host([
      { tid: 1, pid: 1, ptid: 0, comm: 'init' },
      { tid: 10, pid: 10, ptid: 1, comm: 'parent' },
      { tid: 11, pid: 11, ptid: 10, comm: 'child' },
    ]);
    apply(st, { type: 'PROCEXIT_1_E', tid: 10, params: [p.i64(0), p.i64(0), p.u8(0), p.u8(0), p.i64(0)] });
    expect(st.thread!.tid).toBe(10);
    expect(st.threads.get(10)).toBeDefined();
    apply(st, { type: 'SYSCALL_GETUID_E', tid: 11, params: [] });
    expect(st.threads.get(10)).toBeUndefined();
    expect(st.threads.get(11)!.ptid).toBe(1);
  });

  it('an unknown tid gets an invalid placeholder thread (pid -1; pid = tid in sysdig 0.29 mode)', () => {
    const st = base();
    apply(st, { type: 'SYSCALL_GETUID_E', tid: 4242, params: [] });
    expect(st.thread!.comm).toBe('<NA>');
    expect(st.thread!.pid).toBe(-1);
    const old = new HostState({ sysdig029: true });
    apply(old, { type: 'SYSCALL_GETUID_E', tid: 4242, params: [] });
    expect(old.thread!.pid).toBe(4242);
  });

  it('refuses threads beyond the table cap', () => {
    const st = new HostState({ maxThreads: 2 });
    for (const tid of [1, 2, 3]) apply(st, { type: 'SYSCALL_GETUID_E', tid, params: [] });
    expect(st.threads.size).toBe(2);
    expect(st.thread).toBeUndefined();
    expect(st.threads.dropped).toBe(1);
  });
});

describe('files', () => {
  it('open (4-parameter exit): absolute name from cwd, fd visible on the exit event', () => {
    const st = base();
    apply(st, { type: 'SYSCALL_OPEN_E', tid: 100, params: [] });
    apply(st, { type: 'SYSCALL_OPEN_X', tid: 100, params: [p.i64(3), p.str('notes/../todo.txt'), p.u32(1), p.u32(0)] });
    expect(st.fd!.name).toBe('/home/alice/todo.txt');
    expect(st.fd!.nameRaw).toBe('notes/../todo.txt');
    expect(st.threads.get(100)!.fds.get(3)!.kind).toBe('file');
  });

  it('openat relative to a dirfd, and close removes the fd after its exit event', () => {
    const st = base();
    apply(st, { type: 'SYSCALL_OPENAT_2_E', tid: 100, params: [p.i64(-100), p.str('/var/log'), p.u32(1 << 10), p.u32(0)] });
    apply(st, { type: 'SYSCALL_OPENAT_2_X', tid: 100, params: [p.i64(7), p.i64(-100), p.str('/var/log'), p.u32(1 << 10), p.u32(0), p.u32(0), p.u64(0)] });
    expect(st.fd!.kind).toBe('directory');
    apply(st, { type: 'SYSCALL_OPENAT_2_E', tid: 100, params: [p.i64(7), p.str('syslog'), p.u32(1), p.u32(0)] });
    apply(st, { type: 'SYSCALL_OPENAT_2_X', tid: 100, params: [p.i64(8), p.i64(7), p.str('syslog'), p.u32(1), p.u32(0), p.u32(0), p.u64(0)] });
    expect(st.fd!.name).toBe('/var/log/syslog');
    apply(st, { type: 'SYSCALL_CLOSE_E', tid: 100, params: [p.i64(8)] });
    expect(st.fd!.name).toBe('/var/log/syslog');
    apply(st, { type: 'SYSCALL_CLOSE_X', tid: 100, params: [p.i64(0), p.i64(8)] });
    expect(st.fd!.name).toBe('/var/log/syslog');
    expect(st.threads.get(100)!.fds.has(8)).toBe(true);
    apply(st, { type: 'SYSCALL_GETUID_E', tid: 100, params: [] });
    expect(st.threads.get(100)!.fds.has(8)).toBe(false);
  });

  it('pipe, dup2, fcntl F_DUPFD, chdir', () => {
    const st = base();
    apply(st, { type: 'SYSCALL_PIPE_X', tid: 100, params: [p.i64(0), p.i64(10), p.i64(11), p.u64(99)] });
    const fds = st.threads.get(100)!.fds;
    expect(fds.get(10)!.kind).toBe('pipe');
    expect(fds.get(11)!.ino).toBe(99n);
    apply(st, { type: 'SYSCALL_DUP2_X', tid: 100, params: [p.i64(12), p.i64(0), p.i64(12)] });
    expect(fds.get(12)!.name).toBe('/dev/pts/0');
    apply(st, { type: 'SYSCALL_FCNTL_E', tid: 100, params: [p.i64(1), p.u8(1)] });
    apply(st, { type: 'SYSCALL_FCNTL_X', tid: 100, params: [p.i64(13), p.i64(1), p.u8(1), p.u64(0)] });
    expect(fds.get(13)!.name).toBe('/dev/pts/0');
    apply(st, { type: 'SYSCALL_CHDIR_X', tid: 101, params: [p.i64(0), p.str('/tmp')] });
    expect(st.threads.cwd(st.threads.get(100)!)).toBe('/tmp/');
  });

  it('caps the fd table', () => {
    const st = base();
    for (let fd = 100; fd < 100 + MAX_FD_TABLE_SIZE + 10; fd++) apply(st, { type: 'SYSCALL_EVENTFD_X', tid: 100, params: [p.i64(fd), p.u64(0), p.u32(0)] });
    expect(st.threads.get(100)!.fds.size).toBe(MAX_FD_TABLE_SIZE);
  });
});

describe('sockets', () => {
  it('socket + connect names the fd "sip:sport->dip:dport"; old socket exits take the domain from the enter event', () => {
    const st = base();
    apply(st, { type: 'SOCKET_SOCKET_E', tid: 100, params: [p.u32(2), p.u32(1), p.u32(0)] });
    apply(st, { type: 'SOCKET_SOCKET_X', tid: 100, params: [p.i64(4)] });
    expect(st.fd!.kind).toBe('ipv4');
    expect(st.fd!.l4proto).toBe(2);
    apply(st, { type: 'SOCKET_CONNECT_E', tid: 100, params: [p.i64(4), p.ipv4Addr('93.184.216.34', 443)] });
    apply(st, { type: 'SOCKET_CONNECT_X', tid: 100, params: [p.i64(0), p.ipv4Tuple('192.168.1.5', 40000, '93.184.216.34', 443), p.i64(4), p.ipv4Addr('93.184.216.34', 443)] });
    expect(st.fd!.name).toBe('192.168.1.5:40000->93.184.216.34:443');
    expect(st.fd!.role).toBe('client');
  });

  it('accept creates a server-side connected socket; unix connect uses the kernel pointers', () => {
    const st = base();
    apply(st, { type: 'SOCKET_ACCEPT_5_X', tid: 100, params: [p.i64(9), p.ipv4Tuple('10.1.1.1', 5000, '10.1.1.2', 80), p.u8(0), p.u32(0), p.u32(10)] });
    expect(st.fd!.name).toBe('10.1.1.1:5000->10.1.1.2:80');
    expect(st.fd!.role).toBe('server');
    apply(st, { type: 'SOCKET_SOCKET_X', tid: 100, params: [p.i64(6), p.u32(1), p.u32(1), p.u32(0), p.u32(0)] });
    apply(st, { type: 'SOCKET_CONNECT_E', tid: 100, params: [p.i64(6), p.none()] });
    apply(st, { type: 'SOCKET_CONNECT_X', tid: 100, params: [p.i64(0), p.unixTuple(0n, 0xffff8800n, '/run/nscd/socket'), p.i64(6), p.none()] });
    expect(st.fd!.name).toBe('0->ffff8800 /run/nscd/socket');
  });

  it('sendto on an unknown fd infers a UDP socket', () => {
    const st = base();
    apply(st, { type: 'SOCKET_SENDTO_X', tid: 100, params: [p.i64(10), p.none(), p.i64(20), p.u32(10), p.ipv4Tuple('10.0.0.1', 1234, '8.8.8.8', 53)] });
    expect(st.threads.get(100)!.fds.get(20)!.name).toBe('10.0.0.1:1234->8.8.8.8:53');
  });
});

describe('metaevents and containers', () => {
  it('container JSON events fill the table; the event carries a container thread', () => {
    const st = base();
    const json = JSON.stringify({ container: { id: '9dbcbd0c435f', type: 0, name: 'web', image: 'nginx:latest', imagerepo: 'nginx', imagetag: 'latest', privileged: true, Mounts: [{ Source: '/a', Destination: '/b', Mode: '', RW: true, Propagation: 'rprivate' }], labels: { a: 'b' } } });
    apply(st, { type: 'CONTAINER_JSON_E', tid: -1, params: [p.str(json)] });
    const c = st.containers.get('9dbcbd0c435f')!;
    expect(c.name).toBe('web');
    expect(c.privileged).toBe(true);
    expect(c.mounts[0]!.dest).toBe('/b');
    expect(st.thread!.comm).toBe('container:9dbcbd0c435f');
    expect(st.userName(st.thread!)).toBe('root');
  });

  it('useradded / groupadded fill per-container tables', () => {
    const st = base();
    apply(st, { type: 'USER_ADDED_E', tid: -1, params: [p.u32(33), p.u32(33), p.str('www-data'), p.str('/var/www'), p.str('/bin/false'), p.str('abc')] });
    apply(st, { type: 'GROUP_ADDED_E', tid: -1, params: [p.u32(33), p.str('www-data'), p.str('abc')] });
    expect(st.users.user('abc', 33)!.name).toBe('www-data');
    expect(st.users.user('', 33)).toBeUndefined();
    expect(st.users.group('abc', 33)!.name).toBe('www-data');
  });

  it('extracts container ids from cgroups', () => {
    const id = '605439acbd4fb18c145069289094b17f17e0cfa938f78012d4960bc797305f22';
    expect(containerFromCgroups([`cpuset=/kubepods/besteffort/pod1/${id}`])).toEqual({ id: id.slice(0, 12), type: 'docker' });
    expect(containerFromCgroups([`cpu=/system.slice/docker-${id}.scope`])!.id).toBe(id.slice(0, 12));
    expect(containerFromCgroups([`cpu=/kubepods.slice/cri-containerd-${id}.scope`])!.type).toBe('cri');
    expect(containerFromCgroups([`cpu=/machine.slice/libpod-${id}.scope`])!.type).toBe('podman');
    expect(containerFromCgroups(['cpu=/user.slice'])).toBeUndefined();
    expect(containerFromCgroups([`cpu=/docker/${id.slice(0, 63)}`])).toBeUndefined();
    expect(parseContainerJson('not json')).toBeUndefined();
  });
});

describe('per-event context', () => {
  it('enter events carry the fd of their fd parameter; exits pair with the enter, else use their own fd parameter', () => {
    const st = base();
    apply(st, { type: 'SYSCALL_READ_E', tid: 100, params: [p.i64(1), p.u32(10)] });
    expect(st.fd!.name).toBe('/dev/pts/0');
    expect(st.fdNum).toBe(1);
    apply(st, { type: 'SYSCALL_READ_X', tid: 100, params: [p.i64(3), p.none(), p.i64(5), p.u32(10)] });
    // paired with the enter: the enter's fd wins (libsinsp m_lastevent_fd)
    expect(st.fdNum).toBe(1);
    // an exit without its enter uses the exit's fd parameter
    apply(st, { type: 'SYSCALL_GETUID_E', tid: 100, params: [] });
    apply(st, { type: 'SYSCALL_READ_X', tid: 100, params: [p.i64(3), p.none(), p.i64(5), p.u32(10)] });
    expect(st.fdNum).toBe(5);
    expect(st.fd!.name).toBe('/etc/secret');
  });

  it('the stored enter event is available to the exit only', () => {
    const st = base();
    apply(st, { type: 'SYSCALL_OPEN_E', tid: 100, params: [p.str('/etc/passwd'), p.u32(1), p.u32(0)] });
    apply(st, { type: 'SYSCALL_OPEN_X', tid: 100, params: [p.i64(4)] });
    expect(st.fd!.name).toBe('/etc/passwd');
    expect(st.fd!.openFlags).toBe(1);
    // another exit: the enter is gone
    apply(st, { type: 'SYSCALL_OPEN_X', tid: 100, params: [p.i64(6)] });
    expect(st.fd!.name).toBe('/home/alice/<NA>');
  });

  it('a child subreaper (prctl) adopts orphans', () => {
    const st = host([
      { tid: 1, pid: 1, ptid: 0, comm: 'init' },
      { tid: 10, pid: 10, ptid: 1, comm: 'supervisor' },
      { tid: 11, pid: 11, ptid: 10, comm: 'worker' },
      { tid: 12, pid: 12, ptid: 11, comm: 'job' },
    ]);
    apply(st, { type: 'SYSCALL_PRCTL_X', tid: 10, params: [p.i64(0), p.u32(36), p.none(), p.i64(1)] });
    apply(st, { type: 'PROCEXIT_1_E', tid: 11, params: [p.i64(0), p.i64(0), p.u8(0), p.u8(0), p.i64(0)] });
    apply(st, { type: 'SYSCALL_GETUID_E', tid: 12, params: [] });
    expect(st.threads.get(11)).toBeUndefined();
    expect(st.threads.get(12)!.ptid).toBe(10);
    expect(st.threads.ancestors(st.threads.get(12)!).map((t) => t.comm)).toEqual(['supervisor', 'init']);
  });

  it('a dead main thread stays while other threads of its process live', () => {
    const st = host([
      { tid: 1, pid: 1, ptid: 0, comm: 'init' },
      { tid: 20, pid: 20, ptid: 1, comm: 'app', cwd: '/srv' },
      { tid: 21, pid: 20, ptid: 1, comm: 'app' },
    ]);
    apply(st, { type: 'PROCEXIT_1_E', tid: 20, params: [p.i64(0), p.i64(0), p.u8(0), p.u8(0), p.i64(0)] });
    apply(st, { type: 'SYSCALL_GETUID_E', tid: 21, params: [] });
    expect(st.threads.get(20)!.alive).toBe(false);
    expect(st.threads.cwd(st.thread!)).toBe('/srv/');
    apply(st, { type: 'PROCEXIT_1_E', tid: 21, params: [p.i64(0), p.i64(0), p.u8(0), p.u8(0), p.i64(0)] });
    apply(st, { type: 'SYSCALL_GETUID_E', tid: 1, params: [] });
    expect(st.threads.get(20)).toBeUndefined();
    expect(st.threads.get(21)).toBeUndefined();
  });

  it('purges idle threads when asked to (live-capture policy)', () => {
    const st = new HostState({ purgeInactive: true, purgeIntervalNs: 10n, threadTimeoutNs: 100n });
    apply(st, { type: 'SYSCALL_GETUID_E', tid: 5, ts: 1000n, params: [] });
    apply(st, { type: 'SYSCALL_GETUID_E', tid: 6, ts: 1050n, params: [] });
    apply(st, { type: 'SYSCALL_GETUID_E', tid: 6, ts: 1200n, params: [] });
    // invalid placeholder threads go at the first scan
    expect(st.threads.get(5)).toBeUndefined();
  });

  it('purges at the first event strictly past each interval, across a 2^32 ns boundary', () => {
    const st = new HostState({ purgeInactive: true, purgeIntervalNs: 10n, threadTimeoutNs: 100n });
    const t0 = 2n ** 32n - 5n;
    apply(st, { type: 'SYSCALL_GETUID_E', tid: 5, ts: t0, params: [] });
    expect(st.threads.get(5)).toBeDefined(); // the first event only sets the schedule
    apply(st, { type: 'SYSCALL_GETUID_E', tid: 6, ts: t0 + 10n, params: [] });
    expect(st.threads.get(5)).toBeUndefined(); // past t0: purged before tid 6 is looked up
    apply(st, { type: 'SYSCALL_GETUID_E', tid: 7, ts: t0 + 20n, params: [] });
    expect(st.threads.get(6)).toBeDefined(); // exactly at the next due time: no purge
    apply(st, { type: 'SYSCALL_GETUID_E', tid: 8, ts: t0 + 21n, params: [] });
    expect(st.threads.get(6)).toBeUndefined();
    expect(st.threads.get(7)).toBeUndefined();
    expect(st.threads.get(8)).toBeDefined();
  });
});

describe('fd name changes', () => {
  it('flags the events that (re)name their fd', () => {
    const st = base();
    apply(st, { type: 'SYSCALL_OPEN_X', tid: 100, params: [p.i64(3), p.str('/tmp/a'), p.u32(1), p.u32(0)] });
    expect(st.fdNameChanged).toBe(true);
    apply(st, { type: 'SYSCALL_READ_E', tid: 100, params: [p.i64(3), p.u32(10)] });
    expect(st.fdNameChanged).toBe(false);
    apply(st, { type: 'SOCKET_SOCKET_X', tid: 100, params: [p.i64(4), p.u32(2), p.u32(1), p.u32(0), p.u32(0)] });
    apply(st, { type: 'SOCKET_CONNECT_E', tid: 100, params: [p.i64(4), p.ipv4Addr('1.2.3.4', 80)] });
    expect(st.fdNameChanged).toBe(false);
    apply(st, { type: 'SOCKET_CONNECT_X', tid: 100, params: [p.i64(0), p.ipv4Tuple('10.0.0.1', 3333, '1.2.3.4', 80), p.i64(4), p.ipv4Addr('1.2.3.4', 80)] });
    expect(st.fdNameChanged).toBe(true);
    apply(st, { type: 'SYSCALL_DUP_1_X', tid: 100, params: [p.i64(9), p.i64(4)] });
    expect(st.fd!.name).toBe('10.0.0.1:3333->1.2.3.4:80');
    expect(st.fdNameChanged).toBe(false);
  });
});
