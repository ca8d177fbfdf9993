/**
 * Load results of the rules loader: error and warning codes with Falco's names and
 * texts, the nested "context" (where in which file an item sits) and the JSON shape
 * that `falco -V file --json_output` (validate) prints for each rules file.
 *
 * Positions are kept the way Falco keeps them: 0-based line and column from the YAML
 * parser, plus a character offset. `toSourceError()` converts to the project's 1-based
 * SourceError for one-line CLI messages.
 */
import { SourceError } from '../../errors.js';

export const ERROR_CODES = [
  'LOAD_ERR_FILE_READ',
  'LOAD_ERR_YAML_PARSE',
  'LOAD_ERR_YAML_VALIDATE',
  'LOAD_ERR_COMPILE_CONDITION',
  'LOAD_ERR_COMPILE_OUTPUT',
  'LOAD_ERR_VALIDATE',
  'LOAD_ERR_EXTENSION',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** Short error texts; Falco prints these as both the short string and `codedesc`. */
export const ERROR_TEXT: Record<ErrorCode, string> = {
  LOAD_ERR_FILE_READ: 'File read error',
  LOAD_ERR_YAML_PARSE: 'YAML parse error',
  LOAD_ERR_YAML_VALIDATE: 'Error validating internal structure of YAML file',
  LOAD_ERR_COMPILE_CONDITION: 'Error compiling condition',
  LOAD_ERR_COMPILE_OUTPUT: 'Error compiling output',
  LOAD_ERR_VALIDATE: 'Error validating rule/macro/list/exception objects',
  LOAD_ERR_EXTENSION: 'Error in extension item',
};

export const WARNING_CODES = [
  'LOAD_UNKNOWN_SOURCE',
  'LOAD_UNSAFE_NA_CHECK',
  'LOAD_NO_EVTTYPE',
  'LOAD_UNKNOWN_FILTER',
  'LOAD_UNUSED_MACRO',
  'LOAD_UNUSED_LIST',
  'LOAD_UNKNOWN_ITEM',
  'LOAD_DEPRECATED_ITEM',
  'LOAD_WARNING_EXTENSION',
  'LOAD_APPEND_NO_VALUES',
  'LOAD_EXCEPTION_NAME_NOT_UNIQUE',
  'LOAD_INVALID_MACRO_NAME',
  'LOAD_INVALID_LIST_NAME',
  'LOAD_COMPILE_CONDITION',
  'LOAD_UNKNOWN_KEY',
] as const;
export type WarningCode = (typeof WARNING_CODES)[number];

export const WARNING_TEXT: Record<WarningCode, string> = {
  LOAD_UNKNOWN_SOURCE: 'Unknown event source',
  LOAD_UNSAFE_NA_CHECK: 'Unsafe <NA> comparison in condition',
  LOAD_NO_EVTTYPE: 'Condition has no event-type restriction',
  LOAD_UNKNOWN_FILTER: 'Unknown field or event-type in condition or output',
  LOAD_UNUSED_MACRO: 'Unused macro',
  LOAD_UNUSED_LIST: 'Unused list',
  LOAD_UNKNOWN_ITEM: 'Unknown rules file item',
  LOAD_DEPRECATED_ITEM: 'Used deprecated item',
  LOAD_WARNING_EXTENSION: 'Warning in extension item',
  LOAD_APPEND_NO_VALUES: 'Overriding/appending with no values',
  LOAD_EXCEPTION_NAME_NOT_UNIQUE: 'Multiple exceptions defined with the same name',
  LOAD_INVALID_MACRO_NAME: 'Invalid macro name',
  LOAD_INVALID_LIST_NAME: 'Invalid list name',
  LOAD_COMPILE_CONDITION: 'Warning in rule condition',
  LOAD_UNKNOWN_KEY: 'Unknown key in item definition',
};

export const WARNING_DESC: Record<WarningCode, string> = {
  LOAD_UNKNOWN_SOURCE:
    'A rule has a unknown event source. This can occur when reading rules content without having a corresponding plugin loaded, etc. The rule will be silently ignored.',
  LOAD_UNSAFE_NA_CHECK:
    "Comparing a field value with <NA> is unsafe and can lead to unpredictable behavior of the rule condition. If you need to check for the existence of a field, consider using the 'exists' operator instead.",
  LOAD_NO_EVTTYPE:
    'A rule condition matches too many evt.type values. This has a significant performance penalty. Make the condition more specific by adding an evt.type field or further restricting the number of evt.type values in the condition.',
  LOAD_UNKNOWN_FILTER:
    'A rule condition or output refers to a field or evt.type that does not exist. This is normally an error, but if a rule has a skip-if-unknown-filter property, the error is downgraded to a warning.',
  LOAD_UNUSED_MACRO: 'A macro is defined in the rules content but is not used by any other macro or rule.',
  LOAD_UNUSED_LIST: 'A list is defined in the rules content but is not used by any other list, macro, or rule.',
  LOAD_UNKNOWN_ITEM: 'An unknown top-level object is in the rules content. It will be ignored.',
  LOAD_DEPRECATED_ITEM: 'A deprecated item is employed by lists, macros, or rules.',
  LOAD_WARNING_EXTENSION: 'An extension item has a warning',
  LOAD_APPEND_NO_VALUES: 'A rule exception is overriding/appending with no values',
  LOAD_EXCEPTION_NAME_NOT_UNIQUE: 'A rule is defining multiple exceptions with the same name',
  LOAD_INVALID_MACRO_NAME: 'A macro is defined with an invalid name',
  LOAD_INVALID_LIST_NAME: 'A list is defined with an invalid name',
  LOAD_COMPILE_CONDITION: 'A rule condition or output have been parsed with a warning',
  LOAD_UNKNOWN_KEY:
    'An item in the rules content contains an unrecognized key. The key will be ignored. This may indicate a typo or a property placed on the wrong item type.',
};

export const DEPRECATED_FIELDS = [
  'evt.dir',
  'evt.latency',
  'evt.latency.s',
  'evt.latency.ns',
  'evt.latency.human',
  'evt.wait_latency',
] as const;
export type DeprecatedField = (typeof DEPRECATED_FIELDS)[number];

const LATENCY_DESC = 'field is not available due to the drop of enter events.';
export const DEPRECATED_FIELD_DESC: Record<DeprecatedField, string> = {
  'evt.dir':
    "due to the drop of enter events, 'evt.dir = <' always evaluates to true, and 'evt.dir = >' always evaluates to false. The rule expression can be simplified by removing the condition on 'evt.dir'",
  'evt.latency': LATENCY_DESC,
  'evt.latency.s': LATENCY_DESC,
  'evt.latency.ns': LATENCY_DESC,
  'evt.latency.human': LATENCY_DESC,
  'evt.wait_latency': LATENCY_DESC,
};

export function isDeprecatedField(f: string): f is DeprecatedField {
  return (DEPRECATED_FIELDS as readonly string[]).includes(f);
}

/** Kinds of places a context location can name; the strings are Falco's. */
export const ITEM_TYPES = {
  VALUE_FOR: 'value for',
  EXCEPTIONS: 'exceptions',
  EXCEPTION: 'exception',
  EXCEPTION_VALUES: 'exception values',
  EXCEPTION_VALUE: 'exception value',
  RULES_CONTENT: 'rules content',
  RULES_CONTENT_ITEM: 'rules content item',
  REQUIRED_ENGINE_VERSION: 'required_engine_version',
  REQUIRED_PLUGIN_VERSIONS: 'required plugin versions',
  REQUIRED_PLUGIN_VERSIONS_ENTRY: 'required plugin versions entry',
  REQUIRED_PLUGIN_VERSIONS_ALTERNATIVE: 'required plugin versions alternative',
  LIST: 'list',
  LIST_ITEM: 'list item',
  MACRO: 'macro',
  MACRO_CONDITION: 'macro condition',
  RULE: 'rule',
  RULE_CONDITION: 'rule condition',
  CONDITION_EXPRESSION: 'condition expression',
  RULE_OUTPUT: 'rule output',
  RULE_OUTPUT_EXPRESSION: 'rule output expression',
  RULE_PRIORITY: 'rule priority',
  OVERRIDE: 'overrides',
  EXTENSION_ITEM: 'extension item',
} as const;
export type ItemType = keyof typeof ITEM_TYPES;

/** A place: 0-based line/column (as Falco reports them) and a character offset. */
export interface Mark {
  readonly offset: number;
  readonly line: number;
  readonly column: number;
}

export const ZERO_MARK: Mark = { offset: 0, line: 0, column: 0 };

export interface Location {
  /** File name, or for condition expressions a quoted prefix of the condition. */
  readonly name: string;
  readonly mark: Mark;
  readonly itemType: ItemType;
  readonly itemName: string;
}

/** A position inside a condition string as the filter parser reports it (1-based line/col). */
export interface ConditionPos {
  readonly idx: number;
  readonly line: number;
  readonly col: number;
}

/** Where an item sits: the chain of enclosing items, outermost first (Falco's rule_loader::context). */
export class LoadContext {
  /** The locations from the root down, made on first use (most contexts are never reported). */
  private all: readonly Location[] | undefined;

  private constructor(
    /** The enclosing context; undefined for the root. */
    private readonly parent: LoadContext | undefined,
    /** This context's own (innermost) location. */
    readonly last: Location,
    /** For condition contexts, the condition text snippets are drawn from. */
    readonly altContent: string,
    /** The rules content's name (the root location's). */
    readonly name: string,
  ) {}

  /** The whole content of one rules file. */
  static root(name: string): LoadContext {
    return new LoadContext(undefined, { name, mark: ZERO_MARK, itemType: 'RULES_CONTENT', itemName: '' }, '', name);
  }

  /**
   * A nested location in the same file. The reader makes one for every item, key and
   * list entry and keeps the few that end up in a message: a link to the parent, not a
   * copy of its locations.
   */
  child(mark: Mark | undefined, itemType: ItemType, itemName = ''): LoadContext {
    return new LoadContext(this, { name: this.name, mark: mark ?? this.last.mark, itemType, itemName }, this.altContent, this.name);
  }

  /**
   * A place inside a condition string. Falco adds the parser's (1-based) position to
   * the YAML (0-based) position of the enclosing item, and names the location after a
   * quoted prefix of the condition; both quirks are kept.
   */
  condition(pos: ConditionPos, condition: string): LoadContext {
    let cname = '"' + (condition.length > 20 ? condition.slice(0, 17) + '..."' : condition + '"');
    cname = cname.replace(/[\n\r]/g, ' ');
    const last = this.last.mark;
    const mark: Mark = { offset: pos.idx + last.offset, line: pos.line + last.line, column: pos.col + last.column };
    return new LoadContext(this, { name: cname, mark, itemType: 'CONDITION_EXPRESSION', itemName: '' }, condition, this.name);
  }

  /** Every location, from the rules content down to this one. */
  get locations(): readonly Location[] {
    if (this.all === undefined) this.all = this.parent === undefined ? [this.last] : [...this.parent.locations, this.last];
    return this.all;
  }

  /** Falco's multi-line "In rule 'x': (file:line:col)" text. */
  asString(): string {
    let out = '';
    this.locations.forEach((loc, i) => {
      out += i === 0 ? 'In ' : '    ';
      out += ITEM_TYPES[loc.itemType];
      if (loc.itemName !== '') out += ` '${loc.itemName}'`;
      out += `: (${loc.name}:${loc.mark.line}:${loc.mark.column})\n`;
    });
    return out;
  }

  toJSON(): ContextJSON {
    return {
      locations: this.locations.map((loc) => ({
        item_type: ITEM_TYPES[loc.itemType],
        item_name: loc.itemName,
        position: { name: loc.name, line: loc.mark.line, column: loc.mark.column, offset: loc.mark.offset },
      })),
    };
  }

  /** The source line around the innermost location, with a caret (Falco's snippet()). */
  snippet(contents: ReadonlyMap<string, string>, width = 160): string {
    const loc = this.last;
    const content = this.altContent !== '' ? this.altContent : contents.get(loc.name);
    if (content === undefined) return `<No context for file + ${loc.name}>\n`;
    if (content.length === 0) return '<No context available>\n';
    let pos = loc.mark.offset;
    while (pos > 0 && (pos >= content.length || content[pos] === '\n')) pos--;
    const half = Math.floor(width / 2);
    let from = pos;
    while (from > 0 && content[from] !== '\n' && pos - from < half) from--;
    let to = pos;
    while (to < content.length - 1 && content[to] !== '\n' && to - pos < half) to++;
    if (from < content.length && content[from] === '\n') from++;
    if (to < content.length && content[to] === '\n') to--;
    let ret = content.slice(from, to + 1);
    if (ret.length === 0) return '<No context available>\n';
    if (pos - from >= half) ret = '...' + ret.slice(3);
    if (to - pos >= half) ret = ret.slice(0, ret.length - 3) + '...';
    ret += '\n';
    if (pos - from <= ret.length - 1) ret += ' '.repeat(Math.max(0, pos - from)) + '^\n';
    return ret;
  }

  /** One-line project error (1-based line/column of the innermost file location). */
  toSourceError(detail: string): SourceError {
    let fileLoc: Location | undefined;
    for (const l of this.locations) if (l.name === this.name) fileLoc = l;
    const m = (fileLoc ?? this.last).mark;
    const isRoot = this.locations.length === 1;
    return new SourceError(this.name, isRoot ? undefined : m.line + 1, isRoot ? undefined : m.column + 1, detail);
  }
}

export interface ContextJSON {
  locations: {
    item_type: string;
    item_name: string;
    position: { name: string; line: number; column: number; offset: number };
  }[];
}

export interface LoadError {
  readonly code: ErrorCode;
  readonly message: string;
  readonly context: LoadContext;
}

export interface LoadWarning {
  readonly code: WarningCode;
  readonly message: string;
  readonly context: LoadContext;
  /** Set for LOAD_DEPRECATED_ITEM warnings about a deprecated field. */
  readonly deprecatedField?: DeprecatedField;
}

export interface LoadMessageJSON {
  context: ContextJSON & { snippet: string };
  code: string;
  codedesc: string;
  message: string;
  deprecated_field?: string;
}

export interface LoadResultJSON {
  name: string;
  successful: boolean;
  /** Present when the content was parsed (schema validation ran). */
  schema_valid?: boolean;
  schema_warnings?: string[];
  errors: LoadMessageJSON[];
  warnings: LoadMessageJSON[];
}

/** An error that aborts loading of one rules content; caught and recorded by the loader. */
export class RuleLoadException extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly detail: string,
    readonly context: LoadContext,
  ) {
    super(detail);
    this.name = 'RuleLoadException';
  }
}

/** Result of loading one rules content (Falco's rule_loader::result). */
export class LoadResult {
  readonly errors: LoadError[] = [];
  readonly warnings: LoadWarning[] = [];
  /** Schema validation statuses, one or more per YAML document ("ok" or "failed for ..."). */
  schemaValidation: string[] = [];

  constructor(readonly name: string) {}

  /** Falco's schema_validation(): the first status, or "none" when validation did not run. */
  get schemaStatus(): string {
    return this.schemaValidation[0] ?? 'none';
  }

  get successful(): boolean {
    return this.errors.length === 0;
  }

  get hasWarnings(): boolean {
    return this.warnings.length > 0;
  }

  addError(code: ErrorCode, message: string, context: LoadContext): void {
    this.errors.push({ code, message, context });
  }

  addWarning(code: WarningCode, message: string, context: LoadContext): void {
    this.warnings.push({ code, message, context });
  }

  addDeprecatedFieldWarning(field: DeprecatedField, message: string, context: LoadContext): void {
    this.warnings.push({ code: 'LOAD_DEPRECATED_ITEM', message, context, deprecatedField: field });
  }

  /** Short one-line text of a warning kind, as in Falco's summary. */
  static warningText(w: LoadWarning): string {
    return WARNING_TEXT[w.code] + (w.deprecatedField !== undefined ? `: field '${w.deprecatedField}'` : '');
  }

  /** Falco's summary string (`as_string(false)`). */
  summary(): string {
    let os = this.name !== '' ? `${this.name}: ` : '';
    os += this.successful ? (this.warnings.length > 0 ? 'Ok, with warnings' : 'Ok') : 'Invalid';
    if (this.schemaValidation.length > 0 && this.schemaStatus !== 'ok') {
      os += `\n ${this.schemaValidation.length} schema warnings: [${this.schemaValidation.join(' ')}]`;
    }
    if (this.errors.length > 0) {
      os += `\n ${this.errors.length} errors: [`;
      os += this.errors.map((e) => `${e.code} (${ERROR_TEXT[e.code]})`).join(' ');
      os += ']';
    }
    if (this.warnings.length > 0) {
      os += `\n ${this.warnings.length} warnings: [`;
      os += this.warnings.map((w) => `${w.code} (${LoadResult.warningText(w)})`).join(' ');
      os += ']';
    }
    return os;
  }

  /** Falco's verbose string (`as_string(true)`). */
  verbose(contents: ReadonlyMap<string, string>): string {
    let os = this.name !== '' ? `${this.name}: ` : '';
    os += this.successful ? (this.warnings.length > 0 ? 'Ok, with warnings' : 'Ok') : 'Invalid';
    if (this.schemaValidation.length > 0 && this.schemaStatus !== 'ok') {
      os += `\n${this.schemaValidation.length} Schema warnings:\n`;
      for (const st of this.schemaValidation) os += `------\n${st}\n`;
      os += '------\n';
    }
    if (this.errors.length > 0) {
      os += `\n${this.errors.length} Errors:\n`;
      for (const e of this.errors) {
        os += e.context.asString() + '------\n' + e.context.snippet(contents) + '------\n';
        os += `${e.code} (${ERROR_TEXT[e.code]}): ${e.message}\n`;
      }
    }
    if (this.warnings.length > 0) {
      os += `\n${this.warnings.length} Warnings:\n`;
      for (const w of this.warnings) {
        os += w.context.asString() + '------\n' + w.context.snippet(contents) + '------\n';
        os += `${w.code} (${LoadResult.warningText(w)}): ${w.message}\n`;
      }
    }
    return os;
  }

  /** The JSON object Falco prints per file under `falco_load_results` when validating. */
  toJSON(contents: ReadonlyMap<string, string> = new Map()): LoadResultJSON {
    const schema: Pick<LoadResultJSON, 'schema_valid' | 'schema_warnings'> = {};
    if (this.schemaValidation.length > 0) {
      schema.schema_valid = this.schemaStatus === 'ok';
      schema.schema_warnings = schema.schema_valid ? [] : [...this.schemaValidation];
    }
    return {
      name: this.name,
      successful: this.successful,
      ...schema,
      errors: this.errors.map((e) => ({
        context: { ...e.context.toJSON(), snippet: e.context.snippet(contents) },
        code: e.code,
        codedesc: ERROR_TEXT[e.code],
        message: e.message,
      })),
      warnings: this.warnings.map((w) => {
        const j: LoadMessageJSON = {
          context: { ...w.context.toJSON(), snippet: w.context.snippet(contents) },
          code: w.code,
          codedesc: WARNING_DESC[w.code],
          message: w.message,
        };
        if (w.deprecatedField !== undefined) j.deprecated_field = w.deprecatedField;
        return j;
      }),
    };
  }

  /** The first error as a one-line project error, or undefined when successful. */
  firstError(): SourceError | undefined {
    const e = this.errors[0];
    return e === undefined ? undefined : e.context.toSourceError(`${e.code}: ${e.message}`);
  }
}

/** Falco's `{"falco_load_results": [...]}` document for a validate run. */
export function validationJSON(
  results: readonly LoadResult[],
  contents: ReadonlyMap<string, string>,
): { falco_load_results: LoadResultJSON[] } {
  return { falco_load_results: results.map((r) => r.toJSON(contents)) };
}

/**
 * Serialize like nlohmann::json::dump(-1) as Falco prints it: object keys sorted
 * (nlohmann objects are ordered maps), no whitespace.
 */
export function falcoJSONString(value: unknown): string {
  const sortKeys = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sortKeys);
    if (v !== null && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(o).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
        if (o[k] !== undefined) out[k] = sortKeys(o[k]);
      }
      return out;
    }
    return v;
  };
  return JSON.stringify(sortKeys(value));
}
