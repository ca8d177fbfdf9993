/**
 * The state engine's per-event shortcuts give exactly what the general code gives:
 * path concatenation without the resolver walk, the thread lookup cache, timestamps kept
 * as 32-bit halves, and integer parameters read with byte arithmetic.
 */
import { describe, expect, it } from 'vitest';
import { resolvePath } from '../../../src/scap/params.js';
import { EventView, readInt64 } from '../../../src/scap/event.js';
import { concatPaths, ThreadTable } from '../../../src/replay/state/threads.js';
import { ThreadInfo, tsHigh, tsJoin, tsLow } from '../../../src/replay/state/model.js';
import { threadInfo } from '../../helpers/thread-info.js';
import { ContainerTable, parseContainerJson } from '../../../src/replay/state/containers.js';
import { int, uint, viewInt, viewUint, ViewSource } from '../../../src/replay/state/evparams.js';
import { BlockType, eventBlockLayout } from '../../../src/scap/block-types.js';
import { EVENT_FRAMING } from '../../../src/scap/event-table.js';

function reference(base: string, path: string): string {
  return path.startsWith('/') ? resolvePath('', path) : resolvePath(base, path);
}

describe('concatPaths fast path', () => {
  const cases = [
    '/etc/passwd', '/', '', 'a', 'a/b', '/a/b/', '/a//b', '/a/./b', '/a/../b', '/a/..', '/a/.', '.', '..', './x', '../x',
    'file.txt', 'a..b', '/a..b/c', 'a./b', '/x/.hidden', '/x/..hidden', '/tmp/\u0001bad', '/tmp/\u00e9t\u00e9', 'dir/', '//', '/a/b/c.d/e',
  ];
  const bases = ['', '/', '/home/u/', '/home/u', '/a/b/../'];
  it('matches resolvePath on clean and unclean paths', () => {
    for (const b of bases) for (const p of cases) expect(concatPaths(b, p), `${JSON.stringify(b)} + ${JSON.stringify(p)}`).toBe(reference(b, p));
  });
  it('matches resolvePath on random paths', () => {
    const alphabet = ['a', 'b', '.', '/', '/', '.', 'x', '\u0007', '\u00ff', ' '];
    let seed = 12345;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    for (let k = 0; k < 5000; k++) {
      let p = '';
      const len = rnd(12);
      for (let i = 0; i < len; i++) p += alphabet[rnd(alphabet.length)];
      const b = bases[rnd(bases.length)]!;
      expect(concatPaths(b, p), `${JSON.stringify(b)} + ${JSON.stringify(p)}`).toBe(reference(b, p));
    }
  });
});

describe('ThreadTable lookup cache', () => {
  it('never returns a thread that was removed or replaced', () => {
    const tt = new ThreadTable();
    const a = threadInfo(10);
    tt.add(a);
    expect(tt.get(10)).toBe(a);
    expect(tt.get(10)).toBe(a);
    tt.remove(10);
    expect(tt.get(10)).toBeUndefined();
    const b = threadInfo(10);
    tt.add(b);
    expect(tt.get(10)).toBe(b);
    const c = threadInfo(10);
    tt.add(c);
    expect(tt.get(10)).toBe(c);
    tt.clear();
    expect(tt.get(10)).toBeUndefined();
  });
  it('a miss does not hide a later add', () => {
    const tt = new ThreadTable();
    expect(tt.get(7)).toBeUndefined();
    const t = threadInfo(7);
    tt.add(t);
    expect(tt.get(7)).toBe(t);
  });
});

describe('timestamps as 32-bit halves', () => {
  it('round-trips through the bigint accessors', () => {
    const t = new ThreadInfo();
    for (const v of [0n, 1n, 0xffffffffn, 0x100000000n, 1700000000123456789n, 0xffffffffffffffffn]) {
      expect(tsJoin(tsHigh(v), tsLow(v))).toBe(v);
      t.lastEventTs = v;
      t.prevEventTs = v;
      t.lastEnterTs = v;
      expect([t.lastEventTs, t.prevEventTs, t.lastEnterTs]).toEqual([v, v, v]);
    }
  });
});

/** An EV_V2 block holding one event with the given little-endian parameters. */
function eventBlock(type: number, ts: bigint, tid: bigint, params: Buffer[]): Buffer {
  const lens = Buffer.alloc(params.length * 2);
  params.forEach((p, i) => lens.writeUInt16LE(p.length, i * 2));
  const bodyLen = 26 + lens.length + params.reduce((n, p) => n + p.length, 0);
  const hdr = Buffer.alloc(26);
  hdr.writeBigUInt64LE(ts, 0);
  hdr.writeBigInt64LE(tid, 8);
  hdr.writeUInt32LE(bodyLen, 16);
  hdr.writeUInt16LE(type, 20);
  hdr.writeUInt32LE(params.length, 22);
  const body = Buffer.concat([Buffer.from([0, 0]), hdr, lens, ...params]);
  const pad = (4 - (body.length % 4)) % 4;
  const total = 8 + body.length + pad + 4;
  const blk = Buffer.alloc(total);
  blk.writeUInt32LE(BlockType.EV_V2, 0);
  blk.writeUInt32LE(total, 4);
  body.copy(blk, 8);
  blk.writeUInt32LE(total, total - 4);
  return blk;
}

describe('event view header and parameter readers', () => {
  const i64 = (v: bigint): Buffer => {
    const b = Buffer.alloc(8);
    b.writeBigInt64LE(v);
    return b;
  };
  const i32 = (v: number): Buffer => {
    const b = Buffer.alloc(4);
    b.writeInt32LE(v);
    return b;
  };
  const i16 = (v: number): Buffer => {
    const b = Buffer.alloc(2);
    b.writeInt16LE(v);
    return b;
  };
  const params = [i64(-1n), i64(0x7fffffffffn), i32(-5), i32(0x7fffffff), i16(-2), Buffer.from([0xfe]), Buffer.alloc(0), Buffer.from([1, 2, 3])];
  for (const [ts, tid] of [
    [1700000000123456789n, 1234n],
    [5n, -1n],
    [0xffffffffffffffffn, 0x123456789an],
  ] as const) {
    it(`reads ts ${ts} tid ${tid} and parameters as the generic readers do`, () => {
      const blk = eventBlock(1, ts, tid, params);
      const ev = new EventView();
      expect(ev.load(blk, 0, blk.length, eventBlockLayout(BlockType.EV_V2)!, true, 0, EVENT_FRAMING)).toBeUndefined();
      expect(ev.ts).toBe(ts);
      expect(tsJoin(ev.tsHi, ev.tsLo)).toBe(ts);
      const words = new Uint32Array(3);
      ev.tsInto(words, 1);
      expect(tsJoin(words[1]!, words[2]!)).toBe(ts);
      expect(words[0]).toBe(0);
      // The same bytes read big-endian.
      const be = Buffer.from(blk);
      be.writeBigUInt64BE(ts, ev.hdr);
      const saved = ev.buf;
      ev.buf = be;
      ev.le = false;
      ev.tsInto(words, 0);
      expect(tsJoin(words[0]!, words[1]!)).toBe(ts);
      expect(tsJoin(ev.tsHi, ev.tsLo)).toBe(ts);
      ev.buf = saved;
      ev.le = true;
      expect(ev.tid).toBe(Number(tid));
      expect(ev.tid).toBe(readInt64(blk, ev.hdr + 8, true));
      const src = new ViewSource();
      src.bind(ev);
      const expectedInt = [-1, 0x7fffffffff, -5, 0x7fffffff, -2, -2, 7, 7];
      const expectedUint = [0xffffffff, 0xffffffff, 0xfffffffb, 0x7fffffff, 0xfffe, 0xfe, 7, 7];
      for (let i = 0; i < params.length; i++) {
        expect(ev.paramLen(i)).toBe(params[i]!.length);
        expect(int(src, i, 7)).toBe(expectedInt[i]);
        expect(viewInt(ev, i, 7)).toBe(expectedInt[i]);
        expect(uint(src, i, 7)).toBe(expectedUint[i]);
        expect(viewUint(ev, i, 7)).toBe(expectedUint[i]);
      }
      expect(viewInt(ev, params.length, 9)).toBe(9);
      expect(viewUint(ev, -1, 9)).toBe(9);
    });
  }
});

describe('container JSON records reused for repeated text', () => {
  const withTime = JSON.stringify({ container: { id: 'abc123', type: 0, name: 'web', image: 'nginx', created_time: 1700000000 } });
  const noTime = JSON.stringify({ container: { id: 'def456', type: 0, name: 'db', image: 'pg' } });
  it('gives what a fresh parse gives, with the creation time of the event when the JSON has none', () => {
    const table = new ContainerTable();
    const a = table.addJson(withTime, 5n);
    expect(a).toEqual(parseContainerJson(withTime, 5n));
    expect(table.addJson(withTime, 9n)).toEqual(parseContainerJson(withTime, 9n));
    expect(table.get('abc123')?.createdTs).toBe(1700000000n * 1000000000n);
    table.addJson(noTime, 5n);
    const b = table.addJson(noTime, 7n);
    expect(b).toEqual(parseContainerJson(noTime, 7n));
    expect(table.get('def456')?.createdTs).toBe(7n);
  });
  it('stores the remembered record again when its text comes back after another one', () => {
    const table = new ContainerTable();
    const started = JSON.stringify({ container: { id: 'abc123', type: 0, name: '', image: '', lookup_state: 0 } });
    const done = JSON.stringify({ container: { id: 'abc123', type: 0, name: 'web', image: 'nginx', lookup_state: 1 } });
    for (let i = 0; i < 3; i++) {
      table.addJson(started, BigInt(10 * i + 1));
      expect(table.get('abc123')).toEqual(parseContainerJson(started, BigInt(10 * i + 1)));
      table.addJson(done, BigInt(10 * i + 2));
      expect(table.get('abc123')).toEqual(parseContainerJson(done, BigInt(10 * i + 2)));
    }
  });
  it('parses again once the stored record was changed', () => {
    const table = new ContainerTable();
    const first = table.addJson(withTime, 1n)!;
    const other = JSON.stringify({ container: { id: 'abc123', type: 0, name: 'renamed', image: 'nginx' } });
    table.addJson(other, 2n);
    expect(table.get('abc123')?.name).toBe('renamed');
    const again = table.addJson(withTime, 3n)!;
    expect(again.name).toBe('web');
    expect(table.get('abc123')).toBe(again);
    expect(again).toBe(first);
    again.name = 'changed in place';
    table.changed();
    const fresh = table.addJson(withTime, 4n)!;
    expect(fresh.name).toBe('web');
    expect(fresh).not.toBe(first);
  });
  it('ignores text that is not a container record', () => {
    const table = new ContainerTable();
    expect(table.addJson('not json', 1n)).toBeUndefined();
    expect(table.addJson('{"container":{}}', 1n)).toBeUndefined();
    expect(table.map.size).toBe(0);
  });
});
