/**
 * The "threads" state table the host offers plugins (plugin API tables), through the test
 * plugin thrinfo (test/plugins/c/thrinfo.c): listing, lookups, reads of int64, uint32,
 * uint64 (from a bigint), bool and string fields, size and iteration, and every error path (unknown table, wrong key type, unknown field,
 * wrong field type, writes, stale entries, reads outside a plugin call window).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { loadPlugin, type Plugin } from '../../src/plugins/plugin.js';
import { THREAD_TABLE_FIELDS, threadsTable } from '../../src/plugins/tables.js';
import { ThreadInfo } from '../../src/replay/state/model.js';
import { eventBytes, p } from '../helpers/event-builder.js';
import { pluginSetup, skipMessage } from './helpers.js';

const setup = pluginSetup();
if (!setup.ok) console.warn(skipMessage(setup));

function thread(tid: number, pid: number, ptid: number, comm: string, exepath: string, uid: number): ThreadInfo {
  const t = new ThreadInfo();
  Object.assign(t, { tid, pid, ptid, comm, exepath, uid });
  return t;
}

function lookup(threads: ThreadInfo[]): { get(tid: number): ThreadInfo | undefined; map: Map<number, ThreadInfo> } {
  const map = new Map(threads.map((t) => [t.tid, t] as const));
  return { get: (tid) => map.get(tid), map };
}

const closeEvent = (tid: number): Buffer => eventBytes({ type: 'SYSCALL_CLOSE_X', tid, params: [p.i64(0)] });

const probes = (pl: Plugin): string[] => pl.logs().map((l) => l.message).filter((m) => /^(probe|writeprobe|stale)/.test(m));

describe.skipIf(!setup.ok)('threads table', () => {
  const loaded: Plugin[] = [];
  const load = (config = ''): Plugin => {
    const pl = loadPlugin(setup.thrinfo, config);
    loaded.push(pl);
    return pl;
  };
  afterEach(() => {
    for (const pl of loaded.splice(0)) pl.destroy();
    threadsTable.use(undefined);
  });

  it('reports every table API error with a precise owner error', () => {
    const pl = load('probe');
    const fields = THREAD_TABLE_FIELDS.map((f) => `${f.name}:${{ int64: 4, uint32: 7, uint64: 8, string: 9, bool: 25 }[f.type as 'int64']}r`).join(',');
    expect(probes(pl)).toEqual([
      'probe list_tables: threads key 4',
      "probe get_table nope: NULL: table 'nope' does not exist: falco-scap offers the 'threads' table only",
      "probe get_table threads/string: NULL: table 'threads' has key type int64, not string",
      `probe fields: ${fields}`,
      "probe get_table_field nope: NULL: table 'threads' has no field 'nope'",
      "probe get_table_field comm/int64: NULL: field 'comm' of table 'threads' has type string, not int64",
      "probe add_table_field: NULL: table 'threads' is read-only in falco-scap: cannot add field 'mine'",
      "probe add_table threads: failed: add_table: table 'threads' already exists (falco-scap's thread table)",
      'probe size in init: 0',
      "probe get_table_entry 1 in init: NULL: table 'threads' has no entry with key 1",
    ]);
  });

  it('reads the current thread state during extraction (lookups, every field type, size, iteration)', () => {
    const pl = load();
    const names = ['thr.comm', 'thr.exepath', 'thr.pid', 'thr.uid', 'thr.ptid_comm', 'thr.size', 'thr.iterated', 'thr.exe_writable', 'thr.exe_ino'];
    const ex = pl.extractor(names.map((field) => ({ field })));
    const table = lookup([thread(10, 10, 1, 'bash', '/bin/bash', 1000), thread(11, 10, 10, 'worker', '/bin/bash', 1000), thread(1, 1, 0, 'init', '/sbin/init', 0)]);
    table.map.get(1)!.uid = -1; // unknown uid: 0xffffffff as a uint32, as in libsinsp
    table.map.get(11)!.exeWritable = true;
    table.map.get(11)!.exeIno = 2n ** 63n + 5n; // a bigint above 2^53 reaches the plugin exactly
    threadsTable.use(table);
    const v = ex.extract(Buffer.concat([closeEvent(11), closeEvent(1), closeEvent(77)]));
    const w = names.length;
    expect(v.slice(0, w)).toEqual(['worker', '/bin/bash', 10, 1000, 'bash', 3, 3, true, 2n ** 63n + 5n]);
    expect(v.slice(w, 2 * w)).toEqual(['init', '/sbin/init', 1, 4294967295, undefined, 3, 3, false, 0]);
    // tid 77 is unknown: no entry, only the table-wide fields have values
    expect(v.slice(2 * w, 3 * w)).toEqual([undefined, undefined, undefined, undefined, undefined, 3, 3, undefined, undefined]);
    // the state the plugin reads is the one at the time of the call
    table.map.get(11)!.comm = 'renamed';
    expect(ex.extract(closeEvent(11))[0]).toBe('renamed');
    threadsTable.use(undefined);
    expect(ex.extract(closeEvent(11))).toEqual([undefined, undefined, undefined, undefined, undefined, 0, 0, undefined, undefined]);
  });

  it('refuses writes and keeps entries from outliving the plugin call', () => {
    const pl = load('writeprobe stale');
    threadsTable.use(lookup([thread(5, 5, 1, 'sh', '/bin/sh', 0)]));
    expect(pl.parse(closeEvent(5))).toBe(1);
    const ex = pl.extractor([{ field: 'thr.comm' }, { field: 'thr.parsedcomm' }, { field: 'thr.parsed' }]);
    expect(ex.extract(closeEvent(5))).toEqual(['sh', 'sh', 1]);
    expect(ex.extract(closeEvent(5))).toEqual(['sh', 'sh', 1]);
    expect(probes(pl)).toEqual([
      "writeprobe write_entry_field: failed: table 'threads' is read-only in falco-scap (write_entry_field is not supported)",
      "writeprobe create_table_entry: NULL: table 'threads' is read-only in falco-scap (create_table_entry is not supported)",
      "stale read: failed: table 'threads': invalid or stale entry (entries are valid until the end of the plugin call that got them)",
    ]);
  });

  it('passes a provider exception to the plugin as an owner error, not a crash', () => {
    const pl = load();
    threadsTable.use({
      get: () => {
        throw new Error('state exploded');
      },
      map: new Map(),
    });
    expect(() => pl.extractor([{ field: 'thr.comm' }]).extract(closeEvent(3))).not.toThrow();
    // thr.comm has no value: the lookup failed, the plugin saw NULL and went on
    expect(pl.extractor([{ field: 'thr.comm' }]).extract(closeEvent(3))).toEqual([undefined]);
  });
});
