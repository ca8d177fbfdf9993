/**
 * sysdig's `-p` output formats (libsinsp sinsp_evt_formatter::set_format, 0.29):
 *
 * - a leading `*` prints the line even when some field has no value (`<NA>`); without it
 *   an event with any field lacking a value prints nothing;
 * - `%field` is the longest field name that prefixes the text after `%`; a field that
 *   takes an argument reads it from `[...]` (up to the first `]`) or, for named arguments,
 *   `.name` (`%evt.arg.fd`); everything else is literal text (`%proc.name[1]` prints the
 *   name followed by `[1]`);
 * - `%20field` pads or cuts the value to 20 characters;
 * - backslash escapes `\n`, `\t`, `\e`, `\\` (sysdig's escape_output_format).
 */
import { InputError } from '../../errors.js';
import { EVENT_TABLE } from '../../scap/event-table.js';
import type { ReplayFieldDef } from '../fields/def.js';

export interface TemplateText {
  readonly kind: 'text';
  readonly text: string;
}

export interface TemplateField {
  readonly kind: 'field';
  /** The field as written, without the width: `proc.name`, `evt.arg.fd`, `evt.arg[0]` (the JSON key). */
  readonly text: string;
  readonly def: ReplayFieldDef;
  /** The argument from `[...]` or `.name`, if any. */
  readonly arg: string | undefined;
  /** Width from `%20field` (0 = as is). */
  readonly width: number;
  /** Offset of the `%` in the format (after escapes are applied). */
  readonly offset: number;
}

export type TemplateToken = TemplateText | TemplateField;

export interface ParsedFormat {
  /** False when the format started with `*`: fields without a value print `<NA>`. */
  readonly requireAll: boolean;
  readonly tokens: readonly TemplateToken[];
}

/** sysdig's escape_output_format: `\n`, `\t`, `\e`, `\\`; any other backslash stays. */
export function unescapeFormat(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const n = s[i + 1];
    if (n === 'n') out += '\n';
    else if (n === 't') out += '\t';
    else if (n === 'e') out += '\x1b';
    else if (n === '\\') out += '\\';
    else {
      out += '\\';
      continue;
    }
    i++;
  }
  return out;
}

/** Parameter names of every event, longest first (sysdig's find_longest_matching_evt_param). */
let paramNames: string[] | undefined;
function longestParamName(text: string): string | undefined {
  if (paramNames === undefined) {
    const set = new Set<string>();
    for (const e of EVENT_TABLE) for (const p of e.params) set.add(p.name);
    paramNames = [...set].sort((a, b) => b.length - a.length);
  }
  for (const n of paramNames) if (text.startsWith(n)) return n;
  return undefined;
}

/** Characters of a named argument after a dot (label keys, env names). */
const KEY_CHAR = /[A-Za-z0-9_\-/.]/;

export class FormatError extends InputError {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
    this.name = 'FormatError';
  }
}

/**
 * Parses a `-p` format (escapes already applied by the caller or not: pass `escapes: true`
 * to apply them) against the field definitions.
 */
export function parseFormat(format: string, defs: readonly ReplayFieldDef[], opts: { escapes?: boolean } = {}): ParsedFormat {
  let fmt = opts.escapes === false ? format : unescapeFormat(format);
  if (fmt === '') throw new FormatError('empty output format', 0);
  let requireAll = true;
  if (fmt[0] === '*') {
    requireAll = false;
    fmt = fmt.slice(1);
  }
  const byLength = [...defs].sort((a, b) => b.name.length - a.name.length);
  const tokens: TemplateToken[] = [];
  let textStart = 0;
  let j = 0;
  const n = fmt.length;
  for (; j < n; j++) {
    if (fmt[j] !== '%') continue;
    if (textStart !== j) tokens.push({ kind: 'text', text: fmt.slice(textStart, j) });
    const pct = j;
    if (j === n - 1) throw new FormatError('invalid output format: it cannot end with a %', j);
    let width = 0;
    let k = j + 1;
    while (k < n && fmt[k]! >= '0' && fmt[k]! <= '9') k++;
    if (k > j + 1) {
      if (k >= n) throw new FormatError('invalid output format: it cannot end with a number', j);
      width = Number(fmt.slice(j + 1, k));
    }
    const rest = fmt.slice(k);
    const def = byLength.find((d) => rest.startsWith(d.name));
    if (def === undefined) {
      const word = /^[A-Za-z0-9_.]*/.exec(rest)![0];
      throw new FormatError(`invalid output format: unknown field '${word || rest.slice(0, 20)}' at offset ${k}`, k);
    }
    if (def.filterOnly) throw new FormatError(`invalid output format: ${def.name} is filter only and cannot be used as a display field`, k);
    let len = def.name.length;
    let arg: string | undefined;
    if (def.arg !== 'none') {
      const next = rest[len];
      const takesKey = def.arg === 'key' || def.arg === 'optional-key' || def.arg === 'index-or-key' || def.arg === 'optional-index-or-key';
      if (next === '[') {
        const close = rest.indexOf(']', len);
        if (close < 0) throw new FormatError(`invalid output format: missing ']' after '${def.name}['`, k + len);
        arg = rest.slice(len + 1, close);
        len = close + 1;
      } else if (next === '.' && takesKey) {
        const after = rest.slice(len + 1);
        let name: string | undefined;
        if (def.name === 'evt.arg' || def.name === 'evt.rawarg') {
          name = longestParamName(after);
          if (name === undefined) throw new FormatError(`invalid output format: unknown event argument '${after.split(/[^A-Za-z0-9_]/)[0]}'`, k + len + 1);
        } else {
          let e = 0;
          while (e < after.length && KEY_CHAR.test(after[e]!)) e++;
          // A trailing dot ends the sentence, not the key.
          while (e > 0 && after[e - 1] === '.') e--;
          name = after.slice(0, e);
        }
        if (name === '') throw new FormatError(`invalid output format: '${def.name}.' needs an argument`, k + len);
        arg = name;
        len += 1 + name.length;
      } else if (def.arg === 'index' || def.arg === 'key' || def.arg === 'index-or-key') {
        throw new FormatError(`invalid output format: field '${def.name}' needs an argument ('${def.name}[...]')`, k);
      }
    }
    tokens.push({ kind: 'field', text: rest.slice(0, len), def, arg, width, offset: pct });
    j = k + len - 1;
    textStart = j + 1;
  }
  if (textStart < n) tokens.push({ kind: 'text', text: fmt.slice(textStart) });
  return { requireAll, tokens };
}
