import { describe, expect, it } from 'vitest';
import { compileGlob } from '../../../src/replay/filter/glob.js';
import { compilePmatch } from '../../../src/replay/filter/operators.js';

const g = (p: string, s: string, ci = false) => compileGlob(p, ci)(s);

describe('glob (fnmatch, flags 0)', () => {
  it('literals, * and ?', () => {
    expect(g('abc', 'abc')).toBe(true);
    expect(g('abc', 'abcd')).toBe(false);
    expect(g('*', '')).toBe(true);
    expect(g('*', 'a/b/.c')).toBe(true); // no FNM_PATHNAME / FNM_PERIOD
    expect(g('a*c', 'abbbc')).toBe(true);
    expect(g('a*c', 'abbbcd')).toBe(false);
    expect(g('*a*b*', 'xxaxxbxx')).toBe(true);
    expect(g('*a*b*', 'xxbxxaxx')).toBe(false);
    expect(g('a*b*a', 'aba')).toBe(true);
    expect(g('a*a', 'a')).toBe(false);
    expect(g('?', 'é')).toBe(true);
    expect(g('??', 'a')).toBe(false);
    expect(g('a?c*', 'abcdef')).toBe(true);
    expect(g('**x', 'abx')).toBe(true);
  });

  it('bracket expressions', () => {
    expect(g('[abc]', 'b')).toBe(true);
    expect(g('[abc]', 'd')).toBe(false);
    expect(g('[!abc]', 'd')).toBe(true);
    expect(g('[^abc]', 'a')).toBe(false);
    expect(g('[a-c]x', 'bx')).toBe(true);
    expect(g('[]a]', ']')).toBe(true);
    expect(g('[!]a]', ']')).toBe(false);
    expect(g('[a-]', '-')).toBe(true);
    expect(g('[[:digit:]]*', '9lives')).toBe(true);
    expect(g('[[:alpha:]]', '1')).toBe(false);
    expect(g('[[:upper:][:digit:]]', 'Q')).toBe(true);
    expect(g('[\\]]', ']')).toBe(true);
    expect(g('*.[ch]', 'main.c')).toBe(true);
    expect(g('*.[ch]', 'main.o')).toBe(false);
  });

  it('unclosed [ is a literal; unknown class fails the match', () => {
    expect(g('[abc', '[abc')).toBe(true);
    expect(g('a[', 'a[')).toBe(true);
    expect(g('[[:nope:]]', 'a')).toBe(false);
  });

  it('backslash escapes', () => {
    expect(g('\\*', '*')).toBe(true);
    expect(g('\\*', 'a')).toBe(false);
    expect(g('a\\?', 'a?')).toBe(true);
    expect(g('\\[x]', '[x]')).toBe(true);
  });

  it('case folding (iglob), ASCII only', () => {
    expect(g('/ETC/*', '/etc/passwd', true)).toBe(true);
    expect(g('[A-C]x', 'bX', true)).toBe(true);
    expect(g('[[:upper:]]', 'a', true)).toBe(true);
    expect(g('É', 'é', true)).toBe(false);
    expect(g('abc', 'ABC', false)).toBe(false);
  });
});

describe('pmatch (path prefixes)', () => {
  it('matches whole leading components', () => {
    const m = compilePmatch(['/usr/lib', '/etc', '/home/*/.ssh', 'relative/dir']);
    expect(m('/usr/lib')).toBe(true);
    expect(m('/usr/lib/x/y')).toBe(true);
    expect(m('/usr/lib64/x')).toBe(false);
    expect(m('/usr')).toBe(false);
    expect(m('/etc/')).toBe(true);
    expect(m('//etc//passwd')).toBe(true);
    expect(m('/home/alice/.ssh/authorized_keys')).toBe(true);
    expect(m('/home/alice/.sshx')).toBe(false);
    expect(m('/relative/dir/f')).toBe(true);
    expect(m('')).toBe(false);
  });

  it('literal-only patterns (fast path) agree with the component rules', () => {
    const m = compilePmatch(['/usr/lib', '/etc/', 'opt//x']);
    expect(m('/usr/lib')).toBe(true);
    expect(m('/usr/lib/')).toBe(true);
    expect(m('/usr/lib/a')).toBe(true);
    expect(m('/usr/libx')).toBe(false);
    expect(m('/usr')).toBe(false);
    expect(m('/etc')).toBe(true);
    expect(m('/etc/passwd')).toBe(true);
    expect(m('/opt/x/y')).toBe(true);
    expect(m('/opt/xy')).toBe(false);
    expect(m('//usr///lib//a')).toBe(true);
    expect(m('usr/lib/a')).toBe(true);
    expect(m('x/usr/lib')).toBe(false);
  });

  it('the root matches everything; no patterns match nothing', () => {
    expect(compilePmatch(['/'])('/x')).toBe(true);
    expect(compilePmatch([])('/x')).toBe(false);
  });
});
