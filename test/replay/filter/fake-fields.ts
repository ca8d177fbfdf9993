/** A tiny in-test field registry: each fake field reads `ctx.evt[name]`. */
import {
  FieldArgError,
  SimpleFieldRegistry,
  type FieldDef,
  type FieldType,
  type FieldValue,
  type FieldArgKind,
} from '../../../src/replay/fields/types.js';

export interface FakeCtx {
  readonly evt: Record<string, FieldValue | undefined>;
}

export function ctx(values: Record<string, FieldValue | undefined>): FakeCtx {
  return { evt: values };
}

function plain(name: string, type: FieldType, extra: Partial<FieldDef<FakeCtx>> = {}): FieldDef<FakeCtx> {
  return {
    name,
    type,
    description: `fake ${name}`,
    arg: 'none' as FieldArgKind,
    compile: () => (c: FakeCtx) => c.evt[name],
    ...extra,
  };
}

/** Counts compile() calls, to check that compilation happens once. */
export const compileCalls = { n: 0 };

export const FAKE_FIELDS: FieldDef<FakeCtx>[] = [
  plain('proc.name', 'charbuf'),
  plain('proc.pname', 'charbuf'),
  plain('proc.cmdline', 'charbuf'),
  plain('proc.exepath', 'fspath'),
  plain('fd.name', 'fspath'),
  plain('fd.directory', 'fspath'),
  plain('proc.pid', 'pid'),
  plain('proc.ppid', 'pid'),
  plain('proc.vpid', 'int64'),
  plain('evt.count', 'uint64'),
  plain('evt.num', 'uint32'),
  plain('evt.small', 'uint8'),
  plain('evt.cpu', 'int16'),
  plain('evt.res', 'errno'),
  plain('evt.dbl', 'double'),
  plain('user.uid', 'uint32'),
  plain('fd.sip', 'ipaddr'),
  plain('fd.cip', 'ipaddr'),
  plain('fd.net', 'ipnet'),
  plain('fd.snet', 'ipnet'),
  plain('x.ipv4', 'ipv4addr'),
  plain('x.ipv6', 'ipv6addr'),
  plain('x.net4', 'ipv4net'),
  plain('x.net6', 'ipv6net'),
  plain('fd.sport', 'port'),
  plain('fd.cport', 'port'),
  plain('evt.buffer', 'bytebuf'),
  plain('evt.data', 'bytebuf'),
  plain('evt.is_open', 'bool'),
  plain('evt.is_io', 'bool'),
  plain('evt.fam', 'sockfamily'),
  plain('test.list', 'charbuf', { isList: true }),
  plain('test.list2', 'charbuf', { isList: true }),
  plain('test.nums', 'uint64', { isList: true }),
  plain('test.nets', 'ipnet', { isList: true }),
  plain('test.ints', 'int32', { isList: true }),
  plain('evt.out', 'charbuf', { outputOnly: true }),
  plain('evt.fonly', 'charbuf', { filterOnly: true }),
  plain('proc.notr', 'charbuf', { noTransformer: true }),
  plain('proc.norhs', 'charbuf', { noRhs: true }),
  {
    name: 'proc.aname',
    type: 'charbuf',
    description: 'ancestor names; without index: any ancestor',
    arg: 'optional-index',
    compile(arg) {
      compileCalls.n++;
      if (arg === undefined) {
        return { extract: (c: FakeCtx) => c.evt['proc.aname'], mode: 'any' as const };
      }
      const i = Number(arg);
      if (i > 20) throw new FieldArgError(`index ${i} is too large`);
      return (c: FakeCtx) => {
        const v = c.evt['proc.aname'];
        return Array.isArray(v) ? v[i - 1] : undefined;
      };
    },
  },
  {
    name: 'fd.ip',
    type: 'ipaddr',
    description: 'client or server address',
    arg: 'none',
    operators: ['=', '!=', 'in', 'exists'],
    compile: () => ({ extract: (c: FakeCtx) => c.evt['fd.ip'], mode: 'either' as const }),
  },
  {
    name: 'proc.env',
    type: 'charbuf',
    description: 'environment variable',
    arg: 'key',
    compile(arg) {
      const key = arg!;
      return (c: FakeCtx) => {
        const env = c.evt['proc.env'];
        if (!Array.isArray(env)) return undefined;
        for (const kv of env as string[]) if (kv.startsWith(key + '=')) return kv.slice(key.length + 1);
        return undefined;
      };
    },
  },
  {
    name: 'evt.arg',
    type: 'charbuf',
    description: 'argument by index or name',
    arg: 'index-or-key',
    compile(arg) {
      return (c: FakeCtx) => c.evt[`evt.arg.${arg!}`];
    },
  },
  {
    name: 'evt.rawarg',
    type: 'charbuf',
    description: 'raw argument whose type depends on the name',
    arg: 'key',
    compile(arg) {
      if (arg === 'res') return { extract: (c: FakeCtx) => c.evt['evt.rawarg.res'], type: 'int64' };
      return (c: FakeCtx) => c.evt[`evt.rawarg.${arg!}`];
    },
  },
];

export const registry = new SimpleFieldRegistry<FakeCtx>(FAKE_FIELDS);
