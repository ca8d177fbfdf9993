/** The syscall-source field classes, their registry, evaluation context and value rendering. */
export * from './types.js';
export {
  createReplayContext,
  bindEvent,
  ipToString,
  parseIp,
  type ReplayContext,
  type StateView,
} from './context.js';
export type { PrintFormat, ReplayCompiledField, ReplayFieldDef } from './def.js';
export { formatFieldValue, formatNumber, NA, type FormatSpec } from './format.js';
export { EVT_FIELDS } from './evt.js';
export { PROC_FIELDS, capsToString } from './proc.js';
export { FD_FIELDS } from './fd.js';
export { FDLIST_FIELDS } from './fdlist.js';
export { FSPATH_FIELDS } from './fspath.js';
export { USER_FIELDS } from './user.js';
export { GROUP_FIELDS } from './group.js';
export { CONTAINER_FIELDS } from './container.js';
export {
  ALL_FIELDS,
  FIELD_CLASSES,
  ReplayFieldRegistry,
  checkArg,
  listFields,
  splitFieldRef,
  syscallFieldRegistry,
  type OutputField,
} from './registry.js';
