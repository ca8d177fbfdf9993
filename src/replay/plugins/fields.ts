/**
 * Fields of a plugin event source: libsinsp's generic event fields (sinsp_filter_check_gen_event:
 * evt.num, evt.time..., evt.pluginname, evt.plugininfo, evt.source, evt.is_async,
 * evt.asynctype, evt.hostname) plus the fields of every plugin that extracts from the source.
 *
 * The evaluation context is a ReplayContext (so the syscall evt.* time fields can be
 * reused as they are) with what plugin events add: the plugin that produced the event, its
 * raw bytes, and one batched-extraction row per extracting plugin.
 */
import { PPME_PLUGINEVENT_E } from '../../plugins/events.js';
import type { Plugin } from '../../plugins/plugin.js';
import type { PluginEvalContext, PluginFieldBinder } from '../../plugins/fields.js';
import type { NativeValue } from '../../plugins/native.js';
import type { ReplayContext } from '../fields/context.js';
import type { ReplayFieldDef } from '../fields/def.js';
import { EVT_FIELDS } from '../fields/evt.js';
import { ReplayFieldRegistry } from '../fields/registry.js';
import type { Extractor, FieldValue } from '../fields/types.js';

/**
 * One extracting plugin's values for the current batch. A slot (field + argument some
 * condition or output uses) is extracted for the whole batch the first time any event of
 * the batch reads it, with one native call; from the next batch on it is "hot" and extracted
 * up front with the other hot slots, in one call. Slots no enabled rule reads (disabled
 * rules, outputs of rules that never fire, conditions behind a false `and`) cost nothing.
 */
export class BatchColumns {
  /** Index of the current event in the batch. */
  i = 0;
  /** False when the plugin does not extract from the batch's event type: every field is <NA>. */
  active = true;
  private hot: number[] = [];
  /** slot -> position in `hot` for the current batch, -1 = not extracted up front. */
  private hotPos: number[] = [];
  private hotWidth = 0;
  private hotValues: readonly NativeValue[] = [];
  private hotExtract: ((events: Uint8Array, firstEvtnum: number) => NativeValue[]) | undefined;
  private promoted: number[] = [];
  private readonly single: (((events: Uint8Array, firstEvtnum: number) => NativeValue[]) | undefined)[] = [];
  private cols: (readonly NativeValue[] | undefined)[] = [];
  private buf: Uint8Array = new Uint8Array(0);
  private first = 1;

  constructor(private readonly binder: PluginFieldBinder<PluginEvalContext>) {}

  /** Points at a new batch; extracts the hot slots. */
  begin(buf: Uint8Array, count: number, firstEvtnum: number): void {
    this.buf = buf;
    this.first = firstEvtnum;
    this.i = 0;
    this.cols = [];
    if (this.promoted.length > 0) {
      for (const s of this.promoted) {
        this.hotPos[s] = this.hot.length;
        this.hot.push(s);
      }
      this.promoted = [];
      this.hotExtract = this.binder.prepareSlots(this.hot);
      this.hotWidth = this.hot.length;
    }
    this.hotValues = this.hotExtract !== undefined && count > 0 ? this.hotExtract(buf, firstEvtnum) : [];
  }

  /** The value of `slot` for the current event. */
  get(slot: number): NativeValue {
    if (!this.active) return undefined;
    const p = this.hotPos[slot];
    if (p !== undefined && p >= 0) return this.hotValues[this.i * this.hotWidth + p];
    let col = this.cols[slot];
    if (col === undefined) {
      let ex = this.single[slot];
      if (ex === undefined) ex = this.single[slot] = this.binder.prepareSlots([slot]);
      col = this.cols[slot] = ex(this.buf, this.first);
      this.hotPos[slot] = -1;
      this.promoted.push(slot);
    }
    return col[this.i];
  }
}

export interface PluginSourceContext extends ReplayContext {
  /** The event source of the event (evt.source). */
  source: string;
  /** The sourcing plugin that produced the event (evt.pluginname, evt.plugininfo). */
  sourcePlugin: Plugin | undefined;
  /** The batch holding the event, and where the raw event (header included) is in it. */
  batch: Uint8Array;
  rawOff: number;
  rawLen: number;
  /** Async event name (PPME_ASYNCEVENT_E), else undefined. */
  asyncName: string | undefined;
  /** One column set per extracting plugin of the source, in `PluginSourceFields.binders` order. */
  readonly columns: BatchColumns[];
}

/** The generic fields libsinsp gives every plugin source (the first block of EVT_FIELDS). */
const GEN_EVENT = new Set([
  'evt.num',
  'evt.time',
  'evt.time.s',
  'evt.time.iso8601',
  'evt.datetime',
  'evt.datetime.s',
  'evt.rawtime',
  'evt.rawtime.s',
  'evt.rawtime.ns',
  'evt.reltime',
  'evt.reltime.s',
  'evt.reltime.ns',
  'evt.hostname',
]);

// The registry evaluates these fields on PluginSourceContext only: the rules and outputs
// compiled from it run in this module's evaluator, never on syscall events.
const pctx = (ctx: ReplayContext): PluginSourceContext => ctx as PluginSourceContext;

function own(name: string, type: ReplayFieldDef['type'], description: string, extract: Extractor<ReplayContext>): ReplayFieldDef {
  return { fieldClass: 'evt', name, type, description, arg: 'none', printFormat: type === 'bool' || type === 'charbuf' ? 'na' : 'dec', compile: () => extract };
}

const PLUGIN_EVT_FIELDS: readonly ReplayFieldDef[] = [
  own('evt.pluginname', 'charbuf', 'Name of the plugin that generated the event.', (ctx) => pctx(ctx).sourcePlugin?.name),
  own('evt.plugininfo', 'charbuf', 'Summary of the event as its plugin renders it (event_to_string).', (ctx) => {
    const c = pctx(ctx);
    // Plugin events only: event_to_string takes PPME_PLUGINEVENT_E payloads, not async events.
    if (c.asyncName !== undefined) return undefined;
    return c.sourcePlugin?.has('sourcing') ? c.sourcePlugin.eventToString(c.batch.subarray(c.rawOff, c.rawOff + c.rawLen), c.evtNum) : undefined;
  }),
  own('evt.source', 'charbuf', 'Name of the event source.', (ctx) => pctx(ctx).source),
  own('evt.is_async', 'bool', "'true' for asynchronous events.", (ctx) => pctx(ctx).asyncName !== undefined),
  own('evt.asynctype', 'charbuf', 'For asynchronous events, the name of the event.', (ctx) => pctx(ctx).asyncName),
];

/** The generic event fields of a plugin source, in libsinsp's order. */
export function genEventFields(): ReplayFieldDef[] {
  const out: ReplayFieldDef[] = [];
  for (const d of EVT_FIELDS) {
    if (GEN_EVENT.has(d.name)) out.push(d);
    const mine = PLUGIN_EVT_FIELDS.find((p) => p.name === d.name);
    if (mine) out.push(mine);
  }
  return out;
}

/** A plugin's fields as ReplayFieldDefs reading column set `index` of the context. */
export function pluginFieldDefs(plugin: Plugin, binder: PluginFieldBinder<PluginEvalContext>, index: number): ReplayFieldDef[] {
  return binder.defs().map((d): ReplayFieldDef => {
    return {
      ...d,
      fieldClass: plugin.name,
      printFormat: d.type === 'uint64' || d.type === 'reltime' || d.type === 'abstime' ? 'dec' : 'na',
      compile: (arg): Extractor<ReplayContext> => {
        const slot = binder.register({ field: d.name, ...(arg !== undefined ? { arg } : {}) });
        return (ctx: ReplayContext) => pctx(ctx).columns[index]!.get(slot) as FieldValue | undefined;
      },
    };
  });
}

/** The fields of one plugin source: registry, binders (one per extracting plugin) and suggested output fields. */
export interface PluginSourceFields {
  readonly source: string;
  readonly registry: ReplayFieldRegistry;
  readonly binders: readonly PluginFieldBinder<PluginEvalContext>[];
  /** Fields flagged `addOutput` (Falco's suggested output fields of the source). */
  readonly suggested: readonly string[];
  /** Per binder: the event codes its plugin extracts from (undefined: every code). */
  readonly extractCodes: readonly (ReadonlySet<number> | undefined)[];
  /** Plugins with the parsing capability for this source, in load order, with the codes they parse. */
  readonly parsers: readonly { readonly plugin: Plugin; readonly codes: ReadonlySet<number> | undefined }[];
}

/**
 * libsinsp's resolve_dylib_compatible_codes: the codes the plugin declares, else every
 * code for a plugin compatible with the syscall source, else PPME_PLUGINEVENT_E only.
 */
export function compatibleCodes(declared: readonly number[] | undefined, sources: readonly string[]): ReadonlySet<number> | undefined {
  if (declared !== undefined && declared.length > 0) return new Set(declared);
  if (sources.length === 0 || sources.includes('syscall')) return undefined;
  return new Set([PPME_PLUGINEVENT_E]);
}

export function pluginSourceFields(source: string, extractors: readonly Plugin[], parsing: readonly Plugin[] = []): PluginSourceFields {
  const defs = genEventFields();
  const binders: PluginFieldBinder<PluginEvalContext>[] = [];
  const suggested: string[] = [];
  const extractCodes: (ReadonlySet<number> | undefined)[] = [];
  const parsers = parsing.map((plugin) => ({ plugin, codes: compatibleCodes(plugin.parseEventTypes(), plugin.info.parseEventSources) }));
  extractors.forEach((p, i) => {
    // evtsrc is the source's name, also for a plugin extracting from several sources.
    const b = p.fieldBinder<PluginEvalContext>(source);
    binders.push(b);
    extractCodes.push(compatibleCodes(p.extractEventTypes(), p.info.extractEventSources));
    defs.push(...pluginFieldDefs(p, b, i));
    for (const f of p.fields()) if (f.addOutput) suggested.push(f.name);
  });
  return { source, registry: new ReplayFieldRegistry(defs), binders, suggested, extractCodes, parsers };
}
