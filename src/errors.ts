/**
 * Errors that carry a place. Every problem caused by user input (a capture, a rules
 * file, a flag) is one of these, so the CLI can print one line and exit 2 without a
 * stack trace, while genuine bugs still surface as ordinary exceptions.
 */
export class InputError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

/** A fault inside a capture file, at a byte offset of the (decompressed) stream. */
export class CaptureError extends InputError {
  constructor(
    readonly file: string,
    readonly offset: number | undefined,
    readonly detail: string,
  ) {
    super(offset === undefined ? `${file}: ${detail}` : `${file}: block at offset ${offset}: ${detail}`);
    this.name = 'CaptureError';
  }
}

/** A fault in a text input (rules, config, test spec) at line:column (1-based). */
export class SourceError extends InputError {
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    readonly column: number | undefined,
    readonly detail: string,
  ) {
    super(`${file}${line !== undefined ? `:${line}` : ''}${column !== undefined ? `:${column}` : ''}: ${detail}`);
    this.name = 'SourceError';
  }
}

export function isInputError(e: unknown): e is InputError {
  return e instanceof InputError;
}
