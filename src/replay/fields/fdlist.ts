/**
 * fdlist.*: the fds of poll / ppoll events, each field a comma-separated string.
 */
import type { FdInfo } from '../state/model.js';
import { fdOf, ipToString, isServerSocket, parseIp, type ReplayContext } from './context.js';
import { field, type ReplayFieldDef } from './def.js';
import { paramValue } from './evt.js';
import { ppmeCode } from '../../scap/event-table.js';
import type { Extractor } from './types.js';

const C = 'fdlist';
const POLL_X = ppmeCode('SYSCALL_POLL_X') ?? -1;
const PPOLL_X = ppmeCode('SYSCALL_PPOLL_X') ?? -1;

const isSock = (f: FdInfo): boolean => (f.kind === 'ipv4' || f.kind === 'ipv6') && !isServerSocket(f);

/** One item per polled fd: a string, or undefined to add nothing (and no comma). */
function fdlistField(item: (fd: number, f: FdInfo | undefined) => string | undefined): Extractor<ReplayContext> {
  return (ctx) => {
    const t = ctx.evt.type;
    let idx = 1;
    if (t !== POLL_X && t !== PPOLL_X) {
      // sysdig 0.29 also read the fds argument (the first) of poll / ppoll enter events.
      if (ctx.render.sysdig029 !== true || (t !== POLL_X - 1 && t !== PPOLL_X - 1)) return undefined;
      idx = 0;
    }
    const v = paramValue(ctx, idx);
    if (v === undefined || v.kind !== 'fdlist') return undefined;
    const th = ctx.thread;
    if (th === undefined) return undefined;
    let s = '';
    for (const e of v.value) {
      const r = item(e.fd, fdOf(ctx.state, th, e.fd));
      if (r !== undefined) s += r + ',';
    }
    if (s.endsWith(',')) s = s.slice(0, -1);
    return s === '' ? undefined : s;
  };
}

function servIpText(f: FdInfo): string | undefined {
  const text = f.sip !== '' ? f.sip : f.dip;
  if (f.kind === 'ipv6') {
    // libsinsp renders an IPv6 server socket's address with the IPv4 formatter.
    const a = parseIp(text);
    if (a instanceof Uint8Array) return `${a[0]}.${a[1]}.${a[2]}.${a[3]}`;
    return undefined;
  }
  const a = parseIp(text);
  return a === undefined ? text : ipToString(a);
}

export const FDLIST_FIELDS: readonly ReplayFieldDef[] = [
  field(C, 'fdlist.nums', 'charbuf', 'For poll events, the fd numbers in the fds argument, comma-separated.', fdlistField((fd) => String(fd)), {
    printFormat: 'id',
  }),
  field(C, 'fdlist.names', 'charbuf', 'For poll events, the fd names in the fds argument, comma-separated.', fdlistField((_fd, f) => (f !== undefined && f.name !== '' ? f.name : '<NA>'))),
  field(C, 'fdlist.cips', 'charbuf', 'For poll events, the client IP addresses in the fds argument, comma-separated.', fdlistField((_fd, f) => (f !== undefined && isSock(f) ? f.sip : undefined))),
  field(C, 'fdlist.sips', 'charbuf', 'For poll events, the server IP addresses in the fds argument, comma-separated.', fdlistField((_fd, f) => {
    if (f === undefined) return undefined;
    if (isSock(f)) return f.dip;
    if (isServerSocket(f) && (f.kind === 'ipv4' || f.kind === 'ipv6')) return servIpText(f);
    return undefined;
  })),
  field(C, 'fdlist.cports', 'charbuf', 'For poll events, the client ports in the fds argument, comma-separated.', fdlistField((_fd, f) => (f !== undefined && isSock(f) ? String(f.sport) : undefined)), {
    printFormat: 'dec',
  }),
  field(C, 'fdlist.sports', 'charbuf', 'For poll events, the server ports in the fds argument, comma-separated.', fdlistField((_fd, f) => (f !== undefined && isSock(f) ? String(f.dport) : undefined)), {
    printFormat: 'dec',
  }),
];
