import { describe, expect, it } from 'vitest';
import { CaptureError, InputError } from '../../../src/errors.js';
import { BlockType } from '../../../src/scap/block-types.js';
import { BlockDecodeError, decodeStateBlock, encodeStateBlock, type StateBlock } from '../../../src/scap/blocks/index.js';
import { fdListV1Body, frame, procListBody, sampleFds, sampleInterfaces, sampleThreads, sampleUsers } from './synth.js';

/** Runs a decode expected to fail and returns the typed error. */
function failure(type: number, body: Buffer, le = true, lead = 16): BlockDecodeError {
  const { buf, start, length } = frame(type, body, le, lead);
  try {
    decodeStateBlock(type, buf, start, length, le);
  } catch (e) {
    expect(e).toBeInstanceOf(BlockDecodeError);
    expect(e).toBeInstanceOf(InputError);
    return e as BlockDecodeError;
  }
  throw new Error('decode did not fail');
}

const HEADER = 8;

describe('truncated and lying state blocks', () => {
  it('PL_V9: an entry length past the block names the entry and the offset of the length', () => {
    const body = encodeStateBlock({ kind: 'proclist', threads: sampleThreads() }).body;
    const first = body.readUInt32LE(0);
    const bad = Buffer.from(body);
    bad.writeUInt32LE(0xfffffff0, first); // second entry claims ~4 GiB
    const e = failure(BlockType.PL_V9, bad);
    expect(e.detail).toMatch(/^proclist entry 1: entry length 4294967280 runs past the block \(\d+ bytes left\)$/);
    expect(e.at).toBe(HEADER + first);
    expect(e.message).toContain(`(byte ${HEADER + first} of the block)`);
  });

  it('PL_V9: an entry length shorter than the fields it must hold', () => {
    const body = encodeStateBlock({ kind: 'proclist', threads: sampleThreads().slice(0, 1) }).body;
    const bad = Buffer.from(body);
    bad.writeUInt32LE(40, 0); // len + tid + pid + ptid + sid fit, vpgid does not
    const e = failure(BlockType.PL_V9, bad);
    expect(e.detail).toBe("proclist entry 0 (tid 1): field 'vpgid' runs past the entry (needs 8 bytes, 4 left)");
    expect(e.at).toBe(HEADER + 36);
  });

  it('PL_V9: an entry length below 4', () => {
    const e = failure(BlockType.PL_V9, Buffer.from([2, 0, 0, 0, 0, 0, 0, 0]));
    expect(e.detail).toMatch(/entry length 2 is shorter than its own length field/);
  });

  it('PL_V5: a string length that lies', () => {
    const body = procListBody(5, sampleThreads().slice(0, 1));
    const bad = Buffer.from(body);
    // comm length sits after tid, pid, ptid
    const commLenAt = 24;
    const commLen = bad.readUInt16LE(commLenAt);
    bad.writeUInt16LE(0xffff, commLenAt + 2 + commLen); // exe length
    const e = failure(BlockType.PL_V5, bad);
    expect(e.detail).toMatch(/^proclist entry 0 \(tid 1\): field 'exe' runs past the block \(length 65535, \d+ bytes left\)$/);
    expect(e.at).toBe(HEADER + commLenAt + 2 + commLen);
  });

  it('PL_V6: a body cut in the middle of an entry', () => {
    const body = procListBody(6, sampleThreads());
    // Cut inside the second entry (every PL_V6 entry is over 100 bytes).
    const firstLen = procListBody(6, sampleThreads().slice(0, 1)).length;
    const e = failure(BlockType.PL_V6, body.subarray(0, firstLen + 30));
    expect(e.detail).toMatch(/^proclist entry 1 \(tid 4242\): field '.+' runs past the block/);
  });

  it('big-endian blocks report the same way', () => {
    const body = procListBody(8, sampleThreads(), false);
    const e = failure(BlockType.PL_V8, body.subarray(0, 20), false);
    expect(e.detail).toBe("proclist entry 0 (tid 1): field 'ptid' runs past the block (needs 8 bytes, 4 left)");
    expect(e.at).toBe(HEADER + 16);
  });

  it('FDL_V2: a payload longer than its entry', () => {
    const body = Buffer.from(encodeStateBlock({ kind: 'fdlist', table: { tid: 7, fds: sampleFds().slice(3, 4) } }).body);
    body.writeUInt32LE(30, 8); // an ipv4 entry needs 4+8+8+1 + 4+4+2+2+1 = 34
    const e = failure(BlockType.FDL_V2, body);
    expect(e.detail).toBe("fdlist of tid 7, entry 0 (fd 3): field 'sport' runs past the entry (needs 2 bytes, 1 left)");
    expect(e.at).toBe(HEADER + 8 + 29);
  });

  it('FDL: an unknown fd type cannot be skipped without entry lengths', () => {
    const body = fdListV1Body(7, sampleFds().slice(0, 1));
    const bad = Buffer.concat([body, Buffer.from([1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 99, 0, 0, 0])]);
    const e = failure(BlockType.FDL, bad);
    expect(e.detail).toBe('fdlist of tid 7, entry 1 (fd 1): unknown fd type 99: without entry lengths (FDL before V2) its size cannot be known');
    expect(e.at).toBe(HEADER + body.length + 16);
  });

  it('FDL: a block too short for the tid', () => {
    const e = failure(BlockType.FDL, Buffer.from([1, 2, 3, 4]));
    expect(e.detail).toBe("fdlist: field 'tid' runs past the block (needs 8 bytes, 4 left)");
  });

  it('IL_V2: an entry size of 4 GiB is refused, not allocated', () => {
    const body = Buffer.from(encodeStateBlock({ kind: 'iflist', interfaces: sampleInterfaces() }).body);
    body.writeUInt32LE(0xffffffff, 0);
    const e = failure(BlockType.IL_V2, body);
    expect(e.detail).toMatch(/^iflist entry 0: entry length 4294967295 runs past the block/);
  });

  it('IL: an unknown interface type', () => {
    const e = failure(BlockType.IL, Buffer.from([9, 0, 2, 0, 1, 2, 3, 4, 5, 6, 7, 8]));
    expect(e.detail).toBe('iflist entry 0: unknown interface type 9');
    expect(e.at).toBe(HEADER);
  });

  it('IL: a name longer than the block', () => {
    const e = failure(BlockType.IL, Buffer.from([3, 0, 200, 0, 127, 0, 0, 1, 255, 0, 0, 0, 127, 0, 0, 1, 108, 111, 0, 0]));
    expect(e.detail).toBe("iflist entry 0: field 'name' runs past the block (length 200, 4 bytes left)");
  });

  it('UL_V2: a truncated user entry', () => {
    const body = Buffer.from(encodeStateBlock({ kind: 'userlist', ...sampleUsers() }).body);
    const e = failure(BlockType.UL_V2, body.subarray(0, 20));
    expect(e.detail).toMatch(/^userlist entry 0: entry length \d+ runs past the block/);
    const first = body.readUInt32LE(0);
    body.writeUInt32LE(14, 0); // len, tag, uid, gid, then 1 byte of name length
    const e2 = failure(BlockType.UL_V2, body.subarray(0, first));
    expect(e2.detail).toBe("userlist entry 0 (uid 0): field 'name length' runs past the entry (needs 2 bytes, 1 left)");
  });

  it('MI: a body too short for the hostname', () => {
    const e = failure(BlockType.MI, Buffer.alloc(100));
    expect(e.detail).toBe("machine info: field 'hostname' runs past the block (needs 128 bytes, 80 left)");
    expect(e.at).toBe(HEADER + 20);
  });

  it('a block shorter than its own header', () => {
    const buf = Buffer.alloc(8);
    expect(() => decodeStateBlock(BlockType.UL, buf, 0, 8, true)).toThrow(BlockDecodeError);
    expect(() => decodeStateBlock(BlockType.UL, buf, 0, 64, true)).toThrow(/does not fit its buffer/);
  });

  it('with a file and offset, errors become CaptureErrors naming the stream offset', () => {
    const body = procListBody(8, sampleThreads());
    const { buf, start, length } = frame(BlockType.PL_V8, body.subarray(0, 20), true, 0);
    let err: unknown;
    try {
      decodeStateBlock(BlockType.PL_V8, buf, start, length, true, { file: 'x.scap', offset: 1000 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CaptureError);
    expect((err as CaptureError).offset).toBe(1000);
    expect((err as CaptureError).message).toBe(
      "x.scap: block at offset 1000: proclist entry 0 (tid 1): field 'ptid' runs past the block (needs 8 bytes, 4 left) (stream offset 1024)",
    );
  });
});

/** Deterministic PRNG (mulberry32) so failures reproduce. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('mutated blocks fail only with our typed error', () => {
  const blocks: StateBlock[] = [
    { kind: 'machine', info: { numCpus: 2, memorySizeBytes: 1, maxPid: 3, hostname: 'h', bootTsEpoch: 0n, flags: 0n, reserved3: 0n, reserved4: 0n } },
    { kind: 'proclist', threads: sampleThreads() },
    { kind: 'fdlist', table: { tid: 1, fds: sampleFds() } },
    { kind: 'iflist', interfaces: sampleInterfaces() },
    { kind: 'userlist', ...sampleUsers() },
  ];
  const oldBodies: [number, Buffer][] = [
    [BlockType.PL_V5, procListBody(5, sampleThreads())],
    [BlockType.PL_V1, procListBody(1, sampleThreads())],
    [BlockType.FDL, fdListV1Body(3, sampleFds())],
  ];
  const cases: [string, number, Buffer][] = [
    ...blocks.map((b) => {
      const { type, body } = encodeStateBlock(b);
      return [b.kind, type, body] as [string, number, Buffer];
    }),
    ...oldBodies.map(([t, b]) => [`0x${t.toString(16)}`, t, b] as [string, number, Buffer]),
  ];

  it.each(cases)('%s: truncations and byte flips', (_name, type, body) => {
    const rand = rng(type);
    let failures = 0;
    for (let i = 0; i < 150; i++) {
      let mutated = Buffer.from(body);
      if (i % 3 === 0) mutated = mutated.subarray(0, Math.floor(rand() * body.length));
      const flips = 1 + Math.floor(rand() * 4);
      for (let f = 0; f < flips && mutated.length > 0; f++) mutated[Math.floor(rand() * mutated.length)] = Math.floor(rand() * 256);
      for (const le of [true, false]) {
        const { buf, start, length } = frame(type, mutated, le);
        try {
          decodeStateBlock(type, buf, start, length, le);
        } catch (e) {
          if (!(e instanceof BlockDecodeError)) throw e;
          expect(e.at).toBeGreaterThanOrEqual(HEADER);
          expect(e.at).toBeLessThanOrEqual(length);
          failures++;
        }
      }
    }
    expect(failures).toBeGreaterThan(0);
  });
});
