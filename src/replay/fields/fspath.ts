/**
 * fs.path.*: the filesystem path(s) of file syscalls (open, unlink, rename, mkdir, chmod,
 * symlink, mount, ...), resolved to absolute paths or as the syscall gave them ("raw").
 */
import { ppmeCode } from '../../scap/event-table.js';
import { fdOf, type ReplayContext } from './context.js';
import { field, type ReplayFieldDef } from './def.js';
import { concatPaths, cwdOf, dirfdBase, paramIndex, paramNumber, paramValue } from './evt.js';
import type { Extractor } from './types.js';

const C = 'fs.path';

type Role = 'name' | 'source' | 'target';
/** How an event's success is decided: `res` = 0, or `fd` ≠ -1 (libsinsp's checks). */
type Success = 'res0' | 'fdne1';

interface Spec {
  readonly success: Success;
  readonly name?: string;
  readonly source?: string;
  readonly target?: string;
}

/** Which parameter holds each path; 'fd.name' = the name of the event's fd. */
const SPECS: ReadonlyArray<readonly [string, Spec]> = [
  ['SYSCALL_MKDIR_2_X', { success: 'res0', name: 'path' }],
  ['SYSCALL_MKDIRAT_X', { success: 'res0', name: 'path' }],
  ['SYSCALL_RMDIR_2_X', { success: 'res0', name: 'path' }],
  ['SYSCALL_UNLINK_2_X', { success: 'res0', name: 'path' }],
  ['SYSCALL_UNLINKAT_2_X', { success: 'res0', name: 'name' }],
  ['SYSCALL_OPEN_X', { success: 'fdne1', name: 'name' }],
  ['SYSCALL_OPENAT_2_X', { success: 'fdne1', name: 'name' }],
  ['SYSCALL_OPENAT2_X', { success: 'fdne1', name: 'name' }],
  ['SYSCALL_FCHMODAT_X', { success: 'res0', name: 'filename' }],
  ['SYSCALL_CHMOD_X', { success: 'res0', name: 'filename' }],
  ['SYSCALL_FCHMOD_X', { success: 'res0', name: 'fd.name' }],
  ['SYSCALL_CHOWN_X', { success: 'res0', name: 'path' }],
  ['SYSCALL_LCHOWN_X', { success: 'res0', name: 'path' }],
  ['SYSCALL_FCHOWN_X', { success: 'res0', name: 'fd.name' }],
  ['SYSCALL_FCHOWNAT_X', { success: 'res0', name: 'pathname' }],
  ['SYSCALL_QUOTACTL_X', { success: 'res0', name: 'special' }],
  ['SYSCALL_RENAME_X', { success: 'res0', source: 'oldpath', target: 'newpath' }],
  ['SYSCALL_RENAMEAT_X', { success: 'res0', source: 'oldpath', target: 'newpath' }],
  ['SYSCALL_RENAMEAT2_X', { success: 'res0', source: 'oldpath', target: 'newpath' }],
  ['SYSCALL_LINK_2_X', { success: 'res0', source: 'newpath', target: 'oldpath' }],
  ['SYSCALL_LINKAT_2_X', { success: 'res0', source: 'newpath', target: 'oldpath' }],
  ['SYSCALL_SYMLINK_X', { success: 'res0', source: 'linkpath', target: 'target' }],
  ['SYSCALL_SYMLINKAT_X', { success: 'res0', source: 'linkpath', target: 'target' }],
  ['SYSCALL_MOUNT_X', { success: 'res0', source: 'dev', target: 'dir' }],
  ['SYSCALL_UMOUNT_1_X', { success: 'res0', name: 'name' }],
  ['SYSCALL_UMOUNT2_X', { success: 'res0', name: 'name' }],
];

const BY_CODE = new Map<number, Spec>();
for (const [id, spec] of SPECS) {
  const c = ppmeCode(id);
  if (c !== undefined) BY_CODE.set(c, spec);
}

const code = (id: string): number => ppmeCode(id) ?? -1;
const OPENAT_2_X = code('SYSCALL_OPENAT_2_X');
const OPENAT2_X = code('SYSCALL_OPENAT2_X');
const RENAMEAT2_X = code('SYSCALL_RENAMEAT2_X');
const SYMLINKAT_X = code('SYSCALL_SYMLINKAT_X');
/** Events whose fd is their dirfd (the base of relative paths). */
const DIRFD_EVENTS = new Set(['SYSCALL_NEWFSTATAT_X', 'SYSCALL_FCHOWNAT_X', 'SYSCALL_FCHMODAT_X', 'SYSCALL_MKDIRAT_X', 'SYSCALL_UNLINKAT_2_X', 'SYSCALL_MKNODAT_X'].map(code));

function succeeded(ctx: ReplayContext, s: Success): boolean {
  if (s === 'res0') {
    const i = paramIndex('res')(ctx.evt.type);
    return i >= 0 && paramNumber(ctx, i) === 0;
  }
  const i = paramIndex('fd')(ctx.evt.type);
  if (i < 0) return false;
  const v = paramNumber(ctx, i);
  return v !== undefined && v !== -1;
}

/** The raw path of a role, as the syscall gave it. */
function rawPath(ctx: ReplayContext, role: Role): string | undefined {
  const spec = BY_CODE.get(ctx.evt.type);
  if (spec === undefined || !succeeded(ctx, spec.success)) return undefined;
  const pname = spec[role];
  if (pname === undefined) return undefined;
  if (pname === 'fd.name') {
    const f = ctx.fd ?? (ctx.fdNum >= 0 && ctx.thread !== undefined ? fdOf(ctx.state, ctx.thread, ctx.fdNum) : undefined);
    return f === undefined ? undefined : f.name;
  }
  const i = paramIndex(pname)(ctx.evt.type);
  if (i < 0) return undefined;
  const v = paramValue(ctx, i);
  if (v === undefined || v.kind === 'absent') return undefined;
  if (v.kind === 'string') return v.value;
  return undefined;
}

function dirfdPath(ctx: ReplayContext): string {
  const f = ctx.fd;
  if (f === undefined || f.kind !== 'directory') return '<UNKNOWN>';
  if (f.name === '' || f.name.endsWith('/')) return f.name;
  return f.name + '/';
}

function resolved(role: Role): Extractor<ReplayContext> {
  return (ctx) => {
    const raw = rawPath(ctx, role);
    if (raw === undefined) return undefined;
    if (ctx.thread === undefined) return undefined;
    if (raw.startsWith('/')) return concatPaths('', raw);
    const t = ctx.evt.type;
    let base: string;
    if (t === OPENAT_2_X || t === OPENAT2_X) {
      // libsinsp takes the fd's (already resolved) name for a relative openat path.
      return ctx.fd !== undefined ? concatPaths('', ctx.fd.name) : concatPaths('', '<UNKNOWN>');
    } else if (DIRFD_EVENTS.has(t)) {
      base = dirfdPath(ctx);
    } else if (t === SYMLINKAT_X) {
      base = role === 'source' ? dirfdPath(ctx) : '<UNKNOWN>';
    } else if (t === RENAMEAT2_X) {
      if (role === 'name') base = '<UNKNOWN>';
      else {
        const dirfd = paramNumber(ctx, role === 'target' ? 3 : 1) ?? -100;
        base = dirfdBase(ctx, raw, dirfd);
      }
    } else {
      base = cwdOf(ctx);
    }
    return concatPaths(base, raw);
  };
}

function raw(role: Role): Extractor<ReplayContext> {
  return (ctx) => rawPath(ctx, role);
}

export const FSPATH_FIELDS: readonly ReplayFieldDef[] = [
  field(C, 'fs.path.name', 'charbuf', 'For file syscalls with one path, the path, made absolute with the cwd or dirfd when needed.', resolved('name')),
  field(C, 'fs.path.nameraw', 'charbuf', 'For file syscalls with one path, the path as the syscall gave it.', raw('name')),
  field(C, 'fs.path.source', 'charbuf', 'For file syscalls with a source and a target (rename, link, symlink, mount), the source path, made absolute.', resolved('source')),
  field(C, 'fs.path.sourceraw', 'charbuf', 'The source path as the syscall gave it.', raw('source')),
  field(C, 'fs.path.target', 'charbuf', 'For file syscalls with a source and a target, the target path, made absolute.', resolved('target')),
  field(C, 'fs.path.targetraw', 'charbuf', 'The target path as the syscall gave it.', raw('target')),
];
