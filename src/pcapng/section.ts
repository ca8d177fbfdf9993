import { BYTE_ORDER_MAGIC, OPT_COMMENT, OPT_ENDOFOPT, SHB_FIXED_BODY, SHB_OPT_HARDWARE, SHB_OPT_OS, SHB_OPT_USERAPPL } from './constants.js';

export interface PcapngOption {
  code: number;
  value: Buffer;
}

/** A decoded section header block: the byte order and version for every block after it. */
export interface Section {
  /** Stream offset of the SHB. */
  offset: number;
  littleEndian: boolean;
  major: number;
  minor: number;
  /** -1 when unspecified, as pcap-ng allows. */
  sectionLength: bigint;
  options: PcapngOption[];
}

const OPTION_NAMES: Record<number, string> = {
  [OPT_COMMENT]: 'comment',
  [SHB_OPT_HARDWARE]: 'hardware',
  [SHB_OPT_OS]: 'os',
  [SHB_OPT_USERAPPL]: 'userappl',
};

export function optionName(code: number): string {
  return OPTION_NAMES[code] ?? `option ${code}`;
}

/** Text of the options whose value is UTF-8 by the specification, keyed by option name. */
export function sectionTextOptions(s: Section): { name: string; value: string }[] {
  return s.options
    .filter((o) => o.code in OPTION_NAMES)
    .map((o) => ({ name: optionName(o.code), value: o.value.toString('utf8').replace(/\0+$/, '') }));
}

/**
 * Decodes the SHB body (after type and length). The byte order has already been
 * established from the magic by the caller; returns an error string for bad content.
 */
export function decodeSectionBody(
  buf: Buffer,
  bodyStart: number,
  bodyEnd: number,
  offset: number,
  littleEndian: boolean,
): Section | string {
  if (bodyEnd - bodyStart < SHB_FIXED_BODY) return `section header body is ${bodyEnd - bodyStart} bytes, needs ${SHB_FIXED_BODY}`;
  const magic = littleEndian ? buf.readUInt32LE(bodyStart) : buf.readUInt32BE(bodyStart);
  if (magic !== BYTE_ORDER_MAGIC) return `bad byte-order magic 0x${magic.toString(16)}`;
  const major = littleEndian ? buf.readUInt16LE(bodyStart + 4) : buf.readUInt16BE(bodyStart + 4);
  const minor = littleEndian ? buf.readUInt16LE(bodyStart + 6) : buf.readUInt16BE(bodyStart + 6);
  const sectionLength = littleEndian ? buf.readBigInt64LE(bodyStart + 8) : buf.readBigInt64BE(bodyStart + 8);
  if (major !== 1) return `unsupported section version ${major}.${minor} (only 1.x is defined)`;
  const options: PcapngOption[] = [];
  let p = bodyStart + SHB_FIXED_BODY;
  while (p + 4 <= bodyEnd) {
    const code = littleEndian ? buf.readUInt16LE(p) : buf.readUInt16BE(p);
    const len = littleEndian ? buf.readUInt16LE(p + 2) : buf.readUInt16BE(p + 2);
    if (code === OPT_ENDOFOPT) break;
    const vstart = p + 4;
    if (vstart + len > bodyEnd) return `section option ${code} at offset ${offset + (p - bodyStart) + 8} runs past the block (length ${len})`;
    options.push({ code, value: Buffer.from(buf.subarray(vstart, vstart + len)) });
    p = vstart + ((len + 3) & ~3);
  }
  return { offset, littleEndian, major, minor, sectionLength, options };
}

/** Encodes an SHB body (little-endian) with the given options. */
export function encodeSectionBody(major: number, minor: number, options: PcapngOption[] = []): Buffer {
  let optLen = 0;
  for (const o of options) optLen += 4 + ((o.value.length + 3) & ~3);
  if (options.length) optLen += 4;
  const body = Buffer.alloc(SHB_FIXED_BODY + optLen);
  body.writeUInt32LE(BYTE_ORDER_MAGIC, 0);
  body.writeUInt16LE(major, 4);
  body.writeUInt16LE(minor, 6);
  body.writeBigInt64LE(-1n, 8);
  let p = SHB_FIXED_BODY;
  for (const o of options) {
    body.writeUInt16LE(o.code, p);
    body.writeUInt16LE(o.value.length, p + 2);
    o.value.copy(body, p + 4);
    p += 4 + ((o.value.length + 3) & ~3);
  }
  return body;
}
