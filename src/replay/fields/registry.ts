/**
 * The registry of every syscall-source field: lookup as conditions and outputs write field
 * names (`proc.name`, `proc.aname[2]` with the bracket passed separately, `evt.arg.fd`,
 * `k8s.pod.label.app.kubernetes.io/name`), listing, and compilation of output fields.
 */
import { CONTAINER_FIELDS } from './container.js';
import type { ReplayContext } from './context.js';
import { outputExtractor, type ReplayCompiledField, type ReplayFieldDef } from './def.js';
import { EVT_FIELDS } from './evt.js';
import { FD_FIELDS } from './fd.js';
import { FDLIST_FIELDS } from './fdlist.js';
import { formatFieldValue, type FormatSpec } from './format.js';
import { FSPATH_FIELDS } from './fspath.js';
import { GROUP_FIELDS } from './group.js';
import { PROC_FIELDS } from './proc.js';
import { FieldArgError, type Extractor, type FieldLookup, type FieldRegistry, type FieldType, type FieldValue, type ValueMode } from './types.js';
import { USER_FIELDS } from './user.js';

/** The field classes, in the order libsinsp lists them. */
export const FIELD_CLASSES: ReadonlyArray<{ readonly name: string; readonly fields: readonly ReplayFieldDef[] }> = [
  { name: 'evt', fields: EVT_FIELDS },
  { name: 'process', fields: PROC_FIELDS },
  { name: 'user', fields: USER_FIELDS },
  { name: 'group', fields: GROUP_FIELDS },
  { name: 'container', fields: CONTAINER_FIELDS },
  { name: 'fd', fields: FD_FIELDS },
  { name: 'fdlist', fields: FDLIST_FIELDS },
  { name: 'fs.path', fields: FSPATH_FIELDS },
];

/** Argument kinds that accept the `name.arg` form. */
function takesDotArg(def: ReplayFieldDef): boolean {
  return def.arg === 'key' || def.arg === 'optional-key' || def.arg === 'index-or-key' || def.arg === 'optional-index-or-key';
}

/** A field compiled for outputs. */
export interface OutputField {
  /** The field as written (`proc.aname[2]`, `evt.arg.fd`). */
  readonly text: string;
  readonly def: ReplayFieldDef;
  readonly arg: string | undefined;
  readonly type: FieldType;
  readonly mode: ValueMode;
  readonly extract: Extractor<ReplayContext>;
  /** Extracts and renders as libsinsp prints the field (`<NA>` when there is no value). */
  render(ctx: ReplayContext): string;
}

export class ReplayFieldRegistry implements FieldRegistry<ReplayContext> {
  private readonly byName = new Map<string, ReplayFieldDef>();
  private readonly all: readonly ReplayFieldDef[];
  /**
   * Lookups so far, by name (null: not a field). The definitions never change after
   * construction, and loading rules asks about the same names again and again: every
   * field of every condition and output, and every constant (the misused-field warning).
   */
  private readonly lookups = new Map<string, FieldLookup<ReplayContext> | null>();

  constructor(defs: readonly ReplayFieldDef[]) {
    for (const d of defs) {
      if (this.byName.has(d.name)) throw new Error(`duplicate field '${d.name}'`);
      this.byName.set(d.name, d);
    }
    this.all = defs;
  }

  lookup(name: string): FieldLookup<ReplayContext> | undefined {
    let l = this.lookups.get(name);
    if (l === undefined) {
      const r = this.resolve(name);
      l = r === undefined ? null : r.arg === undefined ? { def: r.def } : { def: r.def, arg: r.arg };
      this.lookups.set(name, l);
    }
    return l ?? undefined;
  }

  /** Like `lookup`, typed with the replay definition. */
  resolve(name: string): { def: ReplayFieldDef; arg?: string } | undefined {
    const exact = this.byName.get(name);
    if (exact !== undefined) return { def: exact };
    // `evt.arg.fd`, `k8s.pod.label.app.kubernetes.io/name`: the longest defined prefix
    // (ending at a dot) whose field takes a named argument.
    let dot = name.lastIndexOf('.');
    while (dot > 0) {
      const def = this.byName.get(name.slice(0, dot));
      if (def !== undefined && takesDotArg(def) && dot + 1 < name.length) return { def, arg: name.slice(dot + 1) };
      dot = name.lastIndexOf('.', dot - 1);
    }
    return undefined;
  }

  get(name: string): ReplayFieldDef | undefined {
    return this.byName.get(name);
  }

  list(): readonly ReplayFieldDef[] {
    return this.all;
  }

  /**
   * Compiles a field as outputs write it: `proc.name`, `proc.aname[2]`, `evt.arg.fd`,
   * `proc.env[HOME]`. Throws `FieldArgError` for unknown fields and bad arguments, and for
   * filter-only fields (libsinsp refuses them in outputs).
   */
  compileOutput(text: string): OutputField {
    const { name, bracket } = splitFieldRef(text);
    const found = this.resolve(name);
    if (found === undefined) throw new FieldArgError(`unknown field '${name}'`);
    const { def } = found;
    if (found.arg !== undefined && bracket !== undefined) throw new FieldArgError(`field '${name}' already has an argument ('${found.arg}')`);
    if (def.filterOnly) throw new FieldArgError(`field '${def.name}' is filter only and cannot be used as a display field`);
    const arg = found.arg ?? bracket;
    checkArg(def, arg);
    const compiled = def.compile(arg);
    const extract = outputExtractor(compiled);
    const type = typeof compiled === 'function' ? def.type : (compiled.type ?? def.type);
    const mode: ValueMode = typeof compiled === 'function' ? (def.isList ? 'list' : 'single') : ((compiled as ReplayCompiledField).mode ?? (def.isList ? 'list' : 'single'));
    const spec: FormatSpec = { type, isList: def.isList === true, printFormat: def.printFormat };
    return {
      text,
      def,
      arg,
      type,
      mode,
      extract,
      render: (ctx) => formatFieldValue(spec, extract(ctx), ctx.render),
    };
  }

  /** Formats a value of `def` (compiled without a type-changing argument). */
  format(def: ReplayFieldDef, value: FieldValue | undefined): string {
    return formatFieldValue(def, value);
  }
}

/** Validates an argument against the field's argument kind (as the condition compiler does). */
export function checkArg(def: ReplayFieldDef, arg: string | undefined): void {
  const kind = def.arg;
  if (arg === undefined) {
    if (kind === 'index' || kind === 'key' || kind === 'index-or-key') throw new FieldArgError(`field '${def.name}' requires an argument`);
    return;
  }
  if (kind === 'none') throw new FieldArgError(`field '${def.name}' does not take an argument`);
  if ((kind === 'index' || kind === 'optional-index') && !/^[0-9]+$/.test(arg)) {
    throw new FieldArgError(`field '${def.name}' needs a numeric index argument, got '${arg}'`);
  }
}

/** Splits `name[arg]` into its parts (no bracket: `bracket` undefined). */
export function splitFieldRef(text: string): { name: string; bracket: string | undefined } {
  const open = text.indexOf('[');
  if (open < 0 || !text.endsWith(']')) return { name: text, bracket: undefined };
  return { name: text.slice(0, open), bracket: text.slice(open + 1, -1) };
}

/** Every syscall field, in class order. */
export const ALL_FIELDS: readonly ReplayFieldDef[] = FIELD_CLASSES.flatMap((c) => c.fields);

let shared: ReplayFieldRegistry | undefined;

/** The registry over every syscall field (one shared, immutable instance). */
export function syscallFieldRegistry(): ReplayFieldRegistry {
  shared ??= new ReplayFieldRegistry(ALL_FIELDS);
  return shared;
}

/** Rows for `falco-scap list fields`. */
export function listFields(): { name: string; type: FieldType; arg: string; description: string; fieldClass: string; flags: string[] }[] {
  return ALL_FIELDS.map((d) => {
    const flags: string[] = [];
    if (d.isList) flags.push('list');
    if (d.filterOnly) flags.push('filter-only');
    if (d.outputOnly) flags.push('output-only');
    if (d.deprecated) flags.push('deprecated');
    return { name: d.name, type: d.type, arg: d.arg, description: d.description, fieldClass: d.fieldClass, flags };
  });
}
