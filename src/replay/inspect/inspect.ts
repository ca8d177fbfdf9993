/**
 * `inspect`: a capture's events as `sysdig -r` (0.29.3) prints them.
 *
 * Per event, in file order (sinsp::next and sysdig's do_inspect loop):
 *  1. codes sysdig 0.29 does not know are skipped (not numbered, not parsed);
 *  2. the event gets its number and goes through the state engine (HostState, in its
 *     sysdig029 mode);
 *  3. state-only events and failed container lookups are dropped;
 *  4. the filter runs: for events that do not modify state (and switches) inside the
 *     engine, after the thread lookup and before the parser, which a rejected event
 *     skips (and it breaks its thread's enter/exit pairing), as libsinsp 0.9 did; for
 *     the others against the state after the event;
 *  5. the event counts towards `-n`; internal events (procinfo, ...) are not printed;
 *  6. the format is rendered; without `*` a field with no value suppresses the line.
 */
import { InputError } from '../../errors.js';
import type { EventView } from '../../scap/event.js';
import { EVENT_TABLE } from '../../scap/event-table.js';
import { describeFd, renderEventArgs, sanitize, type BufferFormat, type ParamResolver, type RenderOptions } from '../../scap/params.js';
import { isStateBlockType, ScapReader } from '../../scap/reader.js';
import { EventFlags } from '../../scap/schema.js';
import { createReplayContext, type ReplayContext, type StateView } from '../fields/context.js';
import { field, outputExtractor, type ReplayCompiledField, type ReplayFieldDef } from '../fields/def.js';
import { formatFieldValue, type FormatSpec } from '../fields/format.js';
import { checkArg, syscallFieldRegistry } from '../fields/registry.js';
import type { Extractor, FieldType, FieldValue } from '../fields/types.js';
import { FieldArgError } from '../fields/types.js';
import { compileCondition, type Predicate } from '../filter/compile.js';
import type { Expr } from '../filter/ast.js';
import { parseCondition } from '../filter/parser.js';
import { MEMORY_COUNTER_FIELDS, readsMemoryCounters } from '../fields/memory-counters.js';
import { HostState } from '../state/engine.js';
import type { FdInfo, ThreadInfo } from '../state/model.js';
import { FD_FLAG_ROLE_CLIENT, FD_FLAG_ROLE_SERVER } from '../state/fds.js';
import { FdType } from '../../scap/blocks/fdlist.js';
import { encodeJsonObject, type InspectJsonValue } from './json.js';
import {
  CONTAINER_JSON_CODES,
  containerLookupFailed,
  DEFAULT_FORMAT,
  SCAP_DF_STATE_ONLY,
  SYSDIG029_EVENT_MAX,
  SYSDIG029_INTERNAL_CODES,
  SYSDIG029_NO_FD,
  sysdig029TypeName,
} from './sysdig029.js';
import { FormatError, parseFormat, type ParsedFormat, type TemplateField } from './template.js';

export interface InspectOptions {
  /** A sysdig filter (condition language); events that do not match are not shown. */
  readonly filter?: string;
  /** A `-p` output format; default sysdig's. */
  readonly format?: string;
  /** One JSON object per event (`-j`). */
  readonly json?: boolean;
  /** Stop after this many events that pass the filter (`-n`; internal events count too). */
  readonly limit?: number;
  /** Do not cut byte buffers at 80 characters (`-v`). */
  readonly verbose?: boolean;
  /** How byte buffers print (`-A` ascii, `-x` hex, `-X` hexascii, `-b` base64). */
  readonly bufferFormat?: BufferFormat;
}

export interface InspectSummary {
  /** Events sysdig numbers (known codes). */
  readonly events: number;
  /** Events that passed the filter (what `-n` counts). */
  readonly matched: number;
  /** Lines written. */
  readonly printed: number;
  /** True when reading stopped at `limit`. */
  readonly limited: boolean;
}

/**
 * Receives output: one or more whole lines, each ending in '\n'. Awaited between chunks of
 * the capture, so a sink that returns a promise applies backpressure.
 */
export type InspectSink = (text: string) => void | Promise<void>;

/** Thrown for a bad `-p` format. */
export { FormatError };

// ---------------------------------------------------------------------------------------
// Host state as the field classes see it
// ---------------------------------------------------------------------------------------

/** The field classes' view of a HostState (it satisfies StateView as it is). */
export function stateViewOf(host: HostState): StateView {
  return host;
}

/**
 * libsinsp's sinsp_fdinfo_t::get_l4proto: a connected-socket fd (IPv4/IPv6, not server)
 * reports its protocol only once it has a role (client or server), raw sockets always.
 */
function effectiveL4(f: FdInfo): number {
  if (f.scapType === FdType.IPV4_SOCK || f.scapType === FdType.IPV6_SOCK) {
    if (f.l4proto === 5) return 5;
    if ((f.flags & (FD_FLAG_ROLE_CLIENT | FD_FLAG_ROLE_SERVER)) === 0 && f.role === 'none') return 1;
  }
  return f.l4proto;
}

/** sysdig 0.29's parameter resolver over the host state, for the current event's thread. */
class HostResolver implements ParamResolver {
  t: ThreadInfo | undefined = undefined;
  constructor(
    private readonly host: HostState,
    private readonly opts: RenderOptions,
  ) {}
  get threadKnown(): boolean {
    return this.t !== undefined;
  }
  describe(fd: number): string | undefined {
    const t = this.t;
    if (t === undefined) return undefined;
    const f = this.host.threads.getFd(t, fd);
    return f === undefined ? undefined : describeFd(f.scapType, f.name, effectiveL4(f), this.opts);
  }
  comm(tid: number): string | undefined {
    return this.host.threads.get(tid)?.comm;
  }
  userName(uid: number): string | undefined {
    return this.host.users.user('', uid)?.name;
  }
  groupName(gid: number): string | undefined {
    return this.host.users.group('', gid)?.name;
  }
  cwd(): string | undefined {
    const t = this.t;
    if (t === undefined) return undefined;
    const c = this.host.threads.cwd(t);
    return c.endsWith('/') ? c : c + '/';
  }
  dirPath(fd: number): string | undefined {
    const t = this.t;
    if (t === undefined) return undefined;
    return this.host.threads.getFd(t, fd)?.name;
  }
}

// ---------------------------------------------------------------------------------------
// Fields as sysdig 0.29 prints them
// ---------------------------------------------------------------------------------------

/** evt.type / evt.info / evt.args as sysdig 0.29 printed them (its names; evt.info keeps its trailing space). */
function sysdig029Overrides(resolver: HostResolver, render: RenderOptions): ReplayFieldDef[] {
  const info: Extractor<ReplayContext> = (ctx) => {
    const ei = EVENT_TABLE[ctx.evt.type];
    if (ei === undefined) return '';
    resolver.t = ctx.thread;
    return renderEventArgs(ctx.evt, ei, resolver, render);
  };
  return [
    field('evt', 'evt.type', 'charbuf', "Event name, e.g. 'open'.", (ctx) => sysdig029TypeName(ctx.evt.type, genericId(ctx.evt))),
    field('evt', 'evt.info', 'charbuf', 'Event arguments as sysdig prints them.', info),
    field('evt', 'evt.args', 'charbuf', 'Event arguments as sysdig prints them.', info),
  ];
}

function genericId(ev: EventView): number | undefined {
  if (ev.type > 1 || ev.nparams < 1) return undefined;
  const b = ev.paramBytes(0);
  if (b === undefined || b.length < 2) return undefined;
  return ev.le ? b.readUInt16LE(0) : b.readUInt16BE(0);
}

interface CompiledToken {
  readonly kind: 'field';
  readonly key: string;
  readonly width: number;
  readonly extract: Extractor<ReplayContext>;
  readonly spec: FormatSpec;
  readonly name: string;
}

type RenderToken = { readonly kind: 'text'; readonly text: string } | CompiledToken;

function compileToken(tok: TemplateField): CompiledToken {
  try {
    checkArg(tok.def, tok.arg);
    const compiled = tok.def.compile(tok.arg);
    const extract = outputExtractor(compiled);
    const type: FieldType = typeof compiled === 'function' ? tok.def.type : ((compiled as ReplayCompiledField).type ?? tok.def.type);
    return {
      kind: 'field',
      key: tok.text,
      width: tok.width,
      extract,
      spec: { type, isList: tok.def.isList === true, printFormat: tok.def.printFormat },
      name: tok.def.name,
    };
  } catch (e) {
    if (e instanceof FieldArgError) throw new FormatError(`invalid output format: ${e.message}`, tok.offset);
    throw e;
  }
}

/** Fields whose JSON value is the event timestamp or a duration, as integers (libsinsp extract_as_js). */
const JSON_TS_FIELDS = new Set(['evt.time', 'evt.time.s', 'evt.time.iso8601', 'evt.datetime', 'evt.datetime.s', 'evt.outputtime']);

function jsonOf(tok: CompiledToken, ctx: ReplayContext, v: FieldValue | undefined): InspectJsonValue {
  if (JSON_TS_FIELDS.has(tok.name)) return ctx.evt.ts;
  if (v === undefined) return null;
  const t = tok.spec.type;
  const pf = tok.spec.printFormat ?? 'dec';
  if (Array.isArray(v)) return formatFieldValue(tok.spec, v);
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number' || typeof v === 'bigint') {
    if (t === 'bool') return v !== 0 && v !== 0n;
    if (t === 'double') return typeof v === 'bigint' ? Number(v) : v;
    const numeric =
      t === 'int8' || t === 'int16' || t === 'int32' || t === 'int64' || t === 'pid' || t === 'uint8' || t === 'uint16' || t === 'uint32' ||
      t === 'uint64' || t === 'reltime' || t === 'abstime' || t === 'l4proto' || t === 'port';
    if (numeric && (pf === 'dec' || pf === 'id' || ((t === 'reltime' || t === 'abstime') && tok.name.startsWith('evt.')))) {
      return v;
    }
    return formatFieldValue(tok.spec, v);
  }
  return formatFieldValue(tok.spec, v);
}

// ---------------------------------------------------------------------------------------
// Time
// ---------------------------------------------------------------------------------------

const p2 = (n: number): string => (n < 10 ? '0' + n : String(n));

/** HH:MM:SS.nnnnnnnnn in local time (evt.time / evt.outputtime), with the seconds part cached. */
class TimeFormatter {
  private sec = -1n;
  private prefix = '';
  format(ts: bigint): string {
    const s = ts / 1000000000n;
    if (s !== this.sec) {
      this.sec = s;
      const d = new Date(Number(s) * 1000);
      this.prefix = `${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())}.`;
    }
    const frac = String(ts - s * 1000000000n);
    return this.prefix + (frac.length < 9 ? '000000000'.slice(frac.length) + frac : frac);
  }
}

// ---------------------------------------------------------------------------------------
// The loop
// ---------------------------------------------------------------------------------------

class StopReading extends Error {}

// What the loop needs to know about an event code, as bits of one table lookup.
const C_INTERNAL = 1;
const C_LEADING = 2;
const C_CONTAINER_JSON = 4;
const C_NO_FD = 8;
/**
 * Filtered before parsing in libsinsp, and breaks its thread's enter/exit pairing when
 * rejected: neither EF_MODIFIES_STATE nor EF_SKIPPARSERESET, not a switch.
 */
const C_PREPARSE_FILTER = 16;
/** Filtered before parsing (switches too), and not parsed when rejected. */
const C_PREPARSE_ONLY = 32;
/** The beforeParse hook did not run the filter / it passed / it rejected the event. */
const PRE_NONE = 0;
const PRE_PASS = 1;
const PRE_FAIL = 2;
const PPME_CONTAINER_E = 228;
const PPME_SCHEDSWITCH_6_E = 152;
const PPME_SYSCALL_WRITE_X = 9;
/** The write exit (see InspectLoop.bind). */
const C_WRITE_X = 64;
/** A last event type no exit pairs with (libsinsp 0.9 resets it for rejected events). */
const LAST_EVENT_TYPE_NONE = 0x7fffffff;

const CLASS: Uint8Array = (() => {
  const a = new Uint8Array(SYSDIG029_EVENT_MAX);
  for (let c = 0; c < SYSDIG029_EVENT_MAX; c++) {
    let k = 0;
    if (SYSDIG029_INTERNAL_CODES.has(c)) k |= C_INTERNAL;
    if (c === PPME_CONTAINER_E || CONTAINER_JSON_CODES.has(c)) k |= C_LEADING;
    if (CONTAINER_JSON_CODES.has(c)) k |= C_CONTAINER_JSON;
    if (SYSDIG029_NO_FD.has(c)) k |= C_NO_FD;
    const flags = EVENT_TABLE[c]?.flags ?? 0;
    if ((flags & (EventFlags.MODIFIES_STATE | EventFlags.SKIPPARSERESET)) === 0) k |= c === PPME_SCHEDSWITCH_6_E ? C_PREPARSE_ONLY : C_PREPARSE_FILTER;
    if (c === PPME_SYSCALL_WRITE_X) k |= C_WRITE_X;
    a[c] = k;
  }
  return a;
})();

/** Fields that read the first / previous event time from the context. */
const TIME_FIELDS = /evt\.(reltime|deltatime)/;

/** Parses and checks a `-p` format without reading a capture. */
export function checkInspectFormat(format: string): ParsedFormat {
  return parseFormat(format, syscallFieldRegistry().list());
}

/**
 * Whether an inspect run needs the memory counters of scheduler switches
 * (HostStateOptions.memoryCounters): only when its filter or its format reads one of them.
 */
export function inspectReadsMemoryCounters(filter: Expr | undefined, format: ParsedFormat | undefined): boolean {
  if (format?.tokens.some((t) => t.kind === 'field' && MEMORY_COUNTER_FIELDS.has(t.def.name)) === true) return true;
  return filter !== undefined && readsMemoryCounters(filter);
}

/** Reads `path` and writes its events as sysdig 0.29 prints them to `sink`. */
export async function inspectCapture(path: string, opts: InspectOptions, sink: InspectSink): Promise<InspectSummary> {
  if (opts.limit !== undefined && (!Number.isSafeInteger(opts.limit) || opts.limit <= 0)) {
    throw new InputError(`invalid event count ${opts.limit}`);
  }
  const render: RenderOptions = {
    sysdig029: true,
    // sysdig cuts buffers at 80 characters only in its plain format (not -j, -A, -x, ...).
    maxBufferLength: opts.verbose || opts.json === true ? 0 : 80,
    ...(opts.bufferFormat !== undefined ? { bufferFormat: opts.bufferFormat } : {}),
  };
  const host = new HostState({ sysdig029: true });
  const resolver = new HostResolver(host, render);
  const registry = syscallFieldRegistry();
  const overrides = sysdig029Overrides(resolver, render);
  const overridden = new Set(overrides.map((d) => d.name));
  const defs = [...registry.list().filter((d) => !overridden.has(d.name)), ...overrides];

  // Parsed once: the tree is compiled and also tells whether the filter reads memory counters.
  const filterTree = opts.filter !== undefined && opts.filter.trim() !== '' ? parseCondition(opts.filter) : undefined;
  const filter = filterTree !== undefined ? compileCondition<ReplayContext>(filterTree, { registry: syscallFieldRegistry() }) : undefined;
  const json = opts.json === true;
  // The default text line has a fast path; -p formats and JSON go through the fields.
  const fast = !json && opts.format === undefined;
  let parsed: ParsedFormat | undefined;
  let tokens: RenderToken[] = [];
  if (!fast) {
    parsed = parseFormat(opts.format ?? DEFAULT_FORMAT, defs);
    tokens = parsed.tokens.map((t) => (t.kind === 'text' ? t : compileToken(t)));
  }
  const requireAll = parsed?.requireAll ?? false;
  host.memoryCounters = inspectReadsMemoryCounters(filterTree, parsed);

  const ctx = createReplayContext(stateViewOf(host), undefined as unknown as EventView);
  ctx.render = render;
  const time = new TimeFormatter();
  const jsonValues = new Map<string, InspectJsonValue>();
  const needTimes = TIME_FIELDS.test(`${opts.filter ?? ''} ${opts.format ?? ''}`);

  const renderLine = (ev: EventView, num: number): string | undefined => {
    if (fast) {
      const t = host.thread;
      resolver.t = t;
      const info = EVENT_TABLE[ev.type];
      const args = info === undefined ? '' : renderEventArgs(ev, info, resolver, render);
      return `${num} ${time.format(ev.ts)} ${ev.cpu} ${t === undefined ? '<NA>' : sanitize(t.comm)} (${ev.tid}) ${(ev.type & 1) === 0 ? '>' : '<'} ${sysdig029TypeName(ev.type, genericId(ev))} ${args}`;
    }
    if (json) {
      for (const tok of tokens) {
        if (tok.kind === 'text') continue;
        const v = tok.extract(ctx);
        if (v === undefined && requireAll) return undefined;
        jsonValues.set(tok.key, jsonOf(tok, ctx, v));
      }
      return encodeJsonObject(jsonValues);
    }
    let line = '';
    for (const tok of tokens) {
      if (tok.kind === 'text') {
        line += tok.text;
        continue;
      }
      let s: string;
      if (tok.name === 'evt.outputtime' || tok.name === 'evt.time') {
        s = time.format(ctx.evt.ts);
      } else {
        const v = tok.extract(ctx);
        if (v === undefined && requireAll) return undefined;
        s = formatFieldValue(tok.spec, v, render);
      }
      if (tok.width !== 0) s = s.length > tok.width ? s.slice(0, tok.width) : s.padEnd(tok.width, ' ');
      line += s;
    }
    return line;
  };

  const loop = new InspectLoop(host, ctx, filter, needTimes, opts.limit ?? Infinity, renderLine);
  const reader = await ScapReader.open(path, {
    strictEventTypes: false,
    afterChunk: async () => {
      if (loop.out.length > 0) {
        const text = loop.out;
        loop.out = '';
        await sink(text);
      }
    },
  });
  // libsinsp filters events that do not modify state after the thread lookup and before
  // parsing them (see InspectLoop.beforeParse).
  if (filter !== undefined) host.beforeParse = (ev) => loop.beforeParse(ev);
  try {
    await reader.read({
      onBlock(b) {
        if (isStateBlockType(b.type)) host.applyRawBlock(b);
      },
      onEvent: (ev) => loop.onEvent(ev),
    });
  } catch (e) {
    if (!(e instanceof StopReading)) {
      if (loop.out.length > 0) {
        await sink(loop.out);
        loop.out = '';
      }
      throw e;
    }
  } finally {
    await reader.close();
  }
  if (loop.out.length > 0) await sink(loop.out);
  return { events: loop.events, matched: loop.matched, printed: loop.printed, limited: loop.limited };
}

/**
 * The per-event part of `inspect`, as one object so that its state lives in fields
 * (cheap to reach from optimised code) rather than in an async function's closure.
 */
class InspectLoop {
  /** Events numbered so far (evt.num of the current one). */
  events = 0;
  matched = 0;
  printed = 0;
  limited = false;
  /** Output not yet handed to the sink (flushed after each chunk of the capture). */
  out = '';
  private firstTs = 0n;
  /** libsinsp keeps one "previous event" time per field instance: the filter's ... */
  private filterPrevTs = 0n;
  /** ... and the formatter's, for evt.deltatime. */
  private formatPrevTs = 0n;
  /** Still inside the container events that open a capture (see onEvent). */
  private leading = true;
  /** The class bits (C_*) of the current event. */
  private curCls = 0;
  /** The filter's verdict from beforeParse for the current event (PRE_*). */
  private preParse = PRE_NONE;

  constructor(
    private readonly host: HostState,
    private readonly ctx: ReplayContext,
    private readonly filter: Predicate<ReplayContext> | undefined,
    private readonly needTimes: boolean,
    private readonly limit: number,
    private readonly renderLine: (ev: EventView, num: number) => string | undefined,
  ) {}

  /** Points the context at the event as the engine has it now (its thread and fd). */
  private bind(ev: EventView, cls: number): void {
    const ctx = this.ctx;
    const host = this.host;
    ctx.evt = ev;
    ctx.evtNum = this.events;
    const t = host.thread;
    ctx.thread = t;
    if ((cls & C_NO_FD) !== 0) {
      // sysdig 0.29's table did not flag these as using an fd: no fd for the event,
      // and the thread's last fd is reset.
      ctx.fd = undefined;
      ctx.fdNum = -1;
      if (t !== undefined) t.lastEventFd = -1;
    } else {
      const f = host.fd;
      ctx.fd = f;
      ctx.fdNum = host.fdNum;
      // With a filter, sysdig 0.29 looks up the fd of every write exit (its tracer
      // check), so an unpaired one still has the thread's last fd.
      if ((cls & C_WRITE_X) !== 0 && f === undefined && t !== undefined && t.lastEventFd !== -1 && this.filter !== undefined) {
        ctx.fd = host.threads.getFd(t, t.lastEventFd);
      }
    }
    if (this.needTimes) {
      const ts = ev.ts;
      if (this.firstTs === 0n && (cls & C_CONTAINER_JSON) === 0) this.firstTs = ts;
      ctx.firstTs = this.firstTs;
      ctx.curTs = ts;
    }
  }

  /** Runs the filter once for the (bound) event. */
  private runFilter(ev: EventView): boolean {
    if (this.needTimes) {
      this.ctx.prevTs = this.filterPrevTs;
      this.filterPrevTs = ev.ts;
    }
    return this.filter!(this.ctx);
  }

  /**
   * The engine's hook between thread lookup and parser. Events that do not modify state
   * are filtered here; a rejected one is not parsed, and its thread's last event type is
   * reset so that its exit does not pair (libsinsp 0.9).
   */
  beforeParse(ev: EventView): boolean {
    const cls = this.curCls;
    if ((cls & (C_PREPARSE_FILTER | C_PREPARSE_ONLY)) === 0) return true;
    this.bind(ev, cls);
    if (this.runFilter(ev)) {
      this.preParse = PRE_PASS;
      return true;
    }
    this.preParse = PRE_FAIL;
    const t = this.ctx.thread;
    if (t !== undefined && (cls & C_PREPARSE_FILTER) !== 0) t.lastEventType = LAST_EVENT_TYPE_NONE;
    return false;
  }

  onEvent(ev: EventView): void {
    const type = ev.type;
    if (type >= SYSDIG029_EVENT_MAX) return;
    this.events++;
    const cls = CLASS[type]!;
    this.curCls = cls;
    this.preParse = PRE_NONE;
    this.host.applyLoadedEvent(ev);
    if (this.preParse === PRE_FAIL) {
      // Rejected before parsing: beforeParse bound the context (with its side effect on
      // the thread's last fd) and nothing changed since; only the leading-events window
      // can still move.
      if (this.leading && (cls & C_LEADING) === 0) this.leading = false;
      return;
    }
    this.bind(ev, cls);
    // libsinsp runs the filter on every event it parses (the leading container events,
    // state-only events and failed container lookups included). Events that do not
    // modify state were filtered in beforeParse (before parsing, as libsinsp does); the
    // rest are filtered here, after parsing.
    let pass = true;
    if (this.filter !== undefined && this.preParse !== PRE_PASS) {
      pass = this.runFilter(ev);
      if (!pass && (cls & C_PREPARSE_FILTER) !== 0) {
        const t = this.ctx.thread;
        if (t !== undefined) t.lastEventType = LAST_EVENT_TYPE_NONE;
      }
    }
    // sinsp::open consumes the container events at the start of a capture file through
    // next() (numbered and parsed) before sysdig's loop starts.
    if (this.leading) {
      if ((cls & C_LEADING) !== 0) return;
      this.leading = false;
    }
    if (!pass) return;
    if ((ev.blockFlags & SCAP_DF_STATE_ONLY) !== 0) return;
    if ((cls & C_CONTAINER_JSON) !== 0) {
      const b = ev.paramBytes(0);
      if (b !== undefined && containerLookupFailed(b.toString('utf8'))) return;
    }
    this.matched++;
    if ((cls & C_INTERNAL) === 0) {
      if (this.needTimes) {
        this.ctx.prevTs = this.formatPrevTs;
        this.formatPrevTs = ev.ts;
      }
      const line = this.renderLine(ev, this.events);
      if (line !== undefined) {
        this.out += line + '\n';
        this.printed++;
      }
    }
    if (this.matched >= this.limit) {
      this.limited = true;
      throw new StopReading();
    }
  }
}

