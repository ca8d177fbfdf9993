import * as zlib from 'node:zlib';

/** A damaged gzip file and the fault message (zlib's wording) a gunzip must report for it. */
export interface GzipFault {
  what: string;
  data: Buffer;
  message: string;
}

/**
 * The same faults for every gunzip under test: header, trailer and deflate damage,
 * truncations, trailing junk and a bad second member, built from `payload` gzipped.
 * `message` is exact except for corrupt deflate data, where zlib's text depends on the
 * bytes (empty: any message).
 */
export function gzipFaults(payload: Buffer): GzipFault[] {
  const gz = zlib.gzipSync(payload);
  const flip = (at: number): Buffer => {
    const c = Buffer.from(gz);
    c[at] ^= 0x10;
    return c;
  };
  const crcAt = gz.length - 8;
  return [
    { what: 'bad magic', data: flip(1), message: 'incorrect header check' },
    { what: 'bad method', data: flip(2), message: 'unknown compression method' },
    { what: 'reserved flags', data: Buffer.concat([gz.subarray(0, 3), Buffer.from([0x20]), gz.subarray(4)]), message: 'unknown header flags set' },
    { what: 'crc', data: flip(crcAt), message: 'incorrect data check' },
    { what: 'length', data: flip(crcAt + 4), message: 'incorrect length check' },
    { what: 'truncated trailer', data: gz.subarray(0, gz.length - 3), message: 'unexpected end of file' },
    { what: 'truncated body', data: gz.subarray(0, gz.length >> 1), message: 'unexpected end of file' },
    { what: 'truncated header', data: gz.subarray(0, 6), message: 'unexpected end of file' },
    { what: 'empty file', data: Buffer.alloc(0), message: 'unexpected end of file' },
    { what: 'garbage after a member', data: Buffer.concat([gz, Buffer.from('junk')]), message: 'incorrect header check' },
    { what: 'bad second member', data: Buffer.concat([gz, flip(2)]), message: 'unknown compression method' },
    { what: 'corrupt deflate data', data: flip(40), message: '' },
  ];
}
