/**
 * falco.yaml-style configuration for replay: the subset of Falco's keys that matter when
 * replaying rules over a capture (userspace/falco/configuration.cpp, falco.yaml).
 *
 * Sources, in order: built-in defaults (falco.yaml's shipped values for these keys), the
 * file given with `-c` (with `${ENV}` expansion in its scalars, as Falco does), then every
 * `-o key=value` in command-line order. Unknown keys are ignored (Falco's falco.yaml has
 * many that do not apply to replay).
 *
 * Differences from Falco worth knowing:
 * - a value of the wrong type is an error with its file:line (Falco's yaml-cpp `as<T>(dflt)`
 *   silently falls back to the default and only its schema validation warns);
 * - keys missing from a `-c` file take falco.yaml's shipped values, not the C++ defaults;
 *   the two differ for `stdout_output.enabled` (true here) and `append_output`
 *   (`[suggested_output: true]` here).
 */
import { readFileSync } from 'node:fs';
import { hostname as osHostname } from 'node:os';
import { InputError, SourceError } from '../../errors.js';
import { parsePriority, type Priority } from '../rules/types.js';
import {
  applyOverride,
  getChild,
  nodeError,
  parseOverride,
  parseYamlTree,
  type CNode,
  type Origin,
} from './tree.js';
import { readPluginsConfig, type PluginConfigEntry } from './plugins.js';

export type RuleMatching = 'first' | 'all';

/** One `rules:` entry: enable or disable rules by name (wildcards) and/or tag. */
export interface RuleSelection {
  readonly op: 'enable' | 'disable';
  /** Rule name pattern (`*` wildcards), '' when absent. */
  readonly rule: string;
  /** Tag, '' when absent. */
  readonly tag: string;
}

/** One `append_output:` entry. */
export interface AppendOutputEntry {
  /** match.source; '' = any source. */
  readonly source: string;
  /** match.tags: the rule must have all of them. */
  readonly tags: readonly string[];
  /** match.rule; '' = any rule. */
  readonly rule: string;
  /** extra_output: appended to the rule output with a space; '' = none. */
  readonly extraOutput: string;
  /** extra_fields `- key: format`: JSON output_fields[key] = the formatted text. */
  readonly formattedFields: ReadonlyMap<string, string>;
  /** extra_fields `- field.name`: JSON output_fields[field] = the field's JSON value. */
  readonly rawFields: readonly string[];
  /** suggested_output: append `foo_bar=%foo.bar` for suggested fields. */
  readonly suggestedOutput: boolean;
}

export interface ReplayConfig {
  /** The `-c` file, if any. */
  readonly configFile: string | undefined;
  /** `rules_files` (or the deprecated `rules_file`), as written. */
  readonly rulesFiles: readonly string[];
  /** `rules:` selection entries, applied after loading, in order. */
  readonly rules: readonly RuleSelection[];
  /** `priority`: minimum rule priority to load (0 = Emergency .. 7 = Debug). */
  readonly priority: Priority;
  readonly ruleMatching: RuleMatching;
  readonly jsonOutput: boolean;
  readonly jsonIncludeOutputProperty: boolean;
  readonly jsonIncludeTagsProperty: boolean;
  readonly jsonIncludeMessageProperty: boolean;
  readonly jsonIncludeOutputFieldsProperty: boolean;
  readonly timeFormatIso8601: boolean;
  readonly bufferedOutputs: boolean;
  readonly appendOutput: readonly AppendOutputEntry[];
  readonly stdoutOutput: { readonly enabled: boolean };
  readonly fileOutput: { readonly enabled: boolean; readonly keepAlive: boolean; readonly filename: string };
  /** FALCO_HOSTNAME when set (even empty, as Falco), else the machine's hostname. */
  readonly hostname: string;
  /** `plugins:` filtered by `load_plugins:` (src/replay/config/plugins.ts). */
  readonly plugins: readonly PluginConfigEntry[];
}

/** The built-in defaults as a YAML document (falco.yaml's shipped values for these keys). */
export const DEFAULT_CONFIG_YAML = `rules_files:
  - /etc/falco/falco_rules.yaml
  - /etc/falco/falco_rules.local.yaml
  - /etc/falco/rules.d
priority: debug
rule_matching: first
json_output: false
json_include_output_property: true
json_include_tags_property: true
json_include_message_property: false
json_include_output_fields_property: true
time_format_iso_8601: false
buffered_outputs: false
append_output:
  - suggested_output: true
stdout_output:
  enabled: true
file_output:
  enabled: false
  keep_alive: false
`;

export interface LoadConfigOptions {
  /** `-c FILE`. */
  readonly configFile?: string;
  /** Its content, instead of reading `configFile` (tests, stdin). */
  readonly configText?: string;
  /** `-o key=value` options, in command-line order. */
  readonly overrides?: readonly string[];
  /** Environment for `${VAR}` expansion and FALCO_HOSTNAME (default process.env). */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

// ---------------------------------------------------------------------------------------
// ${ENV} expansion (yaml_helper::pre_process_env_vars)
// ---------------------------------------------------------------------------------------

/** Falco's `${VAR}` expansion of a scalar; `$${` escapes a literal `${`. */
export function expandEnvVars(value: string, env: Readonly<Record<string, string | undefined>>): string {
  let v = value;
  let start = v.indexOf('$');
  while (start !== -1) {
    const sub = v.slice(start);
    if (sub.startsWith('${')) {
      const end = sub.indexOf('}');
      if (end === -1) break;
      const name = sub.slice(2, end);
      const val = env[name];
      v = v.slice(0, start) + (val ?? '') + v.slice(start + name.length + 3);
    } else if (sub.startsWith('$${')) {
      if (sub.indexOf('}') === -1) break;
      v = v.slice(0, start) + v.slice(start + 1);
      start++;
    } else {
      start += sub.length;
    }
    start = v.indexOf('$', start);
  }
  return v;
}

function expandTree(n: CNode, env: Readonly<Record<string, string | undefined>>): void {
  if (n.kind === 'scalar') n.value = expandEnvVars(n.value, env);
  else if (n.kind === 'seq') n.items.forEach((x) => expandTree(x, env));
  else if (n.kind === 'map') n.entries.forEach((e) => expandTree(e.value, env));
}

// ---------------------------------------------------------------------------------------
// Typed reads
// ---------------------------------------------------------------------------------------

const TRUE_WORDS = new Set(['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON']);
const FALSE_WORDS = new Set(['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF']);

/** yaml-cpp's `as<bool>()` on a scalar, or undefined when it is not a boolean. */
export function yamlBool(s: string): boolean | undefined {
  if (TRUE_WORDS.has(s)) return true;
  if (FALSE_WORDS.has(s)) return false;
  return undefined;
}

function describe(n: CNode): string {
  switch (n.kind) {
    case 'scalar':
      return `'${n.value}'`;
    case 'null':
      return 'null';
    case 'seq':
      return 'a sequence';
    case 'map':
      return 'a map';
  }
}

function readBool(n: CNode | undefined, key: string, dflt: boolean): boolean {
  if (n === undefined || n.kind === 'null') return dflt;
  if (n.kind === 'scalar') {
    const b = yamlBool(n.value);
    if (b !== undefined) return b;
  }
  throw nodeError(n.origin, `${key}: expected a boolean (true/false), found ${describe(n)}`);
}

function readString(n: CNode | undefined, key: string, dflt: string): string {
  if (n === undefined || n.kind === 'null') return dflt;
  if (n.kind === 'scalar') return n.value;
  throw nodeError(n.origin, `${key}: expected a string, found ${describe(n)}`);
}

function readStringList(n: CNode | undefined, key: string): string[] {
  if (n === undefined || n.kind === 'null') return [];
  if (n.kind === 'scalar') return [n.value];
  if (n.kind === 'seq') {
    return n.items.map((x, i) => readString(x, `${key}[${i}]`, ''));
  }
  throw nodeError(n.origin, `${key}: expected a list of strings, found ${describe(n)}`);
}

function readMap(n: CNode | undefined, key: string): CNode | undefined {
  if (n === undefined || n.kind === 'null') return undefined;
  if (n.kind === 'map') return n;
  throw nodeError(n.origin, `${key}: expected a map, found ${describe(n)}`);
}

function readRuleSelection(n: CNode, key: string): RuleSelection {
  if (n.kind !== 'map') throw nodeError(n.origin, `${key}: expected a map with 'enable' or 'disable'`);
  const en = getChild(n, 'enable');
  const dis = getChild(n, 'disable');
  const op = en !== undefined ? 'enable' : dis !== undefined ? 'disable' : undefined;
  if (op === undefined) throw nodeError(n.origin, `${key}: expected 'enable' or 'disable'`);
  const body = (en ?? dis)!;
  if (body.kind !== 'map') throw nodeError(body.origin, `${key}.${op}: expected a map with 'rule' and/or 'tag'`);
  const rule = readString(getChild(body, 'rule'), `${key}.${op}.rule`, '');
  const tag = readString(getChild(body, 'tag'), `${key}.${op}.tag`, '');
  if (rule === '' && tag === '') throw nodeError(body.origin, `${key}.${op}: expected a 'rule' or a 'tag'`);
  return { op, rule, tag };
}

function readAppendOutput(n: CNode, key: string): AppendOutputEntry {
  if (n.kind !== 'map') throw nodeError(n.origin, `${key}: expected a map`);
  let source = '';
  let rule = '';
  const tags: string[] = [];
  const match = readMap(getChild(n, 'match'), `${key}.match`);
  if (match !== undefined) {
    source = readString(getChild(match, 'source'), `${key}.match.source`, '');
    rule = readString(getChild(match, 'rule'), `${key}.match.rule`, '');
    const t = getChild(match, 'tags');
    if (t !== undefined && t.kind === 'seq') {
      t.items.forEach((x, i) => {
        if (x.kind !== 'scalar') throw nodeError(x.origin, `${key}.match.tags[${i}]: expected a string`);
        if (!tags.includes(x.value)) tags.push(x.value);
      });
    }
  }
  const extraOutput = readString(getChild(n, 'extra_output'), `${key}.extra_output`, '');
  const formattedFields = new Map<string, string>();
  const rawFields: string[] = [];
  const ef = getChild(n, 'extra_fields');
  if (ef !== undefined) {
    if (ef.kind !== 'seq') throw nodeError(ef.origin, `${key}.extra_fields: expected a sequence`);
    ef.items.forEach((x, i) => {
      const k = `${key}.extra_fields[${i}]`;
      if (x.kind === 'map' && x.entries.length === 1) {
        const e = x.entries[0]!;
        if (formattedFields.has(e.key) || rawFields.includes(e.key)) {
          throw nodeError(x.origin, `${k}: field '${e.key}' is defined twice`);
        }
        formattedFields.set(e.key, readString(e.value, `${k}.${e.key}`, ''));
      } else if (x.kind === 'scalar') {
        if (formattedFields.has(x.value)) throw nodeError(x.origin, `${k}: field '${x.value}' is defined twice`);
        if (!rawFields.includes(x.value)) rawFields.push(x.value);
      } else {
        throw nodeError(x.origin, `${k}: expected a field name or a single 'key: format' pair`);
      }
    });
  }
  const suggestedOutput = readBool(getChild(n, 'suggested_output'), `${key}.suggested_output`, false);
  return { source, tags: tags.sort(), rule, extraOutput, formattedFields, rawFields, suggestedOutput };
}

function origin0(file: string): Origin {
  return { kind: 'file', file, line: 1, column: 1 };
}

/** Build the typed configuration from a (merged) tree. */
export function configFromTree(
  root: CNode,
  configFile: string | undefined,
  env: Readonly<Record<string, string | undefined>> = process.env,
): ReplayConfig {
  if (root.kind !== 'map' && root.kind !== 'null') {
    throw nodeError(root.origin, `the configuration must be a YAML map, found ${describe(root)}`);
  }
  const get = (k: string): CNode | undefined => getChild(root, k);

  const rf = get('rules_files');
  const rfOld = get('rules_file');
  if (rf !== undefined && rfOld !== undefined) {
    throw nodeError(rfOld.origin, "both 'rules_files' and 'rules_file' keys set");
  }
  const rulesFiles = rfOld !== undefined ? readStringList(rfOld, 'rules_file') : readStringList(rf, 'rules_files');

  const rulesNode = get('rules');
  const rules: RuleSelection[] = [];
  if (rulesNode !== undefined && rulesNode.kind !== 'null') {
    if (rulesNode.kind !== 'seq') throw nodeError(rulesNode.origin, `rules: expected a sequence, found ${describe(rulesNode)}`);
    rulesNode.items.forEach((x, i) => rules.push(readRuleSelection(x, `rules[${i}]`)));
  }

  const prioNode = get('priority');
  const prioText = readString(prioNode, 'priority', 'debug');
  const priority = parsePriority(prioText);
  if (priority === undefined) {
    throw nodeError(
      prioNode?.origin ?? origin0(configFile ?? '<config>'),
      `Unknown priority "${prioText}"--must be one of emergency, alert, critical, error, warning, notice, informational, debug`,
    );
  }

  const rmNode = get('rule_matching');
  const rm = readString(rmNode, 'rule_matching', 'first').toLowerCase();
  if (rm !== 'first' && rm !== 'all') {
    throw nodeError(
      rmNode?.origin ?? origin0(configFile ?? '<config>'),
      `Unknown rule matching strategy "${readString(rmNode, 'rule_matching', '')}"--must be one of first, all`,
    );
  }

  const aoNode = get('append_output');
  const appendOutput: AppendOutputEntry[] = [];
  if (aoNode !== undefined && aoNode.kind !== 'null') {
    if (aoNode.kind !== 'seq') throw nodeError(aoNode.origin, `append_output: expected a sequence, found ${describe(aoNode)}`);
    aoNode.items.forEach((x, i) => appendOutput.push(readAppendOutput(x, `append_output[${i}]`)));
  }

  const so = readMap(get('stdout_output'), 'stdout_output');
  const fo = readMap(get('file_output'), 'file_output');
  const fileEnabled = readBool(getChild(fo, 'enabled'), 'file_output.enabled', false);
  const filename = readString(getChild(fo, 'filename'), 'file_output.filename', '');
  if (fileEnabled && filename === '') {
    throw nodeError(fo?.origin ?? origin0(configFile ?? '<config>'), 'file output enabled but no filename in configuration block');
  }
  // Falco reads keep_alive as a string and compares it with "true".
  const keepAlive = readString(getChild(fo, 'keep_alive'), 'file_output.keep_alive', '') === 'true';

  const envHost = env['FALCO_HOSTNAME'];
  return {
    configFile,
    rulesFiles,
    rules,
    priority,
    ruleMatching: rm,
    jsonOutput: readBool(get('json_output'), 'json_output', false),
    jsonIncludeOutputProperty: readBool(get('json_include_output_property'), 'json_include_output_property', true),
    jsonIncludeTagsProperty: readBool(get('json_include_tags_property'), 'json_include_tags_property', true),
    jsonIncludeMessageProperty: readBool(get('json_include_message_property'), 'json_include_message_property', false),
    jsonIncludeOutputFieldsProperty: readBool(
      get('json_include_output_fields_property'),
      'json_include_output_fields_property',
      true,
    ),
    timeFormatIso8601: readBool(get('time_format_iso_8601'), 'time_format_iso_8601', false),
    bufferedOutputs: readBool(get('buffered_outputs'), 'buffered_outputs', false),
    appendOutput,
    stdoutOutput: { enabled: readBool(getChild(so, 'enabled'), 'stdout_output.enabled', false) },
    fileOutput: { enabled: fileEnabled, keepAlive, filename },
    hostname: envHost !== undefined ? envHost : osHostname(),
    plugins: readPluginsConfig(root),
  };
}

/** Overlay `over` (a map) onto `base` key by key, at the top level only. */
function overlayTop(base: CNode, over: CNode): CNode {
  if (over.kind !== 'map') return over.kind === 'null' ? base : over;
  if (base.kind !== 'map') return over;
  const entries = [...base.entries];
  for (const e of over.entries) {
    const at = entries.findIndex((x) => x.key === e.key);
    if (at >= 0) entries[at] = e;
    else entries.push(e);
  }
  return { kind: 'map', entries, origin: over.origin };
}

/**
 * Load the configuration: defaults, then the `-c` file (top-level keys replace the
 * defaults' keys), then the `-o` overrides in order.
 */
export function loadConfig(options: LoadConfigOptions = {}): ReplayConfig {
  const env = options.env ?? process.env;
  let root = parseYamlTree(DEFAULT_CONFIG_YAML, '<defaults>');
  const file = options.configFile;
  if (file !== undefined || options.configText !== undefined) {
    const name = file ?? '<config>';
    let text: string;
    if (options.configText !== undefined) {
      text = options.configText;
    } else {
      try {
        text = readFileSync(name, 'utf8');
      } catch (e) {
        throw new InputError(`${name}: cannot read configuration file: ${(e as Error).message}`);
      }
    }
    const tree = parseYamlTree(text, name);
    if (tree.kind !== 'map' && tree.kind !== 'null') {
      throw new SourceError(name, 1, 1, `the configuration must be a YAML map, found ${describe(tree)}`);
    }
    expandTree(tree, env);
    if (getChild(tree, 'rules_file') !== undefined && getChild(tree, 'rules_files') === undefined && root.kind === 'map') {
      // The deprecated singular key replaces the default list rather than clashing with it.
      root = { ...root, entries: root.entries.filter((e) => e.key !== 'rules_files') };
    }
    root = overlayTop(root, tree);
  }
  for (const opt of options.overrides ?? []) {
    root = applyOverride(root, parseOverride(opt));
  }
  return configFromTree(root, file, env);
}
