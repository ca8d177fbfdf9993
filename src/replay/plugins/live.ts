/**
 * Live plugin sources (`replay --open-params` / a config's open_params, no capture): every
 * enabled sourcing plugin is read to its end through its source's rules, with the async
 * events of the plugins attached to that source merged into its stream, as a Falco live
 * inspector does.
 *
 * - Several sources are read concurrently (Falco gives each its own thread): next_batch runs
 *   on a libuv worker (`nextBatchAsync`), so a source blocked in its plugin does not stall
 *   the others; their batches are evaluated on the JS thread as they arrive. One source is
 *   read with the synchronous call (nothing else to do meanwhile; no per-batch thread hop).
 * - Async events (libsinsp's handle_plugin_async_event and fetch_next_event): plugins with
 *   the async capability whose get_async_event_sources admits the source get a handler when
 *   reading starts and lose it at the end. Queued events are checked before every batch and
 *   on every timeout (libsinsp also looks at its queue only in next()): an event goes before
 *   the next source event whose timestamp is not older than its own; timestamp (uint64)-1
 *   means "as soon as possible" and becomes the current time; on a timeout, events up to
 *   now are delivered. The plugin ID parameter is set to the source plugin's ID (so
 *   evt.pluginname is the source plugin, as in libsinsp); events with a thread ID are refused
 *   on a plugin source (libsinsp fails the handler call), counted and reported. What is still
 *   queued when the source ends is not delivered (libsinsp stops at EOF too) and is reported.
 *   Reading captures never installs handlers: libsinsp only does it for live inspectors.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { PPME_ASYNCEVENT_E, type PluginEvent, type PluginEventBatch } from '../../plugins/events.js';
import { loadPlugin, type Plugin, type PluginCapture, type PluginProgress } from '../../plugins/plugin.js';
import { threadsTable } from '../../plugins/tables.js';
import type { ReplayStats } from '../engine.js';
import type { Alert } from '../output/alert.js';
import { isSourceCompatible, type LoadedPlugin } from './host.js';
import type { SourceEvaluator } from './replay.js';

const NO_TS = 0xffffffffffffffffn;
const NO_TID = 0xffffffffffffffffn;
/** Offset of an async event's plugin ID (header + three u32 parameter lengths). */
const ASYNC_PLUGIN_ID_OFFSET = 26 + 12;

export interface LiveInput {
  readonly loaded: LoadedPlugin;
  readonly params: string;
}

export interface LiveSourceCallbacks {
  onAlert(alert: Alert): void | Promise<void>;
  /** Progress of one source (`input`), with the events read so far across all sources. */
  onProgress?(input: LiveInput, p: PluginProgress, events: number): void;
}

/** Counters of async events met while reading live sources, by source. */
export interface LiveAsyncStats {
  readonly delivered: Record<string, number>;
  /** Events with a thread ID, refused on a plugin source, by plugin name. */
  readonly refusedTid: Record<string, number>;
  /** Events still queued when their source ended, by source. */
  readonly undelivered: Record<string, number>;
}

/** Pending async events of one source, ordered by timestamp ((uint64)-1 first), stable. */
class AsyncQueue {
  private pending: PluginEvent[] = [];

  constructor(
    private readonly sourceId: number,
    private readonly plugins: readonly Plugin[],
    private readonly stats: LiveAsyncStats,
  ) {}

  /** Moves what the plugins queued since the last call into the pending list. */
  poll(): void {
    for (const p of this.plugins) {
      const got = p.takeAsyncEvents();
      for (const e of got) {
        if (e.tid !== NO_TID) {
          this.stats.refusedTid[p.name] = (this.stats.refusedTid[p.name] ?? 0) + 1;
          continue;
        }
        const raw = new Uint8Array(e.raw); // a copy: its plugin ID and timestamp get rewritten
        new DataView(raw.buffer).setUint32(ASYNC_PLUGIN_ID_OFFSET, this.sourceId, true);
        this.insert({ ...e, raw, pluginId: this.sourceId });
      }
    }
  }

  private insert(e: PluginEvent): void {
    const key = (x: PluginEvent): bigint => (x.ts === NO_TS ? -1n : x.ts);
    const k = key(e);
    let i = this.pending.length;
    while (i > 0 && key(this.pending[i - 1]!) > k) i--;
    this.pending.splice(i, 0, e);
  }

  /** Whether the first pending event goes before a source event of timestamp `ts`. */
  due(ts: bigint): boolean {
    const h = this.pending[0];
    return h !== undefined && (h.ts === NO_TS || h.ts <= ts);
  }

  /** Removes the first pending event; a (uint64)-1 timestamp becomes the current time. */
  shift(): Uint8Array {
    const e = this.pending.shift()!;
    if (e.ts === NO_TS) new DataView(e.raw.buffer, e.raw.byteOffset).setBigUint64(0, nowNs(), true);
    return e.raw;
  }

  get size(): number {
    return this.pending.length;
  }
}

function nowNs(): bigint {
  return BigInt(Date.now()) * 1_000_000n;
}

/** One source being read: its plugin, evaluator, async queue and event numbering. */
class LiveSource {
  /** evt.num of the next event (plugin and async events share the numbering, from 1). */
  private next = 1;
  events = 0;
  private readonly out: Alert[] = [];

  constructor(
    readonly input: LiveInput,
    private readonly evaluator: SourceEvaluator,
    readonly asyncPlugins: readonly Plugin[],
    private readonly queue: AsyncQueue | undefined,
    private readonly stats: LiveAsyncStats,
  ) {}

  get source(): string {
    return this.input.loaded.plugin.info.eventSource;
  }

  /** Evaluates a batch, with the async events due before each of its events. */
  onBatch(b: PluginEventBatch): Alert[] {
    const q = this.queue;
    q?.poll();
    if (q === undefined || q.size === 0) {
      this.evalPlugin(b.buffer, b.count);
    } else {
      const dv = new DataView(b.buffer.buffer, b.buffer.byteOffset, b.buffer.byteLength);
      let start = 0; // byte offset of the first event not evaluated yet
      let startIdx = 0;
      let off = 0;
      for (let i = 0; i < b.count; i++) {
        const ts = dv.getBigUint64(off, true);
        if (q.due(ts)) {
          this.evalPlugin(b.buffer.subarray(start, off), i - startIdx);
          while (q.due(ts)) this.evalAsync(q.shift());
          start = off;
          startIdx = i;
        }
        off += dv.getUint32(off + 16, true);
      }
      this.evalPlugin(b.buffer.subarray(start), b.count - startIdx);
    }
    this.events += b.count;
    return this.out.splice(0);
  }

  /** On a timeout: the async events due by now. */
  onIdle(): Alert[] {
    const q = this.queue;
    if (q === undefined) return [];
    q.poll();
    const now = nowNs();
    while (q.due(now)) this.evalAsync(q.shift());
    return this.out.splice(0);
  }

  /** At the end of the source: what is left queued is not delivered (counted). */
  finish(): void {
    const q = this.queue;
    if (q === undefined) return;
    q.poll();
    if (q.size > 0) this.stats.undelivered[this.source] = (this.stats.undelivered[this.source] ?? 0) + q.size;
  }

  private evalPlugin(buf: Uint8Array, count: number): void {
    if (count === 0) return;
    const loaded = this.input.loaded;
    this.evaluator.evaluate(buf, count, this.next, () => loaded, this.out);
    this.next += count;
  }

  private evalAsync(raw: Uint8Array): void {
    const loaded = this.input.loaded;
    this.evaluator.evaluate(raw, 1, this.next, () => loaded, this.out, PPME_ASYNCEVENT_E);
    this.next++;
    this.events++;
    this.stats.delivered[this.source] = (this.stats.delivered[this.source] ?? 0) + 1;
  }
}

/**
 * The async plugins of each live source: those whose async sources admit it. As Falco
 * registers and initializes a plugin in every live inspector it suits, a plugin compatible
 * with several live sources gets a second, third... instance (same library and init config,
 * its own state and handler) for the other sources; the loaded instance serves the first.
 * `extra` lists those instances: the caller destroys them.
 */
export function asyncPluginsBySource(inputs: readonly LiveInput[], loaded: readonly LoadedPlugin[]): { bySource: Map<string, Plugin[]>; extra: Plugin[] } {
  const bySource = new Map<string, Plugin[]>();
  const extra: Plugin[] = [];
  for (const i of inputs) bySource.set(i.loaded.plugin.info.eventSource, []);
  try {
    for (const l of loaded) {
      const p = l.plugin;
      if (!p.has('async')) continue;
      const compatible = [...bySource.keys()].filter((s) => isSourceCompatible(p.info.asyncEventSources, s));
      compatible.forEach((src, k) => {
        let inst = p;
        if (k > 0) {
          inst = loadPlugin(l.spec.libraryPath, l.spec.initConfig);
          extra.push(inst);
        }
        bySource.get(src)!.push(inst);
      });
    }
  } catch (e) {
    for (const p of extra) p.destroy();
    throw e;
  }
  return { bySource, extra };
}

/**
 * Reads the live sources to their end (concurrently when there are several), evaluating
 * each source's rules on its events and its async events. `stats` gets the events of all
 * sources, one "capture" per source, and the wall time of the whole read.
 */
export async function replayLiveSources(
  inputs: readonly LiveInput[],
  evaluators: ReadonlyMap<string, SourceEvaluator>,
  loaded: readonly LoadedPlugin[],
  stats: ReplayStats,
  asyncStats: LiveAsyncStats,
  cb: LiveSourceCallbacks,
  opts: { idleMs?: number } = {},
): Promise<void> {
  const started = performance.now();
  const { bySource, extra } = asyncPluginsBySource(inputs, loaded);
  try {
    await readAll(inputs, evaluators, bySource, stats, asyncStats, cb, opts.idleMs ?? 10);
  } finally {
    for (const p of extra) p.destroy();
    stats.seconds += (performance.now() - started) / 1000;
  }
}

async function readAll(
  inputs: readonly LiveInput[],
  evaluators: ReadonlyMap<string, SourceEvaluator>,
  bySource: ReadonlyMap<string, Plugin[]>,
  stats: ReplayStats,
  asyncStats: LiveAsyncStats,
  cb: LiveSourceCallbacks,
  idleMs: number,
): Promise<void> {
  const sources = inputs.map((input) => {
    const src = input.loaded.plugin.info.eventSource;
    const ev = evaluators.get(src);
    if (!ev) throw new Error(`no evaluator for source ${src}`);
    const ap = bySource.get(src) ?? [];
    return new LiveSource(input, ev, ap, ap.length > 0 ? new AsyncQueue(input.loaded.plugin.info.id, ap, asyncStats) : undefined, asyncStats);
  });
  // A live plugin source has no system state: the threads table is empty.
  threadsTable.use(undefined);
  const parallel = sources.length > 1;
  const state = { failed: false };
  let readSoFar = 0;
  const run = async (s: LiveSource): Promise<void> => {
    const enabled: Plugin[] = [];
    let cap: PluginCapture | undefined;
    try {
      // libsinsp installs the handlers when the live inspector opens, before reading.
      for (const p of s.asyncPlugins) {
        p.setAsyncEvents(true);
        enabled.push(p);
      }
      cap = s.input.loaded.plugin.open(s.input.params);
      for (;;) {
        if (state.failed) return;
        const b = parallel ? await cap.nextBatchAsync() : cap.nextBatch();
        if (!b) break;
        const alerts = b.count > 0 ? s.onBatch(b) : s.onIdle();
        readSoFar += b.count;
        for (const a of alerts) await cb.onAlert(a);
        if (b.progress) cb.onProgress?.(s.input, b.progress, stats.events + readSoFar);
        if (b.count === 0 && !cap.ended) await sleep(idleMs);
      }
      s.finish();
    } catch (e) {
      state.failed = true;
      throw e;
    } finally {
      cap?.close();
      for (const p of enabled) p.setAsyncEvents(false);
    }
  };
  try {
    const results = await Promise.allSettled(sources.map(run));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  } finally {
    for (const s of sources) {
      stats.events += s.events;
      stats.captures++;
    }
  }
}
