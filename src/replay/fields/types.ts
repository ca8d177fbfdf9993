/**
 * The contract between the condition compiler (src/replay/filter) and the field classes
 * (proc.*, fd.*, evt.*, ...).
 *
 * A field class describes each of its fields with a `FieldDef`. At rule-load time the
 * compiler looks a field up in a `FieldRegistry`, checks its type against the operator and
 * the constant, and calls `compile(arg)` once to obtain an `Extractor`: a closure that, per
 * event, returns the field's value or `undefined` (no value, printed `<NA>`). All argument
 * parsing happens in `compile`; the per-event path is a plain closure call.
 *
 * Values by type (see `FieldValue`):
 * - integer types, times, ports, modes, flags, ids: `number` (or `bigint` when a 64-bit value
 *   does not fit a double exactly); `double`: `number`
 * - `charbuf`, `fspath`, `fsrelpath`: `string`
 * - `sockfamily`, `l4proto`, `uid`, `gid`: `number` (compared as numbers; libsinsp refuses
 *   comparisons on a few of these raw types, this toolkit is lenient)
 * - `bytebuf`: `Uint8Array`
 * - `bool`: `boolean`
 * - addresses (`ipaddr`, `ipv4addr`, `ipv6addr`) and the address a `*net` field extracts:
 *   `IpAddr` — an IPv4 address is a `number` (unsigned, `a.b.c.d` = a·2²⁴+b·2¹⁶+c·2⁸+d),
 *   an IPv6 address a 16-byte `Uint8Array`
 * - a list field (`isList`) returns a `readonly` array of the above.
 */

/**
 * Field types (libsinsp's PT_* parameter types that fields use). The names are libsinsp's
 * without the `PT_` prefix, lower-cased.
 */
export type FieldType =
  | 'int8'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'uint8'
  | 'uint16'
  | 'uint32'
  | 'uint64'
  | 'charbuf'
  | 'bytebuf'
  | 'bool'
  | 'ipaddr'
  | 'ipnet'
  | 'ipv4addr'
  | 'ipv4net'
  | 'ipv6addr'
  | 'ipv6net'
  | 'port'
  | 'l4proto'
  | 'fspath'
  | 'fsrelpath'
  | 'abstime'
  | 'reltime'
  | 'double'
  | 'sockfamily'
  | 'mode'
  | 'flags8'
  | 'flags16'
  | 'flags32'
  | 'enumflags8'
  | 'enumflags16'
  | 'enumflags32'
  | 'uid'
  | 'gid'
  | 'pid'
  | 'fd'
  | 'errno'
  | 'syscallid'
  | 'sigtype';

/** An IP address: IPv4 as an unsigned 32-bit number, IPv6 as 16 bytes. */
export type IpAddr = number | Uint8Array;

/** A scalar field value. */
export type ScalarValue = string | number | bigint | boolean | Uint8Array;

/** What an extractor returns for one event. Arrays only for list fields and `multi: 'any'`. */
export type FieldValue = ScalarValue | readonly ScalarValue[];

/**
 * Per-event evaluation context. Field classes decide what it holds (the event, the thread
 * and fd tables, ...); the compiler never looks inside it. The condition compiler is
 * generic in it, so a field registry fixes the concrete type.
 */
export interface EvalContext {
  readonly evt: unknown;
}

/** Per-event extraction: the value, or `undefined` when the field has no value (`<NA>`). */
export type Extractor<C = EvalContext> = (ctx: C) => FieldValue | undefined;

/**
 * How a field takes an argument:
 * - `none`: no argument (`proc.name`)
 * - `index`: a required non-negative integer (`proc.aname[2]`, `evt.arg[0]`)
 * - `key`: a required string (`proc.env[HOME]`, `evt.arg.name` / `evt.arg[name]`)
 * - `optional-index` / `optional-key`: the same, but may be omitted
 * - `index-or-key`: a required index or name (`evt.arg[0]`, `evt.arg[fd]`, `evt.arg.fd`)
 * - `optional-index-or-key`
 */
export type FieldArgKind = 'none' | 'index' | 'key' | 'optional-index' | 'optional-key' | 'index-or-key' | 'optional-index-or-key';

/**
 * How an extractor's array result is compared (libsinsp semantics):
 * - `single` (default): one scalar value.
 * - `list`: a list field (libsinsp EPF_IS_LIST). Only `exists`, `in` (every element is in
 *   the set) and `intersects` (some element is in the set) apply; `len()` counts elements.
 * - `any`: several candidate values, and the check is true when the operator holds for at
 *   least one of them. This is how libsinsp treats `proc.aname` / `proc.apid` /
 *   `proc.aexe` ... without an index (all ancestors), and `fd.ip`/`fd.port`/`fd.proto`
 *   For `!=` that means "some candidate differs".
 * - `either`: like `any`, except that `!=` holds only when no candidate is equal. This is
 *   libsinsp's `fd.ip` / `fd.port` / `fd.proto` (client or server side of a connection).
 */
export type ValueMode = 'single' | 'list' | 'any' | 'either';

/** Optional richer result of `FieldDef.compile` when the argument changes the field's shape. */
export interface CompiledField<C = EvalContext> {
  readonly extract: Extractor<C>;
  /** The type for this argument when it differs from `FieldDef.type` (e.g. `evt.rawarg`). */
  readonly type?: FieldType;
  /** How array results are compared; default from the def (`isList` → 'list', else 'single'). */
  readonly mode?: ValueMode;
}

/** Thrown by `FieldDef.compile` for a bad argument; the compiler adds the position. */
export class FieldArgError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FieldArgError';
  }
}

export interface FieldDef<C = EvalContext> {
  /** Full name, e.g. `proc.name`, `evt.arg`. */
  readonly name: string;
  readonly type: FieldType;
  readonly description: string;
  readonly arg: FieldArgKind;
  /** A list field (libsinsp EPF_IS_LIST): the extractor returns an array. */
  readonly isList?: boolean;
  /** Usable in conditions only, not in outputs (libsinsp EPF_FILTER_ONLY). */
  readonly filterOnly?: boolean;
  /** Usable in outputs only, not in conditions (libsinsp EPF_TABLE_ONLY / EPF_FORMAT_ONLY). */
  readonly outputOnly?: boolean;
  /** Transformers may not be applied to it (libsinsp: no EPF_NO_TRANSFORMER). */
  readonly noTransformer?: boolean;
  /** Cannot take part in `val(...)` field-to-field comparisons (libsinsp: no EPF_NO_RHS). */
  readonly noRhs?: boolean;
  /**
   * Restricts the operators a condition may use on this field (e.g. libsinsp's `fd.ip`
   * accepts only `=`, `==`, `!=`, `in`, `exists`); default: whatever the type allows.
   */
  readonly operators?: readonly string[];
  /** Deprecated; kept for old rules. */
  readonly deprecated?: boolean;
  /**
   * Compiles the per-event extractor for an argument (already validated against `arg`:
   * present when required, an integer for `index`). May throw `FieldArgError`. Returns the
   * extractor, or a `CompiledField` when the argument changes type or value mode.
   */
  compile(arg?: string): Extractor<C> | CompiledField<C>;
}

/** Result of a registry lookup. */
export interface FieldLookup<C = EvalContext> {
  readonly def: FieldDef<C>;
  /**
   * An argument carried in the name itself (`evt.arg.name` → `name`), if any. A bracketed
   * argument from the condition is passed separately; having both is an error.
   */
  readonly arg?: string;
}

export interface FieldRegistry<C = EvalContext> {
  /**
   * Resolves a dotted field name as written in a condition (`proc.name`, `evt.arg.name`,
   * `proc.aname`). Returns `undefined` for unknown fields.
   */
  lookup(name: string): FieldLookup<C> | undefined;
  /** Every field, for listing and suggestions. */
  list(): readonly FieldDef<C>[];
}

/** A registry over a fixed set of definitions, with optional `prefix.arg` fields. */
export class SimpleFieldRegistry<C = EvalContext> implements FieldRegistry<C> {
  private readonly byName = new Map<string, FieldDef<C>>();

  constructor(defs: readonly FieldDef<C>[]) {
    for (const d of defs) this.byName.set(d.name, d);
  }

  lookup(name: string): FieldLookup<C> | undefined {
    const exact = this.byName.get(name);
    if (exact) return { def: exact };
    // `evt.arg.name`: the longest known prefix that takes an argument.
    let dot = name.lastIndexOf('.');
    while (dot > 0) {
      const def = this.byName.get(name.slice(0, dot));
      if (def && def.arg !== 'none' && def.arg !== 'index' && def.arg !== 'optional-index') {
        return { def, arg: name.slice(dot + 1) };
      }
      dot = name.lastIndexOf('.', dot - 1);
    }
    return undefined;
  }

  list(): readonly FieldDef<C>[] {
    return [...this.byName.values()];
  }
}

/** The numeric family: compared as numbers, values parsed as integers. */
export function isNumericType(t: FieldType): boolean {
  switch (t) {
    case 'int8':
    case 'int16':
    case 'int32':
    case 'int64':
    case 'uint8':
    case 'uint16':
    case 'uint32':
    case 'uint64':
    case 'port':
    case 'l4proto':
    case 'abstime':
    case 'reltime':
    case 'double':
    case 'mode':
    case 'flags8':
    case 'flags16':
    case 'flags32':
    case 'enumflags8':
    case 'enumflags16':
    case 'enumflags32':
    case 'uid':
    case 'gid':
    case 'pid':
    case 'fd':
    case 'errno':
    case 'syscallid':
    case 'sigtype':
    case 'sockfamily':
      return true;
    default:
      return false;
  }
}

/** String-like types: compared as text. */
export function isStringType(t: FieldType): boolean {
  return t === 'charbuf' || t === 'fspath' || t === 'fsrelpath';
}

export function isIpType(t: FieldType): boolean {
  return t === 'ipaddr' || t === 'ipv4addr' || t === 'ipv6addr' || t === 'ipnet' || t === 'ipv4net' || t === 'ipv6net';
}

export function isNetType(t: FieldType): boolean {
  return t === 'ipnet' || t === 'ipv4net' || t === 'ipv6net';
}
