import { InputError } from '../../errors.js';

/**
 * Addresses in state blocks are stored as the raw network-order bytes (libscap copies
 * `s_addr` / `s6_addr` verbatim), so they read the same whatever the section byte order.
 */

export function formatIPv4(b: Uint8Array): string {
  return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
}

export function parseIPv4(s: string, what = 'IPv4 address'): Buffer {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) throw new InputError(`${what}: '${s}' is not a dotted IPv4 address`);
  const out = Buffer.alloc(4);
  for (let i = 0; i < 4; i++) {
    const v = Number(m[i + 1]);
    if (v > 255) throw new InputError(`${what}: '${s}' is not a dotted IPv4 address`);
    out[i] = v;
  }
  return out;
}

/** RFC 5952 text: lower case, longest run of two or more zero groups as "::". */
export function formatIPv6(b: Uint8Array): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((b[i]! << 8) | b[i + 1]!);
  // IPv4-mapped addresses read best with a dotted tail, as inet_ntop writes them.
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return `::ffff:${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
  }
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestLen < 2) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

export function parseIPv6(s: string, what = 'IPv6 address'): Buffer {
  const bad = (): never => {
    throw new InputError(`${what}: '${s}' is not an IPv6 address`);
  };
  let text = s;
  const lastColon = text.lastIndexOf(':');
  if (lastColon >= 0 && text.includes('.', lastColon)) {
    // A dotted IPv4 tail stands for the last two groups: rewrite it as hex and parse on.
    const v4 = parseIPv4(text.slice(lastColon + 1), what);
    text = `${text.slice(0, lastColon + 1)}${((v4[0]! << 8) | v4[1]!).toString(16)}:${((v4[2]! << 8) | v4[3]!).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) bad();
  const parse = (part: string): number[] =>
    part === ''
      ? []
      : part.split(':').map((g) => {
          if (!/^[0-9a-fA-F]{1,4}$/.test(g)) bad();
          return parseInt(g, 16);
        });
  const head = parse(halves[0]!);
  const rest = halves.length === 2 ? parse(halves[1]!) : [];
  const fixed = head.length + rest.length;
  let groups: number[];
  if (halves.length === 2) {
    if (fixed > 7) bad();
    groups = [...head, ...new Array<number>(8 - fixed).fill(0), ...rest];
  } else {
    groups = head;
  }
  if (groups.length !== 8) bad();
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(g, i * 2));
  return out;
}
