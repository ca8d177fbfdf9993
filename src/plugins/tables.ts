/**
 * The state tables falco-scap offers plugins (plugin API `tables`): "threads", keyed by tid
 * (int64), read-only, with libsinsp's field names and types for what our thread model has.
 *
 * The native host calls `ThreadsTableSource` synchronously from inside a plugin's
 * extract_fields / parse_event / init (see native/plugin-host/src/js_table.h), so a plugin
 * sees the thread state of the event being processed. The replay points the one shared
 * source at the thread table of the capture it is reading (`threadsTable.use(...)`).
 */

/** ss_plugin_state_type codes. */
export const StateType = {
  int8: 1,
  int16: 2,
  int32: 3,
  int64: 4,
  uint8: 5,
  uint16: 6,
  uint32: 7,
  uint64: 8,
  string: 9,
  table: 10,
  bool: 25,
} as const;
export type StateTypeName = keyof typeof StateType;

export interface TableFieldSpec {
  /** libsinsp's field name. */
  readonly name: string;
  readonly type: StateTypeName;
  /** The property of our ThreadInfo holding it. */
  readonly prop: string;
}

/**
 * libsinsp's sinsp_threadinfo static fields (threadinfo.cpp get_static_fields) that our
 * ThreadInfo (src/replay/state/model.ts) carries, with libsinsp's types. Not offered: the
 * sub-tables (args, env, cgroups, file_descriptors) and exe_ino_ctime / exe_ino_mtime,
 * which our state does not keep.
 */
export const THREAD_TABLE_FIELDS: readonly TableFieldSpec[] = [
  { name: 'tid', type: 'int64', prop: 'tid' },
  { name: 'pid', type: 'int64', prop: 'pid' },
  { name: 'ptid', type: 'int64', prop: 'ptid' },
  { name: 'reaper_tid', type: 'int64', prop: 'reaperTid' },
  { name: 'sid', type: 'int64', prop: 'sid' },
  { name: 'comm', type: 'string', prop: 'comm' },
  { name: 'exe', type: 'string', prop: 'exe' },
  { name: 'exe_path', type: 'string', prop: 'exepath' },
  { name: 'exe_writable', type: 'bool', prop: 'exeWritable' },
  { name: 'exe_upper_layer', type: 'bool', prop: 'exeUpperLayer' },
  { name: 'exe_lower_layer', type: 'bool', prop: 'exeLowerLayer' },
  { name: 'exe_from_memfd', type: 'bool', prop: 'exeFromMemfd' },
  { name: 'flags', type: 'uint32', prop: 'flags' },
  { name: 'fd_limit', type: 'int64', prop: 'fdlimit' },
  { name: 'uid', type: 'uint32', prop: 'uid' },
  { name: 'gid', type: 'uint32', prop: 'gid' },
  { name: 'loginuid', type: 'uint32', prop: 'loginuid' },
  { name: 'exe_ino', type: 'uint64', prop: 'exeIno' },
  { name: 'vtid', type: 'int64', prop: 'vtid' },
  { name: 'vpid', type: 'int64', prop: 'vpid' },
  { name: 'vpgid', type: 'int64', prop: 'vpgid' },
  { name: 'pgid', type: 'int64', prop: 'pgid' },
  { name: 'pidns_init_start_ts', type: 'uint64', prop: 'pidnsInitStartTs' },
  { name: 'root', type: 'string', prop: 'root' },
  { name: 'tty', type: 'uint32', prop: 'tty' },
  { name: 'cwd', type: 'string', prop: 'cwd' },
];

/** What the threads table reads: a thread lookup by tid and the whole map (size, iteration). */
export interface ThreadLookup {
  get(tid: number): object | undefined;
  readonly map: ReadonlyMap<number, object>;
}

/** The JS side of the "threads" table; the native host calls get / size / entries. */
export class ThreadsTableSource {
  private threads: ThreadLookup | undefined = undefined;

  /** Points the table at a thread table (undefined: an empty table). */
  use(threads: ThreadLookup | undefined): void {
    this.threads = threads;
  }

  get current(): ThreadLookup | undefined {
    return this.threads;
  }

  // Arrow properties: the host calls them with the object as receiver, but keep them bound.
  readonly get = (tid: number): object | undefined => this.threads?.get(tid);
  readonly size = (): number => this.threads?.map.size ?? 0;
  readonly entries = (): object[] => (this.threads ? [...this.threads.map.values()] : []);
}

/** The one source every loaded plugin's "threads" table reads (one replay at a time per process). */
export const threadsTable = new ThreadsTableSource();

/** The field list as the native host takes it. */
export function nativeThreadFields(): { name: string; prop: string; type: number }[] {
  return THREAD_TABLE_FIELDS.map((f) => ({ name: f.name, prop: f.prop, type: StateType[f.type] }));
}
