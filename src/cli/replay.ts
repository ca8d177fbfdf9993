import { writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Command } from 'commander';
import { InputError } from '../errors.js';
import { loadConfig, type ReplayConfig } from '../replay/config/config.js';
import { buildRuleset, DEFAULT_RULES_DIR, formatSummary, ReplayEngine } from '../replay/engine.js';
import { PluginReplaySession } from '../replay/plugins/session.js';
import { alertRenderer, sinksForConfig } from '../replay/output/emit.js';
import { LoadResult } from '../replay/rules/result.js';
import { action } from './run.js';
import type { Progress } from './progress.js';

const collect = (v: string, prev: string[]) => [...prev, v];

const NO_PROGRESS: Progress = { update: () => {}, stop: () => {} };

/**
 * The progress-bar maker. The bar library (cli-progress and its dependencies, about 20
 * modules) is imported only when a bar can show: most replays write to a pipe or a file.
 */
async function progressBars(enabled: boolean): Promise<(label: string) => Progress> {
  if (!enabled || !process.stderr.isTTY) return () => NO_PROGRESS;
  const { progressBar } = await import('./progress.js');
  return (label) => progressBar(label, true);
}

export interface ReplayCliOptions {
  rules: string[];
  config?: string;
  option: string[];
  tag: string[];
  disableTag: string[];
  json?: boolean;
  unbuffered?: boolean;
  progress: boolean;
  statsJson?: string;
  failOnAlert?: boolean;
  plugin: string[];
  openParams?: string;
  enableSource: string[];
  disableSource: string[];
}

export function registerReplay(program: Command): void {
  program
    .command('replay')
    .description('evaluate Falco rules on captures and print the alerts Falco would raise')
    .argument('[capture...]', 'capture files (raw, gzip or zstd); none: read the sourcing plugin given with --plugin/--open-params')
    .option('-r, --rules <path>', 'rules file or directory (repeatable, loaded in order); default: the bundled ruleset', collect, [])
    .option('-c, --config <file>', 'falco.yaml-style configuration file')
    .option('-o, --option <key=value>', "override a configuration key, Falco's syntax (repeatable)", collect, [])
    .option('-t, --tag <tag>', 'only run rules with this tag (repeatable)', collect, [])
    .option('-T, --disable-tag <tag>', 'disable rules with this tag (repeatable)', collect, [])
    .option('--json', 'JSON alerts (same as -o json_output=true)')
    .option('-U, --unbuffered', 'write every alert at once (same as -o buffered_outputs=false)')
    .option('--no-progress', 'no progress bar even on a terminal')
    .option('--stats-json <file>', 'write the run summary as JSON to FILE')
    .option('--fail-on-alert', 'exit 1 when any alert fired')
    .option('--plugin <path[:init_config]>', "load a Falco plugin (repeatable; after the first ':' its init config, verbatim)", collect, [])
    .option('--open-params <params>', 'read the sourcing plugin with these open parameters instead of a capture')
    .option('--enable-source <source>', 'read only this plugin event source when reading plugins live (repeatable; ignored with captures, as in Falco)', collect, [])
    .option('--disable-source <source>', 'do not read this plugin event source live (repeatable; ignored with captures)', collect, [])
    .addHelpText(
      'after',
      '\nExamples:\n  falco-scap replay incident.scap\n  falco-scap replay -r /etc/falco/falco_rules.yaml -o json_output=true incident.scap.gz | jq .rule' +
        '\n  falco-scap replay --plugin libk8saudit.so --plugin libjson.so --open-params audit.log -r k8s_audit_rules.yaml',
    )
    .action(action(async (captures: string[], opts: ReplayCliOptions) => runReplay(captures, opts)));
}

async function runReplay(captures: string[], opts: ReplayCliOptions): Promise<void> {
  const overrides = [...opts.option];
  if (opts.json) overrides.push('json_output=true');
  const config = loadConfig({ ...(opts.config !== undefined ? { configFile: opts.config } : {}), overrides });
  const rulesPaths = opts.rules.length > 0 ? opts.rules : opts.config !== undefined && config.rulesFiles.length > 0 ? [...config.rulesFiles] : [DEFAULT_RULES_DIR];
  if (captures.length > 0 && opts.openParams !== undefined) throw new InputError('--open-params reads a plugin source instead of captures; give one or the other');
  const plugins = PluginReplaySession.open(rulesPaths, config, {
    pluginArgs: opts.plugin,
    ...(opts.openParams !== undefined ? { openParams: opts.openParams } : {}),
    tags: { enable: opts.tag, disable: opts.disableTag },
    enableSources: opts.enableSource,
    disableSources: opts.disableSource,
  });
  try {
    await replayWith(captures, opts, config, plugins);
  } finally {
    plugins.destroy();
  }
}

async function replayWith(captures: string[], opts: ReplayCliOptions, config: ReplayConfig, plugins: PluginReplaySession): Promise<void> {
  const rules = plugins.rules;
  const live = captures.length === 0 ? plugins.liveInputs() : [];
  for (const r of rules.results) {
    for (const w of r.warnings) process.stderr.write(`${w.context.toSourceError(`${w.code}: ${LoadResult.warningText(w)}: ${w.message}`).message}\n`.replace(/^/, 'warning: '));
  }
  const ruleset = buildRuleset(rules, config, { enable: opts.tag, disable: opts.disableTag });
  const engine = new ReplayEngine(ruleset, config, rules.syscallRegistry);
  plugins.attach(engine);
  if (engine.enabledRules + plugins.enabledRules === 0) process.stderr.write('warning: no rules enabled\n');
  const render = alertRenderer(config);
  const sinks = sinksForConfig(config, { buffered: opts.unbuffered ? false : config.bufferedOutputs });
  const progressBar = await progressBars(opts.progress);
  try {
    for (const capture of captures) {
      const progress = progressBar(basename(capture));
      try {
        await engine.replay(capture, {
          onAlert: async (a) => {
            const w = sinks.write(render(a));
            if (w) await w;
          },
          onProgress: (read, total, events) => progress.update(read, total, events),
        });
      } finally {
        progress.stop();
      }
    }
    if (live.length > 0) {
      // Live sources are read concurrently: one bar, at the mean of their progress.
      const progress = progressBar(live.map((i) => i.loaded.plugin.name).join('+'));
      const pct = new Map<object, number>();
      try {
        await plugins.replayLiveAll(live, engine.stats, {
          onAlert: async (a) => {
            const w = sinks.write(render(a));
            if (w) await w;
          },
          onProgress: (input, p, events) => {
            pct.set(input, p.pct);
            let sum = 0;
            for (const v of pct.values()) sum += v;
            progress.update(Math.round((sum / live.length) * 100), 10000, events);
          },
        });
      } finally {
        progress.stop();
      }
    }
  } finally {
    await sinks.close();
  }
  for (const n of plugins.notes()) process.stderr.write(`warning: ${n}\n`);
  const stats = engine.stats;
  process.stderr.write(formatSummary(stats));
  if (opts.statsJson !== undefined) {
    try {
      await writeFile(opts.statsJson, JSON.stringify({ ...stats, rulesFiles: rules.files, enabledRules: engine.enabledRules + plugins.enabledRules, pluginEvents: plugins.routing }, null, 2) + '\n');
    } catch (e) {
      throw new InputError(`--stats-json: cannot write ${opts.statsJson}: ${(e as Error).message}`);
    }
  }
  if (opts.failOnAlert && stats.alerts > 0) process.exitCode = 1;
}
