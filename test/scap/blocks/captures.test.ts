/**
 * Decodes the state blocks of every real capture in ../shared/captures. The concrete
 * facts asserted below were checked independently with sysdig 0.29.3 (which builds its
 * thread table from these blocks), e.g.
 *   sysdig -r F -p '%proc.pid %proc.name %proc.ppid %proc.pname %proc.apid[2] %proc.aname[2]'
 *   sysdig -r F -p '%proc.pid %thread.tid %proc.name %fd.num %fd.typechar %fd.name' 'fd.num>=0'
 * the block inventory with a plain scan of the decompressed files, and host names with
 * `strings`. Other values (thread counts, capabilities) are checked for consistency only.
 */
import { describe, expect, it } from 'vitest';
import { BlockReader } from '../../../src/pcapng/reader.js';
import { openByteSource } from '../../../src/pcapng/source.js';
import { BlockType } from '../../../src/scap/block-types.js';
import {
  decodeStateBlock,
  encodeStateBlock,
  type FdTable,
  type InterfaceEntry,
  type MachineInfo,
  type StateBlock,
  type ThreadEntry,
  type UserEntry,
  type GroupEntry,
} from '../../../src/scap/blocks/index.js';
import { hasShared, sharedCaptures, skipNote } from '../../helpers/shared.js';
import { frame } from './synth.js';

interface Decoded {
  types: number[];
  machine?: MachineInfo;
  threads: ThreadEntry[];
  fdTables: FdTable[];
  interfaces: InterfaceEntry[];
  users: UserEntry[];
  groups: GroupEntry[];
  blocks: StateBlock[];
  decodeMs: number;
}

const cache = new Map<string, Promise<Decoded>>();

function load(name: string): Promise<Decoded> {
  let p = cache.get(name);
  if (!p) {
    p = (async () => {
      const path = sharedCaptures().find((c) => c.name === name)!.path;
      const src = await openByteSource(path);
      const out: Decoded = { types: [], threads: [], fdTables: [], interfaces: [], users: [], groups: [], blocks: [], decodeMs: 0 };
      try {
        await new BlockReader(src).read((type, buf, start, length, offset, section) => {
          const t0 = performance.now();
          const d = decodeStateBlock(type, buf, start, length, section.littleEndian, { file: name, offset });
          out.decodeMs += performance.now() - t0;
          if (!d) return;
          out.types.push(type);
          out.blocks.push(d);
          if (d.kind === 'machine') out.machine = d.info;
          if (d.kind === 'proclist') out.threads.push(...d.threads);
          if (d.kind === 'fdlist') out.fdTables.push(d.table);
          if (d.kind === 'iflist') out.interfaces.push(...d.interfaces);
          if (d.kind === 'userlist') {
            out.users.push(...d.users);
            out.groups.push(...d.groups);
          }
        });
      } finally {
        await src.close();
      }
      return out;
    })();
    cache.set(name, p);
  }
  return p;
}

const B = BlockType;
/** Block inventory from a raw scan: [MI, IL, UL, PL, FDL type, FDL count]. */
const INVENTORY: Record<string, [number, number, number, number, number, number]> = {
  'falco-traces/cat_write.scap': [B.MI, B.IL, B.UL, B.PL_V6, B.FDL, 73],
  'falco-traces/empty.scap': [B.MI, B.IL_V2, B.UL_V2, B.PL_V9, B.FDL_V2, 218],
  'falco-traces/open-multiple-files.scap': [B.MI, B.IL, B.UL, B.PL_V6, B.FDL, 128],
  'falco-traces/privileged.scap': [B.MI, B.IL_V2, B.UL_V2, B.PL_V9, B.FDL_V2, 100],
  'falco-traces/run_as_user_0_container.scap': [B.MI, B.IL_V2, B.UL_V2, B.PL_V9, B.FDL_V2, 124],
  'falco-traces/run_as_user_65534_container.scap': [B.MI, B.IL_V2, B.UL_V2, B.PL_V9, B.FDL_V2, 126],
  'falco-traces/syscall.scap': [B.MI, B.IL, B.UL, B.PL_V8, B.FDL, 229],
  'libs/curl_google.scap': [B.MI, B.IL, B.UL, B.PL_V5, B.FDL, 54],
  'libs/curl_google_comments.scap': [B.MI, B.IL, B.UL, B.PL_V5, B.FDL, 54],
  'libs/sample.scap': [B.MI, B.IL_V2, B.UL_V2, B.PL_V9, B.FDL_V2, 94],
  'libs/single_ipv6_conn.scap': [B.MI, B.IL_V2, B.UL_V2, B.PL_V9, B.FDL_V2, 154],
};

const thread = (d: Decoded, tid: number): ThreadEntry => {
  const t = d.threads.find((x) => x.tid === tid);
  if (!t) throw new Error(`no thread ${tid}`);
  return t;
};
const fds = (d: Decoded, tid: number) => {
  const t = d.fdTables.find((x) => x.tid === tid);
  if (!t) throw new Error(`no fd table for ${tid}`);
  return new Map(t.fds.map((e) => [e.fd, e]));
};

const captures = sharedCaptures();
if (!hasShared) skipNote('state blocks of the shared captures', '../shared/captures');

describe.skipIf(!hasShared)('state blocks of the shared captures', () => {
  it('covers every capture in the inventory', () => {
    expect(captures.map((c) => c.name).sort()).toEqual(Object.keys(INVENTORY).sort());
  });

  describe.each(captures.map((c) => c.name))('%s', (name) => {
    it('decodes every state block; kinds and versions match a raw scan', async () => {
      const d = await load(name);
      const [mi, il, ul, pl, fdl, nfdl] = INVENTORY[name]!;
      expect(d.types.slice(0, 4)).toEqual([mi, il, ul, pl]);
      expect(d.types.slice(4)).toEqual(new Array(nfdl).fill(fdl));
    });

    it('is self-consistent: one fd table per thread, each for a listed thread', async () => {
      const d = await load(name);
      const tids = new Set(d.threads.map((t) => t.tid));
      expect(tids.size).toBe(d.threads.length);
      expect(d.fdTables.length).toBe(d.threads.length);
      for (const t of d.fdTables) expect(tids.has(t.tid)).toBe(true);
      expect(thread(d, 1).comm).toBe('systemd');
      expect(d.users.find((u) => u.uid === 0)).toEqual({ uid: 0, gid: 0, name: 'root', homedir: '/root', shell: '/bin/bash' });
      expect(d.groups.find((g) => g.gid === 0)?.name).toBe('root');
      expect(d.interfaces.find((i) => i.name === 'lo' && i.family === 'ipv4')).toMatchObject({ addr: '127.0.0.1', netmask: '255.0.0.0' });
    });

    it('re-encodes to the newest versions and decodes back to the same state', async () => {
      const d = await load(name);
      for (const block of d.blocks) {
        const { sourceType: _s, ...plain } = block;
        const { type, body } = encodeStateBlock(plain);
        const { buf, start, length } = frame(type, body);
        const again = decodeStateBlock(type, buf, start, length, true)!;
        const { sourceType: _t, ...back } = again;
        if (plain.kind === 'fdlist' && back.kind === 'fdlist') {
          // Pre-V2 FILE_V2 entries carry no dev; the newest version writes 0.
          back.table.fds.forEach((e, i) => {
            const was = plain.table.fds[i]!.info;
            if (e.info.kind === 'file' && was.kind === 'file' && was.dev === undefined) {
              expect(e.info.dev).toBe(0);
              delete e.info.dev;
            }
          });
        }
        expect(back).toEqual(plain);
      }
    });
  });

  it('decoding the state of all captures is fast', async () => {
    let total = 0;
    for (const c of captures) total += (await load(c.name)).decodeMs;
    expect(total).toBeLessThan(2000);
  });

  // ---- facts checked with sysdig ----

  it('cat_write (PL_V6): cat runs under bash 11310, itself under emacs 1077', async () => {
    const d = await load('falco-traces/cat_write.scap');
    expect(thread(d, 11310)).toMatchObject({ comm: 'bash', exe: '/bin/bash', ptid: 1077, args: ['--noediting', '-i'], uid: 1000, sid: 11310, vpgid: -1, exepath: '' });
    expect(thread(d, 1077)).toMatchObject({ comm: 'emacs', args: ['-nw'], cwd: '/home/mstemm' });
    expect(d.machine).toMatchObject({ hostname: 'ubuntu', numCpus: 2, bootTsEpoch: 0n });
  });

  it('curl_google (PL_V5): the sshd chain 3199 -> 3111 -> 1397 and user ubuntu', async () => {
    const d = await load('libs/curl_google.scap');
    expect(thread(d, 3200)).toMatchObject({ comm: 'bash', exe: '-bash', ptid: 3199, cwd: '/home/ubuntu', uid: 1000 });
    expect(thread(d, 3199)).toMatchObject({ comm: 'sshd', exe: 'sshd: ubuntu@pts/1', ptid: 3111 });
    expect(thread(d, 3111)).toMatchObject({ comm: 'sshd', ptid: 1397 });
    expect(thread(d, 1397)).toMatchObject({ comm: 'sshd', exe: '/usr/sbin/sshd', args: ['-D'], ptid: 1, sid: -1 });
    expect(d.users.find((u) => u.uid === 1000)).toEqual({ uid: 1000, gid: 1000, name: 'ubuntu', homedir: '/home/ubuntu', shell: '/bin/bash' });
    expect(d.machine?.hostname).toBe('ip-10-0-0-79');
    expect(d.interfaces).toContainEqual({ family: 'ipv6', name: 'eth0', addr: '2600:1f18:262c:6542:9aa6:df7a:9a47:d29e', netmask: 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', bcast: '::', linkspeed: 0 });
  });

  it('open-multiple-files (PL_V6): python under bash 2089 <- emacs 2064 <- bash 1995 <- sshd 1994, user mstemm', async () => {
    const d = await load('falco-traces/open-multiple-files.scap');
    expect([2089, 2064, 1995, 1994].map((t) => [thread(d, t).comm, thread(d, t).ptid])).toEqual([
      ['bash', 2064],
      ['emacs', 1995],
      ['bash', 1994],
      ['sshd', 1895],
    ]);
    expect(thread(d, 2089).uid).toBe(501);
    expect(d.users.find((u) => u.uid === 501)?.name).toBe('mstemm');
  });

  it('sample (PL_V9, libs >= 0.10 entries): names, exe paths, sessions and fds as sysdig shows them', async () => {
    const d = await load('libs/sample.scap');
    expect(thread(d, 382)).toMatchObject({
      comm: 'systemd-journal',
      exe: '/lib/systemd/systemd-journald',
      exepath: '/usr/lib/systemd/systemd-journald',
      cwd: '/',
      sid: 382,
      vpgid: 382,
      uid: 0,
    });
    expect(thread(d, 418).args).toEqual(['-d', '-s']);
    expect(thread(d, 432).pid).toBe(418);
    expect(thread(d, 571).args).toEqual(['--Foreground', '--verbose=1']);
    expect(thread(d, 759)).toMatchObject({ comm: 'ifplugd', sid: 757, vpgid: 757, args: ['-i', 'eth0', '-q', '-f', '-u0', '-d10', '-w', '-I'] });
    // The 0.10 layout puts pidns_init_start_ts first in the tail: it equals the host boot time.
    expect(d.machine?.bootTsEpoch).toBe(1_690_556_576_768_000_000n);
    expect(thread(d, 759).pidnsInitStartTs).toBe(d.machine!.bootTsEpoch);
    expect(thread(d, 759).capEffective).toBe(0x1ffffffffffn);
    expect(d.machine).toMatchObject({ hostname: 'ubuntu2204.localdomain', numCpus: 4, memorySizeBytes: 8_323_059_712 });
    // sysdig: containerd 722 fd 5 'p' pipe:[22242]; journald fd 16 't'; multipathd fd 9 'e'; ifplugd fd 8 'u'
    expect(fds(d, 722).get(5)).toEqual({ fd: 5, ino: 22242n, type: 7, info: { kind: 'name', name: 'pipe:[22242]' } });
    expect(fds(d, 382).get(16)?.type).toBe(14);
    expect(fds(d, 418).get(9)?.type).toBe(9);
    expect(fds(d, 759).get(8)?.info.kind).toBe('unix');
  });

  it('run_as_user_0_container (PL_V9, FDL_V2): sshd socket, emacs and screen ttys', async () => {
    const d = await load('falco-traces/run_as_user_0_container.scap');
    // sysdig: fd 3 of sshd 13612 is tcp, server 10.0.2.15:22, client 10.0.2.2:49289
    expect(fds(d, 13612).get(3)?.info).toEqual({ kind: 'ipv4', sip: '10.0.2.15', dip: '10.0.2.2', sport: 22, dport: 49289, l4proto: 2 });
    expect(fds(d, 13794).get(5)?.info).toMatchObject({ kind: 'file', name: '/dev/tty' });
    expect(fds(d, 13750).get(3)?.info).toMatchObject({ kind: 'file', name: '/dev/pts/0' });
    expect(fds(d, 13750).get(6)?.info).toMatchObject({ kind: 'file', name: '/dev/ptmx' });
    expect(thread(d, 13612).comm).toBe('sshd');
    expect(thread(d, 13794).comm).toBe('emacs');
  });
});
