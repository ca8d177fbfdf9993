/**
 * The plugins of one replay: which to load (`--plugin PATH[:INIT_CONFIG]` and falco.yaml's
 * `plugins:` / `load_plugins:`), loading them with libsinsp's / Falco's consistency rules,
 * and the event sources they add (Falco's load_plugins and init_inspectors actions).
 */
import { InputError } from '../../errors.js';
import { loadPlugin, type Plugin } from '../../plugins/plugin.js';
import type { PluginConfigEntry } from '../config/plugins.js';
import type { PluginRequirement } from '../rules/types.js';
import { SYSCALL_SOURCE } from '../rules/types.js';
import { syscallFieldRegistry } from '../fields/registry.js';
import { genEventFields } from './fields.js';

/** One plugin to load. */
export interface PluginSpec {
  /** The configured name (`plugins[].name`); '' for `--plugin`. */
  readonly name: string;
  readonly libraryPath: string;
  readonly initConfig: string;
  readonly openParams: string;
  /** Where it was asked for, for messages: `--plugin ARG` or `CONFIG: plugins[i]`. */
  readonly origin: string;
}

/**
 * `--plugin PATH[:INIT_CONFIG]`: everything after the first ':' is the init config, passed
 * verbatim (JSON for most plugins).
 */
export function parsePluginArg(arg: string): PluginSpec {
  const colon = arg.indexOf(':');
  const libraryPath = colon < 0 ? arg : arg.slice(0, colon);
  if (libraryPath === '') throw new InputError(`--plugin ${arg}: no library path (expected PATH[:INIT_CONFIG])`);
  return { name: '', libraryPath, initConfig: colon < 0 ? '' : arg.slice(colon + 1), openParams: '', origin: `--plugin ${arg}` };
}

/** The configured plugins then the `--plugin` ones, in that order. */
export function pluginSpecs(config: readonly PluginConfigEntry[], args: readonly string[], configFile = 'config'): PluginSpec[] {
  return [
    ...config.map((c, i): PluginSpec => ({ ...c, origin: `${configFile}: plugins entry '${c.name}' (load order ${i + 1})` })),
    ...args.map(parsePluginArg),
  ];
}

/**
 * The container plugin's fields are built into falco-scap (src/replay/fields/container.ts),
 * so rules requiring `container` are met without loading it; this is the plugin version
 * reported for that requirement (the upstream release whose fields we follow).
 */
export const BUILTIN_CONTAINER_PLUGIN = { name: 'container', version: '0.7.1' } as const;

/**
 * Falco's select_event_sources: `--enable-source` (only these) or `--disable-source` (all
 * but these) over the loaded sources. Falco ignores both when reading captures; so do we.
 */
export function selectEventSources(loaded: readonly string[], enable: readonly string[], disable: readonly string[]): Set<string> {
  if (enable.length > 0 && disable.length > 0) throw new InputError('You can not mix --enable-source and --disable-source');
  const out = new Set(enable.length > 0 ? [] : loaded);
  for (const src of enable) {
    if (!loaded.includes(src)) throw new InputError(`Attempted enabling an unknown event source: ${src}`);
    out.add(src);
  }
  for (const src of disable) {
    if (!loaded.includes(src)) throw new InputError(`Attempted disabling an unknown event source: ${src}`);
    out.delete(src);
  }
  if (out.size === 0) throw new InputError('Must enable at least one event source');
  return out;
}

/** libsinsp's is_source_compatible: an empty list means every source. */
export function isSourceCompatible(sources: readonly string[], source: string): boolean {
  return sources.length === 0 || sources.includes(source);
}

export interface LoadedPlugin {
  readonly plugin: Plugin;
  readonly spec: PluginSpec;
}

export class PluginSet {
  /** Event sources in Falco's order: syscall, then plugin sources in load order. */
  readonly sources: readonly string[];
  /** Non-fatal notes about the loaded plugins. */
  readonly warnings: readonly string[];
  private readonly byId = new Map<number, LoadedPlugin>();

  private constructor(readonly loaded: readonly LoadedPlugin[]) {
    const sources = [SYSCALL_SOURCE];
    const warnings: string[] = [];
    for (const l of loaded) {
      const p = l.plugin;
      if (!p.has('sourcing') || p.info.id === 0) continue;
      const other = this.byId.get(p.info.id);
      if (other) throw new InputError(`${l.spec.origin}: plugin '${p.name}': found another plugin with ID ${p.info.id} ('${other.plugin.name}')`);
      this.byId.set(p.info.id, l);
      if (!sources.includes(p.info.eventSource)) sources.push(p.info.eventSource);
    }
    this.sources = sources;
    for (const source of sources) this.checkOverlaps(source);
    for (const l of loaded) {
      const p = l.plugin;
      const input = p.has('sourcing') && p.info.id !== 0;
      const extracts = p.has('extraction') && sources.some((s) => isSourceCompatible(p.info.extractEventSources, s));
      const otherCap = p.has('parsing') || p.has('async');
      if (!input && !extracts && !otherCap) {
        throw new InputError(`Plugin '${p.name}' is loaded but unused as not compatible with any known event source`);
      }
    }
    this.warnings = warnings;
  }

  /** Loads every spec in order; on any failure, the plugins already loaded are destroyed. */
  static load(specs: readonly PluginSpec[]): PluginSet {
    const loaded: LoadedPlugin[] = [];
    try {
      for (const spec of specs) {
        const plugin = loadPlugin(spec.libraryPath, spec.initConfig);
        loaded.push({ plugin, spec });
        const dup = loaded.find((l) => l.plugin !== plugin && l.plugin.name === plugin.name);
        if (dup) throw new InputError(`${spec.origin}: found another plugin with name '${plugin.name}' (${dup.plugin.info.path})`);
        if (spec.name !== '' && spec.name !== plugin.name) {
          // Falco keys the plugin's configuration by the configured name; keep them equal.
          throw new InputError(`${spec.origin}: the library ${spec.libraryPath} is plugin '${plugin.name}', not '${spec.name}'`);
        }
      }
      return new PluginSet(loaded);
    } catch (e) {
      for (const l of loaded) {
        try {
          l.plugin.destroy();
        } catch {
          /* the first error is the one to report */
        }
      }
      throw e;
    }
  }

  get plugins(): Plugin[] {
    return this.loaded.map((l) => l.plugin);
  }

  /** The sourcing plugin of a PPME_PLUGINEVENT_E plugin ID. */
  byPluginId(id: number): LoadedPlugin | undefined {
    return this.byId.get(id);
  }

  /** The sourcing plugins of a (plugin) source, in load order. */
  sourcingPlugins(source: string): LoadedPlugin[] {
    return this.loaded.filter((l) => l.plugin.has('sourcing') && l.plugin.info.id !== 0 && l.plugin.info.eventSource === source);
  }

  /** Plugins whose fields apply to events of `source` (Falco's populate_filterchecks). */
  extractorsFor(source: string): Plugin[] {
    return this.plugins.filter((p) => p.has('extraction') && isSourceCompatible(p.info.extractEventSources, source));
  }

  /** Plugins with the parsing capability for events of `source`, in load order (Falco's parser list). */
  parsersFor(source: string): Plugin[] {
    return this.plugins.filter((p) => p.has('parsing') && isSourceCompatible(p.info.parseEventSources, source));
  }

  /** Async event names declared by plugins compatible with `source`. */
  asyncEventNames(source: string): string[] {
    return this.plugins.filter((p) => p.has('async') && isSourceCompatible(p.info.asyncEventSources, source)).flatMap((p) => p.info.asyncEvents);
  }

  /** What `required_plugin_versions` is checked against: the loaded plugins, plus the built-in container support. */
  requirements(): PluginRequirement[] {
    const out: PluginRequirement[] = this.plugins.map((p) => ({ name: p.name, version: p.info.version }));
    if (!out.some((p) => p.name === BUILTIN_CONTAINER_PLUGIN.name)) out.push({ ...BUILTIN_CONTAINER_PLUGIN });
    return out;
  }

  destroy(): void {
    for (const l of this.loaded) l.plugin.destroy();
  }

  /** Falco refuses two extractors (or the generic fields and a plugin) defining one field for a source. */
  private checkOverlaps(source: string): void {
    const builtin = source === SYSCALL_SOURCE ? syscallFieldRegistry().list() : genEventFields();
    const owner = new Map<string, string>(builtin.map((f) => [f.name, '']));
    for (const p of this.extractorsFor(source)) {
      for (const f of p.fields()) {
        if (owner.has(f.name)) throw new InputError(`Plugin '${p.name}' supports extraction of field '${f.name}' that is overlapping for source '${source}'`);
      }
      for (const f of p.fields()) owner.set(f.name, p.name);
    }
  }

  /** An empty set (no plugins): only the built-in requirements. */
  static empty(): PluginSet {
    return new PluginSet([]);
  }
}
