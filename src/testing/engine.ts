/**
 * The real engine as `falco-scap test` uses it (loaded inside each worker thread):
 * `prepareForTest` loads and compiles a case's rules once, and the returned object replays
 * any number of captures with them. Loading and compiling a full ruleset costs several
 * times a small capture's replay, so the runner keeps prepared rules per worker
 * (see cache.ts) instead of compiling them again for every case.
 */
import { loadConfig, type ReplayConfig } from '../replay/config/config.js';
import type { PluginSpec } from '../replay/plugins/host.js';
import { PluginReplaySession } from '../replay/plugins/session.js';
import { buildRuleset, DEFAULT_RULES_DIR, loadRules, ReplayEngine } from '../replay/engine.js';
import type { Alert } from '../replay/output/alert.js';
import type { OutputJsonValue } from '../replay/output/format.js';
import { formatPriority } from '../replay/rules/types.js';
import type { PreparedRules, ReplayOutcome, ReplayRequest, RulesRequest, TestAlert } from './types.js';

function plain(v: OutputJsonValue): string | number | boolean | null {
  if (v === null || typeof v === 'string' || typeof v === 'boolean' || typeof v === 'number') return v;
  if (typeof v === 'bigint') return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));
}

function toTestAlert(a: Alert): TestAlert {
  const fields: Record<string, string | number | boolean | null> = {};
  for (const [k, v] of Object.entries(a.outputFields)) fields[k] = plain(v);
  return { time: a.time, rule: a.rule, priority: formatPriority(a.priority), source: a.source, tags: [...a.tags], output: a.output, outputFields: fields };
}

export async function prepareForTest(req: RulesRequest): Promise<PreparedRules> {
  const config = loadConfig({ ...(req.configFile !== undefined ? { configFile: req.configFile } : {}), overrides: req.overrides });
  const paths = req.rulesFiles.length > 0 ? req.rulesFiles : req.configFile !== undefined && config.rulesFiles.length > 0 ? [...config.rulesFiles] : [DEFAULT_RULES_DIR];
  if (req.plugins?.length) return prepareWithPlugins(req, paths, config);
  const rules = loadRules(paths, config);
  // The engine keeps no state between captures but its counters: one engine serves every case.
  const engine = new ReplayEngine(buildRuleset(rules, config), config);
  return prepared(engine, [...rules.loader.collector.rules].map((r) => r.name));
}

/**
 * A case with plugins: they are loaded (in the worker, kept with the prepared rules for the
 * worker's life), rules of their sources compiled against their fields, and their events
 * in the captures routed to those rules, as `falco-scap replay --plugin` does.
 */
function prepareWithPlugins(req: RulesRequest, paths: readonly string[], config: ReplayConfig): PreparedRules {
  const specs = (req.plugins ?? []).map((p): PluginSpec => ({ name: '', libraryPath: p.libraryPath, initConfig: p.initConfig, openParams: '', origin: p.origin }));
  const session = PluginReplaySession.open(paths, config, { pluginArgs: [], specs, tags: {} });
  const engine = new ReplayEngine(buildRuleset(session.rules, config), config, session.rules.syscallRegistry);
  session.attach(engine);
  return prepared(engine, [...session.rules.loader.collector.rules].map((r) => r.name));
}

function prepared(engine: ReplayEngine, ruleNames: string[]): PreparedRules {
  return {
    ruleNames,
    async replay(captures: readonly string[]): Promise<ReplayOutcome> {
      const before = engine.stats.events;
      const alerts: TestAlert[] = [];
      for (const capture of captures) {
        await engine.replay(capture, { onAlert: (a) => void alerts.push(toTestAlert(a)) });
      }
      return { alerts, events: engine.stats.events - before };
    },
  };
}

/** One self-contained replay (rules loaded for this call only). */
export async function replayForTest(req: ReplayRequest): Promise<ReplayOutcome> {
  return (await prepareForTest(req)).replay(req.captures);
}
