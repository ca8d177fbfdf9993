/**
 * The engine entry point `falco-scap test` loads in its worker threads: one replay of a
 * case's captures with its rules and config, alerts in the runner's plain shape.
 */
import type { ReplayOutcome, ReplayRequest, TestAlert } from '../testing/types.js';
import { loadConfig } from './config/config.js';
import { buildRuleset, DEFAULT_RULES_DIR, loadRules, ReplayEngine } from './engine.js';
import type { Alert } from './output/alert.js';
import type { OutputJsonValue } from './output/format.js';
import { formatPriority } from './rules/types.js';

function plain(v: OutputJsonValue): string | number | boolean | null {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));
}

function toTestAlert(a: Alert): TestAlert {
  const fields: Record<string, string | number | boolean | null> = {};
  for (const [k, v] of Object.entries(a.outputFields)) fields[k] = plain(v);
  return { time: a.time, rule: a.rule, priority: formatPriority(a.priority), source: a.source, tags: [...a.tags], output: a.output, outputFields: fields };
}

export async function replayForTest(req: ReplayRequest): Promise<ReplayOutcome> {
  const config = loadConfig({ ...(req.configFile !== undefined ? { configFile: req.configFile } : {}), overrides: req.overrides });
  const paths = req.rulesFiles.length > 0 ? req.rulesFiles : req.configFile !== undefined && config.rulesFiles.length > 0 ? [...config.rulesFiles] : [DEFAULT_RULES_DIR];
  const rules = loadRules(paths, config);
  const engine = new ReplayEngine(buildRuleset(rules, config), config);
  const alerts: TestAlert[] = [];
  for (const capture of req.captures) {
    await engine.replay(capture, { onAlert: (a) => void alerts.push(toTestAlert(a)) });
  }
  return { alerts, events: engine.stats.events };
}
