/**
 * Stage 2 of Falco's rules loader: keeps the definitions read so far, in definition
 * order, across all rules files (Falco's rule_loader::collector). Redefinitions keep
 * their original index but move their "visibility" forward; appends and selective
 * replaces update an earlier item in place. Errors carry LOAD_ERR_VALIDATE.
 */
import { RuleLoadException, type LoadContext } from './result.js';
import { ALL_OPERATORS, LIST_OPERATORS as FILTER_LIST_OPERATORS } from '../filter/ast.js';
import {
  ENGINE_VERSION,
  Version,
  entryIsValid,
  sortedUnique,
  updateHasAnyValue,
  type EngineVersionInfo,
  type ListInfo,
  type MacroInfo,
  type PluginRequirement,
  type PluginVersionInfo,
  type RuleExceptionInfo,
  type RuleInfo,
  type RuleUpdateInfo,
} from './types.js';
import type { LoadConfig } from './reader.js';
import type { RuleSource } from './source.js';

export const ERROR_NO_PREVIOUS_MACRO =
  "Macro uses 'append' or 'override.condition: append' but no macro by that name already exists";
export const ERROR_NO_PREVIOUS_LIST =
  "List uses 'append' or 'override.items: append' but no list by that name already exists";
export const ERROR_NO_PREVIOUS_RULE_APPEND =
  "Rule uses 'append' or 'override.<key>: append' but no rule by that name already exists";
export const ERROR_NO_PREVIOUS_RULE_REPLACE =
  "An 'override.<key>: replace' to a rule was requested but no rule by that name already exists";

function fail(msg: string, ctx: LoadContext): never {
  throw new RuleLoadException('LOAD_ERR_VALIDATE', msg, ctx);
}

/** Every operator of the condition grammar (libsinsp parser::supported_operators()). */
export const SUPPORTED_OPERATORS: readonly string[] = ALL_OPERATORS;
/** Operators taking a list (supported_operators(true)). */
export const LIST_OPERATORS: readonly string[] = FILTER_LIST_OPERATORS;

const CMPOPS = new Set([
  '=',
  '==',
  '!=',
  '<=',
  '<',
  '>=',
  '>',
  'contains',
  'icontains',
  'bcontains',
  'startswith',
  'bstartswith',
  'endswith',
  'in',
  'intersects',
  'pmatch',
  'exists',
  'glob',
  'iglob',
  'regex',
]);
const MODIFIER_OPS = new Set([
  '=',
  '==',
  '!=',
  'contains',
  'icontains',
  'bcontains',
  'startswith',
  'bstartswith',
  'endswith',
  'glob',
  'iglob',
  'regex',
]);

/** "startswith oneof", "contains allof", ...: a string operator with a list modifier. */
export function isStrOperatorWithModifier(op: string): boolean {
  const sp = op.indexOf(' ');
  if (sp < 0) return false;
  const base = op.slice(0, sp);
  const mod = op.slice(sp + 1);
  if (!CMPOPS.has(base)) return false;
  if (mod !== 'oneof' && mod !== 'anyof' && mod !== 'allof') return false;
  return MODIFIER_OPS.has(base);
}

function isOperatorDefined(op: string): boolean {
  return SUPPORTED_OPERATORS.includes(op);
}

const normalizeComp = (s: string): string => s.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');

function validateExceptionInfo(source: RuleSource | undefined, ex: RuleExceptionInfo): void {
  if (ex.fields.isList) {
    if (!entryIsValid(ex.comps)) {
      ex.comps.isList = true;
      for (let i = 0; i < ex.fields.items.length; i++) ex.comps.items.push({ isList: false, item: '=', items: [] });
    }
    if (ex.fields.items.length !== ex.comps.items.length) {
      fail('Fields and comps lists must have equal length', ex.context);
    }
    for (const v of ex.comps.items) {
      v.item = normalizeComp(v.item);
      if (!isOperatorDefined(v.item) && !isStrOperatorWithModifier(v.item)) {
        fail(`'${v.item}' is not a supported comparison operator`, ex.context);
      }
    }
    if (source) {
      for (const v of ex.fields.items) {
        if (!source.isValidLhsField(v.item)) fail(`'${v.item}' is not a supported filter field`, ex.context);
      }
    }
  } else {
    if (!entryIsValid(ex.comps)) {
      ex.comps.isList = false;
      ex.comps.item = 'in';
    }
    if (ex.comps.isList) fail('Fields and comps must both be strings', ex.context);
    ex.comps.item = normalizeComp(ex.comps.item);
    const c = ex.comps.item;
    if (c !== 'in' && c !== 'pmatch' && c !== 'intersects' && !isStrOperatorWithModifier(c)) {
      fail(
        'When fields is a single value, comps must be one of (in, pmatch, intersects) or a modifier operator (e.g. startswith oneof)',
        ex.context,
      );
    }
    if (source && !source.isValidLhsField(ex.fields.item)) {
      fail(`'${ex.fields.item}' is not a supported filter field`, ex.context);
    }
  }
}

/** Insertion-ordered items by name (Falco's indexed_vector). */
export class IndexedItems<T extends { name: string }> implements Iterable<T> {
  private readonly items: T[] = [];
  private readonly byName = new Map<string, number>();

  get(name: string): T | undefined {
    const i = this.byName.get(name);
    return i === undefined ? undefined : this.items[i];
  }
  /** Adds or replaces (keeping the original slot); returns the slot id. */
  insert(item: T): number {
    const i = this.byName.get(item.name);
    if (i !== undefined) {
      this.items[i] = item;
      return i;
    }
    this.items.push(item);
    this.byName.set(item.name, this.items.length - 1);
    return this.items.length - 1;
  }
  at(i: number): T | undefined {
    return this.items[i];
  }
  get size(): number {
    return this.items.length;
  }
  [Symbol.iterator](): Iterator<T> {
    return this.items[Symbol.iterator]();
  }
  clear(): void {
    this.items.length = 0;
    this.byName.clear();
  }
}

function cloneException(e: RuleExceptionInfo): RuleExceptionInfo {
  const ce = (x: RuleExceptionInfo['fields']): RuleExceptionInfo['fields'] => ({
    isList: x.isList,
    item: x.item,
    items: x.items.map(ce),
  });
  return { context: e.context, name: e.name, fields: ce(e.fields), comps: ce(e.comps), values: e.values.map(ce) };
}

export class RuleCollector {
  private curIndex = 0;
  readonly lists = new IndexedItems<ListInfo>();
  readonly macros = new IndexedItems<MacroInfo>();
  readonly rules = new IndexedItems<RuleInfo>();
  readonly requiredPluginVersions: PluginRequirement[][] = [];
  private engineVersion: EngineVersionInfo | undefined;

  clear(): void {
    this.curIndex = 0;
    this.lists.clear();
    this.macros.clear();
    this.rules.clear();
    this.requiredPluginVersions.length = 0;
    this.engineVersion = undefined;
  }

  /** Highest required_engine_version seen ("0.0.0" when none). */
  get requiredEngineVersion(): Version {
    return this.engineVersion?.version ?? Version.of(0, 0, 0);
  }

  private defineInfo<T extends { name: string; index: number; visibility: number }>(
    infos: IndexedItems<T>,
    info: T,
  ): void {
    const id = this.curIndex++;
    const prev = infos.get(info.name);
    if (prev) {
      info.index = prev.index;
      info.visibility = id;
    } else {
      info.index = id;
      info.visibility = id;
    }
    infos.insert(info);
  }

  defineEngineVersion(_cfg: LoadConfig, info: EngineVersionInfo): void {
    const v = Version.parse(ENGINE_VERSION);
    if (!v.compatibleWith(info.version)) {
      fail(`Rules require engine version ${info.version.toString()}, but engine version is ${v.toString()}`, info.context);
    }
    if (this.requiredEngineVersion.compare(info.version) < 0) this.engineVersion = info;
  }

  definePluginVersion(_cfg: LoadConfig, info: PluginVersionInfo): void {
    const names = new Set<string>();
    for (const req of info.alternatives) {
      if (!Version.parse(req.version).valid) {
        fail(`Invalid required version '${req.version}' for plugin '${req.name}'`, info.context);
      }
      if (names.has(req.name)) {
        fail(`Defined multiple alternative version requirements for plugin '${req.name}'`, info.context);
      }
      names.add(req.name);
    }
    this.requiredPluginVersions.push(info.alternatives);
  }

  defineList(_cfg: LoadConfig, info: ListInfo): void {
    this.defineInfo(this.lists, info);
  }

  appendList(_cfg: LoadConfig, info: ListInfo): void {
    const prev = this.lists.get(info.name);
    if (!prev) fail(ERROR_NO_PREVIOUS_LIST, info.context);
    prev.items.push(...info.items);
    prev.visibility = this.curIndex++;
  }

  defineMacro(_cfg: LoadConfig, info: MacroInfo): void {
    this.defineInfo(this.macros, info);
  }

  appendMacro(_cfg: LoadConfig, info: MacroInfo): void {
    const prev = this.macros.get(info.name);
    if (!prev) fail(ERROR_NO_PREVIOUS_MACRO, info.context);
    prev.cond += ' ' + info.cond;
    prev.visibility = this.curIndex++;
  }

  defineRule(cfg: LoadConfig, info: RuleInfo): void {
    this.findPrevRule(info.name, info.source, info.context);
    const source = cfg.sources.get(info.source);
    if (!source) {
      info.unknownSource = true;
      cfg.res.addWarning('LOAD_UNKNOWN_SOURCE', `Unknown source ${info.source}, skipping`, info.context);
    }
    for (const ex of info.exceptions) {
      if (!entryIsValid(ex.fields)) {
        fail('Rule exception item must have fields property with a list of fields', ex.context);
      }
      validateExceptionInfo(source, ex);
    }
    this.defineInfo(this.rules, info);
  }

  private sourceOf(cfg: LoadConfig, prev: RuleInfo, ctx: LoadContext): RuleSource | undefined {
    if (prev.unknownSource) return undefined;
    const source = cfg.sources.get(prev.source);
    if (!source) fail(`Unknown source ${prev.source}`, ctx);
    return source;
  }

  appendRule(cfg: LoadConfig, info: RuleUpdateInfo): void {
    const prev = this.findPrevRule(info.name, info.source, info.context);
    if (!prev) fail(ERROR_NO_PREVIOUS_RULE_APPEND, info.context);
    if (!updateHasAnyValue(info)) fail('Appended rule must have exceptions or condition property', info.context);
    const source = this.sourceOf(cfg, prev, info.context);
    if (info.cond !== undefined && info.cond !== '') prev.cond += ' ' + info.cond;
    if (info.output !== undefined && info.output !== '') prev.output += ' ' + info.output;
    if (info.desc !== undefined && info.desc !== '') prev.desc += ' ' + info.desc;
    if (info.tags !== undefined) prev.tags = sortedUnique([...prev.tags, ...info.tags]);
    if (info.exceptions !== undefined) {
      for (const ex of info.exceptions) {
        const prevEx = prev.exceptions.find((e) => e.name === ex.name);
        if (!prevEx) {
          if (!entryIsValid(ex.fields)) {
            fail('Rule exception must have fields property with a list of fields', ex.context);
          }
          if (ex.values.length === 0) {
            fail('Rule exception must have values property with a list of values', ex.context);
          }
          validateExceptionInfo(source, ex);
          prev.exceptions.push(ex);
        } else {
          if (entryIsValid(ex.fields)) {
            fail('Can not append exception fields to existing exception, only values', ex.context);
          }
          if (entryIsValid(ex.comps)) {
            fail('Can not append exception comps to existing exception, only values', ex.context);
          }
          prevEx.values.push(...ex.values);
        }
      }
    }
    prev.visibility = this.curIndex++;
  }

  selectiveReplaceRule(cfg: LoadConfig, info: RuleUpdateInfo): void {
    const prev = this.findPrevRule(info.name, info.source, info.context);
    if (!prev) fail(ERROR_NO_PREVIOUS_RULE_REPLACE, info.context);
    if (!updateHasAnyValue(info)) fail('The rule must have at least one field that can be replaced', info.context);
    this.sourceOf(cfg, prev, info.context);
    if (info.cond !== undefined) prev.cond = info.cond;
    if (info.output !== undefined) prev.output = info.output;
    if (info.desc !== undefined) prev.desc = info.desc;
    if (info.tags !== undefined) prev.tags = info.tags;
    // note: Falco does not validate replaced exceptions (fields/comps defaults are not filled in)
    if (info.exceptions !== undefined) prev.exceptions = info.exceptions.map(cloneException);
    if (info.priority !== undefined) prev.priority = info.priority;
    if (info.capture !== undefined) prev.capture = info.capture;
    if (info.captureDuration !== undefined) prev.captureDuration = info.captureDuration;
    if (info.enabled !== undefined) prev.enabled = info.enabled;
    if (info.warnEvttypes !== undefined) prev.warnEvttypes = info.warnEvttypes;
    if (info.skipIfUnknownFilter !== undefined) prev.skipIfUnknownFilter = info.skipIfUnknownFilter;
    prev.visibility = this.curIndex++;
  }

  private findPrevRule(name: string, source: string, ctx: LoadContext): RuleInfo | undefined {
    const ret = this.rules.get(name);
    if (ret && ret.source !== '' && source !== '' && ret.source !== source) {
      fail('Rule has been re-defined with a different source', ctx);
    }
    return ret;
  }

  enableRule(_cfg: LoadConfig, name: string, enabled: boolean, ctx: LoadContext): void {
    const prev = this.rules.get(name);
    if (!prev) fail("Rule has 'enabled' key but no rule by that name already exists", ctx);
    prev.enabled = enabled;
  }
}
