/**
 * Syntax tree of a Falco condition.
 *
 * The shapes follow the grammar libsinsp accepts (boolean `and`/`or`/`not`, field checks,
 * transformers, list values, bare identifiers), but every node here is a plain, immutable
 * data object tagged by `kind` so later stages (the rules loader that substitutes macros and
 * lists, the compiler) can switch on it exhaustively.
 *
 * Every node carries `pos` (where it starts) and `end` (the offset just past its last
 * character), both relative to the condition text that was parsed.
 */

/** A place in the condition text. `offset` is 0-based; `line` and `column` are 1-based. */
export interface Position {
  readonly offset: number;
  readonly line: number;
  readonly column: number;
}

interface NodeBase {
  readonly pos: Position;
  /** Offset just past the node's last character. */
  readonly end: number;
}

/** Operators that take a right-hand side. */
export type BinaryOperator =
  | '='
  | '=='
  | '!='
  | '<'
  | '<='
  | '>'
  | '>='
  | 'contains'
  | 'icontains'
  | 'bcontains'
  | 'startswith'
  | 'bstartswith'
  | 'endswith'
  | 'glob'
  | 'iglob'
  | 'regex'
  | 'in'
  | 'intersects'
  | 'pmatch';

export type UnaryOperator = 'exists';

/** `op oneof (...)`, `op anyof (...)`, `op allof (...)`: a string operator applied to each list item. */
export type OperatorModifier = 'oneof' | 'anyof' | 'allof';

/** Transformers usable on the left-hand side (and nested in each other). */
export type TransformerName = 'tolower' | 'toupper' | 'b64' | 'basename' | 'len' | 'join' | 'concat' | 'getopt';

export const TRANSFORMER_NAMES: readonly TransformerName[] = [
  'tolower',
  'toupper',
  'b64',
  'basename',
  'len',
  'join',
  'concat',
  'getopt',
];

export const NUMERIC_OPERATORS: readonly BinaryOperator[] = ['<=', '<', '>=', '>'];
export const STRING_OPERATORS: readonly BinaryOperator[] = [
  '==',
  '=',
  '!=',
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
export const LIST_OPERATORS: readonly BinaryOperator[] = ['intersects', 'in', 'pmatch'];
export const OPERATOR_MODIFIERS: readonly OperatorModifier[] = ['oneof', 'anyof', 'allof'];

/** All operators, in the order they are documented. */
export const ALL_OPERATORS: readonly (BinaryOperator | UnaryOperator)[] = [
  'exists',
  ...NUMERIC_OPERATORS,
  ...STRING_OPERATORS,
  ...LIST_OPERATORS,
];

export interface AndExpr extends NodeBase {
  readonly kind: 'and';
  readonly children: readonly Expr[];
}

export interface OrExpr extends NodeBase {
  readonly kind: 'or';
  readonly children: readonly Expr[];
}

export interface NotExpr extends NodeBase {
  readonly kind: 'not';
  readonly child: Expr;
}

/** A bare identifier used as a whole boolean term: a macro reference, resolved by the rules engine. */
export interface IdentifierRef extends NodeBase {
  readonly kind: 'identifier';
  readonly name: string;
}

/** A field, e.g. `proc.name`, `proc.aname[2]`, `proc.env[HOME]`, `evt.arg.name`. */
export interface FieldExpr extends NodeBase {
  readonly kind: 'field';
  /** The dotted name as written, e.g. `evt.arg.name` (the registry splits `evt.arg` + `name`). */
  readonly name: string;
  /** The bracketed argument, unquoted, when present. */
  readonly arg?: string;
  /** Where the bracketed argument starts (after `[`), when present. */
  readonly argPos?: Position;
}

/**
 * A transformer applied to fields, e.g. `tolower(proc.name)`, `len(basename(fd.name))`,
 * or `val(proc.pname)` on the right-hand side (name `'val'`).
 */
export interface TransformerExpr extends NodeBase {
  readonly kind: 'transformer';
  readonly name: TransformerName | 'val';
  readonly args: readonly TransformerArg[];
  /** Optional bracketed argument after the closing parenthesis. */
  readonly arg?: string;
}

/** `(a, b, ...)` inside a multi-argument transformer (join/concat/getopt). */
export interface TransformerListExpr extends NodeBase {
  readonly kind: 'transformer-list';
  readonly items: readonly (FieldExpr | TransformerExpr | ValueExpr)[];
}

export type TransformerArg = FieldExpr | TransformerExpr | ValueExpr | TransformerListExpr;

/** A single literal value: a quoted string (unescaped), a bare word, or a number. */
export interface ValueExpr extends NodeBase {
  readonly kind: 'value';
  readonly value: string;
  /** True when the value was written in quotes (so it can never be a list name). */
  readonly quoted: boolean;
}

/** One item of a parenthesised list value. */
export interface ListItem extends NodeBase {
  readonly kind: 'list-item';
  readonly value: string;
  /** Bare (unquoted) items may be names of lists that the rules engine expands. */
  readonly quoted: boolean;
}

/** `(a, "b c", 'd', 1, 0x10)` */
export interface ListExpr extends NodeBase {
  readonly kind: 'list';
  readonly items: readonly ListItem[];
}

export type LeftOperand = FieldExpr | TransformerExpr;

/**
 * Right-hand sides: a value; a list; an identifier naming a list (after `in`,
 * `intersects`, `pmatch`, or an operator modifier); or a field through `val(...)` or a
 * transformer.
 */
export type RightOperand = ValueExpr | ListExpr | IdentifierRef | TransformerExpr;

export interface UnaryCheck extends NodeBase {
  readonly kind: 'unary';
  readonly left: LeftOperand;
  readonly op: UnaryOperator;
  readonly opPos: Position;
}

export interface BinaryCheck extends NodeBase {
  readonly kind: 'binary';
  readonly left: LeftOperand;
  readonly op: BinaryOperator;
  readonly modifier?: OperatorModifier;
  readonly opPos: Position;
  readonly right: RightOperand;
}

export type CheckExpr = UnaryCheck | BinaryCheck;

/** A boolean expression: the root of a parsed condition. */
export type Expr = AndExpr | OrExpr | NotExpr | IdentifierRef | UnaryCheck | BinaryCheck;

/** Any node. */
export type Node = Expr | FieldExpr | TransformerExpr | TransformerListExpr | ValueExpr | ListExpr | ListItem;

/** Visits every node depth-first, parents before children. Return `false` to skip a node's children. */
export function walk(node: Node, visit: (n: Node, parent: Node | undefined) => boolean | void, parent?: Node): void {
  if (visit(node, parent) === false) return;
  switch (node.kind) {
    case 'and':
    case 'or':
      for (const c of node.children) walk(c, visit, node);
      return;
    case 'not':
      walk(node.child, visit, node);
      return;
    case 'unary':
      walk(node.left, visit, node);
      return;
    case 'binary':
      walk(node.left, visit, node);
      walk(node.right, visit, node);
      return;
    case 'transformer':
      for (const a of node.args) walk(a, visit, node);
      return;
    case 'transformer-list':
      for (const a of node.items) walk(a, visit, node);
      return;
    case 'list':
      for (const i of node.items) walk(i, visit, node);
      return;
    case 'identifier':
    case 'field':
    case 'value':
    case 'list-item':
      return;
  }
}

/** Double-quotes a string with the escapes the condition lexer understands. */
export function quoteString(s: string): string {
  let out = '"';
  for (const ch of s) {
    switch (ch) {
      case '\\':
        out += '\\\\';
        break;
      case '"':
        out += '\\"';
        break;
      case '\n':
        out += '\\n';
        break;
      case '\r':
        out += '\\r';
        break;
      case '\t':
        out += '\\t';
        break;
      case '\b':
        out += '\\b';
        break;
      case '\f':
        out += '\\f';
        break;
      default:
        out += ch;
    }
  }
  return out + '"';
}

function fieldArgToString(arg: string | undefined): string {
  if (arg === undefined) return '';
  return /^[^\][\s\b"']+$/.test(arg) ? `[${arg}]` : `[${quoteString(arg)}]`;
}

/**
 * Renders a node back to condition text that parses to an equivalent tree. Boolean
 * sub-expressions are parenthesised, so precedence is explicit.
 */
export function toConditionString(node: Node): string {
  switch (node.kind) {
    case 'and':
      return '(' + node.children.map(toConditionString).join(' and ') + ')';
    case 'or':
      return '(' + node.children.map(toConditionString).join(' or ') + ')';
    case 'not':
      return 'not ' + toConditionString(node.child);
    case 'identifier':
      return node.name;
    case 'field':
      return node.name + fieldArgToString(node.arg);
    case 'transformer':
      return `${node.name}(${node.args.map(toConditionString).join(', ')})${fieldArgToString(node.arg)}`;
    case 'transformer-list':
      return '(' + node.items.map(toConditionString).join(', ') + ')';
    case 'value':
    case 'list-item':
      return node.quoted ? quoteString(node.value) : node.value;
    case 'list':
      return '(' + node.items.map(toConditionString).join(', ') + ')';
    case 'unary':
      return `${toConditionString(node.left)} ${node.op}`;
    case 'binary':
      return `${toConditionString(node.left)} ${node.op}${node.modifier ? ' ' + node.modifier : ''} ${toConditionString(node.right)}`;
  }
}

/** Names a condition refers to, for the rules engine (macro and list resolution, "unused" warnings). */
export interface References {
  /** Bare identifiers used as conditions. */
  readonly macros: readonly IdentifierRef[];
  /** Identifiers after a list operator (`in my_list`), and bare items inside `(...)` lists. */
  readonly lists: readonly (IdentifierRef | ListItem)[];
}

/**
 * Collects possible macro and list references. Bare list items are included because any of
 * them may name a list (`in (shell_binaries, python)`); the caller decides which names
 * exist.
 */
export function findReferences(root: Node): References {
  const macros: IdentifierRef[] = [];
  const lists: (IdentifierRef | ListItem)[] = [];
  walk(root, (n, parent) => {
    if (n.kind === 'identifier') {
      if (parent !== undefined && parent.kind === 'binary' && parent.right === n) lists.push(n);
      else macros.push(n);
    } else if (n.kind === 'list-item' && !n.quoted) {
      lists.push(n);
    }
  });
  return { macros, lists };
}
