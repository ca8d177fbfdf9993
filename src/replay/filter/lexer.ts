/**
 * Scanner for Falco conditions.
 *
 * Falco's condition language is context dependent at the token level: a bare string after
 * `=` may contain `/`, `*`, `[` or `.`, a field argument may contain `(` or `,`, while a list
 * item may not contain `,` or `)`. So instead of producing one token stream up front, the
 * scanner exposes one method per token class and the parser asks for what the grammar
 * allows at each point (the way libsinsp does it). Every method either consumes a token and
 * returns it, or consumes nothing and returns `undefined`/`false`.
 *
 * Token classes (as libsinsp defines them):
 * - identifier:   a letter, then letters, digits and `_`           (`spawned_process`)
 * - field name:   two or more identifier-like parts joined by `.`  (`proc.name`, `evt.arg.fd`)
 * - field arg:    inside `[...]`: a quoted string, or any run of characters other than
 *                 blanks, quotes and square brackets                (`proc.env[HOME]`, `fd.name[/x]`)
 * - number:       optional sign, digits, optional `.` and digits, optional `e±digits`
 * - hex number:   `0x` / `0X` and hex digits
 * - quoted:       `"..."` or `'...'` with backslash escapes
 * - bare string:  any run of characters other than blanks, quotes, `(`, `)`, `,` and `=`
 */
import type { Position } from './ast.js';
import { conditionError, type SourceLocation } from './errors.js';

/** Characters that separate tokens. */
export function isBlank(ch: string): boolean {
  return ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || ch === '\b' || ch === '\v' || ch === '\f';
}

function isIdentChar(ch: string): boolean {
  return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch === '_';
}

const RE_IDENTIFIER = /[a-zA-Z]+[a-zA-Z0-9_]*/y;
const RE_FIELD_NAME = /[a-zA-Z]+[a-zA-Z0-9_]*(?:\.[a-zA-Z]+[a-zA-Z0-9_]*)+/y;
const RE_FIELD_ARG_BARE = /[^\][\s\b"']+/y;
const RE_HEX = /0[xX][0-9a-fA-F]+/y;
const RE_NUMBER = /[+-]?[0-9]+\.?[0-9]*(?:[eE][+-][0-9]+)?/y;
const RE_BARE = /[^()"'\s\b=,]+/y;

/** A quoted string token: its unescaped value and its raw text (with the quotes). */
export interface QuotedToken {
  readonly value: string;
  readonly raw: string;
}

/** Saved scanner state, for backtracking. */
export interface ScannerState {
  readonly offset: number;
  readonly line: number;
  readonly lineStart: number;
}

/** The first index at or after `from` holding `ch`, or the text's length. */
function nextIndex(src: string, ch: string, from: number): number {
  const i = src.indexOf(ch, from);
  return i < 0 ? src.length : i;
}

export class Scanner {
  private offset = 0;
  private line = 1;
  private lineStart = 0;
  /**
   * No backslash lies in [backslashFrom, nextBackslash) (nextBackslash is the text's length
   * when there is none; backslashFrom -1: not looked up yet): a quoted string inside that
   * span needs no unescaping.
   */
  private nextBackslash = 0;
  private backslashFrom = -1;

  constructor(
    readonly src: string,
    private readonly loc?: SourceLocation,
  ) {}

  /** Current position. */
  position(): Position {
    return { offset: this.offset, line: this.line, column: this.offset - this.lineStart + 1 };
  }

  /** Current offset. */
  get index(): number {
    return this.offset;
  }

  save(): ScannerState {
    return { offset: this.offset, line: this.line, lineStart: this.lineStart };
  }

  restore(s: ScannerState): void {
    this.offset = s.offset;
    this.line = s.line;
    this.lineStart = s.lineStart;
  }

  atEnd(): boolean {
    return this.offset >= this.src.length;
  }

  /** The character `n` places ahead of the cursor ('' past the end). */
  peek(n = 0): string {
    return this.src.charAt(this.offset + n);
  }

  /** True when the text at the cursor starts with `s`. */
  lookingAt(s: string): boolean {
    return this.src.startsWith(s, this.offset);
  }

  /** Makes an error at a position (default: the cursor). */
  error(detail: string, pos: Position = this.position()): Error {
    return conditionError(this.loc, pos, detail);
  }

  /** Moves the cursor `n` characters ahead, tracking lines. `\r\n` counts as one line break. */
  advance(n: number): void {
    const src = this.src;
    const stop = Math.min(src.length, this.offset + n);
    for (let i = this.offset; i < stop; i++) {
      const c = src.charCodeAt(i);
      if (c === 10 /* \n */ || (c === 13 /* \r */ && src.charCodeAt(i + 1) !== 10)) {
        this.line++;
        this.lineStart = i + 1;
      }
    }
    this.offset = stop;
  }

  /** Skips blanks; true if at least one was skipped. */
  skipBlanks(): boolean {
    const src = this.src;
    const start = this.offset;
    let i = start;
    for (; i < src.length; i++) {
      const c = src.charCodeAt(i);
      // the characters isBlank accepts: space \t \n \r \b \v \f
      if (c !== 32 && c !== 9 && c !== 10 && c !== 13 && c !== 8 && c !== 11 && c !== 12) break;
    }
    if (i === start) return false;
    // line tracking over the blanks just scanned (advance's rule: \r\n is one break)
    for (let k = start; k < i; k++) {
      const c = src.charCodeAt(k);
      if (c === 10 || (c === 13 && src.charCodeAt(k + 1) !== 10)) {
        this.line++;
        this.lineStart = k + 1;
      }
    }
    this.offset = i;
    return true;
  }

  /** Consumes the literal `s` if it is at the cursor. */
  eat(s: string): boolean {
    if (!this.lookingAt(s)) return false;
    this.advance(s.length);
    return true;
  }

  /**
   * Consumes the keyword `w` if it is at the cursor and not immediately followed by a
   * letter, digit or `_` (so `in` does not match the start of `inode`).
   */
  eatWord(w: string): boolean {
    if (!this.lookingAt(w) || isIdentChar(this.peek(w.length))) return false;
    this.advance(w.length);
    return true;
  }

  /** A token by one of the RE_ patterns above, none of which can match a line break: no line tracking. */
  private sticky(re: RegExp): string | undefined {
    re.lastIndex = this.offset;
    const m = re.exec(this.src);
    if (!m) return undefined;
    this.offset += m[0].length;
    return m[0];
  }

  identifier(): string | undefined {
    return this.sticky(RE_IDENTIFIER);
  }

  fieldName(): string | undefined {
    return this.sticky(RE_FIELD_NAME);
  }

  fieldArgBare(): string | undefined {
    return this.sticky(RE_FIELD_ARG_BARE);
  }

  hexNumber(): string | undefined {
    return this.sticky(RE_HEX);
  }

  number(): string | undefined {
    return this.sticky(RE_NUMBER);
  }

  /** A hex or decimal number. */
  numeric(): string | undefined {
    return this.hexNumber() ?? this.number();
  }

  bareString(): string | undefined {
    return this.sticky(RE_BARE);
  }

  /**
   * A `"..."` or `'...'` string. As in libsinsp, the string ends at the first quote
   * character that is not immediately preceded by a backslash; its content is then
   * unescaped: `\\`, `\/`, `\b`, `\f`, `\n`, `\r`, `\t`, `\xHH`, the string's own quote
   * character, and `\ ` (tolerated for old rules) which yields a single backslash. Throws on
   * an unterminated string or an unknown escape.
   */
  quoted(): QuotedToken | undefined {
    const q = this.peek();
    if (q !== '"' && q !== "'") return undefined;
    const start = this.position();
    const src = this.src;
    const open = this.offset;
    // the first quote character not right after a backslash (the opening quote is not one)
    let close = src.indexOf(q, open + 1);
    while (close >= 0 && src.charCodeAt(close - 1) === 92 /* \\ */) close = src.indexOf(q, close + 1);
    if (close === -1) throw this.error('unterminated quoted string', start);
    if (this.backslashFrom < 0 || open + 1 < this.backslashFrom || this.nextBackslash <= open) {
      this.backslashFrom = open + 1;
      this.nextBackslash = nextIndex(src, '\\', open + 1);
    }
    if (this.nextBackslash > close) {
      // nothing to unescape: the common case
      const raw = src.slice(open, close + 1);
      this.advance(close + 1 - open);
      return { value: raw.slice(1, -1), raw };
    }
    let value = '';
    for (let i = open + 1; i < close; ) {
      const ch = src.charAt(i);
      if (ch !== '\\') {
        value += ch;
        i++;
        continue;
      }
      const e = src.charAt(i + 1);
      const escPos = this.positionAt(i);
      switch (e) {
        case 'b':
          value += '\b';
          break;
        case 'f':
          value += '\f';
          break;
        case 'n':
          value += '\n';
          break;
        case 'r':
          value += '\r';
          break;
        case 't':
          value += '\t';
          break;
        case ' ':
        case '\\':
          value += '\\';
          break;
        case '/':
          value += '/';
          break;
        case '"':
        case "'":
          if (e !== q) {
            throw this.error(`invalid escape \\${e} in a ${q}-quoted string`, escPos);
          }
          value += e;
          break;
        case 'x': {
          const hex = i + 4 <= close ? src.slice(i + 2, i + 4) : src.slice(i + 2, close);
          if (!/^[0-9a-fA-F]{2}$/.test(hex)) {
            throw this.error(`invalid hex escape \\x${hex}: expected two hex digits`, escPos);
          }
          value += String.fromCharCode(parseInt(hex, 16));
          i += 2;
          break;
        }
        default:
          throw this.error(`unsupported escape sequence \\${e}`, escPos);
      }
      i += 2;
    }
    const raw = src.slice(open, close + 1);
    this.advance(close + 1 - open);
    return { value, raw };
  }

  /** The position of an offset at or after the cursor, without moving. */
  positionAt(offset: number): Position {
    const saved = this.save();
    this.advance(offset - this.offset);
    const p = this.position();
    this.restore(saved);
    return p;
  }

  /** A short excerpt of the text at the cursor, for messages: the next word, or the next character. */
  excerpt(): string {
    if (this.atEnd()) return '';
    let i = this.offset;
    while (i < this.src.length && isBlank(this.src.charAt(i))) i++;
    if (i >= this.src.length) return this.peek();
    const m = /[^\s\b]+/y;
    m.lastIndex = i;
    const r = m.exec(this.src);
    const word = r ? r[0] : this.peek();
    return word.length > 24 ? word.slice(0, 24) + '...' : word;
  }
}
