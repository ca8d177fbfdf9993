// The eBPF driver's per-CPU rings (events encoded in place and published one by one, whole
// across the end of the ring's data), no read/write/generic enter events (redundantEnter:
// false), and the native writer thread that keeps draining the rings while the output blocks.
// Root + eBPF, like record.test.ts.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { holdRecordingLock } from '../helpers/record-lock.js';
import { BlockReader } from '../../src/pcapng/reader.js';
import { openByteSource } from '../../src/pcapng/source.js';
import { record, recordAvailability } from '../../src/record/recorder.js';

const avail = recordAvailability();
if (!avail.ok) process.stderr.write(`[test/record/batch] skipped: ${avail.reason}\n`);

// libscap event codes
const GENERIC_E = 0;
const GENERIC_X = 1;
const READ_E = 6;
const READ_X = 7;
const WRITE_E = 8;
const WRITE_X = 9;

interface Ev {
  cpu: number;
  ts: bigint;
  tid: number;
  type: number;
  params: Buffer[];
}

async function events(path: string): Promise<{ events: Ev[]; blocks: number }> {
  const out: Ev[] = [];
  let blocks = 0;
  const src = await openByteSource(path);
  try {
    await new BlockReader(src).read((type, buf, start) => {
      blocks++;
      if (type !== 0x216) return;
      const cpu = buf.readUInt16LE(start + 8);
      const ev = start + 10;
      const np = buf.readUInt32LE(ev + 22);
      const params: Buffer[] = [];
      let p = ev + 26 + 2 * np;
      for (let i = 0; i < np; i++) {
        const len = buf.readUInt16LE(ev + 26 + 2 * i);
        params.push(Buffer.from(buf.subarray(p, p + len)));
        p += len;
      }
      out.push({ cpu, ts: buf.readBigUInt64LE(ev), tid: Number(buf.readBigUInt64LE(ev + 8)), type: buf.readUInt16LE(ev + 20), params });
    });
  } finally {
    await src.close();
  }
  return { events: out, blocks };
}


/** Events whose timestamp is below the previous one of the same CPU (each CPU's ring is in time order). */
function backwardsPerCpu(evs: readonly { cpu: number; ts: bigint }[]): number {
  const last = new Map<number, bigint>();
  let backwards = 0;
  for (const e of evs) {
    const prev = last.get(e.cpu);
    if (prev !== undefined && e.ts < prev) backwards++;
    last.set(e.cpu, e.ts);
  }
  return backwards;
}

describe.skipIf(!avail.ok)('record: per-CPU rings, redundant enter events, writer thread', () => {
  let dir: string;
  let release: (() => void) | undefined;
  beforeAll(async () => {
    release = await holdRecordingLock();
    dir = mkdtempSync(join(tmpdir(), 'fscap-batch-'));
  }, 310_000);
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    release?.();
  });

  it('writes every event, each CPU in time order, read/write pairs complete', async () => {
    const out = join(dir, 'dd.scap');
    const n = 20000;
    const res = await record({ out, command: ['dd', 'if=/dev/zero', 'of=/dev/null', 'bs=1', `count=${n}`, 'status=none'] });
    expect(res.commandExitCode).toBe(0);
    expect(res.stats.drops).toBe(0);
    // the driver counts an event when it publishes it: all were published and written
    expect(res.stats.eventsKernel).toBe(res.stats.eventsWritten);
    const { events: evs } = await events(out);
    expect(evs.length).toBe(res.stats.eventsWritten);
    expect(backwardsPerCpu(evs)).toBe(0);
    const count = (t: number) => evs.filter((e) => e.type === t).length;
    // dd's own n reads and n writes of one byte, plus a few of its start-up; the command
    // waits for the go-ahead in a read whose enter came before tracing began
    expect(count(READ_E)).toBeGreaterThanOrEqual(n);
    expect(count(READ_X) - count(READ_E)).toBeGreaterThanOrEqual(0);
    expect(count(READ_X) - count(READ_E)).toBeLessThanOrEqual(1);
    expect(count(WRITE_E)).toBeGreaterThanOrEqual(n);
    expect(count(WRITE_X)).toBe(count(WRITE_E));
    // reads of /dev/zero (dd's fd 0): one byte of data, a zero
    const oneByte = evs.filter((e) => e.type === READ_X && e.params[0]!.readBigInt64LE(0) === 1n && e.params[2]!.readBigInt64LE(0) === 0n);
    expect(oneByte.length).toBeGreaterThanOrEqual(n);
    // (the go-ahead the command waits for before exec is one read of a newline)
    expect(oneByte.filter((e) => e.params[1]!.length === 1 && e.params[1]![0] === 0).length).toBeGreaterThanOrEqual(n);
    expect(oneByte.length).toBeLessThanOrEqual(n + 1);
  }, 60_000);

  it('publishes each event at once: events reach the file while the command sleeps', async () => {
    const out = join(dir, 'sleep.scap');
    const seen: number[] = [];
    const res = await record({
      out,
      command: ['sleep', '2'],
      statsIntervalMs: 100,
      onStats: (s) => void seen.push(s.eventsWritten),
    });
    expect(res.reason).toBe('command-exit');
    const final = res.stats.eventsWritten;
    // the last call is the final one; before it, while sleep sleeps, everything up to
    // its clock_nanosleep enter (a few KB, far below the wake-up threshold) was already written
    const during = Math.max(...seen.slice(0, -1));
    expect(final).toBeGreaterThan(20);
    expect(during).toBeGreaterThan(10);
    // after the sleep: nanosleep exit, close, exit_group and procexit, a handful
    expect(final - during).toBeLessThanOrEqual(12);
  }, 60_000);

  it('takes whole events across the end of a ring: 1 MiB rings, 3 KB events', async () => {
    // ~18 MB of events through 1 MiB rings: the ring wraps over and over, and events that
    // start near the end of its data run on past it. Every read of /dev/zero and every write
    // to /dev/null that reaches the file must be whole: 3000 bytes of zeros (snaplen 4000),
    // size 3000. (dd makes them faster than a reader woken at a quarter of 1 MiB can always
    // take them on a busy machine: drops are allowed here, torn events are not.)
    const out = join(dir, 'wrap.scap');
    const n = 3000;
    const bs = 3000;
    const res = await record({
      out,
      snaplen: 4000,
      ringBytes: 1 << 20,
      drainRealtime: true,
      command: ['dd', 'if=/dev/zero', 'of=/dev/null', `bs=${bs}`, `count=${n}`, 'status=none'],
    });
    expect(res.commandExitCode).toBe(0);
    expect(res.stats.ringBytes).toBe(1 << 20);
    expect(res.stats.eventsKernel).toBe(res.stats.eventsWritten);
    const { events: evs } = await events(out);
    expect(evs.length).toBe(res.stats.eventsWritten);
    // the events of one CPU went round its ring several times (each lap ends in an event
    // that runs past the end of the data, or ends right there)
    const perCpu = new Map<number, number>();
    for (const e of evs) perCpu.set(e.cpu, (perCpu.get(e.cpu) ?? 0) + 26 + 2 * e.params.length + e.params.reduce((a, p) => a + p.length, 0));
    expect(Math.max(...perCpu.values())).toBeGreaterThan(2 * (1 << 20));
    expect(backwardsPerCpu(evs)).toBe(0);
    const zeros = Buffer.alloc(bs);
    const exits = evs.filter((e) => e.type === READ_X || e.type === WRITE_X);
    const full = exits.filter((e) => e.params[0]!.readBigInt64LE(0) === BigInt(bs));
    expect(full.length).toBeGreaterThan(n / 10);
    expect(full.length).toBeLessThanOrEqual(2 * n);
    for (const e of full) {
      expect(e.params).toHaveLength(4);
      expect(e.params[1]!.equals(zeros)).toBe(true);
      expect(e.params[3]!.readUInt32LE(0)).toBe(bs);
    }
    if (res.stats.drops === 0) expect(full.length).toBe(2 * n);
  }, 60_000);

  it('redundantEnter: false leaves out read/write/generic enter events; the exits carry their parameters', async () => {
    const out = join(dir, 'exit-only.scap');
    const n = 500;
    const res = await record({ out, command: ['dd', 'if=/dev/zero', 'of=/dev/null', 'bs=1', `count=${n}`, 'status=none'], redundantEnter: false });
    expect(res.commandExitCode).toBe(0);
    const { events: evs } = await events(out);
    expect(evs.filter((e) => e.type === READ_E || e.type === WRITE_E || e.type === GENERIC_E)).toEqual([]);
    // generic exits (dd's start-up: brk, arch_prctl, ...) carry the syscall ids
    const generic = evs.filter((e) => e.type === GENERIC_X);
    expect(generic.length).toBeGreaterThan(0);
    expect(generic.every((e) => e.params.length === 2 && e.params[1]!.length === 2)).toBe(true);
    const reads = evs.filter((e) => e.type === READ_X && e.params[0]!.readBigInt64LE(0) === 1n);
    const writes = evs.filter((e) => e.type === WRITE_X && e.params[0]!.readBigInt64LE(0) === 1n);
    expect(reads.length).toBeGreaterThanOrEqual(n);
    expect(writes.length).toBeGreaterThanOrEqual(n);
    for (const e of [...reads, ...writes]) {
      expect(e.params).toHaveLength(4);
      expect(e.params[3]!.readUInt32LE(0)).toBe(1); // size asked for
    }
    // dd reads its input on fd 0 and writes its output on fd 1
    expect(reads.filter((e) => e.params[2]!.readBigInt64LE(0) === 0n).length).toBeGreaterThanOrEqual(n);
    expect(writes.filter((e) => e.params[2]!.readBigInt64LE(0) === 1n).length).toBeGreaterThanOrEqual(n);
    // other enter events are still there (e.g. openat, close, execve)
    expect(evs.some((e) => (e.type & 1) === 0)).toBe(true);
  }, 60_000);

  it('redundantEnter: false is ignored in compat2022 mode (2022 readers take the fd from the enter event)', async () => {
    const out = join(dir, 'exit-only-compat.scap');
    const res = await record({ out, command: ['dd', 'if=/dev/zero', 'of=/dev/null', 'bs=1', 'count=50', 'status=none'], redundantEnter: false, compat2022: true });
    expect(res.commandExitCode).toBe(0);
    const { events: evs } = await events(out);
    expect(evs.filter((e) => e.type === READ_E).length).toBeGreaterThanOrEqual(50);
    expect(evs.filter((e) => e.type === WRITE_E).length).toBeGreaterThanOrEqual(50);
    expect(evs.some((e) => e.type === GENERIC_E)).toBe(true);
  }, 60_000);

  it('keeps draining while the output blocks: no drops with an 8 MiB ring and a reader stalled for 2 s', async () => {
    // The output is a FIFO whose reader opens it at once but reads nothing for 2 s, so
    // every write() blocks meanwhile. A drain thread that wrote itself would stop
    // emptying the ring for those 2 s; the writer thread queues the buffers instead.
    const fifo = join(dir, 'out.fifo');
    const copy = join(dir, 'fifo-copy.scap');
    execFileSync('mkfifo', [fifo]);
    const reader = spawn('sh', ['-c', 'exec 3<"$1"; sleep 2; cat <&3 > "$2"', 'sh', fifo, copy], { stdio: 'ignore' });
    const readerDone = new Promise<number | null>((res) => reader.once('exit', (c) => res(c)));
    // ~400k events (~20 MB) arrive during the stall: far more than the rings hold (8 MiB
    // per CPU, of which dd fills one), yet the rings leave ~100 ms of slack for a drain
    // thread that other test files keep off the CPU now and then (2 MiB rings, ~40 ms,
    // dropped events in one full-suite run).
    // The subject is the writer thread, not scheduling: the drain thread runs real-time here
    // so that other test files busy on both cores cannot starve it (when tracing a command it
    // runs at nice -20 by default, and then 2 MiB rings can overflow under such load).
    const n = 100000;
    const res = await record({
      out: fifo,
      force: true,
      drainRealtime: true,
      ringBytes: 1 << 23,
      command: ['dd', 'if=/dev/zero', 'of=/dev/null', 'bs=1', `count=${n}`, 'status=none'],
    });
    expect(await readerDone).toBe(0);
    expect(res.commandExitCode).toBe(0);
    expect(res.stats.drops).toBe(0);
    expect(res.stats.eventsWritten).toBeGreaterThanOrEqual(4 * n);
    const { events: evs, blocks } = await events(copy);
    expect(evs.length).toBe(res.stats.eventsWritten);
    expect(blocks).toBe(res.stats.blocks);
    expect(statSync(copy).size).toBe(res.stats.bytes);
  }, 60_000);
  it('runs its threads real-time when recording the whole host, at normal policy when tracing a command', async () => {
    // Field 41 of /proc/<tid>/stat is the scheduling policy (2: SCHED_RR). The recorder's
    // native threads live in this process; sample them while a recording runs.
    const rrThreads = (): number => {
      let n = 0;
      for (const tid of readdirSync('/proc/self/task')) {
        try {
          const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
          const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
          if (fields[41 - 3] === '2') n++;
        } catch {
          // the thread ended meanwhile
        }
      }
      return n;
    };
    const during = async (opts: Parameters<typeof record>[0]): Promise<number> => {
      let most = 0;
      const timer = setInterval(() => {
        most = Math.max(most, rrThreads());
      }, 20);
      try {
        await record(opts);
      } finally {
        clearInterval(timer);
      }
      return most;
    };
    expect(rrThreads()).toBe(0);
    expect(await during({ out: join(dir, 'policy-cmd.scap'), force: true, command: ['sleep', '0.4'] })).toBe(0);
    expect(await during({ out: join(dir, 'policy-host.scap'), force: true, durationMs: 400 })).toBeGreaterThanOrEqual(2);
    expect(await during({ out: join(dir, 'policy-cmd-rt.scap'), force: true, command: ['sleep', '0.4'], drainRealtime: true })).toBeGreaterThanOrEqual(2);
  }, 60_000);
});
