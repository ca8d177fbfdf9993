/**
 * The replay loop: rules loaded once and indexed by event type, then for every event of
 * every capture the state update, the rules that can match its type, and the alerts.
 */
import { fileURLToPath } from 'node:url';
import { InputError } from '../errors.js';
import { openByteSource } from '../pcapng/source.js';
import { ScapReader } from '../scap/reader.js';
import { EVENT_TABLE, PPM_EVENT_MAX } from '../scap/event-table.js';
import { EventCategory } from '../scap/schema.js';
import type { EventView } from '../scap/event.js';
import { PPME_ASYNCEVENT_E, PPME_PLUGINEVENT_E } from './rules/evttypes.js';
import { HostState } from './state/index.js';
import { syscallFieldRegistry, type ReplayFieldRegistry } from './fields/registry.js';
import { MEMORY_COUNTER_FIELDS, readsMemoryCounters } from './fields/memory-counters.js';
import { bindEvent, createReplayContext, type ReplayContext } from './fields/context.js';
import { formatFieldValue, type FormatSpec } from './fields/format.js';
import { applyTransformer, transformedType, type SingleTransformerName } from './filter/transformers.js';
import type { Predicate } from './filter/compile.js';
import type { FieldType, FieldValue } from './fields/types.js';
import { filterRuleSource } from './rules/filter-source.js';
import { RulesLoader } from './rules/loader.js';
import { readRulesFiles } from './rules/reader.js';
import type { LoadResult } from './rules/result.js';
import type { CompiledRule } from './rules/compiler.js';
import type { Ruleset } from './rules/ruleset.js';
import { formatPriority, PRIORITY_NAMES, SYSCALL_SOURCE, type Priority } from './rules/types.js';
import type { ReplayConfig } from './config/config.js';
import { engineAppendOutput } from './config/append.js';
import { compileOutput, CONTAINER_PLUGIN_SUGGESTED_FIELDS, libsinspJsonValue, type CompiledOutput, type OutputJsonValue } from './output/format.js';
import type { Alert } from './output/alert.js';

type Filter = Predicate<ReplayContext>;

/** Our own default ruleset, shipped in the package's rules/ folder. */
export const DEFAULT_RULES_DIR = fileURLToPath(new URL('../../rules/', import.meta.url));

export interface LoadedRules {
  readonly loader: RulesLoader<Filter>;
  readonly results: readonly LoadResult[];
  readonly files: readonly string[];
}

/**
 * Loads rules files (or directories) in order with Falco's three stages. Throws an
 * InputError naming the first error's file:line:col; warnings stay in `results`.
 */
export function loadRules(paths: readonly string[], config: ReplayConfig, registry: ReplayFieldRegistry = syscallFieldRegistry()): LoadedRules {
  const source = filterRuleSource(registry);
  const { extraOutputFormat, extraOutputFields } = engineAppendOutput(config.appendOutput, {
    loadedSources: [SYSCALL_SOURCE],
    // Our built-in container support stands in for Falco's container plugin.
    suggestedFields: (src) => (src === SYSCALL_SOURCE ? CONTAINER_PLUGIN_SUGGESTED_FIELDS : []),
  });
  const loader = new RulesLoader<Filter>({ sources: [source], extraOutputFormat, extraOutputFields });
  const contents = readRulesFiles(paths);
  const results = loader.loadAll(contents, true);
  for (const r of results) {
    const err = r.firstError();
    if (err) throw err;
  }
  return { loader, results, files: contents.map((c) => c.name) };
}

/** Which rules run: the loaded ones at or above the priority, then config `rules:` and -t/-T tags. */
export function buildRuleset(
  rules: LoadedRules,
  config: ReplayConfig,
  tags: { enable?: readonly string[]; disable?: readonly string[] } = {},
  source: string = SYSCALL_SOURCE,
): Ruleset<Filter> {
  const rs = rules.loader.buildRuleset(config.priority, source);
  for (const sel of config.rules) {
    const enable = sel.op === 'enable';
    if (sel.rule !== '') (enable ? rs.enable(sel.rule, 'wildcard') : rs.disable(sel.rule, 'wildcard'));
    if (sel.tag !== '') (enable ? rs.enableTags([sel.tag]) : rs.disableTags([sel.tag]));
  }
  if (tags.enable && tags.enable.length > 0) {
    // Falco's -t: only rules with one of these tags.
    rs.disable('*', 'wildcard');
    rs.enableTags(tags.enable);
  }
  if (tags.disable && tags.disable.length > 0) rs.disableTags(tags.disable);
  return rs;
}

export interface ReplayStats {
  captures: number;
  events: number;
  /** Events rules were evaluated on (exit and non-syscall events). */
  evaluated: number;
  alerts: number;
  byPriority: Record<string, number>;
  byRule: Record<string, number>;
  /** Wall-clock seconds of the replay. */
  seconds: number;
}

export interface ReplayCallbacks {
  onAlert(alert: Alert): void | Promise<void>;
  /** Called between chunks with bytes of the file on disk consumed. */
  onProgress?(readBytes: number, totalBytes: number | undefined, events: number): void;
}

/**
 * Events of other sources inside a capture (plugin events): the replay loop offers every
 * PPME_PLUGINEVENT_E and PPME_ASYNCEVENT_E to the hook, which takes it (returns true: syscall rules skip it) or
 * not. Alerts go to `out`; `flush` must deliver whatever the hook still holds, and is
 * called before syscall rules run and at chunk ends, so alerts stay in event order.
 */
export interface ForeignEventHook {
  onEvent(ev: EventView, evtnum: number, out: Alert[]): boolean;
  flush(out: Alert[]): void;
  /** Plugin parsers of syscall events: every event the hook did not take, after the state engine applied it. */
  readonly onSyscallEvent?: ((ev: EventView, evtnum: number) => void) | undefined;
}

/** What raising a rule's alert needs, whatever the event source. */
export interface AlertingRule {
  readonly rule: CompiledRule<Filter>;
  readonly output: CompiledOutput<ReplayContext>;
  readonly extra: readonly { key: string; output: CompiledOutput<ReplayContext> }[];
  readonly priorityName: string;
}

interface PreparedRule extends AlertingRule {
  readonly filter: Filter;
}

/** A rule with its output and extra output fields compiled against RESOLVE, ready to raise alerts. */
export function alertingRule(rule: CompiledRule<Filter>, resolve: ReturnType<typeof outputResolver>): AlertingRule {
  let output: CompiledOutput<ReplayContext>;
  try {
    output = compileOutput(rule.output, resolve);
  } catch (e) {
    throw new InputError(`rule '${rule.name}': output: ${(e as Error).message}`);
  }
  const extra = [...rule.extraOutputFields.entries()].map(([key, v]) => ({ key, output: compileOutput(v.format, resolve) }));
  return { rule, output, extra, priorityName: formatPriority(rule.priority) };
}

/** Today's Falco does not evaluate system-call enter events; everything else is evaluated. */
function evaluableTypes(): Uint8Array {
  const out = new Uint8Array(PPM_EVENT_MAX);
  for (let code = 0; code < PPM_EVENT_MAX; code++) {
    const e = EVENT_TABLE[code];
    if (!e) continue;
    const syscallEnter = e.direction === '>' && (e.category & (EventCategory.SYSCALL | EventCategory.TRACEPOINT)) !== 0 && (e.category & EventCategory.SCHEDULER) === 0;
    out[code] = syscallEnter ? 0 : 1;
  }
  return out;
}

/** Resolves output template fields through the field registry (with transformers). */
export function outputResolver(registry: ReplayFieldRegistry) {
  return (name: string, arg: string | undefined, transformers: readonly string[]) => {
    const f = registry.compileOutput(arg === undefined ? name : `${name}[${arg}]`);
    let type: FieldType = f.type;
    let mode = f.mode;
    let extract = f.extract;
    for (const t of transformers) {
      const tname = t as SingleTransformerName;
      const next = transformedType(tname, type, mode);
      if (next === undefined) throw new InputError(`transformer '${tname}' does not apply to field '${name}' of type ${type}`);
      extract = applyTransformer(tname, extract, type, mode);
      type = next.type;
      mode = next.mode;
    }
    const spec: FormatSpec = { type, isList: f.def.isList === true, printFormat: f.def.printFormat };
    return {
      extract,
      format: (v: FieldValue | undefined, ctx: ReplayContext) => formatFieldValue(spec, v, ctx.render),
      json: (v: FieldValue | undefined, ctx: ReplayContext): OutputJsonValue =>
        v === undefined ? null : libsinspJsonValue(spec, v, (x: FieldValue) => formatFieldValue(spec, x, ctx.render)),
    };
  };
}

/**
 * A loaded ruleset ready to replay captures. One engine per thread of work; it keeps no
 * state between captures except counters.
 */
export class ReplayEngine {
  private readonly perType: (PreparedRule[] | undefined)[];
  private readonly evaluable = evaluableTypes();
  /** Per capture (given its state), a hook for plugin events (src/replay/plugins); none: syscall rules only. */
  foreignEvents: ((state: HostState) => ForeignEventHook) | undefined;
  readonly stats: ReplayStats = { captures: 0, events: 0, evaluated: 0, alerts: 0, byPriority: {}, byRule: {}, seconds: 0 };
  /** Whether the rules' conditions or outputs read a field of MEMORY_COUNTER_FIELDS. */
  readonly memoryCounters: boolean;

  constructor(
    readonly ruleset: Ruleset<Filter>,
    readonly config: ReplayConfig,
    registry: ReplayFieldRegistry = syscallFieldRegistry(),
  ) {
    const resolveField = outputResolver(registry);
    // Whether any condition or output reads the scheduler's memory counters (see
    // HostStateOptions.memoryCounters): outputs are seen as they compile, conditions here.
    let memoryCounters = false;
    const resolve: typeof resolveField = (name, arg, transformers) => {
      if (MEMORY_COUNTER_FIELDS.has(name)) memoryCounters = true;
      return resolveField(name, arg, transformers);
    };
    const prepared = new Map<CompiledRule<Filter>, PreparedRule>();
    const prepare = (rule: CompiledRule<Filter>): PreparedRule => {
      let p = prepared.get(rule);
      if (!p) {
        p = { ...alertingRule(rule, resolve), filter: rule.filter };
        prepared.set(rule, p);
        if (readsMemoryCounters(rule.condition)) memoryCounters = true;
      }
      return p;
    };
    // Per event type, the candidate rules in the order Falco tries them (type-indexed
    // first, then rules without a type restriction): built once, read per event.
    this.perType = new Array<PreparedRule[] | undefined>(PPM_EVENT_MAX);
    for (let code = 0; code < PPM_EVENT_MAX; code++) {
      const rules = ruleset.candidates(code);
      if (rules.length > 0) this.perType[code] = rules.map(prepare);
    }
    this.memoryCounters = memoryCounters;
  }

  /** Number of rules enabled (any event type). */
  get enabledRules(): number {
    const seen = new Set<string>();
    for (const l of this.perType) if (l) for (const p of l) seen.add(p.rule.name);
    return seen.size;
  }

  /** Replays one capture; alerts go to `cb.onAlert` in event order. */
  async replay(path: string, cb: ReplayCallbacks): Promise<void> {
    const started = performance.now();
    const source = await openByteSource(path);
    const state = new HostState({ memoryCounters: this.memoryCounters });
    const all = this.config.ruleMatching === 'all';
    const hostname = this.config.hostname;
    const stats = this.stats;
    const perType = this.perType;
    const evaluable = this.evaluable;
    let ctx: ReplayContext | undefined;
    const pending: Alert[] = [];
    let events = 0;
    const foreign = this.foreignEvents?.(state);
    const parseSyscall = foreign?.onSyscallEvent;
    const reader = new ScapReader(source, {
      afterChunk: async () => {
        foreign?.flush(pending);
        for (const a of pending.splice(0)) await cb.onAlert(a);
        cb.onProgress?.(source.compressedRead(), source.compressedSize, stats.events + events);
      },
    });
    try {
      await reader.read({
        onBlock: (b) => state.applyRawBlock(b),
        onEvent: (ev) => {
          events++;
          state.applyLoadedEvent(ev);
          const type = ev.type;
          const candidates = perType[type];
          if (foreign !== undefined && (type === PPME_PLUGINEVENT_E || type === PPME_ASYNCEVENT_E) && foreign.onEvent(ev, events, pending)) return;
          if (parseSyscall !== undefined) parseSyscall(ev, events);
          if (candidates === undefined || evaluable[type] === 0) return;
          foreign?.flush(pending);
          if (ctx === undefined) {
            ctx = createReplayContext(state, ev);
            ctx.hostname = hostname;
          }
          bindEvent(ctx, ev, state);
          ctx.fdNameChanged = state.fdNameChanged;
          stats.evaluated++;
          for (let i = 0; i < candidates.length; i++) {
            const p = candidates[i]!;
            if (!p.filter(ctx)) continue;
            pending.push(this.alert(p, ctx));
            if (!all) break;
          }
        },
      });
      foreign?.flush(pending);
      for (const a of pending.splice(0)) await cb.onAlert(a);
    } finally {
      await source.close();
      stats.events += events;
      stats.captures++;
      stats.seconds += (performance.now() - started) / 1000;
    }
  }

  private alert(p: PreparedRule, ctx: ReplayContext): Alert {
    return raiseAlert(p, ctx, this.stats);
  }

}

/** Renders rule `p`'s alert for the event in `ctx` and counts it in `stats` (any source). */
export function raiseAlert(p: AlertingRule, ctx: ReplayContext, stats: ReplayStats): Alert {
  const out = p.output(ctx);
  stats.alerts++;
  stats.byPriority[p.priorityName] = (stats.byPriority[p.priorityName] ?? 0) + 1;
  stats.byRule[p.rule.name] = (stats.byRule[p.rule.name] ?? 0) + 1;
  let extraFields: Record<string, OutputJsonValue> | undefined;
  if (p.extra.length > 0) {
    extraFields = {};
    for (const e of p.extra) extraFields[e.key] = e.output(ctx).text;
  }
  return {
    time: ctx.curTs,
    rule: p.rule.name,
    priority: p.rule.priority,
    source: p.rule.source,
    tags: p.rule.tags,
    hostname: ctx.hostname,
    output: out.text,
    outputFields: out.fields,
    ...(extraFields ? { extraFields } : {}),
  };
}

/** Falco's end-of-run summary lines ("Events detected", counts by severity and by rule). */
export function formatSummary(stats: ReplayStats): string {
  const lines: string[] = [];
  const rate = stats.seconds > 0 ? Math.round(stats.events / stats.seconds) : 0;
  lines.push(`Events processed: ${stats.events} in ${stats.seconds.toFixed(3)} s (${rate} events/s) from ${stats.captures} capture(s)`);
  lines.push(`Events detected: ${stats.alerts}`);
  lines.push('Rule counts by severity:');
  for (const name of PRIORITY_NAMES) {
    const n = stats.byPriority[name];
    if (n) lines.push(`   ${name.toUpperCase()}: ${n}`);
  }
  lines.push('Triggered rules by rule name:');
  for (const [rule, n] of Object.entries(stats.byRule)) lines.push(`   ${rule}: ${n}`);
  return lines.join('\n') + '\n';
}

export type { Priority };
