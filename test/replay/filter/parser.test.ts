import { describe, expect, it } from 'vitest';
import { parseCondition, parseFieldOrTransformer } from '../../../src/replay/filter/parser.js';
import { toConditionString, walk, type Expr, type Node } from '../../../src/replay/filter/ast.js';
import { ConditionError } from '../../../src/replay/filter/errors.js';
import { SourceError } from '../../../src/errors.js';

const str = (c: string) => toConditionString(parseCondition(c));

function err(c: string): string {
  try {
    parseCondition(c);
  } catch (e) {
    expect(e).toBeInstanceOf(ConditionError);
    expect(e).toBeInstanceOf(SourceError);
    return (e as Error).message;
  }
  throw new Error(`no error for ${c}`);
}

describe('boolean structure and precedence', () => {
  it('not binds tighter than and, and tighter than or', () => {
    expect(str('not a and b or c')).toBe('((not a and b) or c)');
    expect(str('a or b and c')).toBe('(a or (b and c))');
    expect(str('a and not b or not c and d')).toBe('((a and not b) or (not c and d))');
  });

  it('flattens chains into n-ary nodes', () => {
    const e = parseCondition('a and b and c or d or e');
    expect(e.kind).toBe('or');
    if (e.kind !== 'or') return;
    expect(e.children).toHaveLength(3);
    expect(e.children[0]!.kind).toBe('and');
    if (e.children[0]!.kind === 'and') expect(e.children[0]!.children).toHaveLength(3);
  });

  it('parentheses', () => {
    expect(str('(a or b) and c')).toBe('((a or b) and c)');
    expect(str('((a))')).toBe('a');
    expect(str('a and(b or c)')).toBe('(a and (b or c))');
    expect(str('a or(b)')).toBe('(a or b)');
    expect(str('not(a or b)')).toBe('not (a or b)');
    expect(str('not (a)')).toBe('not a');
  });

  it('repeated not nests', () => {
    const e = parseCondition('not not a');
    expect(e.kind).toBe('not');
    if (e.kind === 'not') expect(e.child.kind).toBe('not');
    expect(str('not not not(a)')).toBe('not not not a');
  });

  it('keywords need a blank or ( after them, and identifiers may start with keywords', () => {
    expect(str('notation')).toBe('notation');
    expect(str('android and oregon')).toBe('(android and oregon)');
    expect(str('a\nand\tb\r\nor c')).toBe('((a and b) or c)');
  });

  it('identifiers are macro references', () => {
    const e = parseCondition('spawned_process');
    expect(e).toEqual({ kind: 'identifier', name: 'spawned_process', pos: { offset: 0, line: 1, column: 1 }, end: 15 });
  });
});

describe('checks and operators', () => {
  it.each([
    ['proc.name = bash', 'proc.name = bash'],
    ['proc.name == bash', 'proc.name == bash'],
    ['proc.name=bash', 'proc.name = bash'],
    ['proc.name != bash', 'proc.name != bash'],
    ['evt.count < 5', 'evt.count < 5'],
    ['evt.count<=5', 'evt.count <= 5'],
    ['evt.count > -5', 'evt.count > -5'],
    ['evt.count >= 0x10', 'evt.count >= 0x10'],
    ['proc.name contains sh', 'proc.name contains sh'],
    ['proc.name icontains SH', 'proc.name icontains SH'],
    ['evt.buffer bcontains 0a0b', 'evt.buffer bcontains 0a0b'],
    ['proc.name startswith ba', 'proc.name startswith ba'],
    ['evt.buffer bstartswith 7f454c46', 'evt.buffer bstartswith 7f454c46'],
    ['proc.name endswith sh', 'proc.name endswith sh'],
    ['fd.name glob /etc/*', 'fd.name glob /etc/*'],
    ['fd.name iglob /ETC/*', 'fd.name iglob /ETC/*'],
    ['proc.name in (a, b)', 'proc.name in (a, b)'],
    ['proc.name intersects (a)', 'proc.name intersects (a)'],
    ['fd.name pmatch (/etc, /usr)', 'fd.name pmatch (/etc, /usr)'],
    ['proc.name regex "^ba.*"', 'proc.name regex "^ba.*"'],
    ['proc.name exists', 'proc.name exists'],
  ])('%s', (input, expected) => {
    expect(str(input)).toBe(expected);
  });

  it('= keeps == distinct in the tree', () => {
    const e = parseCondition('proc.name == x');
    expect(e.kind === 'binary' && e.op).toBe('==');
  });

  it('list operators need no blank before (', () => {
    expect(str('proc.name in(a,b)')).toBe('proc.name in (a, b)');
    expect(str('fd.name pmatch(/etc)')).toBe('fd.name pmatch (/etc)');
  });

  it('bare values may contain most punctuation', () => {
    const e = parseCondition('fd.name = /usr/lib/x86_64-linux-gnu/*.so.[0-9]!<>');
    expect(e.kind === 'binary' && e.right.kind === 'value' && e.right.value).toBe('/usr/lib/x86_64-linux-gnu/*.so.[0-9]!<>');
  });

  it('quoted values record that they were quoted', () => {
    const e = parseCondition('proc.name = "a b"');
    expect(e.kind === 'binary' && e.right).toMatchObject({ kind: 'value', value: 'a b', quoted: true });
    const f = parseCondition("proc.name = 'x'");
    expect(f.kind === 'binary' && f.right).toMatchObject({ kind: 'value', value: 'x', quoted: true });
    const g = parseCondition('proc.name = x');
    expect(g.kind === 'binary' && g.right).toMatchObject({ kind: 'value', value: 'x', quoted: false });
  });

  it('list values: quoted and bare, numbers, empty lists', () => {
    const e = parseCondition(`proc.name in (a, "b c", 'd', 1, 0x10, /x/y)`);
    if (e.kind !== 'binary' || e.right.kind !== 'list') throw new Error('shape');
    expect(e.right.items.map((i) => [i.value, i.quoted])).toEqual([
      ['a', false],
      ['b c', true],
      ['d', true],
      ['1', false],
      ['0x10', false],
      ['/x/y', false],
    ]);
    expect(e.right.items[1]!.pos).toEqual({ offset: 17, line: 1, column: 18 });
    const empty = parseCondition('proc.name in ()');
    expect(empty.kind === 'binary' && empty.right.kind === 'list' && empty.right.items).toEqual([]);
    expect(str('proc.name in ( a ,b , c )')).toBe('proc.name in (a, b, c)');
    expect(str('proc.name in (\n  a,\n  b\n)')).toBe('proc.name in (a, b)');
  });

  it('a list name after a list operator is an IdentifierRef', () => {
    const e = parseCondition('proc.name in shell_binaries');
    expect(e.kind === 'binary' && e.right).toMatchObject({ kind: 'identifier', name: 'shell_binaries' });
  });

  it('operator modifiers oneof/anyof/allof take a list', () => {
    const e = parseCondition('proc.name startswith anyof (a, b)');
    expect(e).toMatchObject({ kind: 'binary', op: 'startswith', modifier: 'anyof', right: { kind: 'list' } });
    expect(str('proc.name = oneof (a)')).toBe('proc.name = oneof (a)');
    expect(str('proc.name contains allof my_list')).toBe('proc.name contains allof my_list');
    // not a modifier when no list follows: a plain value
    expect(str('proc.name = anyof')).toBe('proc.name = anyof');
    expect(str('proc.name = anyof and a')).toBe('(proc.name = anyof and a)');
    // without a blank after the symbol operator, 'anyof' is a plain value (as in libsinsp)
    expect(err('proc.name =anyof (a)')).toBe("1:18: unexpected '(a)': expected 'and', 'or' or the end of the condition");
  });

  it('exists and list operators need no blank after them (as libsinsp)', () => {
    expect(err('proc.name existsx')).toBe("1:17: unexpected 'x': expected 'and', 'or' or the end of the condition");
    expect(str('proc.name existsand macro')).toBe('(proc.name exists and macro)');
    expect(parseCondition('proc.name inlist')).toMatchObject({ op: 'in', right: { kind: 'identifier', name: 'list' } });
    expect(parseCondition('proc.name intersects(a)')).toMatchObject({ op: 'intersects' });
  });
});

describe('fields and transformers', () => {
  it('field arguments: bare, quoted, with punctuation', () => {
    expect(parseCondition('proc.aname[2] = x')).toMatchObject({ left: { kind: 'field', name: 'proc.aname', arg: '2' } });
    expect(parseCondition('proc.env[HOME] = x')).toMatchObject({ left: { name: 'proc.env', arg: 'HOME', argPos: { column: 10 } } });
    expect(parseCondition('json.value["a b"] = x')).toMatchObject({ left: { arg: 'a b' } });
    expect(parseCondition('json.value[/a/(b),c] = x')).toMatchObject({ left: { arg: '/a/(b),c' } });
    expect(parseCondition('evt.arg[0] = x')).toMatchObject({ left: { name: 'evt.arg', arg: '0' } });
    expect(parseCondition('evt.arg.name = x')).toMatchObject({ left: { name: 'evt.arg.name' } });
  });

  it('transformers nest on the left', () => {
    const e = parseCondition('len(basename(tolower(fd.name))) > 3');
    expect(e).toMatchObject({
      kind: 'binary',
      op: '>',
      left: { kind: 'transformer', name: 'len', args: [{ kind: 'transformer', name: 'basename', args: [{ name: 'tolower' }] }] },
    });
    expect(str('toupper( proc.name ) = X')).toBe('toupper(proc.name) = X');
    expect(str('b64(evt.buffer) bcontains 00')).toBe('b64(evt.buffer) bcontains 00');
  });

  it('val() and transformers on the right', () => {
    expect(parseCondition('proc.name = val(proc.pname)')).toMatchObject({
      right: { kind: 'transformer', name: 'val', args: [{ kind: 'field', name: 'proc.pname' }] },
    });
    expect(str('proc.pid > val( proc.ppid )')).toBe('proc.pid > val(proc.ppid)');
    expect(str('proc.name in val(test.list)')).toBe('proc.name in val(test.list)');
    expect(str('proc.name = tolower(proc.pname)')).toBe('proc.name = tolower(proc.pname)');
  });

  it('multi-argument transformers parse (join/concat/getopt)', () => {
    expect(str('concat(proc.name, "-", proc.pname) = a-b')).toBe('concat(proc.name, "-", proc.pname) = a-b');
    expect(str('join(",", (proc.name, fd.name)) = x')).toBe('join(",", (proc.name, fd.name)) = x');
  });

  it('transformer arguments after the parenthesis', () => {
    expect(parseCondition('tolower(proc.env)[HOME] = x')).toMatchObject({ left: { kind: 'transformer', arg: 'HOME' } });
  });

  it('parseFieldOrTransformer', () => {
    expect(parseFieldOrTransformer('proc.aname[1]')).toMatchObject({ kind: 'field', name: 'proc.aname', arg: '1' });
    expect(parseFieldOrTransformer(' tolower(proc.name) ')).toMatchObject({ kind: 'transformer', name: 'tolower' });
    expect(() => parseFieldOrTransformer('proc.name x')).toThrow("1:11: unexpected 'x' after the field");
    expect(() => parseFieldOrTransformer('foo')).toThrow("1:1: expected a field or a transformer, found 'foo'");
  });
});

describe('positions', () => {
  it('every node has offset, line and column', () => {
    const text = 'a and\n  proc.name in (x, "y")\n  or not tolower(fd.name) = val(proc.pname)';
    const e = parseCondition(text);
    const seen: Node[] = [];
    walk(e, (n) => {
      seen.push(n);
      expect(n.pos.offset).toBeGreaterThanOrEqual(0);
      expect(n.end).toBeGreaterThan(n.pos.offset);
      expect(n.end).toBeLessThanOrEqual(text.length);
    });
    expect(seen.length).toBeGreaterThan(10);
    const byKind = (k: string) => seen.filter((n) => n.kind === k);
    expect(byKind('binary')[0]!.pos).toEqual({ offset: 8, line: 2, column: 3 });
    expect(byKind('list')[0]!.pos).toEqual({ offset: 21, line: 2, column: 16 });
    expect(byKind('not')[0]!.pos).toEqual({ offset: 35, line: 3, column: 6 });
    const val = seen.find((n) => n.kind === 'transformer' && n.name === 'val')!;
    expect(val.pos).toEqual({ offset: 58, line: 3, column: 29 });
    expect(text.slice(val.pos.offset, val.end)).toBe('val(proc.pname)');
    const bin = byKind('binary')[0]!;
    expect(text.slice(bin.pos.offset, bin.end)).toBe('proc.name in (x, "y")');
  });

  it('operator positions', () => {
    const e = parseCondition('proc.name   contains x');
    expect(e.kind === 'binary' && e.opPos).toEqual({ offset: 12, line: 1, column: 13 });
  });
});

describe('syntax errors', () => {
  it.each([
    ['', "1:1: the condition is empty"],
    ['   ', '1:1: the condition is empty'],
    ['a.b =', "1:6: expected a value after '='"],
    ['x.y=', "1:5: expected a value after '='"],
    ['proc.name = )', "1:13: expected a value after '=', found ')'"],
    ['proc.name contains', "1:19: expected a value after 'contains'"],
    ['proc.name contains"x"', "1:19: expected a blank after 'contains'"],
    ['evt.count < abc', "1:13: expected a number after '<', found 'abc'"],
    ['evt.count >', "1:12: expected a value after '>'"],
    ['proc.name in', "1:13: expected a list after 'in'"],
    ['proc.name in 5', "1:14: expected a list after 'in', found '5'"],
    ['proc.name in (a,', "1:17: expected a list item after ',', found the end of the condition"],
    ['proc.name in (a b)', "1:17: expected ',' or ')' in the list, found 'b)'"],
    ['proc.name in (a', "1:16: expected ')' to close the list at 1:14, found the end of the condition"],
    ['proc.name bogus 1', "1:11: expected an operator after 'proc.name', found 'bogus'"],
    ['proc.name', "1:10: expected an operator after 'proc.name', found the end of the condition"],
    ['a and', "1:6: expected a condition after 'and'"],
    ['a or ', "1:6: expected a condition after 'or'"],
    ['not', "1:1: expected a condition, found the keyword 'not'"],
    ['not ', "1:5: expected a condition after 'not'"],
    ['a b', "1:3: unexpected 'b': expected 'and', 'or' or the end of the condition"],
    ['a)', "1:2: unexpected ')' without a matching '('"],
    ['(a', "1:3: expected ')' to close the '(' at 1:1, found the end of the condition"],
    ['(a b)', "1:4: expected ')' or a boolean operator, found 'b)'"],
    ['()', "1:2: expected a condition inside '()'"],
    ['and', "1:1: expected a condition, found the keyword 'and'"],
    ['= x', "1:1: expected a field check, a macro name or '(', found '='"],
    ['proc.aname[2 = x', "1:13: expected ']' after the field argument, found '='"],
    ['proc.aname[] = x', "1:12: expected a field argument after '[', found ']'"],
    ['tolower(proc.name = x', "1:19: expected ')' to close 'tolower(', found '='"],
    ['tolower() = x', "1:9: expected a field, a transformer, a string or a number inside 'tolower(', found ')'"],
    ['val(proc.name) = x', "1:1: 'val(...)' can only be used on the right-hand side of a comparison"],
    ['proc.name = val(x)', "1:17: expected a field inside 'val(', found 'x)'"],
    ['proc.name = val(proc.pname', "1:27: expected ')' to close 'val(', found the end of the condition"],
    ['proc.name = "abc', '1:13: unterminated quoted string'],
    ['proc.name = "a\\qb"', '1:15: unsupported escape sequence \\q'],
    ['a and\n  proc.name =\n', "3:1: expected a value after '='"],
  ])('%j', (input, message) => {
    expect(err(input)).toBe(message);
  });

  it('limits nesting depth', () => {
    const deep = '('.repeat(60) + 'a' + ')'.repeat(60);
    expect(() => parseCondition(deep, { maxDepth: 50 })).toThrow(/nested too deeply \(more than 50 levels\)/);
    expect(str(deep)).toBe('a');
  });

  it('maps positions into a file', () => {
    // the column offset applies to the first line only
    expect(() => parseCondition('a and\n b =', { file: 'r.yaml', lineOffset: 10, columnOffset: 4 })).toThrow(
      "r.yaml:12:4: unexpected '=': expected 'and', 'or' or the end of the condition",
    );
    expect(() => parseCondition('x.y =', { file: 'r.yaml', lineOffset: 10, columnOffset: 4 })).toThrow(
      "r.yaml:11:10: expected a value after '='",
    );
    expect(() =>
      parseCondition('a and\nx.y =', { mapPosition: (p) => ({ line: p.line + 100, column: p.column + 6 }) }),
    ).toThrow("102:12: expected a value after '='");
    try {
      parseCondition('x.y =', { file: 'f' });
    } catch (e) {
      const ce = e as ConditionError;
      expect([ce.file, ce.line, ce.column, ce.detail, ce.offset]).toEqual(['f', 1, 6, "expected a value after '='", 5]);
    }
  });
});

describe('round trip', () => {
  it.each([
    'not a and b or c',
    'proc.name in (a, "b c", \'d\', 1, 0x10) and fd.sip in (10.0.0.0/8)',
    'tolower(proc.name) = val(proc.pname)',
    'proc.aname[2] = bash and proc.env[HOME] startswith /root',
    'evt.arg.name contains "x\\ty\\"z" or not (a)',
    'proc.name startswith oneof (a, b)',
    'len(basename(fd.name)) > 3',
    'json.value["a b"] exists',
    'json.value["a]b"] exists',
    'json.value["it\'s"] = "x\\\\y"',
  ])('%s', (c) => {
    const once: Expr = parseCondition(c);
    const printed = toConditionString(once);
    const strip = (n: unknown): unknown =>
      JSON.parse(JSON.stringify(n, (k, v) => (k === 'pos' || k === 'end' || k === 'argPos' || k === 'opPos' ? undefined : v)));
    expect(strip(parseCondition(printed))).toEqual(strip(once));
  });
});

describe('findReferences', () => {
  it('separates macro references from list references', async () => {
    const { findReferences } = await import('../../../src/replay/filter/ast.js');
    const r = findReferences(
      parseCondition('spawned_process and proc.name in (shell_binaries, "quoted", bash) and not fd.name pmatch sensitive_dirs and (m2)'),
    );
    expect(r.macros.map((m) => m.name)).toEqual(['spawned_process', 'm2']);
    expect(r.lists.map((l) => (l.kind === 'identifier' ? l.name : l.value))).toEqual(['shell_binaries', 'bash', 'sensitive_dirs']);
  });
});
