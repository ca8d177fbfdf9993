/**
 * Falco's JSON alert (userspace/engine/formats.cpp, falco_formats::format_event, OF_JSON):
 *
 *   {"hostname":H,"message":M?,"output":O?,"output_fields":{...}?,"priority":P,
 *    "rule":R,"source":S,"tags":[...]?,"time":"YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ"}
 *
 * Keys sorted (nlohmann::json objects are std::maps), compact. `output` (the full text line,
 * unescaped) with json_include_output_property, `tags` (sorted set) with
 * json_include_tags_property, `message` (the rule output alone) with
 * json_include_message_property, `output_fields` with json_include_output_fields_property:
 * the template's fields, then the prefix's time field (`evt.time`, or `evt.time.iso8601`
 * with time_format_iso_8601) whose JSON value is the timestamp in ns as an integer, then
 * append_output extra_fields.
 */
import { formatPriority } from '../rules/types.js';
import type { Alert, JsonAlertOptions } from './alert.js';
import type { OutputJsonValue } from './format.js';
import { encodeFalcoJson, type FalcoJson } from './jsonenc.js';
import { alertOutput } from './text.js';
import { formatJsonTime } from './time.js';

/** The JSON object (values as Falco would encode them; bigint = exact integer). */
export function buildJsonAlert(alert: Alert, opts: JsonAlertOptions): Record<string, FalcoJson> {
  const event: Record<string, FalcoJson> = {
    time: formatJsonTime(alert.time),
    rule: alert.rule,
    priority: formatPriority(alert.priority),
    source: alert.source,
    hostname: alert.hostname,
  };
  if (opts.includeOutput) event['output'] = alertOutput(alert, opts);
  if (opts.includeTags) event['tags'] = [...new Set(alert.tags)].sort(byteOrder);
  if (opts.includeMessage) event['message'] = alert.output;
  if (opts.includeOutputFields) {
    const f: Record<string, OutputJsonValue> = { ...alert.outputFields };
    f[opts.timeFormatIso8601 ? 'evt.time.iso8601' : 'evt.time'] = alert.time;
    if (alert.extraFields) Object.assign(f, alert.extraFields);
    event['output_fields'] = f;
  }
  return event;
}

function byteOrder(a: string, b: string): number {
  return a === b ? 0 : Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** The JSON line (no trailing newline). */
export function formatJsonAlert(alert: Alert, opts: JsonAlertOptions): string {
  return encodeFalcoJson(buildJsonAlert(alert, opts));
}
