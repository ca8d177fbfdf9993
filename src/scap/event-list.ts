import { EventCategory, EventFlags, ParamType } from './schema.js';
import { EVENT_TABLE } from './event-table.js';

const PARAM_TYPE_NAMES: Record<number, string> = {
  [ParamType.NONE]: 'NONE', [ParamType.INT8]: 'INT8', [ParamType.INT16]: 'INT16', [ParamType.INT32]: 'INT32',
  [ParamType.INT64]: 'INT64', [ParamType.UINT8]: 'UINT8', [ParamType.UINT16]: 'UINT16', [ParamType.UINT32]: 'UINT32',
  [ParamType.UINT64]: 'UINT64', [ParamType.CHARBUF]: 'CHARBUF', [ParamType.BYTEBUF]: 'BYTEBUF', [ParamType.ERRNO]: 'ERRNO',
  [ParamType.SOCKADDR]: 'SOCKADDR', [ParamType.SOCKTUPLE]: 'SOCKTUPLE', [ParamType.FD]: 'FD', [ParamType.PID]: 'PID',
  [ParamType.FDLIST]: 'FDLIST', [ParamType.FSPATH]: 'FSPATH', [ParamType.SYSCALLID]: 'SYSCALLID', [ParamType.SIGTYPE]: 'SIGTYPE',
  [ParamType.RELTIME]: 'RELTIME', [ParamType.ABSTIME]: 'ABSTIME', [ParamType.PORT]: 'PORT', [ParamType.L4PROTO]: 'L4PROTO',
  [ParamType.SOCKFAMILY]: 'SOCKFAMILY', [ParamType.BOOL]: 'BOOL', [ParamType.IPV4ADDR]: 'IPV4ADDR', [ParamType.DYN]: 'DYN',
  [ParamType.FLAGS8]: 'FLAGS8', [ParamType.FLAGS16]: 'FLAGS16', [ParamType.FLAGS32]: 'FLAGS32', [ParamType.UID]: 'UID',
  [ParamType.GID]: 'GID', [ParamType.DOUBLE]: 'DOUBLE', [ParamType.SIGSET]: 'SIGSET', [ParamType.CHARBUFARRAY]: 'CHARBUFARRAY',
  [ParamType.CHARBUF_PAIR_ARRAY]: 'CHARBUF_PAIR_ARRAY', [ParamType.IPV4NET]: 'IPV4NET', [ParamType.IPV6ADDR]: 'IPV6ADDR',
  [ParamType.IPV6NET]: 'IPV6NET', [ParamType.IPADDR]: 'IPADDR', [ParamType.IPNET]: 'IPNET', [ParamType.MODE]: 'MODE',
  [ParamType.FSRELPATH]: 'FSRELPATH', [ParamType.ENUMFLAGS8]: 'ENUMFLAGS8', [ParamType.ENUMFLAGS16]: 'ENUMFLAGS16',
  [ParamType.ENUMFLAGS32]: 'ENUMFLAGS32', [ParamType.FD32]: 'FD32', [ParamType.PID32]: 'PID32',
};

export function paramTypeName(t: ParamType): string {
  return PARAM_TYPE_NAMES[t] ?? `PT_${t}`;
}

export interface EventListing {
  code: number;
  name: string;
  direction: '>' | '<';
  category: 'syscall' | 'tracepoint' | 'plugin' | 'metaevent' | 'internal' | 'other';
  oldVersion: boolean;
  /** "name(TYPE), ..." as Falco's --list-events prints parameters. */
  params: string;
}

function category(c: number): EventListing['category'] {
  if (c & EventCategory.SYSCALL) return 'syscall';
  if (c & EventCategory.TRACEPOINT) return 'tracepoint';
  if (c & EventCategory.PLUGIN) return 'plugin';
  if (c & EventCategory.METAEVENT) return 'metaevent';
  if (c & EventCategory.INTERNAL) return 'internal';
  return 'other';
}

/** The event table as `falco-scap list events` shows it (unused placeholders left out). */
export function listEvents(options: { includeOld?: boolean } = {}): EventListing[] {
  return EVENT_TABLE.filter((e) => (e.flags & EventFlags.UNUSED) === 0 && (options.includeOld || (e.flags & EventFlags.OLD_VERSION) === 0)).map((e) => ({
    code: e.code,
    name: e.name,
    direction: e.direction,
    category: category(e.category),
    oldVersion: (e.flags & EventFlags.OLD_VERSION) !== 0,
    params: e.params.map((p) => `${paramTypeName(p.type)} ${p.name}`).join(', '),
  }));
}
