import { BlockType } from '../block-types.js';
import { ByteWriter, Cursor, encodeField, inRecord } from './cursor.js';
import { MAX_PATH } from './proclist.js';

export interface UserEntry {
  uid: number;
  gid: number;
  name: string;
  homedir: string;
  shell: string;
}

export interface GroupEntry {
  gid: number;
  name: string;
}

export interface UserList {
  users: UserEntry[];
  groups: GroupEntry[];
}

/** Entry tags: 0 is a user; libscap reads any other value as a group and writes 1. */
export const USER_ENTRY = 0;
export const GROUP_ENTRY = 1;

// libscap refuses names, home directories and shells of 256 bytes or more when reading.
const MAX_CREDENTIAL = 255;

export function isUserListType(type: number): boolean {
  return type === BlockType.UL || type === BlockType.UL_INT || type === BlockType.UL_V2;
}

/**
 * Decodes a user list block. Each entry is a u8 tag then, for a user, uid, gid and three
 * u16-length strings (name, home directory, shell); for a group, gid and name. UL_V2
 * entries start with a u32 length that counts itself, and bytes past the known fields are
 * skipped.
 */
export function decodeUserList(type: number, buf: Buffer, start: number, length: number, littleEndian: boolean): UserList {
  if (!isUserListType(type)) throw new RangeError(`0x${type.toString(16)} is not a user list block`);
  const v2 = type === BlockType.UL_V2;
  const block = new Cursor(buf, start, start + 8, start + length - 4, littleEndian);
  const users: UserEntry[] = [];
  const groups: GroupEntry[] = [];
  let index = 0;
  while (block.remaining >= 4) {
    const ctx = `userlist entry ${index}`;
    block.context = ctx;
    let c = block;
    if (v2) {
      const at = block.pos;
      const len = block.u32('entry length');
      if (len !== 0) {
        if (len < 4) block.fail(`entry length ${len} is shorter than its own length field`, at);
        block.pos = at;
        c = block.sub(len, ctx);
        c.pos += 4;
      }
    }
    const tag = c.u8('type');
    if (tag === USER_ENTRY) {
      const uid = c.u32('uid');
      c.context = `${ctx} (uid ${uid})`;
      const gid = c.u32('gid');
      users.push({ uid, gid, name: c.str16('name'), homedir: c.str16('homedir'), shell: c.str16('shell') });
    } else {
      const gid = c.u32('gid');
      c.context = `${ctx} (gid ${gid})`;
      groups.push({ gid, name: c.str16('name') });
    }
    index++;
  }
  return { users, groups };
}

/** Encodes users then groups as a UL_V2 block body (little-endian), as libscap orders them. */
export function encodeUserList(list: UserList, littleEndian = true): Buffer {
  const w = new ByteWriter(64 * Math.max(1, list.users.length + list.groups.length), littleEndian);
  list.users.forEach((u, i) => {
    const what = `userlist user ${i} (uid ${u.uid})`;
    inRecord(what, () => {
      const at = w.reserveU32();
      w.u8(USER_ENTRY).u32(u.uid).u32(u.gid);
      w.blob16(encodeField(u.name, MAX_CREDENTIAL, `${what} name`));
      w.blob16(encodeField(u.homedir, Math.min(MAX_CREDENTIAL, MAX_PATH), `${what} homedir`));
      w.blob16(encodeField(u.shell, Math.min(MAX_CREDENTIAL, MAX_PATH), `${what} shell`));
      w.patchU32(at, w.length - at);
    });
  });
  list.groups.forEach((g, i) => {
    const what = `userlist group ${i} (gid ${g.gid})`;
    inRecord(what, () => {
      const at = w.reserveU32();
      w.u8(GROUP_ENTRY).u32(g.gid).blob16(encodeField(g.name, MAX_CREDENTIAL, `${what} name`));
      w.patchU32(at, w.length - at);
    });
  });
  return w.finish();
}
