/**
 * Rule output templates (libsinsp's `sinsp_evt_formatter`).
 *
 * A template is literal text with field references:
 *
 * - `%proc.name`, `%proc.aname[2]`, `%proc.env["HOME"]`: a field, with an optional argument;
 * - `%tolower(proc.name)`, `%toupper(basename(fd.name))`: transformers around a field;
 * - `%20proc.name`: a width; the value is cut or right-padded with spaces to 20 bytes;
 * - a leading `*` is dropped. (libsinsp uses it to mean "print `<NA>` for missing values
 *   instead of dropping the line"; Falco always formats that way, and so do we.)
 *
 * Field references are resolved like libsinsp does: after a `%`, the longest prefix of the
 * rest of the template that parses as a field (or transformer) expression *and* is accepted
 * by the field registry wins; anything after it is literal text again. So in
 * `%proc.namex` the field is `proc.name` (when `proc.namex` is unknown) followed by "x", and
 * in `%fd.name.` the trailing dot is text.
 *
 * The template is parsed and compiled once; the per-event closure only calls extractors.
 *
 * What a compiled template produces per event:
 * - `text`: Falco's rendered message (missing values print `<NA>`);
 * - `fields`: the JSON `output_fields` contribution: one key per field reference as the
 *   filter AST prints it (`proc.name`, `proc.aname[2]`), null when missing. Transformed
 *   references contribute their *inner* field, untransformed; the transformed value itself
 *   is not a key (libsinsp's resolution tokens skip transformers by default).
 */
import { InputError } from '../../errors.js';
import type { FieldType, FieldValue } from '../fields/types.js';

/** A value in JSON `output_fields`. bigint keeps 64-bit integers exact. */
export type OutputJsonValue = string | number | bigint | boolean | null | readonly OutputJsonValue[];

/** How the caller (the field registry) renders one field reference. */
export interface ResolvedOutputField<C> {
  /** The value for this event, or undefined when the field has no value. */
  extract(ctx: C): FieldValue | undefined;
  /** Text rendering of a present value (libsinsp `tostring`). */
  format(value: FieldValue, ctx: C): string;
  /**
   * JSON rendering of a present value (libsinsp `tojson`; see `libsinspJsonValue`). When
   * absent: numbers, bigints, booleans and strings as themselves, arrays element-wise,
   * anything else as `format()`.
   */
  json?(value: FieldValue, ctx: C): OutputJsonValue;
}

/**
 * Looks up a field for an output: `name` (e.g. `proc.aname`), its argument as written
 * (unquoted), and the transformers applied to it, innermost first
 * (`%toupper(basename(fd.name))` → `['basename', 'toupper']`). Throws (any Error) when the
 * field is unknown, the argument is invalid, or a transformer does not apply.
 */
export type OutputFieldResolver<C> = (
  name: string,
  arg: string | undefined,
  transformers: readonly string[],
) => ResolvedOutputField<C>;

/** A bad template; `offset` is the 0-based index into the template as given. */
export class OutputTemplateError extends InputError {
  constructor(
    readonly template: string,
    readonly offset: number,
    readonly detail: string,
  ) {
    super(`invalid output format at position ${offset + 1}: ${detail}`);
    this.name = 'OutputTemplateError';
  }
}

// ---------------------------------------------------------------------------------------
// AST
// ---------------------------------------------------------------------------------------

export interface FieldRefExpr {
  readonly kind: 'field';
  readonly name: string;
  readonly arg?: string;
}
export interface TransformerRefExpr {
  readonly kind: 'transformer';
  readonly name: string;
  readonly args: readonly TemplateExpr[];
  readonly arg?: string;
}
export interface ValueRefExpr {
  readonly kind: 'value';
  readonly value: string;
}
export interface ListRefExpr {
  readonly kind: 'list';
  readonly items: readonly TemplateExpr[];
}
export type TemplateExpr = FieldRefExpr | TransformerRefExpr | ValueRefExpr | ListRefExpr;

export interface TemplateText {
  readonly kind: 'text';
  readonly text: string;
}
export interface TemplateRef {
  readonly kind: 'ref';
  readonly expr: FieldRefExpr | TransformerRefExpr;
  /** The reference as libsinsp prints it, e.g. `tolower(proc.name)`, `proc.aname[2]`. */
  readonly key: string;
  /** `%20proc.name` → 20; 0 = no width. */
  readonly width: number;
  /** 0-based offset of the `%` in the original template. */
  readonly offset: number;
}
export type TemplatePart = TemplateText | TemplateRef;

export interface ParsedTemplate {
  readonly parts: readonly TemplatePart[];
}

const TRANSFORMERS = ['tolower', 'toupper', 'b64', 'basename', 'len', 'join', 'concat', 'getopt'] as const;

// ---------------------------------------------------------------------------------------
// Printing (libsinsp ast::as_string / escape_str)
// ---------------------------------------------------------------------------------------

/** libsinsp `escape_str`: quote (and escape) a string when it holds blanks, `=`, quotes... */
export function escapeFilterString(s: string): string {
  let res = '';
  let quote = false;
  for (const ch of s) {
    switch (ch) {
      case '\b':
        res += '\\b';
        quote = true;
        break;
      case '\f':
        res += '\\f';
        quote = true;
        break;
      case '\n':
        res += '\\n';
        quote = true;
        break;
      case '\r':
        res += '\\r';
        quote = true;
        break;
      case '\t':
        res += '\\t';
        quote = true;
        break;
      case '\\':
        res += '\\\\';
        quote = true;
        break;
      case '"':
        res += '\\"';
        quote = true;
        break;
      case ' ':
      case '=':
      case "'":
      case '\0':
        res += ch;
        quote = true;
        break;
      default:
        res += ch;
    }
  }
  return quote ? `"${res}"` : res;
}

function argSuffix(arg: string | undefined): string {
  if (arg === undefined) return '';
  return arg === '' ? '[""]' : `[${escapeFilterString(arg)}]`;
}

/** The libsinsp string form of a template expression (the JSON `output_fields` key). */
export function exprKey(e: TemplateExpr): string {
  switch (e.kind) {
    case 'field':
      return e.name + argSuffix(e.arg);
    case 'transformer':
      return `${e.name}(${e.args.map(exprKey).join(',')})${argSuffix(e.arg)}`;
    case 'value':
      return escapeFilterString(e.value);
    case 'list':
      return `(${e.items.map(exprKey).join(',')})`;
  }
}

// ---------------------------------------------------------------------------------------
// Parser for one `%` reference (libsinsp parser::parse_field_or_transformer)
// ---------------------------------------------------------------------------------------

class RefSyntaxError extends Error {}

const FIELD_NAME_RE = /^[a-zA-Z][a-zA-Z0-9_]*(?:\.[a-zA-Z][a-zA-Z0-9_]*)+/;
const FIELD_ARG_BARE_RE = /^[^\][\"'\s]+/;
const HEX_RE = /^0[xX][0-9a-fA-F]+/;
const NUM_RE = /^[+-]?[0-9]+\.?[0-9]*(?:[eE][+-][0-9]+)?/;

class RefParser {
  pos = 0;
  constructor(private readonly s: string) {}

  private rest(): string {
    return this.s.slice(this.pos);
  }
  private lit(t: string): boolean {
    if (this.s.startsWith(t, this.pos)) {
      this.pos += t.length;
      return true;
    }
    return false;
  }
  private rgx(re: RegExp): string | undefined {
    const m = re.exec(this.rest());
    if (!m) return undefined;
    this.pos += m[0].length;
    return m[0];
  }
  private blank(): void {
    while (this.pos < this.s.length && /\s/.test(this.s[this.pos]!)) this.pos++;
  }
  private quoted(): string | undefined {
    const q = this.s[this.pos];
    if (q !== '"' && q !== "'") return undefined;
    let i = this.pos + 1;
    let out = '';
    while (i < this.s.length) {
      const c = this.s[i]!;
      if (c === '\\' && i + 1 < this.s.length) {
        const n = this.s[i + 1]!;
        out += n === 'n' ? '\n' : n === 't' ? '\t' : n === 'r' ? '\r' : n === 'b' ? '\b' : n === 'f' ? '\f' : n;
        i += 2;
        continue;
      }
      if (c === q) {
        this.pos = i + 1;
        return out;
      }
      out += c;
      i++;
    }
    return undefined;
  }
  private transformerName(): string | undefined {
    for (const t of TRANSFORMERS) {
      if (this.lit(`${t}(`)) return t;
    }
    return undefined;
  }
  private optionalArg(): string | undefined {
    if (!this.lit('[')) return undefined;
    const a = this.quoted() ?? this.rgx(FIELD_ARG_BARE_RE);
    if (a === undefined) throw new RefSyntaxError('expected a valid field argument: a quoted string or a bare string');
    if (!this.lit(']')) throw new RefSyntaxError("expected a ']' token");
    return a;
  }

  /** FieldOrTransformer at the start of the input; does not need to consume it all. */
  parseTop(): FieldRefExpr | TransformerRefExpr {
    const name = this.rgx(FIELD_NAME_RE);
    if (name !== undefined) return this.fieldRest(name);
    const t = this.transformerName();
    if (t !== undefined) {
      this.blank();
      return this.transformerRest(t);
    }
    throw new RefSyntaxError('expected a field or a transformer');
  }

  private fieldRest(name: string): FieldRefExpr {
    const arg = this.optionalArg();
    return arg === undefined ? { kind: 'field', name } : { kind: 'field', name, arg };
  }

  private transformerRest(name: string): TransformerRefExpr {
    this.blank();
    const args: TemplateExpr[] = [];
    do {
      args.push(this.transformerArg());
      this.blank();
    } while (this.lit(','));
    this.blank();
    if (!this.lit(')')) throw new RefSyntaxError("expected a ')' token closing the transformer");
    const arg = this.optionalArg();
    return arg === undefined ? { kind: 'transformer', name, args } : { kind: 'transformer', name, args, arg };
  }

  private transformerArg(): TemplateExpr {
    this.blank();
    const num = this.rgx(HEX_RE) ?? this.rgx(NUM_RE);
    if (num !== undefined) return { kind: 'value', value: num };
    const q = this.quoted();
    if (q !== undefined) return { kind: 'value', value: q };
    if (this.lit('(')) {
      const items: TemplateExpr[] = [];
      this.blank();
      if (!this.lit(')')) {
        do {
          items.push(this.transformerArg());
          this.blank();
        } while (this.lit(','));
        if (!this.lit(')')) throw new RefSyntaxError("expected a ')' token closing the list");
      }
      return { kind: 'list', items };
    }
    const t = this.transformerName();
    if (t !== undefined) return this.transformerRest(t);
    const name = this.rgx(FIELD_NAME_RE);
    if (name !== undefined) return this.fieldRest(name);
    throw new RefSyntaxError('expected field transformer argument: field, transformer, quoted string, number, or transformer list');
  }
}

/**
 * Parse a template into literal text and references. `accept(expr)` decides whether a
 * candidate reference is valid (the field registry); it throws (any Error) to reject, and
 * the parser then tries shorter candidates, as libsinsp does. Without `accept`, every
 * syntactically valid reference is taken.
 */
export function parseOutputTemplate(
  template: string,
  accept?: (expr: FieldRefExpr | TransformerRefExpr) => void,
): ParsedTemplate {
  if (template.length === 0) throw new OutputTemplateError(template, 0, 'empty formatting token');
  const base = template.startsWith('*') ? 1 : 0;
  const s = template.slice(base);
  const parts: TemplatePart[] = [];
  let textStart = 0;
  let text = '';
  const flushText = (end: number): void => {
    text += s.slice(textStart, end);
    if (text.length > 0) parts.push({ kind: 'text', text });
    text = '';
  };
  let j = 0;
  while (j < s.length) {
    if (s[j] !== '%') {
      j++;
      continue;
    }
    const pct = j;
    flushText(j);
    if (j === s.length - 1) {
      throw new OutputTemplateError(template, base + j, 'invalid formatting syntax: formatting cannot end with a %');
    }
    let width = 0;
    let k = j + 1;
    if (/[0-9]/.test(s[k]!)) {
      const m = /^[0-9]+/.exec(s.slice(k))!;
      width = Math.min(Number.parseInt(m[0], 10), 0x7fffffff);
      k += m[0].length;
      if (k >= s.length) {
        throw new OutputTemplateError(template, base + j, 'invalid formatting syntax: formatting cannot end with a number');
      }
    }
    // Longest accepted prefix of s[k..limit).
    let limit = s.length;
    let lastError = '';
    let found: { expr: FieldRefExpr | TransformerRefExpr; end: number } | undefined;
    while (limit > k) {
      const p = new RefParser(s.slice(k, limit));
      let expr: FieldRefExpr | TransformerRefExpr;
      try {
        expr = p.parseTop();
      } catch (e) {
        lastError = e instanceof Error ? e.message : String(e);
        limit--;
        continue;
      }
      try {
        accept?.(expr);
        found = { expr, end: k + p.pos };
        break;
      } catch (e) {
        lastError = e instanceof Error ? e.message : String(e);
        // Any limit >= the parsed end yields the same parse; skip straight below it.
        limit = Math.min(limit - 1, k + p.pos - 1);
      }
    }
    if (found === undefined) {
      throw new OutputTemplateError(template, base + pct, `unknown filter: ${lastError}`);
    }
    parts.push({ kind: 'ref', expr: found.expr, key: exprKey(found.expr), width, offset: base + pct });
    j = found.end;
    textStart = j;
  }
  flushText(s.length);
  return { parts };
}

// ---------------------------------------------------------------------------------------
// Compilation
// ---------------------------------------------------------------------------------------

/** Output of a compiled template for one event. */
export interface RenderedOutput {
  readonly text: string;
  readonly fields: Record<string, OutputJsonValue>;
}

export type CompiledOutput<C> = (ctx: C) => RenderedOutput;

/** The field and transformer chain of a unary transformer nest, or a reason it is not one. */
function unaryChain(e: FieldRefExpr | TransformerRefExpr): { field: FieldRefExpr; transformers: string[] } {
  const transformers: string[] = [];
  let cur: TemplateExpr = e;
  while (cur.kind === 'transformer') {
    if (cur.args.length !== 1) throw new Error(`transformer '${cur.name}' with ${cur.args.length} arguments is not supported`);
    if (cur.arg !== undefined) throw new Error(`transformer '${cur.name}' does not take an argument`);
    transformers.unshift(cur.name);
    cur = cur.args[0]!;
  }
  if (cur.kind !== 'field') throw new Error(`transformer '${transformers[0] ?? ''}' needs a field argument`);
  return { field: cur, transformers };
}

/** Default JSON rendering when the resolver gives none. */
export function defaultJsonValue(value: FieldValue, format: (v: FieldValue) => string): OutputJsonValue {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') {
    return value;
  }
  if (Array.isArray(value)) {
    return (value as readonly FieldValue[]).map((v) => defaultJsonValue(v, format));
  }
  return format(value);
}

/**
 * libsinsp's `sinsp_filter_check::rawval_to_json` for a field's value: integers in decimal
 * or id print format as JSON numbers (bigint when 64-bit), in hex/octal/zero-padded
 * format as their text; doubles in decimal format truncated to an integer; booleans as
 * booleans; strings, paths, buffers and IPv4/IPv6 addresses as their text; socket families
 * as null; every other type as its text. A list field is an array of such values; several
 * candidate values of a non-list field (e.g. `proc.aname` without index) are rendered as
 * one text.
 */
export function libsinspJsonValue(
  spec: { readonly type: FieldType; readonly printFormat?: string; readonly isList?: boolean },
  value: FieldValue,
  format: (v: FieldValue) => string,
): OutputJsonValue {
  if (Array.isArray(value)) {
    if (!spec.isList) return format(value);
    return (value as readonly FieldValue[]).map((v) => libsinspJsonValue({ ...spec, isList: false }, v, format));
  }
  const pf = spec.printFormat ?? 'dec';
  const decimal = pf === 'dec' || pf === 'id';
  switch (spec.type) {
    case 'int8':
    case 'int16':
    case 'int32':
    case 'int64':
    case 'pid':
    case 'fd':
    case 'uint8':
    case 'uint16':
    case 'uint32':
    case 'uint64':
    case 'l4proto':
    case 'port':
    case 'flags8':
    case 'flags16':
    case 'flags32':
    case 'enumflags8':
    case 'enumflags16':
    case 'enumflags32':
    case 'uid':
    case 'gid':
    case 'reltime':
    case 'abstime':
      if (decimal && (typeof value === 'number' || typeof value === 'bigint')) return value;
      return format(value);
    case 'double':
      if (typeof value === 'number') return pf === 'dec' ? Math.trunc(value) : value;
      return format(value);
    case 'bool':
      return typeof value === 'boolean' ? value : Boolean(value);
    case 'sockfamily':
      return null;
    default:
      return format(value);
  }
}

const NA = '<NA>';
const utf8 = new TextEncoder();
const utf8dec = new TextDecoder('utf-8');

/** C++ `std::string::resize(width, ' ')` on the UTF-8 bytes. */
function fitWidth(s: string, width: number): string {
  const b = utf8.encode(s);
  if (b.length === width) return s;
  if (b.length > width) return utf8dec.decode(b.subarray(0, width));
  return s + ' '.repeat(width - b.length);
}

interface CompiledRef<C> {
  readonly text: (ctx: C) => string;
}

/**
 * Parse and compile an output template. Throws `OutputTemplateError` for a bad template
 * (including unknown fields, reported at the `%`).
 */
export function compileOutput<C>(template: string, resolveField: OutputFieldResolver<C>): CompiledOutput<C> {
  const resolved = new Map<FieldRefExpr | TransformerRefExpr, ResolvedOutputField<C>>();
  const parsed = parseOutputTemplate(template, (expr) => {
    const { field, transformers } = unaryChain(expr);
    const r = resolveField(field.name, field.arg, transformers);
    resolved.set(expr, r);
  });

  // JSON keys: the inner field of every reference, untransformed (libsinsp resolution tokens).
  const jsonTokens: { key: string; r: ResolvedOutputField<C> }[] = [];
  const seen = new Set<string>();
  const pieces: (string | CompiledRef<C>)[] = [];
  for (const part of parsed.parts) {
    if (part.kind === 'text') {
      pieces.push(part.text);
      continue;
    }
    const r = resolved.get(part.expr)!;
    const { field, transformers } = unaryChain(part.expr);
    const key = exprKey(field);
    if (!seen.has(key)) {
      seen.add(key);
      jsonTokens.push({ key, r: transformers.length === 0 ? r : resolveField(field.name, field.arg, []) });
    }
    const width = part.width;
    pieces.push({
      text: (ctx: C): string => {
        const v = r.extract(ctx);
        const s = v === undefined ? NA : r.format(v, ctx);
        return width > 0 ? fitWidth(s, width) : s;
      },
    });
  }

  return (ctx: C): RenderedOutput => {
    let text = '';
    for (const p of pieces) text += typeof p === 'string' ? p : p.text(ctx);
    const fields: Record<string, OutputJsonValue> = {};
    for (const t of jsonTokens) {
      const v = t.r.extract(ctx);
      fields[t.key] =
        v === undefined ? null : t.r.json ? t.r.json(v, ctx) : defaultJsonValue(v, (x) => t.r.format(x, ctx));
    }
    return { text, fields };
  };
}

/**
 * The suffix Falco's `append_output: [suggested_output: true]` adds for fields flagged as
 * suggested output (libsinsp EPF_FORMAT_SUGGESTED): ` foo_bar=%foo.bar` for each, in
 * field-table order (Falco app/actions/init_falco_engine.cpp, one extra format each,
 * joined to the rule output with a space by the rule compiler).
 */
export function suggestedOutputFormats(fieldNames: readonly string[]): string[] {
  return fieldNames.map((n) => `${n.replace(/\./g, '_')}=%${n}`);
}

/**
 * The fields the container plugin flags as suggested output (falcosecurity/plugins,
 * plugins/container/src/caps/extract/extract.cpp, since plugin v0.2.1 — the plugin Falco
 * >= 0.41 bundles), in its field-table order. With the default
 * `append_output: [suggested_output: true]`, every syscall rule's output therefore ends with
 * ` container_id=%container.id container_name=%container.name
 * container_image_repository=%container.image.repository
 * container_image_tag=%container.image.tag k8s_pod_name=%k8s.pod.name k8s_ns_name=%k8s.ns.name`.
 */
export const CONTAINER_PLUGIN_SUGGESTED_FIELDS: readonly string[] = [
  'container.id',
  'container.name',
  'container.image.repository',
  'container.image.tag',
  'k8s.pod.name',
  'k8s.ns.name',
];
