import type { Command } from 'commander';
import { InputError } from '../errors.js';
import { loadConfig, type ReplayConfig } from '../replay/config/config.js';
import { PluginSet, pluginSpecs } from '../replay/plugins/host.js';
import { pluginRulesLoader } from '../replay/plugins/replay.js';
import { engineAppendOutput } from '../replay/config/append.js';
import { syscallFieldRegistry } from '../replay/fields/registry.js';
import { CONTAINER_PLUGIN_SUGGESTED_FIELDS } from '../replay/output/format.js';
import { filterRuleSource } from '../replay/rules/filter-source.js';
import { RulesLoader } from '../replay/rules/loader.js';
import { readRulesFiles } from '../replay/rules/reader.js';
import type { LoadResult } from '../replay/rules/result.js';
import { SYSCALL_SOURCE } from '../replay/rules/types.js';
import { action } from './run.js';
import { writeOut } from './output.js';

const collect = (v: string, prev: string[]) => [...prev, v];

export interface ValidateOutcome {
  results: LoadResult[];
  loader: RulesLoader<unknown>;
  valid: boolean;
}

/**
 * Loads every file like Falco's -V: all files are tried, none stops the others. With
 * `plugins` (`--plugin PATH[:INIT_CONFIG]` values) the plugins are loaded first, as Falco
 * does with plugins configured: rules of their sources are compiled against their fields,
 * and required_plugin_versions is checked (an unmet requirement is Falco's fatal error).
 */
export function validateRules(paths: readonly string[], overrides: readonly string[] = [], plugins: readonly string[] = []): ValidateOutcome {
  const config = loadConfig({ overrides: [...overrides] });
  if (plugins.length > 0) return validateWithPlugins(paths, config, plugins);
  const source = filterRuleSource(syscallFieldRegistry());
  const { extraOutputFormat, extraOutputFields } = engineAppendOutput(config.appendOutput, {
    loadedSources: [SYSCALL_SOURCE],
    suggestedFields: (src) => (src === SYSCALL_SOURCE ? CONTAINER_PLUGIN_SUGGESTED_FIELDS : []),
  });
  const loader = new RulesLoader<unknown>({ sources: [source], extraOutputFormat, extraOutputFields });
  const results = loader.loadAll(readRulesFiles(paths), false);
  return { results, loader, valid: results.every((r) => r.successful) };
}

function validateWithPlugins(paths: readonly string[], config: ReplayConfig, plugins: readonly string[]): ValidateOutcome {
  const set = PluginSet.load(pluginSpecs([], plugins));
  try {
    const { loader } = pluginRulesLoader(config, set);
    const results = loader.loadAll(readRulesFiles(paths), false);
    const unmet = loader.checkPluginRequirements(set.requirements());
    if (unmet !== undefined) throw new InputError(unmet);
    return { results, loader: loader as RulesLoader<unknown>, valid: results.every((r) => r.successful) };
  } finally {
    set.destroy();
  }
}

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description("validate rules files, as Falco's -V does (exit 2 when any file is invalid)")
    .requiredOption('-r, --rules <path>', 'rules file or directory (repeatable, loaded in order)', collect, [])
    .option('-o, --option <key=value>', 'override a configuration key (e.g. append_output)', collect, [])
    .option('--plugin <path[:init_config]>', 'load a Falco plugin first: rules of its source use its fields (repeatable)', collect, [])
    .option('--json', "Falco's JSON validation document ({falco_load_results: [...]})")
    .option('-v, --verbose', 'full messages with the offending YAML snippet')
    .addHelpText('after', '\nExample:\n  falco-scap validate -r /etc/falco/falco_rules.yaml -r my_rules.yaml')
    .action(
      action(async (opts: { rules: string[]; option: string[]; plugin: string[]; json?: boolean; verbose?: boolean }) => {
        const { results, loader, valid } = validateRules(opts.rules, opts.option, opts.plugin);
        if (opts.json) {
          await writeOut(JSON.stringify(loader.validationJSON(results)) + '\n');
        } else {
          const text = results.map((r) => (opts.verbose ? r.verbose(loader.contents) : r.summary())).join('\n');
          await writeOut(text.endsWith('\n') ? text : text + '\n');
        }
        if (!valid) process.exitCode = 2;
      }),
    );
}
