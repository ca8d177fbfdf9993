import { describe, expect, it } from 'vitest';
import { Scanner, isBlank } from '../../../src/replay/filter/lexer.js';
import { ConditionError } from '../../../src/replay/filter/errors.js';

describe('Scanner token classes', () => {
  it('identifiers start with a letter and continue with letters, digits, _', () => {
    expect(new Scanner('spawned_process and').identifier()).toBe('spawned_process');
    expect(new Scanner('a1_b2 x').identifier()).toBe('a1_b2');
    expect(new Scanner('_x').identifier()).toBeUndefined();
    expect(new Scanner('1abc').identifier()).toBeUndefined();
  });

  it('field names need at least two dotted parts, each starting with a letter', () => {
    expect(new Scanner('proc.name=1').fieldName()).toBe('proc.name');
    expect(new Scanner('evt.arg.name').fieldName()).toBe('evt.arg.name');
    expect(new Scanner('k8s.ns.name x').fieldName()).toBe('k8s.ns.name');
    expect(new Scanner('proc').fieldName()).toBeUndefined();
    expect(new Scanner('proc.1x').fieldName()).toBeUndefined();
    // a trailing part that starts with a digit is not part of the name
    expect(new Scanner('evt.arg.3').fieldName()).toBe('evt.arg');
  });

  it('field-argument bare strings stop at blanks, quotes and brackets only', () => {
    expect(new Scanner('HOME]').fieldArgBare()).toBe('HOME');
    expect(new Scanner('/user/name,(x)]').fieldArgBare()).toBe('/user/name,(x)');
    expect(new Scanner('a b]').fieldArgBare()).toBe('a');
    expect(new Scanner(']').fieldArgBare()).toBeUndefined();
  });

  it('numbers: sign, decimals, exponents; hex', () => {
    expect(new Scanner('-12 ').number()).toBe('-12');
    expect(new Scanner('+3.25e+10)').number()).toBe('+3.25e+10');
    expect(new Scanner('5.').number()).toBe('5.');
    expect(new Scanner('1e5').number()).toBe('1'); // exponent needs a sign
    expect(new Scanner('0x1F,').hexNumber()).toBe('0x1F');
    expect(new Scanner('0xg').hexNumber()).toBeUndefined();
    expect(new Scanner('0x10').numeric()).toBe('0x10');
    expect(new Scanner('abc').numeric()).toBeUndefined();
  });

  it('bare strings exclude blanks, quotes, parentheses, commas and =', () => {
    expect(new Scanner('/usr/bin/x* and').bareString()).toBe('/usr/bin/x*');
    expect(new Scanner('a,b').bareString()).toBe('a');
    expect(new Scanner('a)b').bareString()).toBe('a');
    expect(new Scanner('a=b').bareString()).toBe('a');
    expect(new Scanner('[x]!<>:.;').bareString()).toBe('[x]!<>:.;');
    expect(new Scanner('"x"').bareString()).toBeUndefined();
    expect(new Scanner('(').bareString()).toBeUndefined();
  });

  it('blank characters', () => {
    for (const c of [' ', '\t', '\n', '\r', '\b', '\v', '\f']) expect(isBlank(c)).toBe(true);
    expect(isBlank('a')).toBe(false);
    expect(isBlank('')).toBe(false);
  });
});

describe('quoted strings', () => {
  const q = (s: string) => new Scanner(s).quoted();

  it('double and single quotes, raw text kept', () => {
    expect(q('"b c" rest')).toEqual({ value: 'b c', raw: '"b c"' });
    expect(q("'d'")).toEqual({ value: 'd', raw: "'d'" });
    expect(q('x')).toBeUndefined();
  });

  it('escapes', () => {
    expect(q('"a\\"b"')!.value).toBe('a"b');
    expect(q("'a\\'b'")!.value).toBe("a'b");
    expect(q('"\\n\\t\\r\\b\\f"')!.value).toBe('\n\t\r\b\f');
    expect(q('"c:\\\\dir"')!.value).toBe('c:\\dir');
    expect(q('"a\\/b"')!.value).toBe('a/b');
    expect(q('"\\x41\\x7a"')!.value).toBe('Az');
    // libsinsp tolerates "\ " and turns it into a backslash
    expect(q('"a\\ b"')!.value).toBe('a\\b');
    // the other quote needs no escape
    expect(q('"it\'s"')!.value).toBe("it's");
  });

  it('a quote preceded by a backslash never closes the string (libsinsp scanning rule)', () => {
    // 'x \' \\'' : the third quote follows a backslash, so the fourth one closes
    expect(q("'x \\' \\\\''")).toEqual({ value: "x ' \\'", raw: "'x \\' \\\\''" });
    expect(q('"a\\\\" b"')!.value).toBe('a\\" b');
  });

  it('rejects bad escapes and unterminated strings with positions', () => {
    expect(() => q('"a\\qb"')).toThrow('1:3: unsupported escape sequence \\q');
    expect(() => q('"a\\\'"')).toThrow("1:3: invalid escape \\' in a \"-quoted string");
    expect(() => q("'\\\"'")).toThrow('1:2: invalid escape \\" in a \'-quoted string');
    expect(() => q('"\\x4"')).toThrow('invalid hex escape');
    expect(() => q('"abc')).toThrow('1:1: unterminated quoted string');
    expect(() => q('"abc\\"')).toThrow('unterminated quoted string');
    try {
      q('"abc');
    } catch (e) {
      expect(e).toBeInstanceOf(ConditionError);
      expect((e as ConditionError).line).toBe(1);
      expect((e as ConditionError).column).toBe(1);
    }
  });
});

describe('positions', () => {
  it('tracks lines and columns; \\r\\n is one line break', () => {
    const s = new Scanner('ab\ncd\r\nef\rg');
    s.advance(3);
    expect(s.position()).toEqual({ offset: 3, line: 2, column: 1 });
    s.advance(4);
    expect(s.position()).toEqual({ offset: 7, line: 3, column: 1 });
    s.advance(2);
    expect(s.position()).toEqual({ offset: 9, line: 3, column: 3 });
    s.advance(1);
    expect(s.position()).toEqual({ offset: 10, line: 4, column: 1 });
  });

  it('save/restore and positionAt', () => {
    const s = new Scanner('x\nyz');
    const st = s.save();
    expect(s.positionAt(3)).toEqual({ offset: 3, line: 2, column: 2 });
    expect(s.position()).toEqual({ offset: 0, line: 1, column: 1 });
    s.advance(4);
    s.restore(st);
    expect(s.index).toBe(0);
  });

  it('eatWord needs a word boundary', () => {
    const s = new Scanner('inode in');
    expect(s.eatWord('in')).toBe(false);
    expect(s.eat('inode')).toBe(true);
    s.skipBlanks();
    expect(s.eatWord('in')).toBe(true);
    expect(s.atEnd()).toBe(true);
  });

  it('errors use the source location options', () => {
    const s = new Scanner('"abc', { file: 'rules.yaml', lineOffset: 9, columnOffset: 14 });
    expect(() => s.quoted()).toThrow('rules.yaml:10:15: unterminated quoted string');
  });
});

describe('line tracking shortcuts (start-up work)', () => {
  /** The position every method must report: counted from the offset with advance's rule. */
  const counted = (src: string, offset: number) => {
    let line = 1;
    let lineStart = 0;
    for (let i = 0; i < offset; i++) {
      const c = src[i];
      if (c === '\n' || (c === '\r' && src[i + 1] !== '\n')) {
        line++;
        lineStart = i + 1;
      }
    }
    return { offset, line, column: offset - lineStart + 1 };
  };

  it('skipBlanks counts \\n, \\r\\n and a lone \\r among the blanks, as advance does', () => {
    const src = 'a \n\t\r\n \r  \r\n\v\f\bb\r';
    const s = new Scanner(src);
    s.advance(1);
    expect(s.skipBlanks()).toBe(true);
    expect(s.position()).toEqual(counted(src, src.indexOf('b')));
    expect(s.skipBlanks()).toBe(false);
    s.advance(1);
    expect(s.skipBlanks()).toBe(true);
    expect(s.position()).toEqual(counted(src, src.length));
  });

  it('tokens, quoted strings and blanks across lines report the counted positions', () => {
    const src = 'proc.name in (\r\n  "a\\tb", \'c\'\n  , x.y,\r"multi\nline", 0x1F, 12\n) and not fd.name[/x] = "\\x41"';
    const s = new Scanner(src);
    const seen: unknown[] = [];
    while (!s.atEnd()) {
      s.skipBlanks();
      expect(s.position()).toEqual(counted(src, s.index));
      const t = s.quoted()?.value ?? s.fieldName() ?? s.numeric() ?? s.identifier() ?? s.bareString() ?? (s.advance(1), '');
      seen.push(t);
      expect(s.position()).toEqual(counted(src, s.index));
    }
    expect(seen).toContain('a\tb');
    expect(seen).toContain('multi\nline');
    expect(seen).toContain('A');
  });

  it('quoted strings with and without escapes, also after moving back before an escape', () => {
    const s = new Scanner('"plain" "esc\\"aped" \'x\'');
    const start = s.save();
    expect(s.quoted()).toEqual({ value: 'plain', raw: '"plain"' });
    s.skipBlanks();
    expect(s.quoted()).toEqual({ value: 'esc"aped', raw: '"esc\\"aped"' });
    s.skipBlanks();
    expect(s.quoted()).toEqual({ value: 'x', raw: "'x'" });
    // back to the start: the escape in the second string is found again
    s.restore(start);
    expect(s.quoted()?.value).toBe('plain');
    s.skipBlanks();
    expect(s.quoted()?.value).toBe('esc"aped');
    // a string ending in a backslash-quote is not closed by it
    expect(() => new Scanner('"a\\"').quoted()).toThrow(/unterminated quoted string/);
    expect(new Scanner('""').quoted()).toEqual({ value: '', raw: '""' });
  });
});
