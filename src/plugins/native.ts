/**
 * Loads the optional plugin host addon (native/plugin-host). The addon is built on demand
 * (`node native/plugin-host/build.mjs`); when it is missing, every plugin entry point
 * reports why and how to build it instead of failing obscurely.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The raw descriptive info the addon reads from a plugin (JSON lists still unparsed). */
export interface NativePluginInfo {
  readonly path: string;
  readonly name: string;
  readonly description: string;
  readonly contact: string;
  readonly version: string;
  readonly requiredApiVersion: string;
  readonly hostApiVersion: string;
  readonly capabilities: string[];
  readonly id: number;
  readonly eventSource: string;
  readonly extractEventSources: string | null;
  readonly parseEventSources: string | null;
  readonly asyncEventSources: string | null;
  readonly asyncEvents: string | null;
  readonly hasInitSchema: boolean;
  readonly hasSetConfig: boolean;
  readonly hasMetrics: boolean;
  readonly hasProgress: boolean;
  readonly hasEventToString: boolean;
  readonly hasListOpenParams: boolean;
}

export interface NativeExtractField {
  /** Index of the field in the plugin's get_fields list. */
  id: number;
  name: string;
  /** ss_plugin_field_type code (8 uint64, 9 string, 20 reltime, 21 abstime, 25 bool, 40 ipaddr, 41 ipnet). */
  ftype: number;
  list?: boolean;
  argKey?: string;
  argIndex?: number;
}

export type NativeScalar = string | number | bigint | boolean | Uint8Array;
export type NativeValue = NativeScalar | NativeScalar[] | undefined;

export interface NativeLogs {
  entries: { component: string; message: string; severity: number }[];
  dropped: number;
}

export interface NativeMetric {
  name: string;
  type: 'monotonic' | 'non-monotonic';
  value: number | bigint;
}

/** One loaded plugin library (native object). Every method throws on plugin misbehaviour. */
export interface NativePluginHost {
  info(): NativePluginInfo;
  initSchema(): { type: number; schema: string | null };
  init(config: string): void;
  destroy(): void;
  lastError(): string | null;
  setConfig(config: string): void;
  getMetrics(): NativeMetric[];
  getFields(): string;
  extractEventTypes(): number[] | null;
  parseEventTypes(): number[] | null;
  requiredEventSchemaVersion(): string | null;
  open(params: string): number;
  close(instance: number): void;
  nextBatch(instance: number): { rc: 'ok' | 'eof' | 'timeout'; count: number; events: Buffer };
  /** nextBatch with next_batch run on a worker thread (other plugin calls on this host wait for it). */
  nextBatchAsync(instance: number): Promise<{ rc: 'ok' | 'eof' | 'timeout'; count: number; events: Buffer }>;
  getProgress(instance: number): { pct: number; text: string | null } | null;
  eventToString(event: Uint8Array, evtnum: number, evtsrc?: string): string | null;
  listOpenParams(): string | null;
  /** `evtsrc`: the event source name told to the plugin on every extraction with this request (default: its own, or "syscall"). */
  prepareExtraction(fields: NativeExtractField[], evtsrc?: string): number;
  extractBatch(request: number, events: Uint8Array, firstEvtnum: number, evtsrc?: string): NativeValue[];
  parseBatch(events: Uint8Array, firstEvtnum: number, evtsrc?: string): number;
  setAsyncHandler(enabled: boolean): void;
  takeAsyncEvents(): { count: number; events: Buffer };
  takeLogs(): NativeLogs;
  ownerTables(): { name: string; keyType: number }[];
  /** Backs the "threads" table with a JS provider (src/plugins/tables.ts); before init. */
  setThreadsTable(provider: { get(tid: number): object | undefined; size(): number; entries(): object[] }, fields: { name: string; prop: string; type: number }[]): void;
}

export interface PluginHostAddon {
  readonly PluginHost: new (path: string) => NativePluginHost;
  readonly abiVersion: number;
  readonly pluginApiVersion: string;
}

export const BUILD_COMMAND = 'node native/plugin-host/build.mjs';

export type AddonLoadResult = { ok: true; addon: PluginHostAddon; path: string } | { ok: false; reason: string };

function packageRoot(): string {
  // src/plugins/native.ts and dist/plugins/native.js are both two levels below the root
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
}

/** Where the addon is expected (FALCO_SCAP_PLUGIN_HOST_ADDON overrides it). */
export function pluginHostAddonPath(): string {
  return process.env.FALCO_SCAP_PLUGIN_HOST_ADDON || join(packageRoot(), 'native', 'plugin-host', 'build', 'Release', 'falco_scap_plugin_host.node');
}

let cached: AddonLoadResult | undefined;

/** Loads the addon once (an explicit `path` bypasses the cache); never throws. */
export function loadPluginHostAddon(explicitPath?: string): AddonLoadResult {
  if (explicitPath !== undefined) return loadFrom(explicitPath);
  return (cached ??= loadFrom(pluginHostAddonPath()));
}

function loadFrom(path: string): AddonLoadResult {
  if (process.platform === 'win32') return { ok: false, reason: 'Falco plugins are not supported on Windows by falco-scap' };
  if (!existsSync(path)) {
    let why = 'the plugin host addon is not built';
    const skipped = join(packageRoot(), 'native', 'plugin-host', 'build', 'SKIPPED');
    if (existsSync(skipped)) {
      const first = readFileSync(skipped, 'utf8').split('\n')[0]?.trim();
      if (first) why += ` (${first})`;
    }
    return { ok: false, reason: `${why}; build it with \`${BUILD_COMMAND}\` (needs a C++ compiler, make and python3)` };
  }
  try {
    const require = createRequire(import.meta.url);
    const addon = require(path) as PluginHostAddon;
    if (typeof addon.PluginHost !== 'function' || addon.abiVersion !== 1)
      return { ok: false, reason: `${path} is not a compatible plugin host addon; rebuild it with \`${BUILD_COMMAND}\`` };
    return { ok: true, addon, path };
  } catch (e) {
    return { ok: false, reason: `cannot load ${path}: ${(e as Error).message.split('\n')[0]}; rebuild it with \`${BUILD_COMMAND}\`` };
  }
}
