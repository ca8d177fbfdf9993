import type { Command } from 'commander';
import { listEvents } from '../scap/event-list.js';
import { listFields } from '../replay/fields/registry.js';
import { loadConfig } from '../replay/config/config.js';
import { DEFAULT_RULES_DIR, loadRules } from '../replay/engine.js';
import { formatPriority, SYSCALL_SOURCE } from '../replay/rules/types.js';
import { InputError } from '../errors.js';
import { action } from './run.js';
import { writeOut } from './output.js';

export function registerList(program: Command): Command {
  const list = program.command('list').description("list what falco-scap knows: events, fields, rules (Falco's --list-events, --list, -L)");
  list
    .command('events')
    .description('the event table: every event type with its direction and parameters')
    .option('--all', 'include old event versions kept for old captures')
    .option('--json', 'JSON output')
    .addHelpText('after', '\nExample:\n  falco-scap list events | grep openat')
    .action(
      action(async (opts: { all?: boolean; json?: boolean }) => {
        const events = listEvents({ includeOld: opts.all ?? false });
        if (opts.json) {
          await writeOut(JSON.stringify(events, null, 2) + '\n');
          return;
        }
        const lines = events.map((e) => `${e.category === 'syscall' ? 'syscall' : e.category} ${e.direction} ${e.name}(${e.params})${e.oldVersion ? ' [old version]' : ''}`);
        await writeOut(lines.join('\n') + '\n');
      }),
    );
  list
    .command('fields')
    .description("the fields rules and outputs can use (Falco's --list)")
    .option('--source <source>', 'only this event source ("syscall", or a source of the plugins given)')
    .option('-c, --config <file>', 'falco.yaml-style configuration file (its plugins add their sources and fields)')
    .option('--plugin <path[:init_config]>', 'a plugin library whose sources and fields to add (repeatable)', (v: string, p: string[]) => [...p, v], [])
    .option('--json', 'JSON output')
    .action(
      action(async (opts: { source?: string; json?: boolean; config?: string; plugin: string[] }) => {
        const plugins = opts.plugin.length > 0 || opts.config !== undefined ? await pluginFields(opts.config, opts.plugin, opts.source) : { sources: [SYSCALL_SOURCE], rows: [] };
        if (opts.source !== undefined && !plugins.sources.includes(opts.source)) throw new InputError(`unknown event source '${opts.source}' (known: ${plugins.sources.join(', ')})`);
        const fields = [...(opts.source === undefined || opts.source === SYSCALL_SOURCE ? listFields().map((f) => ({ source: SYSCALL_SOURCE, ...f })) : []), ...plugins.rows];
        if (opts.json) {
          await writeOut(JSON.stringify(fields, null, 2) + '\n');
          return;
        }
        const lines: string[] = [];
        let cls = '';
        for (const f of fields) {
          if (`${f.source}/${f.fieldClass}` !== cls) {
            cls = `${f.source}/${f.fieldClass}`;
            lines.push('', `Field Class: ${f.fieldClass} (Event Sources: ${f.source})`, '');
          }
          const name = f.arg !== '' && f.arg !== 'none' ? `${f.name}[${f.arg}]` : f.name;
          const flags = f.flags.length > 0 ? ` [${f.flags.join(', ')}]` : '';
          lines.push(`${name.padEnd(30)} ${f.type}${flags}`.trimEnd(), `    ${f.description}`);
        }
        await writeOut(lines.join('\n').replace(/^\n/, '') + '\n');
      }),
    );
  list
    .command('rules')
    .description("the rules of rules files: name, description, priority, tags (Falco's -L)")
    .option('-r, --rules <path>', 'rules file or directory (repeatable); default: the bundled ruleset', (v: string, p: string[]) => [...p, v], [])
    .option('--json', 'JSON output')
    .action(
      action(async (opts: { rules: string[]; json?: boolean }) => {
        const config = loadConfig({});
        const loaded = loadRules(opts.rules.length > 0 ? opts.rules : [DEFAULT_RULES_DIR], config);
        const indexed = loaded.loader.output?.rules;
        const rules = [];
        for (let i = 0; indexed && i < indexed.size; i++) { const r = indexed.at(i); if (r) rules.push(r); }
        const rows = rules.map((r) => ({ name: r.name, desc: r.description, priority: formatPriority(r.priority), source: r.source, tags: r.tags }));
        if (opts.json) {
          await writeOut(JSON.stringify(rows, null, 2) + '\n');
          return;
        }
        const lines = rows.map((r) => `${r.name}\n  priority: ${r.priority}  source: ${r.source}  tags: [${r.tags.join(', ')}]\n  ${r.desc.trim().replace(/\s+/g, ' ')}`);
        await writeOut(lines.join('\n') + '\n');
      }),
    );
  list
    .command('plugins')
    .description("the plugins configured with -c (plugins:, load_plugins:) and --plugin (Falco's --list-plugins)")
    .option('-c, --config <file>', 'falco.yaml-style configuration file')
    .option('--plugin <path[:init_config]>', 'a plugin library (repeatable)', (v: string, p: string[]) => [...p, v], [])
    .option('--json', 'JSON output')
    .action(
      action(async (opts: { config?: string; plugin: string[]; json?: boolean }) => {
        const { pluginSpecs } = await import('../replay/plugins/host.js');
        const { listPluginsJson, listPluginsText } = await import('../replay/plugins/info.js');
        const config = loadConfig(opts.config !== undefined ? { configFile: opts.config } : {});
        const specs = pluginSpecs(config.plugins, opts.plugin, config.configFile);
        await writeOut(opts.json ? JSON.stringify(listPluginsJson(specs), null, 2) + '\n' : listPluginsText(specs));
      }),
    );
  return list;
}

/** Sources and fields the plugins of `-c` / `--plugin` add (loaded and initialized, then destroyed). */
async function pluginFields(configFile: string | undefined, args: readonly string[], only: string | undefined) {
  const { PluginSet, pluginSpecs } = await import('../replay/plugins/host.js');
  const { pluginSourceFieldRows } = await import('../replay/plugins/info.js');
  const config = loadConfig(configFile !== undefined ? { configFile } : {});
  const set = PluginSet.load(pluginSpecs(config.plugins, args, config.configFile));
  try {
    return { sources: [...set.sources], rows: pluginSourceFieldRows(set, only) };
  } finally {
    set.destroy();
  }
}
