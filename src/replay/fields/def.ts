/**
 * Building blocks of the field classes: the `ReplayFieldDef` shape (a `FieldDef` over
 * `ReplayContext` plus what listing and output rendering need) and small constructors.
 */
import type { ReplayContext } from './context.js';
import type { CompiledField, Extractor, FieldArgKind, FieldDef, FieldType } from './types.js';
import { FieldArgError } from './types.js';

/** How libsinsp prints a numeric field (its PF_* print format). */
export type PrintFormat = 'dec' | 'hex' | 'oct' | 'padded' | 'id' | 'dir' | 'na';

/** A compiled field whose output value differs from what conditions compare (proc.aname). */
export interface ReplayCompiledField extends CompiledField<ReplayContext> {
  /** The extractor outputs use; defaults to `extract`. */
  readonly outputExtract?: Extractor<ReplayContext>;
}

export interface ReplayFieldDef extends FieldDef<ReplayContext> {
  /** The field class (`evt`, `process`, `fd`, ...), for listings. */
  readonly fieldClass: string;
  readonly printFormat: PrintFormat;
  compile(arg: string | undefined): Extractor<ReplayContext> | ReplayCompiledField;
}

export interface DefOptions {
  readonly arg?: FieldArgKind;
  readonly isList?: boolean;
  readonly filterOnly?: boolean;
  readonly outputOnly?: boolean;
  readonly noTransformer?: boolean;
  readonly noRhs?: boolean;
  readonly deprecated?: boolean;
  readonly printFormat?: PrintFormat;
}

/** A field without an argument: the extractor is the same closure for every use. */
export function field(
  fieldClass: string,
  name: string,
  type: FieldType,
  description: string,
  extract: Extractor<ReplayContext>,
  opts: DefOptions = {},
): ReplayFieldDef {
  return {
    fieldClass,
    name,
    type,
    description,
    arg: opts.arg ?? 'none',
    printFormat: opts.printFormat ?? defaultFormat(type),
    ...flags(opts),
    compile: () => extract,
  };
}

/** A field whose extractor depends on its argument. */
export function argField(
  fieldClass: string,
  name: string,
  type: FieldType,
  description: string,
  arg: FieldArgKind,
  compile: (arg: string | undefined) => Extractor<ReplayContext> | ReplayCompiledField,
  opts: DefOptions = {},
): ReplayFieldDef {
  return {
    fieldClass,
    name,
    type,
    description,
    arg,
    printFormat: opts.printFormat ?? defaultFormat(type),
    ...flags(opts),
    compile,
  };
}

function flags(o: DefOptions): Partial<ReplayFieldDef> {
  const out: { -readonly [K in keyof DefOptions]?: DefOptions[K] } = {};
  if (o.isList) out.isList = true;
  if (o.filterOnly) out.filterOnly = true;
  if (o.outputOnly) out.outputOnly = true;
  if (o.noTransformer) out.noTransformer = true;
  if (o.noRhs) out.noRhs = true;
  if (o.deprecated) out.deprecated = true;
  return out as Partial<ReplayFieldDef>;
}

function defaultFormat(t: FieldType): PrintFormat {
  switch (t) {
    case 'charbuf':
    case 'bytebuf':
    case 'bool':
    case 'double':
    case 'ipaddr':
    case 'ipnet':
    case 'ipv4addr':
    case 'ipv4net':
    case 'ipv6addr':
    case 'ipv6net':
    case 'fspath':
    case 'fsrelpath':
      return 'na';
    default:
      return 'dec';
  }
}

/** Parses a numeric index argument (already checked to be digits by the compiler). */
export function indexArg(arg: string | undefined, name: string): number {
  if (arg === undefined || !/^[0-9]+$/.test(arg)) throw new FieldArgError(`'${name}' needs a numeric index, got '${arg ?? ''}'`);
  const n = Number(arg);
  if (!Number.isSafeInteger(n) || n > 0x7fffffff) throw new FieldArgError(`index ${arg} is out of range`);
  return n;
}

/** The extractor of an output field: `outputExtract` when the compiled field has one. */
export function outputExtractor(compiled: Extractor<ReplayContext> | ReplayCompiledField): Extractor<ReplayContext> {
  if (typeof compiled === 'function') return compiled;
  return compiled.outputExtract ?? compiled.extract;
}
