/**
 * Plugin descriptions as Falco prints them: `--list-plugins` (format_plugin_info for each
 * configured plugin, without initializing it) and `--plugin-info` (the same block, the init
 * schema, then, after init, the suggested open parameters). What Falco does not print
 * (required API version, fields) follows in an extra section.
 */
import { existsSync } from 'node:fs';
import { InputError } from '../../errors.js';
import { loadPlugin, readPluginInfo, type Plugin, type PluginInfo, type InitSchema } from '../../plugins/plugin.js';
import type { PluginField } from '../../plugins/fields.js';
import type { PluginSet, PluginSpec } from './host.js';
import { SYSCALL_SOURCE } from '../rules/types.js';
import { pluginSourceFields } from './fields.js';

/** Falco's format_plugin_info block. */
export function formatPluginInfo(info: PluginInfo): string {
  const lines = [`Name: ${info.name}`, `Description: ${info.description}`, `Contact: ${info.contact}`, `Version: ${info.version}`, 'Capabilities: '];
  if (info.capabilities.includes('sourcing')) {
    lines.push(`  - Event Sourcing${info.id !== 0 ? ` (ID=${info.id}, source='${info.eventSource}')` : ' (system events)'}`);
  }
  if (info.capabilities.includes('extraction')) lines.push('  - Field Extraction');
  if (info.capabilities.includes('parsing')) lines.push('  - Event Parsing');
  if (info.capabilities.includes('async')) lines.push('  - Async Events');
  return lines.join('\n') + '\n';
}

/** `falco-scap list plugins`: Falco's `--list-plugins` text. Plugins are read, not initialized. */
export function listPluginsText(specs: readonly PluginSpec[]): string {
  const blocks = specs.map((s) => formatPluginInfo(readPluginInfo(s.libraryPath).info) + '\n');
  return `${specs.length} Plugins Loaded:\n\n${blocks.join('')}\n`;
}

export interface PluginInfoJson {
  readonly info: PluginInfo;
  readonly initSchema: InitSchema;
  readonly fields?: readonly PluginField[];
  readonly openParams?: readonly { value: string; desc?: string; separator?: string }[];
}

/** `falco-scap list plugins --json`. */
export function listPluginsJson(specs: readonly PluginSpec[]): PluginInfoJson[] {
  return specs.map((s) => readPluginInfo(s.libraryPath));
}

/** The plugin `--plugin-info` describes: a configured plugin by name or library path, or any library path. */
export function findPluginSpec(specs: readonly PluginSpec[], wanted: string): PluginSpec {
  const found = specs.find((s) => s.libraryPath === wanted || s.name === wanted) ?? specs.find((s) => s.name === '' && readPluginInfo(s.libraryPath).info.name === wanted);
  if (found) return found;
  if (wanted.includes('/') && existsSync(wanted)) return { name: '', libraryPath: wanted, initConfig: '', openParams: '', origin: wanted };
  throw new InputError(`can't find plugin and print its info: ${wanted}`);
}

function fieldLine(f: PluginField): string {
  const arg = f.arg ? `[${f.arg.index && f.arg.key ? 'index|key' : f.arg.index ? 'index' : 'key'}${f.arg.required ? '' : ', optional'}]` : '';
  const flags = [f.isList ? 'list' : '', f.addOutput ? 'suggested output' : '', ...f.properties].filter((x) => x !== '');
  return `  ${`${f.name}${arg}`.padEnd(30)} ${f.type}${flags.length ? ` [${flags.join(', ')}]` : ''}\n      ${f.desc}`;
}

/** `falco-scap plugin-info PLUGIN`: Falco's `--plugin-info` text, then the extra section. */
export function pluginInfoText(spec: PluginSpec): { text: string; json: PluginInfoJson } {
  const { info, initSchema } = readPluginInfo(spec.libraryPath);
  let text = formatPluginInfo(info) + '\n';
  text += 'Init config schema type: ';
  text += initSchema.type === 'json' ? 'JSON\n' : 'Not available, plugin does not implement the init config schema functionality\n';
  text += `${initSchema.type === 'json' ? JSON.stringify(initSchema.schema) : ''}\n\n`;
  const plugin: Plugin = loadPlugin(spec.libraryPath, spec.initConfig);
  try {
    let openParams: PluginInfoJson['openParams'];
    if (plugin.has('sourcing')) {
      openParams = plugin.listOpenParams();
      if (openParams.length === 0) {
        text += 'No suggested open params available: plugin has not been configured, or it does not implement the open params suggestion functionality\n';
      } else {
        text += 'Suggested open params:\n' + openParams.map((p) => (p.desc ? `${p.value}: ${p.desc}` : p.value) + '\n').join('');
      }
      text += '\n';
    }
    const fields = plugin.fields();
    text += `Required API version: ${info.requiredApiVersion} (host: ${info.hostApiVersion})\n`;
    if (plugin.has('extraction')) {
      text += `Extract event sources: ${info.extractEventSources.length ? info.extractEventSources.join(', ') : '(all)'}\n`;
      text += `Fields:\n${fields.map(fieldLine).join('\n')}\n`;
    }
    return { text, json: { info, initSchema, ...(plugin.has('extraction') ? { fields } : {}), ...(openParams ? { openParams } : {}) } };
  } finally {
    plugin.destroy();
  }
}

/** A row of `falco-scap list fields` (as src/replay/fields/registry.ts listFields, with its source). */
export interface SourceFieldRow {
  readonly source: string;
  readonly name: string;
  readonly type: string;
  readonly arg: string;
  readonly description: string;
  readonly fieldClass: string;
  readonly flags: string[];
}

/**
 * The fields of every plugin event source of the loaded plugins (Falco's `--list <source>`
 * with plugins): the generic event fields, then each extracting plugin's fields; for the
 * syscall source, only the fields plugins add to it.
 */
export function pluginSourceFieldRows(set: PluginSet, only?: string): SourceFieldRow[] {
  const out: SourceFieldRow[] = [];
  for (const source of set.sources) {
    if (only !== undefined && source !== only) continue;
    if (source === SYSCALL_SOURCE) {
      // The built-in syscall fields are listed by the caller; here the plugins' fields on syscall events.
      for (const p of set.extractorsFor(SYSCALL_SOURCE)) {
        for (const d of p.fieldBinder().defs()) {
          const flags: string[] = [];
          if (d.isList) flags.push('list');
          if (d.outputOnly) flags.push('output-only');
          out.push({ source, name: d.name, type: d.type, arg: d.arg, description: d.description, fieldClass: p.name, flags });
        }
      }
      continue;
    }
    for (const d of pluginSourceFields(source, set.extractorsFor(source)).registry.list()) {
      const flags: string[] = [];
      if (d.isList) flags.push('list');
      if (d.outputOnly) flags.push('output-only');
      out.push({ source, name: d.name, type: d.type, arg: d.arg, description: d.description, fieldClass: d.fieldClass, flags });
    }
  }
  return out;
}
