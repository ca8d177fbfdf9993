/**
 * Compiles a condition's syntax tree into a predicate `(ctx) => boolean`.
 *
 * Everything that can be decided once is decided here: field lookup and argument
 * validation, operator/type compatibility, parsing of constants (numbers, addresses,
 * networks, regexes, globs), set building for `in`. Problems are `ConditionError`s at the
 * position of the offending field, operator or value.
 *
 * Semantics follow libsinsp:
 * - a field without a value (`undefined`, `<NA>`) makes every comparison false, `!=`
 *   included, and `exists` false; `not` of such a comparison is therefore true;
 * - list fields accept `exists`, `in` (every element is in the set) and `intersects`
 *   (some element is);
 * - multi-candidate fields (`proc.aname` without index) are true when any candidate matches;
 * - `val(field)` compares with another field of the same event (same type required).
 *
 * Deliberate differences from libsinsp (all more permissive or more precise):
 * - integer constants may be written in hex (`0x1f`); libsinsp's value parser reads
 *   decimal only. `double` constants may be fractional.
 * - an address field (`fd.sip`) compared with a CIDR constant tests membership; libsinsp
 *   rejects the constant.
 * - `sockfamily`, `l4proto`, `uid`, `gid` compare as numbers; libsinsp refuses some
 *   operators on these raw types.
 * - transformers on multi-candidate fields (`tolower(proc.aname)`) apply to every
 *   candidate; libsinsp's ancestor comparisons ignore the transformer.
 * - `?` in globs matches one code point (fnmatch in the C locale matches one byte).
 */
import type {
  BinaryCheck,
  Expr,
  FieldExpr,
  IdentifierRef,
  LeftOperand,
  ListExpr,
  OperatorModifier,
  Position,
  TransformerArg,
  TransformerExpr,
  UnaryCheck,
  ValueExpr,
} from './ast.js';
import type {
  CompiledField,
  EvalContext,
  Extractor,
  FieldDef,
  FieldRegistry,
  FieldType,
  FieldValue,
  ScalarValue,
  ValueMode,
} from '../fields/types.js';
import { FieldArgError, isNetType } from '../fields/types.js';
import { conditionError, type SourceLocation } from './errors.js';
import { RegexSyntaxError } from './ere.js';
import {
  checkOperator,
  compilePmatch,
  constantTest,
  fieldPairTest,
  normalizeOp,
  parseConstant,
  setTest,
  type Constant,
  type Op,
} from './operators.js';
import { Scanner } from './lexer.js';
import { parseCondition, type ParseOptions } from './parser.js';
import { applyTransformer, transformedType, type SingleTransformerName } from './transformers.js';
import { ValueError } from './values.js';

/** A compiled condition. */
export type Predicate<C = EvalContext> = (ctx: C) => boolean;

/** A macro body for `CompileOptions.macros`, with where its text lives (for errors). */
export interface MacroBody {
  readonly expr: Expr;
  readonly location?: SourceLocation;
}

export interface CompileOptions<C = EvalContext> extends SourceLocation {
  readonly registry: FieldRegistry<C>;
  /**
   * Resolves a macro reference (a bare identifier used as a condition). Without it, or
   * when it returns undefined, the identifier is an error (`undefined macro 'x'`).
   * Usually the rules engine substitutes macros before compiling.
   */
  readonly macros?: (name: string) => MacroBody | undefined;
  /**
   * Resolves a list name: an identifier after `in`/`intersects`/`pmatch`, or a bare item
   * inside `(...)` (expanded in place, as Falco does). Without it, an identifier after a
   * list operator is an error.
   */
  readonly lists?: (name: string) => readonly string[] | undefined;
  /**
   * Predicates already compiled for `and`/`or`/`not` nodes with these same options. The
   * rules loader substitutes a macro's own tree into every rule using it, so with a memo
   * a macro is compiled once rather than once per rule. Only successful compiles are kept.
   */
  readonly memo?: WeakMap<Expr, Predicate<C>>;
}

/**
 * The value of a list item as written in a rules file. Falco pastes list items into the
 * condition text, so an item that is itself a quoted string (`'"10.0.0.0/8"'` in YAML) is
 * read as that string, unquoted and unescaped; any other item is taken literally.
 */
export function listItemValue(item: string): string {
  const q = item.charAt(0);
  if ((q === '"' || q === "'") && item.length >= 2 && item.endsWith(q)) {
    try {
      const s = new Scanner(item);
      const tok = s.quoted();
      if (tok !== undefined && s.atEnd()) return tok.value;
    } catch {
      // not a well-formed quoted string: take it literally
    }
  }
  return item;
}

/** A compiled left/right operand. */
interface Operand<C> {
  readonly extract: Extractor<C>;
  readonly type: FieldType;
  readonly mode: ValueMode;
  /** For messages: the operand as written. */
  readonly label: string;
  readonly noRhs: boolean;
  /** Operators the field restricts itself to, when it does. */
  readonly operators?: readonly string[];
}

/** Parses and compiles a condition in one step. */
export function compileFilter<C = EvalContext>(text: string, options: CompileOptions<C> & ParseOptions): Predicate<C> {
  return compileCondition(parseCondition(text, options), options);
}

/** Compiles a parsed condition. */
export function compileCondition<C = EvalContext>(expr: Expr, options: CompileOptions<C>): Predicate<C> {
  return new Compiler<C>(options).expr(expr, options, []);
}

/**
 * Compiles a lone field or transformer (e.g. for outputs): its extractor, type and mode.
 */
export function compileOperand<C = EvalContext>(
  node: LeftOperand,
  options: CompileOptions<C> & {
    /**
     * 'output' (default): output-only fields are allowed, filter-only fields are errors.
     * 'condition': the reverse, as in a condition.
     */
    readonly purpose?: 'output' | 'condition';
  },
): { extract: Extractor<C>; type: FieldType; mode: ValueMode } {
  const op = new Compiler<C>(options, options.purpose ?? 'output').operand(node, options);
  return { extract: op.extract, type: op.type, mode: op.mode };
}

class Compiler<C> {
  constructor(
    private readonly opts: CompileOptions<C>,
    private readonly purpose: 'output' | 'condition' = 'condition',
  ) {}

  private err(loc: SourceLocation, pos: Position, msg: string): Error {
    return conditionError(loc, pos, msg);
  }

  expr(e: Expr, loc: SourceLocation, macroStack: readonly string[]): Predicate<C> {
    const memo = this.opts.memo;
    if (memo !== undefined && (e.kind === 'and' || e.kind === 'or' || e.kind === 'not')) {
      let p = memo.get(e);
      if (p === undefined) {
        p = this.compound(e, loc, macroStack);
        memo.set(e, p);
      }
      return p;
    }
    return this.compound(e, loc, macroStack);
  }

  private compound(e: Expr, loc: SourceLocation, macroStack: readonly string[]): Predicate<C> {
    switch (e.kind) {
      case 'and': {
        const cs = e.children.map((c) => this.expr(c, loc, macroStack));
        if (cs.length === 2) {
          const [a, b] = cs as [Predicate<C>, Predicate<C>];
          return (ctx) => a(ctx) && b(ctx);
        }
        return (ctx) => {
          for (const c of cs) if (!c(ctx)) return false;
          return true;
        };
      }
      case 'or': {
        const cs = e.children.map((c) => this.expr(c, loc, macroStack));
        if (cs.length === 2) {
          const [a, b] = cs as [Predicate<C>, Predicate<C>];
          return (ctx) => a(ctx) || b(ctx);
        }
        return (ctx) => {
          for (const c of cs) if (c(ctx)) return true;
          return false;
        };
      }
      case 'not': {
        const c = this.expr(e.child, loc, macroStack);
        return (ctx) => !c(ctx);
      }
      case 'identifier':
        return this.macro(e, loc, macroStack);
      case 'unary':
        return this.unary(e, loc);
      case 'binary':
        return this.binary(e, loc);
    }
  }

  private macro(e: IdentifierRef, loc: SourceLocation, macroStack: readonly string[]): Predicate<C> {
    const body = this.opts.macros?.(e.name);
    if (!body) throw this.err(loc, e.pos, `undefined macro '${e.name}'`);
    if (macroStack.includes(e.name)) {
      throw this.err(loc, e.pos, `macro '${e.name}' refers to itself (${[...macroStack, e.name].join(' -> ')})`);
    }
    return this.expr(body.expr, body.location ?? loc, [...macroStack, e.name]);
  }

  // ---- operands -------------------------------------------------------------------------

  private field(f: FieldExpr, loc: SourceLocation): Operand<C> {
    const found = this.opts.registry.lookup(f.name);
    if (!found) throw this.err(loc, f.pos, `unknown field '${f.name}'`);
    const def: FieldDef<C> = found.def;
    const label = f.arg !== undefined ? `${f.name}[${f.arg}]` : f.name;
    if (def.outputOnly && this.purpose === 'condition') {
      throw this.err(loc, f.pos, `field '${def.name}' can only be used in outputs, not in conditions`);
    }
    if (def.filterOnly && this.purpose === 'output') {
      throw this.err(loc, f.pos, `field '${def.name}' can only be used in conditions, not in outputs`);
    }
    if (found.arg !== undefined && f.arg !== undefined) {
      throw this.err(loc, f.argPos ?? f.pos, `field '${f.name}' already has an argument ('${found.arg}')`);
    }
    const arg = found.arg ?? f.arg;
    const argPos = f.arg !== undefined ? (f.argPos ?? f.pos) : f.pos;
    const kind = def.arg;
    if (arg === undefined) {
      if (kind === 'index' || kind === 'key' || kind === 'index-or-key') {
        const example = kind === 'index' ? `${def.name}[1]` : `${def.name}[name]`;
        throw this.err(loc, f.pos, `field '${def.name}' requires an argument, e.g. ${example}`);
      }
    } else {
      if (kind === 'none') throw this.err(loc, argPos, `field '${def.name}' does not take an argument`);
      if ((kind === 'index' || kind === 'optional-index') && !/^[0-9]+$/.test(arg)) {
        throw this.err(loc, argPos, `field '${def.name}' needs a numeric index argument, got '${arg}'`);
      }
    }
    let compiled: Extractor<C> | CompiledField<C>;
    try {
      compiled = def.compile(arg);
    } catch (e) {
      if (e instanceof FieldArgError) throw this.err(loc, argPos, `field '${def.name}': ${e.message}`);
      throw e;
    }
    const defaultMode: ValueMode = def.isList ? 'list' : 'single';
    const base = { label, noRhs: def.noRhs === true, ...(def.operators ? { operators: def.operators } : {}) };
    if (typeof compiled === 'function') {
      return { extract: compiled, type: def.type, mode: defaultMode, ...base };
    }
    return {
      extract: compiled.extract,
      type: compiled.type ?? def.type,
      mode: compiled.mode ?? defaultMode,
      ...base,
    };
  }

  operand(node: LeftOperand, loc: SourceLocation): Operand<C> {
    if (node.kind === 'field') return this.field(node, loc);
    return this.transformer(node, loc);
  }

  /** An argument of a transformer: a field, a nested transformer, a literal, or a `(...)` list. */
  private transformerArg(a: TransformerArg, loc: SourceLocation): Operand<C> {
    switch (a.kind) {
      case 'field':
        return this.field(a, loc);
      case 'transformer':
        return this.transformer(a, loc);
      case 'value': {
        const v = a.value;
        return { extract: () => v, type: 'charbuf', mode: 'single', label: JSON.stringify(v), noRhs: false };
      }
      case 'transformer-list': {
        const items = a.items.map((i) => this.transformerArg(i, loc));
        for (let k = 0; k < items.length; k++) {
          if (items[k]!.type !== 'charbuf') {
            throw this.err(loc, a.items[k]!.pos, `list elements must be strings, '${items[k]!.label}' is ${items[k]!.type}`);
          }
        }
        const exs = items.map((i) => i.extract);
        return {
          extract: (ctx) => {
            const out: ScalarValue[] = [];
            for (const ex of exs) {
              const v = ex(ctx);
              if (v === undefined) return undefined;
              if (Array.isArray(v)) out.push(...(v as readonly ScalarValue[]));
              else out.push(v as ScalarValue);
            }
            return out;
          },
          type: 'charbuf',
          mode: 'list',
          label: `(${items.map((i) => i.label).join(', ')})`,
          noRhs: false,
        };
      }
    }
  }

  private transformer(t: TransformerExpr, loc: SourceLocation): Operand<C> {
    if (t.name === 'getopt') return this.getopt(t, loc);
    if (t.arg !== undefined) throw this.err(loc, t.pos, `transformer '${t.name}' does not take an argument`);
    if (t.name === 'join' || t.name === 'concat') return this.multiTransformer(t, loc);
    if (t.args.length !== 1) {
      throw this.err(loc, t.pos, `transformer '${t.name}' takes exactly one argument, got ${t.args.length}`);
    }
    const inner = t.args[0]!;
    if (t.name === 'val' && inner.kind !== 'field') {
      throw this.err(loc, inner.pos, `'val' must be applied to a field`);
    }
    const op = this.transformerArg(inner, loc);
    if (t.name === 'val') return op;
    if (inner.kind === 'field') {
      const def = this.opts.registry.lookup(inner.name)?.def;
      if (def?.noTransformer) throw this.err(loc, inner.pos, `field '${def.name}' does not support transformers`);
    }
    const name = t.name as SingleTransformerName;
    const out = transformedType(name, op.type, op.mode);
    if (!out) {
      throw this.err(
        loc,
        t.pos,
        `transformer '${name}' cannot be applied to ${op.mode === 'list' ? 'list ' : ''}'${op.label}' of type ${op.type}`,
      );
    }
    return {
      extract: applyTransformer(name, op.extract, op.type, op.mode),
      type: out.type,
      mode: out.mode,
      label: `${name}(${op.label})`,
      noRhs: op.noRhs,
    };
  }

  /**
   * `getopt(argv, optstring)`: getopt(3)-style short-option parsing of a list. Without an
   * argument the result is a list of option letters, each followed by its value when the
   * option takes one (`?` for an unknown option, `""` for a missing value). With `[c]` the
   * result is the value of the last `-c` (its letter when it takes no value), or no value
   * when `-c` is absent.
   */
  private getopt(t: TransformerExpr, loc: SourceLocation): Operand<C> {
    if (t.args.length !== 2) throw this.err(loc, t.pos, `transformer 'getopt' needs 2 arguments (argument list, optstring), got ${t.args.length}`);
    const [argv, opts] = t.args.map((a) => this.transformerArg(a, loc)) as [Operand<C>, Operand<C>];
    if (argv.mode !== 'list') throw this.err(loc, t.args[0]!.pos, `'getopt' first argument must be a list, '${argv.label}' is not`);
    if (opts.mode === 'list') throw this.err(loc, t.args[1]!.pos, `'getopt' optstring must be a single value`);
    if (argv.type !== 'charbuf' || opts.type !== 'charbuf') throw this.err(loc, t.pos, `'getopt' arguments must be strings`);
    if (t.arg !== undefined && [...t.arg].length !== 1) {
      throw this.err(loc, t.pos, `'getopt' argument must be a single option character, got '${t.arg}'`);
    }
    const selector = t.arg;
    const parseOptstring = (o: string): Map<string, boolean> => {
      const m = new Map<string, boolean>(); // option -> takes a value
      const chars = [...o];
      for (let i = o.startsWith(':') ? 1 : 0; i < chars.length; i++) {
        const c = chars[i]!;
        if (c === ':') continue;
        const takes = chars[i + 1] === ':';
        m.set(c, takes);
        if (takes) i++;
      }
      return m;
    };
    let lastOptstring: string | undefined;
    let lastInfo = new Map<string, boolean>();
    const argvEx = argv.extract;
    const optsEx = opts.extract;
    const extract: Extractor<C> = (ctx) => {
      const o = optsEx(ctx);
      if (o === undefined || Array.isArray(o)) return undefined;
      const os = String(o);
      if (os !== lastOptstring) {
        lastOptstring = os;
        lastInfo = parseOptstring(os);
      }
      const a = argvEx(ctx);
      if (a === undefined) return undefined;
      const args = (Array.isArray(a) ? (a as readonly ScalarValue[]) : [a as ScalarValue]).map((x) => String(x));
      const out: string[] = [];
      let selected: string | undefined;
      for (let k = 0; k < args.length; k++) {
        const arg = args[k]!;
        if (arg === '--') break;
        if (arg.length > 2 && arg.startsWith('--')) continue;
        if (arg.length < 2 || arg[0] !== '-') break;
        const chars = [...arg];
        for (let i = 1; i < chars.length; i++) {
          const c = chars[i]!;
          const takes = c === ':' ? undefined : lastInfo.get(c);
          if (takes === undefined) {
            if (selector === undefined) out.push('?');
            continue;
          }
          const match = selector === undefined || selector === c;
          if (!takes) {
            if (match) {
              if (selector === undefined) out.push(c);
              else selected = c;
            }
            continue;
          }
          let value: string | undefined;
          if (i + 1 < chars.length) value = chars.slice(i + 1).join('');
          else if (k + 1 < args.length) value = args[++k]!;
          if (match) {
            if (selector !== undefined) selected = value ?? '';
            else if (value === undefined) out.push('');
            else out.push(c, value);
          }
          break;
        }
      }
      if (selector !== undefined) return selected;
      return out;
    };
    return {
      extract,
      type: 'charbuf',
      mode: selector === undefined ? 'list' : 'single',
      label: `getopt(${argv.label}, ${opts.label})${selector !== undefined ? `[${selector}]` : ''}`,
      noRhs: false,
    };
  }

  /** `concat(a, b, ...)`: strings joined; `join(sep, list)`: list elements joined by sep. */
  private multiTransformer(t: TransformerExpr, loc: SourceLocation): Operand<C> {
    const args = t.args.map((a) => this.transformerArg(a, loc));
    const label = `${t.name}(${args.map((a) => a.label).join(', ')})`;
    const scalar = (v: FieldValue): string => String(v);
    if (t.name === 'concat') {
      if (args.length < 2) throw this.err(loc, t.pos, `transformer 'concat' needs at least 2 arguments, got ${args.length}`);
      args.forEach((a, k) => {
        if (a.type !== 'charbuf' || a.mode === 'list') {
          throw this.err(loc, t.args[k]!.pos, `'concat' arguments must be strings, '${a.label}' is ${a.type}${a.mode === 'list' ? ' list' : ''}`);
        }
      });
      const exs = args.map((a) => a.extract);
      return {
        extract: (ctx) => {
          let out = '';
          for (const ex of exs) {
            const v = ex(ctx);
            if (v === undefined || Array.isArray(v)) return undefined;
            out += scalar(v);
          }
          return out;
        },
        type: 'charbuf',
        mode: 'single',
        label,
        noRhs: false,
      };
    }
    if (args.length !== 2) throw this.err(loc, t.pos, `transformer 'join' needs 2 arguments (separator, list), got ${args.length}`);
    const [sepArg, listArg] = args as [Operand<C>, Operand<C>];
    if (sepArg.mode === 'list') throw this.err(loc, t.args[0]!.pos, `'join' separator must be a single value`);
    if (listArg.mode !== 'list') throw this.err(loc, t.args[1]!.pos, `'join' second argument must be a list, '${listArg.label}' is not`);
    const sepEx = sepArg.extract;
    const listEx = listArg.extract;
    return {
      extract: (ctx) => {
        const sep = sepEx(ctx);
        if (sep === undefined || Array.isArray(sep)) return undefined;
        const l = listEx(ctx);
        if (l === undefined) return undefined;
        const items = Array.isArray(l) ? (l as readonly ScalarValue[]) : [l as ScalarValue];
        return items.map((x) => String(x)).join(scalar(sep));
      },
      type: 'charbuf',
      mode: 'single',
      label,
      noRhs: false,
    };
  }

  // ---- checks ---------------------------------------------------------------------------

  private checkFieldOperators(left: Operand<C>, op: string, pos: Position, loc: SourceLocation): void {
    const norm = (o: string): string => (o === '==' ? '=' : o);
    if (left.operators && !left.operators.some((o) => norm(o) === norm(op))) {
      throw this.err(loc, pos, `field '${left.label}' only supports the operators ${left.operators.map((o) => `'${o}'`).join(', ')}`);
    }
  }

  private unary(e: UnaryCheck, loc: SourceLocation): Predicate<C> {
    const left = this.operand(e.left, loc);
    this.checkFieldOperators(left, e.op, e.opPos, loc);
    const ex = left.extract;
    if (left.mode === 'any' || left.mode === 'either') {
      return (ctx) => {
        const v = ex(ctx);
        return v !== undefined && (!Array.isArray(v) || v.length > 0);
      };
    }
    return (ctx) => ex(ctx) !== undefined;
  }

  private binary(e: BinaryCheck, loc: SourceLocation): Predicate<C> {
    const left = this.operand(e.left, loc);
    this.checkFieldOperators(left, e.op, e.opPos, loc);
    const op = normalizeOp(e.op);
    const problem = checkOperator(op, left.type, left.mode, e.modifier);
    if (problem) throw this.err(loc, e.opPos, `${problem} ('${left.label}' is ${left.type}${left.mode === 'list' ? ' list' : ''})`);

    const right = e.right;
    if (right.kind === 'transformer') return this.fieldComparison(e, op, left, right, loc);

    // constants
    const raws = this.constantsOf(right, loc);
    const consts: Constant[] = raws.map((r) => {
      try {
        return parseConstant(op, left.type, r.value);
      } catch (err) {
        if (err instanceof ValueError) throw this.err(loc, r.pos, `invalid value for '${left.label}': ${err.message}`);
        if (err instanceof RegexSyntaxError) throw this.err(loc, r.pos, `invalid regular expression '${r.value}': ${err.message}`);
        throw err;
      }
    });
    if (e.modifier !== undefined) return this.modified(left, op, e.modifier, consts);
    return this.withConstants(left, op, consts, raws.map((r) => r.value));
  }

  /** The raw constant strings on the right-hand side, with positions. */
  private constantsOf(
    right: ValueExpr | ListExpr | IdentifierRef,
    loc: SourceLocation,
  ): { value: string; pos: Position }[] {
    switch (right.kind) {
      case 'value':
        return [{ value: right.value, pos: right.pos }];
      case 'identifier': {
        const items = this.opts.lists?.(right.name);
        if (items === undefined) throw this.err(loc, right.pos, `undefined list '${right.name}'`);
        return items.map((item) => ({ value: listItemValue(item), pos: right.pos }));
      }
      case 'list': {
        const out: { value: string; pos: Position }[] = [];
        for (const it of right.items) {
          const sub = !it.quoted ? this.opts.lists?.(it.value) : undefined;
          if (sub !== undefined) for (const item of sub) out.push({ value: listItemValue(item), pos: it.pos });
          else out.push({ value: it.value, pos: it.pos });
        }
        return out;
      }
    }
  }

  private withConstants(left: Operand<C>, op: Op, consts: readonly Constant[], raws: readonly string[]): Predicate<C> {
    const ex = left.extract;
    if (left.mode === 'list') {
      const member = setTest(consts);
      if (op === 'in') {
        return (ctx) => {
          const v = ex(ctx);
          if (v === undefined) return false;
          if (!Array.isArray(v)) return member(v as ScalarValue);
          for (const x of v as readonly ScalarValue[]) if (!member(x)) return false;
          return true;
        };
      }
      return (ctx) => {
        const v = ex(ctx);
        if (v === undefined) return false;
        if (!Array.isArray(v)) return member(v as ScalarValue);
        for (const x of v as readonly ScalarValue[]) if (member(x)) return true;
        return false;
      };
    }

    let test: (v: ScalarValue) => boolean;
    if (op === 'in' || op === 'intersects') {
      test = setTest(consts);
    } else if (op === 'pmatch') {
      const m = compilePmatch(raws);
      test = (v) => m(String(v));
    } else {
      const c = consts[0]!;
      // The commonest check (`proc.name=cat`) in one closure: for a single-valued field,
      // no value (undefined) and a list never equal a string constant, so the value can
      // be compared directly.
      if (left.mode === 'single' && op === '=' && c.k === 'str') {
        const k = c.v;
        return (ctx) => ex(ctx) === k;
      }
      test = constantTest(op, c);
    }
    return this.lift(ex, left.mode, test, op);
  }

  /** Applies a per-value test to an extractor, with the mode's array semantics. */
  private lift(ex: Extractor<C>, mode: ValueMode, test: (v: ScalarValue) => boolean, op: Op): Predicate<C> {
    if (mode === 'either' && op === '!=') {
      // every candidate must differ
      return (ctx) => {
        const v = ex(ctx);
        if (v === undefined) return false;
        if (!Array.isArray(v)) return test(v as ScalarValue);
        if (v.length === 0) return false;
        for (const x of v as readonly ScalarValue[]) if (!test(x)) return false;
        return true;
      };
    }
    if (mode === 'any' || mode === 'either') {
      return (ctx) => {
        const v = ex(ctx);
        if (v === undefined) return false;
        if (!Array.isArray(v)) return test(v as ScalarValue);
        for (const x of v as readonly ScalarValue[]) if (test(x)) return true;
        return false;
      };
    }
    return (ctx) => {
      const v = ex(ctx);
      return v !== undefined && !Array.isArray(v) && test(v as ScalarValue);
    };
  }

  private modified(left: Operand<C>, op: Op, mod: OperatorModifier, consts: readonly Constant[]): Predicate<C> {
    const tests = consts.map((c) => constantTest(op, c));
    let test: (v: ScalarValue) => boolean;
    if (tests.length === 0) test = () => false;
    else if (mod === 'anyof') {
      test = (v) => {
        for (const t of tests) if (t(v)) return true;
        return false;
      };
    } else if (mod === 'allof') {
      test = (v) => {
        for (const t of tests) if (!t(v)) return false;
        return true;
      };
    } else {
      test = (v) => {
        let n = 0;
        for (const t of tests) if (t(v) && ++n > 1) return false;
        return n === 1;
      };
    }
    return this.lift(left.extract, left.mode, test, op);
  }

  private fieldComparison(e: BinaryCheck, op: Op, left: Operand<C>, rightNode: TransformerExpr, loc: SourceLocation): Predicate<C> {
    if (e.modifier !== undefined) throw this.err(loc, rightNode.pos, `'${e.op} ${e.modifier}' needs a list of values, not a field`);
    if (op === 'pmatch' || op === 'regex') throw this.err(loc, e.opPos, `operator '${op}' cannot compare with another field`);
    if (isNetType(left.type)) throw this.err(loc, rightNode.pos, `field '${left.label}' of type ${left.type} cannot compare with another field`);
    if (left.noRhs) throw this.err(loc, e.left.pos, `field '${left.label}' cannot compare with another field`);
    const right = this.operand(rightNode, loc);
    if (right.noRhs) throw this.err(loc, rightNode.pos, `field '${right.label}' cannot be used on the right-hand side`);
    const lList = left.mode === 'list';
    const rList = right.mode === 'list';
    if (left.type !== right.type || lList !== rList) {
      throw this.err(
        loc,
        rightNode.pos,
        `'${left.label}' (${left.type}${lList ? ' list' : ''}) cannot be compared with '${right.label}' (${right.type}${rList ? ' list' : ''})`,
      );
    }
    const pair = fieldPairTest(op, left.type);
    const lx = left.extract;
    const rx = right.extract;
    const asArray = (v: FieldValue): readonly ScalarValue[] => (Array.isArray(v) ? (v as readonly ScalarValue[]) : [v as ScalarValue]);
    if (op === 'in' || op === 'intersects') {
      const all = op === 'in' && lList;
      return (ctx) => {
        const l = lx(ctx);
        if (l === undefined) return false;
        const r = rx(ctx);
        if (r === undefined) return false;
        const rs = asArray(r);
        const member = (x: ScalarValue): boolean => {
          for (const y of rs) if (pair(x, y)) return true;
          return false;
        };
        const ls = asArray(l);
        if (all) {
          for (const x of ls) if (!member(x)) return false;
          return true;
        }
        for (const x of ls) if (member(x)) return true;
        return false;
      };
    }
    const multi = left.mode === 'any' || left.mode === 'either';
    const every = left.mode === 'either' && op === '!=';
    return (ctx) => {
      const l = lx(ctx);
      if (l === undefined) return false;
      const r = rx(ctx);
      if (r === undefined) return false;
      const rv = Array.isArray(r) ? (r as readonly ScalarValue[])[0] : (r as ScalarValue);
      if (rv === undefined) return false;
      if (Array.isArray(l)) {
        if (!multi || l.length === 0) return false;
        if (every) {
          for (const x of l as readonly ScalarValue[]) if (!pair(x, rv)) return false;
          return true;
        }
        for (const x of l as readonly ScalarValue[]) if (pair(x, rv)) return true;
        return false;
      }
      return pair(l as ScalarValue, rv);
    };
  }
}
