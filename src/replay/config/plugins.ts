/**
 * Falco's `plugins:` and `load_plugins:` configuration keys (falco_configuration and its
 * YAML decoder for plugin_config): which plugin libraries to load, with what init config
 * and open parameters.
 */
import { posix } from 'node:path';
import { getChild, nodeError, type CNode } from './tree.js';

/** Where Falco resolves a relative `library_path` (FALCO_ENGINE_PLUGINS_DIR). */
export const FALCO_PLUGINS_DIR = '/usr/share/falco/plugins';

/** One plugin to load, as configured. */
export interface PluginConfigEntry {
  readonly name: string;
  /** Absolute, or resolved against FALCO_PLUGINS_DIR. */
  readonly libraryPath: string;
  /** Passed to the plugin's init; a YAML map becomes its JSON text. '' = none. */
  readonly initConfig: string;
  /** Parameters for the plugin's open (sourcing plugins), trimmed. '' = none. */
  readonly openParams: string;
}

function what(n: CNode): string {
  return n.kind === 'scalar' ? `'${n.value}'` : n.kind;
}

function scalar(n: CNode | undefined, key: string): string | undefined {
  if (n === undefined || n.kind === 'null') return undefined;
  if (n.kind !== 'scalar') throw nodeError(n.origin, `${key}: expected a string, found ${what(n)}`);
  return n.value;
}

/**
 * A YAML node as JSON, the way Falco's YAML-to-JSON conversion types scalars: integers
 * and floats become numbers, true/false booleans, null null, the rest strings.
 */
export function yamlNodeToJson(n: CNode): unknown {
  switch (n.kind) {
    case 'null':
      return null;
    case 'seq':
      return n.items.map(yamlNodeToJson);
    case 'map':
      return Object.fromEntries(n.entries.map((e) => [e.key, yamlNodeToJson(e.value)]));
    case 'scalar': {
      const v = n.value;
      if (/^[-+]?[0-9]+$/.test(v) && Number.isSafeInteger(Number(v))) return Number(v);
      if (/^[-+]?([0-9]+\.[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$/.test(v)) return Number(v);
      if (v === 'true' || v === 'false') return v === 'true';
      return v;
    }
  }
}

/** Falco resolves relative library paths in its plugins directory and refuses to leave it. */
function resolveLibraryPath(raw: string, n: CNode): string {
  if (raw === '' || raw.startsWith('/')) return raw;
  const full = posix.normalize(posix.join(FALCO_PLUGINS_DIR, raw));
  const rel = posix.relative(FALCO_PLUGINS_DIR, full);
  if (rel === '' || rel === '..' || rel.startsWith('../')) {
    throw nodeError(n.origin, `plugin library_path '${raw}' resolves outside the plugins directory (${FALCO_PLUGINS_DIR})`);
  }
  return full;
}

function readEntry(n: CNode, key: string): PluginConfigEntry {
  if (n.kind !== 'map') throw nodeError(n.origin, `${key}: expected a map with 'name' and 'library_path', found ${what(n)}`);
  const name = scalar(getChild(n, 'name'), `${key}.name`);
  if (name === undefined) throw nodeError(n.origin, `${key}: missing 'name'`);
  const libNode = getChild(n, 'library_path');
  const lib = scalar(libNode, `${key}.library_path`);
  if (lib === undefined || libNode === undefined) throw nodeError(n.origin, `${key}: missing 'library_path'`);
  const ic = getChild(n, 'init_config');
  let initConfig = '';
  if (ic !== undefined && ic.kind !== 'null') {
    if (ic.kind === 'map') initConfig = JSON.stringify(yamlNodeToJson(ic));
    else if (ic.kind === 'scalar') initConfig = ic.value;
    else throw nodeError(ic.origin, `${key}.init_config: expected a map or a string, found ${what(ic)}`);
  }
  const openParams = (scalar(getChild(n, 'open_params'), `${key}.open_params`) ?? '').trim();
  return { name, libraryPath: resolveLibraryPath(lib, libNode), initConfig, openParams };
}

/**
 * The plugins to load, in order: every `plugins:` entry when `load_plugins` is absent,
 * else the entries it names, in its order (an unknown name is an error, as in Falco).
 */
export function readPluginsConfig(root: CNode): PluginConfigEntry[] {
  const pn = getChild(root, 'plugins');
  const all: PluginConfigEntry[] = [];
  if (pn !== undefined && pn.kind !== 'null') {
    if (pn.kind !== 'seq') throw nodeError(pn.origin, `plugins: expected a sequence, found ${what(pn)}`);
    pn.items.forEach((x, i) => all.push(readEntry(x, `plugins[${i}]`)));
  }
  const lp = getChild(root, 'load_plugins');
  if (lp === undefined) return all;
  if (lp.kind === 'null') return [];
  const names = lp.kind === 'seq' ? lp.items : [lp];
  return names.map((x, i) => {
    const name = scalar(x, `load_plugins[${i}]`) ?? '';
    const found = all.find((p) => p.name === name);
    if (!found) throw nodeError(x.origin, `Cannot load plugin '${name}': plugin config not found for given name`);
    return found;
  });
}
