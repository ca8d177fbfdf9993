/**
 * Field values as libsinsp prints them in outputs (`%proc.name`, `-p` formats, Falco rule
 * outputs): numbers in their print format, addresses as text, booleans `true`/`false`,
 * lists as `(a,b)`, absolute times as nanosecond integers, and `<NA>` for no value.
 */
import { renderBuffer, type RenderOptions } from '../../scap/params.js';
import { ipToString } from './context.js';
import type { PrintFormat } from './def.js';
import type { FieldType, FieldValue, ScalarValue } from './types.js';

export const NA = '<NA>';

/** What the formatter needs of a definition (a `ReplayFieldDef` or a compiled output field). */
export interface FormatSpec {
  readonly type: FieldType;
  readonly isList?: boolean;
  readonly printFormat?: PrintFormat;
}

/** Renders a value for output; `undefined` prints `<NA>`. */
export function formatFieldValue(def: FormatSpec, value: FieldValue | undefined, opts: RenderOptions = {}): string {
  if (value === undefined) return NA;
  if (Array.isArray(value)) {
    const items = (value as readonly ScalarValue[]).map((v) => formatScalar(def.type, def.printFormat ?? 'dec', v, opts));
    // A list field prints as a parenthesised list; several candidates (proc.aname without
    // an index) print space-separated, as libsinsp's output extraction joins them.
    return def.isList ? `(${items.join(',')})` : items.join(' ');
  }
  return formatScalar(def.type, def.printFormat ?? 'dec', value as ScalarValue, opts);
}

function formatScalar(type: FieldType, pf: PrintFormat, v: ScalarValue, opts: RenderOptions): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (v instanceof Uint8Array) {
    switch (type) {
      case 'ipaddr':
      case 'ipv4addr':
      case 'ipv6addr':
        return ipToString(v);
      case 'ipnet':
      case 'ipv4net':
      case 'ipv6net':
        return '<IPNET>';
      default:
        return renderBuffer(Buffer.from(v.buffer, v.byteOffset, v.byteLength), { maxBufferLength: 0, ...opts });
    }
  }
  // number | bigint
  switch (type) {
    case 'ipaddr':
    case 'ipv4addr':
    case 'ipv6addr':
      return typeof v === 'number' ? ipToString(v) : String(v);
    case 'ipnet':
    case 'ipv4net':
    case 'ipv6net':
      return '<IPNET>';
    case 'double':
      return Number(v).toFixed(1);
    case 'bool':
      return v ? 'true' : 'false';
    default:
      return formatNumber(type, pf, v);
  }
}

const WIDTH: Partial<Record<FieldType, number>> = {
  int8: 8,
  uint8: 8,
  flags8: 8,
  enumflags8: 8,
  l4proto: 8,
  int16: 16,
  uint16: 16,
  flags16: 16,
  enumflags16: 16,
  port: 16,
  int32: 32,
  uint32: 32,
  flags32: 32,
  enumflags32: 32,
  uid: 32,
  gid: 32,
  mode: 32,
};

function isSigned(t: FieldType): boolean {
  return t === 'int8' || t === 'int16' || t === 'int32' || t === 'int64' || t === 'pid' || t === 'fd' || t === 'errno';
}

/** printf-style integer rendering: %d / %u / %X / %o / %09u by type and print format. */
export function formatNumber(type: FieldType, pf: PrintFormat, v: number | bigint): string {
  const width = WIDTH[type] ?? 64;
  let b = typeof v === 'bigint' ? v : BigInt(Math.trunc(v));
  b = isSigned(type) ? BigInt.asIntN(width, b) : BigInt.asUintN(width, b);
  switch (pf) {
    case 'hex':
      return (b < 0n ? BigInt.asUintN(width, b) : b).toString(16).toUpperCase();
    case 'oct':
      return (b < 0n ? BigInt.asUintN(width, b) : b).toString(8);
    case 'padded': {
      const s = (b < 0n ? -b : b).toString().padStart(9, '0');
      return b < 0n ? `-${s}` : s;
    }
    default:
      return b.toString();
  }
}
