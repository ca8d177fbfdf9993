import { Cursor, ByteWriter, cString, encodeField, inRecord } from './cursor.js';

/**
 * The machine info block (MI, and its pre-release alias MI_INT): a packed record
 * written verbatim by libscap. Layout, in the section's byte order:
 *
 *   u32 num_cpus | u64 memory_size_bytes | u64 max_pid | char hostname[128]
 *   | u64 boot_ts_epoch | u64 flags | u64 reserved3 | u64 reserved4
 *
 * 180 bytes. Old writers called boot_ts_epoch and flags "reserved1/2" and left them zero.
 * We read what the block holds: the fields up to the hostname are required, each later
 * 64-bit field is read only if the block is long enough (zero otherwise), and bytes past
 * the known record are ignored, so shorter and longer variants both decode.
 */
export interface MachineInfo {
  numCpus: number;
  memorySizeBytes: number;
  maxPid: number;
  hostname: string;
  /** Host boot time, nanoseconds since the epoch; 0 when the writer did not record it. */
  bootTsEpoch: bigint;
  flags: bigint;
  reserved3: bigint;
  reserved4: bigint;
}

export const MACHINE_INFO_SIZE = 4 + 8 + 8 + 128 + 8 * 4;
const HOSTNAME_SIZE = 128;

export function decodeMachineInfo(buf: Buffer, start: number, length: number, littleEndian: boolean): MachineInfo {
  const c = new Cursor(buf, start, start + 8, start + length - 4, littleEndian, 'machine info');
  const numCpus = c.u32('num_cpus');
  const memorySizeBytes = c.u64n('memory_size_bytes');
  const maxPid = c.u64n('max_pid');
  const hostname = cString(c.bytes(HOSTNAME_SIZE, 'hostname'));
  const opt = (field: string): bigint => (c.remaining >= 8 ? c.u64(field) : 0n);
  const bootTsEpoch = opt('boot_ts_epoch');
  const flags = opt('flags');
  const reserved3 = opt('reserved3');
  const reserved4 = opt('reserved4');
  return { numCpus, memorySizeBytes, maxPid, hostname, bootTsEpoch, flags, reserved3, reserved4 };
}

/** The MI block body (180 bytes, little-endian). */
export function encodeMachineInfo(mi: MachineInfo, littleEndian = true): Buffer {
  return inRecord('machine info', () => {
    const w = new ByteWriter(MACHINE_INFO_SIZE, littleEndian);
    w.u32(mi.numCpus).u64(mi.memorySizeBytes).u64(mi.maxPid);
    const host = Buffer.alloc(HOSTNAME_SIZE);
    encodeField(mi.hostname, HOSTNAME_SIZE - 1, 'machine info hostname').copy(host);
    w.bytes(host);
    w.u64(mi.bootTsEpoch).u64(mi.flags).u64(mi.reserved3).u64(mi.reserved4);
    return w.finish();
  });
}
