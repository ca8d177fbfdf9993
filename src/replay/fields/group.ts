/**
 * group.*: the group the event's thread runs as.
 */
import type { ReplayContext } from './context.js';
import { field, type ReplayFieldDef } from './def.js';

const C = 'group';

export const GROUP_FIELDS: readonly ReplayFieldDef[] = [
  field(C, 'group.gid', 'uint32', 'Group id.', (ctx: ReplayContext) => (ctx.thread === undefined ? undefined : ctx.thread.gid >>> 0), { printFormat: 'id' }),
  field(C, 'group.name', 'charbuf', 'Group name.', (ctx: ReplayContext) => {
    const t = ctx.thread;
    if (t === undefined) return undefined;
    // sysdig 0.29: the capture's group list only, and no value for a gid it does not list.
    if (ctx.render.sysdig029 === true) return ctx.state.users.group('', t.gid >>> 0)?.name;
    const g = ctx.state.users.group(t.containerId, t.gid);
    if (g !== undefined) return g.name;
    return t.gid === 0 ? 'root' : '<NA>';
  }),
];
