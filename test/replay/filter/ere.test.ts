import { beforeEach, describe, expect, it } from 'vitest';
import { compileEre, RegexSyntaxError } from '../../../src/replay/filter/ere.js';

let engine: 'regexp' | 'nfa' = 'regexp';
const m = (re: string, s: string) => compileEre(re, { engine }).test(s);
const bad = (re: string) => {
  try {
    compileEre(re);
  } catch (e) {
    expect(e).toBeInstanceOf(RegexSyntaxError);
    return (e as Error).message;
  }
  throw new Error(`accepted ${re}`);
};

describe.each(['regexp', 'nfa'] as const)('ERE matching (whole string), %s engine', (eng) => {
  beforeEach(() => {
    engine = eng;
  });

  it('literals and anchoring', () => {
    expect(m('abc', 'abc')).toBe(true);
    expect(m('abc', 'xabc')).toBe(false);
    expect(m('abc', 'abcx')).toBe(false);
    expect(m('^abc$', 'abc')).toBe(true);
    expect(m('', '')).toBe(true);
    expect(m('', 'a')).toBe(false);
  });

  it('dot matches anything but newline', () => {
    expect(m('a.c', 'abc')).toBe(true);
    expect(m('a.c', 'a\nc')).toBe(false);
    expect(m('a.c', 'a\rc')).toBe(true);
    expect(m('a.c', 'a\u2028c')).toBe(true);
    expect(m('.', '\u{1F600}')).toBe(true); // one code point
  });

  it('^ and $ also match at line boundaries (RE2 POSIX mode is not one-line)', () => {
    expect(m('a\\n^b', 'a\nb')).toBe(true);
    expect(m('a$\\nb', 'a\nb')).toBe(true);
    expect(m('a^b', 'ab')).toBe(false);
    expect(m('a$\\rb', 'a\rb')).toBe(false);
  });

  it('repetition', () => {
    expect(m('a*', '')).toBe(true);
    expect(m('a+', '')).toBe(false);
    expect(m('ab?c', 'ac')).toBe(true);
    expect(m('a{2}', 'aa')).toBe(true);
    expect(m('a{2}', 'aaa')).toBe(false);
    expect(m('a{2,}', 'aaaa')).toBe(true);
    expect(m('a{2,3}', 'aaaa')).toBe(false);
    expect(m('(ab){1,2}c', 'ababc')).toBe(true);
    expect(m('a{0}b', 'b')).toBe(true);
  });

  it('a { that does not start a repetition is literal', () => {
    expect(m('a{', 'a{')).toBe(true);
    expect(m('a{x}', 'a{x}')).toBe(true);
    expect(m('a{,2}', 'a{,2}')).toBe(true);
    expect(m('{', '{')).toBe(true);
  });

  it('alternation and groups', () => {
    expect(m('cat|dog', 'dog')).toBe(true);
    expect(m('(cat|dog)s', 'cats')).toBe(true);
    expect(m('a|', '')).toBe(true);
    expect(m('(|a)b', 'b')).toBe(true);
    expect(m('()', '')).toBe(true);
    expect(m('a(b|c)*d', 'abcbcd')).toBe(true);
  });

  it('bracket expressions', () => {
    expect(m('[abc]+', 'cab')).toBe(true);
    expect(m('[^abc]', 'd')).toBe(true);
    expect(m('[^abc]', 'a')).toBe(false);
    expect(m('[^a]', '\n')).toBe(true); // negated classes match newline
    expect(m('[]a]+', ']a]')).toBe(true);
    expect(m('[^]a]', ']')).toBe(false);
    expect(m('[a-]+', 'a-')).toBe(true);
    expect(m('[-a]+', '-a')).toBe(true);
    expect(m('[a-c]+', 'abc')).toBe(true);
    expect(m('[a-c]', 'd')).toBe(false);
    expect(m('[.*+?(){}|^$]+', '.*+?(){}|^$')).toBe(true);
    expect(m('[\\]]', ']')).toBe(true); // RE2 allows escapes in brackets
    expect(m('[\\n]', '\n')).toBe(true);
    expect(m('[[]', '[')).toBe(true);
  });

  it('POSIX classes', () => {
    expect(m('[[:alpha:]]+', 'abcXYZ')).toBe(true);
    expect(m('[[:digit:]]+', '0123')).toBe(true);
    expect(m('[[:alnum:]_]+', 'a_1')).toBe(true);
    expect(m('[[:space:]]+', ' \t\n\v\f\r')).toBe(true);
    expect(m('[[:upper:][:digit:]]+', 'A1')).toBe(true);
    expect(m('[[:upper:]]', 'a')).toBe(false);
    expect(m('[[:xdigit:]]+', 'deadBEEF09')).toBe(true);
    expect(m('[[:punct:]]+', '!/:@[`{~')).toBe(true);
    expect(m('[[:punct:]]', 'a')).toBe(false);
    expect(m('[[:^digit:]]+', 'abc')).toBe(true);
    expect(m('[[:^digit:]]', '1')).toBe(false);
    expect(m('[[:^digit:]]', 'é')).toBe(true);
    expect(m('[^[:digit:]]', 'x')).toBe(true);
    expect(m('[^[:digit:]]', '5')).toBe(false);
    expect(m('[^[:^digit:]]', '5')).toBe(true);
    expect(m('[^[:^digit:]]', 'x')).toBe(false);
  });

  it('escapes', () => {
    expect(m('a\\.b', 'a.b')).toBe(true);
    expect(m('a\\.b', 'axb')).toBe(false);
    expect(m('\\(\\)\\[\\]\\{\\}\\*\\+\\?\\|\\^\\$\\\\', '()[]{}*+?|^$\\')).toBe(true);
    expect(m('\\t\\n\\r\\f\\v\\a', '\t\n\r\f\v\x07')).toBe(true);
    expect(m('\\x41\\x{1F600}', 'A\u{1F600}')).toBe(true);
    expect(m('\\101\\0', 'A\0')).toBe(true); // octal
    expect(m('\\-\\/\\:\\ ', '-/: ')).toBe(true);
  });

  it('JS-only syntax in the input is treated as POSIX would', () => {
    // no named groups, lookaheads or lazy quantifiers leak through
    expect(bad('(?=a)a')).toMatch(/not POSIX/);
    expect(bad('(?:a)')).toMatch(/not POSIX/);
    expect(bad('(?i)a')).toMatch(/not POSIX/);
    expect(bad('a*?')).toBe('bad repetition operator: *?');
    expect(bad('a+?')).toBe('bad repetition operator: +?');
    expect(bad('a**')).toBe('bad repetition operator: **');
    expect(bad('a{2}{3}')).toBe('bad repetition operator: {3}');
    // `/` and other JS delimiters are plain characters
    expect(m('/usr/bin/.*', '/usr/bin/x')).toBe(true);
  });

  it('real rule patterns', () => {
    expect(m('.*(miner|xmrig|cpuminer).*', 'run-xmrig-now')).toBe(true);
    expect(m('^/proc/[0-9]+/(environ|cmdline)$', '/proc/123/environ')).toBe(true);
    expect(m('^/proc/[0-9]+/(environ|cmdline)$', '/proc/self/environ')).toBe(false);
    expect(m('[a-zA-Z0-9+/]{20,}={0,2}', 'aGVsbG8gd29ybGQgaGVsbG8=')).toBe(true);
  });

  it('matches nested repetitions', () => {
    expect(m('(a|aa)*b', 'aaaab')).toBe(true);
    expect(m('(a|aa)*b', 'aaaa')).toBe(false);
    expect(m('(a+)+', 'aaa')).toBe(true);
    expect(m('((ab)*c)+', 'ababcc')).toBe(true);
    expect(m('(x{2,3}y?){2}', 'xxxyxx')).toBe(true);
    expect(m('(x{2,3}y?){2}', 'xxxyx')).toBe(false);
  });
});

describe('engine choice and backtracking safety', () => {
  it('uses the NFA for patterns that could backtrack badly', () => {
    expect(compileEre('abc').engine).toBe('regexp');
    expect(compileEre('.*(miner|xmrig).*').engine).toBe('regexp');
    expect(compileEre('[a-z]+[0-9]{2}').engine).toBe('regexp');
    expect(compileEre('(a|aa)*b').engine).toBe('nfa');
    expect(compileEre('(a+)+b').engine).toBe('nfa');
    expect(compileEre('.*a.*b.*c.*d').engine).toBe('nfa');
  });

  it('stays linear on hostile input', () => {
    const input = 'a'.repeat(20000);
    const t0 = Date.now();
    expect(compileEre('(a|aa)*b').test(input)).toBe(false);
    expect(compileEre('(a+)+b').test(input)).toBe(false);
    expect(compileEre('.*a.*a.*a.*b').test(input)).toBe(false);
    expect(Date.now() - t0).toBeLessThan(5000);
  });
});

describe('ERE errors', () => {
  it.each([
    ['(a)\\1', 'backreferences are not supported: \\1'],
    ['(a)\\9', 'backreferences are not supported: \\9'],
    ['\\d', 'invalid escape sequence: \\d'],
    ['\\w+', 'invalid escape sequence: \\w'],
    ['\\s', 'invalid escape sequence: \\s'],
    ['\\bword', 'invalid escape sequence: \\b'],
    ['[\\b]', 'invalid escape sequence: \\b'],
    ['\\pL', 'invalid escape sequence: \\p'],
    ['\\Qa\\E', 'invalid escape sequence: \\Q'],
    ['\\A', 'invalid escape sequence: \\A'],
    ['\\z', 'invalid escape sequence: \\z'],
    ['\\xZZ', 'invalid escape sequence: \\xZZ'],
    ['a\\', 'trailing \\'],
    ['(a', "missing ')'"],
    ['a)', "unexpected ')'"],
    ['[a', 'missing ]'],
    ['[]', 'missing ]'],
    ['[z-a]', 'invalid character class range: z-a'],
    ['[[:foo:]]', 'invalid character class range: [:foo:]'],
    ['*a', 'missing argument to repetition operator: *'],
    ['a|*', 'missing argument to repetition operator: *'],
    ['(+)', 'missing argument to repetition operator: +'],
    ['{2}', 'missing argument to repetition operator: {'],
    ['a{1001}', 'bad repetition operator: {1001}'],
    ['a{3,2}', 'bad repetition operator: {3,2}'],
  ])('%s', (re, msg) => {
    expect(bad(re)).toBe(msg);
  });
});
