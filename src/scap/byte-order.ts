import { ParamType, type ParamInfo } from './schema.js';
import { EVENT_HEADER_V2, type EventView } from './event.js';
import { eventInfo } from './event-table.js';

/** Width of the integers inside a fixed-size parameter, or 0 when its bytes are not one integer. */
function scalarWidth(type: ParamType): number {
  switch (type) {
    case ParamType.INT8:
    case ParamType.UINT8:
    case ParamType.SIGTYPE:
    case ParamType.L4PROTO:
    case ParamType.SOCKFAMILY:
    case ParamType.FLAGS8:
    case ParamType.ENUMFLAGS8:
      return 1;
    case ParamType.INT16:
    case ParamType.UINT16:
    case ParamType.SYSCALLID:
    case ParamType.PORT:
    case ParamType.FLAGS16:
    case ParamType.ENUMFLAGS16:
      return 2;
    case ParamType.INT32:
    case ParamType.UINT32:
    case ParamType.BOOL:
    case ParamType.FLAGS32:
    case ParamType.ENUMFLAGS32:
    case ParamType.UID:
    case ParamType.GID:
    case ParamType.SIGSET:
    case ParamType.MODE:
    case ParamType.FD32:
    case ParamType.PID32:
      return 4;
    case ParamType.INT64:
    case ParamType.UINT64:
    case ParamType.ERRNO:
    case ParamType.FD:
    case ParamType.PID:
    case ParamType.RELTIME:
    case ParamType.ABSTIME:
    case ParamType.DOUBLE:
      return 8;
    default:
      return 0;
  }
}

function swapInPlace(b: Buffer, off: number, width: number): void {
  if (width === 2) b.subarray(off, off + 2).swap16();
  else if (width === 4) b.subarray(off, off + 4).swap32();
  else if (width === 8) b.subarray(off, off + 8).swap64();
}

function swapParam(b: Buffer, off: number, len: number, info: ParamInfo | undefined): void {
  if (!info || len === 0) return;
  const w = scalarWidth(info.type);
  if (w > 1 && len === w) {
    swapInPlace(b, off, w);
    return;
  }
  switch (info.type) {
    case ParamType.FDLIST: {
      // u16 count, then (u64 fd, u16 flags) pairs
      if (len < 2) return;
      swapInPlace(b, off, 2);
      const n = b.readUInt16LE(off);
      for (let i = 0, p = off + 2; i < n && p + 10 <= off + len; i++, p += 10) {
        swapInPlace(b, p, 8);
        swapInPlace(b, p + 8, 2);
      }
      return;
    }
    case ParamType.DYN: {
      const idx = b[off];
      const sub = idx !== undefined ? info.dynamic?.[idx] : undefined;
      swapParam(b, off + 1, len - 1, sub);
      return;
    }
    default:
      // Strings, byte buffers and addresses are byte sequences; network-order ports inside
      // socket addresses are already independent of the host's byte order.
      return;
  }
}

/** The event re-encoded little-endian (V2 layout), for writing a big-endian capture out. */
export function swapEventToLittleEndian(ev: EventView): Buffer {
  const out = ev.toV2Bytes();
  if (ev.le) return out;
  out.subarray(0, 8).swap64();
  out.subarray(8, 16).swap64();
  out.subarray(16, 20).swap32();
  out.subarray(20, 22).swap16();
  out.subarray(22, 26).swap32();
  const n = ev.nparams;
  const ls = ev.lenSize;
  const info = eventInfo(ev.type);
  let p = EVENT_HEADER_V2 + n * ls;
  for (let i = 0; i < n; i++) {
    const lo = EVENT_HEADER_V2 + i * ls;
    if (ls === 2) out.subarray(lo, lo + 2).swap16();
    else out.subarray(lo, lo + 4).swap32();
    const len = ls === 2 ? out.readUInt16LE(lo) : out.readUInt32LE(lo);
    swapParam(out, p, len, info?.params[i]);
    p += len;
  }
  return out;
}
