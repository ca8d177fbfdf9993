import { describe, expect, it } from 'vitest';
import { compileFilter, compileCondition, compileOperand, listItemValue, type CompileOptions } from '../../../src/replay/filter/compile.js';
import { parseCondition, parseFieldOrTransformer } from '../../../src/replay/filter/parser.js';
import { ConditionError } from '../../../src/replay/filter/errors.js';
import type { FieldValue } from '../../../src/replay/fields/types.js';
import { compileCalls, ctx, registry, type FakeCtx } from './fake-fields.js';

const LISTS: Record<string, string[]> = {
  shell_binaries: ['bash', 'sh', 'zsh'],
  private_nets: ['10.0.0.0/8', '192.168.0.0/16'],
  nested_ref: ['shell_binaries', 'csh'],
  empty_list: [],
  quoted_nets: ['"10.0.0.0/8"', "'192.168.0.0/16'"],
  quoted_names: ['"a b"', 'plain', '"x\\"y"'],
};

const opts: CompileOptions<FakeCtx> = {
  registry,
  lists: (n) => LISTS[n],
};

/** Evaluates a condition against field values. */
function ev(cond: string, values: Record<string, FieldValue | undefined>): boolean {
  return compileFilter(cond, opts)(ctx(values));
}

function cerr(cond: string, o: CompileOptions<FakeCtx> = opts): string {
  try {
    compileFilter(cond, o);
  } catch (e) {
    expect(e).toBeInstanceOf(ConditionError);
    return (e as Error).message;
  }
  throw new Error(`no error for ${cond}`);
}

describe('boolean logic', () => {
  const v = { 'proc.name': 'bash', 'evt.count': 3 };
  it('and / or / not', () => {
    expect(ev('proc.name = bash and evt.count = 3', v)).toBe(true);
    expect(ev('proc.name = bash and evt.count = 4', v)).toBe(false);
    expect(ev('proc.name = sh or evt.count = 3', v)).toBe(true);
    expect(ev('proc.name = sh or evt.count = 4', v)).toBe(false);
    expect(ev('not proc.name = sh', v)).toBe(true);
    expect(ev('not not proc.name = bash', v)).toBe(true);
    expect(ev('not proc.name = sh and evt.count = 3', v)).toBe(true);
    expect(ev('not (proc.name = bash and evt.count = 4)', v)).toBe(true);
    expect(ev('proc.name = a or proc.name = b or proc.name = bash', v)).toBe(true);
    expect(ev('proc.name = bash and evt.count = 3 and evt.count > 1', v)).toBe(true);
    expect(ev('proc.name = bash and evt.count = 3 and evt.count > 5', v)).toBe(false);
  });

  it('short-circuits: the right side is not evaluated when the left decides', () => {
    let calls = 0;
    const spy = ctx({ 'proc.name': 'x' });
    Object.defineProperty(spy.evt, 'evt.count', {
      get() {
        calls++;
        return 1;
      },
    });
    compileFilter('proc.name = y and evt.count = 1', opts)(spy);
    compileFilter('proc.name = x or evt.count = 1', opts)(spy);
    expect(calls).toBe(0);
    compileFilter('proc.name = x and evt.count = 1', opts)(spy);
    expect(calls).toBe(1);
  });
});

describe('missing values (<NA>)', () => {
  it('every comparison with a missing value is false, != included', () => {
    for (const c of [
      'proc.name = bash',
      'proc.name != bash',
      'proc.name contains a',
      'proc.name in (a, b)',
      'proc.name glob *',
      'proc.name regex ".*"',
      'evt.count != 1',
      'evt.count < 100',
      'fd.sip != 1.2.3.4',
      'fd.net != 10.0.0.0/8',
      'evt.is_open != true',
      'proc.name = val(proc.pname)',
    ]) {
      expect(ev(c, {}), c).toBe(false);
    }
  });

  it('so not(...) of such a comparison is true', () => {
    expect(ev('not proc.name = bash', {})).toBe(true);
    expect(ev('not proc.name != bash', {})).toBe(true);
  });

  it('exists', () => {
    expect(ev('proc.name exists', { 'proc.name': '' })).toBe(true);
    expect(ev('proc.name exists', {})).toBe(false);
    expect(ev('not proc.name exists', {})).toBe(true);
    expect(ev('proc.aname exists', { 'proc.aname': [] })).toBe(false);
    expect(ev('proc.aname exists', { 'proc.aname': ['a'] })).toBe(true);
  });

  it('val(): a missing right-hand value makes the comparison false', () => {
    expect(ev('proc.name != val(proc.pname)', { 'proc.name': 'a' })).toBe(false);
    expect(ev('proc.name = val(proc.pname)', { 'proc.name': 'a', 'proc.pname': 'a' })).toBe(true);
  });
});

describe('string operators', () => {
  const s = (cond: string, name: string) => ev(cond, { 'proc.name': name, 'fd.name': name });
  it('= == !=', () => {
    expect(s('proc.name = bash', 'bash')).toBe(true);
    expect(s('proc.name == bash', 'bash')).toBe(true);
    expect(s('proc.name = bash', 'Bash')).toBe(false);
    expect(s('proc.name != bash', 'sh')).toBe(true);
    expect(s('proc.name != bash', 'bash')).toBe(false);
    expect(s('proc.name = "a b"', 'a b')).toBe(true);
    expect(s("proc.name = ''", '')).toBe(true);
  });

  it('= on a string constant (compared in one closure): no value, transformers and other value kinds', () => {
    expect(ev('proc.name = bash', { 'proc.name': undefined })).toBe(false);
    expect(ev('not proc.name = bash', { 'proc.name': undefined })).toBe(true);
    expect(ev('proc.name = bash', { 'proc.name': 'bash' })).toBe(true);
    // a string built at run time, not the constant's own string object
    expect(ev('proc.name = bash', { 'proc.name': ['ba', 'sh'].join('') })).toBe(true);
    expect(ev('proc.name = bash', { 'proc.name': 'bas' })).toBe(false);
    expect(ev('tolower(proc.name) = bash', { 'proc.name': 'BASH' })).toBe(true);
    expect(ev('toupper(proc.name) = bash', { 'proc.name': 'bash' })).toBe(false);
    // an extractor that yields a non-string never equals a string constant
    expect(ev('proc.name = 1', { 'proc.name': 1 })).toBe(false);
    expect(ev('proc.name = bash', { 'proc.name': new TextEncoder().encode('bash') })).toBe(false);
  });

  it('contains / icontains (ASCII case folding) / startswith / endswith', () => {
    expect(s('proc.name contains as', 'bash')).toBe(true);
    expect(s('proc.name contains AS', 'bash')).toBe(false);
    expect(s('proc.name contains ""', 'bash')).toBe(true);
    expect(s('proc.name icontains AS', 'bAsh')).toBe(true);
    expect(s('proc.name icontains "É"', 'é')).toBe(false);
    expect(s('proc.name startswith ba', 'bash')).toBe(true);
    expect(s('proc.name startswith sh', 'bash')).toBe(false);
    expect(s('proc.name endswith sh', 'bash')).toBe(true);
    expect(s('proc.name endswith ba', 'bash')).toBe(false);
  });

  it('< <= > >= compare like strcmp', () => {
    // the grammar only allows numbers (or fields) after < <= > >=
    expect(s('proc.name < 5', '4')).toBe(true);
    expect(s('proc.name < 5', '5')).toBe(false);
    expect(s('proc.name <= 5', '5')).toBe(true);
    expect(s('proc.name > 5', '50')).toBe(true);
    expect(s('proc.name >= 50', '5')).toBe(false);
    expect(s('proc.name > 5', 'a')).toBe(true);
    const p = (a: string, b: string) => ev('proc.name < val(proc.pname)', { 'proc.name': a, 'proc.pname': b });
    expect(p('a', 'b')).toBe(true);
    expect(p('b', 'a')).toBe(false);
    expect(p('Z', 'a')).toBe(true);
    expect(p('ab', 'abc')).toBe(true);
    // UTF-8 byte order: U+FFFD sorts before an astral code point
    expect(p('\uFFFD', '\u{1F600}')).toBe(true);
    expect(p('\u{1F600}', '\uFFFD')).toBe(false);
  });

  it('glob / iglob', () => {
    expect(s('fd.name glob /etc/*', '/etc/passwd')).toBe(true);
    expect(s('fd.name glob /etc/*', '/etc/ssh/sshd_config')).toBe(true); // * crosses /
    expect(s('fd.name glob /etc/?asswd', '/etc/passwd')).toBe(true);
    expect(s('fd.name glob "/etc/[a-p]asswd"', '/etc/passwd')).toBe(true);
    expect(s('fd.name glob "/etc/[!p]asswd"', '/etc/passwd')).toBe(false);
    expect(s('fd.name glob /ETC/*', '/etc/passwd')).toBe(false);
    expect(s('fd.name iglob /ETC/*', '/etc/passwd')).toBe(true);
    expect(s('fd.name iglob "/etc/[A-Z]asswd"', '/etc/passwd')).toBe(true);
  });

  it('in / intersects on a single-valued field', () => {
    expect(s('proc.name in (sh, bash)', 'bash')).toBe(true);
    expect(s('proc.name in (sh, "bash ")', 'bash')).toBe(false);
    expect(s('proc.name intersects (sh, bash)', 'bash')).toBe(true);
    expect(s('proc.name in ()', 'bash')).toBe(false);
  });

  it('pmatch: path-prefix by whole components', () => {
    expect(s('fd.name pmatch (/etc, /usr/lib)', '/etc')).toBe(true);
    expect(s('fd.name pmatch (/etc, /usr/lib)', '/etc/passwd')).toBe(true);
    expect(s('fd.name pmatch (/etc, /usr/lib)', '/etcx/passwd')).toBe(false);
    expect(s('fd.name pmatch (/etc, /usr/lib)', '/usr/lib/x.so')).toBe(true);
    expect(s('fd.name pmatch (/etc, /usr/lib)', '/usr')).toBe(false);
    expect(s('fd.name pmatch (/etc/, //usr//lib/)', '/usr/lib/x')).toBe(true);
    expect(s('fd.name pmatch (/home/*/.ssh)', '/home/bob/.ssh/id_rsa')).toBe(true);
    expect(s('fd.name pmatch (/home/*/.ssh)', '/home/bob/x/.ssh')).toBe(false);
    expect(s('fd.name pmatch (/)', '/anything')).toBe(true);
  });

  it('regex: whole-string POSIX ERE', () => {
    expect(s('proc.name regex "ba.h"', 'bash')).toBe(true);
    expect(s('proc.name regex "as"', 'bash')).toBe(false); // anchored on both ends
    expect(s('proc.name regex ".*as.*"', 'bash')).toBe(true);
    expect(s('proc.name regex "[[:alpha:]]+[0-9]{2}"', 'python39')).toBe(true);
    expect(s('proc.name regex "(a|b)+"', 'abba')).toBe(true);
    expect(s('proc.name regex "a|ab"', 'ab')).toBe(true);
  });

  it('operator modifiers', () => {
    expect(s('proc.name startswith anyof (ba, zs)', 'bash')).toBe(true);
    expect(s('proc.name startswith anyof (x, y)', 'bash')).toBe(false);
    expect(s('proc.name contains allof (a, s, h)', 'bash')).toBe(true);
    expect(s('proc.name contains allof (a, z)', 'bash')).toBe(false);
    expect(s('proc.name contains oneof (a, z)', 'bash')).toBe(true);
    expect(s('proc.name contains oneof (a, s)', 'bash')).toBe(false);
    expect(s('proc.name = anyof (sh, bash)', 'bash')).toBe(true);
    expect(s('proc.name != allof (sh, zsh)', 'bash')).toBe(true);
    expect(s('proc.name regex anyof ("b.*", "z.*")', 'bash')).toBe(true);
    expect(s('proc.name startswith anyof shell_binaries', 'bash5')).toBe(true);
    expect(s('proc.name startswith anyof ()', 'bash')).toBe(false);
  });
});

describe('numeric operators', () => {
  const n = (cond: string, v: FieldValue) => ev(cond, { 'evt.count': v, 'evt.num': v, 'proc.pid': v, 'evt.small': v, 'evt.dbl': v, 'evt.res': v });
  it('comparisons, decimal and hex', () => {
    expect(n('evt.count = 16', 16)).toBe(true);
    expect(n('evt.count = 0x10', 16)).toBe(true);
    expect(n('evt.count = 0X1f', 31)).toBe(true);
    expect(n('evt.count != 16', 15)).toBe(true);
    expect(n('evt.count < 16', 15)).toBe(true);
    expect(n('evt.count < 16', 16)).toBe(false);
    expect(n('evt.count <= 16', 16)).toBe(true);
    expect(n('evt.count > 0x0f', 16)).toBe(true);
    expect(n('evt.count >= 17', 16)).toBe(false);
    expect(n('evt.res < 0', -2)).toBe(true);
    expect(n('evt.res = -2', -2)).toBe(true);
    expect(n('proc.pid in (1, 0x2, 3)', 2)).toBe(true);
    expect(n('proc.pid in (1, 3)', 2)).toBe(false);
    expect(n('proc.pid intersects (2)', 2)).toBe(true);
    expect(n('evt.dbl > 1', 1.5)).toBe(true);
    expect(n('evt.dbl < 1.75', 1.5)).toBe(true);
  });

  it('64-bit values as bigint on either side', () => {
    expect(n('evt.count = 18446744073709551615', 18446744073709551615n)).toBe(true);
    expect(n('evt.count > 9007199254740993', 9007199254740994n)).toBe(true);
    expect(n('evt.count > 9007199254740993', 9007199254740993n)).toBe(false);
    expect(n('evt.count = 5', 5n)).toBe(true);
    expect(n('evt.count in (5, 18446744073709551615)', 5n)).toBe(true);
    expect(n('evt.count in (5, 18446744073709551615)', 18446744073709551615n)).toBe(true);
  });

  it('constants wrap to the field width like a C cast', () => {
    expect(n('evt.num = -1', 4294967295)).toBe(true);
    expect(n('evt.small = 257', 1)).toBe(true);
    expect(n('evt.count = -1', 18446744073709551615n)).toBe(true);
  });

  it('bool fields', () => {
    expect(ev('evt.is_open = true', { 'evt.is_open': true })).toBe(true);
    expect(ev('evt.is_open = false', { 'evt.is_open': true })).toBe(false);
    expect(ev('evt.is_open != false', { 'evt.is_open': true })).toBe(true);
    expect(ev('evt.is_open in (true)', { 'evt.is_open': true })).toBe(true);
    expect(ev('evt.is_open = true', { 'evt.is_open': 1 })).toBe(true);
  });

  it('sockfamily compares as a number', () => {
    expect(ev('evt.fam = 2', { 'evt.fam': 2 })).toBe(true);
  });

  it('port fields take numbers or service names', () => {
    expect(ev('fd.sport = 443', { 'fd.sport': 443 })).toBe(true);
    expect(ev('fd.sport = https', { 'fd.sport': 443 })).toBe(true);
    expect(ev('fd.sport in (ssh, http)', { 'fd.sport': 80 })).toBe(true);
  });
});

describe('IP addresses and networks', () => {
  const ip4 = (s: string) => s.split('.').reduce((a, b) => a * 256 + Number(b), 0);
  const ip6 = (hex: string) => Uint8Array.from(hex.match(/../g)!.map((h) => parseInt(h, 16)));

  it('address fields against addresses', () => {
    expect(ev('fd.sip = 10.1.2.3', { 'fd.sip': ip4('10.1.2.3') })).toBe(true);
    expect(ev('fd.sip != 10.1.2.3', { 'fd.sip': ip4('10.1.2.4') })).toBe(true);
    expect(ev('fd.sip in (1.1.1.1, 10.1.2.3)', { 'fd.sip': ip4('10.1.2.3') })).toBe(true);
    expect(ev('fd.sip = ::1', { 'fd.sip': ip6('00000000000000000000000000000001') })).toBe(true);
    expect(ev('fd.sip = "2001:db8::1"', { 'fd.sip': ip6('20010db8000000000000000000000001') })).toBe(true);
    // an IPv4 value never equals an IPv6 constant
    expect(ev('fd.sip = ::1', { 'fd.sip': 1 })).toBe(false);
    expect(ev('fd.sip != ::1', { 'fd.sip': 1 })).toBe(true);
  });

  it('network fields and CIDR constants', () => {
    expect(ev('fd.net = 10.0.0.0/8', { 'fd.net': ip4('10.200.3.4') })).toBe(true);
    expect(ev('fd.net = 10.0.0.0/8', { 'fd.net': ip4('11.0.0.1') })).toBe(false);
    expect(ev('fd.net != 10.0.0.0/8', { 'fd.net': ip4('11.0.0.1') })).toBe(true);
    expect(ev('fd.snet in (192.168.0.0/16, 172.16.0.0/12)', { 'fd.snet': ip4('172.20.1.1') })).toBe(true);
    expect(ev('fd.snet in private_nets', { 'fd.snet': ip4('192.168.9.9') })).toBe(true);
    expect(ev('fd.net = 0.0.0.0/0', { 'fd.net': ip4('8.8.8.8') })).toBe(true);
    expect(ev('fd.net = 10.1.2.3/32', { 'fd.net': ip4('10.1.2.3') })).toBe(true);
    expect(ev('fd.net = "2001:db8::/32"', { 'fd.net': ip6('20010db8ffff00000000000000000001') })).toBe(true);
    expect(ev('fd.net = "2001:db8::/33"', { 'fd.net': ip6('20010db87fff00000000000000000001') })).toBe(true);
    expect(ev('fd.net = "2001:db8::/33"', { 'fd.net': ip6('20010db8ffff00000000000000000001') })).toBe(false);
    expect(ev('fd.net = "2001:db8:8000::/33"', { 'fd.net': ip6('20010db8000000000000000000000001') })).toBe(false);
    expect(ev('x.net6 = "fe80::/10"', { 'x.net6': ip6('fe800000000000000000000000000001') })).toBe(true);
  });

  it('address fields also accept CIDR constants (membership)', () => {
    expect(ev('fd.sip in (10.0.0.0/8)', { 'fd.sip': ip4('10.9.9.9') })).toBe(true);
    expect(ev('fd.sip in (10.0.0.0/8, 1.2.3.4)', { 'fd.sip': ip4('1.2.3.4') })).toBe(true);
    expect(ev('fd.sip in (10.0.0.0/8, 1.2.3.4)', { 'fd.sip': ip4('1.2.3.5') })).toBe(false);
    expect(ev('fd.sip = 10.0.0.0/8', { 'fd.sip': ip4('10.0.0.7') })).toBe(true);
  });

  it('family-specific fields', () => {
    expect(ev('x.ipv4 = 127.0.0.1', { 'x.ipv4': ip4('127.0.0.1') })).toBe(true);
    expect(ev('x.ipv6 = ::ffff:1.2.3.4', { 'x.ipv6': ip6('00000000000000000000ffff01020304') })).toBe(true);
    expect(ev('x.net4 = 127.0.0.0/8', { 'x.net4': ip4('127.0.0.1') })).toBe(true);
  });
});

describe('byte buffers', () => {
  const b = (s: string) => new TextEncoder().encode(s);
  it('bcontains / bstartswith take hex', () => {
    expect(ev('evt.buffer bcontains 0a0b', { 'evt.buffer': Uint8Array.of(1, 10, 11, 2) })).toBe(true);
    expect(ev('evt.buffer bcontains 0A0C', { 'evt.buffer': Uint8Array.of(1, 10, 11, 2) })).toBe(false);
    expect(ev('evt.buffer bstartswith 7f454c46', { 'evt.buffer': Uint8Array.of(0x7f, 0x45, 0x4c, 0x46, 2) })).toBe(true);
    expect(ev('evt.buffer bstartswith 454c', { 'evt.buffer': Uint8Array.of(0x7f, 0x45, 0x4c) })).toBe(false);
    expect(ev('evt.buffer bcontains ""', { 'evt.buffer': Uint8Array.of() })).toBe(true);
  });

  it('text operators on bytes use the constant as bytes', () => {
    expect(ev('evt.buffer contains GET', { 'evt.buffer': b('xGET /') })).toBe(true);
    expect(ev('evt.buffer startswith GET', { 'evt.buffer': b('GET /') })).toBe(true);
    expect(ev('evt.buffer endswith "/ "', { 'evt.buffer': b('GET / ') })).toBe(true);
    expect(ev('evt.buffer = abc', { 'evt.buffer': b('abc') })).toBe(true);
    expect(ev('evt.buffer != abc', { 'evt.buffer': b('abcd') })).toBe(true);
    expect(ev('evt.buffer in (x, abc)', { 'evt.buffer': b('abc') })).toBe(true);
  });
});

describe('list fields', () => {
  it('in: every element is in the set; intersects: some element is', () => {
    const v = { 'test.list': ['a', 'b'] };
    expect(ev('test.list in (a, b, c)', v)).toBe(true);
    expect(ev('test.list in (a, c)', v)).toBe(false);
    expect(ev('test.list intersects (b, z)', v)).toBe(true);
    expect(ev('test.list intersects (y, z)', v)).toBe(false);
    expect(ev('test.list in (a)', { 'test.list': [] })).toBe(true); // vacuous, as libsinsp
    expect(ev('test.list intersects (a)', { 'test.list': [] })).toBe(false);
    expect(ev('test.list exists', v)).toBe(true);
    expect(ev('test.nums in (1, 2, 3)', { 'test.nums': [1, 3n] })).toBe(true);
    expect(ev('test.nets intersects (10.0.0.0/8)', { 'test.nets': [1, 167772161] })).toBe(true);
    expect(ev('test.nets in (10.0.0.0/8)', { 'test.nets': [1, 167772161] })).toBe(false);
  });

  it('len() counts elements', () => {
    expect(ev('len(test.list) = 2', { 'test.list': ['a', 'b'] })).toBe(true);
    expect(ev('len(test.list) > 2', { 'test.list': ['a', 'b'] })).toBe(false);
  });

  it('list against list through val()', () => {
    expect(ev('test.list in val(test.list2)', { 'test.list': ['a'], 'test.list2': ['a', 'b'] })).toBe(true);
    expect(ev('test.list in val(test.list2)', { 'test.list': ['a', 'c'], 'test.list2': ['a', 'b'] })).toBe(false);
    expect(ev('test.list intersects val(test.list2)', { 'test.list': ['c', 'b'], 'test.list2': ['a', 'b'] })).toBe(true);
  });
});

describe('multi-candidate fields (proc.aname without index)', () => {
  const v = { 'proc.aname': ['sshd', 'systemd', 'bash'] };
  it('true when any ancestor matches', () => {
    expect(ev('proc.aname = bash', v)).toBe(true);
    expect(ev('proc.aname = zsh', v)).toBe(false);
    expect(ev('proc.aname in (zsh, systemd)', v)).toBe(true);
    expect(ev('proc.aname startswith ss', v)).toBe(true);
    expect(ev('proc.aname != sshd', v)).toBe(true); // some ancestor differs
    expect(ev('proc.aname != sshd', { 'proc.aname': ['sshd'] })).toBe(false);
    expect(ev('proc.aname = bash', { 'proc.aname': [] })).toBe(false);
  });

  it('with an index: one value', () => {
    expect(ev('proc.aname[1] = sshd', v)).toBe(true);
    expect(ev('proc.aname[2] = sshd', v)).toBe(false);
    expect(ev('proc.aname[3] = bash', v)).toBe(true);
    expect(ev('proc.aname[4] exists', v)).toBe(false);
  });
});

describe('client-or-server fields (fd.ip): mode either', () => {
  const v = { 'fd.ip': [0x0a000001, 0x0a000002] };
  it('= and in hold when either side matches; != only when neither does', () => {
    expect(ev('fd.ip = 10.0.0.2', v)).toBe(true);
    expect(ev('fd.ip == 10.0.0.1', v)).toBe(true);
    expect(ev('fd.ip = 10.0.0.3', v)).toBe(false);
    expect(ev('fd.ip in (10.0.0.3, 10.0.0.1)', v)).toBe(true);
    expect(ev('fd.ip != 10.0.0.1', v)).toBe(false);
    expect(ev('fd.ip != 10.0.0.3', v)).toBe(true);
    expect(ev('fd.ip != 10.0.0.3', { 'fd.ip': [] })).toBe(false);
    expect(ev('fd.ip exists', v)).toBe(true);
  });

  it('a field can restrict its operators', () => {
    expect(cerr('fd.ip intersects (1.2.3.4)')).toBe("1:7: field 'fd.ip' only supports the operators '=', '!=', 'in', 'exists'");
  });
});

describe('field arguments', () => {
  it('key arguments in brackets and dotted', () => {
    expect(ev('proc.env[HOME] = /root', { 'proc.env': ['PATH=/bin', 'HOME=/root'] })).toBe(true);
    expect(ev('proc.env[USER] exists', { 'proc.env': ['HOME=/root'] })).toBe(false);
    expect(ev('evt.arg.name = x', { 'evt.arg.name': 'x' })).toBe(true);
    expect(ev('evt.arg[name] = x', { 'evt.arg.name': 'x' })).toBe(true);
    expect(ev('evt.arg[0] = y', { 'evt.arg.0': 'y' })).toBe(true);
  });

  it('an argument can change the type', () => {
    expect(ev('evt.rawarg.res < 0', { 'evt.rawarg.res': -13 })).toBe(true);
    expect(cerr('evt.rawarg.res contains x')).toBe(
      "1:16: operator 'contains' is not supported for numeric fields ('evt.rawarg.res' is int64)",
    );
  });

  it('compiles each field once, not per event', () => {
    const before = compileCalls.n;
    const p = compileFilter('proc.aname[2] = a or proc.aname = b', opts);
    expect(compileCalls.n).toBe(before + 2);
    for (let i = 0; i < 50; i++) p(ctx({ 'proc.aname': ['x', 'a'] }));
    expect(compileCalls.n).toBe(before + 2);
  });
});

describe('transformers', () => {
  it('tolower / toupper (ASCII only)', () => {
    expect(ev('tolower(proc.name) = bash', { 'proc.name': 'BaSh' })).toBe(true);
    expect(ev('toupper(proc.name) = BASH', { 'proc.name': 'bash' })).toBe(true);
    expect(ev('tolower(proc.name) = "é"', { 'proc.name': 'É' })).toBe(false);
    expect(ev('tolower(proc.aname) = bash', { 'proc.aname': ['X', 'BASH'] })).toBe(true);
  });

  it('basename', () => {
    expect(ev('basename(proc.exepath) = bash', { 'proc.exepath': '/usr/bin/bash' })).toBe(true);
    expect(ev('basename(fd.name) = ""', { 'fd.name': '/etc/' })).toBe(true);
    expect(ev('basename(fd.name) = x', { 'fd.name': 'x' })).toBe(true);
  });

  it('b64 decodes; invalid input means no value', () => {
    expect(ev('b64(proc.cmdline) = hello', { 'proc.cmdline': 'aGVsbG8=' })).toBe(true);
    expect(ev('b64(proc.cmdline) = hello', { 'proc.cmdline': 'aGVsbG8' })).toBe(true);
    expect(ev('b64(proc.cmdline) exists', { 'proc.cmdline': 'a!b=' })).toBe(false);
    expect(ev('b64(proc.cmdline) != x', { 'proc.cmdline': 'a!b=' })).toBe(false);
    expect(ev('b64(evt.buffer) bcontains 68656c', { 'evt.buffer': new TextEncoder().encode('aGVsbG8=') })).toBe(true);
  });

  it('len of strings and buffers', () => {
    expect(ev('len(proc.name) = 4', { 'proc.name': 'bash' })).toBe(true);
    expect(ev('len(proc.name) = 2', { 'proc.name': 'é' })).toBe(true); // UTF-8 bytes
    expect(ev('len(evt.buffer) > 2', { 'evt.buffer': Uint8Array.of(1, 2, 3) })).toBe(true);
    expect(ev('len(proc.name) in (3, 4)', { 'proc.name': 'bash' })).toBe(true);
  });

  it('nesting', () => {
    expect(ev('len(basename(tolower(fd.name))) = 6', { 'fd.name': '/ETC/PASSWD' })).toBe(true);
    expect(ev('toupper(tolower(proc.name)) = AB', { 'proc.name': 'aB' })).toBe(true);
  });

  it('literal arguments', () => {
    expect(ev('tolower("AbC") = abc', {})).toBe(true);
    expect(ev('len("abc") = 3', {})).toBe(true);
  });

  it('concat and join', () => {
    const v = { 'proc.name': 'bash', 'proc.pname': 'sshd', 'test.list': ['a', 'b', 'c'] };
    expect(ev('concat(proc.pname, "/", proc.name) = sshd/bash', v)).toBe(true);
    expect(ev('concat(proc.pname, proc.name) = sshdbash', v)).toBe(true);
    expect(ev('concat(proc.pname, proc.name) exists', { 'proc.name': 'x' })).toBe(false);
    expect(ev('join(",", test.list) = "a,b,c"', v)).toBe(true);
    expect(ev('join("", test.list) = abc', v)).toBe(true);
    expect(ev('join("-", (proc.name, proc.pname, "z")) = bash-sshd-z', v)).toBe(true);
    expect(ev('join("-", (proc.name, test.list)) = bash-a-b-c', v)).toBe(true);
    expect(ev('len(join(",", test.list)) = 5', v)).toBe(true);
    expect(ev('toupper(concat(proc.name, "x")) = BASHX', v)).toBe(true);
    expect(ev('proc.name = concat("ba", "sh")', v)).toBe(true);
  });

  it('getopt', () => {
    const argv = (...a: string[]) => ({ 'test.list': a });
    const go = (cond: string, ...a: string[]) => compileOperand(parseFieldOrTransformer(cond), opts).extract(ctx(argv(...a)));
    expect(go('getopt(test.list, "nt:")', '-n', '-t', 'val', 'rest')).toEqual(['n', 't', 'val']);
    expect(go('getopt(test.list, "nt:")', '-ntval')).toEqual(['n', 't', 'val']);
    expect(go('getopt(test.list, "nt:")', '-x', '-n')).toEqual(['?', 'n']);
    expect(go('getopt(test.list, "nt:")', '-n', '--', '-t', 'x')).toEqual(['n']);
    expect(go('getopt(test.list, "nt:")', '--exec', '-n')).toEqual(['n']);
    expect(go('getopt(test.list, "nt:")', 'file', '-n')).toEqual([]);
    expect(go('getopt(test.list, "nt:")', '-t')).toEqual(['']);
    expect(go('getopt(test.list, ":nt:")', '-n:')).toEqual(['n', '?']);
    expect(go('getopt(test.list, "nt:")[t]', '-t', 'a', '-t', 'b')).toBe('b');
    expect(go('getopt(test.list, "nt:")[n]', '-n')).toBe('n');
    expect(go('getopt(test.list, "nt:")[t]', '-n')).toBeUndefined();
    expect(go('getopt(test.list, "nt:")[t]', '-t')).toBe('');
    expect(ev('getopt(test.list, "c:")[c] contains curl', argv('-c', 'curl http://x'))).toBe(true);
    expect(ev('getopt(test.list, "ec:") intersects (e)', argv('-ec', 'x'))).toBe(true);
  });

  it('transformers on the right-hand side', () => {
    expect(ev('proc.name = tolower(proc.pname)', { 'proc.name': 'bash', 'proc.pname': 'BASH' })).toBe(true);
    expect(ev('tolower(proc.name) = val(proc.pname)', { 'proc.name': 'BASH', 'proc.pname': 'bash' })).toBe(true);
  });
});

describe('val(): field-to-field comparison', () => {
  it('each operator', () => {
    const v = { 'proc.pid': 10, 'proc.ppid': 3, 'proc.name': 'bash', 'proc.pname': 'ba' };
    expect(ev('proc.pid > val(proc.ppid)', v)).toBe(true);
    expect(ev('proc.pid <= val(proc.ppid)', v)).toBe(false);
    expect(ev('proc.pid != val(proc.ppid)', v)).toBe(true);
    expect(ev('proc.pid = val(proc.ppid)', v)).toBe(false);
    expect(ev('proc.name startswith val(proc.pname)', v)).toBe(true);
    expect(ev('proc.name contains val(proc.pname)', v)).toBe(true);
    expect(ev('proc.name endswith val(proc.pname)', v)).toBe(false);
    expect(ev('proc.name glob val(proc.pname)', { 'proc.name': 'bash', 'proc.pname': 'b*' })).toBe(true);
  });
});

describe('macros and lists', () => {
  const macroText: Record<string, string> = {
    is_shell: 'proc.name in (shell_binaries)',
    interactive: 'is_shell and proc.pname = sshd',
    loop_a: 'loop_b',
    loop_b: 'loop_a',
  };
  const withMacros: CompileOptions<FakeCtx> = {
    ...opts,
    macros: (n) => (macroText[n] !== undefined ? { expr: parseCondition(macroText[n]!), location: { file: `macro:${n}` } } : undefined),
  };
  it('expands macros and list names', () => {
    const p = compileFilter('interactive and not proc.name = zsh', withMacros);
    expect(p(ctx({ 'proc.name': 'bash', 'proc.pname': 'sshd' }))).toBe(true);
    expect(p(ctx({ 'proc.name': 'zsh', 'proc.pname': 'sshd' }))).toBe(false);
    expect(p(ctx({ 'proc.name': 'python', 'proc.pname': 'sshd' }))).toBe(false);
  });

  it('bare list items that name a list are expanded; quoted ones are not', () => {
    expect(ev('proc.name in (shell_binaries, python)', { 'proc.name': 'zsh' })).toBe(true);
    expect(ev('proc.name in ("shell_binaries")', { 'proc.name': 'zsh' })).toBe(false);
    expect(ev('proc.name in ("shell_binaries")', { 'proc.name': 'shell_binaries' })).toBe(true);
    expect(ev('proc.name in (empty_list, a)', { 'proc.name': 'a' })).toBe(true);
    expect(ev('proc.name in shell_binaries', { 'proc.name': 'sh' })).toBe(true);
  });

  it('list items written as quoted strings are unquoted, as Falco pastes them into the condition', () => {
    expect(ev('fd.snet in (quoted_nets)', { 'fd.snet': 0x0a010203 })).toBe(true);
    expect(ev('fd.snet in quoted_nets', { 'fd.snet': 0xc0a80001 })).toBe(true);
    expect(ev('fd.snet in quoted_nets', { 'fd.snet': 0x0b000001 })).toBe(false);
    expect(ev('proc.name in (quoted_names)', { 'proc.name': 'a b' })).toBe(true);
    expect(ev('proc.name in (quoted_names)', { 'proc.name': 'x"y' })).toBe(true);
    expect(ev('proc.name in (quoted_names)', { 'proc.name': 'plain' })).toBe(true);
    expect(ev('proc.name in (quoted_names)', { 'proc.name': '"a b"' })).toBe(false);
    expect(listItemValue('"10.0.0.0/8"')).toBe('10.0.0.0/8');
    expect(listItemValue("'x'")).toBe('x');
    expect(listItemValue('"a\\"b"')).toBe('a"b');
    expect(listItemValue('"bad\\q"')).toBe('"bad\\q"');
    expect(listItemValue('"a" "b"')).toBe('"a" "b"');
    expect(listItemValue('plain')).toBe('plain');
    expect(listItemValue('"')).toBe('"');
  });

  it('errors: undefined macro / list, recursion, positions inside macros', () => {
    expect(cerr('a and proc.name = x')).toBe("1:1: undefined macro 'a'");
    expect(cerr('proc.name in nope')).toBe("1:14: undefined list 'nope'");
    expect(cerr('loop_a', withMacros)).toBe("macro:loop_b:1:1: macro 'loop_a' refers to itself (loop_a -> loop_b -> loop_a)");
    macroText.bad = 'proc.nmae = x';
    expect(cerr('is_shell or bad', withMacros)).toBe("macro:bad:1:1: unknown field 'proc.nmae'");
  });
});

describe('compile errors', () => {
  it.each([
    ['proc.name = bash and proc.nmae = x', "1:22: unknown field 'proc.nmae'"],
    ['proc.nmae exists', "1:1: unknown field 'proc.nmae'"],
    ['tolower(proc.nmae) = x', "1:9: unknown field 'proc.nmae'"],
    ['proc.name = val(proc.nmae)', "1:17: unknown field 'proc.nmae'"],
    ['evt.count contains 1', "1:11: operator 'contains' is not supported for numeric fields ('evt.count' is uint64)"],
    ['evt.count glob 1', "1:11: operator 'glob' is not supported for numeric fields ('evt.count' is uint64)"],
    ['evt.is_open < 1', "1:13: operator '<' is not supported for boolean fields ('evt.is_open' is bool)"],
    ['fd.sip contains 1', "1:8: operator 'contains' is not supported for IP address and network fields ('fd.sip' is ipaddr)"],
    ['fd.sip startswith anyof (1.2.3.4)', "1:8: operator 'startswith' is not supported for IP address and network fields ('fd.sip' is ipaddr)"],
    ['proc.name bcontains 00', "1:11: operator 'bcontains' is not supported for string fields ('proc.name' is charbuf)"],
    ['evt.buffer glob x', "1:12: operator 'glob' is not supported for byte buffer fields ('evt.buffer' is bytebuf)"],
    ['evt.buffer regex x', "1:12: operator 'regex' is not supported for byte buffer fields ('evt.buffer' is bytebuf)"],
    ['evt.fam contains 1', "1:9: operator 'contains' is not supported for numeric fields ('evt.fam' is sockfamily)"],
    ['test.list = a', "1:11: only 'exists', 'in' and 'intersects' can be used with list fields ('test.list' is charbuf list)"],
    ['test.ints in (1)', "1:11: list fields of type int32 cannot be compared ('test.ints' is int32 list)"],
    ['fd.sip = notanip', "1:10: invalid value for 'fd.sip': 'notanip' is not a valid IP address"],
    ['fd.sip = 1.2.3.256', "1:10: invalid value for 'fd.sip': '1.2.3.256' is not a valid IP address"],
    ['x.ipv4 = ::1', "1:10: invalid value for 'x.ipv4': '::1' is not a valid IPv4 address"],
    ['fd.net = 10.0.0.1', "1:10: invalid value for 'fd.net': '10.0.0.1' is not a valid IP network (expected address/prefix-length)"],
    ['fd.net = 10.0.0.0/33', "1:10: invalid value for 'fd.net': '10.0.0.0/33' is not a valid IP network: prefix length above 32"],
    ['fd.snet in (10.0.0.0/8, 1.2.3/8)', "1:25: invalid value for 'fd.snet': '1.2.3/8' is not a valid IPv4 network"],
    ['evt.count = abc', "1:13: invalid value for 'evt.count': 'abc' is not a valid number"],
    ['evt.count in (1, 2x)', "1:18: invalid value for 'evt.count': '2x' is not a valid number"],
    ['evt.count > 1.5', "1:13: invalid value for 'evt.count': '1.5' is not a valid number"],
    ['evt.is_open = yes', "1:15: invalid value for 'evt.is_open': 'yes' is not a boolean (expected true or false)"],
    ['fd.sport = nosuchservice', "1:12: invalid value for 'fd.sport': 'nosuchservice' is not a port number or a known service name"],
    ['evt.buffer bcontains xyz', "1:22: invalid value for 'evt.buffer': 'bcontains' needs a hex string (an even number of hex digits), got 'xyz'"],
    ['evt.buffer bstartswith 123', "1:24: invalid value for 'evt.buffer': 'bstartswith' needs a hex string (an even number of hex digits), got '123'"],
    ['proc.name = "a\\x00b"', "1:13: invalid value for 'proc.name': values cannot contain a NUL character"],
    ['proc.name regex "a("', "1:17: invalid regular expression 'a(': missing ')'"],
    ['proc.name regex "(a)\\\\1"', "1:17: invalid regular expression '(a)\\1': backreferences are not supported: \\1"],
    ['proc.name regex "\\\\d+"', "1:17: invalid regular expression '\\d+': invalid escape sequence: \\d"],
    ['proc.name regex anyof ("a", "b[")', "1:29: invalid regular expression 'b[': missing ]"],
    ['evt.out = x', "1:1: field 'evt.out' can only be used in outputs, not in conditions"],
    ['proc.name[1] = x', "1:11: field 'proc.name' does not take an argument"],
    ['proc.env = x', "1:1: field 'proc.env' requires an argument, e.g. proc.env[name]"],
    ['proc.aname[x] = a', "1:12: field 'proc.aname' needs a numeric index argument, got 'x'"],
    ['proc.aname[99] = a', "1:12: field 'proc.aname': index 99 is too large"],
    ['evt.arg.name[x] = a', "1:14: field 'evt.arg.name' already has an argument ('name')"],
    ['evt.arg = a', "1:1: field 'evt.arg' requires an argument, e.g. evt.arg[name]"],
    ['tolower(evt.count) = 1', "1:1: transformer 'tolower' cannot be applied to 'evt.count' of type uint64"],
    ['basename(evt.buffer) = 1', "1:1: transformer 'basename' cannot be applied to 'evt.buffer' of type bytebuf"],
    ['b64(fd.name) = 1', "1:1: transformer 'b64' cannot be applied to 'fd.name' of type fspath"],
    ['len(evt.count) = 1', "1:1: transformer 'len' cannot be applied to 'evt.count' of type uint64"],
    ['tolower(test.nums) in (1)', "1:1: transformer 'tolower' cannot be applied to list 'test.nums' of type uint64"],
    ['len(proc.name) contains 1', "1:16: operator 'contains' is not supported for numeric fields ('len(proc.name)' is uint64)"],
    ['tolower(proc.notr) = a', "1:9: field 'proc.notr' does not support transformers"],
    ['tolower(proc.name)[x] = a', "1:1: transformer 'tolower' does not take an argument"],
    ['tolower(proc.name, proc.pname) = a', "1:1: transformer 'tolower' takes exactly one argument, got 2"],
    ['concat(proc.name) = a', "1:1: transformer 'concat' needs at least 2 arguments, got 1"],
    ['concat(proc.name, evt.count) = a', "1:19: 'concat' arguments must be strings, 'evt.count' is uint64"],
    ['concat(proc.name, test.list) = a', "1:19: 'concat' arguments must be strings, 'test.list' is charbuf list"],
    ['join(",", proc.name) = a', "1:11: 'join' second argument must be a list, 'proc.name' is not"],
    ['join(test.list, test.list) = a', "1:6: 'join' separator must be a single value"],
    ['join(",") = a', "1:1: transformer 'join' needs 2 arguments (separator, list), got 1"],
    ['join(",", (proc.name, evt.count)) = a', "1:23: list elements must be strings, 'evt.count' is uint64"],
    ['getopt(test.list) = a', "1:1: transformer 'getopt' needs 2 arguments (argument list, optstring), got 1"],
    ['getopt(proc.name, "ab:") = a', "1:8: 'getopt' first argument must be a list, 'proc.name' is not"],
    ['getopt(test.list, test.list2) in (a)', "1:19: 'getopt' optstring must be a single value"],
    ['getopt(test.list, "ab:")[ab] = a', "1:1: 'getopt' argument must be a single option character, got 'ab'"],
    ['getopt(test.list, "ab:") = a', "1:26: only 'exists', 'in' and 'intersects' can be used with list fields ('getopt(test.list, \"ab:\")' is charbuf list)"],
    ['len(concat(proc.name, "x")) contains 1', "1:29: operator 'contains' is not supported for numeric fields ('len(concat(proc.name, \"x\"))' is uint64)"],
    ['proc.pid = val(proc.name)', "1:12: 'proc.pid' (pid) cannot be compared with 'proc.name' (charbuf)"],
    ['proc.name in val(test.list)', "1:14: 'proc.name' (charbuf) cannot be compared with 'test.list' (charbuf list)"],
    ['proc.name regex val(proc.pname)', "1:11: operator 'regex' cannot compare with another field"],
    ['fd.name pmatch val(proc.pname)', "1:9: operator 'pmatch' cannot compare with another field"],
    ['fd.net = val(fd.snet)', "1:10: field 'fd.net' of type ipnet cannot compare with another field"],
    ['proc.norhs = val(proc.name)', "1:1: field 'proc.norhs' cannot compare with another field"],
    ['proc.name = val(proc.norhs)', "1:13: field 'proc.norhs' cannot be used on the right-hand side"],
  ])('%s', (cond, message) => {
    expect(cerr(cond)).toBe(message);
  });

  it('errors carry file positions', () => {
    expect(cerr('a.b = 1 or\n  proc.nmae = x', { ...opts, file: 'rules.yaml', lineOffset: 4, columnOffset: 13 })).toBe(
      "rules.yaml:5:14: unknown field 'a.b'",
    );
    expect(cerr('proc.name = 1 or\n  proc.nmae = x', { ...opts, file: 'rules.yaml', lineOffset: 4, columnOffset: 13 })).toBe(
      "rules.yaml:6:3: unknown field 'proc.nmae'",
    );
  });
});

describe('compileOperand and compileCondition', () => {
  it('compiles a lone operand for outputs', () => {
    const o = compileOperand(parseFieldOrTransformer('toupper(proc.name)'), opts);
    expect(o.type).toBe('charbuf');
    expect(o.extract(ctx({ 'proc.name': 'ab' }))).toBe('AB');
    const l = compileOperand(parseFieldOrTransformer('len(test.list)'), opts);
    expect([l.type, l.mode, l.extract(ctx({ 'test.list': ['a'] }))]).toEqual(['uint64', 'single', 1]);
    expect(l.extract(ctx({}))).toBeUndefined();
  });

  it('output-only and filter-only fields', () => {
    expect(compileOperand(parseFieldOrTransformer('evt.out'), opts).type).toBe('charbuf');
    expect(() => compileOperand(parseFieldOrTransformer('evt.fonly'), opts)).toThrow(
      "1:1: field 'evt.fonly' can only be used in conditions, not in outputs",
    );
    expect(() => compileOperand(parseFieldOrTransformer('evt.out'), { ...opts, purpose: 'condition' })).toThrow(
      "1:1: field 'evt.out' can only be used in outputs, not in conditions",
    );
    expect(ev('evt.fonly = x', { 'evt.fonly': 'x' })).toBe(true);
  });

  it('compileCondition takes a parsed tree', () => {
    const p = compileCondition(parseCondition('proc.name = a'), opts);
    expect(p(ctx({ 'proc.name': 'a' }))).toBe(true);
  });
});

describe('operator × type matrix (libsinsp flt_is_comparable)', () => {
  const OPS = ['=', '==', '!=', '<', '<=', '>', '>=', 'contains', 'icontains', 'bcontains', 'startswith', 'bstartswith', 'endswith', 'glob', 'iglob', 'pmatch', 'regex', 'in', 'intersects', 'exists'];
  const allowed: Record<string, string[]> = {
    'evt.count': ['=', '==', '!=', '<', '<=', '>', '>=', 'in', 'intersects', 'exists'],
    'evt.is_open': ['=', '==', '!=', 'in', 'intersects', 'exists'],
    'proc.name': ['=', '==', '!=', '<', '<=', '>', '>=', 'contains', 'icontains', 'startswith', 'endswith', 'glob', 'iglob', 'pmatch', 'regex', 'in', 'intersects', 'exists'],
    'fd.name': ['=', '==', '!=', '<', '<=', '>', '>=', 'contains', 'icontains', 'startswith', 'endswith', 'glob', 'iglob', 'pmatch', 'regex', 'in', 'intersects', 'exists'],
    'evt.buffer': ['=', '==', '!=', 'contains', 'bcontains', 'startswith', 'bstartswith', 'endswith', 'in', 'intersects', 'exists'],
    'fd.sip': ['=', '==', '!=', 'in', 'intersects', 'exists'],
    'fd.net': ['=', '==', '!=', 'in', 'intersects', 'exists'],
    'test.list': ['in', 'intersects', 'exists'],
  };
  // a value that parses for each field, in the syntax each operator takes
  const value = (field: string, op: string): string => {
    const v =
      field === 'evt.count' ? '1' : field === 'evt.is_open' ? 'true' : field === 'fd.sip' ? '1.2.3.4' : field === 'fd.net' ? '10.0.0.0/8' : '1';
    if (op === 'exists') return '';
    if (op === 'bcontains' || op === 'bstartswith') return ' 00';
    if (op === 'in' || op === 'intersects' || op === 'pmatch') return ` (${v})`;
    if (['<', '<=', '>', '>='].includes(op)) return ' 1';
    return ` ${v}`;
  };
  for (const [field, ok] of Object.entries(allowed)) {
    it(field, () => {
      for (const op of OPS) {
        const cond = `${field} ${op}${value(field, op)}`;
        let error: string | undefined;
        try {
          compileFilter(cond, opts);
        } catch (e) {
          error = (e as Error).message;
        }
        if (ok.includes(op)) expect(error, cond).toBeUndefined();
        else expect(error, cond).toMatch(/not supported|only 'exists', 'in' and 'intersects'/);
      }
    });
  }
});
