/**
 * The replay state engine: host state rebuilt from a capture's state blocks and events
 * with libsinsp's semantics. `HostState` is the entry point; the model classes
 * (ThreadInfo, FdInfo, ...) are the contract read by the field classes.
 */
export { HostState, type HostStateOptions } from './engine.js';
export * from './threads.js';
export * from './fds.js';
export { UserTable } from './users.js';
export { ContainerTable, containerFromCgroups, parseContainerJson, containerTypeName, CONTAINER_TYPE_NAMES, type CgroupMatch } from './containers.js';
export { PARSERS, STORE_ENTER, EXIT_FD_LOCATION, enterFdLocation, type Parser, type ParseContext } from './parsers.js';
export { has as hasParam, int as intParam, uint as uintParam, u64 as u64Param, str as strParam, strList as strListParam, bytes as bytesParam, paramIndex, type ParamSource } from './evparams.js';
export * from './model.js';
