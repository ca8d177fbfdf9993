/** Falco's rules loader: reader → collector → compiler, plus the event-type indexed ruleset. */
export * from './result.js';
export * from './types.js';
export { loadAllWithPositions, getKey, keyText, YamlSyntaxError, type YNode, type YMap, type YSeq, type YScalar, type YNull } from './yaml.js';
export {
  readRulesContent,
  readRulesFiles,
  expandRulesPaths,
  implicitEngineVersion,
  WARNING_APPEND,
  WARNING_ENABLED,
  ERROR_OVERRIDE_APPEND,
  type LoadConfig,
  type RulesContent,
  type ExtraOutputFormat,
  type ExtraOutputField,
} from './reader.js';
export * from './collector.js';
export * from './compiler.js';
export * from './evttypes.js';
export * from './ruleset.js';
export * from './loader.js';
export * from './source.js';
export { filterRuleSource, checkOutputFormat, checkEventTypeNames, type FilterSourceOptions, type TokenResult } from './filter-source.js';
export { validateRulesSchema, SCHEMA_OK } from './schema.js';
export { matchesWildcard } from './wildcard.js';
