import { CaptureError } from '../../errors.js';
import { BlockType } from '../block-types.js';
import { BlockDecodeError, toCaptureError } from './cursor.js';
import { decodeFdList, encodeFdList, isFdListType, type FdTable } from './fdlist.js';
import { decodeIfList, encodeIfList, isIfListType, type InterfaceEntry } from './iflist.js';
import { decodeMachineInfo, encodeMachineInfo, type MachineInfo } from './machine-info.js';
import { decodeProcList, encodeProcList, procListVersion, type ThreadEntry } from './proclist.js';
import { decodeUserList, encodeUserList, isUserListType, type GroupEntry, type UserEntry } from './userlist.js';

export { BlockDecodeError, toCaptureError, Cursor, ByteWriter } from './cursor.js';
export { formatIPv4, formatIPv6, parseIPv4, parseIPv6 } from './net.js';
export { decodeMachineInfo, encodeMachineInfo, MACHINE_INFO_SIZE, type MachineInfo } from './machine-info.js';
export { decodeProcList, encodeProcList, newThreadEntry, procListVersion, type ThreadEntry } from './proclist.js';
export { decodeFdList, encodeFdList, FdType, fdTypeName, isFdListType, type FdEntry, type FdInfo, type FdTable } from './fdlist.js';
export { decodeIfList, encodeIfList, IfType, isIfListType, type InterfaceEntry } from './iflist.js';
export { decodeUserList, encodeUserList, isUserListType, type GroupEntry, type UserEntry, type UserList } from './userlist.js';

/**
 * A decoded state block. `sourceType` is the block type it was read from (absent on
 * blocks built in memory); encoding always writes the newest version of the kind.
 */
export type StateBlock =
  | { kind: 'machine'; info: MachineInfo; sourceType?: number }
  | { kind: 'proclist'; threads: ThreadEntry[]; sourceType?: number }
  | { kind: 'fdlist'; table: FdTable; sourceType?: number }
  | { kind: 'iflist'; interfaces: InterfaceEntry[]; sourceType?: number }
  | { kind: 'userlist'; users: UserEntry[]; groups: GroupEntry[]; sourceType?: number };

export type StateBlockKind = StateBlock['kind'];

/** The kind of state a block type carries, or undefined for any other block. */
export function stateBlockKind(type: number): StateBlockKind | undefined {
  if (type === BlockType.MI || type === BlockType.MI_INT) return 'machine';
  if (procListVersion(type) !== undefined) return 'proclist';
  if (isFdListType(type)) return 'fdlist';
  if (isIfListType(type)) return 'iflist';
  if (isUserListType(type)) return 'userlist';
  return undefined;
}

/**
 * Decodes the state block `buf[start, start+length)` (whole block: header, body, trailer)
 * in the given byte order. Returns undefined for block types that are not state blocks.
 *
 * Malformed content throws {@link BlockDecodeError} (an InputError) naming the entry, the
 * field and the byte within the block; pass `where` (file name and the block's stream
 * offset) to get a {@link CaptureError} naming the stream offset instead.
 */
export function decodeStateBlock(
  type: number,
  buf: Buffer,
  start: number,
  length: number,
  littleEndian: boolean,
  where?: { file: string; offset: number },
): StateBlock | undefined {
  const kind = stateBlockKind(type);
  if (kind === undefined) return undefined;
  if (length < 12 || start < 0 || start + length > buf.length) {
    const detail = `state block length ${length} does not fit its buffer`;
    if (where) throw new CaptureError(where.file, where.offset, detail);
    throw new BlockDecodeError(0, detail);
  }
  try {
    switch (kind) {
      case 'machine':
        return { kind, info: decodeMachineInfo(buf, start, length, littleEndian), sourceType: type };
      case 'proclist':
        return { kind, threads: decodeProcList(type, buf, start, length, littleEndian), sourceType: type };
      case 'fdlist':
        return { kind, table: decodeFdList(type, buf, start, length, littleEndian), sourceType: type };
      case 'iflist':
        return { kind, interfaces: decodeIfList(type, buf, start, length, littleEndian), sourceType: type };
      case 'userlist': {
        const { users, groups } = decodeUserList(type, buf, start, length, littleEndian);
        return { kind, users, groups, sourceType: type };
      }
    }
  } catch (e) {
    if (where && e instanceof BlockDecodeError) throw toCaptureError(e, where.file, where.offset);
    throw e;
  }
}

/** Encodes a state block in the newest version of its kind: the block type and the little-endian body. */
export function encodeStateBlock(block: StateBlock): { type: number; body: Buffer } {
  switch (block.kind) {
    case 'machine':
      return { type: BlockType.MI, body: encodeMachineInfo(block.info) };
    case 'proclist':
      return { type: BlockType.PL_V9, body: encodeProcList(block.threads) };
    case 'fdlist':
      return { type: BlockType.FDL_V2, body: encodeFdList(block.table) };
    case 'iflist':
      return { type: BlockType.IL_V2, body: encodeIfList(block.interfaces) };
    case 'userlist':
      return { type: BlockType.UL_V2, body: encodeUserList({ users: block.users, groups: block.groups }) };
  }
}
