/**
 * Typed-array views over capture bytes, for the hot loops that frame blocks and events:
 * one aligned load per 16- or 32-bit field instead of byte loads joined by arithmetic.
 * Typed arrays read in the host's byte order, so these views exist only on little-endian
 * hosts (every platform Node runs on today) and only serve little-endian sections; every
 * caller keeps a byte-wise path for the rest that accepts exactly the same input.
 */

/** Whether typed arrays read little-endian words on this host. */
export const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * `buf[from, end)` as 32-bit words, when `buf[from]` sits on a 4-byte boundary of memory
 * and the host is little-endian; else undefined. Word `i` is `buf[from + 4i, from + 4i + 4)`.
 */
export function wordsAt(buf: Uint8Array, from: number, end: number): Int32Array | undefined {
  if (!HOST_LITTLE_ENDIAN || ((buf.byteOffset + from) & 3) !== 0) return undefined;
  return new Int32Array(buf.buffer, buf.byteOffset + from, (end - from) >> 2);
}

/**
 * The whole of `buf` as 16-bit units, when it starts on a 2-byte boundary of memory and
 * the host is little-endian; else undefined. Unit `i` is `buf[2i, 2i + 2)`, so a field at
 * an even offset `o` of `buf` is unit `o >> 1`.
 */
export function halvesOf(buf: Uint8Array): Uint16Array | undefined {
  if (!HOST_LITTLE_ENDIAN || (buf.byteOffset & 1) !== 0) return undefined;
  return new Uint16Array(buf.buffer, buf.byteOffset, buf.length >> 1);
}
