/**
 * Parsing of constant values for each field type, as libsinsp parses the right-hand side
 * of a comparison (decimal numbers with C wrap-around to the type's width, `true`/`false`,
 * dotted IPv4, IPv6, `addr/len` networks, port numbers or service names).
 *
 * Hex numbers (`0x1f`) are accepted for integer types as well: the condition grammar
 * lexes them, and rules use them for flags.
 */
import type { FieldType, IpAddr } from '../fields/types.js';

/** An IPv4 or IPv6 network. */
export type IpNet =
  | { readonly family: 4; readonly addr: number; readonly mask: number }
  | { readonly family: 6; readonly addr: Uint8Array; readonly prefix: number };

/** Thrown when a constant does not parse; the compiler adds position and field. */
export class ValueError extends Error {}

const RE_DEC = /^\s*([+-]?)([0-9]+)$/;
const RE_HEX = /^\s*([+-]?)0[xX]([0-9a-fA-F]+)$/;

function intWidth(t: FieldType): { bits: number; signed: boolean } | undefined {
  switch (t) {
    case 'int8':
      return { bits: 8, signed: true };
    case 'int16':
      return { bits: 16, signed: true };
    case 'int32':
      return { bits: 32, signed: true };
    case 'int64':
    case 'fd':
    case 'pid':
    case 'errno':
      return { bits: 64, signed: true };
    case 'uint8':
    case 'flags8':
    case 'enumflags8':
    case 'sigtype':
    case 'l4proto':
    case 'sockfamily':
      return { bits: 8, signed: false };
    case 'uint16':
    case 'flags16':
    case 'enumflags16':
    case 'syscallid':
    case 'port':
      return { bits: 16, signed: false };
    case 'uint32':
    case 'flags32':
    case 'enumflags32':
    case 'mode':
    case 'uid':
    case 'gid':
      return { bits: 32, signed: false };
    case 'uint64':
    case 'abstime':
    case 'reltime':
      return { bits: 64, signed: false };
    default:
      return undefined;
  }
}

/** A bigint as a number when exact, else as the bigint. */
export function normalizeInt(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

/** Parses a decimal or hex integer; `undefined` when it is not one. */
export function parseInteger(s: string): bigint | undefined {
  let m = RE_DEC.exec(s);
  let v: bigint;
  if (m) v = BigInt(m[2]!);
  else {
    m = RE_HEX.exec(s);
    if (!m) return undefined;
    v = BigInt('0x' + m[2]!);
  }
  return m[1] === '-' ? -v : v;
}

/** Well-known service names accepted for port fields (as getservbyname would resolve them). */
const SERVICES: Readonly<Record<string, number>> = {
  ftp: 21,
  ssh: 22,
  telnet: 23,
  smtp: 25,
  domain: 53,
  dns: 53,
  http: 80,
  www: 80,
  kerberos: 88,
  pop3: 110,
  sunrpc: 111,
  ntp: 123,
  imap: 143,
  snmp: 161,
  ldap: 389,
  https: 443,
  smtps: 465,
  syslog: 514,
  submission: 587,
  ldaps: 636,
  imaps: 993,
  pop3s: 995,
  mysql: 3306,
  postgresql: 5432,
};

function parseNumber(s: string, t: FieldType): number | bigint {
  if (t === 'double') {
    const n = Number(s.trim());
    if (s.trim() === '' || !Number.isFinite(n)) throw new ValueError(`'${s}' is not a valid number`);
    return n;
  }
  if (t === 'port' && !/^\s*[+-]?[0-9]/.test(s)) {
    const p = SERVICES[s];
    if (p === undefined) throw new ValueError(`'${s}' is not a port number or a known service name`);
    return p;
  }
  const v = parseInteger(s);
  const w = intWidth(t);
  if (v === undefined || !w) throw new ValueError(`'${s}' is not a valid number`);
  // C semantics: the parsed value is cast to the field's width.
  const wrapped = w.signed ? BigInt.asIntN(w.bits, v) : BigInt.asUintN(w.bits, v);
  return normalizeInt(wrapped);
}

/** Parses dotted-quad IPv4 (as inet_pton: four decimal octets, no leading zeros). */
export function parseIpv4(s: string): number | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let v = 0;
  for (const p of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    v = v * 256 + n;
  }
  return v;
}

/** Parses an IPv6 address (as inet_pton, including a dotted IPv4 tail). */
export function parseIpv6(s: string): Uint8Array | undefined {
  if (s.length === 0 || s.length > 45) return undefined;
  const out = new Uint8Array(16);
  const dbl = s.indexOf('::');
  if (dbl !== -1 && s.indexOf('::', dbl + 1) !== -1) return undefined;
  const parseGroups = (part: string): number[] | undefined => {
    if (part === '') return [];
    const groups = part.split(':');
    const words: number[] = [];
    for (let i = 0; i < groups.length; i++) {
      const g = groups[i]!;
      if (i === groups.length - 1 && g.includes('.')) {
        const v4 = parseIpv4(g);
        if (v4 === undefined) return undefined;
        words.push(Math.floor(v4 / 65536), v4 % 65536);
        continue;
      }
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      words.push(parseInt(g, 16));
    }
    return words;
  };
  let words: number[];
  if (dbl === -1) {
    const w = parseGroups(s);
    if (!w || w.length !== 8) return undefined;
    words = w;
  } else {
    const head = parseGroups(s.slice(0, dbl));
    const tail = parseGroups(s.slice(dbl + 2));
    if (!head || !tail || head.length + tail.length > 7) return undefined;
    // a dotted tail is only allowed at the very end
    if (s.slice(0, dbl).includes('.')) return undefined;
    words = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  }
  for (let i = 0; i < 8; i++) {
    out[2 * i] = words[i]! >> 8;
    out[2 * i + 1] = words[i]! & 0xff;
  }
  return out;
}

function parsePrefixLen(s: string, max: number, whole: string): number {
  if (!/^\s*[+]?[0-9]+$/.test(s)) throw new ValueError(`'${whole}' is not a valid IP network: bad prefix length`);
  const n = Number(s.trim());
  if (n > max) throw new ValueError(`'${whole}' is not a valid IP network: prefix length above ${max}`);
  return n;
}

export function parseIpNet(s: string, family: 4 | 6 | undefined): IpNet {
  const fam = family ?? (s.includes('.') ? 4 : 6);
  const slash = s.indexOf('/');
  if (slash === -1) throw new ValueError(`'${s}' is not a valid IP network (expected address/prefix-length)`);
  const ip = s.slice(0, slash);
  const len = s.slice(slash + 1);
  if (fam === 4) {
    const a = parseIpv4(ip);
    if (a === undefined) throw new ValueError(`'${s}' is not a valid IPv4 network`);
    const p = parsePrefixLen(len, 32, s);
    const mask = p === 0 ? 0 : (0xffffffff << (32 - p)) >>> 0;
    return { family: 4, addr: a, mask };
  }
  const a = parseIpv6(ip);
  if (a === undefined) throw new ValueError(`'${s}' is not a valid IPv6 network`);
  return { family: 6, addr: a, prefix: parsePrefixLen(len, 128, s) };
}

export function parseIpAddr(s: string, family: 4 | 6 | undefined): IpAddr {
  const fam = family ?? (s.includes('.') ? 4 : 6);
  if (fam === 4) {
    const a = parseIpv4(s);
    if (a === undefined) throw new ValueError(`'${s}' is not a valid IPv4 address`);
    return a;
  }
  const a = parseIpv6(s);
  if (a === undefined) throw new ValueError(`'${s}' is not a valid IPv6 address`);
  return a;
}

/** True when `addr` is inside `net`; an address of the other family never is. */
export function ipInNet(addr: IpAddr, net: IpNet): boolean {
  if (typeof addr === 'number') {
    if (net.family !== 4) return false;
    return ((addr & net.mask) >>> 0) === ((net.addr & net.mask) >>> 0);
  }
  if (net.family !== 6) return false;
  let bits = net.prefix;
  for (let i = 0; i < 16 && bits > 0; i++, bits -= 8) {
    const m = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((addr[i]! & m) !== (net.addr[i]! & m)) return false;
  }
  return true;
}

export function ipEqual(a: IpAddr, b: IpAddr): boolean {
  if (typeof a === 'number' || typeof b === 'number') return a === b;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A map key for an address, for set lookups. */
export function ipKey(a: IpAddr): string | number {
  if (typeof a === 'number') return a;
  let k = '6:';
  for (const b of a) k += b.toString(16).padStart(2, '0');
  return k;
}

/** Decodes a hex string (for bcontains/bstartswith); `undefined` when it is not one. */
export function unhex(s: string): Uint8Array | undefined {
  if (s.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(s)) return undefined;
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** The constant for a bool field. */
export function parseBool(s: string): boolean {
  if (s === 'true') return true;
  if (s === 'false') return false;
  throw new ValueError(`'${s}' is not a boolean (expected true or false)`);
}

/** Parses a numeric constant for a numeric field type. */
export function parseNumeric(s: string, t: FieldType): number | bigint {
  return parseNumber(s, t);
}

const utf8 = new TextEncoder();

/** Bytes of a string as UTF-8 (how libsinsp sees a constant). */
export function toBytes(s: string): Uint8Array {
  return utf8.encode(s);
}
