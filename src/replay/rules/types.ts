/**
 * Items the rules reader produces and the collector keeps (Falco's rule_loader::*_info),
 * priorities, engine/plugin versions.
 */
import type { LoadContext } from './result.js';

/** Falco's engine version this loader reproduces (FALCO_ENGINE_VERSION). */
export const ENGINE_VERSION = '0.63.0';

/** The syscall event source name. */
export const SYSCALL_SOURCE = 'syscall';

export const PRIORITY_NAMES = [
  'Emergency',
  'Alert',
  'Critical',
  'Error',
  'Warning',
  'Notice',
  'Informational',
  'Debug',
] as const;
export type PriorityName = (typeof PRIORITY_NAMES)[number];
/** 0 = Emergency (most severe) .. 7 = Debug. */
export type Priority = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7;
export const PRIORITY_INFORMATIONAL: Priority = 6;
export const PRIORITY_DEBUG: Priority = 7;

/**
 * Falco's parse_priority: case-insensitive match of the eight names, plus "info" as the
 * only alias (for Informational). Nothing else ("warn", "err", "crit", numbers) is accepted.
 */
export function parsePriority(v: string): Priority | undefined {
  const lv = v.toLowerCase();
  for (let i = 0; i < PRIORITY_NAMES.length; i++) {
    if (lv === PRIORITY_NAMES[i]!.toLowerCase() || (i === PRIORITY_INFORMATIONAL && lv === 'info')) {
      return i as Priority;
    }
  }
  return undefined;
}

/** Falco's format_priority; `short` prints Informational as "Info". */
export function formatPriority(p: Priority, short = false): string {
  if (p === PRIORITY_INFORMATIONAL && short) return 'Info';
  return PRIORITY_NAMES[p];
}

/** sinsp_version: "x.y.z" read with sscanf("%u.%u.%u"), anything after ignored. */
export class Version {
  private constructor(
    readonly valid: boolean,
    readonly major: number,
    readonly minor: number,
    readonly patch: number,
  ) {}

  static parse(s: string): Version {
    const m = /^\s*\+?(\d+)\.\s*\+?(\d+)\.\s*\+?(\d+)/.exec(s);
    if (!m) return new Version(false, 0, 0, 0);
    const n = [m[1]!, m[2]!, m[3]!].map((x) => Number(x));
    if (n.some((x) => x > 0xffffffff)) return new Version(false, 0, 0, 0);
    return new Version(true, n[0]!, n[1]!, n[2]!);
  }

  static of(major: number, minor: number, patch: number): Version {
    return new Version(true, major, minor, patch);
  }

  compare(o: Version): number {
    return this.major - o.major || this.minor - o.minor || this.patch - o.patch;
  }

  /** Same major and not older than `requested`. */
  compatibleWith(requested: Version): boolean {
    if (!this.valid || !requested.valid) return false;
    return this.major === requested.major && this.compare(requested) >= 0;
  }

  toString(): string {
    return `${this.major}.${this.minor}.${this.patch}`;
  }
}

export interface EngineVersionInfo {
  readonly context: LoadContext;
  readonly version: Version;
}

export interface PluginRequirement {
  readonly name: string;
  readonly version: string;
}

export interface PluginVersionInfo {
  readonly context: LoadContext;
  /** The first entry is the plugin itself; the rest are its alternatives. */
  readonly alternatives: PluginRequirement[];
}

/**
 * One of `fields`, `comps` or a value of an exception: a string, or a list of entries
 * (values may nest one level: a list per field).
 */
export interface ExceptionEntry {
  isList: boolean;
  item: string;
  items: ExceptionEntry[];
}

export function entryIsValid(e: ExceptionEntry): boolean {
  return (e.isList && e.items.length > 0) || (!e.isList && e.item !== '');
}

export function emptyEntry(): ExceptionEntry {
  return { isList: false, item: '', items: [] };
}

export interface RuleExceptionInfo {
  context: LoadContext;
  name: string;
  fields: ExceptionEntry;
  comps: ExceptionEntry;
  values: ExceptionEntry[];
}

export interface ListInfo {
  context: LoadContext;
  index: number;
  visibility: number;
  name: string;
  items: string[];
}

export interface MacroInfo {
  context: LoadContext;
  condContext: LoadContext;
  index: number;
  visibility: number;
  name: string;
  cond: string;
}

export interface RuleInfo {
  context: LoadContext;
  condContext: LoadContext;
  outputContext: LoadContext;
  index: number;
  visibility: number;
  unknownSource: boolean;
  name: string;
  cond: string;
  source: string;
  desc: string;
  output: string;
  /** Sorted, unique (a std::set in Falco). */
  tags: string[];
  exceptions: RuleExceptionInfo[];
  priority: Priority;
  capture: boolean;
  captureDuration: number;
  enabled: boolean;
  warnEvttypes: boolean;
  skipIfUnknownFilter: boolean;
}

/** An append or selective-replace request for an already-defined rule. */
export interface RuleUpdateInfo {
  context: LoadContext;
  condContext: LoadContext;
  name: string;
  source: string;
  cond?: string;
  output?: string;
  desc?: string;
  tags?: string[];
  exceptions?: RuleExceptionInfo[];
  priority?: Priority;
  capture?: boolean;
  captureDuration?: number;
  enabled?: boolean;
  warnEvttypes?: boolean;
  skipIfUnknownFilter?: boolean;
}

export function updateHasAnyValue(u: RuleUpdateInfo): boolean {
  return (
    u.cond !== undefined ||
    u.output !== undefined ||
    u.desc !== undefined ||
    u.tags !== undefined ||
    u.exceptions !== undefined ||
    u.priority !== undefined ||
    u.enabled !== undefined ||
    u.capture !== undefined ||
    u.captureDuration !== undefined ||
    u.warnEvttypes !== undefined ||
    u.skipIfUnknownFilter !== undefined
  );
}

/** std::set<std::string> order (byte-wise, which for ASCII is code-unit order). */
export function sortedUnique(xs: Iterable<string>): string[] {
  return [...new Set(xs)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
