/**
 * What `sysdig -r` (0.29.3, libs e5c53d64 of March 2022) does that the inspect command
 * reproduces, beyond parameter rendering (src/scap/sysdig029.ts):
 *
 * - libscap 0.29 knew event codes 0..335 and silently skips events with a higher code
 *   (scap_next_offline: "We're reading a capture that contains new syscalls"): they are
 *   neither numbered nor parsed (e.g. the user/group added events of newer captures).
 * - sysdig's loop skips events whose category is EC_INTERNAL in its table (drop,
 *   sysdigevent, the old container event, procinfo, k8s, mesos, infra): they are numbered
 *   and parsed, count towards `-n`, but are never printed.
 * - the state engine filters out (not numbered for -n, never printed) events flagged
 *   SCAP_DF_STATE_ONLY in EVF blocks, and container JSON events whose lookup_state is
 *   not "successful".
 * - the default format is `*%evt.num %evt.outputtime %evt.cpu %proc.name (%thread.tid)
 *   %evt.dir %evt.type %evt.info`; without -v byte buffers are cut at 80 characters.
 */
import { EVENT_TABLE } from '../../scap/event-table.js';
import { syscallName } from '../../scap/names.js';
import { SYSDIG029_EVENT_MAX, SYSDIG029_EVENT_NAMES } from '../../scap/sysdig029.js';

export { SYSDIG029_EVENT_MAX };

/** sysdig's default `-p` format. */
export const DEFAULT_FORMAT = '*%evt.num %evt.outputtime %evt.cpu %proc.name (%thread.tid) %evt.dir %evt.type %evt.info';

/** Event codes of category EC_INTERNAL in sysdig 0.29's event table (never printed). */
export const SYSDIG029_INTERNAL_CODES: ReadonlySet<number> = new Set([148, 149, 196, 197, 228, 229, 234, 235, 260, 270, 286]);

/**
 * Codes the current event table flags EF_USES_FD and sysdig 0.29's did not (mmap, mmap2,
 * sendmmsg / recvmmsg exits, symlinkat / unlinkat / mkdirat / fchmodat / fchmod exits):
 * in 0.29 these events have no fd (fd.* fields are <NA>) and leave the thread's last fd
 * at -1. (Other flag differences: fstat64 exit lost EF_USES_FD, setpgid gained
 * EF_MODIFIES_STATE; no shared capture has them.)
 */
export const SYSDIG029_NO_FD: ReadonlySet<number> = new Set([51, 55, 160, 161, 162, 163, 181, 303, 305, 313, 317]);

/** SCAP_DF_STATE_ONLY: an event kept for state only (EVF block flag). */
export const SCAP_DF_STATE_ONLY = 1;

/** Code of PPME_CONTAINER_JSON_E and PPME_CONTAINER_JSON_2_E. */
export const CONTAINER_JSON_CODES: ReadonlySet<number> = new Set([272, 324]);

/** Size of sysdig 0.29's syscall table (PPM_SC_MAX). */
export const SYSDIG029_PPM_SC_MAX = 329;

/** Where 0.29's syscall table (libscap syscall_info_table.c) named a syscall differently. */
const SYSDIG029_SYSCALL_NAMES: ReadonlyMap<number, string> = new Map([
  [283, 'newselect'],
  [292, 'llseek'],
  [298, 'sigreturn'],
  [305, 'setuid'],
  [306, 'getuid'],
  [307, 'setgid'],
  [308, 'geteuid'],
  [309, 'getgid'],
  [310, 'setresuid'],
  [311, 'setresgid'],
  [312, 'getresuid'],
  [313, 'getresgid'],
]);

/** PPME_GENERIC_E / PPME_GENERIC_X. */
const GENERIC_E = 0;
const GENERIC_X = 1;

/**
 * evt.type as sysdig 0.29 prints it: its own names for codes it named differently, the
 * system call's name for generic events.
 */
export function sysdig029TypeName(code: number, genericId: number | undefined): string {
  if (code === GENERIC_E || code === GENERIC_X) {
    if (genericId === undefined) return 'syscall';
    // 0.29's syscall table: entry 0 is "<unknown>", and it ends at PPM_SC_MAX = 329.
    if (genericId === 0 || genericId >= SYSDIG029_PPM_SC_MAX) return '<unknown>';
    return SYSDIG029_SYSCALL_NAMES.get(genericId) ?? syscallName(genericId) ?? '<unknown>';
  }
  return SYSDIG029_EVENT_NAMES.get(code) ?? EVENT_TABLE[code]?.name ?? 'UNKNOWN';
}

/**
 * Whether a container JSON event's lookup failed or never finished (libsinsp filters
 * such events out: "Filtering container event for failed lookup"). lookup_state 0
 * (STARTED, rewritten to FAILED for capture files) and 2 (FAILED) hide the event; a
 * missing or other value means successful.
 */
export function containerLookupFailed(json: string): boolean {
  const m = /"lookup_state"\s*:\s*(\d+)/.exec(json);
  if (m === null) return false;
  const v = Number(m[1]);
  return v === 0 || v === 2;
}
