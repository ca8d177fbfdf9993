/**
 * Facts about sysdig 0.29.3 (libsinsp of March 2022, libs e5c53d64) that its field
 * classes used and current libsinsp no longer does, recorded as data for the fields'
 * `ctx.render.sysdig029` mode (the `inspect` command). Nothing here is used in replay.
 */
import { EventCategory } from '../../scap/schema.js';

/** Size of sysdig 0.29's syscall table (PPM_SC_MAX). */
const PPM_SC_MAX_029 = 329;

// Category of each generic syscall id in 0.29's syscall table (libscap
// syscall_info_table.c), one letter per id 0..328. Generic events took their category
// from this table; the current event table gives them all EC_OTHER.
const LETTERS: Readonly<Record<string, number>> = {
  o: EventCategory.OTHER,
  f: EventCategory.FILE,
  n: EventCategory.NET,
  i: EventCategory.IPC,
  m: EventCategory.MEMORY,
  p: EventCategory.PROCESS,
  s: EventCategory.SLEEP,
  y: EventCategory.SYSTEM,
  g: EventCategory.SIGNAL,
  u: EventCategory.USER,
  t: EventCategory.TIME,
  r: EventCategory.IO_READ,
  w: EventCategory.IO_WRITE,
  x: EventCategory.IO_OTHER,
  W: EventCategory.WAIT,
};
const GENERIC_CATEGORIES =
  'oyprwfffffftffffpfotfWtfxifffxitmpxWppifxpppyppttfffppyfffffppffyttyoWyyxyymyyypfypfWfxrwpxmmmmppppspppsfWpggggggfppfpfuuuuuuuufuuuufuuuupmmpffffffffffffgippppxxxxxxWWWfpttttttttsgfiiiiiiyWyyyppiiiffffffffffffWWpppiiipWfgtittgiWxiirwooipofpinnnnnnnnnnnnnnnnnniiiiiiiiiiffffpoginfffffWgggyfgptfWffpigxxxxxxxxxxxxxxxyooxxxffffyyfpp';

/**
 * The category 0.29 gave a generic event of syscall id `id`, or undefined for an id its
 * table did not have (0.29 then left the category unset).
 */
export function sysdig029GenericCategory(id: number): number | undefined {
  if (id < 0 || id >= PPM_SC_MAX_029 || id >= GENERIC_CATEGORIES.length) return undefined;
  return LETTERS[GENERIC_CATEGORIES[id]!];
}

/** Names 0.29's evt.category printed (its switch had no name for internal / syscall bits). */
export const SYSDIG029_CATEGORY_NAMES: Readonly<Record<number, string>> = {
  [EventCategory.UNKNOWN]: 'unknown',
  [EventCategory.OTHER]: 'other',
  [EventCategory.FILE]: 'file',
  [EventCategory.NET]: 'net',
  [EventCategory.IPC]: 'IPC',
  [EventCategory.MEMORY]: 'memory',
  [EventCategory.PROCESS]: 'process',
  [EventCategory.SLEEP]: 'sleep',
  [EventCategory.SYSTEM]: 'system',
  [EventCategory.SIGNAL]: 'signal',
  [EventCategory.USER]: 'user',
  [EventCategory.TIME]: 'time',
  [EventCategory.PROCESSING]: 'processing',
  [EventCategory.WAIT]: 'wait',
  [EventCategory.SCHEDULER]: 'scheduler',
};
