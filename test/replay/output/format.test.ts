import { describe, expect, it } from 'vitest';
import {
  compileOutput,
  exprKey,
  OutputTemplateError,
  libsinspJsonValue,
  parseOutputTemplate,
  suggestedOutputFormats,
  CONTAINER_PLUGIN_SUGGESTED_FIELDS,
  type OutputFieldResolver,
  type ResolvedOutputField,
} from '../../../src/replay/output/format.js';
import type { FieldValue } from '../../../src/replay/fields/types.js';

type Ctx = Record<string, FieldValue | undefined>;

const KNOWN = new Set(['proc.name', 'proc.pid', 'proc.aname', 'proc.env', 'fd.name', 'evt.time', 'user.name', 'proc.args', 'evt.arg', 'evt.arg.fd']);

/** A fake registry: values come from the context under "name" or "name[arg]". */
const resolver: OutputFieldResolver<Ctx> = (name, arg, transformers) => {
  if (!KNOWN.has(name)) throw new Error(`filter_check called with nonexistent field ${name}`);
  if (name === 'proc.aname' && arg !== undefined && !/^[0-9]+$/.test(arg)) throw new Error('bad index');
  const key = arg === undefined ? name : `${name}[${arg}]`;
  const r: ResolvedOutputField<Ctx> = {
    extract: (ctx) => {
      let v = ctx[key];
      if (v === undefined) return undefined;
      for (const t of transformers) {
        if (t === 'toupper') v = String(v).toUpperCase();
        else if (t === 'tolower') v = String(v).toLowerCase();
        else if (t === 'basename') v = String(v).slice(String(v).lastIndexOf('/') + 1);
        else if (t === 'len') v = String(v).length;
        else throw new Error(`unsupported ${t}`);
      }
      return v;
    },
    format: (v) => String(v),
  };
  return r;
};

const accept = (e: Parameters<NonNullable<Parameters<typeof parseOutputTemplate>[1]>>[0]): void => {
  let cur = e;
  while (cur.kind === 'transformer') {
    const a = cur.args[0];
    if (!a || (a.kind !== 'field' && a.kind !== 'transformer')) throw new Error('bad');
    cur = a;
  }
  resolver(cur.name, cur.arg, []);
};

describe('parseOutputTemplate', () => {
  it('splits text and field references', () => {
    const t = parseOutputTemplate('Shell (user=%user.name cmd=%proc.name)', accept);
    expect(t.parts).toEqual([
      { kind: 'text', text: 'Shell (user=' },
      { kind: 'ref', expr: { kind: 'field', name: 'user.name' }, key: 'user.name', width: 0, offset: 12 },
      { kind: 'text', text: ' cmd=' },
      { kind: 'ref', expr: { kind: 'field', name: 'proc.name' }, key: 'proc.name', width: 0, offset: 27 },
      { kind: 'text', text: ')' },
    ]);
  });

  it('takes the longest known field and leaves the rest as text', () => {
    const t = parseOutputTemplate('%proc.namex %fd.name. %proc.name_', accept);
    expect(t.parts.map((p) => (p.kind === 'text' ? `T:${p.text}` : `F:${p.key}`))).toEqual([
      'F:proc.name',
      'T:x ',
      'F:fd.name',
      'T:. ',
      'F:proc.name',
      'T:_',
    ]);
  });

  it('parses arguments: bare, quoted, and bad ones fall back to text', () => {
    const t = parseOutputTemplate('%proc.aname[2] %proc.env["HOME DIR"] %proc.aname[x]', accept);
    expect(t.parts.map((p) => (p.kind === 'text' ? `T:${p.text}` : `F:${p.key}`))).toEqual([
      'F:proc.aname[2]',
      'T: ',
      'F:proc.env["HOME DIR"]',
      'T: ',
      'F:proc.aname',
      'T:[x]',
    ]);
  });

  it('parses dotted evt.arg names as one field', () => {
    const t = parseOutputTemplate('fd=%evt.arg.fd', accept);
    expect(t.parts[1]).toMatchObject({ kind: 'ref', key: 'evt.arg.fd' });
  });

  it('parses transformers, nested, with blanks', () => {
    const t = parseOutputTemplate('%toupper( basename(fd.name) )!', accept);
    expect(t.parts[0]).toMatchObject({ kind: 'ref', key: 'toupper(basename(fd.name))' });
    expect(t.parts[1]).toEqual({ kind: 'text', text: '!' });
  });

  it('drops a leading * and keeps widths', () => {
    const t = parseOutputTemplate('*%10proc.name|', accept);
    expect(t.parts[0]).toMatchObject({ kind: 'ref', key: 'proc.name', width: 10, offset: 1 });
  });

  it('prints keys like libsinsp as_string', () => {
    expect(exprKey({ kind: 'field', name: 'proc.env', arg: '' })).toBe('proc.env[""]');
    expect(exprKey({ kind: 'field', name: 'proc.env', arg: 'a=b' })).toBe('proc.env["a=b"]');
    expect(exprKey({ kind: 'field', name: 'proc.env', arg: 'q"x' })).toBe('proc.env["q\\"x"]');
  });

  it('reports errors with positions', () => {
    const err = (t: string): OutputTemplateError => {
      try {
        parseOutputTemplate(t, accept);
      } catch (e) {
        if (e instanceof OutputTemplateError) return e;
        throw e;
      }
      throw new Error('no error');
    };
    expect(err('abc %').detail).toBe('invalid formatting syntax: formatting cannot end with a %');
    expect(err('abc %').offset).toBe(4);
    expect(err('x %12').detail).toBe('invalid formatting syntax: formatting cannot end with a number');
    const u = err('ok %nosuch.field here');
    expect(u.offset).toBe(3);
    expect(u.detail).toMatch(/^unknown filter: /);
    expect(u.message).toBe(`invalid output format at position 4: ${u.detail}`);
    expect(err('100%% done').offset).toBe(3);
    expect(err('').detail).toBe('empty formatting token');
    // unclosed transformer
    expect(err('%tolower(proc.name').offset).toBe(0);
  });
});

describe('compileOutput', () => {
  it('renders text with <NA> for missing values and output_fields with null', () => {
    const out = compileOutput('File %fd.name opened by %proc.name (pid=%proc.pid)', resolver);
    const r = out({ 'fd.name': '/etc/shadow', 'proc.pid': 42 });
    expect(r.text).toBe('File /etc/shadow opened by <NA> (pid=42)');
    expect(r.fields).toEqual({ 'fd.name': '/etc/shadow', 'proc.name': null, 'proc.pid': 42 });
  });

  it('gives transformed references their inner field, untransformed, in output_fields', () => {
    const out = compileOutput('%toupper(proc.name) %len(fd.name) %toupper(tolower(user.name))', resolver);
    const r = out({ 'proc.name': 'bash', 'fd.name': '/tmp/x', 'user.name': 'Root' });
    expect(r.text).toBe('BASH 6 ROOT');
    expect(r.fields).toEqual({ 'proc.name': 'bash', 'fd.name': '/tmp/x', 'user.name': 'Root' });
  });

  it('pads and truncates to the width in bytes', () => {
    const out = compileOutput('[%6proc.name][%2fd.name]', resolver);
    expect(out({ 'proc.name': 'sh', 'fd.name': '/etc' }).text).toBe('[sh    ][/e]');
    expect(out({}).text).toBe('[<NA>  ][<N]');
  });

  it('keeps literal text verbatim, including quotes and backslashes', () => {
    const out = compileOutput('a "b" \\c %proc.name', resolver);
    expect(out({ 'proc.name': 'x' }).text).toBe('a "b" \\c x');
  });

  it('rejects multi-argument transformers it cannot resolve', () => {
    expect(() => compileOutput('%concat(proc.name, fd.name)', resolver)).toThrow(OutputTemplateError);
  });

  it('uses the resolver json() when given', () => {
    const r2: OutputFieldResolver<Ctx> = (n, a, t) => ({ ...resolver(n, a, t), json: () => 7n });
    expect(compileOutput('%proc.pid', r2)({ 'proc.pid': 1 }).fields).toEqual({ 'proc.pid': 7n });
  });

  it('renders list values element-wise in JSON by default', () => {
    const out = compileOutput('%proc.args', resolver);
    expect(out({ 'proc.args': ['a', 'b'] }).fields).toEqual({ 'proc.args': ['a', 'b'] });
  });
});

describe('suggested output', () => {
  it('builds name_with_underscores=%name', () => {
    expect(suggestedOutputFormats(CONTAINER_PLUGIN_SUGGESTED_FIELDS).join(' ')).toBe(
      'container_id=%container.id container_name=%container.name ' +
        'container_image_repository=%container.image.repository container_image_tag=%container.image.tag ' +
        'k8s_pod_name=%k8s.pod.name k8s_ns_name=%k8s.ns.name',
    );
  });
});

describe('libsinspJsonValue (rawval_to_json)', () => {
  const f = (v: FieldValue): string => (Array.isArray(v) ? v.join(' ') : String(v));
  it('numbers by print format', () => {
    expect(libsinspJsonValue({ type: 'int64', printFormat: 'dec' }, 12, f)).toBe(12);
    expect(libsinspJsonValue({ type: 'uint64', printFormat: 'id' }, 2n ** 63n, f)).toBe(2n ** 63n);
    expect(libsinspJsonValue({ type: 'uint32', printFormat: 'hex' }, 255, () => '0xff')).toBe('0xff');
    expect(libsinspJsonValue({ type: 'reltime', printFormat: 'padded' }, 5, () => '0000000005')).toBe('0000000005');
    expect(libsinspJsonValue({ type: 'double', printFormat: 'dec' }, 2.75, f)).toBe(2);
    expect(libsinspJsonValue({ type: 'double', printFormat: 'na' }, 2.75, f)).toBe(2.75);
  });
  it('other types', () => {
    expect(libsinspJsonValue({ type: 'bool' }, true, f)).toBe(true);
    expect(libsinspJsonValue({ type: 'charbuf' }, 'x', f)).toBe('x');
    expect(libsinspJsonValue({ type: 'ipv4addr' }, 1, () => '0.0.0.1')).toBe('0.0.0.1');
    expect(libsinspJsonValue({ type: 'sockfamily' }, 'ip', f)).toBe(null);
    expect(libsinspJsonValue({ type: 'mode', printFormat: 'oct' }, 420, () => '0644')).toBe('0644');
  });
  it('lists vs candidates', () => {
    expect(libsinspJsonValue({ type: 'int64', isList: true }, [1, 2], f)).toEqual([1, 2]);
    expect(libsinspJsonValue({ type: 'charbuf' }, ['a', 'b'], f)).toBe('a b');
  });
});
