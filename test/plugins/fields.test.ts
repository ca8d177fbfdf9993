import { describe, expect, it } from 'vitest';
import { PluginFieldBinder, parsePluginFields, resolveRequest } from '../../src/plugins/fields.js';
import type { NativeExtractField, NativeValue } from '../../src/plugins/native.js';
import { FieldArgError } from '../../src/replay/fields/types.js';

const JSON_FIELDS = JSON.stringify([
  { name: 'x.s', type: 'string', desc: 'str', addOutput: true, display: 'S' },
  { name: 'x.n', type: 'uint64', desc: 'num' },
  { name: 'x.b', type: 'bool', desc: 'bool' },
  { name: 'x.r', type: 'reltime', desc: 'rel' },
  { name: 'x.a', type: 'abstime', desc: 'abs' },
  { name: 'x.ip', type: 'ipaddr', desc: 'ip', isList: true },
  { name: 'x.net', type: 'ipnet', desc: 'net', properties: ['hidden', 'info'] },
  { name: 'x.i', type: 'string', desc: 'i', arg: { isRequired: true, isIndex: true } },
  { name: 'x.k', type: 'string', desc: 'k', arg: { isRequired: true, isKey: true } },
  { name: 'x.ik', type: 'string', desc: 'ik', arg: { isIndex: true, isKey: true } },
  { name: 'x.ok', type: 'string', desc: 'ok', arg: { isKey: true } },
]);

describe('plugin field lists', () => {
  const fields = parsePluginFields('p', JSON_FIELDS);

  it('parses types, lists, args and properties', () => {
    expect(fields.map((f) => [f.name, f.id, f.type, f.isList, f.argKind])).toEqual([
      ['x.s', 0, 'string', false, 'none'],
      ['x.n', 1, 'uint64', false, 'none'],
      ['x.b', 2, 'bool', false, 'none'],
      ['x.r', 3, 'reltime', false, 'none'],
      ['x.a', 4, 'abstime', false, 'none'],
      ['x.ip', 5, 'ipaddr', true, 'none'],
      ['x.net', 6, 'ipnet', false, 'none'],
      ['x.i', 7, 'string', false, 'index'],
      ['x.k', 8, 'string', false, 'key'],
      ['x.ik', 9, 'string', false, 'optional-index-or-key'],
      ['x.ok', 10, 'string', false, 'optional-key'],
    ]);
    expect(fields[0]).toMatchObject({ addOutput: true, display: 'S' });
    expect(fields[6]!.properties).toEqual(['hidden', 'info']);
  });

  it('resolves requests and checks arguments', () => {
    expect(resolveRequest(fields, { field: 'x.n' })).toEqual({ id: 1, name: 'x.n', ftype: 8, list: false });
    expect(resolveRequest(fields, { field: 'x.ip' })).toMatchObject({ ftype: 40, list: true });
    expect(resolveRequest(fields, { field: 'x.i', arg: '3' })).toMatchObject({ argIndex: 3 });
    expect(resolveRequest(fields, { field: 'x.i', arg: 4 })).toMatchObject({ argIndex: 4 });
    expect(resolveRequest(fields, { field: 'x.k', arg: '7' })).toMatchObject({ argKey: '7' });
    expect(resolveRequest(fields, { field: 'x.ik', arg: '7' })).toMatchObject({ argIndex: 7 });
    expect(resolveRequest(fields, { field: 'x.ik', arg: 'home' })).toMatchObject({ argKey: 'home' });
    expect(resolveRequest(fields, { field: 'x.ok' })).not.toHaveProperty('argKey');
    expect(() => resolveRequest(fields, { field: 'x.i', arg: '-1' })).toThrow(FieldArgError);
    expect(() => resolveRequest(fields, { field: 'x.i', arg: '99999999999999999999' })).toThrow(/too large/);
    expect(() => resolveRequest(fields, { field: 'x.i' })).toThrow(/requires an argument \(an index\)/);
    expect(() => resolveRequest(fields, { field: 'x.k' })).toThrow(/requires an argument \(a key\)/);
    expect(() => resolveRequest(fields, { field: 'x.s', arg: 'a' })).toThrow(/does not take an argument/);
    expect(() => resolveRequest(fields, { field: 'y' })).toThrow(/unknown plugin field 'y'/);
  });

  it('maps to FieldDefs and binds slots to batched values', () => {
    const calls: NativeExtractField[][] = [];
    const binder = new PluginFieldBinder({
      name: 'p',
      fields: () => fields,
      prepare: (reqs) => {
        calls.push([...reqs]);
        return (_events, first): NativeValue[] => [...reqs.map((r) => `${r.name}@${first}`), ...reqs.map(() => undefined)];
      },
    });
    const defs = binder.defs();
    expect(defs.map((d) => [d.name, d.type, d.arg, d.isList ?? false, d.outputOnly ?? false])).toEqual([
      ['x.s', 'charbuf', 'none', false, false],
      ['x.n', 'uint64', 'none', false, false],
      ['x.b', 'bool', 'none', false, false],
      ['x.r', 'reltime', 'none', false, false],
      ['x.a', 'abstime', 'none', false, false],
      ['x.ip', 'ipaddr', 'none', true, false],
      ['x.net', 'ipnet', 'none', false, true],
      ['x.i', 'charbuf', 'index', false, false],
      ['x.k', 'charbuf', 'key', false, false],
      ['x.ik', 'charbuf', 'optional-index-or-key', false, false],
      ['x.ok', 'charbuf', 'optional-key', false, false],
    ]);
    const s = defs[0]!.compile() as (c: object) => unknown;
    const k = defs[8]!.compile('home') as (c: object) => unknown;
    defs[0]!.compile();
    expect(binder.width).toBe(2);
    const rows = binder.extract(new Uint8Array(1), 2, 5);
    expect(calls.length).toBe(1);
    expect(s({ evt: 0, plugin: rows.row(0) })).toBe('x.s@5');
    expect(k({ evt: 0, plugin: rows.row(0) })).toBe('x.k@5');
    expect(s({ evt: 0, plugin: rows.row(1) })).toBeUndefined();
    binder.extract(new Uint8Array(1), 2, 7);
    expect(calls.length).toBe(1); // prepared once
    defs[1]!.compile();
    binder.extract(new Uint8Array(1), 2, 9);
    expect(calls.length).toBe(2); // re-prepared after a new slot
  });
});
