/**
 * A RuleSource over this project's condition compiler (src/replay/filter) and a field
 * registry: the "syscall" source of Falco, minus anything plugin-specific.
 *
 * Error texts are mapped to libsinsp's where the rules loader depends on them
 * (`skip-if-unknown-filter` recognises "nonexistent field", "unknown event type",
 * "unknown filter:" and "invalid formatting token").
 */
import type { BinaryCheck, Expr, Node, Position } from '../filter/ast.js';
import { compileCondition, compileOperand, type Predicate } from '../filter/compile.js';
import { ConditionError } from '../filter/errors.js';
import { parseFieldOrTransformer, parseFieldOrTransformerPrefix } from '../filter/parser.js';
import type { EvalContext, FieldRegistry } from '../fields/types.js';
import { EVENT_TABLE, PPM_EVENT_MAX } from '../../scap/event-table.js';
import { PPM_SC_NAMES } from '../../scap/names.js';
import { SourceCompileError, type CompileWarning, type RuleSource } from './source.js';
import { SYSCALL_SOURCE } from './types.js';

export interface FilterSourceOptions {
  /** Source name; default "syscall". */
  readonly name?: string;
  /** Extra names accepted as `evt.type` values (plugin async event names). */
  readonly asyncEventNames?: Iterable<string>;
  /** Validate `evt.type` values against the event table (default true for "syscall"). */
  readonly checkEventTypes?: boolean;
}

let knownTypes: Set<string> | undefined;
function eventTypeNames(): Set<string> {
  if (!knownTypes) {
    knownTypes = new Set<string>();
    for (let i = 0; i < PPM_EVENT_MAX; i++) {
      const e = EVENT_TABLE[i];
      if (e) knownTypes.add(e.name);
    }
    for (const n of PPM_SC_NAMES) knownTypes.add(n);
  }
  return knownTypes;
}

const UNKNOWN_FIELD = /^unknown field '(.*)'$/;

function translate(detail: string): string {
  const m = UNKNOWN_FIELD.exec(detail);
  return m ? `filter_check called with nonexistent field ${m[1]}` : detail;
}

/** Make a RuleSource whose compiled filters are predicates over the registry's context. */
export function filterRuleSource<C = EvalContext>(
  registry: FieldRegistry<C>,
  options: FilterSourceOptions = {},
): RuleSource<Predicate<C>> {
  const name = options.name ?? SYSCALL_SOURCE;
  const checkTypes = options.checkEventTypes ?? name === SYSCALL_SOURCE;
  const asyncNames = new Set(options.asyncEventNames ?? []);

  // Per source: subtrees already checked. Rules share their macros' trees (see
  // SubtreeMemo), so each macro is checked once instead of once per rule using it.
  const typesChecked: SubtreeMemo<true> = new WeakMap();
  const warningsOf: SubtreeMemo<readonly CompileWarning[]> = new WeakMap();
  const predicates: WeakMap<Expr, Predicate<C>> = new WeakMap();
  const isField = (f: string): boolean => registry.lookup(f) !== undefined;
  const checkEventTypes = (ast: Expr): void => {
    if (checkTypes) checkEventTypeNames(ast, asyncNames, typesChecked);
  };

  const { compileToken, compilePrefix } = outputTokenCheckers(registry);
  const outputChecks = new Map<string, string | undefined>();

  return {
    name,
    isValidLhsField(field: string): boolean {
      if (field.includes('(')) {
        try {
          compileCondition(parseFieldOrTransformerCheck(field), { registry });
          return true;
        } catch {
          return false;
        }
      }
      return compileToken(field).error === undefined;
    },
    compileCondition(ast: Expr) {
      try {
        const filter = compileCondition(ast, { registry, memo: predicates });
        checkEventTypes(ast);
        return { filter, warnings: valueWarnings(ast, isField, warningsOf) };
      } catch (e) {
        if (e instanceof ConditionError) {
          throw new SourceCompileError(translate(e.detail), { offset: e.offset, line: e.line ?? 1, column: e.column ?? 1 });
        }
        throw e;
      }
    },
    checkOutput(format: string): string | undefined {
      // The same formats come back for every rule (append_output's extra fields, the
      // container plugin's suggested fields): the outcome depends only on the text.
      if (outputChecks.has(format)) return outputChecks.get(format);
      const r = checkOutputFormat(format, compileToken, compilePrefix);
      outputChecks.set(format, r);
      return r;
    },
  };
}

/**
 * The two token checks behind RuleSource.checkOutput: `compileToken` compiles one exact
 * candidate (errors in libsinsp's words), `compilePrefix` settles the common case in one
 * step (see checkOutputFormat). Exported so tests can compare the two paths.
 */
export function outputTokenCheckers<C>(registry: FieldRegistry<C>): {
  compileToken: (text: string) => TokenResult;
  compilePrefix: (rest: string) => number | undefined;
} {
  const compileToken = (text: string): TokenResult => {
    let node;
    try {
      node = parseFieldOrTransformer(text);
    } catch (e) {
      if (e instanceof ConditionError) return { error: translate(e.detail), parseErrorAt: e.offset };
      return { error: e instanceof Error ? e.message : String(e) };
    }
    try {
      compileOperand(node, { registry });
      return {};
    } catch (e) {
      if (e instanceof ConditionError) return { error: translate(e.detail) };
      return { error: e instanceof Error ? e.message : String(e) };
    }
  };

  // Output checks run for every `%token` of every rule: the common case (a known field,
  // possibly with an argument or inside a transformer) is settled with one parse and no
  // exception; anything else takes the slow search, which builds the exact error text.
  // Tokens that compiled already: outputs repeat the same few dozen fields (%proc.name...).
  const compiled = new Set<string>();
  const compilePrefix = (rest: string): number | undefined => {
    try {
      const p = parseFieldOrTransformerPrefix(rest);
      if (p === undefined || (p.node.kind === 'field' && registry.lookup(p.node.name) === undefined)) return undefined;
      const token = rest.slice(0, p.end);
      if (!compiled.has(token)) {
        compileOperand(p.node, { registry });
        compiled.add(token);
      }
      return p.end;
    } catch {
      return undefined; // malformed or not compilable: rare, the slow path explains it
    }
  };
  return { compileToken, compilePrefix };
}

/**
 * Results kept per `and`/`or`/`not` node. Macro substitution inserts a macro's own tree
 * into every rule that uses it and trees are never mutated, so a check whose outcome
 * depends only on the subtree can be done once per macro instead of once per rule.
 */
export type SubtreeMemo<T> = WeakMap<Node, T>;

function checkTypesIn(n: BinaryCheck, asyncEventNames: ReadonlySet<string>): void {
  if (n.left.kind !== 'field') return;
  if (n.left.name !== 'evt.type' && n.left.name !== 'syscall.type') return;
  const values: { v: string; pos: Position }[] = [];
  if (n.right.kind === 'value') values.push({ v: n.right.value, pos: n.right.pos });
  if (n.right.kind === 'list') for (const it of n.right.items) values.push({ v: it.value, pos: it.pos });
  for (const { v, pos } of values) {
    if (!eventTypeNames().has(v) && !asyncEventNames.has(v)) {
      throw new SourceCompileError(`unknown event type ${v}`, pos);
    }
  }
}

/**
 * libsinsp's validation of `evt.type`/`syscall.type` values: an event name, a syscall
 * name, or an async event name a plugin declares. Throws SourceCompileError
 * ("unknown event type X") otherwise, for the first bad value in tree order. With
 * `checked` (for one set of names), subtrees that passed before are skipped.
 */
export function checkEventTypeNames(ast: Expr, asyncEventNames: ReadonlySet<string> = new Set(), checked?: SubtreeMemo<true>): void {
  const visit = (e: Node): void => {
    if (e.kind === 'and' || e.kind === 'or' || e.kind === 'not') {
      if (checked?.has(e)) return;
      if (e.kind === 'not') visit(e.child);
      else for (const c of e.children) visit(c);
      checked?.set(e, true); // reached only when nothing below threw
      return;
    }
    if (e.kind === 'binary') checkTypesIn(e, asyncEventNames);
  };
  visit(ast);
}

const BLANK = /[ \t\n\v\f\r]/;
const BLANKS = /[ \t\n\v\f\r]/g;
const TRANSFORMERS_WITH_VAL = ['tolower', 'toupper', 'b64', 'basename', 'len', 'join', 'concat', 'getopt', 'val'];
const RGX_SPECIAL = '.+*?^$()[]{}|\\';
const RGX_OCCURRENCE = '+*?';

function regexWarning(v: string): string | undefined {
  const len = v.length;
  for (let i = 0; i < len; i++) {
    if ((i === 0 && v[i] === '^') || (i === len - 1 && v[i] === '$')) continue;
    if (((i === 0 && len > 1) || i === len - 2) && v[i] === '.' && RGX_OCCURRENCE.includes(v[i + 1] ?? '\0')) {
      i++;
      continue;
    }
    if (RGX_SPECIAL.includes(v[i]!)) return undefined;
  }
  return `regex check with '${v}' may be optimized with simpler operators such as '=', 'contains', 'startswith', 'endswith'`;
}

function binaryWarnings(n: BinaryCheck, isField: (name: string) => boolean, out: CompileWarning[]): void {
  const values = n.right.kind === 'value' ? [n.right.value] : n.right.kind === 'list' ? n.right.items.map((i) => i.value) : [];
  for (const v of values) {
    const pos = n.right.pos;
    const nospaces = BLANK.test(v) ? v.replace(BLANKS, '') : v;
    if (n.op === 'regex' && n.modifier === undefined) {
      const w = regexWarning(v);
      if (w) out.push({ message: w, pos });
    }
    if (nospaces !== '' && isField(nospaces)) {
      out.push({ message: `'${v}' may be a valid field misused as a const string value`, pos });
    }
    if (!nospaces.endsWith(')')) continue; // list values are many; a transformer call ends so
    for (const t of TRANSFORMERS_WITH_VAL) {
      if (nospaces.length >= t.length + 2 && nospaces.startsWith(t) && nospaces[t.length] === '(') {
        out.push({ message: `'${v}' may be a valid field transformer misused as a const string value`, pos });
      }
    }
  }
}

/**
 * libsinsp's sinsp_filter_compiler value warnings (Falco reports them as
 * LOAD_COMPILE_CONDITION): regexes that simpler operators could replace, and constant
 * values that look like a field or a transformer call (a forgotten `val()`). With `memo`
 * (for one `isField`), a subtree's warnings are computed once and reused.
 */
export function valueWarnings(ast: Expr, isField: (name: string) => boolean, memo?: SubtreeMemo<readonly CompileWarning[]>): CompileWarning[] {
  const out: CompileWarning[] = [];
  const visit = (e: Node): void => {
    if (e.kind === 'and' || e.kind === 'or' || e.kind === 'not') {
      const hit = memo?.get(e);
      if (hit !== undefined) {
        for (const w of hit) out.push(w);
        return;
      }
      const start = out.length;
      if (e.kind === 'not') visit(e.child);
      else for (const c of e.children) visit(c);
      memo?.set(e, out.slice(start));
      return;
    }
    if (e.kind === 'binary') binaryWarnings(e, isField, out);
  };
  visit(ast);
  return out;
}

function parseFieldOrTransformerCheck(field: string): Expr {
  const left = parseFieldOrTransformer(field);
  return { kind: 'unary', left, op: 'exists', opPos: left.pos, pos: left.pos, end: left.end };
}

const TOKEN_END = /[A-Za-z0-9_\])]/;

/** Outcome of compiling one output token; a parse error's offset lets the search skip ahead. */
export interface TokenResult {
  readonly error?: string;
  readonly parseErrorAt?: number;
}

/**
 * libsinsp's sinsp_evt_formatter::set_format, validation only: after every `%` (and an
 * optional length), the longest text that compiles as a field or transformer.
 */
export function checkOutputFormat(
  format: string,
  compileToken: (text: string) => TokenResult,
  compilePrefix?: (rest: string) => number | undefined,
): string | undefined {
  if (format === '') return 'empty formatting token';
  const fmt = format.startsWith('*') ? format.slice(1) : format;
  const n = fmt.length;
  for (let j = 0; j < n; j++) {
    if (fmt[j] !== '%') continue;
    if (j === n - 1) return 'invalid formatting syntax: formatting cannot end with a %';
    if (/[0-9]/.test(fmt[j + 1]!)) {
      while (true) {
        if (j === n - 1) return 'invalid formatting syntax: formatting cannot end with a number';
        if (/[0-9]/.test(fmt[j + 1]!)) {
          j++;
          continue;
        }
        break;
      }
    }
    const rest = fmt.slice(j + 1);
    // the operand ending at `quick` is the longest candidate that compiles: every longer
    // one has a non-blank character after the operand, and blanks fail TOKEN_END
    const quick = compilePrefix?.(rest);
    if (quick !== undefined && quick > 0) {
      j += quick;
      continue;
    }
    let found = 0;
    let lastErr = '';
    for (let size = rest.length; size > 0; size--) {
      const cand = rest.slice(0, size);
      if (!TOKEN_END.test(cand[cand.length - 1]!)) continue;
      const r = compileToken(cand);
      if (r.error === undefined) {
        found = size;
        break;
      }
      lastErr = r.error;
      // a parse error at offset o repeats for every candidate that still contains char o
      if (r.parseErrorAt !== undefined && r.parseErrorAt < size - 1) size = r.parseErrorAt + 1;
    }
    if (found === 0) return `unknown filter: ${lastErr || `invalid formatting token ${rest}`}`;
    j += found;
  }
  return undefined;
}
