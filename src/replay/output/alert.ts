/**
 * One alert, as Falco's output layer sees it (falco_outputs::handle_event → falco_formats).
 *
 * Rendering into a text line or a JSON object is done by `text.ts` / `json.ts`, which add
 * the time and priority prefix; `output` here is only the rendered rule output.
 */
import type { Priority } from '../rules/types.js';
import type { OutputJsonValue } from './format.js';

export interface Alert {
  /** Event timestamp, nanoseconds since the epoch. */
  readonly time: bigint;
  readonly rule: string;
  readonly priority: Priority;
  /** Event source name, e.g. `syscall`. */
  readonly source: string;
  /** The rule's tags (printed sorted and de-duplicated, as Falco's std::set). */
  readonly tags: readonly string[];
  readonly hostname: string;
  /**
   * The rendered rule output (with any append_output formats already in the template),
   * without the time/priority prefix: what Falco's JSON calls `message`.
   */
  readonly output: string;
  /** The template's `output_fields` (see format.ts), without the time field. */
  readonly outputFields: Readonly<Record<string, OutputJsonValue>>;
  /**
   * append_output `extra_fields`, already rendered: a formatted field as its text, a raw
   * field as its JSON value. Only JSON output shows them.
   */
  readonly extraFields?: Readonly<Record<string, OutputJsonValue>>;
}

/** Options shared by the text and JSON renderers (falco.yaml keys). */
export interface AlertFormatOptions {
  /** `time_format_iso_8601`. */
  readonly timeFormatIso8601: boolean;
  /**
   * Offset of local time from UTC in seconds for the non-ISO time (libsinsp takes the
   * offset in effect *now*, not at the event's time). Default: from the process's TZ.
   */
  readonly tzOffsetSeconds?: number;
}

/** The JSON-only switches (`json_include_*_property`). */
export interface JsonAlertOptions extends AlertFormatOptions {
  readonly includeOutput: boolean;
  readonly includeTags: boolean;
  readonly includeMessage: boolean;
  readonly includeOutputFields: boolean;
}

export const DEFAULT_JSON_ALERT_OPTIONS: JsonAlertOptions = {
  timeFormatIso8601: false,
  includeOutput: true,
  includeTags: true,
  includeMessage: false,
  includeOutputFields: true,
};
