/**
 * user.*: the user the event's thread runs as (and its login user).
 */
import { ppmeCode } from '../../scap/event-table.js';
import type { ThreadInfo, UserInfo } from '../state/model.js';
import type { ReplayContext } from './context.js';
import { field, type ReplayFieldDef } from './def.js';
import { paramString } from './evt.js';
import type { Extractor, FieldValue } from './types.js';

const C = 'user';
const CONTAINER_JSON_2_E = ppmeCode('CONTAINER_JSON_2_E') ?? -1;
const ASYNCEVENT_E = ppmeCode('ASYNCEVENT_E') ?? -1;

/** The user record of a uid in the thread's container (host users as a fallback for the host). */
export function userOf(ctx: ReplayContext, t: ThreadInfo, uid: number): UserInfo | undefined {
  return ctx.state.users.user(t.containerId, uid);
}

function onThread(get: (t: ThreadInfo, ctx: ReplayContext) => FieldValue | undefined): Extractor<ReplayContext> {
  return (ctx) => (ctx.thread === undefined ? undefined : get(ctx.thread, ctx));
}

function isContainerEvent(ctx: ReplayContext): boolean {
  const t = ctx.evt.type;
  if (t === CONTAINER_JSON_2_E) return true;
  return t === ASYNCEVENT_E && paramString(ctx, 1) === 'container';
}

/**
 * sysdig 0.29's user lookup: one table (the capture's user list, no per-container users),
 * and no value for a uid it does not list (current libsinsp answers 'root' for uid 0 and
 * '<NA>' for the rest).
 */
function hostUser(ctx: ReplayContext, uid: number): UserInfo | undefined {
  const u = uid >>> 0;
  return u === 0xffffffff ? undefined : ctx.state.users.user('', u);
}

/** The user field as 0.29 gives it, or `current` outside the sysdig029 mode. */
function userField(
  pick: (u: UserInfo) => string,
  current: (t: ThreadInfo, ctx: ReplayContext) => FieldValue | undefined,
): Extractor<ReplayContext> {
  return onThread((t, ctx) => {
    if (ctx.render.sysdig029 !== true) return current(t, ctx);
    const u = hostUser(ctx, t.uid);
    return u === undefined ? undefined : pick(u);
  });
}

export const USER_FIELDS: readonly ReplayFieldDef[] = [
  field(C, 'user.uid', 'uint32', 'User id.', onThread((t) => t.uid >>> 0), { printFormat: 'id' }),
  field(C, 'user.name', 'charbuf', 'User name.', userField((u) => u.name, (t, ctx) => {
    if (isContainerEvent(ctx) && t.containerId !== '') {
      const cu = ctx.state.containers.get(t.containerId)?.user;
      if (cu !== undefined && cu !== '') return cu;
    }
    const u = userOf(ctx, t, t.uid);
    if (u !== undefined) return u.name;
    return t.uid === 0 ? 'root' : '<NA>';
  })),
  field(C, 'user.homedir', 'charbuf', 'Home directory of the user.', userField((u) => u.homedir, (t, ctx) => {
    const u = userOf(ctx, t, t.uid);
    if (u !== undefined) return u.homedir;
    return t.uid === 0 ? '/root' : '<NA>';
  })),
  field(C, 'user.shell', 'charbuf', "User's login shell.", userField((u) => u.shell, (t, ctx) => userOf(ctx, t, t.uid)?.shell ?? '<NA>')),
  field(C, 'user.loginuid', 'int64', 'Audit user id (the uid the user logged in as); -1 when unset.', onThread((t, ctx) => {
    // sysdig 0.29 returned the stored 32-bit value as it was (-1 when unset).
    if (ctx.render.sysdig029 === true) return t.loginuid | 0;
    const l = t.loginuid >>> 0;
    return t.loginuid >= 0 && l < 0xffffffff ? l : -1;
  }), { printFormat: 'id' }),
  field(C, 'user.loginname', 'charbuf', 'Name of the audit user (user.loginuid).', onThread((t, ctx) => {
    if (ctx.render.sysdig029 === true) return hostUser(ctx, t.loginuid)?.name;
    const u = t.loginuid >= 0 ? userOf(ctx, t, t.loginuid >>> 0) : undefined;
    if (u !== undefined) return u.name;
    return t.loginuid === 0 ? 'root' : '<NA>';
  })),
];
