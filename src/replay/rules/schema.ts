/**
 * Falco validates every rules document against a JSON schema (rule_json_schema.h) with
 * weak typing and reports the outcome as `schema_valid` / `schema_warnings`; schema
 * problems are never load errors. This checks the same constraints directly on the
 * YAML tree. Status strings follow Falco ("ok", or "failed for <path>: <reason>"); the
 * reason texts are this project's, not valijson's.
 */
import { keyText, type YNode } from './yaml.js';

export const SCHEMA_OK = 'ok';

const PRIORITY_ENUM = ['EMERGENCY', 'ALERT', 'CRITICAL', 'ERROR', 'WARNING', 'NOTICE', 'INFO', 'INFORMATIONAL', 'DEBUG'];
const OVERRIDE_KEYS = new Set([
  'items',
  'desc',
  'condition',
  'output',
  'priority',
  'enabled',
  'exceptions',
  'capture',
  'capture_duration',
  'tags',
  'warn_evttypes',
  'skip-if-unknown-filter',
]);

/**
 * Where a node sits, as valijson words it (`<root>[3][condition]`). Built as a chain and
 * spelled out only when a check fails: a rules file has thousands of nodes and almost
 * never a failure.
 */
type Path = string | { readonly up: Path; readonly seg: string | number };

function pathText(p: Path): string {
  return typeof p === 'string' ? p : `${pathText(p.up)}[${p.seg}]`;
}

type Check = (n: YNode, path: Path, out: string[]) => void;

const BOOLS = new Set(['true', 'false']);

function fail(out: string[], path: Path, reason: string): void {
  out.push(`failed for ${pathText(path)}: ${reason}`);
}

const isString: Check = (n, path, out) => {
  if (n.kind !== 'scalar') fail(out, path, 'Value type not permitted by \'type\' constraint (expected string).');
};
const isBool: Check = (n, path, out) => {
  if (n.kind !== 'scalar' || !BOOLS.has(n.value)) fail(out, path, "Value type not permitted by 'type' constraint (expected boolean).");
};
const isInt: Check = (n, path, out) => {
  if (n.kind !== 'scalar' || !/^[-+]?[0-9]+$/.test(n.value)) fail(out, path, "Value type not permitted by 'type' constraint (expected integer).");
};
const isStringOrInt: Check = (n, path, out) => {
  if (n.kind !== 'scalar') fail(out, path, "Failed to validate against any schemas allowed by 'anyOf' constraint.");
};
const arrayOf =
  (item: Check): Check =>
  (n, path, out) => {
    if (n.kind !== 'seq') {
      fail(out, path, "Value type not permitted by 'type' constraint (expected array).");
      return;
    }
    n.items.forEach((it, i) => item(it, { up: path, seg: i }, out));
  };
const anything: Check = () => undefined;

function object(props: Record<string, Check>, required: string[], minProperties = 0): Check {
  return (n, path, out) => {
    if (n.kind !== 'map') {
      fail(out, path, "Value type not permitted by 'type' constraint (expected object).");
      return;
    }
    // rule items have no required keys: no set to fill for them
    const seen = required.length > 0 ? new Set<string>() : undefined;
    for (const e of n.entries) {
      const k = keyText(e.key);
      seen?.add(k);
      const c = props[k];
      if (!c) fail(out, path, `Object contains a property that is not allowed: '${k}'.`);
      else c(e.value, { up: path, seg: k }, out);
    }
    for (const r of required) if (!seen!.has(r)) fail(out, path, `Missing required property '${r}'.`);
    if (n.entries.length < minProperties) fail(out, path, `Object should have at least ${minProperties} properties.`);
  };
}

const overriddenItem: Check = (n, path, out) => {
  if (n.kind !== 'scalar' || (n.value !== 'append' && n.value !== 'replace')) {
    fail(out, path, 'Failed to match against any enum values.');
  }
};
const priority: Check = (n, path, out) => {
  if (n.kind !== 'scalar' || !PRIORITY_ENUM.includes(n.value)) fail(out, path, 'Failed to match against any enum values.');
};

const alternative = object({ name: isString, version: isString }, ['name', 'version']);
const requiredPluginVersion = object({ name: isString, version: isString, alternatives: arrayOf(alternative) }, ['name', 'version']);
const exception = object({ name: isString, fields: anything, comps: anything, values: anything }, ['name']);
const override = object(Object.fromEntries([...OVERRIDE_KEYS].map((k) => [k, overriddenItem])), [], 1);

const falcoRule = object(
  {
    required_engine_version: isString,
    required_plugin_versions: arrayOf(requiredPluginVersion),
    macro: isString,
    condition: isString,
    list: isString,
    items: arrayOf(isStringOrInt),
    rule: isString,
    desc: isString,
    enabled: isBool,
    output: isString,
    append: isBool,
    priority,
    capture: isBool,
    capture_duration: isInt,
    source: isString,
    exceptions: arrayOf(exception),
    override,
    tags: arrayOf(isString),
    warn_evttypes: isBool,
    'skip-if-unknown-filter': isBool,
  },
  [],
);

const rulesDocument = arrayOf(falcoRule);

/** One status per document: "ok" or the failures ("failed for <path>: <reason>"). */
export function validateRulesSchema(docs: readonly YNode[]): string[] {
  const statuses: string[] = [];
  for (const d of docs) {
    const out: string[] = [];
    rulesDocument(d, '<root>', out);
    if (out.length === 0) statuses.push(SCHEMA_OK);
    else statuses.push(...out);
  }
  return statuses;
}
