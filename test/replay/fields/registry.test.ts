import { describe, expect, it } from 'vitest';
import { compileFilter } from '../../../src/replay/filter/index.js';
import { FIELD_CLASSES, listFields, syscallFieldRegistry } from '../../../src/replay/fields/registry.js';
import { formatFieldValue } from '../../../src/replay/fields/format.js';
import { FieldArgError } from '../../../src/replay/fields/types.js';
import { at, fd, makeEvent, thread, world } from './build.js';

const reg = syscallFieldRegistry();

describe('registry', () => {
  it('looks fields up with dotted arguments as libsinsp parses them', () => {
    expect(reg.lookup('proc.name')?.def.name).toBe('proc.name');
    expect(reg.lookup('proc.name')?.arg).toBeUndefined();
    expect(reg.lookup('evt.arg.fd')).toMatchObject({ arg: 'fd' });
    expect(reg.lookup('evt.arg.fd')?.def.name).toBe('evt.arg');
    expect(reg.lookup('evt.args')?.def.name).toBe('evt.args');
    expect(reg.lookup('evt.rawarg.res')?.def.name).toBe('evt.rawarg');
    expect(reg.lookup('evt.type.is.open')).toMatchObject({ arg: 'open' });
    expect(reg.lookup('evt.abspath.src')).toMatchObject({ arg: 'src' });
    expect(reg.lookup('thread.cgroup.cpuacct')).toMatchObject({ arg: 'cpuacct' });
    expect(reg.lookup('thread.cgroups')?.def.name).toBe('thread.cgroups');
    expect(reg.lookup('k8s.pod.label.app.kubernetes.io/name')).toMatchObject({ arg: 'app.kubernetes.io/name' });
    expect(reg.lookup('container.label.com.docker.compose.project')).toMatchObject({ arg: 'com.docker.compose.project' });
    expect(reg.lookup('container.mount.source')?.def.name).toBe('container.mount.source');
    expect(reg.lookup('fd.sip.name')?.def.name).toBe('fd.sip.name');
    expect(reg.lookup('proc.aname')?.def.arg).toBe('optional-index');
    expect(reg.lookup('proc.aname.x')).toBeUndefined();
    expect(reg.lookup('proc.nope')).toBeUndefined();
    expect(reg.lookup('fd.cip.foo')).toBeUndefined();
  });

  it('lists every field once, with class, type and argument kind', () => {
    const names = reg.list().map((d) => d.name);
    expect(new Set(names).size).toBe(names.length);
    const counts = Object.fromEntries(FIELD_CLASSES.map((c) => [c.name, c.fields.length]));
    expect(counts).toEqual({ evt: 76, process: 90, user: 6, group: 2, container: 61, fd: 46, fdlist: 6, 'fs.path': 6 });
    const rows = listFields();
    expect(rows.find((r) => r.name === 'proc.aname')).toMatchObject({ type: 'charbuf', arg: 'optional-index', fieldClass: 'process' });
    expect(rows.find((r) => r.name === 'fd.net')?.flags).toContain('filter-only');
    expect(rows.find((r) => r.name === 'fd.types')?.flags).toContain('list');
    for (const r of rows) expect(r.description.length).toBeGreaterThan(5);
  });

  it('compiles output fields and rejects filter-only ones', () => {
    expect(reg.compileOutput('proc.aname[2]').arg).toBe('2');
    expect(reg.compileOutput('evt.arg.fd').arg).toBe('fd');
    expect(reg.compileOutput('evt.rawarg.res').type).toBe('errno');
    expect(() => reg.compileOutput('fd.net')).toThrow(FieldArgError);
    expect(() => reg.compileOutput('proc.aname[x]')).toThrow(/numeric index/);
    expect(() => reg.compileOutput('evt.arg')).toThrow(/requires an argument/);
    expect(() => reg.compileOutput('proc.name[1]')).toThrow(/does not take an argument/);
    expect(() => reg.compileOutput('evt.rawarg.nosuchparam')).toThrow(/unknown event argument/);
    expect(() => reg.compileOutput('evt.arg.fdx')).toThrow(/unknown event argument/);
    expect(reg.compileOutput('evt.arg[1]').arg).toBe('1');
    expect(() => reg.compileOutput('no.such')).toThrow(/unknown field/);
  });

  it('works with the condition compiler', () => {
    const parent = thread({ tid: 1, comm: 'bash', exe: 'bash' });
    const t = thread({ tid: 2, ptid: 1, comm: 'cat', exe: 'cat', args: ['/etc/shadow'], env: ['HOME=/root'] });
    t.fds.set(3, fd({ fd: 3, kind: 'file', name: '/etc/shadow' }));
    t.fds.set(4, fd({ fd: 4, kind: 'ipv4', name: '10.1.1.1:5->8.8.8.8:53', sip: '10.1.1.1', sport: 5, dip: '8.8.8.8', dport: 53, l4proto: 3, role: 'client' }));
    const { host, ctx } = world([parent, t]);
    const f = (cond: string): boolean => compileFilter(cond, { registry: reg })(ctx);
    at(ctx, host, makeEvent('SYSCALL_OPENAT_2_X', { fd: 3, dirfd: -100, name: '/etc/shadow', flags: 1 }, { tid: 2 }), 3);
    expect(f('evt.type = openat and evt.dir = < and fd.name = /etc/shadow')).toBe(true);
    expect(f('proc.aname = bash')).toBe(true);
    expect(f('proc.aname[1] = bash and proc.pname = bash')).toBe(true);
    expect(f('proc.aname in (sshd, zsh)')).toBe(false);
    expect(f('evt.is_open_read = true and fd.directory = /etc and fd.filename = shadow')).toBe(true);
    expect(f('proc.env[HOME] = /root and proc.args contains shadow')).toBe(true);
    expect(f('evt.arg.flags contains O_RDONLY and evt.rawarg.flags = 1')).toBe(true);
    expect(f('evt.res = SUCCESS and evt.rawres >= 0 and not evt.failed = true')).toBe(true);
    expect(f('fd.typechar = f and fd.num = 3')).toBe(true);
    expect(f('fd.sip exists')).toBe(false);
    at(ctx, host, makeEvent('SYSCALL_WRITE_X', { res: 3, data: 'abc', fd: 4, size: 3 }, { tid: 2 }), 4);
    expect(f('fd.sip = 8.8.8.8 and fd.sport = 53 and fd.l4proto = udp')).toBe(true);
    expect(f('fd.net = 8.8.0.0/16')).toBe(true);
    expect(f('fd.snet = 10.0.0.0/8')).toBe(false);
    expect(f('fd.cnet = 10.0.0.0/8')).toBe(true);
    expect(f('fd.ip = 10.1.1.1')).toBe(true);
    expect(f('fd.port in (53)')).toBe(true);
    expect(f('evt.buffer contains bc and evt.buflen = 3')).toBe(true);
    expect(f('fd.types intersects (ipv4)')).toBe(true);
  });
});

describe('formatFieldValue', () => {
  const fmt = (type: Parameters<typeof formatFieldValue>[0]['type'], v: Parameters<typeof formatFieldValue>[1], extra: object = {}) =>
    formatFieldValue({ type, ...extra }, v);
  it('renders each type as libsinsp prints it', () => {
    expect(fmt('charbuf', undefined)).toBe('<NA>');
    expect(fmt('charbuf', 'x')).toBe('x');
    expect(fmt('bool', true)).toBe('true');
    expect(fmt('bool', false)).toBe('false');
    expect(fmt('int64', -5)).toBe('-5');
    expect(fmt('uint32', 4294967295)).toBe('4294967295');
    expect(fmt('int32', 0x803, { printFormat: 'hex' })).toBe('803');
    expect(fmt('abstime', 1700000000123456789n)).toBe('1700000000123456789');
    expect(fmt('reltime', 5, { printFormat: 'padded' })).toBe('000000005');
    expect(fmt('ipaddr', 0x0a000001)).toBe('10.0.0.1');
    expect(fmt('ipaddr', Uint8Array.from([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]))).toBe('2001:db8::1');
    expect(fmt('ipaddr', Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 1, 2, 3, 4]))).toBe('::ffff:1.2.3.4');
    expect(fmt('ipnet', 0x0a000001)).toBe('<IPNET>');
    expect(fmt('double', 12.345)).toBe('12.3');
    expect(fmt('charbuf', ['a', 'b'], { isList: true })).toBe('(a,b)');
    expect(fmt('charbuf', ['a', 'b'])).toBe('a b');
    expect(fmt('bytebuf', Uint8Array.from([0x61, 0x0a, 0x62]))).toBe('a.b');
    expect(fmt('port', 443)).toBe('443');
  });
});
