/**
 * The typed plugin API: `loadPlugin(path, initConfig?)` loads a Falco plugin shared
 * library through the native host, validates it (API version, capabilities, init config
 * against its schema, field list) and initializes it.
 */
import { basename } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PluginError, PluginHostUnavailableError } from './errors.js';
import { PluginEventBatch, PPME_ASYNCEVENT_E } from './events.js';
import type { PluginEvent } from './events.js';
import { PluginFieldBinder, parsePluginFields, resolveRequest, type PluginEvalContext, type PluginField, type PluginFieldRequest } from './fields.js';
import { loadPluginHostAddon, type NativeExtractField, type NativePluginHost, type NativeValue } from './native.js';
import { validateJsonSchema, type Json } from './schema.js';
import { nativeThreadFields, threadsTable } from './tables.js';

export type PluginCapability = 'sourcing' | 'extraction' | 'parsing' | 'async' | 'capture-listening';

export interface PluginInfo {
  readonly path: string;
  readonly name: string;
  readonly description: string;
  readonly contact: string;
  readonly version: string;
  readonly requiredApiVersion: string;
  /** The plugin API version the host implements. */
  readonly hostApiVersion: string;
  readonly capabilities: readonly PluginCapability[];
  /** Plugin ID (0 without a specific event source). */
  readonly id: number;
  /** Event source name ('' without one). */
  readonly eventSource: string;
  /** Sources whose events the plugin extracts fields from (libsinsp defaults applied). */
  readonly extractEventSources: readonly string[];
  readonly parseEventSources: readonly string[];
  readonly asyncEventSources: readonly string[];
  readonly asyncEvents: readonly string[];
}

export type PluginLogSeverity = 'fatal' | 'critical' | 'error' | 'warning' | 'notice' | 'info' | 'debug' | 'trace';
const SEVERITIES: readonly PluginLogSeverity[] = ['fatal', 'critical', 'error', 'warning', 'notice', 'info', 'debug', 'trace'];

export interface PluginLogEntry {
  readonly component: string;
  readonly message: string;
  readonly severity: PluginLogSeverity;
}

export interface PluginMetric {
  readonly name: string;
  readonly type: 'monotonic' | 'non-monotonic';
  readonly value: number | bigint;
}

export interface OpenParam {
  readonly value: string;
  readonly desc?: string;
  readonly separator?: string;
}

export interface InitSchema {
  readonly type: 'none' | 'json';
  readonly schema?: Json;
}

export interface PluginProgress {
  /** Percent, 0..100 (two decimals). */
  readonly pct: number;
  readonly text?: string;
}

export interface EventsOptions {
  /** Called after each batch with the read progress, when the plugin reports it. */
  onProgress?: (p: PluginProgress) => void;
  /** Wait between next_batch calls that time out (ms; default 10). */
  idleMs?: number;
  signal?: AbortSignal;
}

/** Extracts a fixed list of field requests for batches of events: one native call per batch. */
export interface BatchExtractor {
  readonly width: number;
  /** Values for every event of the batch: `values[event * width + request]`; undefined = no value. */
  extract(events: PluginEventBatch | Uint8Array, firstEvtnum?: number): NativeValue[];
}

function jsonList(plugin: string, what: string, raw: string | null): string[] {
  if (raw === null || raw === '') return [];
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    throw new PluginError(plugin, `${what} did not return valid JSON`);
  }
  if (!Array.isArray(v) || !v.every((x): x is string => typeof x === 'string')) throw new PluginError(plugin, `${what} did not return a JSON array of strings`);
  return v.filter((s) => s !== '');
}

/** An open capture (open() instance). */
export class PluginCapture implements AsyncIterable<PluginEventBatch> {
  private closed = false;
  private done = false;

  constructor(
    private readonly plugin: Plugin,
    private readonly host: NativePluginHost,
    private readonly handle: number,
    private readonly opts: EventsOptions = {},
  ) {}

  /** The next batch: a batch (possibly empty on a timeout), or undefined at the end. */
  nextBatch(): PluginEventBatch | undefined {
    if (this.closed || this.done) return undefined;
    return this.batchOf(this.plugin.guard(() => this.host.nextBatch(this.handle), true));
  }

  /**
   * nextBatch with the plugin's next_batch run on a worker thread: the JS thread stays free
   * (e.g. to evaluate another live source's events) while the plugin blocks. Do not call it
   * again, or close, before the promise settles.
   */
  async nextBatchAsync(): Promise<PluginEventBatch | undefined> {
    if (this.closed || this.done) return undefined;
    let r: { rc: 'ok' | 'eof' | 'timeout'; count: number; events: Buffer };
    try {
      r = await this.host.nextBatchAsync(this.handle);
    } catch (e) {
      return this.plugin.guard(() => {
        throw e;
      });
    }
    return this.batchOf(r);
  }

  /** Whether the source reached its end (next_batch returned EOF). */
  get ended(): boolean {
    return this.done;
  }

  private batchOf(r: { rc: 'ok' | 'eof' | 'timeout'; count: number; events: Buffer }): PluginEventBatch | undefined {
    if (r.rc === 'eof') this.done = true;
    if (r.rc === 'eof' && r.count === 0) return undefined;
    const first = this.plugin.takeEvtnums(r.count);
    const progress = this.progress();
    return new PluginEventBatch(r.events, r.count, first, progress);
  }

  progress(): PluginProgress | undefined {
    if (this.closed) return undefined;
    const p = this.plugin.guard(() => this.host.getProgress(this.handle), true);
    if (!p) return undefined;
    return p.text !== null ? { pct: p.pct, text: p.text } : { pct: p.pct };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.plugin.guard(() => this.host.close(this.handle));
  }

  async *[Symbol.asyncIterator](): AsyncIterator<PluginEventBatch> {
    try {
      for (;;) {
        this.opts.signal?.throwIfAborted();
        const b = this.nextBatch();
        if (!b) return;
        if (b.progress) this.opts.onProgress?.(b.progress);
        if (b.count > 0) yield b;
        else if (!this.done) await sleep(this.opts.idleMs ?? 10);
      }
    } finally {
      this.close();
    }
  }

  /** Event by event. */
  async *events(): AsyncGenerator<PluginEvent> {
    for await (const b of this) yield* b;
  }
}

export class Plugin {
  readonly info: PluginInfo;
  readonly initSchema: InitSchema;
  private fieldList: PluginField[] | undefined;
  private nextEvtnum = 1;
  private readonly logBuf: PluginLogEntry[] = [];
  private droppedLogs = 0;
  private destroyed = false;

  /** @internal use loadPlugin */
  constructor(
    private readonly host: NativePluginHost,
    info: PluginInfo,
    initSchema: InitSchema,
  ) {
    this.info = info;
    this.initSchema = initSchema;
  }

  get name(): string {
    return this.info.name;
  }

  has(cap: PluginCapability): boolean {
    return this.info.capabilities.includes(cap);
  }

  /**
   * @internal runs a native call, turning its errors into PluginErrors. Log messages are
   * collected after every call except the hot ones (`hot`: per batch), where they wait in
   * the native buffer until logs() or the next other call (or an error).
   */
  guard<T>(f: () => T, hot = false): T {
    try {
      const r = f();
      if (!hot) this.pullLogs();
      return r;
    } catch (e) {
      this.pullLogs();
      if (e instanceof PluginError) throw e;
      throw new PluginError(this.info.name, (e as Error).message);
    }
  }

  /** @internal */
  takeEvtnums(n: number): number {
    const first = this.nextEvtnum;
    this.nextEvtnum += n;
    return first;
  }

  private pullLogs(): void {
    const l = this.host.takeLogs();
    this.droppedLogs += l.dropped;
    for (const e of l.entries) this.logBuf.push({ component: e.component, message: e.message, severity: SEVERITIES[e.severity - 1] ?? 'info' });
    if (this.logBuf.length > 10000) {
      this.droppedLogs += this.logBuf.length - 10000;
      this.logBuf.splice(0, this.logBuf.length - 10000);
    }
  }

  /** Messages the plugin logged through the owner's log function (oldest first, last 10000). */
  logs(): readonly PluginLogEntry[] {
    this.pullLogs();
    return this.logBuf;
  }

  /** Log messages dropped because the buffers were full. */
  get logsDropped(): number {
    return this.droppedLogs;
  }

  /** The plugin's fields, validated (throws PluginError for a bad list). */
  fields(): readonly PluginField[] {
    if (!this.has('extraction')) return [];
    this.fieldList ??= parsePluginFields(this.info.name, this.guard(() => this.host.getFields()));
    return this.fieldList;
  }

  /** The event codes the plugin extracts from (undefined: libsinsp's default). */
  extractEventTypes(): number[] | undefined {
    return this.guard(() => this.host.extractEventTypes()) ?? undefined;
  }

  /** The event codes the plugin parses (undefined: libsinsp's default). */
  parseEventTypes(): number[] | undefined {
    return this.guard(() => this.host.parseEventTypes()) ?? undefined;
  }

  requiredEventSchemaVersion(): string | undefined {
    return this.guard(() => this.host.requiredEventSchemaVersion()) ?? undefined;
  }

  lastError(): string | undefined {
    return this.guard(() => this.host.lastError()) ?? undefined;
  }

  setConfig(config: string | Record<string, unknown>): void {
    const text = typeof config === 'string' ? config : JSON.stringify(config);
    this.guard(() => this.host.setConfig(text));
  }

  metrics(): PluginMetric[] {
    return this.guard(() => this.host.getMetrics());
  }

  listOpenParams(): OpenParam[] {
    const raw = this.guard(() => this.host.listOpenParams());
    if (raw === null || raw === '') return [];
    let v: unknown;
    try {
      v = JSON.parse(raw);
    } catch {
      throw new PluginError(this.info.name, 'list_open_params did not return valid JSON');
    }
    if (!Array.isArray(v)) throw new PluginError(this.info.name, 'list_open_params did not return a JSON array');
    return v.map((p, i): OpenParam => {
      const o = p as Record<string, unknown>;
      if (typeof p !== 'object' || p === null || typeof o.value !== 'string')
        throw new PluginError(this.info.name, `list_open_params: entry ${i} has no string "value"`);
      return {
        value: o.value,
        ...(typeof o.desc === 'string' ? { desc: o.desc } : {}),
        ...(typeof o.separator === 'string' ? { separator: o.separator } : {}),
      };
    });
  }

  /** Opens the event source (event sourcing capability). */
  open(params = '', opts: EventsOptions = {}): PluginCapture {
    if (!this.has('sourcing')) throw new PluginError(this.info.name, 'the plugin has no event sourcing capability');
    const h = this.guard(() => this.host.open(params));
    return new PluginCapture(this, this.host, h, opts);
  }

  /** Opens the source and iterates its batches; closes at the end or on break. */
  events(params = '', opts: EventsOptions = {}): AsyncIterable<PluginEventBatch> {
    return this.open(params, opts);
  }

  eventToString(evt: PluginEvent | Uint8Array, evtnum = 0): string | undefined {
    const raw = evt instanceof Uint8Array ? evt : evt.raw;
    const n = evt instanceof Uint8Array ? evtnum : evt.evtnum;
    return this.guard(() => this.host.eventToString(raw, n)) ?? undefined;
  }

  /** A batched extractor for a fixed list of requests (validated now). */
  extractor(requests: readonly PluginFieldRequest[]): BatchExtractor {
    if (!this.has('extraction')) throw new PluginError(this.info.name, 'the plugin has no field extraction capability');
    const fields = this.fields();
    const native = requests.map((r) => resolveRequest(fields, r));
    const prepared = this.prepare(native);
    return {
      width: native.length,
      extract: (events, firstEvtnum) =>
        events instanceof PluginEventBatch ? prepared(events.buffer, events.firstEvtnum) : prepared(events, firstEvtnum ?? 1),
    };
  }

  /**
   * @internal PluginFieldSource. `source` is the event source name the plugin is told
   * (evtsrc); by default its own source, or "syscall" for a plugin without one.
   */
  prepare(requests: readonly NativeExtractField[], source?: string): (events: Uint8Array, firstEvtnum: number) => NativeValue[] {
    const id = this.guard(() => (source === undefined ? this.host.prepareExtraction([...requests]) : this.host.prepareExtraction([...requests], source)));
    return (events, firstEvtnum) => {
      if (events.byteLength === 0) return [];
      return this.guard(() => this.host.extractBatch(id, events, firstEvtnum), true);
    };
  }

  /** The plugin's fields adapted to FieldDefs, with batched extraction (see PluginFieldBinder); `source` as in prepare. */
  fieldBinder<C extends PluginEvalContext = PluginEvalContext>(source?: string): PluginFieldBinder<C> {
    return new PluginFieldBinder<C>({ name: this.info.name, fields: () => this.fields(), prepare: (r) => this.prepare(r, source) });
  }

  /** Event parsing capability: feeds events to parse_event, in order (`source`: the evtsrc told to the plugin, as in prepare). */
  parse(events: PluginEventBatch | Uint8Array, firstEvtnum = 1, source?: string): number {
    if (!this.has('parsing')) throw new PluginError(this.info.name, 'the plugin has no event parsing capability');
    const [buf, first] = events instanceof PluginEventBatch ? [events.buffer, events.firstEvtnum] : [events, firstEvtnum];
    return this.guard(() => this.host.parseBatch(buf, first, source), true);
  }

  /** Async events capability: start / stop queueing the plugin's async events. */
  setAsyncEvents(enabled: boolean): void {
    this.guard(() => this.host.setAsyncHandler(enabled));
  }

  /** Async events queued since the last call (only names the plugin declared are kept). */
  takeAsyncEvents(): PluginEvent[] {
    const r = this.guard(() => this.host.takeAsyncEvents());
    const batch = new PluginEventBatch(r.events, r.count, this.takeEvtnums(r.count));
    const allowed = new Set(this.info.asyncEvents);
    return [...batch].filter((e) => e.type === PPME_ASYNCEVENT_E && e.name !== undefined && allowed.has(e.name));
  }

  /** Tables the plugin registered through the owner's add_table. */
  ownerTables(): { name: string; keyType: number }[] {
    return this.host.ownerTables();
  }

  /** Closes open captures and destroys the plugin state. Idempotent. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.guard(() => this.host.destroy());
  }
}

export interface LoadPluginOptions {
  /** Validate the field list at load (default true; libsinsp does). */
  validateFields?: boolean;
}

/**
 * Loads and initializes a plugin. `initConfig` is passed to init() as is (a string) or as
 * JSON (an object); with a JSON init schema it is validated first, and an empty config
 * becomes `{}`. Throws PluginHostUnavailableError when the addon is not built, PluginError
 * (naming the plugin) for everything the plugin does wrong.
 */
export function loadPlugin(path: string, initConfig?: string | Record<string, unknown>, opts: LoadPluginOptions = {}): Plugin {
  const { host, info, initSchema: schema } = openPlugin(path);
  const name = info.name;
  let config = initConfig === undefined ? '' : typeof initConfig === 'string' ? initConfig : JSON.stringify(initConfig);
  if (schema.type === 'json') {
    if (config.trim() === '') config = '{}';
    let value: Json;
    try {
      value = JSON.parse(config) as Json;
    } catch (e) {
      throw new PluginError(name, `the init config is not valid JSON (${(e as Error).message}) but the plugin declares a JSON schema`);
    }
    let problems: string[];
    try {
      problems = validateJsonSchema(value, schema.schema ?? true);
    } catch (e) {
      throw new PluginError(name, `unusable init schema: ${(e as Error).message}`);
    }
    if (problems.length) throw new PluginError(name, `the init config does not match the plugin's schema: ${problems.join('; ')}`);
  }

  const plugin = new Plugin(host, info, schema);
  // The "threads" table (read-only, backed by the replay's thread state): plugins with the
  // extraction or parsing capability get the tables API and may look it up in init.
  if (plugin.has('extraction') || plugin.has('parsing')) plugin.guard(() => host.setThreadsTable(threadsTable, nativeThreadFields()));
  plugin.guard(() => host.init(config));
  if (opts.validateFields !== false && plugin.has('extraction')) {
    try {
      plugin.fields();
    } catch (e) {
      plugin.destroy();
      throw e;
    }
  }
  return plugin;
}

/**
 * A plugin's static information (what Falco's --list-plugins prints) without calling its
 * init: the library is loaded and checked as by loadPlugin, nothing else.
 */
export function readPluginInfo(path: string): { info: PluginInfo; initSchema: InitSchema } {
  const { info, initSchema } = openPlugin(path);
  return { info, initSchema };
}

function openPlugin(path: string): { host: NativePluginHost; info: PluginInfo; initSchema: InitSchema } {
  const addon = loadPluginHostAddon();
  if (!addon.ok) throw new PluginHostUnavailableError(addon.reason);
  let host: NativePluginHost;
  try {
    host = new addon.addon.PluginHost(path);
  } catch (e) {
    throw new PluginError(basename(path), (e as Error).message);
  }
  const raw = host.info();
  const name = raw.name;
  const caps = raw.capabilities as PluginCapability[];
  const sourcing = caps.includes('sourcing') && raw.eventSource !== '';
  const withOwn = (l: string[]): string[] => (sourcing && !l.includes(raw.eventSource) ? [...l, raw.eventSource] : l);
  const info: PluginInfo = {
    path: raw.path,
    name,
    description: raw.description,
    contact: raw.contact,
    version: raw.version,
    requiredApiVersion: raw.requiredApiVersion,
    hostApiVersion: raw.hostApiVersion,
    capabilities: caps,
    id: raw.id,
    eventSource: raw.eventSource,
    extractEventSources: caps.includes('extraction') ? withOwn(jsonList(name, 'get_extract_event_sources', raw.extractEventSources)) : [],
    parseEventSources: caps.includes('parsing') ? withOwn(jsonList(name, 'get_parse_event_sources', raw.parseEventSources)) : [],
    asyncEventSources: caps.includes('async') ? jsonList(name, 'get_async_event_sources', raw.asyncEventSources) : [],
    asyncEvents: caps.includes('async') ? jsonList(name, 'get_async_events', raw.asyncEvents) : [],
  };
  if (caps.includes('async') && info.asyncEvents.length === 0) throw new PluginError(name, 'get_async_events must return a non-empty JSON array');

  const s = host.initSchema();
  let schema: InitSchema = { type: 'none' };
  if (s.type === 1 && s.schema !== null && s.schema !== '') {
    let parsed: Json;
    try {
      parsed = JSON.parse(s.schema) as Json;
    } catch (e) {
      throw new PluginError(name, `get_init_schema returned invalid JSON (${(e as Error).message})`);
    }
    schema = { type: 'json', schema: parsed };
  } else if (s.type !== 0 && s.type !== 1) {
    throw new PluginError(name, `get_init_schema returned an unknown schema type ${s.type}`);
  }
  return { host, info, initSchema: schema };
}
