/** A pcap-ng block around BODY: type, total length, body padded to 4 bytes, trailing length. */
export function pcapngBlock(type: number, body: Buffer, le = true): Buffer {
  const pad = (4 - (body.length % 4)) % 4;
  const total = 12 + body.length + pad;
  const out = Buffer.alloc(total);
  const w = (v: number, at: number): void => {
    if (le) out.writeUInt32LE(v, at);
    else out.writeUInt32BE(v, at);
  };
  w(type, 0);
  w(total, 4);
  w(total, total - 4);
  body.copy(out, 8);
  return out;
}
