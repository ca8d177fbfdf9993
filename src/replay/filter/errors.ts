import { SourceError } from '../../errors.js';
import type { Position } from './ast.js';

/**
 * A problem in a condition, at a place in its text. It is a `SourceError`, so the CLI
 * prints it as one line. When no file name is known the message is just
 * `line:column: detail` (e.g. `1:17: unknown field 'proc.nmae'`).
 *
 * `line`/`column` are where the problem is in the file (after any position mapping the
 * caller asked for); `offset` is the 0-based offset inside the condition text itself.
 */
export class ConditionError extends SourceError {
  constructor(
    file: string,
    line: number,
    column: number,
    detail: string,
    readonly offset: number,
  ) {
    super(file, line, column, detail);
    this.name = 'ConditionError';
    if (file === '') this.message = `${line}:${column}: ${detail}`;
  }
}

/** Where a condition sits in its file, so that errors point into the file. */
export interface SourceLocation {
  /** File name for messages; empty for none. */
  readonly file?: string;
  /** Added to every line number (a condition starting on file line 12 has lineOffset 11). */
  readonly lineOffset?: number;
  /** Added to the column on the condition's first line only. */
  readonly columnOffset?: number;
  /**
   * Full control: maps a position in the condition text to a line/column in the file
   * (for YAML block scalars whose lines are indented). Overrides the offsets above.
   */
  readonly mapPosition?: (pos: Position) => { line: number; column: number };
}

export function conditionError(loc: SourceLocation | undefined, pos: Position, detail: string): ConditionError {
  const file = loc?.file ?? '';
  if (loc?.mapPosition) {
    const m = loc.mapPosition(pos);
    return new ConditionError(file, m.line, m.column, detail, pos.offset);
  }
  const line = pos.line + (loc?.lineOffset ?? 0);
  const column = pos.column + (pos.line === 1 ? (loc?.columnOffset ?? 0) : 0);
  return new ConditionError(file, line, column, detail, pos.offset);
}
