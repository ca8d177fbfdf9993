/**
 * Recursive-descent parser for Falco conditions.
 *
 * Grammar (precedence from loosest to tightest: `or`, `and`, `not`):
 *
 *   Condition   := Or
 *   Or          := And ('or' And)*                  'or' must be followed by a blank or '('
 *   And         := Not ('and' Not)*                 'and' likewise
 *   Not         := ('not' blank)* ( 'not(' Or ')' | Check )
 *   Check       := '(' Or ')'
 *                | Operand Operator
 *                | Identifier                        a macro reference
 *   Operand     := Field | Transformer
 *   Field       := FieldName ( '[' (Quoted | FieldArgBare) ']' )?
 *   Transformer := TrName '(' TrArg (',' TrArg)* ')' ( '[' FieldArg ']' )?
 *   TrArg       := Number | Quoted | '(' TrListArgs ')' | Transformer | Field
 *   Operator    := 'exists'
 *                | ('<' | '<=' | '>' | '>=') (Number | RhsTransformer)
 *                | StrOp (Value | RhsTransformer)
 *                | StrOp ('oneof' | 'anyof' | 'allof') List
 *                | ('in' | 'intersects' | 'pmatch') (List | RhsTransformer)
 *   StrOp       := '=' | '==' | '!=' | 'contains' | 'icontains' | 'bcontains' | 'startswith'
 *                | 'bstartswith' | 'endswith' | 'glob' | 'iglob' | 'regex'
 *   List        := '(' (Value (',' Value)*)? ')' | Identifier      (identifier: a list name)
 *   RhsTransformer := 'val(' Field ')' | Transformer
 *   Value       := Quoted | BareString
 *
 * Word operators (`contains`, `glob`, ...) must be followed by a blank, as in libsinsp.
 */
import type {
  BinaryCheck,
  BinaryOperator,
  Expr,
  FieldExpr,
  IdentifierRef,
  LeftOperand,
  ListExpr,
  ListItem,
  OperatorModifier,
  Position,
  RightOperand,
  TransformerArg,
  TransformerExpr,
  TransformerListExpr,
  TransformerName,
  UnaryCheck,
  ValueExpr,
} from './ast.js';
import { OPERATOR_MODIFIERS, TRANSFORMER_NAMES } from './ast.js';
import type { SourceLocation } from './errors.js';
import { isBlank, Scanner } from './lexer.js';

export interface ParseOptions extends SourceLocation {
  /** Maximum nesting depth (parentheses, `not`, transformers). Default 1000, as Falco. */
  readonly maxDepth?: number;
}

const SYMBOL_STR_OPS: readonly BinaryOperator[] = ['==', '=', '!='];
const WORD_STR_OPS: readonly BinaryOperator[] = [
  'glob',
  'iglob',
  'contains',
  'icontains',
  'bcontains',
  'startswith',
  'bstartswith',
  'endswith',
  'regex',
];
const NUM_OPS: readonly BinaryOperator[] = ['<=', '<', '>=', '>'];
const LIST_OPS: readonly BinaryOperator[] = ['intersects', 'in', 'pmatch'];
const KEYWORDS = new Set(['and', 'or', 'not']);
/** Each transformer name with its `(` (same order as TRANSFORMER_NAMES), made once rather than on every lookup. */
const TRANSFORMER_OPENS: readonly string[] = TRANSFORMER_NAMES.map((n) => n + '(');
/** The first letter of every transformer name. */
const TRANSFORMER_FIRST_LETTERS: string = [...new Set(TRANSFORMER_NAMES.map((n) => n[0]!))].join('');

/**
 * Parses a condition. Throws a `ConditionError` (a `SourceError`) with the position of the
 * problem. Positions in the returned tree are relative to `text`.
 */
export function parseCondition(text: string, options: ParseOptions = {}): Expr {
  return new Parser(text, options).parseCondition();
}

/**
 * Parses a lone field or transformer expression, e.g. an output field or an exception
 * field: `proc.name`, `tolower(fd.name)`, `proc.aname[2]`.
 */
export function parseFieldOrTransformer(text: string, options: ParseOptions = {}): LeftOperand {
  return new Parser(text, options).parseLoneOperand();
}

/**
 * The field or transformer at the start of `text` and the offset just past it, ignoring
 * what follows (output formats: `%proc.name user=%user.name`). Undefined when the text
 * does not start with a well-formed operand; parseFieldOrTransformer then says why. The
 * scan only looks at characters up to the operand's end, so every longer prefix of
 * `text` that is not blank after the operand fails parseFieldOrTransformer.
 */
export function parseFieldOrTransformerPrefix(text: string): { node: LeftOperand; end: number } | undefined {
  return new Parser(text, {}).parseOperandPrefix();
}

class Parser {
  private readonly s: Scanner;
  private depth = 0;
  private readonly maxDepth: number;

  constructor(
    private readonly text: string,
    options: ParseOptions,
  ) {
    this.s = new Scanner(text, options);
    this.maxDepth = options.maxDepth ?? 1000;
  }

  parseCondition(): Expr {
    if (this.text.trim() === '') throw this.s.error('the condition is empty');
    const e = this.parseOr();
    this.s.skipBlanks();
    if (!this.s.atEnd()) {
      if (this.s.peek() === ')') throw this.s.error("unexpected ')' without a matching '('");
      throw this.s.error(`unexpected '${this.s.excerpt()}': expected 'and', 'or' or the end of the condition`);
    }
    return e;
  }

  parseOperandPrefix(): { node: LeftOperand; end: number } | undefined {
    const start = this.s.position();
    const name = this.s.fieldName();
    let node: LeftOperand;
    if (name !== undefined) node = this.parseFieldRemainder(name, start);
    else {
      const tr = this.eatTransformerOpen();
      if (tr === undefined) return undefined;
      node = this.parseTransformerRemainder(tr, start);
    }
    return { node, end: this.end() };
  }

  parseLoneOperand(): LeftOperand {
    this.s.skipBlanks();
    const start = this.s.position();
    let res: LeftOperand;
    const name = this.s.fieldName();
    if (name !== undefined) res = this.parseFieldRemainder(name, start);
    else {
      const tr = this.eatTransformerOpen();
      if (tr === undefined) throw this.s.error(this.expectedFound('a field or a transformer'));
      res = this.parseTransformerRemainder(tr, start);
    }
    this.s.skipBlanks();
    if (!this.s.atEnd()) throw this.s.error(`unexpected '${this.s.excerpt()}' after the field`);
    return res;
  }

  // ---- helpers --------------------------------------------------------------------------

  private enter(): void {
    if (++this.depth > this.maxDepth) {
      throw this.s.error(`the condition is nested too deeply (more than ${this.maxDepth} levels)`);
    }
  }

  private leave(): void {
    this.depth--;
  }

  private expectedFound(what: string): string {
    return this.s.atEnd() ? `expected ${what}, found the end of the condition` : `expected ${what}, found '${this.s.excerpt()}'`;
  }

  /** Consumes a boolean keyword (`and`/`or`) when it is followed by a blank or `(`. */
  private eatBoolKeyword(kw: 'and' | 'or'): boolean {
    if (!this.s.lookingAt(kw)) return false;
    const next = this.s.peek(kw.length);
    if (next !== '(' && next !== '' && !isBlank(next)) return false;
    this.s.advance(kw.length);
    return true;
  }

  /** Consumes `name(` for a transformer name (no blank allowed before `(`), returns the name. */
  private eatTransformerOpen(): TransformerName | undefined {
    // asked before every operand and value: most start with no transformer's first letter
    if (!TRANSFORMER_FIRST_LETTERS.includes(this.s.peek())) return undefined;
    // an index loop: destructuring or for-of costs an iterator per call in cold code
    for (let i = 0; i < TRANSFORMER_OPENS.length; i++) {
      const open = TRANSFORMER_OPENS[i]!;
      if (this.s.lookingAt(open)) {
        this.s.advance(open.length);
        return TRANSFORMER_NAMES[i];
      }
    }
    return undefined;
  }

  private end(): number {
    return this.s.index;
  }

  // ---- boolean structure ----------------------------------------------------------------

  private parseOr(): Expr {
    this.enter();
    this.s.skipBlanks();
    const start = this.s.position();
    const children: Expr[] = [this.parseAnd()];
    this.s.skipBlanks();
    while (this.eatBoolKeyword('or')) {
      children.push(this.parseOperandAfterKeyword('or'));
      this.s.skipBlanks();
    }
    this.leave();
    if (children.length === 1) return children[0]!;
    return { kind: 'or', children, pos: start, end: children[children.length - 1]!.end };
  }

  private parseAnd(): Expr {
    this.enter();
    this.s.skipBlanks();
    const start = this.s.position();
    const children: Expr[] = [this.parseNot()];
    this.s.skipBlanks();
    while (this.eatBoolKeyword('and')) {
      children.push(this.parseOperandAfterKeyword('and'));
      this.s.skipBlanks();
    }
    this.leave();
    if (children.length === 1) return children[0]!;
    return { kind: 'and', children, pos: start, end: children[children.length - 1]!.end };
  }

  private parseOperandAfterKeyword(kw: 'and' | 'or'): Expr {
    const blank = this.s.skipBlanks();
    if (this.s.atEnd()) throw this.s.error(`expected a condition after '${kw}'`);
    if (blank) return kw === 'or' ? this.parseAnd() : this.parseNot();
    // eatBoolKeyword guarantees '(' here
    const open = this.s.position();
    this.s.advance(1);
    return this.parseEmbeddedRemainder(open);
  }

  private parseNot(): Expr {
    this.enter();
    this.s.skipBlanks();
    const nots: Position[] = [];
    for (;;) {
      if (this.s.lookingAt('not') && isBlank(this.s.peek(3))) {
        nots.push(this.s.position());
        this.s.advance(3);
        this.s.skipBlanks();
        continue;
      }
      break;
    }
    let child: Expr;
    if (this.s.lookingAt('not(')) {
      nots.push(this.s.position());
      this.s.advance(3);
      const open = this.s.position();
      this.s.advance(1);
      child = this.parseEmbeddedRemainder(open);
    } else {
      if (nots.length > 0 && this.s.atEnd()) throw this.s.error("expected a condition after 'not'");
      child = this.parseCheck();
    }
    for (let i = nots.length - 1; i >= 0; i--) {
      child = { kind: 'not', child, pos: nots[i]!, end: child.end };
    }
    this.leave();
    return child;
  }

  /** After an opening parenthesis: an expression and the closing parenthesis. */
  private parseEmbeddedRemainder(open: Position): Expr {
    this.enter();
    this.s.skipBlanks();
    if (this.s.peek() === ')') throw this.s.error("expected a condition inside '()'");
    const e = this.parseOr();
    this.s.skipBlanks();
    if (!this.s.eat(')')) {
      if (this.s.atEnd()) {
        throw this.s.error(`expected ')' to close the '(' at ${open.line}:${open.column}, found the end of the condition`);
      }
      throw this.s.error(`expected ')' or a boolean operator, found '${this.s.excerpt()}'`);
    }
    this.leave();
    return e;
  }

  private parseCheck(): Expr {
    this.enter();
    this.s.skipBlanks();
    const start = this.s.position();
    try {
      if (this.s.peek() === '(') {
        this.s.advance(1);
        return this.parseEmbeddedRemainder(start);
      }
      const field = this.s.fieldName();
      if (field !== undefined) {
        const left = this.parseFieldRemainder(field, start);
        return this.parseOperator(left, start);
      }
      const tr = this.eatTransformerOpen();
      if (tr !== undefined) {
        const left = this.parseTransformerRemainder(tr, start);
        return this.parseOperator(left, start);
      }
      if (this.s.lookingAt('val(')) {
        throw this.s.error("'val(...)' can only be used on the right-hand side of a comparison");
      }
      const saved = this.s.save();
      const id = this.s.identifier();
      if (id !== undefined) {
        if (KEYWORDS.has(id)) {
          this.s.restore(saved);
          throw this.s.error(`expected a condition, found the keyword '${id}'`);
        }
        const ref: IdentifierRef = { kind: 'identifier', name: id, pos: start, end: this.end() };
        return ref;
      }
      throw this.s.error(this.expectedFound("a field check, a macro name or '('"));
    } finally {
      this.leave();
    }
  }

  // ---- operands -------------------------------------------------------------------------

  private parseFieldRemainder(name: string, start: Position): FieldExpr {
    const a = this.parseOptionalFieldArg();
    if (a === undefined) return { kind: 'field', name, pos: start, end: this.end() };
    return { kind: 'field', name, arg: a.value, argPos: a.pos, pos: start, end: this.end() };
  }

  private parseOptionalFieldArg(): { value: string; pos: Position } | undefined {
    if (this.s.peek() !== '[') return undefined;
    this.s.advance(1);
    const pos = this.s.position();
    const q = this.s.quoted();
    const value = q !== undefined ? q.value : this.s.fieldArgBare();
    if (value === undefined) throw this.s.error(this.expectedFound("a field argument after '['"));
    if (!this.s.eat(']')) throw this.s.error(this.expectedFound("']' after the field argument"));
    return { value, pos };
  }

  /** After `name(`: the arguments, `)`, and an optional `[arg]`. */
  private parseTransformerRemainder(name: TransformerName, start: Position): TransformerExpr {
    this.enter();
    this.s.skipBlanks();
    const args: TransformerArg[] = [];
    do {
      this.s.skipBlanks();
      args.push(this.parseTransformerArg(name));
      this.s.skipBlanks();
    } while (this.s.eat(','));
    if (!this.s.eat(')')) throw this.s.error(this.expectedFound(`')' to close '${name}('`));
    const a = this.parseOptionalFieldArg();
    this.leave();
    const node: TransformerExpr = { kind: 'transformer', name, args, pos: start, end: this.end() };
    return a === undefined ? node : { ...node, arg: a.value };
  }

  private parseTransformerArg(name: string): TransformerArg {
    const pos = this.s.position();
    const num = this.s.numeric();
    if (num !== undefined) return { kind: 'value', value: num, quoted: false, pos, end: this.end() };
    const q = this.s.quoted();
    if (q !== undefined) return { kind: 'value', value: q.value, quoted: true, pos, end: this.end() };
    if (this.s.peek() === '(') {
      this.s.advance(1);
      return this.parseTransformerList(pos, name);
    }
    const tr = this.eatTransformerOpen();
    if (tr !== undefined) return this.parseTransformerRemainder(tr, pos);
    const field = this.s.fieldName();
    if (field !== undefined) return this.parseFieldRemainder(field, pos);
    throw this.s.error(this.expectedFound(`a field, a transformer, a string or a number inside '${name}('`));
  }

  private parseTransformerList(start: Position, name: string): TransformerListExpr {
    const items: (FieldExpr | TransformerExpr | ValueExpr)[] = [];
    this.s.skipBlanks();
    if (!this.s.eat(')')) {
      for (;;) {
        this.s.skipBlanks();
        const pos = this.s.position();
        const field = this.s.fieldName();
        if (field !== undefined) items.push(this.parseFieldRemainder(field, pos));
        else {
          const tr = this.eatTransformerOpen();
          if (tr !== undefined) {
            items.push(this.parseTransformerRemainder(tr, pos));
          } else {
            const q = this.s.quoted();
            const num = q === undefined ? this.s.numeric() : undefined;
            if (q !== undefined) items.push({ kind: 'value', value: q.value, quoted: true, pos, end: this.end() });
            else if (num !== undefined) items.push({ kind: 'value', value: num, quoted: false, pos, end: this.end() });
            else throw this.s.error(this.expectedFound(`a field, a transformer, a string or a number in the list inside '${name}('`));
          }
        }
        this.s.skipBlanks();
        if (this.s.eat(',')) continue;
        if (this.s.eat(')')) break;
        throw this.s.error(this.expectedFound("',' or ')' in the list"));
      }
    }
    return { kind: 'transformer-list', items, pos: start, end: this.end() };
  }

  // ---- operators and right-hand sides ---------------------------------------------------

  private describeLeft(left: LeftOperand): string {
    return left.kind === 'field' ? `'${this.text.slice(left.pos.offset, left.end)}'` : `'${left.name}(...)'`;
  }

  private parseOperator(left: LeftOperand, start: Position): Expr {
    this.s.skipBlanks();
    const opPos = this.s.position();

    // like libsinsp, `exists` and the list operators need no blank after them
    if (this.s.eat('exists')) {
      const node: UnaryCheck = { kind: 'unary', left, op: 'exists', opPos, pos: start, end: this.end() };
      return node;
    }

    for (const op of NUM_OPS) {
      if (this.s.eat(op)) {
        const right = this.parseNumericRhs(op);
        return this.binary(left, op, undefined, opPos, right, start);
      }
    }

    for (const op of SYMBOL_STR_OPS) {
      if (this.s.eat(op)) {
        const hadBlank = this.s.skipBlanks();
        return this.parseStringRhs(left, op, opPos, start, hadBlank);
      }
    }

    for (const op of WORD_STR_OPS) {
      if (this.s.eatWord(op)) {
        if (!this.s.skipBlanks()) {
          if (this.s.atEnd()) throw this.s.error(`expected a value after '${op}'`);
          throw this.s.error(`expected a blank after '${op}'`);
        }
        return this.parseStringRhs(left, op, opPos, start, true);
      }
    }

    for (const op of LIST_OPS) {
      if (this.s.eat(op)) {
        const right = this.parseListRhs(op);
        return this.binary(left, op, undefined, opPos, right, start);
      }
    }

    throw this.s.error(this.expectedFound(`an operator after ${this.describeLeft(left)}`));
  }

  private binary(
    left: LeftOperand,
    op: BinaryOperator,
    modifier: OperatorModifier | undefined,
    opPos: Position,
    right: RightOperand,
    start: Position,
  ): BinaryCheck {
    const node: BinaryCheck = { kind: 'binary', left, op, opPos, right, pos: start, end: right.end };
    return modifier === undefined ? node : { ...node, modifier };
  }

  /** `val(field)` or a transformer, if one is at the cursor. */
  private tryRhsTransformer(): TransformerExpr | undefined {
    const pos = this.s.position();
    if (this.s.eat('val(')) {
      this.enter();
      this.s.skipBlanks();
      const fpos = this.s.position();
      const name = this.s.fieldName();
      if (name === undefined) throw this.s.error(this.expectedFound("a field inside 'val('"));
      const field = this.parseFieldRemainder(name, fpos);
      this.s.skipBlanks();
      if (!this.s.eat(')')) throw this.s.error(this.expectedFound("')' to close 'val('"));
      const a = this.parseOptionalFieldArg();
      this.leave();
      const node: TransformerExpr = { kind: 'transformer', name: 'val', args: [field], pos, end: this.end() };
      return a === undefined ? node : { ...node, arg: a.value };
    }
    const tr = this.eatTransformerOpen();
    if (tr !== undefined) return this.parseTransformerRemainder(tr, pos);
    return undefined;
  }

  private parseNumericRhs(op: string): RightOperand {
    this.s.skipBlanks();
    const pos = this.s.position();
    const tr = this.tryRhsTransformer();
    if (tr !== undefined) return tr;
    const num = this.s.numeric();
    if (num !== undefined) return { kind: 'value', value: num, quoted: false, pos, end: this.end() };
    if (this.s.atEnd()) throw this.s.error(`expected a value after '${op}'`);
    throw this.s.error(`expected a number after '${op}', found '${this.s.excerpt()}'`);
  }

  private parseStringRhs(
    left: LeftOperand,
    op: BinaryOperator,
    opPos: Position,
    start: Position,
    hadBlank: boolean,
  ): BinaryCheck {
    if (hadBlank) {
      const saved = this.s.save();
      for (const mod of OPERATOR_MODIFIERS) {
        if (this.s.lookingAt(mod) && isBlank(this.s.peek(mod.length))) {
          this.s.advance(mod.length);
          this.s.skipBlanks();
          if (this.listFollows()) {
            const right = this.parseListOrIdentifier(`${op} ${mod}`);
            return this.binary(left, op, mod, opPos, right, start);
          }
          this.s.restore(saved);
          break;
        }
      }
    }
    const right = this.parseValueRhs(op);
    return this.binary(left, op, undefined, opPos, right, start);
  }

  /** After a modifier: a '(' or an identifier that is not a boolean keyword. */
  private listFollows(): boolean {
    if (this.s.peek() === '(') return true;
    const saved = this.s.save();
    const id = this.s.identifier();
    this.s.restore(saved);
    return id !== undefined && !KEYWORDS.has(id);
  }

  private parseValueRhs(op: string): RightOperand {
    this.s.skipBlanks();
    const pos = this.s.position();
    const tr = this.tryRhsTransformer();
    if (tr !== undefined) return tr;
    const v = this.parseValue();
    if (v !== undefined) return { kind: 'value', value: v.value, quoted: v.quoted, pos, end: this.end() };
    if (this.s.atEnd()) throw this.s.error(`expected a value after '${op}'`);
    throw this.s.error(`expected a value after '${op}', found '${this.s.peek()}'`);
  }

  private parseValue(): { value: string; quoted: boolean } | undefined {
    const q = this.s.quoted();
    if (q !== undefined) return { value: q.value, quoted: true };
    const b = this.s.bareString();
    if (b !== undefined) return { value: b, quoted: false };
    return undefined;
  }

  private parseListRhs(op: string): RightOperand {
    this.s.skipBlanks();
    if (this.s.peek() === '(') return this.parseList();
    const tr = this.tryRhsTransformer();
    if (tr !== undefined) return tr;
    return this.parseListOrIdentifier(op);
  }

  private parseListOrIdentifier(op: string): ListExpr | IdentifierRef {
    this.s.skipBlanks();
    if (this.s.peek() === '(') return this.parseList();
    const pos = this.s.position();
    const id = this.s.identifier();
    if (id !== undefined) return { kind: 'identifier', name: id, pos, end: this.end() };
    if (this.s.atEnd()) throw this.s.error(`expected a list after '${op}'`);
    throw this.s.error(`expected a list after '${op}', found '${this.s.excerpt()}'`);
  }

  private parseList(): ListExpr {
    const start = this.s.position();
    this.s.advance(1); // '('
    const items: ListItem[] = [];
    this.s.skipBlanks();
    if (!this.s.eat(')')) {
      for (;;) {
        this.s.skipBlanks();
        const pos = this.s.position();
        const v = this.parseValue();
        if (v === undefined) {
          throw this.s.error(this.expectedFound(items.length === 0 ? "a list item or ')'" : "a list item after ','"));
        }
        items.push({ kind: 'list-item', value: v.value, quoted: v.quoted, pos, end: this.end() });
        this.s.skipBlanks();
        if (this.s.eat(',')) continue;
        if (this.s.eat(')')) break;
        if (this.s.atEnd()) {
          throw this.s.error(`expected ')' to close the list at ${start.line}:${start.column}, found the end of the condition`);
        }
        throw this.s.error(this.expectedFound("',' or ')' in the list"));
      }
    }
    return { kind: 'list', items, pos: start, end: this.end() };
  }
}
