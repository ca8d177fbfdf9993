import { describe, expect, it } from 'vitest';
import {
  ValueError,
  ipInNet,
  parseInteger,
  parseIpAddr,
  parseIpNet,
  parseIpv4,
  parseIpv6,
  parseNumeric,
  unhex,
} from '../../../src/replay/filter/values.js';
import { decodeBase64 } from '../../../src/replay/filter/transformers.js';
import { SimpleFieldRegistry } from '../../../src/replay/fields/types.js';
import { registry } from './fake-fields.js';

const hex6 = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('numbers', () => {
  it('decimal and hex with sign', () => {
    expect(parseInteger('42')).toBe(42n);
    expect(parseInteger('-42')).toBe(-42n);
    expect(parseInteger('+7')).toBe(7n);
    expect(parseInteger(' 7')).toBe(7n);
    expect(parseInteger('0x1F')).toBe(31n);
    expect(parseInteger('-0x10')).toBe(-16n);
    expect(parseInteger('7 ')).toBeUndefined();
    expect(parseInteger('1e3')).toBeUndefined();
    expect(parseInteger('')).toBeUndefined();
  });

  it('wraps to the type width', () => {
    expect(parseNumeric('256', 'uint8')).toBe(0);
    expect(parseNumeric('-1', 'uint16')).toBe(65535);
    expect(parseNumeric('128', 'int8')).toBe(-128);
    expect(parseNumeric('-1', 'uint64')).toBe(18446744073709551615n);
    expect(parseNumeric('9007199254740991', 'int64')).toBe(9007199254740991);
    expect(parseNumeric('9007199254740993', 'int64')).toBe(9007199254740993n);
    expect(parseNumeric('2.5', 'double')).toBe(2.5);
    expect(() => parseNumeric('x', 'int32')).toThrow(ValueError);
  });
});

describe('addresses', () => {
  it('IPv4 like inet_pton', () => {
    expect(parseIpv4('1.2.3.4')).toBe(0x01020304);
    expect(parseIpv4('255.255.255.255')).toBe(0xffffffff);
    expect(parseIpv4('1.2.3')).toBeUndefined();
    expect(parseIpv4('1.2.3.04')).toBeUndefined();
    expect(parseIpv4('1.2.3.256')).toBeUndefined();
    expect(parseIpv4('1.2.3.4.5')).toBeUndefined();
  });

  it('IPv6 forms', () => {
    expect(hex6(parseIpv6('::')!)).toBe('0'.repeat(32));
    expect(hex6(parseIpv6('::1')!)).toBe('0'.repeat(31) + '1');
    expect(hex6(parseIpv6('2001:db8::ff00:42:8329')!)).toBe('20010db8000000000000ff0000428329');
    expect(hex6(parseIpv6('fe80::')!)).toBe('fe80' + '0'.repeat(28));
    expect(hex6(parseIpv6('::ffff:192.168.1.1')!)).toBe('00000000000000000000ffffc0a80101');
    expect(hex6(parseIpv6('1:2:3:4:5:6:7:8')!)).toBe('00010002000300040005000600070008');
    expect(parseIpv6('1:2:3:4:5:6:7')).toBeUndefined();
    expect(parseIpv6('1::2::3')).toBeUndefined();
    expect(parseIpv6('12345::')).toBeUndefined();
    expect(parseIpv6('g::')).toBeUndefined();
    expect(parseIpv6('1.2.3.4::')).toBeUndefined();
  });

  it('networks and membership', () => {
    const n = parseIpNet('10.0.0.0/8', undefined);
    expect(n).toEqual({ family: 4, addr: 0x0a000000, mask: 0xff000000 });
    expect(ipInNet(0x0a0b0c0d, n)).toBe(true);
    expect(ipInNet(0x0b000000, n)).toBe(false);
    expect(ipInNet(parseIpAddr('::1', undefined), n)).toBe(false);
    const n6 = parseIpNet('2001:db8::/32', undefined);
    expect(ipInNet(parseIpAddr('2001:db8:1::1', undefined), n6)).toBe(true);
    expect(ipInNet(parseIpAddr('2001:db9::1', undefined), n6)).toBe(false);
    expect(ipInNet(0x0a000001, n6)).toBe(false);
    expect(() => parseIpNet('10.0.0.0', undefined)).toThrow(ValueError);
    expect(() => parseIpNet('10.0.0.0/x', undefined)).toThrow(/bad prefix length/);
    expect(() => parseIpNet('::/129', undefined)).toThrow(/above 128/);
  });
});

describe('hex and base64', () => {
  it('unhex', () => {
    expect(unhex('0aFF')).toEqual(Uint8Array.of(10, 255));
    expect(unhex('')).toEqual(new Uint8Array(0));
    expect(unhex('abc')).toBeUndefined();
    expect(unhex('zz')).toBeUndefined();
  });

  it('base64 decoding', () => {
    const e = (s: string) => new TextEncoder().encode(s);
    const d = (s: string) => {
      const r = decodeBase64(e(s));
      return r === undefined ? undefined : new TextDecoder().decode(r);
    };
    expect(d('aGVsbG8=')).toBe('hello');
    expect(d('aGVsbG8')).toBe('hello');
    expect(d('aGk=')).toBe('hi');
    expect(d('')).toBe('');
    expect(d('a')).toBeUndefined();
    expect(d('a$==')).toBeUndefined();
  });
});

describe('SimpleFieldRegistry', () => {
  it('exact names, dotted arguments, unknown names', () => {
    expect(registry.lookup('proc.name')?.def.name).toBe('proc.name');
    expect(registry.lookup('evt.arg.name')).toMatchObject({ def: { name: 'evt.arg' }, arg: 'name' });
    expect(registry.lookup('evt.arg.a.b')).toMatchObject({ def: { name: 'evt.arg' }, arg: 'a.b' });
    // index-only fields do not take dotted arguments
    expect(registry.lookup('proc.aname.x')).toBeUndefined();
    expect(registry.lookup('proc.name.x')).toBeUndefined();
    expect(registry.lookup('nope.x')).toBeUndefined();
    expect(registry.list().length).toBeGreaterThan(10);
    expect(new SimpleFieldRegistry([]).list()).toEqual([]);
  });
});
