import type { Command } from 'commander';
import { loadConfig } from '../replay/config/config.js';
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

/** Loads every file like Falco's -V: all files are tried, none stops the others. */
export function validateRules(paths: readonly string[], overrides: readonly string[] = []): ValidateOutcome {
  const config = loadConfig({ overrides: [...overrides] });
  const source = filterRuleSource(syscallFieldRegistry());
  const { extraOutputFormat, extraOutputFields } = engineAppendOutput(config.appendOutput, {
    loadedSources: [SYSCALL_SOURCE],
    suggestedFields: (src) => (src === SYSCALL_SOURCE ? CONTAINER_PLUGIN_SUGGESTED_FIELDS : []),
  });
  const loader = new RulesLoader<unknown>({ sources: [source], extraOutputFormat, extraOutputFields });
  const results = loader.loadAll(readRulesFiles(paths), false);
  return { results, loader, valid: results.every((r) => r.successful) };
}

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description("validate rules files, as Falco's -V does (exit 2 when any file is invalid)")
    .requiredOption('-r, --rules <path>', 'rules file or directory (repeatable, loaded in order)', collect, [])
    .option('-o, --option <key=value>', 'override a configuration key (e.g. append_output)', collect, [])
    .option('--json', "Falco's JSON validation document ({falco_load_results: [...]})")
    .option('-v, --verbose', 'full messages with the offending YAML snippet')
    .addHelpText('after', '\nExample:\n  falco-scap validate -r /etc/falco/falco_rules.yaml -r my_rules.yaml')
    .action(
      action(async (opts: { rules: string[]; option: string[]; json?: boolean; verbose?: boolean }) => {
        const { results, loader, valid } = validateRules(opts.rules, opts.option);
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
