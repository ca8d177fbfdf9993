/**
 * Stage 1 of Falco's rules loader: reads the YAML documents of one rules content and
 * hands every item to the collector (Falco's rule_loader::reader). Schema errors carry
 * LOAD_ERR_YAML_VALIDATE and Falco's messages; reading stops at the first error.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { LoadContext, RuleLoadException, type LoadResult, type Mark } from './result.js';
import { getKey, keyText, loadAllWithPositions, YamlSyntaxError, type YMap, type YNode } from './yaml.js';
import {
  ENGINE_VERSION,
  SYSCALL_SOURCE,
  Version,
  emptyEntry,
  parsePriority,
  sortedUnique,
  type ExceptionEntry,
  type ListInfo,
  type MacroInfo,
  type PluginRequirement,
  type RuleExceptionInfo,
  type RuleInfo,
  type RuleUpdateInfo,
} from './types.js';
import type { RuleCollector } from './collector.js';
import type { RuleSource } from './source.js';
import { matchesWildcard } from './wildcard.js';
import { validateRulesSchema } from './schema.js';

export const WARNING_APPEND =
  "'append' key is deprecated. Add an 'append' entry (e.g. 'condition: append') under 'override' instead.";
export const WARNING_ENABLED =
  "The standalone 'enabled' key usage is deprecated. The correct approach requires also a 'replace' entry under the 'override' key (i.e. 'enabled: replace').";
export const ERROR_OVERRIDE_APPEND =
  "Keys 'override' and 'append: true' cannot be used together. Add an 'append' entry (e.g. 'condition: append') under 'override' instead.";

const RGX_IDENTIFIER = '([a-zA-Z]+[a-zA-Z0-9_]*)';
const RGX_BARESTR = '([^()"\'[:space:]=,]+)';
const RE_IDENTIFIER = /^[a-zA-Z]+[a-zA-Z0-9_]*$/;
const RE_BARESTR = /^[^()"'\s=,]+$/;

/** Extra text appended to outputs (Falco's extra_output_format_conf). */
export interface ExtraOutputFormat {
  format: string;
  source: string;
  tags: string[];
  rule: string;
}

/** Extra output fields (Falco's extra_output_field_conf). */
export interface ExtraOutputField {
  key: string;
  format: string;
  source: string;
  tags: string[];
  rule: string;
  raw: boolean;
}

/** What loading one rules content needs (Falco's rule_loader::configuration). */
export interface LoadConfig {
  readonly name: string;
  readonly content: string;
  readonly sources: ReadonlyMap<string, RuleSource>;
  readonly res: LoadResult;
  readonly extraOutputFormat: readonly ExtraOutputFormat[];
  readonly extraOutputFields: readonly ExtraOutputField[];
}

function fail(msg: string, ctx: LoadContext): never {
  throw new RuleLoadException('LOAD_ERR_YAML_VALIDATE', msg, ctx);
}

type ScalarKind = 'string' | 'bool' | 'uint';
type ScalarOf<K extends ScalarKind> = K extends 'string' ? string : K extends 'bool' ? boolean : number;

const TRUE_WORDS = ['y', 'yes', 'true', 'on'];
const FALSE_WORDS = ['n', 'no', 'false', 'off'];

function bothCases(words: string[]): Set<string> {
  const s = new Set<string>();
  for (const w of words) {
    s.add(w);
    s.add(w.toUpperCase());
    s.add(w[0]!.toUpperCase() + w.slice(1));
  }
  return s;
}
const TRUE_SET = bothCases(TRUE_WORDS);
const FALSE_SET = bothCases(FALSE_WORDS);

/** yaml-cpp's convert<T>::decode for the scalar types the reader uses. */
function convert<K extends ScalarKind>(kind: K, s: string): ScalarOf<K> | undefined {
  if (kind === 'string') return s as ScalarOf<K>;
  if (kind === 'bool') {
    if (TRUE_SET.has(s)) return true as ScalarOf<K>;
    if (FALSE_SET.has(s)) return false as ScalarOf<K>;
    return undefined;
  }
  const m = /^\+?([0-9]+)$/.exec(s);
  if (!m) return undefined;
  const n = Number(m[1]);
  if (!Number.isSafeInteger(n) || n > 0xffffffff) return undefined;
  return n as ScalarOf<K>;
}

function decodeGeneric<K extends ScalarKind>(
  item: YNode,
  key: string,
  kind: K,
  ctx: LoadContext,
  optional: boolean,
  canBeEmpty: boolean,
): ScalarOf<K> | undefined {
  const val = getKey(item, key);
  if (val === undefined && optional) return undefined;
  if (val === undefined) fail(`Item has no mapping for key '${key}'`, ctx);
  if (val.kind === 'null' && canBeEmpty) return undefined;
  if (val.kind === 'null') fail(`Mapping for key '${key}' is empty`, ctx);
  // the value's context only appears in messages: made when one is thrown
  if (val.kind !== 'scalar') fail('Value is not a scalar value', ctx.child(val.mark, 'VALUE_FOR', key));
  if (val.value === '' && canBeEmpty) return undefined;
  if (val.value === '') fail('Value must be non-empty', ctx.child(val.mark, 'VALUE_FOR', key));
  const out = convert(kind, val.value);
  if (out === undefined) fail("Can't decode YAML scalar value", ctx.child(val.mark, 'VALUE_FOR', key));
  return out;
}

function decodeVal<K extends ScalarKind>(item: YNode, key: string, kind: K, ctx: LoadContext): ScalarOf<K> {
  return decodeGeneric(item, key, kind, ctx, false, false) as ScalarOf<K>;
}

function decodeOptional<K extends ScalarKind>(
  item: YNode,
  key: string,
  kind: K,
  ctx: LoadContext,
): ScalarOf<K> | undefined {
  return decodeGeneric(item, key, kind, ctx, true, false);
}

function decodeOptionalEmpty<K extends ScalarKind>(
  item: YNode,
  key: string,
  kind: K,
  ctx: LoadContext,
): ScalarOf<K> | undefined {
  return decodeGeneric(item, key, kind, ctx, true, true);
}

function decodeSeq(item: YNode, key: string, ctx: LoadContext, optional: boolean): string[] | undefined {
  const val = getKey(item, key);
  if (val === undefined && optional) return undefined;
  if (val === undefined) fail(`Item has no mapping for key '${key}'`, ctx);
  const valctx = ctx.child(val.mark, 'VALUE_FOR', key);
  if (val.kind !== 'seq') fail('Value is not a sequence', valctx);
  const out: string[] = [];
  for (const v of val.items) {
    // an item's context only appears in the message
    if (v.kind !== 'scalar') fail('sequence value is not scalar', valctx.child(v.mark, 'LIST_ITEM', ''));
    out.push(v.value);
  }
  return out;
}

function decodeItems(item: YNode, ctx: LoadContext): string[] {
  return decodeSeq(item, 'items', ctx, false)!;
}

function decodeTags(item: YNode, ctx: LoadContext): string[] {
  return sortedUnique(decodeSeq(item, 'tags', ctx, true) ?? []);
}

/** yaml-cpp `as<std::string>()` on a key or value of the override mapping. */
function asString(n: YNode, ctx: LoadContext): string {
  if (n.kind === 'scalar') return n.value;
  if (n.kind === 'null') return 'null';
  throw new RuleLoadException('LOAD_ERR_VALIDATE', 'bad conversion', ctx.child(n.mark, 'VALUE_FOR', ''));
}

function decodeOverrides(
  item: YMap,
  overridableAppend: ReadonlySet<string>,
  overridableReplace: ReadonlySet<string>,
  ctx: LoadContext,
): { append: Set<string>; replace: Set<string> } {
  const out = { append: new Set<string>(), replace: new Set<string>() };
  const val = getKey(item, 'override');
  if (val === undefined) return out;
  const overridectx = ctx.child(item.mark, 'OVERRIDE', '');
  if (val.kind === 'seq' && val.items.length > 0) {
    throw new RuleLoadException('LOAD_ERR_VALIDATE', 'bad conversion', overridectx);
  }
  if (val.kind !== 'map') return out;
  for (const e of val.entries) {
    const key = asString(e.key, overridectx);
    const operation = asString(e.value, overridectx);
    const canAppend = overridableAppend.has(key);
    const canReplace = overridableReplace.has(key);
    if (operation === 'append') {
      const keyctx = overridectx.child(e.key.mark, 'OVERRIDE', key);
      if (!canAppend) fail(`Key '${key}' cannot be appended to, use 'replace' instead`, keyctx);
      out.append.add(key);
    } else if (operation === 'replace') {
      const keyctx = overridectx.child(e.key.mark, 'OVERRIDE', key);
      if (!canReplace) fail(`Key '${key}' cannot be replaced`, keyctx);
      out.replace.add(key);
    } else {
      const opctx = overridectx.child(e.value.mark, 'VALUE_FOR', key);
      let msg = `Invalid override operation for key '${key}': '${operation}'. Allowed values are: `;
      if (canAppend) msg += 'append ';
      if (canReplace) msg += 'replace ';
      fail(msg, opctx);
    }
  }
  return out;
}

function decodeExceptionEntry(
  val: YNode | undefined,
  key: string | undefined,
  ctx: LoadContext,
  optional: boolean,
): ExceptionEntry {
  const out = emptyEntry();
  if (val === undefined && optional) return out;
  if (val === undefined) fail(`Item has no mapping for key '${key ?? ''}'`, ctx);
  const valctx = ctx.child(val.mark, 'VALUE_FOR', key ?? '');
  if (val.kind === 'scalar') {
    if (val.value === '') fail('Value must be non-empty', valctx);
    out.isList = false;
    out.item = val.value;
  }
  if (val.kind === 'seq') {
    out.isList = true;
    for (const v of val.items) {
      const lctx = valctx.child(v.mark, 'EXCEPTION', '');
      out.items.push(decodeExceptionEntry(v, undefined, lctx, false));
    }
  }
  return out;
}

function readRuleExceptions(
  cfg: LoadConfig,
  item: YMap,
  parent: LoadContext,
  append: boolean,
): RuleExceptionInfo[] {
  const out: RuleExceptionInfo[] = [];
  const exs = getKey(item, 'exceptions');
  if (exs === undefined || exs.kind === 'null') return out;
  const exesCtx = parent.child(exs.mark, 'EXCEPTIONS', '');
  if (exs.kind !== 'seq') fail('Rule exceptions must be a sequence', exesCtx);
  for (const ex of exs.items) {
    const tmp = exesCtx.child(ex.mark, 'EXCEPTION', '');
    if (ex.kind !== 'map') fail('Rule exception must be a mapping', tmp);
    const name = decodeVal(ex, 'name', 'string', tmp);
    const exCtx = parent.child(ex.mark, 'EXCEPTION', name);
    const info: RuleExceptionInfo = {
      context: exCtx,
      name,
      fields: emptyEntry(),
      comps: emptyEntry(),
      values: [],
    };
    for (const prev of out) {
      if (prev.name === name) {
        cfg.res.addWarning(
          'LOAD_EXCEPTION_NAME_NOT_UNIQUE',
          `Multiple definitions of exception '${name}' in the same rule`,
          exCtx,
        );
      }
    }
    info.fields = decodeExceptionEntry(getKey(ex, 'fields'), 'fields', exCtx, append);
    info.comps = decodeExceptionEntry(getKey(ex, 'comps'), 'comps', exCtx, true);
    const exvals = getKey(ex, 'values');
    if (exvals !== undefined) {
      const valsCtx = exCtx.child(exvals.mark, 'EXCEPTION_VALUES', '');
      if (exvals.kind !== 'seq') fail('Rule exception values must be a sequence', valsCtx);
      for (const v of exvals.items) {
        const vctx = valsCtx.child(v.mark, 'EXCEPTION_VALUE', '');
        info.values.push(decodeExceptionEntry(v, undefined, vctx, false));
      }
    } else if (append) {
      cfg.res.addWarning('LOAD_APPEND_NO_VALUES', 'Overriding/appending exception with no values', exCtx);
    }
    out.push(info);
  }
  return out;
}

function warnUnknownKeys(item: YMap, expected: ReadonlySet<string>, cfg: LoadConfig, ctx: LoadContext): void {
  for (const e of item.entries) {
    const key = keyText(e.key);
    if (!expected.has(key)) {
      cfg.res.addWarning('LOAD_UNKNOWN_KEY', `Unknown key '${key}'. The key will be ignored.`, ctx);
    }
  }
}

function checkUpdateExpected(
  expected: Set<string>,
  overrides: ReadonlySet<string>,
  type: 'append' | 'replace',
  key: string,
  ctx: LoadContext,
): boolean {
  if (!overrides.has(key)) return false;
  if (!expected.has(key)) fail(`An ${type} override for '${key}' was specified but '${key}' is not defined`, ctx);
  expected.delete(key);
  return true;
}

function markOf(item: YNode, key: string): Mark | undefined {
  return getKey(item, key)?.mark;
}

/** Falco's implicit engine version for a bare number N: "0.N.0" (major/patch of the engine). */
export function implicitEngineVersion(minor: number): Version {
  const eng = Version.parse(ENGINE_VERSION);
  return Version.of(eng.major, minor, eng.patch);
}

const LIST_KEYS = new Set(['list', 'items', 'append', 'override']);
const MACRO_KEYS = new Set(['macro', 'condition', 'append', 'override']);
const RULE_KEYS = new Set([
  'rule',
  'condition',
  'output',
  'desc',
  'priority',
  'source',
  'enabled',
  'capture',
  'capture_duration',
  'warn_evttypes',
  'skip-if-unknown-filter',
  'tags',
  'exceptions',
  'override',
  'append',
]);
const RULE_APPENDABLE = new Set(['condition', 'output', 'desc', 'tags', 'exceptions']);
const RULE_REPLACEABLE = new Set([
  'condition',
  'output',
  'desc',
  'priority',
  'capture',
  'capture_duration',
  'tags',
  'exceptions',
  'enabled',
  'warn_evttypes',
  'skip-if-unknown-filter',
]);

const trim = (s: string): string => s.replace(/^[ \t\n\v\f\r]+|[ \t\n\v\f\r]+$/g, '');

function readItem(cfg: LoadConfig, col: RuleCollector, item: YNode, parent: LoadContext): void {
  if (item.kind !== 'map') {
    fail(
      'Unexpected element type. Each element should be a yaml associative array.',
      parent.child(item.mark, 'RULES_CONTENT_ITEM', ''),
    );
  }
  if (getKey(item, 'required_engine_version') !== undefined) {
    const ctx = parent.child(item.mark, 'REQUIRED_ENGINE_VERSION', '');
    let version: Version;
    let num: number | undefined;
    try {
      num = decodeVal(item, 'required_engine_version', 'uint', ctx);
    } catch {
      num = undefined;
    }
    if (num !== undefined) {
      version = implicitEngineVersion(num);
    } else {
      const ver = decodeVal(item, 'required_engine_version', 'string', ctx);
      version = Version.parse(ver);
      if (!version.valid) {
        fail(`Unable to parse engine version '${ver}' as a semver string. Expected "x.y.z" semver format.`, ctx);
      }
    }
    col.defineEngineVersion(cfg, { context: ctx, version });
    warnUnknownKeys(item, new Set(['required_engine_version']), cfg, ctx);
  } else if (getKey(item, 'required_plugin_versions') !== undefined) {
    const reqs = getKey(item, 'required_plugin_versions')!;
    const ctx = parent.child(reqs.mark, 'REQUIRED_PLUGIN_VERSIONS', '');
    if (reqs.kind !== 'seq') fail('Value of required_plugin_versions must be a sequence', ctx);
    for (const plugin of reqs.items) {
      let tmp = ctx.child(plugin.mark, 'REQUIRED_PLUGIN_VERSIONS_ENTRY', '');
      if (plugin.kind !== 'map') fail('Plugin version must be a mapping', tmp);
      const name = decodeVal(plugin, 'name', 'string', tmp);
      const pctx = ctx.child(plugin.mark, 'REQUIRED_PLUGIN_VERSIONS_ENTRY', name);
      const version = decodeVal(plugin, 'version', 'string', pctx);
      const alternatives: PluginRequirement[] = [{ name, version }];
      const alts = getKey(plugin, 'alternatives');
      if (alts !== undefined) {
        if (alts.kind !== 'seq') fail('Value of plugin version alternatives must be a sequence', pctx);
        for (const req of alts.items) {
          tmp = pctx.child(req.mark, 'REQUIRED_PLUGIN_VERSIONS_ALTERNATIVE', '');
          if (req.kind !== 'map') fail('Plugin version alternative must be a mapping', tmp);
          const aname = decodeVal(req, 'name', 'string', tmp);
          tmp = pctx.child(req.mark, 'REQUIRED_PLUGIN_VERSIONS_ALTERNATIVE', aname);
          const aversion = decodeVal(req, 'version', 'string', tmp);
          alternatives.push({ name: aname, version: aversion });
        }
      }
      col.definePluginVersion(cfg, { context: pctx, alternatives });
    }
    const rpvCtx = parent.child(item.mark, 'REQUIRED_PLUGIN_VERSIONS', '');
    warnUnknownKeys(item, new Set(['required_plugin_versions']), cfg, rpvCtx);
  } else if (getKey(item, 'list') !== undefined) {
    const tmp = parent.child(item.mark, 'LIST', '');
    const name = decodeVal(item, 'list', 'string', tmp);
    const ctx = parent.child(item.mark, 'LIST', name);
    if (!RE_BARESTR.test(name)) {
      cfg.res.addWarning(
        'LOAD_INVALID_LIST_NAME',
        `List has an invalid name. List names should match a regular expression: ${RGX_BARESTR}`,
        ctx,
      );
    }
    const info: ListInfo = { context: ctx, index: 0, visibility: 0, name, items: decodeItems(item, ctx) };
    let append = decodeOptional(item, 'append', 'bool', ctx) ?? false;
    if (append) cfg.res.addWarning('LOAD_DEPRECATED_ITEM', WARNING_APPEND, ctx);
    const overridable = new Set(['items']);
    const ov = decodeOverrides(item, overridable, overridable, ctx);
    const hasOverrides = ov.append.size > 0 || ov.replace.size > 0;
    if (append && hasOverrides) fail(ERROR_OVERRIDE_APPEND, ctx);
    append ||= ov.append.has('items');
    if (append) col.appendList(cfg, info);
    else col.defineList(cfg, info);
    warnUnknownKeys(item, LIST_KEYS, cfg, ctx);
  } else if (getKey(item, 'macro') !== undefined) {
    const tmp = parent.child(item.mark, 'MACRO', '');
    const name = decodeVal(item, 'macro', 'string', tmp);
    const ctx = parent.child(item.mark, 'MACRO', name);
    if (!RE_IDENTIFIER.test(name)) {
      cfg.res.addWarning(
        'LOAD_INVALID_MACRO_NAME',
        `Macro has an invalid name. Macro names should match a regular expression: ${RGX_IDENTIFIER}`,
        ctx,
      );
    }
    const cond = decodeVal(item, 'condition', 'string', ctx);
    const info: MacroInfo = {
      context: ctx,
      condContext: ctx.child(markOf(item, 'condition'), 'MACRO_CONDITION', ''),
      index: 0,
      visibility: 0,
      name,
      cond,
    };
    let append = decodeOptional(item, 'append', 'bool', ctx) ?? false;
    if (append) cfg.res.addWarning('LOAD_DEPRECATED_ITEM', WARNING_APPEND, ctx);
    const overridable = new Set(['condition']);
    const ov = decodeOverrides(item, overridable, overridable, ctx);
    const hasOverrides = ov.append.size > 0 || ov.replace.size > 0;
    if (append && hasOverrides) fail(ERROR_OVERRIDE_APPEND, ctx);
    append ||= ov.append.has('condition');
    if (append) col.appendMacro(cfg, info);
    else col.defineMacro(cfg, info);
    warnUnknownKeys(item, MACRO_KEYS, cfg, ctx);
  } else if (getKey(item, 'rule') !== undefined) {
    readRule(cfg, col, item, parent);
  } else {
    cfg.res.addWarning('LOAD_UNKNOWN_ITEM', 'Unknown top level item', parent.child(item.mark, 'RULES_CONTENT_ITEM', ''));
  }
}

function readRule(cfg: LoadConfig, col: RuleCollector, item: YMap, parent: LoadContext): void {
  const tmp = parent.child(item.mark, 'RULE', '');
  const name = decodeVal(item, 'rule', 'string', tmp);
  const ctx = parent.child(item.mark, 'RULE', name);
  const source = decodeOptionalEmpty(item, 'source', 'string', ctx) ?? '';
  const hasAppendFlag = decodeOptional(item, 'append', 'bool', ctx) ?? false;
  if (hasAppendFlag) cfg.res.addWarning('LOAD_DEPRECATED_ITEM', WARNING_APPEND, ctx);
  const ov = decodeOverrides(item, RULE_APPENDABLE, RULE_REPLACEABLE, ctx);
  const hasAppend = ov.append.size > 0;
  const hasReplace = ov.replace.size > 0;
  const hasOverrides = hasAppend || hasReplace;
  if (hasAppendFlag && hasOverrides) fail(ERROR_OVERRIDE_APPEND, ctx);

  const newUpdate = (): RuleUpdateInfo => ({ context: ctx, condContext: ctx, name, source: '' });

  if (hasOverrides) {
    // keys that are both overridable and present in the item
    const expected = new Set<string>();
    for (const k of RULE_APPENDABLE) if (getKey(item, k) !== undefined) expected.add(k);
    for (const k of RULE_REPLACEABLE) if (getKey(item, k) !== undefined) expected.add(k);

    if (hasAppend) {
      const v = newUpdate();
      if (checkUpdateExpected(expected, ov.append, 'append', 'condition', ctx)) {
        v.source = source;
        v.cond = decodeVal(item, 'condition', 'string', ctx);
      }
      if (checkUpdateExpected(expected, ov.append, 'append', 'exceptions', ctx)) {
        v.exceptions = readRuleExceptions(cfg, item, ctx, true);
      }
      if (checkUpdateExpected(expected, ov.append, 'append', 'output', ctx)) {
        v.output = decodeVal(item, 'output', 'string', ctx);
      }
      if (checkUpdateExpected(expected, ov.append, 'append', 'desc', ctx)) {
        v.desc = decodeVal(item, 'desc', 'string', ctx);
      }
      if (checkUpdateExpected(expected, ov.append, 'append', 'tags', ctx)) {
        v.tags = decodeTags(item, ctx);
      }
      col.appendRule(cfg, v);
    }

    if (hasReplace) {
      const v = newUpdate();
      if (checkUpdateExpected(expected, ov.replace, 'replace', 'condition', ctx)) {
        v.source = source;
        v.cond = decodeVal(item, 'condition', 'string', ctx);
      }
      if (checkUpdateExpected(expected, ov.replace, 'replace', 'exceptions', ctx)) {
        v.exceptions = readRuleExceptions(cfg, item, ctx, false);
      }
      if (checkUpdateExpected(expected, ov.replace, 'replace', 'output', ctx)) {
        v.output = decodeVal(item, 'output', 'string', ctx);
      }
      if (checkUpdateExpected(expected, ov.replace, 'replace', 'desc', ctx)) {
        v.desc = decodeVal(item, 'desc', 'string', ctx);
      }
      if (checkUpdateExpected(expected, ov.replace, 'replace', 'tags', ctx)) {
        v.tags = decodeTags(item, ctx);
      }
      if (checkUpdateExpected(expected, ov.replace, 'replace', 'priority', ctx)) {
        const pri = decodeVal(item, 'priority', 'string', ctx);
        const prictx = ctx.child(markOf(item, 'priority'), 'RULE_PRIORITY', '');
        const p = parsePriority(pri);
        if (p === undefined) fail('Invalid priority', prictx);
        v.priority = p;
      }
      if (checkUpdateExpected(expected, ov.replace, 'replace', 'capture', ctx)) {
        v.capture = decodeVal(item, 'capture', 'bool', ctx);
      }
      if (checkUpdateExpected(expected, ov.replace, 'replace', 'capture_duration', ctx)) {
        v.captureDuration = decodeVal(item, 'capture_duration', 'uint', ctx);
      }
      if (checkUpdateExpected(expected, ov.replace, 'replace', 'enabled', ctx)) {
        v.enabled = decodeVal(item, 'enabled', 'bool', ctx);
      }
      if (checkUpdateExpected(expected, ov.replace, 'replace', 'warn_evttypes', ctx)) {
        v.warnEvttypes = decodeVal(item, 'warn_evttypes', 'bool', ctx);
      }
      if (checkUpdateExpected(expected, ov.replace, 'replace', 'skip-if-unknown-filter', ctx)) {
        v.skipIfUnknownFilter = decodeVal(item, 'skip-if-unknown-filter', 'bool', ctx);
      }
      col.selectiveReplaceRule(cfg, v);
    }

    for (const key of expected) {
      const keyctx = ctx.child(markOf(item, key), 'OVERRIDE', key);
      fail(`Unexpected key '${key}': no corresponding entry under 'override' is defined.`, keyctx);
    }
  } else if (hasAppendFlag) {
    const v = newUpdate();
    v.source = source;
    if (getKey(item, 'condition') !== undefined) {
      v.condContext = ctx.child(markOf(item, 'condition'), 'RULE_CONDITION', '');
      v.cond = decodeVal(item, 'condition', 'string', ctx);
    }
    if (getKey(item, 'exceptions') !== undefined) {
      v.exceptions = readRuleExceptions(cfg, item, ctx, true);
    }
    col.appendRule(cfg, v);
  } else {
    const has = (k: string): boolean => getKey(item, k) !== undefined;
    if (!has('condition') && !has('output') && !has('desc') && !has('priority')) {
      const enabled = decodeVal(item, 'enabled', 'bool', ctx);
      cfg.res.addWarning('LOAD_DEPRECATED_ITEM', WARNING_ENABLED, ctx);
      col.enableRule(cfg, name, enabled, ctx);
    } else {
      const cond = decodeVal(item, 'condition', 'string', ctx);
      const condContext = ctx.child(markOf(item, 'condition'), 'RULE_CONDITION', '');
      const output = decodeVal(item, 'output', 'string', ctx);
      const outputContext = ctx.child(markOf(item, 'output'), 'RULE_OUTPUT', '');
      const desc = decodeVal(item, 'desc', 'string', ctx);
      const pri = decodeVal(item, 'priority', 'string', ctx);
      const prictx = ctx.child(markOf(item, 'priority'), 'RULE_PRIORITY', '');
      const priority = parsePriority(pri);
      if (priority === undefined) fail('Invalid priority', prictx);
      const info: RuleInfo = {
        context: ctx,
        condContext,
        outputContext,
        index: 0,
        visibility: 0,
        unknownSource: false,
        name,
        cond,
        source: decodeOptional(item, 'source', 'string', ctx) ?? SYSCALL_SOURCE,
        desc,
        output: trim(output),
        tags: [],
        exceptions: [],
        priority,
        capture: false,
        captureDuration: 0,
        enabled: true,
        warnEvttypes: true,
        skipIfUnknownFilter: false,
      };
      info.enabled = decodeOptional(item, 'enabled', 'bool', ctx) ?? info.enabled;
      info.capture = decodeOptional(item, 'capture', 'bool', ctx) ?? info.capture;
      info.captureDuration = decodeOptional(item, 'capture_duration', 'uint', ctx) ?? info.captureDuration;
      info.warnEvttypes = decodeOptional(item, 'warn_evttypes', 'bool', ctx) ?? info.warnEvttypes;
      info.skipIfUnknownFilter =
        decodeOptional(item, 'skip-if-unknown-filter', 'bool', ctx) ?? info.skipIfUnknownFilter;
      info.tags = decodeTags(item, ctx);
      info.exceptions = readRuleExceptions(cfg, item, ctx, false);
      col.defineRule(cfg, info);
    }
  }
  warnUnknownKeys(item, RULE_KEYS, cfg, ctx);
}

/**
 * Read one rules content into the collector. Returns false (with an error recorded in
 * cfg.res) on the first YAML or schema error, like Falco's reader::read.
 */
export function readRulesContent(cfg: LoadConfig, col: RuleCollector): boolean {
  const ctx = LoadContext.root(cfg.name);
  let docs: YNode[];
  try {
    docs = loadAllWithPositions(cfg.content, cfg.name);
  } catch (e) {
    if (e instanceof YamlSyntaxError) {
      cfg.res.addError('LOAD_ERR_YAML_PARSE', e.message, e.mark ? ctx.child(e.mark, 'VALUE_FOR', '') : ctx);
      return false;
    }
    cfg.res.addError('LOAD_ERR_YAML_PARSE', e instanceof Error ? e.message : 'unknown YAML parsing error', ctx);
    return false;
  }
  cfg.res.schemaValidation = validateRulesSchema(docs);
  for (const doc of docs) {
    if (doc.kind === 'null') continue;
    try {
      if (doc.kind !== 'map' && doc.kind !== 'seq') fail('Rules content is not yaml', ctx);
      if (doc.kind !== 'seq') fail('Rules content is not yaml array of objects', ctx);
      for (const it of doc.items) {
        if (it.kind !== 'null') readItem(cfg, col, it, ctx);
      }
    } catch (e) {
      if (e instanceof RuleLoadException) {
        cfg.res.addError(e.code, e.detail, e.context);
        return false;
      }
      throw e;
    }
  }
  return true;
}

/** A rules file to load: its name as reported in messages and its text. */
export interface RulesContent {
  readonly name: string;
  readonly content: string;
}

/**
 * Expand rules paths the way Falco does for `-r`/`rules_files`: a directory gives its
 * regular files, sorted, that match `*.yaml` or `*.yml` (Falco's own wildcard matcher);
 * a file is kept when it matches those patterns.
 */
export function expandRulesPaths(paths: readonly string[]): string[] {
  const out: string[] = [];
  const isYaml = (p: string): boolean => matchesWildcard('*.yaml', p) || matchesWildcard('*.yml', p);
  for (const p of paths) {
    let isDir = false;
    try {
      isDir = statSync(p).isDirectory();
    } catch {
      isDir = false;
    }
    if (isDir) {
      const files: string[] = [];
      for (const ent of readdirSync(p)) {
        const full = join(p, ent);
        try {
          if (statSync(full).isFile()) files.push(full);
        } catch {
          // unreadable entries are skipped like Falco's skip_permission_denied
        }
      }
      files.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      for (const f of files) if (isYaml(f)) out.push(f);
    } else if (isYaml(p)) {
      out.push(p);
    }
  }
  return out;
}

/** Read rules files from disk (after expandRulesPaths). Throws SourceError on unreadable files. */
export function readRulesFiles(paths: readonly string[]): RulesContent[] {
  return expandRulesPaths(paths).map((p) => {
    try {
      return { name: p, content: readFileSync(p, 'utf8') };
    } catch (e) {
      throw LoadContext.root(p).toSourceError(
        `Could not open file ${p} for reading: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
  });
}
