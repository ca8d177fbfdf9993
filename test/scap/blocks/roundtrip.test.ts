import { describe, expect, it } from 'vitest';
import { BlockType } from '../../../src/scap/block-types.js';
import {
  decodeFdList,
  decodeIfList,
  decodeMachineInfo,
  decodeProcList,
  decodeStateBlock,
  decodeUserList,
  encodeFdList,
  encodeIfList,
  encodeMachineInfo,
  encodeProcList,
  encodeStateBlock,
  encodeUserList,
  formatIPv6,
  parseIPv6,
  stateBlockKind,
  type MachineInfo,
  type StateBlock,
} from '../../../src/scap/blocks/index.js';
import { asSeenIn, fdListV1Body, frame, ifListV1Body, procListBody, sampleFds, sampleInterfaces, sampleThreads, sampleUsers, userListV1Body } from './synth.js';

const machine: MachineInfo = {
  numCpus: 64,
  memorySizeBytes: 8_323_059_712,
  maxPid: 4_194_304,
  hostname: 'ubuntu2204.localdomain',
  bootTsEpoch: 1_690_556_576_768_000_000n,
  flags: 0x8000_0000_0000_0001n,
  reserved3: 3n,
  reserved4: 0xffff_ffff_ffff_ffffn,
};

describe.each([true, false])('round trip (littleEndian=%s)', (le) => {
  it('machine info', () => {
    const body = encodeMachineInfo(machine, le);
    expect(body.length).toBe(180);
    const { buf, start, length } = frame(BlockType.MI, body, le, 12);
    expect(decodeMachineInfo(buf, start, length, le)).toEqual(machine);
  });

  it('process list (PL_V9, every field)', () => {
    const threads = sampleThreads();
    const { buf, start, length } = frame(BlockType.PL_V9, encodeProcList(threads, le), le, 4);
    expect(decodeProcList(BlockType.PL_V9, buf, start, length, le)).toEqual(threads);
  });

  it('fd list (FDL_V2, every fd type)', () => {
    const table = { tid: 13612, fds: sampleFds() };
    const { buf, start, length } = frame(BlockType.FDL_V2, encodeFdList(table, le), le, 8);
    expect(decodeFdList(BlockType.FDL_V2, buf, start, length, le)).toEqual(table);
  });

  it('interface list (IL_V2)', () => {
    const ifs = sampleInterfaces();
    const { buf, start, length } = frame(BlockType.IL_V2, encodeIfList(ifs, le), le);
    expect(decodeIfList(BlockType.IL_V2, buf, start, length, le)).toEqual(ifs);
  });

  it('user list (UL_V2)', () => {
    const ul = sampleUsers();
    const { buf, start, length } = frame(BlockType.UL_V2, encodeUserList(ul, le), le);
    expect(decodeUserList(BlockType.UL_V2, buf, start, length, le)).toEqual(ul);
  });

  it.each([1, 2, 3, 4, 5, 6, 7, 8])('process list version %i carries its own field set', (version) => {
    const types: Record<number, number[]> = {
      1: [BlockType.PL_V1, BlockType.PL_V1_INT],
      2: [BlockType.PL_V2, BlockType.PL_V2_INT],
      3: [BlockType.PL_V3, BlockType.PL_V3_INT],
      4: [BlockType.PL_V4],
      5: [BlockType.PL_V5],
      6: [BlockType.PL_V6],
      7: [BlockType.PL_V7],
      8: [BlockType.PL_V8],
    };
    const threads = sampleThreads();
    for (const type of types[version]!) {
      const { buf, start, length } = frame(type, procListBody(version, threads, le), le);
      const got = decodeProcList(type, buf, start, length, le);
      expect(got).toEqual(threads.map((t) => asSeenIn(version, t)));
    }
  });

  it('old FDL / FDL_INT blocks (no entry lengths, no dev)', () => {
    const fds = sampleFds();
    for (const type of [BlockType.FDL, BlockType.FDL_INT]) {
      const { buf, start, length } = frame(type, fdListV1Body(77, fds, le), le);
      const want = fds.map((e) => (e.info.kind === 'file' ? { ...e, info: { kind: 'file', openFlags: e.info.openFlags, name: e.info.name } } : e));
      expect(decodeFdList(type, buf, start, length, le)).toEqual({ tid: 77, fds: want });
    }
  });

  it('old IL / IL_INT blocks, with and without link speed', () => {
    const ifs = sampleInterfaces();
    for (const type of [BlockType.IL, BlockType.IL_INT]) {
      let { buf, start, length } = frame(type, ifListV1Body(ifs, le), le);
      expect(decodeIfList(type, buf, start, length, le)).toEqual(ifs);
      ({ buf, start, length } = frame(type, ifListV1Body(ifs, le, true), le));
      expect(decodeIfList(type, buf, start, length, le)).toEqual(ifs.map(({ linkspeed: _drop, ...rest }) => rest));
    }
  });

  it('old UL / UL_INT blocks', () => {
    const ul = sampleUsers();
    for (const type of [BlockType.UL, BlockType.UL_INT]) {
      const { buf, start, length } = frame(type, userListV1Body(ul, le), le);
      expect(decodeUserList(type, buf, start, length, le)).toEqual(ul);
    }
  });

  it('MI_INT decodes like MI', () => {
    const { buf, start, length } = frame(BlockType.MI_INT, encodeMachineInfo(machine, le), le);
    expect(decodeStateBlock(BlockType.MI_INT, buf, start, length, le)).toEqual({ kind: 'machine', info: machine, sourceType: BlockType.MI_INT });
  });
});

describe('process list string lists', () => {
  it('threads with byte-identical args, env or cgroups share one decoded array; different bytes do not', () => {
    const base = sampleThreads()[0]!;
    const mk = (tid: number, args: string[], env: string[], cgroups: string[]) => ({ ...base, tid, args, env, cgroups });
    const threads = [
      mk(10, ['sh', '-c', 'x'], ['A=1', 'B=2'], ['cpu=/a', 'memory=/a']),
      mk(11, ['sh', '-c', 'x'], ['A=1', 'B=2'], ['cpu=/a', 'memory=/a']),
      mk(12, ['sh', '-c', 'y'], ['A=1', 'B=2'], ['cpu=/b', 'memory=/a']),
      mk(13, ['sh', '-c', 'x'], [], ['cpu=/a', 'memory=/a']),
      mk(14, ['sh', '-c', 'x'], [], []),
    ];
    const { buf, start, length } = frame(BlockType.PL_V9, encodeProcList(threads, true), true, 4);
    const got = decodeProcList(BlockType.PL_V9, buf, start, length, true);
    expect(got).toEqual(threads);
    expect(got[1]!.args).toBe(got[0]!.args);
    expect(got[1]!.env).toBe(got[0]!.env);
    expect(got[1]!.cgroups).toBe(got[0]!.cgroups);
    expect(got[2]!.args).not.toBe(got[1]!.args);
    expect(got[2]!.env).toBe(got[1]!.env);
    expect(got[2]!.cgroups).not.toBe(got[1]!.cgroups);
    expect(got[3]!.args).not.toBe(got[2]!.args); // equal to an earlier run, not to the last one
    expect(got[3]!.args).toEqual(got[0]!.args);
    expect(got[4]!.cgroups).toEqual([]);
  });
});

describe('PL_V9 entries: lengths decide', () => {
  it('reads the pre-libs-0.10 tail (loginuid, exe_writable, capabilities without pidns/tty)', () => {
    const threads = sampleThreads();
    const { buf, start, length } = frame(BlockType.PL_V9, procListBody(9, threads, true, 'pre-0.10'));
    const got = decodeProcList(BlockType.PL_V9, buf, start, length, true);
    got.forEach((g, i) => {
      const t = threads[i]!;
      expect(g.loginuid).toBe(t.loginuid);
      expect(g.exeWritable).toBe(t.exeWritable);
      expect(g.capPermitted).toBe(t.capPermitted);
      expect(g.capEffective).toBe(t.capEffective);
      expect(g.pidnsInitStartTs).toBe(0n);
      expect(g.tty).toBe(0);
      expect(g.exeIno).toBe(0n);
      expect(g.pgid).toBe(-1);
      expect(g.root).toBe(t.root);
    });
  });

  it('leaves optional fields at their defaults when entries end after root', () => {
    const threads = sampleThreads();
    const { buf, start, length } = frame(BlockType.PL_V9, procListBody(9, threads, true, 'none'));
    expect(decodeProcList(BlockType.PL_V9, buf, start, length, true)).toEqual(threads.map((t) => asSeenIn(8, t)));
  });

  it('skips fields appended by a newer writer', () => {
    const threads = sampleThreads();
    // Grow each entry by 13 unknown bytes, patching its length.
    const parts: Buffer[] = [];
    for (const t of threads) {
      const one = encodeProcList([t]);
      const grown = Buffer.concat([one, Buffer.alloc(13, 0xab)]);
      grown.writeUInt32LE(grown.length, 0);
      parts.push(grown);
    }
    const { buf, start, length } = frame(BlockType.PL_V9, Buffer.concat(parts));
    expect(decodeProcList(BlockType.PL_V9, buf, start, length, true)).toEqual(threads);
  });

  it('stops at the last entry that fits a partial tail field (a 2-byte leftover is skipped, not misread)', () => {
    const [t] = sampleThreads();
    const one = encodeProcList([t!]);
    // Cut the entry 6 bytes short: pgid (8 bytes) no longer fits, the 2 stray bytes are skipped.
    const cut = Buffer.from(one.subarray(0, one.length - 6));
    cut.writeUInt32LE(cut.length, 0);
    const { buf, start, length } = frame(BlockType.PL_V9, cut);
    const [got] = decodeProcList(BlockType.PL_V9, buf, start, length, true);
    expect(got!.pgid).toBe(-1);
    expect(got!.exeLowerLayer).toBe(true);
  });
});

describe('FDL_V2 entries: lengths decide', () => {
  it('keeps an unknown fd type as raw bytes and re-encodes it', () => {
    const table = { tid: 5, fds: [{ fd: 3, ino: 9n, type: 42, info: { kind: 'raw' as const, payload: Buffer.from('future!') } }, ...sampleFds().slice(0, 2)] };
    const body = encodeFdList(table);
    const { buf, start, length } = frame(BlockType.FDL_V2, body);
    expect(decodeFdList(BlockType.FDL_V2, buf, start, length, true)).toEqual(table);
  });

  it('reads a FILE_V2 entry without dev (older FDL_V2 writer) and one with extra bytes', () => {
    const w = Buffer.alloc(200);
    let p = 0;
    w.writeBigInt64LE(10n, p);
    p += 8;
    // entry 1: no dev
    const e1 = p;
    p += 4;
    w.writeBigInt64LE(4n, p);
    w.writeBigUInt64LE(11n, p + 8);
    w[p + 16] = 16;
    w.writeUInt32LE(0x241, p + 17);
    w.writeUInt16LE(4, p + 21);
    w.write('/tmp', p + 23);
    p += 27;
    w.writeUInt32LE(p - e1, e1);
    // entry 2: dev plus 5 future bytes
    const e2 = p;
    p += 4;
    w.writeBigInt64LE(5n, p);
    w.writeBigUInt64LE(12n, p + 8);
    w[p + 16] = 16;
    w.writeUInt32LE(1, p + 17);
    w.writeUInt16LE(2, p + 21);
    w.write('/x', p + 23);
    w.writeUInt32LE(0xfd00, p + 25);
    p += 29 + 5;
    w.writeUInt32LE(p - e2, e2);
    const { buf, start, length } = frame(BlockType.FDL_V2, w.subarray(0, p));
    expect(decodeFdList(BlockType.FDL_V2, buf, start, length, true)).toEqual({
      tid: 10,
      fds: [
        { fd: 4, ino: 11n, type: 16, info: { kind: 'file', openFlags: 0x241, name: '/tmp' } },
        { fd: 5, ino: 12n, type: 16, info: { kind: 'file', openFlags: 1, name: '/x', dev: 0xfd00 } },
      ],
    });
  });
});

describe('decodeStateBlock / encodeStateBlock', () => {
  const blocks: StateBlock[] = [
    { kind: 'machine', info: machine },
    { kind: 'proclist', threads: sampleThreads() },
    { kind: 'fdlist', table: { tid: 1, fds: sampleFds() } },
    { kind: 'iflist', interfaces: sampleInterfaces() },
    { kind: 'userlist', ...sampleUsers() },
  ];

  it.each(blocks.map((b) => [b.kind, b] as const))('%s: encode -> decode is the identity', (_k, block) => {
    const { type, body } = encodeStateBlock(block);
    expect(stateBlockKind(type)).toBe(block.kind);
    const { buf, start, length } = frame(type, body);
    expect(decodeStateBlock(type, buf, start, length, true)).toEqual({ ...block, sourceType: type });
  });

  it('writes the newest version of each kind', () => {
    expect(blocks.map((b) => encodeStateBlock(b).type)).toEqual([BlockType.MI, BlockType.PL_V9, BlockType.FDL_V2, BlockType.IL_V2, BlockType.UL_V2]);
  });

  it('returns undefined for blocks that are not state', () => {
    for (const t of [BlockType.EV, BlockType.EVF_V2, BlockType.EV_V2_LARGE, BlockType.SHB, 0x12345678]) {
      expect(decodeStateBlock(t, Buffer.alloc(16), 0, 16, true)).toBeUndefined();
    }
  });

  it('an empty process list or fd table round-trips', () => {
    for (const b of [{ kind: 'proclist', threads: [] }, { kind: 'fdlist', table: { tid: 3, fds: [] } }] as StateBlock[]) {
      const { type, body } = encodeStateBlock(b);
      const { buf, start, length } = frame(type, body);
      expect(decodeStateBlock(type, buf, start, length, true)).toEqual({ ...b, sourceType: type });
    }
  });

  it('refuses values libscap could not read back', () => {
    expect(() => encodeStateBlock({ kind: 'machine', info: { ...machine, hostname: 'h'.repeat(128) } })).toThrow(/hostname is 128 bytes/);
    expect(() => encodeStateBlock({ kind: 'userlist', users: [{ uid: 1, gid: 1, name: 'u'.repeat(256), homedir: '', shell: '' }], groups: [] })).toThrow(/name is 256 bytes/);
    const [t] = sampleThreads();
    expect(() => encodeStateBlock({ kind: 'proclist', threads: [{ ...t!, args: ['x'.repeat(5000)] }] })).toThrow(/args is 5001 bytes/);
    expect(() => encodeStateBlock({ kind: 'fdlist', table: { tid: 1, fds: [{ fd: 1, ino: 0n, type: 3, info: { kind: 'name', name: 'x' } }] } })).toThrow(/needs a 'ipv4' payload/);
    expect(() => encodeStateBlock({ kind: 'fdlist', table: { tid: 1, fds: [{ fd: 1, ino: 0n, type: 3, info: { kind: 'ipv4', sip: '1.2.3', dip: '1.2.3.4', sport: 1, dport: 2, l4proto: 2 } }] } })).toThrow(/not a dotted IPv4/);
    expect(() => encodeStateBlock({ kind: 'fdlist', table: { tid: 1, fds: [{ fd: 9, ino: 0n, type: 5, info: { kind: 'ipv4server', ip: '1.2.3.4', port: 70000, l4proto: 2 } }] } })).toThrow(
      'fdlist of tid 1, entry 0 (fd 9): cannot encode 70000 as u16',
    );
    expect(() => encodeStateBlock({ kind: 'proclist', threads: [{ ...t!, uid: -1 }] })).toThrow('proclist entry 0 (tid 1): cannot encode -1 as u32');
  });
});

describe('IPv6 text', () => {
  it.each([
    ['::', '::'],
    ['::1', '::1'],
    ['2001:db8::3', '2001:db8::3'],
    ['2001:DB8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['fe80::a00:27ff:fe61:6071', 'fe80::a00:27ff:fe61:6071'],
    ['::ffff:10.0.0.1', '::ffff:10.0.0.1'],
    ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8'],
    ['1:0:3:4:5:6:7:8', '1:0:3:4:5:6:7:8'],
  ])('%s -> %s', (text, canonical) => {
    expect(formatIPv6(parseIPv6(text))).toBe(canonical);
  });

  it.each(['1::2::3', '12345::', '1:2:3:4:5:6:7', 'x::', '1:2:3:4:5:6:7:8:9'])('rejects %s', (bad) => {
    expect(() => parseIPv6(bad)).toThrow(/not an IPv6 address/);
  });
});
