/**
 * Falco's text alert line (userspace/engine/formats.cpp, falco_formats::format_event):
 *
 *   prefix  = "%evt.time: " + Priority        (or "%evt.time.iso8601: " + Priority)
 *   output  = prefix + " " + message
 *   line    = output JSON-string-escaped, without the surrounding quotes
 *
 * e.g. `17:21:32.262463845: Warning Sensitive file opened (file=/etc/shadow)`. The escaping
 * means a `"` in a value prints as `\"`, a backslash as `\\`, a newline as `\n`.
 * The stdout/file outputs then add "\n".
 */
import { formatPriority } from '../rules/types.js';
import type { Alert, AlertFormatOptions } from './alert.js';
import { encodeJsonString } from './jsonenc.js';
import { formatEvtTime, formatEvtTimeIso8601 } from './time.js';

/** The time and priority prefix, e.g. `17:21:32.262463845: Warning`. */
export function alertPrefix(alert: Pick<Alert, 'time' | 'priority'>, opts: AlertFormatOptions): string {
  const t = opts.timeFormatIso8601 ? formatEvtTimeIso8601(alert.time) : formatEvtTime(alert.time, opts.tzOffsetSeconds);
  return `${t}: ${formatPriority(alert.priority)}`;
}

/** The complete unescaped output (Falco's JSON `output` property). */
export function alertOutput(alert: Pick<Alert, 'time' | 'priority' | 'output'>, opts: AlertFormatOptions): string {
  return `${alertPrefix(alert, opts)} ${alert.output}`;
}

/** The text line (no trailing newline). */
export function formatTextAlert(alert: Alert, opts: AlertFormatOptions): string {
  const enc = encodeJsonString(alertOutput(alert, opts));
  return enc.slice(1, -1);
}
