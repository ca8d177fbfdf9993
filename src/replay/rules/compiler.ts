/**
 * Stage 3 of Falco's rules loader (rule_loader::compiler): expands lists, parses and
 * resolves macros (with Falco's visibility rules and loop detection), turns exceptions
 * into condition text, checks outputs, compiles each rule's condition through its
 * source, and reports Falco's warnings.
 *
 * Like Falco, list expansion is textual: every list name that appears in a condition
 * between delimiters (blanks, parentheses, commas, `=`) is replaced by its items, an item
 * containing a space being double-quoted; lists referencing earlier lists are expanded
 * one level. Macro substitution happens on the parsed tree.
 */
import type { Expr, Node, Position } from '../filter/ast.js';
import { parseCondition } from '../filter/parser.js';
import { ConditionError } from '../filter/errors.js';
import {
  DEPRECATED_FIELDS,
  DEPRECATED_FIELD_DESC,
  RuleLoadException,
  isDeprecatedField,
  type ConditionPos,
  type DeprecatedField,
  type LoadContext,
  type WarningCode,
} from './result.js';
import { IndexedItems, LIST_OPERATORS, isStrOperatorWithModifier, type RuleCollector } from './collector.js';
import type { LoadConfig } from './reader.js';
import type { RuleSource } from './source.js';
import { SYSCALL_SOURCE, type Priority, type RuleExceptionInfo } from './types.js';
import { eventCodesOf, defaultEventCodes, type EventCodeResolver } from './evttypes.js';

export interface CompiledList {
  id: number;
  name: string;
  items: string[];
  used: boolean;
}

export interface CompiledMacro {
  id: number;
  name: string;
  condition: Expr;
  used: boolean;
}

export interface CompiledRule<F = unknown> {
  id: number;
  name: string;
  source: string;
  description: string;
  output: string;
  /** Extra output fields: key → [format, raw]. */
  extraOutputFields: Map<string, { format: string; raw: boolean }>;
  tags: string[];
  exceptionFields: string[];
  priority: Priority;
  capture: boolean;
  captureDuration: number;
  /** The condition text after exceptions were added (before list expansion). */
  conditionText: string;
  /** Fully resolved condition tree (lists expanded, macros substituted). */
  condition: Expr;
  filter: F;
  /** Event codes the condition can match (syscall source only; see evttypes.ts). */
  eventCodes: number[] | undefined;
}

export interface CompileOutput<F = unknown> {
  lists: IndexedItems<CompiledList>;
  macros: IndexedItems<CompiledMacro>;
  rules: IndexedItems<CompiledRule<F>>;
}

export interface CompilerOptions {
  eventCodes?: EventCodeResolver;
}

const S_CONTAINER_INFO_FMT = '%container.info';

function fail(msg: string, ctx: LoadContext): never {
  throw new RuleLoadException('LOAD_ERR_VALIDATE', msg, ctx);
}

/** Falco's quote_item: double-quote an item containing a space unless it starts with a quote. */
export function quoteItem(e: string): string {
  if (e.includes(' ') && e[0] !== '"' && e[0] !== "'") return '"' + e + '"';
  return e;
}

function parenItem(e: string): string {
  return e[0] !== '(' ? '(' + e + ')' : e;
}

function isOperatorForList(op: string): boolean {
  return LIST_OPERATORS.includes(op) || isStrOperatorWithModifier(op);
}

/**
 * Falco's build_rule_exception_infos: wraps the condition in parentheses and appends
 * `and not (...)` for every exception with values. Returns the new condition text and
 * adds the exception fields to `fields`.
 */
export function buildExceptionCondition(
  exceptions: readonly RuleExceptionInfo[],
  condition: string,
  fields: Set<string>,
): string {
  let cond = '(' + condition + ')';
  for (const ex of exceptions) {
    let icond = '';
    if (!ex.fields.isList) {
      for (const val of ex.values) {
        if (val.isList) fail('Expected values array to contain a list of strings', ex.context);
        icond += icond === '' ? '(' + ex.fields.item + ' ' + ex.comps.item + ' (' : ', ';
        fields.add(ex.fields.item);
        icond += quoteItem(val.item);
      }
      icond += icond === '' ? '' : '))';
    } else {
      icond = '(';
      for (const values of ex.values) {
        if (ex.fields.items.length !== values.items.length) {
          fail('Fields and values lists must have equal length', ex.context);
        }
        icond += icond === '(' ? '' : ' or ';
        icond += '(';
        ex.fields.items.forEach((field, k) => {
          icond += k === 0 ? '' : ' and ';
          const v = values.items[k]!;
          const comp = ex.comps.items[k]?.item ?? '';
          let istr: string;
          if (v.isList) {
            istr = '(' + v.items.map((x) => quoteItem(x.item)).join(', ') + ')';
          } else {
            istr = isOperatorForList(comp) ? parenItem(v.item) : quoteItem(v.item);
          }
          icond += ' ' + field.item + ' ' + comp + ' ' + istr;
          fields.add(field.item);
        });
        icond += ')';
      }
      icond += ')';
      if (icond === '()') icond = '';
    }
    cond += icond === '' ? '' : ' and not ' + icond;
  }
  return cond;
}

const BLANKS = ' \t\n\r';
const DELIMS = BLANKS + '(),=';

/** Falco's resolve_list: textual substitution of a list name by its items. */
export function resolveListText(cnd: string, name: string, items: readonly string[]): { text: string; used: boolean } {
  let used = false;
  let start = cnd.indexOf(name);
  while (start >= 0) {
    let end = start + name.length;
    if ((start === 0 || DELIMS.includes(cnd[start - 1]!)) && (end >= cnd.length || DELIMS.includes(cnd[end]!))) {
      while (start > 0 && BLANKS.includes(cnd[start - 1]!)) start--;
      while (end < cnd.length && BLANKS.includes(cnd[end]!)) end++;
      const sub = items.map(quoteItem).join(', ');
      if (sub === '') {
        if (start > 0 && cnd[start - 1] === ',') start--;
        else if (end < cnd.length && cnd[end] === ',') end++;
      }
      let next = '';
      if (start > 0) next += cnd.slice(0, start) + ' ';
      next += sub + ' ';
      if (end <= cnd.length) next += cnd.slice(end);
      cnd = next;
      start += sub.length + 1;
      used = true;
    }
    start = cnd.indexOf(name, start + 1);
  }
  return { text: cnd, used };
}

function toCondPos(p: Position): ConditionPos {
  return { idx: p.offset, line: p.line, col: p.column };
}

const DELIM_RUNS = /[ \t\n\r(),=]+/;

/** Every maximal run of non-delimiter characters: the only texts resolveListText can match as a name. */
function delimitedWords(text: string, into: Set<string>): void {
  for (const w of text.split(DELIM_RUNS)) if (w !== '') into.add(w);
}

/** A list name a delimited-word lookup can find: non-empty and free of delimiters. */
function isPlainName(name: string): boolean {
  return name !== '' && !DELIM_RUNS.test(name);
}

/** The words a list's substituted items bring into a condition, worked out once per compiled list. */
const itemWordsOf = new WeakMap<CompiledList, Set<string>>();

function itemWords(l: CompiledList): Set<string> {
  let w = itemWordsOf.get(l);
  if (w === undefined) {
    w = new Set();
    for (const item of l.items) delimitedWords(quoteItem(item), w);
    itemWordsOf.set(l, w);
  }
  return w;
}

/** The compiled lists by plain name with their definition-order index, and the others. */
interface ListIndex {
  readonly size: number;
  readonly byName: Map<string, { readonly at: number; readonly list: CompiledList }>;
  /** Lists whose names a word lookup cannot find: always searched. */
  readonly others: readonly { readonly at: number; readonly list: CompiledList }[];
}
const listIndexes = new WeakMap<IndexedItems<CompiledList>, ListIndex>();

function listIndex(lists: IndexedItems<CompiledList>): ListIndex {
  let ix = listIndexes.get(lists);
  if (ix === undefined || ix.size !== lists.size) {
    const byName: ListIndex['byName'] = new Map();
    const others: { at: number; list: CompiledList }[] = [];
    let at = 0;
    for (const list of lists) {
      if (isPlainName(list.name)) byName.set(list.name, { at, list });
      else others.push({ at, list });
      at++;
    }
    ix = { size: lists.size, byName, others };
    listIndexes.set(lists, ix);
  }
  return ix;
}

/**
 * Expand all lists in a condition, then parse it (Falco's parse_condition). Lists are
 * substituted in definition order on the text, as Falco does. A list can only match where
 * its name is a whole delimited word of the text, so instead of searching the text for
 * each of the hundreds of lists of a ruleset, the lists named by the condition's words are
 * taken, in definition order. Substituted items may name later lists: those join the
 * queue (a list before the current one is never revisited, as in Falco's single pass).
 */
function parseWithLists(condition: string, lists: IndexedItems<CompiledList>, ctx: LoadContext): Expr {
  let text = condition;
  const ix = listIndex(lists);
  const queued = new Set<number>();
  const queue: { at: number; list: CompiledList }[] = [...ix.others];
  for (const o of ix.others) queued.add(o.at);
  const enqueue = (words: Iterable<string>, after: number): void => {
    for (const w of words) {
      const e = ix.byName.get(w);
      if (e !== undefined && e.at > after && !queued.has(e.at)) {
        queued.add(e.at);
        queue.push(e);
      }
    }
  };
  const words = new Set<string>();
  delimitedWords(text, words);
  enqueue(words, -1);
  queue.sort((x, y) => x.at - y.at);
  for (let k = 0; k < queue.length; k++) {
    const { at, list: l } = queue[k]!;
    const r = resolveListText(text, l.name, l.items);
    if (!r.used) continue;
    l.used = true;
    text = r.text;
    const before = queue.length;
    enqueue(itemWords(l), at);
    if (queue.length > before) {
      // keep the rest of the queue in definition order
      const rest = queue.splice(k + 1).sort((x, y) => x.at - y.at);
      queue.push(...rest);
    }
  }
  try {
    return parseCondition(text, { maxDepth: 1000 });
  } catch (e) {
    if (e instanceof ConditionError) {
      const pos: ConditionPos = { idx: e.offset, line: e.line ?? 1, col: e.column ?? 1 };
      throw new RuleLoadException('LOAD_ERR_COMPILE_CONDITION', e.detail, ctx.condition(pos, text));
    }
    throw e;
  }
}

interface ResolveOutcome {
  expr: Expr;
  errors: { msg: string; pos: Position }[];
  unknown: { name: string; pos: Position }[];
  resolved: string[];
}

/** Macro conditions by name (only `get` is used: a Map, or a view over the compiled macros). */
export interface MacroLookup {
  get(name: string): Expr | undefined;
}

/** Falco's filter_macro_resolver: substitute macro references on the tree, detecting loops. */
export function resolveMacros(ast: Expr, macros: MacroLookup): ResolveOutcome {
  const out: ResolveOutcome = { expr: ast, errors: [], unknown: [], resolved: [] };
  const path: string[] = [];
  const visit = (e: Expr): Expr => {
    switch (e.kind) {
      case 'and':
      case 'or': {
        let changed = false;
        const children = e.children.map((c) => {
          const n = visit(c);
          if (n !== c) changed = true;
          return n;
        });
        return changed ? { ...e, children } : e;
      }
      case 'not': {
        const c = visit(e.child);
        return c !== e.child ? { ...e, child: c } : e;
      }
      case 'identifier': {
        const m = macros.get(e.name);
        if (m === undefined) {
          out.unknown.push({ name: e.name, pos: e.pos });
          return e;
        }
        if (path.includes(e.name)) {
          out.errors.push({ msg: `reference loop in macro '${e.name}'`, pos: e.pos });
          out.unknown.push({ name: e.name, pos: e.pos });
          return e;
        }
        path.push(e.name);
        const sub = visit(m);
        out.resolved.push(e.name);
        path.pop();
        return sub;
      }
      default:
        return e;
    }
  };
  out.expr = visit(ast);
  return out;
}

/**
 * The macros a condition at `visibility` may use, by name, as compiled so far. A view,
 * not a copy: building a map per macro made macro resolution quadratic.
 */
function visibleMacros(col: RuleCollector, compiled: IndexedItems<CompiledMacro>, visibility: number): MacroLookup {
  return {
    get(name: string): Expr | undefined {
      const m = col.macros.get(name);
      return m !== undefined && m.index < visibility ? compiled.get(name)?.condition : undefined;
    },
  };
}

function resolveMacrosOrThrow(
  ast: Expr,
  col: RuleCollector,
  compiled: IndexedItems<CompiledMacro>,
  condition: string,
  visibility: number,
  ctx: LoadContext,
  visible: MacroLookup = visibleMacros(col, compiled, visibility),
): Expr {
  const r = resolveMacros(ast, visible);
  if (r.errors.length > 0 || r.unknown.length > 0) {
    const first = r.errors[0];
    const pos = first ? first.pos : r.unknown[0]!.pos;
    const msg = first ? first.msg : `Undefined macro '${r.unknown[0]!.name}' used in filter.`;
    fail(msg, ctx.condition(toCondPos(pos), condition));
  }
  for (const name of r.resolved) {
    const m = compiled.get(name);
    if (m) m.used = true;
  }
  return r.expr;
}

function errIsUnknownTypeOrField(err: string): boolean {
  return (
    err.includes('nonexistent field') ||
    err.includes('invalid formatting token') ||
    err.includes('unknown event type') ||
    err.includes('unknown filter:')
  );
}

const UNSAFE_PREFIXES = ['ka.', 'jevt.'];
const EQUALITY_OPS = new Set(['==', '=', '!=', 'in', 'intersects', 'pmatch']);

/** Falco's filter_warning_resolver: <NA> comparisons on unsafe fields, deprecated fields. */
export function conditionWarnings(ast: Expr): { unsafeNa: boolean; deprecated: DeprecatedField[] } {
  let unsafeNa = false;
  const deprecated = new Set<DeprecatedField>();
  const lhs = (n: Node): void => {
    if (n.kind === 'field') {
      if (isDeprecatedField(n.name)) deprecated.add(n.name);
    } else if (n.kind === 'transformer') {
      for (const a of n.args) lhs(a);
    } else if (n.kind === 'transformer-list') {
      for (const a of n.items) lhs(a);
    }
  };
  const visit = (e: Expr): void => {
    switch (e.kind) {
      case 'and':
      case 'or':
        e.children.forEach(visit);
        return;
      case 'not':
        visit(e.child);
        return;
      case 'unary':
        lhs(e.left);
        return;
      case 'binary': {
        lhs(e.left);
        const unsafe = e.left.kind === 'field' && UNSAFE_PREFIXES.some((p) => e.left.kind === 'field' && e.left.name.startsWith(p));
        if (unsafe && EQUALITY_OPS.has(e.op)) {
          const r = e.right;
          if (r.kind === 'value' && r.value === '<NA>') unsafeNa = true;
          if (r.kind === 'list' && r.items.some((i) => i.value === '<NA>')) unsafeNa = true;
        }
        return;
      }
      case 'identifier':
        return;
    }
  };
  visit(ast);
  return { unsafeNa, deprecated: DEPRECATED_FIELDS.filter((f) => deprecated.has(f)) };
}

/** std::includes over sorted sets: every tag of `sub` is in `sup`. */
function includesAll(sup: readonly string[], sub: readonly string[]): boolean {
  return sub.every((t) => sup.includes(t));
}

export class RuleCompiler<F = unknown> {
  private readonly eventCodes: EventCodeResolver;

  constructor(options: CompilerOptions = {}) {
    this.eventCodes = options.eventCodes ?? defaultEventCodes;
  }

  /** Compile everything collected so far; errors and warnings go to cfg.res. */
  compile(cfg: LoadConfig, col: RuleCollector): CompileOutput<F> {
    const out: CompileOutput<F> = {
      lists: new IndexedItems(),
      macros: new IndexedItems(),
      rules: new IndexedItems(),
    };
    try {
      this.compileLists(col, out.lists);
      this.compileMacros(col, out.lists, out.macros);
      this.compileRules(cfg, col, out);
    } catch (e) {
      if (e instanceof RuleLoadException) {
        cfg.res.addError(e.code, e.detail, e.context);
        return out;
      }
      throw e;
    }
    for (const m of out.macros) {
      if (!m.used) {
        cfg.res.addWarning('LOAD_UNUSED_MACRO', 'Macro not referred to by any other rule/macro', col.macros.get(m.name)!.context);
      }
    }
    for (const l of out.lists) {
      if (!l.used) {
        cfg.res.addWarning('LOAD_UNUSED_LIST', 'List not referred to by any other rule/macro', col.lists.get(l.name)!.context);
      }
    }
    return out;
  }

  private compileLists(col: RuleCollector, out: IndexedItems<CompiledList>): void {
    const usedNames: string[] = [];
    for (const list of col.lists) {
      const items: string[] = [];
      for (const item of list.items) {
        const ref = col.lists.get(item);
        if (ref && ref.index < list.visibility) {
          usedNames.push(ref.name);
          items.push(...ref.items);
        } else {
          items.push(item);
        }
      }
      const id = out.insert({ id: 0, name: list.name, items, used: false });
      out.at(id)!.id = id;
    }
    for (const n of usedNames) out.get(n)!.used = true;
  }

  private compileMacros(col: RuleCollector, lists: IndexedItems<CompiledList>, out: IndexedItems<CompiledMacro>): void {
    for (const m of col.macros) {
      const condition = parseWithLists(m.cond, lists, m.condContext);
      const id = out.insert({ id: 0, name: m.name, condition, used: false });
      out.at(id)!.id = id;
    }
    for (const m of out) {
      const info = col.macros.get(m.name)!;
      m.condition = resolveMacrosOrThrow(m.condition, col, out, info.cond, info.visibility, info.context);
    }
  }

  private compileRules(cfg: LoadConfig, col: RuleCollector, out: CompileOutput<F>): void {
    // every macro is final and visible to rules: one lookup for all of them
    const macros = visibleMacros(col, out.macros, Number.MAX_SAFE_INTEGER);
    for (const r of col.rules) {
      if (r.unknownSource) continue;
      const source = cfg.sources.get(r.source) as RuleSource<F> | undefined;
      if (!source) fail('Unknown source at compile-time' + r.source, r.context);

      const exceptionFields = new Set<string>();
      let condition = r.cond;
      if (r.exceptions.length > 0) condition = buildExceptionCondition(r.exceptions, condition, exceptionFields);

      let output = r.output;
      for (const extra of cfg.extraOutputFormat) {
        if (extra.source !== '' && r.source !== extra.source) continue;
        if (!includesAll(r.tags, extra.tags)) continue;
        if (extra.rule !== '' && r.name !== extra.rule) continue;
        output = output + ' ' + extra.format;
      }
      if (output.includes(S_CONTAINER_INFO_FMT)) {
        cfg.res.addWarning(
          'LOAD_DEPRECATED_ITEM',
          '%container.info is deprecated and no more useful, and will be dropped by Falco 1.0.0. The container plugin will automatically add required fields to the output message.',
          r.context,
        );
        output = output.split(S_CONTAINER_INFO_FMT).join('');
      }
      const extraOutputFields = new Map<string, { format: string; raw: boolean }>();
      for (const extra of cfg.extraOutputFields) {
        if (extra.source !== '' && r.source !== extra.source) continue;
        if (!includesAll(r.tags, extra.tags)) continue;
        if (extra.rule !== '' && r.name !== extra.rule) continue;
        extraOutputFields.set(extra.key, { format: extra.format, raw: extra.raw });
      }

      const outErr = source.checkOutput(output);
      if (outErr !== undefined) {
        if (errIsUnknownTypeOrField(outErr) && r.skipIfUnknownFilter) {
          cfg.res.addWarning('LOAD_UNKNOWN_FILTER', outErr, r.outputContext);
          continue;
        }
        throw new RuleLoadException('LOAD_ERR_COMPILE_OUTPUT', outErr, r.outputContext);
      }
      this.checkDeprecatedFieldsInOutput(cfg, output, r.outputContext);
      for (const key of [...extraOutputFields.keys()].sort()) {
        const ef = extraOutputFields.get(key)!;
        const err = source.checkOutput(ef.format);
        if (err !== undefined) throw new RuleLoadException('LOAD_ERR_COMPILE_OUTPUT', err, r.outputContext);
        this.checkDeprecatedFieldsInOutput(cfg, ef.format, r.outputContext);
      }

      const compiled = this.compileCondition(cfg, col, out, macros, condition, source, r.condContext, r.context, r.skipIfUnknownFilter);
      if (compiled === undefined) continue;

      let eventCodes: number[] | undefined;
      if (r.source === SYSCALL_SOURCE) {
        eventCodes = eventCodesOf(compiled.ast, this.eventCodes);
        if (eventCodes.length > 100 && r.warnEvttypes) {
          cfg.res.addWarning(
            'LOAD_NO_EVTTYPE',
            'Rule matches too many evt.type values. This has a significant performance penalty.',
            r.context,
          );
        }
      }

      const rule: CompiledRule<F> = {
        id: 0,
        name: r.name,
        source: r.source,
        description: r.desc,
        output,
        extraOutputFields,
        tags: [...r.tags],
        exceptionFields: [...exceptionFields].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
        priority: r.priority,
        capture: r.capture,
        captureDuration: r.captureDuration,
        conditionText: condition,
        condition: compiled.ast,
        filter: compiled.filter,
        eventCodes,
      };
      const id = out.rules.insert(rule);
      out.rules.at(id)!.id = id;
    }
  }

  private checkDeprecatedFieldsInOutput(cfg: LoadConfig, fmt: string, ctx: LoadContext): void {
    for (const df of DEPRECATED_FIELDS) {
      if (fmt.includes(df)) {
        cfg.res.addDeprecatedFieldWarning(df, `usage of deprecated field '${df}' has been detected in the rule output`, ctx);
      }
    }
  }

  private compileCondition(
    cfg: LoadConfig,
    col: RuleCollector,
    out: CompileOutput<F>,
    macros: MacroLookup,
    condition: string,
    source: RuleSource<F>,
    condCtx: LoadContext,
    parentCtx: LoadContext,
    allowUnknownFields: boolean,
  ): { ast: Expr; filter: F } | undefined {
    let ast = parseWithLists(condition, out.lists, condCtx);
    ast = resolveMacrosOrThrow(ast, col, out.macros, condition, Number.MAX_SAFE_INTEGER, parentCtx, macros);

    const w = conditionWarnings(ast);
    const wctx = condCtx.condition({ idx: 0, line: 0, col: 0 }, condition);
    const codes: WarningCode[] = [];
    if (w.unsafeNa) codes.push('LOAD_UNSAFE_NA_CHECK');
    if (w.deprecated.length > 0) codes.push('LOAD_DEPRECATED_ITEM');
    for (const c of codes) {
      if (c === 'LOAD_DEPRECATED_ITEM') {
        for (const df of w.deprecated) cfg.res.addDeprecatedFieldWarning(df, DEPRECATED_FIELD_DESC[df], wctx);
      } else {
        cfg.res.addWarning(c, '', wctx);
      }
    }

    try {
      const res = source.compileCondition(ast);
      for (const cw of res.warnings) {
        cfg.res.addWarning('LOAD_COMPILE_CONDITION', cw.message, condCtx.condition(toCondPos(cw.pos), condition));
      }
      return { ast, filter: res.filter };
    } catch (e) {
      if (e instanceof RuleLoadException) throw e;
      const err = e instanceof ConditionError ? e.detail : e instanceof Error ? e.message : String(e);
      const p = e instanceof ConditionError
        ? { idx: e.offset, line: e.line ?? 1, col: e.column ?? 1 }
        : posOf(e);
      const ctx = condCtx.condition(p, condition);
      if (errIsUnknownTypeOrField(err) && allowUnknownFields) {
        cfg.res.addWarning('LOAD_UNKNOWN_FILTER', err, ctx);
        return undefined;
      }
      throw new RuleLoadException('LOAD_ERR_COMPILE_CONDITION', err, ctx);
    }
  }
}

function posOf(e: unknown): ConditionPos {
  if (e !== null && typeof e === 'object' && 'pos' in e) {
    const p = (e as { pos?: Position }).pos;
    if (p) return toCondPos(p);
  }
  return { idx: 0, line: 1, col: 1 };
}
