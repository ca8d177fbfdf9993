/**
 * What the rules loader needs from an event source (Falco's falco_source: a filter
 * factory, a formatter factory and the field check used for exceptions). The loader is
 * independent of how conditions are compiled: a source gets the resolved condition tree
 * and returns whatever compiled filter it likes.
 */
import type { Expr, Position } from '../filter/ast.js';

/** A warning the condition compiler reports (LOAD_COMPILE_CONDITION). */
export interface CompileWarning {
  readonly message: string;
  readonly pos: Position;
}

/** Thrown by a source when a condition or output can not be compiled. */
export class SourceCompileError extends Error {
  constructor(
    message: string,
    /** Where in the condition text, when known. */
    readonly pos?: Position,
  ) {
    super(message);
    this.name = 'SourceCompileError';
  }
}

export interface RuleSource<F = unknown> {
  readonly name: string;
  /** Falco's is_valid_lhs_field: can `field` (with or without transformer) be the left side of a check? */
  isValidLhsField(field: string): boolean;
  /**
   * Compile a fully resolved condition (no macro references left). Throws
   * SourceCompileError (or a ConditionError) on failure. Falco's unknown-field/event-type
   * errors contain "nonexistent field", "invalid formatting token", "unknown event type"
   * or "unknown filter:"; sources should use those phrases so `skip-if-unknown-filter`
   * works the same way.
   */
  compileCondition(ast: Expr): { filter: F; warnings: readonly CompileWarning[] };
  /** Validate an output format; returns the error text, or undefined when valid. */
  checkOutput(format: string): string | undefined;
}
