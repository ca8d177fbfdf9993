import type { Command } from 'commander';
import { loadConfig } from '../replay/config/config.js';
import { pluginSpecs } from '../replay/plugins/host.js';
import { findPluginSpec, pluginInfoText } from '../replay/plugins/info.js';
import { writeOut } from './output.js';
import { action } from './run.js';

const collect = (v: string, prev: string[]) => [...prev, v];

export function registerPluginInfo(program: Command): Command {
  return program
    .command('plugin-info')
    .description("describe a plugin: capabilities, init schema, open params, fields (Falco's --plugin-info)")
    .argument('<plugin>', 'a plugin name or library path configured with -c / --plugin, or a library path')
    .option('-c, --config <file>', 'falco.yaml-style configuration file (plugins:, load_plugins:)')
    .option('--plugin <path[:init_config]>', 'a plugin library, with its init config after the first ":" (repeatable)', collect, [])
    .option('--json', 'JSON output')
    .addHelpText('after', '\nExamples:\n  falco-scap plugin-info /usr/share/falco/plugins/libk8saudit.so\n  falco-scap plugin-info -c /etc/falco/falco.yaml k8saudit')
    .action(
      action(async (wanted: string, opts: { config?: string; plugin: string[]; json?: boolean }) => {
        const config = loadConfig(opts.config !== undefined ? { configFile: opts.config } : {});
        const spec = findPluginSpec(pluginSpecs(config.plugins, opts.plugin, config.configFile), wanted);
        const { text, json } = pluginInfoText(spec);
        await writeOut(opts.json ? JSON.stringify(json, null, 2) + '\n' : text);
      }),
    );
}
