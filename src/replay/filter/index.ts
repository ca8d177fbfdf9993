/**
 * Falco's condition language: parsing, syntax tree, and compilation to predicates.
 *
 *   const ast = parseCondition(text, { file: 'rules.yaml', lineOffset: 11, columnOffset: 13 });
 *   const matches = compileCondition(ast, { registry, lists, macros });   // once
 *   if (matches(ctx)) ...                                                 // per event
 *
 * Errors are `ConditionError`s (a `SourceError`): `file:line:column: detail`, or
 * `line:column: detail` without a file.
 */
export * from './ast.js';
export { ConditionError, conditionError, type SourceLocation } from './errors.js';
export { Scanner, isBlank, type QuotedToken, type ScannerState } from './lexer.js';
export { parseCondition, parseFieldOrTransformer, type ParseOptions } from './parser.js';
export {
  compileCondition,
  compileFilter,
  compileOperand,
  listItemValue,
  type CompileOptions,
  type MacroBody,
  type Predicate,
} from './compile.js';
export { compileEre, translateEre, RegexSyntaxError, type EreMatcher } from './ere.js';
export { compileGlob } from './glob.js';
export { compilePmatch, checkOperator, parseConstant, type Constant, type Op } from './operators.js';
export { applyTransformer, transformedType, decodeBase64, type SingleTransformerName } from './transformers.js';
export { ValueError, parseIpAddr, parseIpNet, parseIpv4, parseIpv6, ipInNet, ipEqual, type IpNet } from './values.js';
