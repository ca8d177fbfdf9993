/**
 * Replay with plugins: rules loaded for every event source (syscall plus the plugin
 * sources), rules of a plugin source evaluated on that source's events, whether they come
 * from the plugin itself (`--open-params`: a sourcing plugin as the replay input) or from
 * PPME_PLUGINEVENT_E events inside a capture (routed by plugin ID, as libsinsp does).
 *
 * Plugin fields are extracted a batch at a time (one native call per batch and plugin);
 * rules then run event by event over the extracted rows.
 */
import { InputError } from '../../errors.js';
import { PPME_ASYNCEVENT_E, PPME_PLUGINEVENT_E } from '../../plugins/events.js';
import { EventView } from '../../scap/event.js';
import { engineAppendOutput } from '../config/append.js';
import type { ReplayConfig } from '../config/config.js';
import { createReplayContext } from '../fields/context.js';
import { syscallFieldRegistry } from '../fields/registry.js';
import type { Predicate } from '../filter/compile.js';
import type { ReplayContext } from '../fields/context.js';
import { alertingRule, buildRuleset, outputResolver, raiseAlert, type AlertingRule, type ForeignEventHook, type LoadedRules, type ReplayStats } from '../engine.js';
import type { Alert } from '../output/alert.js';
import { CONTAINER_PLUGIN_SUGGESTED_FIELDS } from '../output/format.js';
import { filterRuleSource } from '../rules/filter-source.js';
import { RulesLoader } from '../rules/loader.js';
import { readRulesFiles } from '../rules/reader.js';
import { SYSCALL_SOURCE } from '../rules/types.js';
import { HostState } from '../state/index.js';
import type { ReplayFieldRegistry } from '../fields/registry.js';
import type { StateView } from '../fields/context.js';
import { threadsTable } from '../../plugins/tables.js';
import { BatchColumns, pluginSourceFields, type PluginSourceContext, type PluginSourceFields } from './fields.js';
import type { LoadedPlugin, PluginSet } from './host.js';
import { parseSyscallEvent, syscallPlugins, type SyscallPlugins } from './syscall.js';

type Filter = Predicate<ReplayContext>;

/** Rules loaded for every source of a plugin set, with each plugin source's fields. */
export interface PluginRules extends LoadedRules {
  readonly sourceFields: ReadonlyMap<string, PluginSourceFields>;
  /** Plugins extracting from / parsing syscall events, when any is loaded. */
  readonly syscall: SyscallPlugins | undefined;
  /** The syscall field registry rules were compiled with (the engine's, for outputs). */
  readonly syscallRegistry: ReplayFieldRegistry;
}

/**
 * Loads rules like `loadRules` (src/replay/engine.ts) but with a rule source per loaded
 * event source, then checks `required_plugin_versions` against the loaded plugins (Falco
 * does it after loading all files; a failure is a one-line InputError in Falco's words).
 */
export function loadRulesWithPlugins(paths: readonly string[], config: ReplayConfig, set: PluginSet): PluginRules {
  const { loader, sourceFields, syscall, syscallRegistry } = pluginRulesLoader(config, set);
  const contents = readRulesFiles(paths);
  const results = loader.loadAll(contents, true);
  for (const r of results) {
    const err = r.firstError();
    if (err) throw err;
  }
  const unmet = loader.checkPluginRequirements(set.requirements());
  if (unmet !== undefined) throw new InputError(unmet);
  return { loader, results, files: contents.map((c) => c.name), sourceFields, syscall, syscallRegistry };
}

/**
 * A rules loader with a rule source per loaded event source (syscall, then every plugin
 * source with its generic event fields and its extractors' fields), append_output applied:
 * what replay and `validate --plugin` (Falco's -V with plugins loaded) load rules with.
 */
export function pluginRulesLoader(
  config: ReplayConfig,
  set: PluginSet,
): { loader: RulesLoader<Filter>; sourceFields: Map<string, PluginSourceFields>; syscall: SyscallPlugins | undefined; syscallRegistry: ReplayFieldRegistry } {
  const sourceFields = new Map<string, PluginSourceFields>();
  for (const s of set.sources) if (s !== SYSCALL_SOURCE) sourceFields.set(s, pluginSourceFields(s, set.extractorsFor(s), set.parsersFor(s)));
  const syscall = syscallPlugins(set.extractorsFor(SYSCALL_SOURCE), set.parsersFor(SYSCALL_SOURCE));
  const syscallRegistry = syscall?.registry ?? syscallFieldRegistry();
  const sources = [
    filterRuleSource(syscallRegistry),
    ...[...sourceFields.values()].map((f) => filterRuleSource(f.registry, { name: f.source, checkEventTypes: false, asyncEventNames: set.asyncEventNames(f.source) })),
  ];
  const { extraOutputFormat, extraOutputFields } = engineAppendOutput(config.appendOutput, {
    loadedSources: set.sources,
    suggestedFields: (src) =>
      src === SYSCALL_SOURCE ? [...CONTAINER_PLUGIN_SUGGESTED_FIELDS, ...(syscall?.suggested ?? [])] : (sourceFields.get(src)?.suggested ?? []),
  });
  return { loader: new RulesLoader<Filter>({ sources, extraOutputFormat, extraOutputFields }), sourceFields, syscall, syscallRegistry };
}

type PreparedRule = AlertingRule;

/** Batch size for plugin events read from captures (events per native extraction call). */
export const CAPTURE_BATCH = 1024;

/**
 * Evaluates the rules of one plugin source on batches of its events. One per source and
 * replay; the context keeps evt.reltime / evt.deltatime state between batches.
 */
export class SourceEvaluator {
  private readonly rules: readonly PreparedRule[];
  private readonly ctx: PluginSourceContext;
  private readonly view = new EventView();
  private readonly all: boolean;

  constructor(
    readonly fields: PluginSourceFields,
    rules: PluginRules,
    config: ReplayConfig,
    tags: { enable?: readonly string[]; disable?: readonly string[] },
    private readonly stats: ReplayStats,
  ) {
    const rs = buildRuleset(rules, config, tags, fields.source);
    const resolve = outputResolver(fields.registry);
    this.rules = rs.candidates(PPME_PLUGINEVENT_E).map((rule) => alertingRule(rule, resolve));
    this.all = config.ruleMatching === 'all';
    const base = createReplayContext(new HostState(), this.view);
    base.hostname = config.hostname;
    const columns = fields.binders.map((b) => new BatchColumns(b));
    this.ctx = Object.assign(base, { source: fields.source, sourcePlugin: undefined, batch: new Uint8Array(0), rawOff: 0, rawLen: 0, asyncName: undefined, columns });
  }

  get enabledRules(): number {
    return this.rules.length;
  }

  /**
   * Evaluates a batch: `buffer` holds `count` raw events back to back, all of event type
   * `type` (PPME_PLUGINEVENT_E or PPME_ASYNCEVENT_E), numbered from `firstEvtnum`;
   * `producer(i)` is the sourcing plugin of event i (evt.pluginname).
   *
   * Parsing plugins of the source see every event before any field of it is extracted, as
   * in libsinsp (parse, then filters): with a parser on this event type the batch is run
   * one event at a time (parse_event(i), then the rules on i), so a parser's state read by
   * an extractor is the state right after event i.
   */
  evaluate(
    buffer: Uint8Array,
    count: number,
    firstEvtnum: number,
    producer: (i: number) => LoadedPlugin | undefined,
    out: Alert[],
    type: number = PPME_PLUGINEVENT_E,
  ): void {
    const parsers = this.fields.parsers.filter((p) => p.codes === undefined || p.codes.has(type));
    if (parsers.length === 0 || count === 0) {
      this.run(buffer, count, firstEvtnum, producer, out, type);
      return;
    }
    const dv = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    let off = 0;
    for (let i = 0; i < count; i++) {
      const len = dv.getUint32(off + 16, true);
      const one = buffer.subarray(off, off + len);
      for (const p of parsers) p.plugin.parse(one, firstEvtnum + i, this.fields.source);
      this.run(one, 1, firstEvtnum + i, () => producer(i), out, type);
      off += len;
    }
  }

  private run(buffer: Uint8Array, count: number, firstEvtnum: number, producer: (i: number) => LoadedPlugin | undefined, out: Alert[], type: number): void {
    const stats = this.stats;
    stats.evaluated += count;
    if (this.rules.length === 0 || count === 0) return;
    const ctx = this.ctx;
    const columns = ctx.columns;
    const codes = this.fields.extractCodes;
    for (let h = 0; h < columns.length; h++) {
      const c = columns[h]!;
      const set = codes[h];
      // A plugin extracts only from its event codes (PPME_PLUGINEVENT_E by default): async
      // events of the source get <NA> for its fields instead of reaching its extract_fields.
      c.active = set === undefined || set.has(type);
      if (c.active) c.begin(buffer, count, firstEvtnum);
    }
    const isAsync = type === PPME_ASYNCEVENT_E;
    ctx.asyncName = undefined;
    const view = this.view;
    // A fresh Buffer object per batch: EventView caches the timestamp per (buf, offset), and
    // the capture router reuses its batch memory.
    const buf = Buffer.from(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    ctx.batch = buffer;
    view.buf = buf;
    view.le = true;
    let off = 0;
    for (let i = 0; i < count; i++) {
      const len = buf.readUInt32LE(off + 16);
      view.hdr = off;
      view.type = buf.readUInt16LE(off + 20);
      view.len = len;
      view.nparams = buf.readUInt32LE(off + 22);
      const ts = view.ts;
      if (ctx.firstTs === 0n) ctx.firstTs = ts;
      ctx.prevTs = ctx.curTs;
      ctx.curTs = ts;
      ctx.evtNum = firstEvtnum + i;
      ctx.rawOff = off;
      ctx.rawLen = len;
      ctx.sourcePlugin = producer(i)?.plugin;
      if (isAsync) ctx.asyncName = asyncEventName(buf, off, len);
      for (let h = 0; h < columns.length; h++) columns[h]!.i = i;
      const rules = this.rules;
      for (let r = 0; r < rules.length; r++) {
        const p = rules[r]!;
        if (!p.rule.filter(ctx)) continue;
        out.push(this.alert(p));
        if (!this.all) break;
      }
      off += len;
    }
  }

  private alert(p: PreparedRule): Alert {
    return raiseAlert(p, this.ctx, this.stats);
  }

}

/** The name parameter (second) of a PPME_ASYNCEVENT_E event at `off` (NUL dropped), '' if malformed. */
function asyncEventName(buf: Buffer, off: number, len: number): string {
  if (len < 38 || buf.readUInt32LE(off + 22) !== 3) return '';
  const l0 = buf.readUInt32LE(off + 26);
  const l1 = buf.readUInt32LE(off + 30);
  const start = off + 38 + l0;
  if (start + l1 > off + len) return '';
  let end = start + l1;
  const nul = buf.indexOf(0, start);
  if (nul >= 0 && nul < end) end = nul;
  return buf.toString('utf8', start, end);
}

/** Counters of plugin events met in captures. */
export interface RoutingStats {
  /** Plugin events routed, by source. */
  readonly bySource: Record<string, number>;
  /** Plugin events whose plugin ID no loaded plugin has, by ID. */
  readonly unknownIds: Record<number, number>;
}

/**
 * Routes PPME_PLUGINEVENT_E and PPME_ASYNCEVENT_E events of a capture (by their plugin ID,
 * libsinsp's set_event_source; async events of ID 0 stay syscall events) to the evaluator of their plugin's source
 * (the engine's ForeignEventHook). Events are copied into a batch per run of consecutive
 * events of one source and evaluated when the batch is full, when the run ends (another
 * source's event, any other event in between) or an evaluated syscall event comes, and at
 * chunk ends, so alerts keep the capture's order.
 */
export class CaptureRouter implements ForeignEventHook {
  private pendingSource: SourceEvaluator | undefined;
  /** The batch's raw events back to back (reused: a batch is evaluated before the next one starts). */
  private acc = Buffer.allocUnsafe(1 << 20);
  private accLen = 0;
  private count = 0;
  private producers: LoadedPlugin[] = [];
  private firstEvtnum = 0;
  /** Event type of the pending batch (a batch holds one type: plugin events or async events). */
  private pendingType = PPME_PLUGINEVENT_E;

  /** Parsing plugins of the syscall source, fed every syscall event (undefined: none, no per-event cost). */
  readonly onSyscallEvent: ((ev: EventView, evtnum: number) => void) | undefined;

  /**
   * `state` is the capture's state (what plugins read through the threads table);
   * `syscallParsers` the parsing plugins of the syscall source.
   */
  constructor(
    private readonly set: PluginSet,
    private readonly evaluators: ReadonlyMap<string, SourceEvaluator>,
    readonly routing: RoutingStats,
    private readonly state?: StateView,
    syscallParsers: SyscallPlugins['parsers'] = [],
  ) {
    this.onSyscallEvent =
      syscallParsers.length > 0 && state !== undefined ? (ev, evtnum) => parseSyscallEvent(syscallParsers, ev, evtnum, state) : undefined;
  }

  onEvent(ev: EventView, evtnum: number, out: Alert[]): boolean {
    // Without plugin sources, plugin events stay with the syscall rules (as with no plugins).
    if (this.evaluators.size === 0) return false;
    // Plugins read little-endian events; a big-endian capture's plugin events stay unrouted.
    if (!ev.le) return false;
    const idBytes = ev.nparams >= 1 && ev.paramLen(0) === 4 ? ev.paramBytes(0) : undefined;
    if (idBytes === undefined) return false;
    const id = ev.le ? idBytes.readUInt32LE(0) : idBytes.readUInt32BE(0);
    // Plugin ID 0 is the syscall source (a plugin sourcing system events).
    if (id === 0) return false;
    const owner = this.set.byPluginId(id);
    const evaluator = owner ? this.evaluators.get(owner.plugin.info.eventSource) : undefined;
    if (!owner || !evaluator) {
      this.routing.unknownIds[id] = (this.routing.unknownIds[id] ?? 0) + 1;
      return true;
    }
    this.routing.bySource[evaluator.fields.source] = (this.routing.bySource[evaluator.fields.source] ?? 0) + 1;
    // A batch holds consecutive events only: the plugin and evt.num number them from the
    // batch's first event.
    const type = ev.type;
    if (this.pendingSource !== evaluator || evtnum !== this.firstEvtnum + this.count || type !== this.pendingType) {
      this.flush(out);
      this.pendingSource = evaluator;
      this.firstEvtnum = evtnum;
      this.pendingType = type;
    }
    const len = ev.len;
    if (this.accLen + len > this.acc.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.acc.length * 2, this.accLen + len));
      this.acc.copy(bigger, 0, 0, this.accLen);
      this.acc = bigger;
    }
    if (ev.fromV1Block) ev.toV2Bytes().copy(this.acc, this.accLen);
    else ev.buf.copy(this.acc, this.accLen, ev.hdr, ev.hdr + len);
    this.accLen += len;
    this.producers[this.count++] = owner;
    if (this.count >= CAPTURE_BATCH) this.flush(out);
    return true;
  }

  flush(out: Alert[]): void {
    const ev = this.pendingSource;
    if (ev === undefined || this.count === 0) return;
    const producers = this.producers;
    const count = this.count;
    const buffer = this.acc.subarray(0, this.accLen);
    this.count = 0;
    this.accLen = 0;
    this.pendingSource = undefined;
    // Plugins of the source read the capture's threads as they are now: a batch is flushed before the next
    // syscall event with rules, but syscall events without rules may have changed the state meanwhile.
    threadsTable.use(this.state?.threads);
    ev.evaluate(buffer, count, this.firstEvtnum, (i) => producers[i], out, this.pendingType);
  }
}

/** Evaluators for every plugin source of a rules load. */
export function sourceEvaluators(
  rules: PluginRules,
  config: ReplayConfig,
  tags: { enable?: readonly string[]; disable?: readonly string[] },
  stats: ReplayStats,
): Map<string, SourceEvaluator> {
  const out = new Map<string, SourceEvaluator>();
  for (const [source, fields] of rules.sourceFields) out.set(source, new SourceEvaluator(fields, rules, config, tags, stats));
  return out;
}
