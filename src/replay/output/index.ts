export * from './alert.js';
export * from './format.js';
export * from './text.js';
export * from './json.js';
export * from './time.js';
export { encodeFalcoJson, encodeJsonString, type FalcoJson } from './jsonenc.js';
export * from './sinks.js';
export * from './emit.js';
