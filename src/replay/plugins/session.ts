/**
 * One replay with plugins, from the command line's point of view: load the plugins, the
 * rules for every source, attach plugin-event routing to the syscall engine, and read
 * plugin sources live when no capture is given.
 */
import { InputError } from '../../errors.js';
import type { PluginProgress } from '../../plugins/plugin.js';
import type { ReplayConfig } from '../config/config.js';
import type { ReplayEngine, ReplayStats } from '../engine.js';
import type { Alert } from '../output/alert.js';
import { PluginSet, pluginSpecs, selectEventSources, type LoadedPlugin, type PluginSpec } from './host.js';
import { replayLiveSources, type LiveAsyncStats, type LiveInput, type LiveSourceCallbacks } from './live.js';
import { CaptureRouter, loadRulesWithPlugins, sourceEvaluators, type PluginRules, type RoutingStats, type SourceEvaluator } from './replay.js';

export interface PluginReplayOptions {
  /** `--plugin PATH[:INIT_CONFIG]` values. */
  readonly pluginArgs: readonly string[];
  /** Plugins given already parsed (e.g. a test spec's `plugins:`), loaded after the `--plugin` ones. */
  readonly specs?: readonly PluginSpec[];
  /** `--open-params`: open parameters of the sourcing plugin read live. */
  readonly openParams?: string;
  readonly tags: { enable?: readonly string[]; disable?: readonly string[] };
  /** `--enable-source` / `--disable-source` (live plugin sources only, as in Falco). */
  readonly enableSources?: readonly string[];
  readonly disableSources?: readonly string[];
}

export class PluginReplaySession {
  private evaluators: Map<string, SourceEvaluator> | undefined;
  readonly routing: RoutingStats = { bySource: {}, unknownIds: {} };
  /** Async events of live sources: delivered, refused and left undelivered. */
  readonly asyncEvents: LiveAsyncStats = { delivered: {}, refusedTid: {}, undelivered: {} };

  private constructor(
    readonly set: PluginSet,
    readonly rules: PluginRules,
    private readonly config: ReplayConfig,
    private readonly opts: PluginReplayOptions,
  ) {}

  /** Loads the configured and `--plugin` plugins, then the rules (required_plugin_versions checked). */
  static open(rulesPaths: readonly string[], config: ReplayConfig, opts: PluginReplayOptions): PluginReplaySession {
    const specs = [...pluginSpecs(config.plugins, opts.pluginArgs, config.configFile), ...(opts.specs ?? [])];
    const set = specs.length > 0 ? PluginSet.load(specs) : PluginSet.empty();
    try {
      return new PluginReplaySession(set, loadRulesWithPlugins(rulesPaths, config, set), config, opts);
    } catch (e) {
      set.destroy();
      throw e;
    }
  }

  /** Routes plugin events of captures replayed by `engine` to the plugin sources' rules. */
  attach(engine: ReplayEngine): void {
    this.evaluators = sourceEvaluators(this.rules, this.config, this.opts.tags, engine.stats);
    const parsers = this.rules.syscall?.parsers ?? [];
    // Nothing to route or parse: the engine's loop stays the plain one.
    if (this.evaluators.size === 0 && parsers.length === 0) return;
    const evaluators = this.evaluators;
    engine.foreignEvents = (state) => new CaptureRouter(this.set, evaluators, this.routing, state, parsers);
  }

  /** Rules enabled across the plugin sources. */
  get enabledRules(): number {
    let n = 0;
    for (const e of this.evaluators?.values() ?? []) n += e.enabledRules;
    return n;
  }

  /** The sourcing plugins read live (no capture given), each with its open parameters. */
  liveInputs(): { loaded: LoadedPlugin; params: string }[] {
    const enabled = selectEventSources(this.set.sources, this.opts.enableSources ?? [], this.opts.disableSources ?? []);
    const sourcing = this.set.loaded.filter((l) => l.plugin.has('sourcing') && l.plugin.info.id !== 0);
    if (sourcing.length === 0) throw new InputError('no capture given and no sourcing plugin loaded (give a capture, or --plugin with an event source and --open-params)');
    const inputs = sourcing.filter((l) => enabled.has(l.plugin.info.eventSource));
    if (inputs.length === 0) throw new InputError(`no capture given and every plugin source is disabled (enabled: ${[...enabled].join(', ')}; live system calls are not read)`);
    if (this.opts.openParams !== undefined && inputs.length > 1) {
      throw new InputError(`--open-params is ambiguous with ${inputs.length} sourcing plugins (${inputs.map((l) => l.plugin.name).join(', ')}); set open_params per plugin in the -c file`);
    }
    return inputs.map((loaded) => ({ loaded, params: this.opts.openParams ?? loaded.spec.openParams }));
  }

  /** Reads one sourcing plugin to its end through its source's rules (with its async events). */
  async replayLive(
    input: LiveInput,
    stats: ReplayStats,
    cb: { onAlert(a: Alert): void | Promise<void>; onProgress?(p: PluginProgress, events: number): void },
  ): Promise<void> {
    const onProgress = cb.onProgress;
    await this.replayLiveAll([input], stats, { onAlert: (a) => cb.onAlert(a), ...(onProgress ? { onProgress: (_i: LiveInput, p: PluginProgress, n: number) => onProgress(p, n) } : {}) });
  }

  /**
   * Reads every live input to its end, concurrently when there are several (Falco's thread
   * per source), each through its source's rules, with the async events of its plugins.
   */
  async replayLiveAll(inputs: readonly LiveInput[], stats: ReplayStats, cb: LiveSourceCallbacks): Promise<void> {
    if (!this.evaluators) throw new Error('attach() the session to an engine first');
    await replayLiveSources(inputs, this.evaluators, this.set.loaded, stats, this.asyncEvents, cb);
  }

  /** Notes for stderr: plugin warnings and plugin events nobody could take. */
  notes(): string[] {
    const out = [...this.set.warnings];
    for (const [name, n] of Object.entries(this.asyncEvents.refusedTid)) out.push(`${n} async event(s) of plugin '${name}' refused: async events of a plugin source may not have a thread ID`);
    for (const [src, n] of Object.entries(this.asyncEvents.undelivered)) out.push(`${n} async event(s) for source '${src}' still queued when the source ended were not delivered`);
    for (const [id, n] of Object.entries(this.routing.unknownIds)) out.push(`${n} plugin event(s) with plugin ID ${id} skipped: no loaded plugin has that ID`);
    return out;
  }

  destroy(): void {
    this.set.destroy();
  }
}
