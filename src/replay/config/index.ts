export {
  DEFAULT_CONFIG_YAML,
  configFromTree,
  expandEnvVars,
  loadConfig,
  yamlBool,
  type AppendOutputEntry,
  type LoadConfigOptions,
  type ReplayConfig,
  type RuleMatching,
  type RuleSelection,
} from './config.js';
export {
  applyOverride,
  parseKeyPath,
  parseOverride,
  parseYamlTree,
  type CNode,
  type ConfigOverride,
  type Origin,
  type PathStep,
} from './tree.js';
export {
  engineAppendOutput,
  type AppendOutputEnv,
  type EngineExtraOutputField,
  type EngineExtraOutputFormat,
} from './append.js';
export { FALCO_PLUGINS_DIR, readPluginsConfig, yamlNodeToJson, type PluginConfigEntry } from './plugins.js';
