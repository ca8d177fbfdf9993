/**
 * How sysdig 0.29 (libsinsp of March 2022, event table with 336 codes) differs from the
 * current event table when it prints an event's arguments. sysdig shows at most as many
 * parameters as its own table declares for the code, and a handful of parameters had a
 * different type, format or name then. These are facts about that release's schema,
 * recorded as data so the renderer can reproduce its output.
 */
import { ParamType, PrintFormat, type ParamInfo } from './schema.js';

/** Number of event codes sysdig 0.29 knows (codes 0..335). */
export const SYSDIG029_EVENT_MAX = 336;

// One character per code: the declared parameter count, as (count + 48).
const COUNTS =
  '213511222211080;0031122221032232222321000035060632001400132404213102021102021111220101313121020211211141214111213232132223321131212131112111131325101121600=0@146464244123310>030503040@0@40424>31312011110101010104040?0A0A0A0D0D0D400@302011112121200515184132141210311202331010011202200A11401A301D2111110204044603060403030602201056313D330D';

/** Parameters sysdig 0.29 prints for an event code (undefined: a code it does not know). */
export function sysdig029ParamCount(code: number): number | undefined {
  if (code < 0 || code >= COUNTS.length) return undefined;
  return COUNTS.charCodeAt(code) - 48;
}

function p(name: string, type: ParamType, format: PrintFormat, flags?: string): ParamInfo {
  return Object.freeze(flags === undefined ? { name, type, format } : { name, type, format, flags });
}

const F8_HEX_NOTABLE = p('flags', ParamType.FLAGS8, PrintFormat.HEX);
const EXEC_TAIL: Readonly<Record<number, ParamInfo>> = {
  16: p('tty', ParamType.INT32, PrintFormat.DEC),
  17: p('pgid', ParamType.PID, PrintFormat.DEC),
  18: p('loginuid', ParamType.INT32, PrintFormat.DEC),
};

/** code -> parameter index -> the parameter as sysdig 0.29's table described it. */
const OVERRIDES: ReadonlyMap<number, Readonly<Record<number, ParamInfo>>> = new Map<number, Readonly<Record<number, ParamInfo>>>([
  [18, { 0: p('domain', ParamType.FLAGS32, PrintFormat.DEC, 'socket_families') }],
  [24, { 1: p('backlog', ParamType.UINT32, PrintFormat.DEC) }],
  [36, { 1: p('how', ParamType.FLAGS8, PrintFormat.HEX, 'shutdown_how') }],
  [42, { 0: p('domain', ParamType.FLAGS32, PrintFormat.DEC, 'socket_families') }],
  [45, { 2: p('level', ParamType.FLAGS8, PrintFormat.DEC, 'sockopt_levels'), 3: p('optname', ParamType.FLAGS8, PrintFormat.DEC, 'sockopt_options') }],
  [47, { 2: p('level', ParamType.FLAGS8, PrintFormat.DEC, 'sockopt_levels'), 3: p('optname', ParamType.FLAGS8, PrintFormat.DEC, 'sockopt_options') }],
  [62, { 1: p('flags', ParamType.FLAGS32, PrintFormat.HEX) }],
  [86, { 2: p('whence', ParamType.FLAGS8, PrintFormat.DEC, 'lseek_whence') }],
  [88, { 2: p('whence', ParamType.FLAGS8, PrintFormat.DEC, 'lseek_whence') }],
  [126, { 2: F8_HEX_NOTABLE }],
  [136, { 1: F8_HEX_NOTABLE }],
  [138, { 0: F8_HEX_NOTABLE }],
  [140, { 0: p('resource', ParamType.FLAGS8, PrintFormat.DEC, 'rlimit_resources') }],
  [142, { 0: p('resource', ParamType.FLAGS8, PrintFormat.DEC, 'rlimit_resources') }],
  [144, { 1: p('resource', ParamType.FLAGS8, PrintFormat.DEC, 'rlimit_resources') }],
  [150, { 1: p('cmd', ParamType.FLAGS8, PrintFormat.DEC, 'fcntl_commands') }],
  [161, { 0: p('res', ParamType.UINT64, PrintFormat.HEX) }],
  [163, { 0: p('res', ParamType.UINT64, PrintFormat.HEX) }],
  [168, { 0: p('request', ParamType.FLAGS16, PrintFormat.DEC, 'ptrace_requests') }],
  [293, EXEC_TAIL],
  [295, { 0: p('res', ParamType.PID, PrintFormat.DEC) }],
  [322, { 0: p('plugin ID', ParamType.UINT32, PrintFormat.DEC) }],
  [331, EXEC_TAIL],
]);

/** The parameter as sysdig 0.29 describes it (the current one when nothing changed). */
export function sysdig029Param(code: number, index: number, current: ParamInfo): ParamInfo {
  return OVERRIDES.get(code)?.[index] ?? current;
}

/** Event names sysdig 0.29 printed differently from the current table. */
export const SYSDIG029_EVENT_NAMES: ReadonlyMap<number, string> = new Map([
  [17, 'NA1'],
  [147, 'NA2'],
  [153, 'NA2'],
  [187, 'NA1'],
  [196, 'sysdigevent'],
  [197, 'sysdigevent'],
  [229, 'container'],
  [233, 'signaldeliver'],
  [235, 'NA2'],
  [245, 'NA2'],
  [261, 'NA3'],
  [269, 'tracer'],
  [271, 'NA4'],
  [273, 'container'],
  [281, 'NA4'],
  [287, 'NA4'],
  [291, 'NA5'],
  [323, 'pluginevent'],
  [325, 'container'],
]);
