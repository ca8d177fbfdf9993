/**
 * Plugin fields: parsing and validating a plugin's get_fields() JSON (the rules libsinsp
 * applies, plus duplicate names), and turning them into this toolkit's FieldDef contract
 * (src/replay/fields/types.ts).
 */
import { FieldArgError, type EvalContext, type Extractor, type FieldArgKind, type FieldDef, type FieldType, type FieldValue } from '../replay/fields/types.js';
import { PluginError } from './errors.js';
import type { NativeExtractField, NativeValue } from './native.js';

export type PluginFieldType = 'string' | 'uint64' | 'bool' | 'reltime' | 'abstime' | 'ipaddr' | 'ipnet';

/** ss_plugin_field_type codes. */
export const PLUGIN_FIELD_TYPE_CODES: Readonly<Record<PluginFieldType, number>> = {
  uint64: 8,
  string: 9,
  reltime: 20,
  abstime: 21,
  bool: 25,
  ipaddr: 40,
  ipnet: 41,
};

/** How each plugin field type appears in our FieldDef contract. */
export const PLUGIN_TO_FIELD_TYPE: Readonly<Record<PluginFieldType, FieldType>> = {
  string: 'charbuf',
  uint64: 'uint64',
  bool: 'bool',
  reltime: 'reltime',
  abstime: 'abstime',
  ipaddr: 'ipaddr',
  ipnet: 'ipnet',
};

export interface PluginFieldArg {
  readonly required: boolean;
  readonly index: boolean;
  readonly key: boolean;
}

/** One field as the plugin declares it. */
export interface PluginField {
  /** Position in the plugin's list: the field_id passed to extract_fields. */
  readonly id: number;
  readonly name: string;
  readonly type: PluginFieldType;
  readonly desc: string;
  readonly display?: string;
  readonly isList: boolean;
  readonly arg?: PluginFieldArg;
  /** Our argument kind for the declared `arg`. */
  readonly argKind: FieldArgKind;
  readonly addOutput: boolean;
  /** `properties` strings ("hidden", "info", "conversation"). */
  readonly properties: readonly string[];
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function argKind(a: PluginFieldArg | undefined): FieldArgKind {
  if (!a || (!a.index && !a.key)) return 'none';
  const kind = a.index && a.key ? 'index-or-key' : a.index ? 'index' : 'key';
  return a.required ? kind : (`optional-${kind}` as FieldArgKind);
}

/** Parses and validates get_fields() output; throws PluginError naming the plugin. */
export function parsePluginFields(plugin: string, json: string): PluginField[] {
  const fail = (m: string): never => {
    throw new PluginError(plugin, `get_fields: ${m}`);
  };
  let root: unknown;
  try {
    root = JSON.parse(json);
  } catch (e) {
    return fail(`invalid JSON (${(e as Error).message})`);
  }
  if (!Array.isArray(root)) return fail('the JSON is not an array');
  if (root.length === 0) return fail('a plugin with field extraction must export at least one field');
  const seen = new Set<string>();
  return root.map((f, id): PluginField => {
    if (!isRecord(f)) return fail(`entry ${id} is not an object`);
    const name = f.name;
    if (typeof name !== 'string' || name === '') return fail(`entry ${id} has no name`);
    const at = `field ${name}`;
    if (seen.has(name)) fail(`${at} is declared twice`);
    seen.add(name);
    if (f.type === undefined || f.type === null || f.type === '') return fail(`${at} has no type`);
    if (typeof f.type !== 'string') return fail(`${at}: type is not a string`);
    if (!Object.hasOwn(PLUGIN_FIELD_TYPE_CODES, f.type)) return fail(`${at} has an invalid type '${f.type}' (expected one of ${Object.keys(PLUGIN_FIELD_TYPE_CODES).join(', ')})`);
    const type = f.type as PluginFieldType;
    if (typeof f.desc !== 'string' || f.desc === '') return fail(`${at} has no desc`);
    if (f.display !== undefined && typeof f.display !== 'string') return fail(`${at}: display is not a string`);
    for (const k of ['isList', 'addOutput'] as const) if (f[k] !== undefined && f[k] !== null && typeof f[k] !== 'boolean') fail(`${at}: ${k} is not a boolean`);
    let arg: PluginFieldArg | undefined;
    if (f.arg !== undefined && f.arg !== null) {
      if (!isRecord(f.arg)) return fail(`${at}: arg is not an object`);
      const a = f.arg;
      for (const k of ['isRequired', 'isIndex', 'isKey'] as const) if (a[k] !== undefined && a[k] !== null && typeof a[k] !== 'boolean') fail(`${at}: arg.${k} is not a boolean`);
      arg = { required: a.isRequired === true, index: a.isIndex === true, key: a.isKey === true };
      if (arg.required && !arg.index && !arg.key) fail(`${at}: arg.isRequired is true but neither isIndex nor isKey is`);
    }
    let properties: string[] = [];
    if (f.properties !== undefined && f.properties !== null) {
      if (!Array.isArray(f.properties)) return fail(`${at}: properties is not an array`);
      if (!f.properties.every((p): p is string => typeof p === 'string')) return fail(`${at}: properties holds a non-string`);
      properties = f.properties;
    }
    return {
      id,
      name,
      type,
      desc: f.desc,
      ...(typeof f.display === 'string' && f.display ? { display: f.display } : {}),
      isList: f.isList === true,
      ...(arg ? { arg } : {}),
      argKind: argKind(arg),
      addOutput: f.addOutput === true,
      properties,
    };
  });
}

/** A field with its argument, as requested from the plugin. */
export interface PluginFieldRequest {
  readonly field: string;
  /** A key (`field[key]`) or an index (`field[2]`, a number or a decimal string). */
  readonly arg?: string | number;
}

/**
 * Resolves a request against the plugin's fields, checking the argument like libsinsp
 * (required / allowed, index must be a non-negative integer). Throws FieldArgError.
 */
export function resolveRequest(fields: readonly PluginField[], req: PluginFieldRequest): NativeExtractField {
  const f = fields.find((x) => x.name === req.field);
  if (!f) throw new FieldArgError(`unknown plugin field '${req.field}'`);
  const base: NativeExtractField = { id: f.id, name: f.name, ftype: PLUGIN_FIELD_TYPE_CODES[f.type], list: f.isList };
  const a = f.arg;
  if (req.arg === undefined || req.arg === '') {
    if (a?.required) throw new FieldArgError(`${f.name} requires an argument (${a.index ? 'an index' : 'a key'})`);
    return base;
  }
  if (!a || (!a.index && !a.key)) throw new FieldArgError(`${f.name} does not take an argument`);
  const text = String(req.arg);
  const isIndex = /^[0-9]+$/.test(text);
  if (a.index && (isIndex || !a.key)) {
    if (!isIndex) throw new FieldArgError(`${f.name}: the argument must be a non-negative integer index, not '${text}'`);
    const n = Number(text);
    if (!Number.isSafeInteger(n)) throw new FieldArgError(`${f.name}: index ${text} is too large`);
    return { ...base, argIndex: n };
  }
  return { ...base, argKey: text };
}

/** The batched values of one set of requests: `values[row * width + slot]`. */
export interface PluginRow {
  readonly values: readonly NativeValue[];
  readonly base: number;
}

/** The evaluation context plugin field extractors read: the current event's row. */
export interface PluginEvalContext extends EvalContext {
  readonly plugin?: PluginRow;
}

/** What the binder needs from a plugin: its fields and a batched extractor. */
export interface PluginFieldSource {
  readonly name: string;
  fields(): readonly PluginField[];
  prepare(requests: readonly NativeExtractField[]): (events: Uint8Array, firstEvtnum: number) => NativeValue[];
}

/**
 * Adapts a plugin's fields to FieldDefs. `compile(arg)` registers a slot (deduplicated)
 * and returns an extractor that reads the slot from `ctx.plugin`; `extract()` then fills
 * every registered slot for a whole batch of events with one native call.
 */
export class PluginFieldBinder<C extends PluginEvalContext = PluginEvalContext> {
  private readonly slots: NativeExtractField[] = [];
  private readonly slotKeys = new Map<string, number>();
  private prepared: ((events: Uint8Array, firstEvtnum: number) => NativeValue[]) | undefined;

  constructor(private readonly source: PluginFieldSource) {}

  /** The plugin's fields as FieldDefs. */
  defs(): FieldDef<C>[] {
    return this.source.fields().map((f) => {
      const hidden = f.properties.includes('hidden');
      const def: FieldDef<C> = {
        name: f.name,
        type: PLUGIN_TO_FIELD_TYPE[f.type],
        description: f.desc,
        arg: f.argKind,
        ...(f.isList ? { isList: true } : {}),
        ...(hidden ? { outputOnly: true } : {}),
        compile: (arg?: string): Extractor<C> => this.slotExtractor(this.register({ field: f.name, ...(arg !== undefined ? { arg } : {}) })),
      };
      return def;
    });
  }

  /** Registers a request directly (outside a FieldDef); returns its slot. */
  register(req: PluginFieldRequest): number {
    const r = resolveRequest(this.source.fields(), req);
    const key = `${r.id}\u0000${r.argKey ?? ''}\u0000${r.argIndex ?? ''}\u0000${r.argKey !== undefined ? 'k' : r.argIndex !== undefined ? 'i' : ''}`;
    const known = this.slotKeys.get(key);
    if (known !== undefined) return known;
    this.slots.push(r);
    this.slotKeys.set(key, this.slots.length - 1);
    this.prepared = undefined;
    return this.slots.length - 1;
  }

  get width(): number {
    return this.slots.length;
  }

  /**
   * A batched extractor for some registered slots only: `values[event * slots.length + k]`
   * is slot `slots[k]` of event `event`. For callers that extract lazily, slot by slot.
   */
  prepareSlots(slots: readonly number[]): (events: Uint8Array, firstEvtnum: number) => NativeValue[] {
    const reqs = slots.map((s) => {
      const r = this.slots[s];
      if (r === undefined) throw new RangeError(`slot ${s} is not registered`);
      return r;
    });
    return this.source.prepare(reqs);
  }

  private slotExtractor(slot: number): Extractor<C> {
    return (ctx: C): FieldValue | undefined => {
      const r = ctx.plugin;
      return r ? (r.values[r.base + slot] as FieldValue | undefined) : undefined;
    };
  }

  /** Extracts every registered slot for a batch of events (concatenated raw events). */
  extract(events: Uint8Array, count: number, firstEvtnum: number): PluginRows {
    if (this.slots.length === 0) return new PluginRows([], 0, count);
    this.prepared ??= this.source.prepare(this.slots);
    return new PluginRows(this.prepared(events, firstEvtnum), this.slots.length, count);
  }
}

/** Extracted values of a batch, row by row. */
export class PluginRows {
  constructor(
    readonly values: readonly NativeValue[],
    readonly width: number,
    readonly count: number,
  ) {}

  row(i: number): PluginRow {
    return { values: this.values, base: i * this.width };
  }

  get(i: number, slot: number): NativeValue {
    return this.values[i * this.width + slot];
  }
}
