/**
 * The per-event shortcuts of the state engine give what the general code gives: the
 * direct-mapped thread lookup cache, parameter positions from per-name tables, parameter
 * values decoded once per distinct byte content (args, env, cgroups, container JSON), the
 * container match remembered per cgroups list, the scheduler-switch branch, and the work
 * deferred to the next event.
 */
import { describe, expect, it } from 'vitest';
import { HostState, containerFromCgroups, ThreadTable } from '../../../src/replay/state/index.js';
import { BytesMemo, paramIndex, paramIndexTable, strList, ViewSource } from '../../../src/replay/state/evparams.js';
import { ThreadInfo } from '../../../src/replay/state/model.js';
import { EVENT_TABLE } from '../../../src/scap/event-table.js';
import { newThreadEntry, type ThreadEntry } from '../../../src/scap/blocks/index.js';
import { makeEvent, p, type EventSpec } from '../../helpers/event-builder.js';
import { threadInfo } from '../../helpers/thread-info.js';


describe('ThreadTable direct-mapped lookup cache', () => {
  it('agrees with the table on random adds, removes and lookups, with tids that share cache slots', () => {
    const tt = new ThreadTable();
    const ref = new Map<number, ThreadInfo>();
    // Tids 256 apart land in the same slot; negative and huge tids too.
    const tids = [1, 2, 257, 513, 769, 1025, 300, 44, 44 + 256, -1, -257, 2 ** 40 + 1, 2 ** 40 + 257, 4194303];
    let seed = 7;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const wrong: string[] = [];
    for (let k = 0; k < 20000; k++) {
      const tid = tids[rnd(tids.length)]!;
      const op = rnd(10);
      if (op === 0) {
        const t = threadInfo(tid);
        tt.add(t, false);
        ref.set(tid, t);
      } else if (op === 1) {
        tt.remove(tid);
        ref.delete(tid);
      } else if (op === 2 && rnd(50) === 0) {
        tt.clear();
        ref.clear();
      } else if (tt.get(tid) !== ref.get(tid)) {
        wrong.push(`step ${k}: get(${tid})`);
      }
      if (tt.map.get(tid) !== ref.get(tid)) wrong.push(`step ${k}: map ${tid}`);
    }
    expect(wrong).toEqual([]);
  });

  it('finds the main thread of a process through the cache and sees it go', () => {
    const tt = new ThreadTable();
    const main = threadInfo(300);
    const other = threadInfo(301, 300);
    tt.add(main, false);
    tt.add(other, false);
    expect(tt.main(other)).toBe(main);
    expect(tt.main(other)).toBe(main);
    tt.remove(300);
    tt.remove(301);
    expect(tt.main(other)).toBeUndefined();
  });
});

describe('parameter positions by name', () => {
  it('match the schema for every event code and every name in it', () => {
    const names = new Set<string>();
    for (const e of EVENT_TABLE) for (const q of e.params) names.add(q.name);
    names.add('no_such_parameter');
    const wrong: string[] = [];
    for (const name of names) {
      const table = paramIndexTable(name);
      expect(paramIndexTable(name)).toBe(table);
      for (let code = 0; code < EVENT_TABLE.length; code++) {
        const expected = EVENT_TABLE[code]!.params.findIndex((q) => q.name === name);
        if (table[code] !== expected || paramIndex(code, name) !== expected) wrong.push(`${code} ${name}`);
      }
    }
    expect(wrong).toEqual([]);
    expect(paramIndex(-1, 'fd')).toBe(-1);
    expect(paramIndex(EVENT_TABLE.length + 5, 'fd')).toBe(-1);
  });
});

describe('BytesMemo', () => {
  const listEvent = (lists: Buffer[]) => {
    const src = new ViewSource();
    src.bind(makeEvent({ type: 'SYSCALL_EXECVE_16_X', tid: 1, params: lists }));
    return src;
  };
  it('decodes once per distinct content and hands back the same value while it repeats', () => {
    let decoded = 0;
    const memo = new BytesMemo<string[]>((s, i) => {
      decoded++;
      return strList(s, i);
    }, 3);
    const a = listEvent([p.list(['A=1', 'B=2']), p.list(['A=1', 'B=2']), p.list(['A=1', 'B=22'])]);
    const first = memo.get(a, 0);
    expect(first).toEqual(['A=1', 'B=2']);
    // Same bytes elsewhere (another parameter, another event): the same array.
    expect(memo.get(a, 1)).toBe(first);
    expect(memo.get(listEvent([p.list(['A=1', 'B=2'])]), 0)).toBe(first);
    expect(decoded).toBe(1);
    // Same length, different bytes: decoded again.
    expect(memo.get(a, 2)).toEqual(['A=1', 'B=22']);
    expect(decoded).toBe(2);
  });
  it('stays right once older entries are evicted, and does not remember absent values', () => {
    let decoded = 0;
    const memo = new BytesMemo<string[]>((s, i) => {
      decoded++;
      return strList(s, i);
    }, 2);
    // Two slots: x, y; z replaces x; x replaces y; [y, w] replaces z; x is still there.
    const lists = [['x'], ['y'], ['z'], ['x'], ['y', 'w'], ['x']];
    for (const l of lists) expect(memo.get(listEvent([p.list(l)]), 0)).toEqual(l);
    expect(decoded).toBe(5);
    const src = listEvent([p.none(), p.list(['q'])]);
    expect(memo.get(src, 0)).toEqual([]);
    expect(memo.get(src, 0)).toEqual([]);
    expect(memo.get(src, 7)).toEqual([]);
    expect(decoded).toBe(5 + 3);
  });
});

describe('container match per cgroups list', () => {
  it('gives the same answer for the same list and for an equal copy', () => {
    const id = '605439acbd4fb18c145069289094b17f17e0cfa938f78012d4960bc797305f22';
    const cg = [`cpuset=/docker/${id}`, 'memory=/'];
    const m = containerFromCgroups(cg);
    expect(m).toEqual({ id: id.slice(0, 12), type: 'docker' });
    expect(containerFromCgroups(cg)).toBe(m);
    expect(containerFromCgroups([...cg])).toEqual(m);
    const host = ['cpu=/user.slice'];
    expect(containerFromCgroups(host)).toBeUndefined();
    expect(containerFromCgroups(host)).toBeUndefined();
  });
});

function host(threads: Partial<ThreadEntry>[], opts = {}): HostState {
  const st = new HostState(opts);
  st.applyStateBlock({ kind: 'proclist', threads: threads.map((t) => newThreadEntry({ tid: t.tid!, ...t })) });
  return st;
}
const apply = (st: HostState, spec: EventSpec): void => st.applyEvent(makeEvent(spec));
const execve16 = (tid: number, exe: string, env: string[], cgroups: string[]): EventSpec => ({
  type: 'SYSCALL_EXECVE_16_X',
  tid,
  params: [p.i64(0), p.str(exe), p.list([exe]), p.i64(tid), p.i64(tid), p.i64(1), p.str('/'), p.u64(1024), p.u64(0), p.u64(0), p.u32(0), p.u32(0), p.u32(0), p.str(exe.split('/').pop()!), p.list(cgroups), p.list(env)],
});
const switch6 = (tid: number, ts: bigint, vmsize: number): EventSpec => ({
  type: 'SCHEDSWITCH_6_E',
  tid,
  ts,
  params: [p.i64(0), p.u64(7), p.u64(9), p.u32(vmsize), p.u32(vmsize >> 1), p.u32(3)],
});

describe('execve lists shared between threads', () => {
  it('threads that exec with the same env and cgroups share the lists and get the same container', () => {
    const st = host([
      { tid: 1, pid: 1, ptid: 0, comm: 'init' },
      { tid: 10, pid: 10, ptid: 1, comm: 'a' },
      { tid: 11, pid: 11, ptid: 1, comm: 'b' },
    ]);
    const id = 'b'.repeat(64);
    const cg = [`cpu=/docker/${id}`];
    apply(st, execve16(10, '/bin/sh', ['HOME=/', 'PATH=/bin'], cg));
    apply(st, execve16(11, '/bin/ls', ['HOME=/', 'PATH=/bin'], cg));
    const a = st.threads.get(10)!;
    const b = st.threads.get(11)!;
    expect(a.env).toEqual(['HOME=/', 'PATH=/bin']);
    expect(b.env).toBe(a.env);
    expect(b.cgroups).toBe(a.cgroups);
    expect(a.containerId).toBe(id.slice(0, 12));
    expect(b.containerId).toBe(id.slice(0, 12));
    // A different environment is decoded on its own; the earlier one is untouched.
    apply(st, execve16(11, '/bin/ls', ['HOME=/root'], ['cpu=/']));
    expect(b.env).toEqual(['HOME=/root']);
    expect(b.containerId).toBe('');
    expect(a.env).toEqual(['HOME=/', 'PATH=/bin']);
    expect(a.containerId).toBe(id.slice(0, 12));
  });
});

describe('scheduler switch branch', () => {
  it('updates the memory counters of a known thread without touching its last-event time', () => {
    const st = host([
      { tid: 1, pid: 1, ptid: 0, comm: 'init' },
      { tid: 20, pid: 20, ptid: 1, comm: 'main' },
      { tid: 21, pid: 20, ptid: 1, comm: 'worker' },
    ]);
    apply(st, { type: 'SYSCALL_GETUID_E', tid: 21, ts: 1000n, params: [] });
    const worker = st.threads.get(21)!;
    expect(worker.lastEventTs).toBe(1000n);
    apply(st, switch6(21, 2000n, 4096));
    expect(st.thread).toBe(worker);
    expect(st.fd).toBeUndefined();
    expect(st.fdNum).toBe(-1);
    expect(worker.pfmajor).toBe(7);
    expect(worker.pfminor).toBe(9);
    // vm sizes belong to the process: the main thread.
    expect(st.threads.get(20)!.vmsizeKb).toBe(4096);
    expect(st.threads.get(20)!.vmrssKb).toBe(2048);
    expect(st.threads.get(20)!.vmswapKb).toBe(3);
    expect(worker.lastEventTs).toBe(1000n);
    // A switch does not pair with, or replace, the thread's pending enter event.
    expect(worker.lastEventType).toBe(makeEvent({ type: 'SYSCALL_GETUID_E', tid: 21, params: [] }).type);
  });

  it('does not create a thread for an unknown tid, and still offers the event to beforeParse', () => {
    const st = host([{ tid: 1, pid: 1, ptid: 0, comm: 'init' }]);
    const seen: number[] = [];
    st.beforeParse = (ev) => {
      seen.push(ev.tid);
      return true;
    };
    apply(st, switch6(555, 10n, 1));
    expect(st.thread).toBeUndefined();
    expect(st.threads.get(555)).toBeUndefined();
    expect(seen).toEqual([555]);
    // A rejected switch changes nothing.
    st.beforeParse = () => false;
    apply(st, switch6(1, 20n, 77));
    expect(st.threads.get(1)!.vmsizeKb).not.toBe(77);
  });
});

describe('applyLoadedEvent (thread id from the field load() sets)', () => {
  it('leaves the same state as applyEvent for views positioned by load()', () => {
    const threads = [
      { tid: 1, pid: 1, ptid: 0, comm: 'init' },
      { tid: 40, pid: 40, ptid: 1, comm: 'sh', cwd: '/' },
    ];
    const a = host(threads);
    const b = host(threads);
    const events: EventSpec[] = [
      { type: 'SYSCALL_OPEN_E', tid: 40, params: [p.str('/etc/hosts'), p.u32(1), p.u32(0)] },
      { type: 'SYSCALL_OPEN_X', tid: 40, params: [p.i64(3), p.str('/etc/hosts'), p.u32(1), p.u32(0)] },
      switch6(40, 5n, 100),
      { type: 'SYSCALL_GETUID_E', tid: 77, params: [] },
      { type: 'SYSCALL_GETUID_E', tid: 2 ** 40 + 5, params: [] },
    ];
    for (const spec of events) {
      const ev = makeEvent(spec);
      expect(ev.tidValue).toBe(ev.tid);
      a.applyEvent(ev);
      b.applyLoadedEvent(makeEvent(spec));
      expect(b.thread?.tid).toBe(a.thread?.tid);
    }
    expect([...b.threads.map.keys()].sort()).toEqual([...a.threads.map.keys()].sort());
    expect(b.threads.get(40)!.fds.get(3)!.name).toBe('/etc/hosts');
  });
});

describe('memory counters off (HostStateOptions.memoryCounters)', () => {
  it('skips only the counters of scheduler switches: the thread is still found and its pending enter kept', () => {
    const threads = [
      { tid: 1, pid: 1, ptid: 0, comm: 'init' },
      { tid: 20, pid: 20, ptid: 1, comm: 'main' },
    ];
    const on = host(threads);
    const off = host(threads, { memoryCounters: false });
    expect(on.memoryCounters).toBe(true);
    expect(off.memoryCounters).toBe(false);
    for (const st of [on, off]) {
      apply(st, { type: 'SYSCALL_GETUID_E', tid: 20, ts: 1000n, params: [] });
      apply(st, switch6(20, 2000n, 4096));
    }
    expect(on.threads.get(20)!.vmsizeKb).toBe(4096);
    expect(on.threads.get(20)!.pfmajor).toBe(7);
    const t = off.threads.get(20)!;
    expect(off.thread).toBe(t);
    expect([t.vmsizeKb, t.vmrssKb, t.vmswapKb, t.pfmajor, t.pfminor]).toEqual([0, 0, 0, 0, 0]);
    expect(t.lastEventType).toBe(on.threads.get(20)!.lastEventType);
  });
});

describe('work deferred to the next event', () => {
  it('a closed fd stays for its exit event and goes at the next one; an exited thread likewise', () => {
    const st = host([
      { tid: 1, pid: 1, ptid: 0, comm: 'init' },
      { tid: 30, pid: 30, ptid: 1, comm: 'cat', cwd: '/' },
    ]);
    apply(st, { type: 'SYSCALL_OPEN_E', tid: 30, params: [p.str('/etc/hosts'), p.u32(1), p.u32(0)] });
    apply(st, { type: 'SYSCALL_OPEN_X', tid: 30, params: [p.i64(3), p.str('/etc/hosts'), p.u32(1), p.u32(0)] });
    const cat = st.threads.get(30)!;
    expect(cat.fds.get(3)!.name).toBe('/etc/hosts');
    apply(st, { type: 'SYSCALL_CLOSE_E', tid: 30, params: [p.i64(3)] });
    apply(st, { type: 'SYSCALL_CLOSE_X', tid: 30, params: [p.i64(0)] });
    expect(st.fd!.name).toBe('/etc/hosts');
    expect(cat.fds.has(3)).toBe(true);
    // Also for a switch or a procinfo event, which take their own branches.
    apply(st, switch6(30, 5n, 1));
    expect(cat.fds.has(3)).toBe(false);
    apply(st, { type: 'PROCEXIT_1_E', tid: 30, params: [p.i64(0), p.i64(0), p.u8(0), p.u8(0), p.i64(0)] });
    expect(st.threads.get(30)).toBe(cat);
    apply(st, { type: 'PROCINFO_E', tid: 1, params: [p.u64(0), p.u64(0)] });
    expect(st.threads.get(30)).toBeUndefined();
  });
});
