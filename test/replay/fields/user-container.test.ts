import { describe, expect, it } from 'vitest';
import { at, container, makeEvent, out, thread, val, world } from './build.js';

describe('user.*, group.*, container.*, k8s.*', () => {
  const host1 = thread({ tid: 10, comm: 'sshd', uid: 1000, gid: 1000, loginuid: 1000 });
  const root = thread({ tid: 11, comm: 'cron', uid: 0, gid: 0, loginuid: -1 });
  const nobody = thread({ tid: 12, comm: 'x', uid: 4242, gid: 4242, loginuid: 4242 });
  const inC = thread({ tid: 20, comm: 'nginx', uid: 101, gid: 101, containerId: 'abcdef123456', pidnsInitStartTs: 1700000000000000000n });
  const inPod = thread({ tid: 30, comm: 'app', uid: 0, gid: 0, containerId: '0123456789ab' });
  const { host, ctx } = world([host1, root, nobody, inC, inPod]);
  host.users.addUser('', { uid: 1000, gid: 1000, name: 'alice', homedir: '/home/alice', shell: '/bin/zsh' });
  host.users.addGroup('', { gid: 1000, name: 'staff' });
  host.users.addUser('abcdef123456', { uid: 101, gid: 101, name: 'nginx', homedir: '/var/cache/nginx', shell: '/sbin/nologin' });
  host.containers.add(
    container({
      id: 'abcdef123456',
      name: 'web',
      image: 'nginx:1.25',
      imageRepository: 'nginx',
      imageTag: '1.25',
      imageDigest: 'sha256:abc',
      imageId: 'img1',
      privileged: false,
      labels: { maintainer: 'x', 'io.kubernetes.pod.name': 'ignored-here' },
      mounts: [
        { source: '/var/run/docker.sock', dest: '/var/run/docker.sock', mode: '', rw: true, propagation: 'rprivate' },
        { source: '/data', dest: '/usr/share/nginx/html', mode: 'ro', rw: false, propagation: '' },
      ],
      ip: '172.17.0.2',
    }),
  );
  host.containers.add(
    container({
      id: '0123456789ab',
      type: 'containerd',
      name: 'app',
      image: 'registry/app:v1',
      privileged: true,
      labels: { 'io.kubernetes.pod.name': 'app-7d9', 'io.kubernetes.pod.namespace': 'prod', 'io.kubernetes.pod.uid': 'uid-1', app: 'web' },
      podSandboxId: 'fedcba9876543210fedcba',
    }),
  );
  const ev = (tid: number) => makeEvent('SYSCALL_GETUID_X', { uid: 0 }, { tid, ts: 1700000005000000000n });

  it('users and groups', () => {
    at(ctx, host, ev(10));
    expect(val(ctx, 'user.uid')).toBe(1000);
    expect(val(ctx, 'user.name')).toBe('alice');
    expect(val(ctx, 'user.homedir')).toBe('/home/alice');
    expect(val(ctx, 'user.shell')).toBe('/bin/zsh');
    expect(val(ctx, 'user.loginuid')).toBe(1000);
    expect(val(ctx, 'user.loginname')).toBe('alice');
    expect(val(ctx, 'group.gid')).toBe(1000);
    expect(val(ctx, 'group.name')).toBe('staff');
    at(ctx, host, ev(11));
    expect(val(ctx, 'user.name')).toBe('root');
    expect(val(ctx, 'user.homedir')).toBe('/root');
    expect(val(ctx, 'user.shell')).toBe('<NA>');
    expect(val(ctx, 'user.loginuid')).toBe(-1);
    expect(val(ctx, 'user.loginname')).toBe('<NA>');
    expect(val(ctx, 'group.name')).toBe('root');
    at(ctx, host, ev(12));
    expect(val(ctx, 'user.name')).toBe('<NA>');
    expect(val(ctx, 'group.name')).toBe('<NA>');
    at(ctx, host, ev(20));
    expect(val(ctx, 'user.name')).toBe('nginx');
    at(ctx, host, ev(999));
    expect(val(ctx, 'user.name')).toBeUndefined();
    expect(out(ctx, 'group.gid')).toBe('<NA>');
  });

  it('host processes: the plugin host entry (empty strings), none in sysdig 0.29 mode', () => {
    at(ctx, host, ev(10));
    expect(val(ctx, 'container.id')).toBe('host');
    expect(val(ctx, 'container.name')).toBe('host');
    expect(val(ctx, 'container.type')).toBe('host');
    expect(val(ctx, 'container.image')).toBe('');
    expect(val(ctx, 'container.image.repository')).toBe('');
    expect(val(ctx, 'container.privileged')).toBe(false);
    expect(val(ctx, 'container.mount[0]')).toBeUndefined();
    expect(val(ctx, 'container.label.x')).toBeUndefined();
    expect(val(ctx, 'k8s.pod.name')).toBeUndefined();
    expect(val(ctx, 'k8s.ns.name')).toBeUndefined();
    expect(val(ctx, 'container.start_ts')).toBeUndefined();
    ctx.render = { sysdig029: true };
    expect(val(ctx, 'container.id')).toBe('host');
    expect(val(ctx, 'container.image')).toBeUndefined();
    expect(out(ctx, 'container.image.repository')).toBe('<NA>');
    ctx.render = { sysdig029: false };
  });

  it('containers known only by id', () => {
    const t = thread({ tid: 40, comm: 'x', containerId: 'feedfeedfeed' });
    host.threads.add(t);
    at(ctx, host, ev(40));
    expect(val(ctx, 'container.id')).toBe('feedfeedfeed');
    expect(val(ctx, 'container.name')).toBeUndefined();
    expect(val(ctx, 'container.image')).toBeUndefined();
  });

  it('docker container', () => {
    at(ctx, host, ev(20));
    expect(val(ctx, 'container.id')).toBe('abcdef123456');
    expect(val(ctx, 'container.name')).toBe('web');
    expect(val(ctx, 'container.image')).toBe('nginx:1.25');
    expect(val(ctx, 'container.image.repository')).toBe('nginx');
    expect(val(ctx, 'container.image.tag')).toBe('1.25');
    expect(val(ctx, 'container.image.digest')).toBe('sha256:abc');
    expect(val(ctx, 'container.image.id')).toBe('img1');
    expect(val(ctx, 'container.type')).toBe('docker');
    expect(val(ctx, 'container.privileged')).toBe(false);
    expect(val(ctx, 'container.ip')).toBe('172.17.0.2');
    expect(val(ctx, 'container.mounts')).toBe('/var/run/docker.sock:/var/run/docker.sock::true:rprivate,/data:/usr/share/nginx/html:ro:false:');
    expect(val(ctx, 'container.mount[1]')).toBe('/data:/usr/share/nginx/html:ro:false:');
    expect(val(ctx, 'container.mount[/var/run/*]')).toBe('/var/run/docker.sock:/var/run/docker.sock::true:rprivate');
    expect(val(ctx, 'container.mount[9]')).toBeUndefined();
    expect(val(ctx, 'container.mount.dest[/data]')).toBe('/usr/share/nginx/html');
    expect(val(ctx, 'container.mount.source[/usr/share/nginx/html]')).toBe('/data');
    expect(val(ctx, 'container.mount.mode[1]')).toBe('ro');
    expect(val(ctx, 'container.mount.rdwr[0]')).toBe('true');
    expect(val(ctx, 'container.label.maintainer')).toBe('x');
    expect(val(ctx, 'container.label[nope]')).toBeUndefined();
    expect(val(ctx, 'container.labels')).toBe('maintainer:x');
    expect(val(ctx, 'container.start_ts')).toBe(1700000000000000000n);
    expect(val(ctx, 'container.duration')).toBe(5000000000);
    expect(val(ctx, 'container.healthcheck')).toBeUndefined();
  });

  it('kubernetes pod', () => {
    at(ctx, host, ev(30));
    expect(val(ctx, 'k8s.pod.name')).toBe('app-7d9');
    expect(val(ctx, 'k8s.ns.name')).toBe('prod');
    expect(val(ctx, 'k8s.pod.uid')).toBe('uid-1');
    expect(val(ctx, 'k8s.pod.id')).toBe('uid-1');
    expect(val(ctx, 'k8s.pod.sandbox_id')).toBe('fedcba987654');
    expect(val(ctx, 'k8s.pod.full_sandbox_id')).toBe('fedcba9876543210fedcba');
    expect(val(ctx, 'k8s.pod.label.app')).toBe('web');
    expect(val(ctx, 'k8s.pod.label[app]')).toBe('web');
    expect(val(ctx, 'k8s.pod.labels')).toBe('app:web');
    expect(val(ctx, 'container.privileged')).toBe(true);
    expect(val(ctx, 'k8s.rc.name')).toBeUndefined();
    expect(val(ctx, 'k8s.ns.label.x')).toBeUndefined();
  });
});
