/** `inspect`: print a capture's events exactly as `sysdig -r` (0.29.3) does. */
export {
  inspectCapture,
  inspectReadsMemoryCounters,
  checkInspectFormat,
  stateViewOf,
  FormatError,
  type InspectOptions,
  type InspectSink,
  type InspectSummary,
} from './inspect.js';
export { parseFormat, unescapeFormat, type ParsedFormat, type TemplateToken, type TemplateField, type TemplateText } from './template.js';
export { encodeJsonObject, jsonQuote, type InspectJsonValue } from './json.js';
export { DEFAULT_FORMAT, SYSDIG029_INTERNAL_CODES, sysdig029TypeName } from './sysdig029.js';
