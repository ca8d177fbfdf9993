/**
 * Users and groups per container ("" = the host), as libsinsp's user/group manager keeps
 * them: the host tables come from the capture's user list block, container tables from
 * useradded/groupadded metaevents.
 */
import type { GroupEntry, UserEntry } from '../../scap/blocks/userlist.js';
import type { GroupInfo, UserInfo } from './model.js';

export class UserTable {
  /** container id → uid → user. */
  readonly users: Map<string, Map<number, UserInfo>> = new Map();
  /** container id → gid → group. */
  readonly groups: Map<string, Map<number, GroupInfo>> = new Map();

  addUser(containerId: string, u: UserInfo): void {
    let m = this.users.get(containerId);
    if (m === undefined) this.users.set(containerId, (m = new Map()));
    m.set(u.uid >>> 0, u);
  }

  removeUser(containerId: string, uid: number): void {
    this.users.get(containerId)?.delete(uid >>> 0);
  }

  addGroup(containerId: string, g: GroupInfo): void {
    let m = this.groups.get(containerId);
    if (m === undefined) this.groups.set(containerId, (m = new Map()));
    m.set(g.gid >>> 0, g);
  }

  removeGroup(containerId: string, gid: number): void {
    this.groups.get(containerId)?.delete(gid >>> 0);
  }

  /** The user `uid` of container `containerId` ("" for the host), or undefined. */
  user(containerId: string, uid: number): UserInfo | undefined {
    return this.users.get(containerId)?.get(uid >>> 0);
  }

  group(containerId: string, gid: number): GroupInfo | undefined {
    return this.groups.get(containerId)?.get(gid >>> 0);
  }

  /** Loads a user list block into the host tables. */
  loadUserList(users: readonly UserEntry[], groups: readonly GroupEntry[]): void {
    for (const u of users) this.addUser('', { uid: u.uid, gid: u.gid, name: u.name, homedir: u.homedir, shell: u.shell });
    for (const g of groups) this.addGroup('', { gid: g.gid, name: g.name });
  }
}
