/**
 * Plugins on syscall events, as Falco runs them: a plugin whose extract sources include
 * "syscall" (or are empty) adds its fields to the syscall rules and outputs, and a plugin
 * whose parse sources do gets parse_event on every syscall event it parses (but system-call
 * enter events), after our state engine applied the event (libsinsp runs plugin parsers
 * after its own parser).
 *
 * Syscall rules run event by event on a state that changes with every event, so plugin
 * fields are extracted per event, lazily: the first plugin field a rule reads on an event
 * extracts, with one native call, every slot of that plugin already known to be read
 * (BatchColumns over a batch of one), and the other fields of the event reuse the row.
 * Events on which no rule reaches a plugin field cost nothing; without such plugins the
 * syscall registry and the replay loop are the plain ones.
 *
 * The plugins read the thread table through the host's "threads" table; every call points
 * the shared table source at the state of the capture being read.
 */
import type { Plugin } from '../../plugins/plugin.js';
import type { PluginEvalContext, PluginFieldBinder } from '../../plugins/fields.js';
import { threadsTable } from '../../plugins/tables.js';
import type { EventView } from '../../scap/event.js';
import { EVENT_TABLE, PPM_EVENT_MAX } from '../../scap/event-table.js';
import { EventCategory } from '../../scap/schema.js';
import type { ReplayContext, StateView } from '../fields/context.js';
import type { ReplayFieldDef } from '../fields/def.js';
import { ALL_FIELDS, ReplayFieldRegistry } from '../fields/registry.js';
import type { Extractor, FieldValue } from '../fields/types.js';
import { SYSCALL_SOURCE } from '../rules/types.js';
import { BatchColumns, compatibleCodes } from './fields.js';

/** The raw little-endian V2 bytes of an event, or undefined for a big-endian capture (plugins read little-endian events). */
export function rawEventBytes(ev: EventView): Uint8Array | undefined {
  if (!ev.le) return undefined;
  return ev.fromV1Block ? ev.toV2Bytes() : ev.buf.subarray(ev.hdr, ev.hdr + ev.len);
}

/** One extracting plugin's row for the current syscall event. */
export class SyscallColumns {
  private readonly columns: BatchColumns;
  private num = -1;
  private state: StateView | undefined = undefined;

  constructor(
    binder: PluginFieldBinder<PluginEvalContext>,
    private readonly codes: ReadonlySet<number> | undefined,
  ) {
    this.columns = new BatchColumns(binder);
  }

  /** The value of `slot` for the event in `ctx`. */
  get(ctx: ReplayContext, slot: number): FieldValue | undefined {
    if (ctx.evtNum !== this.num || ctx.state !== this.state) {
      this.num = ctx.evtNum;
      this.state = ctx.state;
      const ev = ctx.evt;
      const bytes = this.codes === undefined || this.codes.has(ev.type) ? rawEventBytes(ev) : undefined;
      this.columns.active = bytes !== undefined;
      if (bytes !== undefined) {
        threadsTable.use(ctx.state.threads);
        this.columns.begin(bytes, 1, ctx.evtNum);
        this.columns.i = 0;
      }
    }
    return this.columns.get(slot) as FieldValue | undefined;
  }
}

/** Plugin fields and parsers of the syscall source. */
export interface SyscallPlugins {
  /** Every syscall field plus the plugins' fields (the engine's registry for conditions and outputs). */
  readonly registry: ReplayFieldRegistry;
  /** `addOutput` fields of the syscall extractors (suggested output fields). */
  readonly suggested: readonly string[];
  /** Parsing plugins of the syscall source, in load order, with the event codes they parse (undefined: all). */
  readonly parsers: readonly { readonly plugin: Plugin; readonly codes: ReadonlySet<number> | undefined }[];
}

/** A plugin's fields as syscall ReplayFieldDefs reading its per-event row. */
function syscallFieldDefs(plugin: Plugin): ReplayFieldDef[] {
  const binder = plugin.fieldBinder<PluginEvalContext>(SYSCALL_SOURCE);
  const columns = new SyscallColumns(binder, compatibleCodes(plugin.extractEventTypes(), plugin.info.extractEventSources));
  return binder.defs().map(
    (d): ReplayFieldDef => ({
      ...d,
      fieldClass: plugin.name,
      printFormat: d.type === 'uint64' || d.type === 'reltime' || d.type === 'abstime' ? 'dec' : 'na',
      compile: (arg): Extractor<ReplayContext> => {
        const slot = binder.register({ field: d.name, ...(arg !== undefined ? { arg } : {}) });
        return (ctx: ReplayContext) => columns.get(ctx, slot);
      },
    }),
  );
}

/** The syscall source's plugins; undefined when no loaded plugin extracts from or parses syscall events. */
export function syscallPlugins(extractors: readonly Plugin[], parsing: readonly Plugin[]): SyscallPlugins | undefined {
  if (extractors.length === 0 && parsing.length === 0) return undefined;
  const defs: ReplayFieldDef[] = [...ALL_FIELDS];
  const suggested: string[] = [];
  for (const p of extractors) {
    defs.push(...syscallFieldDefs(p));
    for (const f of p.fields()) if (f.addOutput) suggested.push(f.name);
  }
  const parsers = parsing.map((plugin) => ({ plugin, codes: compatibleCodes(plugin.parseEventTypes(), plugin.info.parseEventSources) }));
  return { registry: new ReplayFieldRegistry(defs), suggested, parsers };
}

/**
 * System-call enter events: today's libscap turns a capture's enter/exit pairs into exit
 * events (savefile converter), so libsinsp's parsers, plugin ones included, never see the
 * enters; neither do ours (the same split as the replay engine's evaluable events).
 */
const SYSCALL_ENTER: Uint8Array = (() => {
  const out = new Uint8Array(PPM_EVENT_MAX);
  for (let code = 0; code < PPM_EVENT_MAX; code++) {
    const e = EVENT_TABLE[code];
    if (e && e.direction === '>' && (e.category & (EventCategory.SYSCALL | EventCategory.TRACEPOINT)) !== 0 && (e.category & EventCategory.SCHEDULER) === 0) out[code] = 1;
  }
  return out;
})();

/**
 * Feeds a syscall event to the parsing plugins (after the state engine applied it), each
 * reading the thread table of `state`. System-call enter events are not given (see above).
 */
export function parseSyscallEvent(parsers: SyscallPlugins['parsers'], ev: EventView, evtnum: number, state: StateView): void {
  if (SYSCALL_ENTER[ev.type] === 1) return;
  let bytes: Uint8Array | undefined;
  for (let i = 0; i < parsers.length; i++) {
    const p = parsers[i]!;
    if (p.codes !== undefined && !p.codes.has(ev.type)) continue;
    bytes ??= rawEventBytes(ev);
    if (bytes === undefined) return;
    threadsTable.use(state.threads);
    p.plugin.parse(bytes, evtnum, SYSCALL_SOURCE);
  }
}
