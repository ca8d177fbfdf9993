export { loadPlugin, Plugin, PluginCapture, readPluginInfo } from './plugin.js';
export type {
  BatchExtractor,
  EventsOptions,
  InitSchema,
  LoadPluginOptions,
  OpenParam,
  PluginCapability,
  PluginInfo,
  PluginLogEntry,
  PluginLogSeverity,
  PluginMetric,
  PluginProgress,
} from './plugin.js';
export { PluginError, PluginHostUnavailableError } from './errors.js';
export {
  PLUGIN_FIELD_TYPE_CODES,
  PLUGIN_TO_FIELD_TYPE,
  PluginFieldBinder,
  PluginRows,
  parsePluginFields,
  resolveRequest,
} from './fields.js';
export type { PluginEvalContext, PluginField, PluginFieldArg, PluginFieldRequest, PluginFieldType, PluginRow } from './fields.js';
export { PluginEventBatch, PPME_ASYNCEVENT_E, PPME_PLUGINEVENT_E, PLUGIN_EVENT_PAYLOAD_OFFSET, concatEvents, decodeEvent, encodeAsyncEvent, encodePluginEvent } from './events.js';
export type { PluginEvent } from './events.js';
export { validateJsonSchema } from './schema.js';
export type { Json } from './schema.js';
export { BUILD_COMMAND as PLUGIN_HOST_BUILD_COMMAND, loadPluginHostAddon, pluginHostAddonPath } from './native.js';
export type { NativeValue, NativeScalar } from './native.js';
export { StateType, THREAD_TABLE_FIELDS, ThreadsTableSource, threadsTable } from './tables.js';
export type { StateTypeName, TableFieldSpec, ThreadLookup } from './tables.js';
